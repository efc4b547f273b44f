"""The content model of an issue, declared once: every key an editor may write, with its meaning.

`docs/writing-an-issue.md` explains the same model with an example per block. Field docstrings
are kept by pydantic (`use_attribute_docstrings`) so tools can show them.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import mimetypes
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    model_validator,
)

from .images import image_problem
from .loader import safe_relative
from .settings import EmailSettings


class Model(BaseModel):
    """Base of every model: unknown keys are errors, docstrings document fields."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class BlockModel(Model):
    """Base of every block: any block can be a link target."""

    id: str | None = None
    """A unique name to link to this block (`[see](#name)`)."""


def block_key(model: type[BaseModel]) -> str:
    """The key that names a block in YAML (`- photo: a.jpg`): `key` if declared, else the first own field."""
    return getattr(model, "key", None) or next(name for name in model.model_fields if name != "id")


def _iso_date(value: Any) -> Any:
    """Dates as YAML reads them, or text in the one form that is unambiguous: 2022-01-05."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError(f"write dates as 2022-01-05 (got {value!r})")
    return value


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date written 2022-01-05."""


def _existing_file(name: str, info: ValidationInfo) -> str:
    """Check that a referenced file lies inside the issue folder and exists (or has a placeholder)."""
    if not safe_relative(name):
        raise ValueError("give a relative path inside the issue folder (no '..', not absolute)")
    context = info.context or {}
    base = context.get("base")
    if base is None:
        return name
    path = Path(base) / name
    if not path.is_file():
        if info.data.get("placeholder"):
            return name
        raise ValueError(f"file not found: {name}")
    root = Path(context.get("root", base)).resolve()
    if not path.resolve().is_relative_to(root):
        raise ValueError(f"{name} is a link to a file outside the issue folder; copy the file in instead")
    return name


def _printable_image(name: str, info: ValidationInfo) -> str:
    """Check that a photo file can be printed (not empty, damaged, a bomb or an unknown format)."""
    base = (info.context or {}).get("base")
    path = Path(base) / name if base is not None else None
    if path is not None and path.is_file():
        problem = image_problem(path)
        if problem:
            raise ValueError(problem)
    return name


FilePath = Annotated[str, AfterValidator(_existing_file)]
"""A file inside the issue folder, relative to it (for a chart spec: relative to the spec)."""

Text = Annotated[str, Field(min_length=1)]
"""Text with Markdown inline formatting: **bold**, *italic*, `code`, [links](https://…)."""


# --- blocks -----------------------------------------------------------------------------------


class Heading(BlockModel):
    """A heading inside an article: level 1 `1) 행사 성과`, 2 `①개요`, 3 `▶산업분포`."""

    heading: Text
    """The heading's text, without its number (the number is added)."""
    level: Literal[1, 2, 3] = 1
    """1 numbers `1)`, `2)` …; 2 numbers `①`, `②` … within its level-1 heading; 3 marks `▶`."""
    marker: str | None = None
    """Print this instead of the automatic number or mark; `""` prints none."""


class Lead(BlockModel):
    """A run-in head: a bold lead followed, on the same line, by its paragraph."""

    lead: Text
    """The bold lead, e.g. `▶산업분포:`."""
    text: Text
    """The paragraph that follows the lead."""


class BulletList(BlockModel):
    """A bullet list; items are Markdown text."""

    list: Annotated[list[Text], Field(min_length=1)]
    """The items."""
    marker: Literal["○", "⬧", "•", "-", "▶"] = "•"
    """The bullet printed before each item."""


class NumberedList(BlockModel):
    """A numbered list, such as the conditions `i.`, `ii.`, … of a programme."""

    numbered: Annotated[list[Text], Field(min_length=1)]
    """The items."""
    style: Literal["roman", "decimal", "circled", "paren"] = "roman"
    """`roman` i. ii.; `decimal` 1. 2.; `circled` ① ②; `paren` 1) 2)."""
    start: int = 1
    """The first item's number."""


