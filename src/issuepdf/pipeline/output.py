"""Writing outputs so that a failed or interrupted build never leaves a partial file."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from ..content.errors import BuildLocked, IssuepdfError
from ..content.paths import cache_dir


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path` in one step."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise IssuepdfError(f"cannot write {path}: {err.strerror}") from err
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise IssuepdfError(f"cannot write {path}: {err.strerror}; the earlier file is unchanged") from err
        raise


@contextmanager
def staged_folder(
    target: Path, files: dict[str, bytes], failure: str, error: type[IssuepdfError] = IssuepdfError
) -> Iterator[Path]:
    """A new hidden folder beside `target` holding `files`, for the block to move into place: the folder
    then appears whole or not at all. It is removed at the end (once moved, nothing is left of it). An
    OSError, in writing or in the block's move, is raised as `error("<failure>: <reason>; nothing was
    written")`."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging", dir=target.parent))
    except OSError as err:
        raise error(f"{failure}: {err.strerror or err}") from err
    try:
        for name, data in sorted(files.items()):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        staging.chmod(0o755)
        yield staging
    except OSError as err:
        raise error(f"{failure}: {err.strerror or err}; nothing was written") from err
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def replace_together(moves: list[tuple[Path, Path]]) -> None:
    """Rename each staged file over its target, all or none: a PDF and the draft carrying it belong together.

    Each earlier target is first hard-linked aside (a second name, no copy, so no space needed);
    when a later rename fails, the earlier ones are undone and every target is as it was.
    """
    done: list[tuple[Path, Path | None]] = []
    aside: Path | None = None
    target = moves[0][1]
    try:
        for staged, target in moves:
            aside = target.with_name(f".{target.name}.{os.getpid()}.earlier")
            aside.unlink(missing_ok=True)
            try:
                os.link(target, aside)
            except FileNotFoundError:
                aside = None
            os.replace(staged, target)
            done.append((target, aside))
            aside = None
    except BaseException as err:
        if aside:
            aside.unlink(missing_ok=True)  # the target that failed is untouched
        for earlier, kept in reversed(done):
            try:
                if kept:
                    os.replace(kept, earlier)
                else:
                    earlier.unlink(missing_ok=True)
            except OSError as undo:
                raise IssuepdfError(f"cannot write {target}, nor put back {earlier} (kept as {kept})") from undo
        if isinstance(err, OSError):
            raise IssuepdfError(f"cannot write {target}: {err.strerror}; the earlier files are unchanged") from err
        raise
    for _, kept in done:
        if kept:
            kept.unlink(missing_ok=True)


@contextmanager
def build_lock(issue_dir: Path) -> Iterator[None]:
    """Hold the issue's build lock, so two builds of one issue never interleave their writes.

    The lock is an advisory `flock` on `.cache/build.lock`: the kernel releases it when the holder
    exits, so a crashed or killed build never leaves a stale lock behind. It never creates the issue
    folder: one renamed away and back would otherwise land inside a new, empty one at the old path.
    """
    if not issue_dir.is_dir():
        raise IssuepdfError(f"the issue folder {issue_dir} is gone (renamed or moved?); nothing was built")
    lock_path = cache_dir(issue_dir) / "build.lock"
    try:
        lock_path.parent.mkdir(exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole block
    except OSError as err:
        raise IssuepdfError(f"cannot create the build lock {lock_path}: {err.strerror}") from err
    with handle:
        lock_exclusively(handle, BuildLocked(f"another build of {issue_dir} is running; wait for it to finish"))
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_exclusively(file: IO[Any] | int, busy: IssuepdfError) -> None:
    """Take an advisory `flock` on an open file without waiting, or raise `busy` if another process holds it.

    The kernel releases it when the holder exits, so a crashed or killed run never leaves a stale lock.
    """
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as err:
        raise busy from err
