"""After layout, before the PDF: every word written is on a page, once, in order, and inside the page.

The render stage marks the outermost element of every block and article title with `data-src`, the
key of its source (position and texts as written). Two comparisons, each an error at the block's
`file:line:col` when it fails; no typesetting system checks this, and it turns a silent loss into
a message:
- source → HTML: every text of the block, once Markdown has formatted it, is in the element (a
  template that drops or changes a caption fails here);
- HTML → layout: the characters of the element's laid-out boxes (read from the layout, not the PDF)
  equal the element's characters, in order and once (a stylesheet that hides, reorders or repeats
  text fails here), every line, image and table lies inside its page's content area, and every
  text inside its own box (a number wider than its list's gutter would be drawn over the item).
Text of no block (the cover, the running heads and footers: the issue's and sections' titles) is
held to the page and its box too; it has no `data-src`, so its message names the page and the text, and
the place it was written when its whole text is one of the issue's (`Document.places`).
Text laid out but not to be seen (hidden, transparent, of no size, faded out by `opacity: 0`, or cut
off by a box that clips its overflow) counts as not printed.

Whitespace, U+2060 WORD JOINER and U+200B ZERO WIDTH SPACE are ignored in the comparison: lines
break at spaces, and the joiners only steer breaking. Generated text (list markers, the contents
page's page numbers, running heads) is not in the HTML's elements and is not compared.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..content.linebreak import squeezed
from ..content.markup import reader_text
from ..content.problems import Position, Problems
from .measure import marked, roots
from .typeset import PX_PER_MM

if TYPE_CHECKING:
    import weasyprint

    from .transform import Source

IGNORED = re.compile(r"[\s\u2060\u200b\u00ad]+")
"""What the comparison ignores: spaces and line breaks, joiners and soft hyphens."""
OFF_PAGE = {
    "table": "the table is wider than the page; give it fewer columns, or shorter words in its cells",
    "img": "the picture is wider or taller than the page; make it smaller",
}
"""What runs off a page, by the kind of box, and the fix (any other kind is a text, quoted)."""
TOLERANCE_PX = 0.5
"""How far a box may reach past the content area (rounding in the layout), in CSS pixels."""
SPILL_TOLERANCE_PX = 0.5 * PX_PER_MM
"""How far a text may reach past its own box: up to half a millimetre it touches the box's edge, not what
is beside it (WeasyPrint makes an inline block up to 0.3 mm narrower than its text where Latin letters
meet Hangul under syllable breaking: a flow step `abc국`). Text drawn over text is caught apart, at any
size (`_overlapping`)."""


@dataclass
class _Printed:
    """What the layout made of the marked elements: their characters in order, and what ran off the page
    or out of its box."""

    chars: dict[str, list[str | list[str]]] = field(default_factory=lambda: defaultdict(list))
    """Source key → its text as laid out, in order; a table cell's text as one list, at the place of the
    cell's first box: a row split across pages prints its cells' first lines on one page (a cell perhaps
    none) and their ends on the next, and each cell still reads in order."""
    cells: dict[int, list[str]] = field(default_factory=dict)
    """A table cell's element (by id) → its text as laid out."""
    overflows: dict[str, tuple[int, str, float]] = field(default_factory=dict)
    """Source key → (page number, text or kind of the first box past the edge, how far past in mm)."""
    loose: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)
    """Text of no block (the cover's, the running heads' and footers': the issue's and sections' titles)
    that runs off its page or out of its box: a message for each element's first such text, and the whole
    text it belongs to, by (where on the page, element)."""
    overlaps: dict[tuple[int, int], tuple[str | None, str, str]] = field(default_factory=dict)
    """Two texts drawn over each other (an absolutely placed text over the flow, a negative margin): by the
    pair of elements, the source key of one of them (or None), the whole text of the other, the message."""
    spills: dict[str, tuple[int, str, float]] = field(default_factory=dict)
    """Source key → (page number, text, how far past in mm) of the first text reaching past its own box
    (a list's number wider than its gutter, a word wider than its cell): it is drawn over what is beside it."""