class Photo(BlockModel):
    """A photo with its numbered caption `사진 N) 출처: …` under it."""

    key: ClassVar[str] = "photo"
    placeholder: Literal["4:3", "3:2", "16:9", "1:1", "3:4", "2:3"] | None = None
    """Until the photo file exists, print a marked placeholder of this aspect ratio in its place."""
    photo: Annotated[FilePath, AfterValidator(_printable_image)]
    """The image file (JPEG, PNG or SVG), relative to the issue folder."""
    source: str | None = None
    """Where the photo comes from, printed after `출처:`."""
    caption: str | None = None
    """A description printed after the source."""
    alt: str | None = None
    """A description for readers who cannot see the photo."""
    width: Annotated[int, Field(ge=10, le=100)] = 80
    """Width in percent of the text column."""
    numbered_as: Literal["사진", "표"] = "사진"
    """Count the image as a photo (`사진 N)`) or, for a map or figure, with the tables (`표 N)`)."""


class Cell(Model):
    """A table cell given as a mapping, for spans and alignment."""

    text: str | int | float = ""
    """The cell's content (Markdown text or a number)."""
    colspan: Annotated[int, Field(ge=1)] = 1
    """How many columns the cell spans."""
    rowspan: Annotated[int, Field(ge=1)] = 1
    """How many rows the cell spans."""
    align: Literal["left", "center", "right"] | None = None
    """Overrides the column's alignment."""
    head: bool = False
    """Set a body cell as a heading cell (bold, shaded), e.g. a spanning `공통 조건` row."""


CellValue = str | int | float | None | Cell
Row = list[CellValue]


class Table(BlockModel):
    """A table with header rows, alignment, spanning cells and optional side-by-side groups."""

    table: Annotated[list[Row], Field(min_length=1)]
    """The body rows; each row a list of cells."""
    header: list[Row] = []
    """Header rows, repeated at the top of every page the table crosses."""
    align: list[Literal["left", "center", "right"]] = []
    """Alignment per column; numbers are right-aligned when not given."""
    widths: list[Annotated[float, Field(gt=0)]] = []
    """Relative column widths, e.g. `[1, 3, 1]`."""
    groups: Annotated[int, Field(ge=1, le=4)] = 1
    """Split the rows into this many column groups set side by side (표 1's ranked list)."""
    caption: str | None = None
    """Printed under the table after `표 N)`."""
    labeled: bool = True
    """Count the table and print `표 N)`; false for a table the original printed without a label."""
    source: str | None = None
    """Where the data comes from, printed after `출처:`."""

    @model_validator(mode="after")
    def _rectangular(self) -> Table:
        """Every row fills the same columns, and widths and align name each column once."""
        header, body = _row_widths(self.header), _row_widths(self.table)
        columns = max([*header, *body])
        for kind, widths in (("header row", header), ("row", body)):
            for n, width in enumerate(widths, start=1):
                if width != columns:
                    raise ValueError(f"{kind} {n} has {width} cells (counting spans) where the table has {columns}")
        for name in ("widths", "align"):
            given = len(getattr(self, name))
            if given and given != columns:
                raise ValueError(f"{name} has {given} entries for {columns} columns")
        return self


def _row_widths(rows: list[Row]) -> list[int]:
    """How many columns each row fills, counting column spans and the row spans of rows above."""
    carried: list[int] = []  # for each later row, columns already taken by row spans from above
    widths = []
    for r, row in enumerate(rows):
        width = carried[r] if r < len(carried) else 0
        for cell in row:
            span = cell.colspan if isinstance(cell, Cell) else 1
            width += span
            for below in range(r + 1, r + (cell.rowspan if isinstance(cell, Cell) else 1)):
                carried.extend([0] * (below + 1 - len(carried)))
                carried[below] += span
        widths.append(width)
    return widths


class Chart(BlockModel):
    """A chart rendered from a chart spec (a YAML file or inline), numbered like tables: `표 N)`."""

    chart: Annotated[
        Annotated[FilePath, Tag("<file>")] | Annotated[ChartSpec, Tag("<spec>")],
        Discriminator(lambda v: "<file>" if isinstance(v, str) else "<spec>"),
    ]
    """The chart spec: a YAML file relative to the issue folder, or the spec itself."""
    caption: str | None = None
    """Printed under the chart after `표 N)`."""
    source: str | None = None
    """Where the data comes from, printed after `출처:`."""
    alt: str | None = None
    """A description for readers who cannot see the chart."""


class Note(BlockModel):
    """An editor's note in smaller type: `(편집자 주: …)`."""

    note: Text
    """The note's text, without the `편집자 주:` label."""


