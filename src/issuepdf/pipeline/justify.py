"""Even justified lines: part of a loose line's stretch goes between its letters, within a small bound.

WeasyPrint justifies by widening word spaces only. A Korean line has few spaces (one per 어절), so a
line that ends before a long word shows gaps several spaces wide. Korean typesetting spreads part of
such a stretch between the characters (자간); this module does so on the laid-out lines, after
layout and before the PDF: for every justified line whose word gaps exceed `EVEN_GAP`, letters get up to
`MAX_LETTER_SPACING_EM` of extra spacing and the word gaps shrink by as much, so the line keeps its
exact width. Nothing moves to another line or page, so the layout needs no second pass; the text is
unchanged (only glyph positions), which the fidelity check and copy-paste see.

Long compounds that would leave a line looser than letter spacing can absorb may break between
syllables (see `content/linebreak.py`, `COMPOUND_SYLLABLES`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .measure import justified_lines, space_width

if TYPE_CHECKING:
    import weasyprint

EVEN_GAP = 1.5
"""Word gaps up to this multiple of the normal space are left as WeasyPrint set them."""
MAX_LETTER_SPACING_EM = 0.04
"""The most spacing added after each character, in ems of the line's text. A word joiner (U+2060) stands
between two syllables of a word and gets its share too, so syllables move apart by up to 0.08 em (Korean
books allow 5-10%): below the 0.1 em at which PDF text extraction (poppler's pdftotext) starts a new word,
so copy-paste is unchanged (tested)."""


def even_out(document: weasyprint.Document) -> int:
    """Spread the stretch of loose justified lines between their letters; return how many lines changed."""
    changed = 0
    for page in document.pages:
        for line in justified_lines(page._page_box):
            changed += _even_line(line)
    return changed


def _even_line(line: Any) -> int:
    """Letter-space one line if its gaps are wider than `EVEN_GAP`; 1 if it changed."""
    from weasyprint.text.line_break import create_layout, line_size

    texts = list(_text_boxes(line))
    counts = [_spaces(box) for box in texts]
    spaces = sum(counts)
    spacing = max((box.justification_spacing for box in texts), default=0.0)
    normal = sum(count * space_width(box.style) for box, count in zip(texts, counts, strict=True))
    if not spaces or spacing <= 0 or (normal + spaces * spacing) / normal <= EVEN_GAP:
        return 0
    unspaced = [_unspaced_width(box, count) for box, count in zip(texts, counts, strict=True)]
    stretch = sum(box.width for box in texts) - sum(unspaced)  # of spaces and letters: evening twice is once
    grows = sum(len(box.text) for box in texts)  # Pango spaces every character, joiners included
    # a word gap shows its space, its stretch and the letter spacing after the word and of the space itself
    wanted = (stretch - (EVEN_GAP - 1) * normal) / (grows - 2 * spaces) if grows > 2 * spaces else 0.0
    letter = min(MAX_LETTER_SPACING_EM * max(box.style["font_size"] for box in texts), wanted)
    if letter <= 0:
        return 0
    styles = [_spaced_style(box.style, letter) for box in texts]
    layouts = [create_layout(box.text, style, None, None, 0) for box, style in zip(texts, styles, strict=True)]
    widths = [
        float(line_size(layout.get_first_line()[0], style)[0]) for layout, style in zip(layouts, styles, strict=True)
    ]
    word = (stretch - sum(widths) + sum(unspaced)) / spaces
    if word < 0:
        return 0
    new_widths = {}
    for box, style, layout, width, count in zip(texts, styles, layouts, widths, counts, strict=True):
        box.style, box.justification_spacing, layout.justification_spacing = style, word, word
        layout.deactivate()  # the PDF draws from the box's style and this layout, spaces stretched by `word`
        box.pango_layout = layout
        new_widths[id(box)] = width + word * count
    _shift(line, 0.0, new_widths)
    return 1


def _unspaced_width(box: Any, spaces: int) -> float:
    """The box's width without justification and letter spacing."""
    if box.style["letter_spacing"] == "normal":
        return float(box.width - box.justification_spacing * spaces)
    from weasyprint.text.line_break import create_layout, line_size

    style = _spaced_style(box.style, 0.0)
    return float(line_size(create_layout(box.text, style, None, None, 0).get_first_line()[0], style)[0])


def _text_boxes(box: Any) -> Iterator[Any]:
    """The text boxes justification widened: in the line and its inline boxes, not in inline blocks."""
    from weasyprint.formatting_structure import boxes

    for child in box.children:
        if isinstance(child, boxes.TextBox):
            yield child
        elif isinstance(child, boxes.InlineBox):
            yield from _text_boxes(child)


def _spaces(box: Any) -> int:
    """The spaces WeasyPrint widens in a text box (as its `count_expandable_spaces`)."""
    return int(box.text.count(" ") + box.text.count("\u00a0"))


def _spaced_style(style: Any, letter: float) -> Any:
    spaced = style.copy()
    spaced["letter_spacing"] = letter if letter else "normal"
    return spaced


def _shift(box: Any, advance: float, widths: dict[int, float]) -> float:
    """Move the box by `advance` and give text boxes their new widths, as WeasyPrint's `add_word_spacing`
    does; return the advance for what follows."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        box.position_x += advance
        if id(box) in widths:
            advance += widths[id(box)] - box.width
            box.width = widths[id(box)]
    elif isinstance(box, boxes.LineBox | boxes.InlineBox):
        box.position_x += advance
        before = advance
        for child in box.children:
            if child.is_in_normal_flow():
                advance = _shift(child, advance, widths)
        box.width += advance - before
    else:
        box.translate(advance, 0)
    return advance
