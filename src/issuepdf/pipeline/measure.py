"""How well a page is set, read from WeasyPrint's laid-out boxes (not the PDF): word gaps and page fill.

Two figures an editor and a printer look at first, measured here once for the preflight report, the
benchmark and the tests:
- **loose lines**: the mean word gap of every justified line (all lines of a justified block but its
  last), as a multiple of the font's normal space. WeasyPrint justifies by widening spaces only, so a
  line that ends before a long word shows wide gaps; above 2× a reader sees holes, above 3× rivers.
- **page fill**: how far down its content area each page is printed. A page inside an article (the
  article goes on over the page) should be nearly full; a hole there is a figure that did not fit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import weasyprint

HELPERS = str.maketrans("", "", "\u2060\u200b\u00ad")
"""Characters that steer line breaking and have no width: not part of a line's text."""
LOOSE = 2.0
"""A justified line is loose above this mean word gap (× the normal space)."""
FILL_TARGET = 0.75
"""A page inside an article should be at least this full."""


@dataclass(frozen=True)
class Line:
    """One justified line: where it is and how wide its word gaps are."""

    page: int
    src: str | None
    """The `data-src` key of the block it belongs to (`Document.sources`)."""
    text: str
    gap: float
    """Mean word gap as a multiple of the normal space (1.0 when nothing was stretched), letter spacing
    around the space included."""
    y: float
    """Top of the line on its page, in CSS pixels from the page's top edge."""


@dataclass(frozen=True)
class Page:
    """How full a page is, and whether it lies inside an article (the article goes on after it)."""

    number: int
    fill: float
    """Share of the content area's height above the lowest printed box."""
    article: str | None
    """The id of the article that continues on the next page, if any."""


@dataclass
class Measures:
    """Every justified line and every page of a layout."""

    lines: list[Line] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)

    def loose(self, over: float = LOOSE) -> list[Line]:
        return [line for line in self.lines if line.gap > over]

    def share_loose(self, over: float = LOOSE) -> float:
        """The share of justified lines whose gaps exceed `over` (0 without justified lines)."""
        return len(self.loose(over)) / len(self.lines) if self.lines else 0.0

    def underfilled(self, target: float = FILL_TARGET) -> list[Page]:
        """Pages inside an article printed less than `target` of their height."""
        return [page for page in self.pages if page.article is not None and page.fill < target]

    def summary(self) -> str:
        """`loose2x=1.2% loose3x=0 fill75=1` (the benchmark's and the preflight's one line)."""
        return (
            f"loose2x={100 * self.share_loose(2.0):.1f}% loose3x={len(self.loose(3.0))} "
            f"fill75={len(self.underfilled())}"
        )


def measure(document: weasyprint.Document, lines: bool = True) -> Measures:
    """Measure the lines (unless `lines` is false: the pages only, faster) and pages of a laid-out document."""
    measures = Measures()
    owners = source_owners(document) if lines else {}
    candidates: list[tuple[Line, int]] = []  # (line, id of its block's element): a block's last line is not justified
    articles = [_articles(page._page_box) for page in document.pages]
    for number, page in enumerate(document.pages, start=1):
        for line, parent in _lines(page._page_box) if lines else ():
            candidates.append((_line(number, line, parent, owners), id(parent.element)))
        following = articles[number] if number < len(articles) else []
        continuing = next((a for a in reversed(articles[number - 1]) if a in following), None)
        measures.pages.append(Page(number, page_fill(page._page_box), continuing))
    last_of_block = {element: index for index, (_, element) in enumerate(candidates)}
    measures.lines = [
        line for index, (line, element) in enumerate(candidates) if last_of_block[element] != index and line.gap > 0
    ]
    return measures


def _lines(page_box: Any) -> Iterator[tuple[Any, Any]]:
    """Every line box of a justified block on the page, with its block (its last line included)."""
    from weasyprint.formatting_structure import boxes

    for box in body_boxes(page_box):
        if isinstance(box, boxes.ParentBox) and box.style["text_align_all"] == "justify":
            for child in box.children:
                if isinstance(child, boxes.LineBox):
                    yield child, box