def verify(
    document: weasyprint.Document,
    sources: dict[str, Source],
    problems: Problems,
    places: dict[str, Position] | None = None,
) -> None:
    """Add an error for every marked element whose text is not printed as written, runs off its page or
    out of its box; and for every text of no block that runs off its page or out of its box, at the place
    `places` gives for its text (the issue's title in a footer: `issue.yaml:1:8`)."""
    html = roots(document)
    owners, expected = marked(html)
    printed = _printed(document, owners, _cells(html))
    for src, written in expected.items():
        text = IGNORED.sub("", written)
        source = sources.get(src)
        where = source.position if source else None
        message = _not_in_html(source.texts, text) if source else None
        laid = "".join(part if isinstance(part, str) else "".join(part) for part in printed.chars.get(src, []))
        message = message or _difference(written, text, IGNORED.sub("", laid))
        if message:
            problems.add(where, "", message)
        if src in printed.overflows:
            page, what, by = printed.overflows[src]
            fix = OFF_PAGE.get(what) or f"'{what}'; break the text"
            problems.add(where, "", f"runs {by:.1f} mm off page {page}: {fix}")
        elif src in printed.spills:
            page, what, by = printed.spills[src]
            beside = f"runs {by:.1f} mm out of its box on page {page}, over the text beside it: '{what}'"
            problems.add(where, "", beside)
    found = {IGNORED.sub("", text): position for text, position in (places or {}).items()}
    for message, text in printed.loose.values():
        problems.add(found.get(IGNORED.sub("", text)), "", message)
    for owner, text, message in printed.overlaps.values():
        source = sources.get(owner) if owner else None
        problems.add(source.position if source else found.get(IGNORED.sub("", text)), "", message)
    for src in sources.keys() - expected.keys():
        problems.add(
            sources[src].position,
            "",
            "not in the page's HTML: the layout template leaves this block out, or drops its {{ b.attributes }}",
        )


def _cells(html: list[Any]) -> dict[int, Any]:
    """Element (by id) → the table cell it is in, if any."""
    cell_of: dict[int, Any] = {}
    for cell in (element for root in html for element in root.iter() if element.tag in ("td", "th")):
        for inner in cell.iter():  # a cell of a table inside a cell comes later, and keeps its own
            cell_of[id(inner)] = cell
    return cell_of


def _printed(document: weasyprint.Document, owners: dict[int, str], cell_of: dict[int, Any]) -> _Printed:
    """Walk every page's boxes once, collecting marked text and boxes that leave the content area or their box."""
    from weasyprint.formatting_structure import boxes

    printed = _Printed()
    repeated_headers: set[int] = set()
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        area, trim = _content_area(page_box), (0.0, 0.0, page_box.margin_width(), page_box.margin_height())
        drawn: list[tuple[Any, str | None, str]] = []
        for margin in (child for child in page_box.children if isinstance(child, boxes.MarginBox)):
            where = "the running head" if margin.at_keyword.startswith("@top") else "the footer"
            laid = list(_boxes([margin], (trim[0], trim[2]), set()))
            whole = "".join(box.text for box, _, _ in laid if isinstance(box, boxes.TextBox))
            for box, container, unseen in laid:
                _loose(printed.loose, box, container, unseen, (number, where, whole), trim)
                if isinstance(box, boxes.TextBox) and not unseen:
                    drawn.append((box, None, whole))
        for box, container, unseen in _body_boxes(page_box, repeated_headers):
            src = owners.get(id(box.element))
            if src is None:
                whole = "".join(box.element.itertext()) if box.element is not None else ""
                _loose(printed.loose, box, container, unseen, (number, "", whole), trim)
                if isinstance(box, boxes.TextBox) and not unseen and not _hidden_or_generated(box):
                    drawn.append((box, None, whole))
                continue
            if isinstance(box, boxes.TableCellBox) and id(box.element) not in printed.cells:
                printed.cells[id(box.element)] = []  # where the cell is in the row, even if its text is not yet
                printed.chars[src].append(printed.cells[id(box.element)])
            shown = isinstance(box, boxes.TextBox) and not unseen and not _hidden_or_generated(box)
            if shown:
                cell = cell_of.get(id(box.element))
                if cell is None:
                    printed.chars[src].append(box.text)
                else:
                    printed.cells.setdefault(id(cell), []).append(box.text)
                drawn.append((box, src, ""))
            if src not in printed.overflows and isinstance(box, boxes.TextBox | boxes.ReplacedBox | boxes.TableBox):
                past = _past_edge(box, area)
                if past > TOLERANCE_PX:
                    what = _short(squeezed(box.text)) if isinstance(box, boxes.TextBox) else box.element_tag
                    printed.overflows[src] = (number, what, past / PX_PER_MM)
            if shown and src not in printed.spills:
                left, right = container
                past = max(left - box.position_x, box.position_x + box.width - right)
                if past > SPILL_TOLERANCE_PX:
                    printed.spills[src] = (number, _short(squeezed(box.text)), past / PX_PER_MM)
        _overlapping(drawn, number, printed.overlaps)
    return printed