class Sources(BlockModel):
    """The closing sources block: `*출처:` then `1) …`, `2) …`."""

    sources: Annotated[list[Text], Field(min_length=1)]
    """One source per item; URLs are printed as links."""


class Stage(Model):
    """One stage of a timeline."""

    stage: Text
    """The stage's name, e.g. `Ⅰ단계`."""
    period: str | None = None
    """When, e.g. `2020년까지`."""
    text: Text
    """The goal of the stage."""


class Timeline(BlockModel):
    """Stages in boxes, side by side, with arrows between them."""

    timeline: Annotated[list[Stage], Field(min_length=1, max_length=6)]
    """The stages in order."""


class Flow(BlockModel):
    """A process flow: steps in boxes joined by arrows, wrapping onto several lines if needed."""

    flow: Annotated[list[Text], Field(min_length=2)]
    """The steps in order."""


class Profile(Model):
    """One entry of a profile list."""

    name: Text
    """The name in the left cell, e.g. `ACC`."""
    field: str | None = None
    """Its field, printed under the name, e.g. `신유통 분야`."""
    text: Text | Annotated[list[Text], Field(min_length=1)]
    """The description in the right cell; a list for several paragraphs."""


class Profiles(BlockModel):
    """Company profiles: a left cell with name and field, a right cell with the text."""

    profiles: Annotated[list[Profile], Field(min_length=1)]
    """The profiles in order."""


class Checklist(BlockModel):
    """A boxed checklist, e.g. of the documents an application needs."""

    checklist: Annotated[list[Text], Field(min_length=1)]
    """The items."""
    title: str | None = None
    """A title at the top of the box."""
    marker: Literal["⬧", "○", "•", "□"] = "⬧"
    """The mark printed before each item."""


_BLOCK_MODELS = (
    Heading,
    Lead,
    BulletList,
    NumberedList,
    Photo,
    Table,
    Chart,
    Note,
    Sources,
    Timeline,
    Flow,
    Profiles,
    Checklist,
)
BLOCK_TYPES: dict[str, type[Model]] = {block_key(model): model for model in _BLOCK_MODELS}
"""Block key → model: a block is named by one key (`- photo: a.jpg`), by default its first field."""


def _block_tag(value: Any) -> str | None:
    """Which block a YAML item is: a string is a paragraph; a mapping by its naming key."""
    if isinstance(value, str):
        return "<text>"
    if isinstance(value, dict):
        for key in value:  # the naming key is written first; later keys may share its name
            if key in BLOCK_TYPES:
                return f"<{key}>"
    if isinstance(value, Model):
        return f"<{block_key(type(value))}>"
    return None


Block = Annotated[
    Annotated[Text, Tag("<text>")]
    | Annotated[Heading, Tag("<heading>")]
    | Annotated[Lead, Tag("<lead>")]
    | Annotated[BulletList, Tag("<list>")]
    | Annotated[NumberedList, Tag("<numbered>")]
    | Annotated[Photo, Tag("<photo>")]
    | Annotated[Table, Tag("<table>")]
    | Annotated[Chart, Tag("<chart>")]
    | Annotated[Note, Tag("<note>")]
    | Annotated[Sources, Tag("<sources>")]
    | Annotated[Timeline, Tag("<timeline>")]
    | Annotated[Flow, Tag("<flow>")]
    | Annotated[Profiles, Tag("<profiles>")]
    | Annotated[Checklist, Tag("<checklist>")],
    Discriminator(
        _block_tag,
        custom_error_type="block_type",
        custom_error_message="not a block: write a paragraph as text, or a mapping with one of the keys "
        + ", ".join(sorted(BLOCK_TYPES)),
    ),
]
"""One block of an article's body."""


# --- charts -----------------------------------------------------------------------------------

MAX_CHART_POINTS = 10_000
"""The most values one chart may draw (all series together). Rendering time grows with the points:
10,000 bars take 8 s (2 cores, browser start included), 20,000 twice that, 10^6 ran out of time."""

_URL = re.compile(r"\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*://|(?:file|data|blob|filesystem|javascript):|//|\\\\)", re.I)
"""A string naming something outside the issue: `http://…`, `file:…`, `data:…`, `//host`, `\\\\share`."""


