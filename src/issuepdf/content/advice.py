"""Warnings about a valid issue: what would not stop a build but a reader or printer would notice.

- a photo or chart without alt text (readers who cannot see it get nothing);
- for the print edition, a photo whose resolution at its placed size is under 250 dpi.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .loader import KeyPath, Loaded
from .model import Chart, Issue, Photo
from .problems import Problems

COLUMN_MM = 170.0
"""Width of the text column: A4 (210 mm) less the 20 mm side margins of bulletin.css."""
PRINT_MIN_DPI = 250


def _figures(issue: Issue) -> Iterator[tuple[KeyPath, Photo | Chart]]:
    for s, section in enumerate(issue.sections):
        for a, article in enumerate(section.articles):
            for b, block in enumerate(article.body):
                if isinstance(block, Photo | Chart):
                    yield ("sections", s, "articles", a, "body", b), block


def advise(issue: Issue, issue_dir: Path, loaded: Loaded, problems: Problems, edition: str) -> None:
    """Add a warning for every figure without alt text and, for print, every low-resolution photo."""
    for path, block in _figures(issue):
        key = next(iter(type(block).model_fields)) if isinstance(block, Chart) else "photo"
        where, shown = loaded.position((*path, key)), ".".join(map(str, path))
        if not block.alt:
            problems.warn(where, shown, "no alt text: describe the picture for readers who cannot see it")
        if edition == "print" and isinstance(block, Photo):
            message = _low_resolution(issue_dir / block.photo, block.width)
            if message:
                problems.warn(where, shown, message)


def _low_resolution(path: Path, width_percent: int) -> str | None:
    """A message when a raster photo prints under PRINT_MIN_DPI at its placed width."""
    if not path.is_file() or path.suffix.lower() == ".svg":
        return None
    from PIL import Image

    with Image.open(path) as image:
        pixels_wide, pixels_high = image.size
    placed_mm = COLUMN_MM * width_percent / 100
    dpi = pixels_wide / (placed_mm / 25.4)
    if dpi >= PRINT_MIN_DPI:
        return None
    placed_h = placed_mm * pixels_high / pixels_wide
    return (
        f"{path.name}: {pixels_wide}×{pixels_high} px placed at {placed_mm:.0f}×{placed_h:.0f} mm is {dpi:.0f} dpi;"
        f" print needs {PRINT_MIN_DPI} dpi ({round(PRINT_MIN_DPI * placed_mm / 25.4)} px wide)"
    )
