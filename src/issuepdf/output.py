"""Writing outputs so that a failed or interrupted build never leaves a partial file."""

from __future__ import annotations

import os
import tempfile
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
