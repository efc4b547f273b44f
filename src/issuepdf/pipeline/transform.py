"""Stage 4, transform: the validated issue → what the templates print, every number computed.

Article numbers, heading marks, the `사진 N)` and `표 N)` counters (restarting in each article),
ids and chart files are decided here once, so templates only lay things out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from math import ceil
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..content.chartspec import ChartSpec
from ..content.fields import block_key
from ..content.loader import KeyPath
from ..content.model import (
    Article,
    Block,
    Cell,
    Chart,
    Heading,
    Issue,
    Photo,
    Section,
    Table,
    automatic_id,
    printed_texts,
)
from ..content.numbering import CIRCLED
from ..content.problems import Position
from ..content.theme import Theme
from ..content.validate import Checked
from .charts import ChartJob, chart_job
from .editions import build_time
from .placeholders import placeholder_path

NUMERIC = re.compile(r"^[-+−]?[\d,.]+\s*[%억만]?")
FIGURE = re.compile(r"[-+−±]?\d")
"""A cell of a figures column starts with a number (`1,182`, `+708%`, `600개(목표)`), or is a dash."""
DASHES = {"-", "−", "–", "—"}
NUMBERED_BY_DEFAULT = {"news": True, "feature": True, "newsletter": True, "center": False}


@dataclass
class CellView:
    """A table cell ready to print."""

    text: str
    colspan: int = 1
    rowspan: int = 1
    align: str | None = None
    head: bool = False
    group_start: bool = False
    at: tuple[str | int, ...] = ()
    """Where the cell stands in its block as written (`("table", 2, 1)`), for `BlockView.at`."""


@dataclass
class BlockView:
    """A block with what its template needs beyond the block itself."""

    kind: str
    block: Any
    label: str = ""
    """`사진 N)`, `표 N)`, or a heading's number or mark."""
    image: str = ""
    """For charts: the SVG path, relative to the issue folder."""
    spec: ChartSpec | None = None
    header: list[list[CellView]] = field(default_factory=list)
    rows: list[list[CellView]] = field(default_factory=list)
    columns: list[tuple[float, str]] = field(default_factory=list)
    """For tables: (width in percent, alignment) per printed column."""
    src: str = ""
    """The block's key in `Document.sources`; the layout checks report by it."""
    parts: frozenset[str] = frozenset()
    """The places inside the block written at their own position (`table.2.1`, `list.3`)."""

    @property
    def attributes(self) -> Markup:
        """The block's id (when given) and source index, for its template's outermost element."""
        given = getattr(self.block, "id", None)
        return Markup(' data-src="{}"{}').format(self.src, Markup(' id="{}"').format(given) if given else "")

    def at(self, *place: str | int) -> Markup:
        """`data-at` for the element printing one part of the block (a cell, an item), when that part
        has its own position: a click on the page then finds the part, not the whole block."""
        part = ".".join(map(str, place))
        return Markup(' data-at="{}/{}"').format(self.src, part) if part in self.parts else Markup("")


def title_line(number: int | None, tag: str | None, title: str) -> str:
    """An article's title line as plain text: `3. 【창업기업】 title`, without the parts it lacks."""
    parts = [f"{number}." if number is not None else "", f"【{tag}】" if tag else "", title]
    return " ".join(part for part in parts if part)


@dataclass
class ArticleView:
    """An article with its number, id and prepared blocks."""

    article: Article
    id: str
    number: int | None
    blocks: list[BlockView]
    src: str = ""
    """The article title's key in `Document.sources`."""

    @property
    def label(self) -> str:
        """The title line as plain text, for bookmarks and the contents page."""
        return title_line(self.number, self.article.tag, self.article.title)


@dataclass
class SectionView:
    """A section with its id, running title and prepared articles."""

    section: Section
    id: str
    running_title: str
    articles: list[ArticleView]


@dataclass
class Document:
    """Everything the templates print, plus the charts that must exist before typesetting."""

    issue: Issue
    sections: list[SectionView]
    charts: list[ChartJob]
    placeholders: dict[Path, str] = field(default_factory=dict)
    """Placeholder image → aspect ratio, for photos whose file is not there yet."""
    created: dt.datetime = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    """The moment the PDF records as its creation (the issue date, or SOURCE_DATE_EPOCH)."""
    rendered: int = 0
    """How many charts had to be rendered (not found in the cache)."""
    sources: dict[str, Source] = field(default_factory=dict)
    """Every block and article title as written, by the key the HTML carries in `data-src`."""
    parts: dict[str, Position] = field(default_factory=dict)
    """Where each part of a block (a cell, an item) was written, by the key the HTML carries in `data-at`
    (`0.2.5/table.2.1`). Only clicks on a page use it; the layout checks keep to whole blocks."""
    places: dict[str, Position] = field(default_factory=dict)
    """Where each text of no block was written (the issue's title, its number line, publishers, the
    sections' titles and running heads, the articles' titles on the cover), by the text as written: the
    layout check names the place when the text runs off the page in a footer, a running head or on the
    cover."""

    @property
    def issue_line(self) -> str:
        """`제 260 호(2021.12.22)`: on the cover, in every footer and in the title."""
        return f"제 {self.issue.number} 호({self.issue.date:%Y.%m.%d})"

    @property
    def articles(self) -> list[ArticleView]:
        return [article for section in self.sections for article in section.articles]