def _overlapping(
    drawn: list[tuple[Any, str | None, str]], number: int, found: dict[tuple[int, int], tuple[str | None, str, str]]
) -> None:
    """Record the texts of a page drawn over each other: their boxes cross by more than a pixel across and
    half the smaller one's height (lines that merely touch, or a marker's box inside its line, do not)."""
    placed = [
        ((box.position_x, box.position_y, box.position_x + box.width, box.position_y + box.height), box, src, whole)
        for box, src, whole in drawn
        if box.text.strip()
    ]
    placed.sort(key=lambda item: item[0][1])
    for i, (rect, box, src, whole) in enumerate(placed):
        for other, box2, src2, whole2 in placed[i + 1 :]:
            if other[1] >= rect[3]:
                break
            across = min(rect[2], other[2]) - max(rect[0], other[0])
            down = min(rect[3], other[3]) - max(rect[1], other[1])
            smaller = min(rect[3] - rect[1], other[3] - other[1])
            pair = (id(box.element), id(box2.element))
            if across > 1 and down > smaller / 2 and pair not in found and box.element is not box2.element:
                message = (
                    f"page {number}: '{_short(squeezed(box.text))}' and '{_short(squeezed(box2.text))}' are drawn"
                    " over each other; shorten one, or give it room"
                )
                found[pair] = (src or src2, whole or whole2, message)


Edges = tuple[float, float]
"""The left and right edges of a box, in CSS pixels."""
Clip = tuple[float, float, float, float]
"""The rectangle a box's `overflow` clips its content to (left, top, right, bottom)."""
NO_CLIP: Clip = (-1e9, -1e9, 1e9, 1e9)


def _body_boxes(page_box: Any, repeated_headers: set[int]) -> Iterator[tuple[Any, Edges, bool]]:
    """The page's boxes outside its margin boxes, a table header repeated on later pages counted once;
    each with the left and right edges of the box its text must stay within (its nearest block, inline
    block or cell, padding included: a list's number hangs in the padding), and whether it is unseen."""
    from weasyprint.formatting_structure import boxes

    page = (page_box.content_box_x(), page_box.content_box_x() + page_box.width)
    tops = [child for child in page_box.children if not isinstance(child, boxes.MarginBox)]
    return _boxes(tops, page, repeated_headers)