def justified_lines(page_box: Any) -> Iterator[Any]:
    """The line boxes WeasyPrint justified on the page (those whose spaces it widened)."""
    for line, _ in _lines(page_box):
        if any(box.justification_spacing for box in line.descendants() if hasattr(box, "justification_spacing")):
            yield line


def body_boxes(page_box: Any) -> Iterator[Any]:
    """The page's boxes in document order, outside its margin boxes (running heads, page numbers)."""
    from weasyprint.formatting_structure import boxes

    stack = [child for child in reversed(page_box.children) if not isinstance(child, boxes.MarginBox)]
    while stack:
        box = stack.pop()
        yield box
        if isinstance(box, boxes.ParentBox):
            stack.extend(reversed(box.children))


def _line(number: int, line: Any, parent: Any, owners: dict[int, str]) -> Line:
    """A line's text and mean word gap; the gap is 0 for a line without spaces (nothing to measure)."""
    from weasyprint.formatting_structure import boxes

    texts = [box for box in line.descendants() if isinstance(box, boxes.TextBox)]
    text = "".join(box.text for box in texts).translate(HELPERS)
    spaces = normal = stretched = 0.0
    for box in texts:
        count = box.text.rstrip(" ").count(" ") + box.text.count("\u00a0")
        if count:
            width = space_width(box.style)
            spaces += count
            normal += count * width
            letter = box.style["letter_spacing"]  # set on loose lines by justify.py: after the word and the space
            stretched += count * (width + box.justification_spacing + (2 * letter if letter != "normal" else 0))
    gap = stretched / normal if normal else 0.0
    return Line(number, owners.get(id(parent.element)), text.strip(), gap, line.position_y)


def space_width(style: Any) -> float:
    """The advance of a space in the box's font and size, in CSS pixels (cached per font)."""
    return _space_width(style, _font_key(style))


def _font_key(style: Any) -> tuple[Any, ...]:
    return (tuple(style["font_family"]), style["font_size"], style["font_weight"], style["font_style"])


_SPACE_WIDTHS: dict[tuple[Any, ...], float] = {}
"""Space advance by font (a style itself is not hashable)."""


def _space_width(style: Any, key: tuple[Any, ...]) -> float:
    if key not in _SPACE_WIDTHS:
        from weasyprint.text.line_break import Layout, line_size

        layout = Layout(style)
        layout.set_text("  ")  # two spaces: Pango gives a lone space no advance at a line's end
        first, _ = layout.get_first_line()
        width, _ = line_size(first, style)
        _SPACE_WIDTHS[key] = width / 2
    return _SPACE_WIDTHS[key]


def _articles(page_box: Any) -> list[str]:
    """The ids of the articles printed on the page, in order."""
    seen: list[str] = []
    for box in body_boxes(page_box):
        element = box.element
        if element is not None and element.tag == "article" and element.get("id") not in seen:
            seen.append(str(element.get("id")))
    return seen


def page_fill(page_box: Any) -> float:
    """How far down the content area the lowest printed line, image or table row reaches (0 to 1)."""
    from weasyprint.formatting_structure import boxes

    top, height = page_box.content_box_y(), page_box.height
    printed = (boxes.LineBox, boxes.ReplacedBox, boxes.TableRowBox, boxes.TableCaptionBox)
    bottoms = [box.border_box_y() + box.border_height() for box in body_boxes(page_box) if isinstance(box, printed)]
    return max(0.0, min(1.0, (max(bottoms, default=top) - top) / height)) if height else 0.0


def source_owners(document: weasyprint.Document) -> dict[int, str]:
    """Element (by id) → the `data-src` key of the marked element it is in."""
    return marked(roots(document))[0]


def roots(document: weasyprint.Document) -> list[Any]:
    """The HTML roots the pages were laid out from: one, or one per part in an incremental build."""
    roots = {id(root): root for root in (page._page_box.children[0].element for page in document.pages)}
    return list(roots.values())


def marked(roots: list[Any]) -> tuple[dict[int, str], dict[str, str]]:
    """Element (by id) → source key of the marked element it is in; source key → the element's text."""
    owners: dict[int, str] = {}
    expected: dict[str, str] = {}
    for element in (element for root in roots for element in root.iter()):
        src = element.get("data-src")
        if src is None:
            continue
        expected[src] = "".join(element.itertext())
        for inner in element.iter():
            owners[id(inner)] = src
    return owners, expected