@dataclass
class _Context:
    """What preparing every block needs, and what it collects for the build's asset step."""

    checked: Checked
    theme: Theme
    fonts_id: str
    cache: Path
    charts: list[ChartJob] = field(default_factory=list)
    placeholders: dict[Path, str] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    parts: dict[str, Position] = field(default_factory=dict)

    def source(self, keypath: KeyPath, written: Any) -> str:
        """Remember where and what `keypath` was written; its key goes into the HTML as `data-src`.

        The key is made of the article's and block's places (`0.2.5`), so an edit in one article
        leaves the HTML of the others unchanged (incremental builds keep their pages)."""
        loaded = self.checked.loaded
        key = ".".join(str(part) for part in keypath if isinstance(part, int))
        self.sources[key] = Source(loaded.position(keypath) if loaded else None, list(printed_texts(written)))
        return key

    def block_parts(self, key: str, keypath: KeyPath) -> frozenset[str]:
        """Record where each part of the block at `keypath` was written; the parts (`table.2.1`) that have
        a position of their own."""
        loaded = self.checked.loaded
        if loaded is None:
            return frozenset()
        found = []
        for sub in _inner_paths(loaded.value(keypath)):
            spot = loaded.spots.get((*keypath, *sub))
            if spot is not None:
                part = ".".join(map(str, sub))
                self.parts[f"{key}/{part}"] = spot.value
                found.append(part)
        return frozenset(found)