def _boxes(tops: list[Any], container: Edges, repeated_headers: set[int]) -> Iterator[tuple[Any, Edges, bool]]:
    """The boxes under `tops` in document order, each with its container's edges and whether it is
    unseen: inside a box faded out (`opacity: 0`), or cut off by a box that clips its overflow."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    stack: list[tuple[Any, Edges, Clip, bool]] = [(child, container, NO_CLIP, False) for child in reversed(tops)]
    while stack:
        box, container, clip, faded = stack.pop()
        if isinstance(box, AbsolutePlaceholder):  # an absolutely placed box stands in the tree behind this
            box = box._box
        if isinstance(box, boxes.TableRowGroupBox) and box.is_header:
            if id(box.element) in repeated_headers:
                continue
            repeated_headers.add(id(box.element))
        # opacity is not inherited: only an element's box sets it (asking an anonymous box computes its style)
        faded = faded or (not isinstance(box, boxes.TextBox | boxes.LineBox) and box.style["opacity"] == 0)
        yield box, container, faded or (clip is not NO_CLIP and _past_edge(box, clip) > TOLERANCE_PX)
        if isinstance(box, boxes.ParentBox):
            if isinstance(box, boxes.BlockContainerBox):
                container = (box.border_box_x(), box.border_box_x() + box.border_width())
                if box.style["overflow"] != "visible":
                    left, top = box.padding_box_x(), box.padding_box_y()
                    inner = (left, top, left + box.padding_width(), top + box.padding_height())
                    clip = (
                        max(clip[0], inner[0]),
                        max(clip[1], inner[1]),
                        min(clip[2], inner[2]),
                        min(clip[3], inner[3]),
                    )
            stack.extend((child, container, clip, faded) for child in reversed(box.children))


def _loose(
    found: dict[tuple[str, int], tuple[str, str]],
    box: Any,
    container: Edges,
    unseen: bool,
    at: tuple[int, str, str],
    trim: Clip,
) -> None:
    """Add a message if a text of no block runs off the page or out of its box: once per element and
    place (`at`: the page, "the footer" or "the running head" for a margin's text, and the whole text)."""
    from weasyprint.formatting_structure import boxes

    number, where, whole = at
    key = (where, id(box.element))
    if not isinstance(box, boxes.TextBox) or unseen or key in found:
        return
    off = _past_edge(box, trim)
    out = max(container[0] - box.position_x, box.position_x + box.width - container[1])
    if max(off, out) > TOLERANCE_PX and not _hidden_or_generated(box):
        past = (
            f"{off / PX_PER_MM:.1f} mm off the page"
            if off > TOLERANCE_PX
            else f"{out / PX_PER_MM:.1f} mm over the text beside it"
        )
        place = f"page {number}, {where}" if where else f"page {number}"
        found[key] = (f"{place}: '{_short(squeezed(box.text))}' runs {past}; shorten it", whole)


def _hidden_or_generated(box: Any) -> bool:
    """Text from CSS `content` (::before, ::after, ::marker), not in the HTML, or text laid out but not
    to be seen: hidden, transparent or of no size."""
    style = box.style
    return (
        "::" in (box.element_tag or "")
        or style["visibility"] != "visible"
        or not style["font_size"]
        or (getattr(style["color"], "alpha", 1) == 0)
    )


def _content_area(page_box: Any) -> tuple[float, float, float, float]:
    x, y = page_box.content_box_x(), page_box.content_box_y()
    return x, y, x + page_box.width, y + page_box.height


def _past_edge(box: Any, area: tuple[float, float, float, float]) -> float:
    """How far the box's border box reaches outside the area, in CSS pixels (0 when inside)."""
    left, top, right, bottom = area
    x: float = box.border_box_x()
    y: float = box.border_box_y()
    width: float = box.border_width()
    height: float = box.border_height()
    return max(left - x, top - y, x + width - right, y + height - bottom, 0.0)


def _not_in_html(texts: list[str], html_text: str) -> str | None:
    """The first text of the source that the element does not contain (a template left it out)."""
    for text in texts:
        shown = IGNORED.sub("", reader_text(text))
        if shown not in html_text:
            return f"not in the page's HTML (the layout template leaves it out): '{_short(text)}'"
    return None


def _difference(written: str, expected: str, printed: str) -> str | None:
    """What differs between the characters written (`expected`: without what the comparison ignores) and
    printed, quoted as written so an editor can find it."""
    if expected == printed:
        return None
    if not printed:
        return f"not printed at all: '{_short(squeezed(written))}'"
    at = [i for i, char in enumerate(written) if not IGNORED.fullmatch(char)]  # squeezed index → written index
    matcher = difflib.SequenceMatcher(None, expected, printed, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            lost = squeezed(written[at[i1] : at[i2 - 1] + 1])
            moved = expected[i1:i2] in printed[:j1] + printed[j2:]  # printed, but elsewhere
            what = "text printed out of its place" if moved else "text not printed"
            return f"{what}: '{_short(lost)}' (after '{squeezed(written[: at[i1]])[-15:]}')"
        if tag == "insert":
            return f"text printed that is not in the source: '{_short(printed[j1:j2])}'"
    return None


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
