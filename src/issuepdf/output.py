"""Writing outputs so that a failed or interrupted build never leaves a partial file."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .problems import IssuepdfError


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


class BuildLocked(IssuepdfError):
    """Another build of the same issue is running."""


@contextmanager
def build_lock(issue_dir: Path) -> Iterator[None]:
    """Hold the issue's build lock, so two builds of one issue never interleave their writes.

    The lock is an advisory `flock` on `.cache/build.lock`: the kernel releases it when the holder
    exits, so a crashed or killed build never leaves a stale lock behind.
    """
    lock_path = issue_dir / ".cache" / "build.lock"
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole block
    except OSError as err:
        raise IssuepdfError(f"cannot create the build lock {lock_path}: {err.strerror}") from err
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise BuildLocked(f"another build of {issue_dir} is running; wait for it to finish") from err
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