def _inner_paths(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every key path below `data` (not `data` itself)."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield (*path, key)
        yield from _inner_paths(value, (*path, key))


@dataclass(frozen=True)
class Source:
    """A block or title as written: where, and each text of it that the page must show."""

    position: Position | None
    texts: list[str]


def prepare(checked: Checked, theme: Theme, fonts_id: str, cache: Path) -> Document:
    """Number, label and resolve everything in the issue."""
    context = _Context(checked, theme, fonts_id, cache)
    sections = [_section(context, s, section) for s, section in enumerate(checked.issue.sections, start=1)]
    document = Document(
        checked.issue,
        sections,
        context.charts,
        context.placeholders,
        build_time(checked),
        sources=context.sources,
        parts=context.parts,
    )
    document.places = _places(document, checked)
    return document


def _places(document: Document, checked: Checked) -> dict[str, Position]:
    """The issue-level texts the templates print outside any block, with where each was written."""
    loaded, issue = checked.loaded, checked.issue
    if loaded is None:
        return {}
    written: list[tuple[str | None, KeyPath]] = [
        (issue.title, ("title",)),
        (document.issue_line, ("number",)),
        (issue.publisher, ("publisher",)),
        (issue.publisher_full, ("publisher_full",)),
    ]
    for s, view in enumerate(document.sections):
        written.append((view.section.title, ("sections", s, "title")))
        given = view.section.running_title is not None
        written.append((view.running_title, ("sections", s, "running_title" if given else "title")))
        written += [(a.article.title, ("sections", s, "articles", n, "title")) for n, a in enumerate(view.articles)]
    places: dict[str, Position] = {}
    for text, keypath in written:
        position = loaded.position(keypath)
        if text and position is not None:
            places.setdefault(text, position)
    return places


def _section(context: _Context, s: int, section: Section) -> SectionView:
    numbered = section.numbered if section.numbered is not None else NUMBERED_BY_DEFAULT[section.kind]
    articles = []
    count = 0
    for a, article in enumerate(section.articles, start=1):
        count = article.number if article.number is not None else count + 1
        keypath = ("sections", s - 1, "articles", a - 1)
        blocks = _blocks(context, article.body, keypath)
        view = ArticleView(article, article.id or automatic_id(s, a), count if numbered else None, blocks)
        view.src = context.source((*keypath, "title"), article.title)
        articles.append(view)
    return SectionView(section, section.id or automatic_id(s), section.running_title or section.title, articles)


def _blocks(context: _Context, body: list[Block], article: KeyPath) -> list[BlockView]:
    views = _numbered_blocks(context, body)
    for b, (block, view) in enumerate(zip(body, views, strict=True)):
        view.src = context.source((*article, "body", b), block)
        view.parts = context.block_parts(view.src, (*article, "body", b))
    return views


def _numbered_blocks(context: _Context, body: list[Block]) -> list[BlockView]:
    views = []
    photos = tables = level1 = level2 = 0
    for block in body:
        if isinstance(block, str):
            views.append(BlockView("text", block))
        elif isinstance(block, Heading):
            if block.level == 1:
                level1, level2 = level1 + 1, 0
                mark = f"{level1})"
            elif block.level == 2:
                level2 += 1
                mark = CIRCLED[level2 - 1] if level2 <= len(CIRCLED) else f"({level2})"
            else:
                mark = "▶"
            views.append(BlockView("heading", block, block.marker if block.marker is not None else mark))
        elif isinstance(block, Photo):
            if block.numbered_as == "표":
                tables += 1
                label = f"표 {tables})"
            else:
                photos += 1
                label = f"사진 {photos})"
            views.append(BlockView("photo", block, label, image=_photo_source(context, block)))
        elif isinstance(block, Table):
            tables += block.labeled
            views.append(_table(block, f"표 {tables})" if block.labeled else ""))
        elif isinstance(block, Chart):
            tables += 1
            views.append(_chart(context, block, f"표 {tables})"))
        else:
            views.append(BlockView(block_key(type(block)), block))
    return views


def _photo_source(context: _Context, photo: Photo) -> str:
    """The photo's file, or while it is missing, its placeholder."""
    issue_dir = context.checked.issue_dir
    if (issue_dir / photo.photo).is_file() or photo.placeholder is None:
        return photo.photo
    path = placeholder_path(context.cache, photo.placeholder)
    context.placeholders[path] = photo.placeholder
    return path.relative_to(issue_dir).as_posix()


def _chart(context: _Context, block: Chart, label: str) -> BlockView:
    spec = block.chart if isinstance(block.chart, ChartSpec) else context.checked.charts[block.chart]
    job = chart_job(spec, context.theme, context.fonts_id, context.cache)
    if isinstance(block.chart, str):  # messages name the spec file the editor can open
        job = replace(job, name=f"{job.name} ({block.chart})")
    context.charts.append(job)
    image = job.path.relative_to(context.checked.issue_dir).as_posix()
    return BlockView("chart", block, label, image=image, spec=spec)


def _cell(value: Any, align: str | None, at: tuple[str | int, ...]) -> CellView:
    if isinstance(value, Cell):
        cell = _cell(value.text, value.align or align, (*at, "text"))
        cell.colspan, cell.rowspan, cell.head = value.colspan, value.rowspan, value.head
        return cell
    if value is None:
        return CellView("", align=align, at=at)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Printed as written: a year stays 2021; write "1,182" as text for separators.
        return CellView(str(value), align=align or "right", at=at)
    text = str(value)
    return CellView(text, align=align or ("right" if NUMERIC.fullmatch(text.strip()) else None), at=at)


def _table(table: Table, label: str) -> BlockView:
    """Cells resolved, and rows folded into side-by-side groups when asked."""
    ncols = max(sum(_span(c) for c in row) for row in [*table.header, *table.table])
    aligns: list[str | None] = [*table.align] or _figure_columns(table.table, ncols)
    widths = table.widths or [1.0] * ncols
    header = [[_cell(c, None, ("header", r, i)) for i, c in enumerate(row)] for r, row in enumerate(table.header)]
    rows = [_row(row, aligns, r) for r, row in enumerate(table.table)]
    total = sum(widths) * table.groups
    columns: list[tuple[float, str]] = [
        (100 * w / total, a or "left") for _ in range(table.groups) for w, a in zip(widths, aligns, strict=True)
    ]
    if table.groups > 1:
        header = [_joined([row] * table.groups) for row in header]
        per_group = ceil(len(rows) / table.groups)
        chunks = [rows[g * per_group : (g + 1) * per_group] for g in range(table.groups)]
        blank = [CellView("") for _ in range(ncols)]
        rows = [_joined([c[i] if i < len(c) else blank for c in chunks]) for i in range(per_group)]
    return BlockView("table", table, label, header=header, rows=rows, columns=columns)


def _figure_columns(rows: list[list[Any]], ncols: int) -> list[str | None]:
    """`right` for each column of figures, so that `-` and `600개(목표)` align with the numbers above them:
    a column (not the first, which names the rows) whose every filled cell starts with a number or is a
    dash, at least one a number. Other columns are left to each cell (`NUMERIC`)."""
    cells: list[list[str]] = [[] for _ in range(ncols)]
    for row in rows:
        column = 0
        for value in row:
            text = value.text if isinstance(value, Cell) else value
            if _span(value) == 1 and not (isinstance(value, Cell) and value.head) and text not in (None, ""):
                cells[column].append(str(text).strip())
            column += _span(value)
    figures = [any(map(FIGURE.match, texts)) and all(FIGURE.match(t) or t in DASHES for t in texts) for texts in cells]
    return [None, *("right" if is_figures else None for is_figures in figures[1:])]


def _row(row: list[Any], aligns: list[str | None], r: int) -> list[CellView]:
    """Cells with their column's alignment, counting columns that spanning cells cover."""
    cells, column = [], 0
    for i, value in enumerate(row):
        cells.append(_cell(value, aligns[column] if column < len(aligns) else None, ("table", r, i)))
        column += _span(value)
    return cells


def _span(cell: Any) -> int:
    return cell.colspan if isinstance(cell, Cell) else 1


def _joined(groups: list[list[CellView]]) -> list[CellView]:
    """Concatenate group rows, marking where each group starts (drawn with a heavier rule)."""
    out: list[CellView] = []
    for g, row in enumerate(groups):
        for i, cell in enumerate(row):
            out.append(replace(cell, group_start=g > 0 and i == 0))
    return out
