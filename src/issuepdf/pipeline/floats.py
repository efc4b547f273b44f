"""No holes inside an article: a figure that did not fit the rest of a page lets the text after it flow up.

WeasyPrint has no page floats: a photo, chart or short table is kept whole (`break-inside: avoid`), so
when it does not fit what is left of a page it moves to the next one and leaves the bottom of this one
empty. Print layouts float such a figure instead. After the first layout, for every page inside an
article filled under `FILL_TARGET`, the figure that starts the next page moves after the paragraphs
and lists that follow it, as many as fill the hole, and the article alone is laid out again:
- a figure never moves past a heading, another figure or the end of its article, so its number
  (`사진 N)`, `표 N)`) stays in reading order and it stays in its part of the text;
- a move is kept only if the article then has fewer half-empty pages;
- the article's new pages replace its old ones when their count is the same; otherwise (the article
  got shorter) the whole issue is laid out again, so that page numbers and the contents stay right.
The cost is one article's layout per hole, nothing for an issue without holes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from .incremental import part_starts
from .measure import FILL_TARGET, body_boxes, measure, source_owners
from .render import Part, render_html, single_articles
from .typeset import typeset

if TYPE_CHECKING:
    import weasyprint

    from ..content.project import Project
    from .editions import EditionPlan
    from .transform import ArticleView, Document

logger = logging.getLogger(__name__)

FIGURES = {"photo", "chart", "table"}
"""Blocks that may float to a later place."""
FLOWING = {"text", "lead", "list", "numbered", "note"}
"""Blocks a figure may move past: running text (not headings, boxes or other figures)."""
MAX_ROUNDS = 4
"""Layouts of one article at most: each round moves the figure at the top of its first remaining hole."""


@dataclass
class _Hole:
    """A half-empty page inside an article, and the figure at the top of the next page."""

    page: int
    """Index of the half-empty page."""
    height: float
    """Empty height at its bottom, in CSS pixels."""
    article: str
    figure: str
    """The figure's `data-src` key."""


def float_figures(
    laid_out: weasyprint.Document, document: Document, project: Project, plan: EditionPlan, options: dict[str, Any]
) -> tuple[weasyprint.Document, str] | None:
    """Move figures that leave holes and lay their articles out again; None when nothing moved.

    Returns the new layout and the issue's HTML in its new order (the blocks of `document` are
    reordered in place)."""
    holes = _holes(laid_out, document)
    if not holes:
        return None
    pages = list(laid_out.pages)
    starts = _article_starts(pages, document)
    if starts is None:
        return None
    changed_count = False
    options = {"font_config": laid_out.font_config, **options}  # the fonts the first layout loaded
    for article_id in holes:
        start, end = starts[article_id]
        part = next(p for p in single_articles(document) if p.articles[0].id == article_id)
        alone = _settle(part, laid_out, document, partial(_layout, part, document, project, plan, options, start + 1))
        if alone is None:
            continue
        changed_count |= len(alone.pages) != end - start
        pages[start:end] = alone.pages
        starts = _shifted(starts, start, len(alone.pages) - (end - start))
    if pages == list(laid_out.pages):
        return None
    html = render_html(document, project, plan)
    if changed_count:  # later page numbers and the contents moved: lay out the whole issue once more
        logger.info("floats: an article got shorter; laying out the issue again")
        return typeset(html, project.issue_dir, project.readable, **options), html
    return laid_out.copy(pages), html


def _settle(
    part: Part, laid_out: weasyprint.Document, document: Document, layout: Callable[[], weasyprint.Document]
) -> weasyprint.Document | None:
    """Move the article's figures a round at a time (a figure moved may push the next one to a new hole)
    while its holes shrink; its layout alone, or None if no move helped."""
    article = part.articles[0]
    best: weasyprint.Document | None = None
    current, deficit = laid_out, _deficit(laid_out, article.id)
    for _ in range(MAX_ROUNDS):
        holes = _holes(current, document)[article.id]
        before = list(article.blocks)
        if not holes or not _move(article, holes[0], current):
            break
        alone = layout()
        if _deficit(alone, article.id) >= deficit:
            article.blocks[:] = before  # no better: keep what was
            break
        best, current, deficit = alone, alone, _deficit(alone, article.id)
    return best