class Series(Model):
    """One data series of a chart."""

    name: str = ""
    """The series' name, shown in the legend."""
    values: Annotated[list[Annotated[float, Field(allow_inf_nan=False)] | None], Field(min_length=1)]
    """One value per category; `null` for a missing value."""
    color: str | None = None
    """A CSS colour; by default the next colour of the bulletin theme."""


ChartType = Literal["bar", "hbar", "stacked", "stacked-hbar", "line", "pie", "donut", "scatter"]


def _offline_figure(figure: dict[str, Any] | None, info: ValidationInfo) -> dict[str, Any] | None:
    """Refuse a raw figure that names a URL, and inline its image files as `data:` URIs.

    The chart browser must fetch nothing (a `file:///…` image would end up inside the SVG, an
    `http://…` one would leak the build to the network), so every image a figure shows comes from
    the issue folder, read here and handed to the browser as data.
    """
    return None if figure is None else _inline_sources(figure, (), info)


def _inline_sources(value: Any, path: tuple[str | int, ...], info: ValidationInfo) -> Any:
    if isinstance(value, dict):
        return {key: _inline_sources(item, (*path, key), info) for key, item in value.items()}
    if isinstance(value, list):
        return [_inline_sources(item, (*path, i), info) for i, item in enumerate(value)]
    if not isinstance(value, str):
        return value
    where = ".".join(map(str, path))
    if path and path[-1] == "source" and not _URL.match(value):
        return _image_data_uri(value, where, info)
    if _URL.match(value) and not value.strip().lower().startswith("data:image/"):
        raise ValueError(f"{where}: charts may not name URLs ({value[:40]!r}); put the file in the issue folder")
    return value


def _image_data_uri(name: str, where: str, info: ValidationInfo) -> str:
    """An image file of the issue as a `data:` URI, after the checks a photo gets."""
    try:
        _existing_file(name, info)
        _printable_image(name, info)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
    base = (info.context or {}).get("base")
    if base is None:
        return name
    path = Path(base) / name
    kind = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _figure_points(figure: dict[str, Any]) -> int:
    """The points a raw figure draws: per trace, its longest data array (a grid counts every cell)."""
    traces = figure.get("data", [])
    return sum(
        max((_leaves(item) for item in trace.values() if isinstance(item, list)), default=0)
        for trace in traces
        if isinstance(trace, dict)
    )


def _leaves(value: Any) -> int:
    return sum(_leaves(item) for item in value) if isinstance(value, list) else 1


def _csv_points(name: str, info: ValidationInfo) -> int:
    """Data cells of a chart's CSV (header row and category column aside), 0 if it cannot be read here."""
    base = (info.context or {}).get("base")
    if base is None:
        return 0
    try:
        with (Path(base) / name).open(encoding="utf-8-sig", newline="") as handle:
            rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error):
        return 0  # a problem validate reports with its position
    return max(0, len(rows) - 1) * max(0, len(rows[0]) - 1) if rows else 0


