"""What made a PDF: the versions of issuepdf, the libraries that shape its pages, and the fonts, and the
file hashes that name them. Editions record them in the archive edition; the archive in its manifest."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .. import __version__
from ..content.fonts import fonts_sha256

LIBRARIES = ("weasyprint", "plotly", "kaleido", "pydantic")
"""The libraries whose version changes the pages."""


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's bytes, read in chunks (editions and photos can be large)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def versions(fonts_dir: Path) -> dict[str, str]:
    """The versions of issuepdf, the libraries that shape a PDF, and the fonts."""
    found = {"issuepdf": __version__}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    found["fonts"] = f"sha256:{fonts_sha256(fonts_dir)}"
    return found