def _deficit(laid_out: weasyprint.Document, article: str) -> float:
    """How far the article's pages fall short of the fill target, summed (0: no hole)."""
    return sum(
        FILL_TARGET - page.fill for page in measure(laid_out, lines=False).underfilled() if page.article == article
    )


def _holes(laid_out: weasyprint.Document, document: Document) -> dict[str, list[_Hole]]:
    """The holes of the layout, by article, with the figure that caused each."""
    kinds = {block.src: block.kind for article in document.articles for block in article.blocks}
    owners = source_owners(laid_out)
    holes: dict[str, list[_Hole]] = defaultdict(list)
    for page in measure(laid_out, lines=False).underfilled():
        if page.article is None or page.number >= len(laid_out.pages):
            continue
        following = _top_level_sources(laid_out.pages[page.number], owners)[:3]
        figure = next((src for src in following if kinds.get(src) in FIGURES), None)
        if figure is None or any(kinds.get(src) not in FLOWING for src in following[: following.index(figure)]):
            continue
        box = laid_out.pages[page.number - 1]._page_box
        holes[page.article].append(_Hole(page.number - 1, (1 - page.fill) * box.height, page.article, figure))
    return holes


def _top_level_sources(page: Any, owners: dict[int, str]) -> list[str]:
    """The source keys of the blocks on a page, in order, each once."""
    seen: list[str] = []
    for box in body_boxes(page._page_box):
        src = owners.get(id(box.element))
        if src is not None and src not in seen:
            seen.append(src)
    return seen


def _move(article: ArticleView, hole: _Hole, laid_out: weasyprint.Document) -> bool:
    """Move the hole's figure after the running text that follows it, as much as fills the hole."""
    index = next((i for i, block in enumerate(article.blocks) if block.src == hole.figure), None)
    if index is None:
        return False
    heights = _heights(laid_out)
    filled, after = 0.0, index
    while filled < hole.height and after + 1 < len(article.blocks) and article.blocks[after + 1].kind in FLOWING:
        after += 1
        filled += heights.get(article.blocks[after].src, 0.0)
    if after == index:
        return False
    article.blocks.insert(after, article.blocks.pop(index))
    return True


def _heights(laid_out: weasyprint.Document) -> dict[str, float]:
    """The laid-out height of every marked block, over all its pages, in CSS pixels."""
    heights: dict[str, float] = defaultdict(float)
    stack = [page._page_box for page in laid_out.pages]
    while stack:
        box = stack.pop()
        for child in getattr(box, "children", []):
            src = child.element.get("data-src") if child.element is not None else None
            if src is not None and child.element is not box.element:  # the element's outermost box
                heights[src] += child.margin_height()
            else:
                stack.append(child)
    return heights


def _article_starts(pages: list[Any], document: Document) -> dict[str, tuple[int, int]] | None:
    """Each article's pages, as (first index, index after its last), from the anchors of its part; None
    when an article does not start at the top of a page of its own (a layout without those page breaks)."""
    parts = single_articles(document)
    firsts = part_starts(pages, parts)
    if firsts is None:
        return None
    ends = [*firsts[1:], len(pages)]
    return {part.articles[0].id: (first, end) for part, first, end in zip(parts, firsts, ends, strict=True)}


def _shifted(starts: dict[str, tuple[int, int]], after: int, by: int) -> dict[str, tuple[int, int]]:
    """The page ranges once the article starting at `after` grew or shrank by `by` pages."""
    return {
        key: (first + by if first > after else first, end + by if end > after else end)
        for key, (first, end) in starts.items()
    }


def _layout(
    part: Part, document: Document, project: Project, plan: EditionPlan, options: dict[str, Any], first_page: int
) -> weasyprint.Document:
    """The article alone, as in incremental builds, numbered from its first page."""
    html = render_html(document, project, plan, parts=[part], front=False)
    return typeset(html, project.issue_dir, project.readable, first_page, **options)