class ChartSpec(Model):
    """What a chart shows; the bulletin theme decides how it looks."""

    type: ChartType = "bar"
    """bar, hbar (horizontal), stacked, stacked-hbar, line, pie, donut or scatter."""
    title: str | None = None
    """A title set above the chart in the page (never inside the SVG)."""
    categories: list[str | float] = []
    """Category labels (x values for line and scatter)."""
    series: list[Series] = []
    """The data; each series has one value per category."""
    csv: FilePath | None = None
    """Data from a CSV file beside the spec: first column categories, one column per series."""
    figure: Annotated[dict[str, Any] | None, AfterValidator(_offline_figure)] = None
    """A raw Plotly figure (`data` and `layout`), for what the fields above cannot say; images in it
    are files of the issue (relative to the spec), never URLs."""
    unit: str = ""
    """Unit appended to value labels, e.g. `개` or `억 위안`."""
    number_format: str = ",.0f"
    """Number format of value labels and the value axis (d3-format), e.g. `,.1f` or `.0%`."""
    value_labels: bool = True
    """Print each value on its bar, point or slice."""
    x_title: str | None = None
    """Title of the horizontal axis (the value axis of hbar and stacked-hbar)."""
    y_title: str | None = None
    """Title of the vertical axis (the category axis of hbar and stacked-hbar)."""
    colors: list[str] = []
    """Colours replacing the theme palette, in order."""
    legend: bool | None = None
    """Show the legend; by default when there are several series, or a pie without value labels."""
    width_mm: Annotated[float, Field(gt=20, le=180)] = 150
    """Width in the page, in millimetres."""
    height_mm: Annotated[float, Field(gt=20, le=250)] = 80
    """Height in the page, in millimetres."""

    @model_validator(mode="after")
    def _one_data_source(self) -> ChartSpec:
        given = [name for name in ("series", "csv", "figure") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(f"give exactly one of series, csv or figure (given: {', '.join(given) or 'none'})")
        for series in self.series:
            if self.categories and len(series.values) != len(self.categories):
                raise ValueError(
                    f"series {series.name!r} has {len(series.values)} values for {len(self.categories)} categories"
                )
        if self.series and not self.categories:
            raise ValueError("series need categories")
        return self

    @model_validator(mode="after")
    def _few_enough_points(self, info: ValidationInfo) -> ChartSpec:
        points = sum(len(series.values) for series in self.series)
        points += _figure_points(self.figure or {}) + (_csv_points(self.csv, info) if self.csv else 0)
        if points > MAX_CHART_POINTS:
            raise ValueError(
                f"the chart has {points:,} points; the limit is {MAX_CHART_POINTS:,}: "
                "summarise the data (sums per month, the leading categories and 기타) or show it as a table"
            )
        return self


# --- articles, sections, issue ----------------------------------------------------------------


def _bare_tag(tag: str) -> str:
    """The layout adds the brackets, so a tag written with them would print them twice."""
    if "【" in tag or "】" in tag or (tag.startswith("[") and tag.endswith("]")):
        raise ValueError(f"write the tag without brackets (tag: {tag.strip('【】[] ')}): the layout adds 【】")
    return tag


class Article(Model):
    """One article: a numbered title line, optional tag, source and outlet, then its body."""

    title: Text
    """The title, without its number, tag or source."""
    id: str | None = None
    """A unique name to link to this article; by default `s<section>-a<article>`."""
    number: int | None = None
    """The printed number; by default articles of a numbered section count 1, 2, …"""
    tag: Annotated[str, AfterValidator(_bare_tag)] | None = None
    """A category printed in lenticular brackets before the title: `창업기업` → `【창업기업】`."""
    source: str | None = None
    """The source of a news article, printed after the title: `선전상보(深圳商报)`."""
    outlet: str | None = None
    """The outlet of a newsletter article, printed with `published` under the title."""
    published: Date | None = None
    """The outlet's publication date."""
    credit: str | None = None
    """A closing source line, right-aligned at the end of the article."""
    body: Annotated[list[Block], Field(min_length=1)]
    """The blocks of the article, in order."""


SectionKind = Literal["news", "feature", "newsletter", "center"]


class Section(Model):
    """A section of the bulletin; it starts on a new page under its own running title."""

    title: Text
    """The section's title, e.g. `중국 창업 뉴스`."""
    kind: SectionKind = "news"
    """news (title — source), feature (【tag】 title), newsletter (outlet, date) or center."""
    running_title: str | None = None
    """The page header in this section; by default the title."""
    numbered: bool | None = None
    """Number the articles 1, 2, …; by default every kind but `center` is numbered."""
    id: str | None = None
    """A unique name to link to this section."""
    articles: Annotated[list[Article], Field(min_length=1)]
    """The articles, in order; an article may be `include: FILE` to keep it in its own file."""


class Issue(Model):
    """One numbered issue of the bulletin: the root of `issue.yaml`."""

    title: Text
    """The bulletin's title, e.g. `주간 중국 창업`."""
    number: Annotated[int, Field(gt=0)]
    """The issue number, e.g. `260`."""
    date: Date
    """The publication date, e.g. `2021-12-22`."""
    publisher: Text
    """The publisher, e.g. `KIC 중국`."""
    publisher_full: str | None = None
    """The publisher's full name for the cover, e.g. `글로벌혁신센터 (Korea Innovation Center China)`."""
    line_breaking: Literal["word", "syllable"] = "word"
    """`word` breaks Korean lines between words only (어절); `syllable` between any two syllables."""
    teaser: int = 6
    """How many article titles the cover lists."""
    sections: Annotated[list[Section], Field(min_length=1)]
    """The sections, in order."""
    email: EmailSettings | None = None
    """This issue's email settings (sender, subject, budget, …), replacing those of issuepdf.yaml."""
