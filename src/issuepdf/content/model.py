"""The content model of an issue, declared once: every key an editor may write, with its meaning.

`docs/writing-an-issue.md` explains the same model with an example per block. Field docstrings
are kept by pydantic (`use_attribute_docstrings`) so tools can show them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from .chartspec import ChartSpec
from .fields import (
    MARKDOWN,
    BlockModel,
    Date,
    FilePath,
    Markdown,
    MaybeMarkdown,
    Model,
    Text,
    block_key,
    printable_image,
)
from .settings import EmailSettings

# --- blocks -----------------------------------------------------------------------------------


class Heading(BlockModel):
    """A heading inside an article: level 1 `1) 행사 성과`, 2 `①개요`, 3 `▶산업분포`."""

    heading: Markdown
    """The heading's text, without its number (the number is added)."""
    level: Literal[1, 2, 3] = 1
    """1 numbers `1)`, `2)` …; 2 numbers `①`, `②` … within its level-1 heading; 3 marks `▶`."""
    marker: str | None = None
    """Print this instead of the automatic number or mark; `""` prints none."""


class Lead(BlockModel):
    """A run-in head: a bold lead followed, on the same line, by its paragraph."""

    lead: Markdown
    """The bold lead, e.g. `▶산업분포:`."""
    text: Markdown
    """The paragraph that follows the lead."""


class BulletList(BlockModel):
    """A bullet list; items are Markdown text."""

    list: Annotated[list[Markdown], Field(min_length=1)]
    """The items."""
    marker: Literal["○", "⬧", "•", "-", "▶"] = "•"
    """The bullet printed before each item."""


class NumberedList(BlockModel):
    """A numbered list, such as the conditions `i.`, `ii.`, … of a programme."""

    numbered: Annotated[list[Markdown], Field(min_length=1)]
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
    photo: Annotated[FilePath, AfterValidator(printable_image)]
    """The image file (JPEG, PNG or SVG), relative to the issue folder."""
    source: MaybeMarkdown = None
    """Where the photo comes from, printed after `출처:`."""
    caption: MaybeMarkdown = None
    """A description printed after the source."""
    alt: str | None = None
    """A description for readers who cannot see the photo."""
    width: Annotated[int, Field(ge=10, le=100)] = 80
    """Width in percent of the text column."""
    numbered_as: Literal["사진", "표"] = "사진"
    """Count the image as a photo (`사진 N)`) or, for a map or figure, with the tables (`표 N)`)."""


class Cell(Model):
    """A table cell given as a mapping, for spans and alignment."""

    text: Annotated[str, MARKDOWN] | int | float = ""
    """The cell's content (Markdown text or a number)."""
    colspan: Annotated[int, Field(ge=1)] = 1
    """How many columns the cell spans."""
    rowspan: Annotated[int, Field(ge=1)] = 1
    """How many rows the cell spans."""
    align: Literal["left", "center", "right"] | None = None
    """Overrides the column's alignment."""
    head: bool = False
    """Set a body cell as a heading cell (bold, shaded), e.g. a spanning `공통 조건` row."""


CellValue = Annotated[str, MARKDOWN] | int | float | None | Cell
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
    caption: MaybeMarkdown = None
    """Printed under the table after `표 N)`."""
    labeled: bool = True
    """Count the table and print `표 N)`; false for a table the original printed without a label."""
    source: MaybeMarkdown = None
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
    caption: MaybeMarkdown = None
    """Printed under the chart after `표 N)`."""
    source: MaybeMarkdown = None
    """Where the data comes from, printed after `출처:`."""
    alt: str | None = None
    """A description for readers who cannot see the chart."""


class Note(BlockModel):
    """An editor's note in smaller type: `(편집자 주: …)`."""

    note: Markdown
    """The note's text, without the `편집자 주:` label."""


class Sources(BlockModel):
    """The closing sources block: `*출처:` then `1) …`, `2) …`."""

    sources: Annotated[list[Markdown], Field(min_length=1)]
    """One source per item; URLs are printed as links."""


class Stage(Model):
    """One stage of a timeline."""

    stage: Text
    """The stage's name, e.g. `Ⅰ단계`."""
    period: str | None = None
    """When, e.g. `2020년까지`."""
    text: Markdown
    """The goal of the stage."""


class Timeline(BlockModel):
    """Stages in boxes, side by side, with arrows between them."""

    timeline: Annotated[list[Stage], Field(min_length=1, max_length=6)]
    """The stages in order."""


class Flow(BlockModel):
    """A process flow: steps in boxes joined by arrows, wrapping onto several lines if needed."""

    flow: Annotated[list[Markdown], Field(min_length=2)]
    """The steps in order."""


class Profile(Model):
    """One entry of a profile list."""

    name: Text
    """The name in the left cell, e.g. `ACC`."""
    field: str | None = None
    """Its field, printed under the name, e.g. `신유통 분야`."""
    text: Markdown | Annotated[list[Markdown], Field(min_length=1)]
    """The description in the right cell; a list for several paragraphs."""


class Profiles(BlockModel):
    """Company profiles: a left cell with name and field, a right cell with the text."""

    profiles: Annotated[list[Profile], Field(min_length=1)]
    """The profiles in order."""


class Checklist(BlockModel):
    """A boxed checklist, e.g. of the documents an application needs."""

    checklist: Annotated[list[Markdown], Field(min_length=1)]
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
    Annotated[Markdown, Tag("<text>")]
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


# --- articles, sections, issue ----------------------------------------------------------------


def _bare_tag(tag: str) -> str:
    """The layout adds the brackets, so a tag written with them would print them twice."""
    if "【" in tag or "】" in tag or (tag.startswith("[") and tag.endswith("]")):
        raise ValueError(f"write the tag without brackets (tag: {tag.strip('【】[] ')}): the layout adds 【】")
    return tag


AUTOMATIC_ID = re.compile(r"s\d+(-a\d+)?")
"""The form of the ids sections and articles get when none is given (`automatic_id`)."""


def automatic_id(section: int, article: int | None = None) -> str:
    """The id of the section (and article) at these places, counting from 1: `s2`, `s2-a3`."""
    return f"s{section}" if article is None else f"s{section}-a{article}"


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
    credit: MaybeMarkdown = None
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


NOT_PRINTED = frozenset(
    {"id", "alt", "photo", "chart", "placeholder", "numbered_as", "marker", "style", "align", "widths"}
)
"""Keys whose values steer the layout but are not printed."""


def printed_texts(value: Any) -> Iterator[str]:
    """The texts of a block that the page prints, as written (Markdown included); numbers of table cells."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, ChartSpec):
        yield from printed_texts(value.title)
    elif isinstance(value, Model):
        for name in type(value).model_fields:
            field_value = getattr(value, name)
            if name not in NOT_PRINTED and (
                not isinstance(field_value, int | float) or (isinstance(value, Cell) and name == "text")
            ):
                yield from printed_texts(field_value)
    elif isinstance(value, list):
        for item in value:
            yield from printed_texts(item)
