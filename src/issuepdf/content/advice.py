"""Warnings about a valid issue: what would not stop a build but a reader or printer would notice.

- a photo or chart without alt text (readers who cannot see it get nothing);
- for the print edition, a photo whose resolution at its placed size is under 250 dpi;
- a `circled` or `roman` list, or an article's level-2 headings, counting past the marks there are
  (⑳, xv): the numbers after that print in digits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .loader import KeyPath, Loaded
from .model import Chart, Heading, Issue, NumberedList, Photo
from .numbering import CIRCLED, ROMAN
from .problems import Problems

COLUMN_MM = 170.0
"""Width of the text column: A4 (210 mm) less the 20 mm side margins of bulletin.css."""
PRINT_MIN_DPI = 250


MARKS = {"circled": (CIRCLED[-1], len(CIRCLED)), "roman": (f"{ROMAN[-1]}.", len(ROMAN))}
"""The last mark of each style that has a last one, and its number."""


def _blocks(issue: Issue) -> Iterator[tuple[KeyPath, object]]:
    for s, section in enumerate(issue.sections):
        for a, article in enumerate(section.articles):
            for b, block in enumerate(article.body):
                yield ("sections", s, "articles", a, "body", b), block


def _figures(issue: Issue) -> Iterator[tuple[KeyPath, Photo | Chart]]:
    return ((path, block) for path, block in _blocks(issue) if isinstance(block, Photo | Chart))


def advise(issue: Issue, issue_dir: Path, loaded: Loaded, problems: Problems, edition: str) -> None:
    """Add a warning for every figure without alt text and, for print, every low-resolution photo; and for
    every list or heading counted past its marks."""
    _past_the_marks(issue, loaded, problems)
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


def _past_the_marks(issue: Issue, loaded: Loaded, problems: Problems) -> None:
    """Numbers that would print in digits where the editor asked for marks: the circled numbers the fonts
    hold stop at ⑳, the roman ones at xv (as the transform and render stages count them)."""
    level2, warned = 0, False
    for path, block in _blocks(issue):
        where, shown = loaded.position(path), ".".join(map(str, path))
        if path[-1] == 0:
            level2, warned = 0, False  # a new article
        if isinstance(block, NumberedList) and block.style in MARKS:
            last, count = MARKS[block.style]
            first = max(block.start, count + 1)
            if block.start + len(block.numbered) - 1 >= first:
                problems.warn(
                    where,
                    shown,
                    f"a {block.style} list's marks stop at {last}: from item {first - block.start + 1} on it prints "
                    f"{first}., {first + 1}. …; use style: decimal, or split the list",
                )
        elif isinstance(block, Heading) and block.level < 3:
            level2, warned = (0, False) if block.level == 1 else (level2 + 1, warned)
            if block.level == 2 and block.marker is None and level2 > len(CIRCLED) and not warned:
                warned = True
                problems.warn(
                    where,
                    shown,
                    f"level-2 heading marks stop at {CIRCLED[-1]}: this one and those after it up to the next level-1"
                    f" heading print ({level2}), ({level2 + 1}) …; give them a marker, or add a level-1 heading",
                )
