"""Where things are: the project an issue belongs to (its layouts and fonts, beside the issues or in the
source tree). A run finds it once and carries it in a `project.Project`. And how a file is read from
those folders when no check came first (`read_inside`)."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from .errors import IssuepdfError

SOURCE_ROOT = Path(__file__).resolve().parents[3]
"""The repository this package was installed from (editable installs)."""


def project_root(issue_dir: Path) -> Path:
    """The nearest folder with `layouts/` and `fonts/`, from `issue_dir` up, else the source tree.

    Never an issue folder (one that holds `issue.yaml`): the project's `fonts/fonts.conf` tells
    fontconfig which folders to read and write and its `issuepdf.yaml` names the command `serve` runs,
    so an issue that carried both would run its own code and reach outside its folder. An issue's
    `layouts/` overrides templates only.
    """
    start = issue_dir.resolve()
    for folder in [*([] if os.path.lexists(start / "issue.yaml") else [start]), *start.parents, SOURCE_ROOT]:
        if (folder / "layouts" / "base.html").is_file() and (folder / "fonts" / "fonts.conf").is_file():
            return folder
    raise IssuepdfError(
        f"no layouts/ and fonts/ found above {issue_dir} or in {SOURCE_ROOT}; run issuepdf in a project"
    )


def cache_dir(issue_dir: Path) -> Path:
    """Per-issue cache of rendered charts; safe to delete, never committed."""
    return confined(issue_dir / ".cache", issue_dir)


def confined(folder: Path, issue_dir: Path) -> Path:
    """A folder of the issue that issuepdf writes in (`out/`, `.cache/` and the folders in it), refused when
    it is a link out of the issue folder: an issue folder may come from anyone, and the build would write
    wherever the link leads."""
    if os.path.lexists(folder) and not folder.resolve().is_relative_to(issue_dir.resolve()):
        raise IssuepdfError(f"{folder} is a link out of the issue folder; delete it (issuepdf writes there)")
    return folder


MAX_RESOURCE_BYTES = 200_000_000
"""Largest file the typesetter reads (a photo, font or stylesheet): a 60-megapixel TIFF is 180 MB."""


def read_inside(path: Path, roots: Sequence[Path], max_bytes: int = MAX_RESOURCE_BYTES) -> tuple[int, Path, bytes]:
    """Which of the resolved `roots` a file lies in, its real path and its bytes; ValueError saying why not.

    A name that leads outside is refused unopened; then the check is made again on the file as opened:
    the real path of the open descriptor must lie inside a root (so a folder or link swapped in between
    is caught), it must be a regular file (a FIFO or device would block or never end), and no larger than
    `max_bytes` (a sparse file can claim gigabytes). It is opened without blocking and without following
    a final link.
    """
    if not any(path.resolve().is_relative_to(root) for root in roots):  # refused unopened, as named
        raise ValueError(f"refused {path.resolve()}: outside the issue, layouts and fonts folders")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        raise ValueError(f"refused {path}: {err.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        real = Path(os.readlink(f"/proc/self/fd/{fd}")) if Path("/proc/self/fd").is_dir() else path.resolve()
        index = next((i for i, root in enumerate(roots) if real.is_relative_to(root)), None)
        if index is None:
            raise ValueError(f"refused {real}: outside the issue, layouts and fonts folders")
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"refused {path}: not a regular file")
        if info.st_size > max_bytes:
            raise ValueError(f"refused {path}: {info.st_size:,} bytes; the limit is {max_bytes:,}")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"refused {path}: more than {max_bytes:,} bytes")
    return index, real, data
