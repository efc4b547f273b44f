"""`issuepdf preview`: PNG images of chosen pages and a contact sheet of all, without a PDF viewer."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from ..content.errors import IssuepdfError
from ..pipeline.raster import render_pages

SHEET_COLUMNS = 6
SHEET_DPI = 24


def page_range(spec: str | None, pages: int) -> list[int]:
    """Pages named by `1-3,5` (1-based), checked against the page count; all pages when None."""
    if not spec:
        return list(range(1, pages + 1))
    chosen: list[int] = []
    for chunk in spec.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", chunk)
        if not match:
            raise IssuepdfError(f"--pages: cannot read {chunk!r}; write pages like 1-3,5")
        first, last = int(match[1]), int(match[2] or match[1])
        if not 1 <= first <= last <= pages:
            raise IssuepdfError(f"--pages: {chunk.strip()} is outside 1-{pages}")
        chosen += [page for page in range(first, last + 1) if page not in chosen]
    return chosen


def writable_folder(folder: Path) -> Path:
    """`folder`, created if need be, once a file could be written in it: fail before the build, not after."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise IssuepdfError(f"--out: cannot write page images to {folder}: {err.strerror}") from err
    return folder


def contact_sheet(pdf: Path, pages: int, out: Path) -> Path:
    """Every page small, in rows of SHEET_COLUMNS, for a look at the whole issue at once."""
    from PIL import Image

    thumbs = [Image.open(path) for path in render_pages(pdf, list(range(1, pages + 1)), out / ".thumbs", SHEET_DPI)]
    width, height = thumbs[0].size
    rows = -(-len(thumbs) // SHEET_COLUMNS)
    sheet = Image.new("RGB", (SHEET_COLUMNS * (width + 8) + 8, rows * (height + 8) + 8), "#8a8f96")
    for index, thumb in enumerate(thumbs):
        sheet.paste(thumb, (8 + (index % SHEET_COLUMNS) * (width + 8), 8 + (index // SHEET_COLUMNS) * (height + 8)))
        thumb.close()
    shutil.rmtree(out / ".thumbs")
    target = out / "contact-sheet.png"
    sheet.save(target, optimize=True)
    return target
