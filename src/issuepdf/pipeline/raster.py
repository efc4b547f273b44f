"""PDF pages as PNG images, through poppler's pdftoppm: previews and the archive's cover thumbnails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..content.errors import IssuepdfError


def _pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if not found:
        raise IssuepdfError("pdftoppm not found: install it with `sudo apt-get install poppler-utils`")
    return found


def render_pages(pdf: Path, pages: list[int], out: Path, dpi: int, prefix: str = "page") -> list[Path]:
    """One PNG per page, named `<prefix>-NN.png`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for page in pages:
        stem = out / f"{prefix}-{page:02d}"
        command = [_pdftoppm(), "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page)]
        done = subprocess.run([*command, str(pdf), str(stem)], capture_output=True, text=True)
        if done.returncode:
            raise IssuepdfError(f"pdftoppm could not render page {page} of {pdf}: {done.stderr.strip()}")
        written.append(stem.with_suffix(".png"))
    return written
