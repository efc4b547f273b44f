"""What `issuepdf import` makes of a document, whatever its format: one article as block data, its images,
its notes as sources, and the account of what was mapped and what was not.

The readers (`docx.py`, `hwpx.py`) fill a `Draft`; `write_import` writes it into the issue as a Markdown
article (`convert.article_markdown`, which reads every block back), its images into `images/`, and its
include into `issue.yaml`. Office files are ZIPs of XML: `Package` reads them within bounds (no DTDs, no
entity expansion, sizes checked before and while unpacking), since a document comes from outside.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ..content.errors import ConvertError
from ..content.loader import inside, load_yaml
from ..content.numbering import CIRCLED, ROMAN
from ..content.problems import Problems, shown_path
from ..pipeline.output import write_atomic
from .convert import article_markdown

MAX_DOCUMENT_BYTES = 100_000_000
"""Largest document file taken."""
MAX_PART_BYTES = 60_000_000
"""Largest part of it once unpacked (an XML part or an image)."""
MAX_UNPACKED_BYTES = 300_000_000
"""All parts read from one document together, once unpacked: a ZIP bomb stops here."""
MAX_PARTS = 20_000
MAX_XML_DEPTH = 200
"""Deepest nesting of elements taken: Word and 한글 documents nest 20 or so; the readers walk the tree
recursively, and 20,000 nested `<w:sdt>` or `<w:ins>` exhausted Python's stack."""
IMAGE_TYPES = {b"\x89PNG": ".png", b"\xff\xd8\xff": ".jpg", b"GIF8": ".gif"}
"""Images by their first bytes (never by their names): what a photo block can print (GIF is refused there)."""
CAPTION = re.compile(r"^\s*[<\[(]?\s*(사진|그림|표)\s*\d+\s*[)>\].:]?\s*")
"""A caption paragraph next to an image: `사진 1) …`, `<그림 2> …`, `표 3. …`."""
SUBSTITUTES = {"\u2024": "·", "\u2027": "·", "\u00a0": " ", "\u3000": " ", "\uf06c": "•", "\uf0a7": "▪"}
"""Characters office documents use that the bulletin's fonts lack, and what prints the same: 한글 writes
`수집․분석` with U+2024 (a leader dot) for the middle dot, Word's Symbol-font bullets are private-use."""
SOURCE = re.compile(r"출처\s*[:：]\s*")
"""A caption that names its source: `사진 1) 출처: 선전상보` prints the same as `source: 선전상보`."""
MARKED = re.compile(r"(?P<mark>(?P<one>\d{1,2}\))|(?P<two>[①-⑳])|(?P<three>▶))\s*(?P<text>[^:：]+)")
"""A heading written with the bulletin's own marks: `1) 행사 성과`, `①개요`, `▶산업분포`."""
ITEM_MARK = re.compile(r"([○◦◆◇⬧▶►•]|[ivx]{1,4}\.|[①-⑳])\s*")
"""A mark an item wrote into its text (a list pasted as text, or laid out by issuepdf)."""
NUMBER_MARK = re.compile(r"([ivx]{1,4}\.|[①-⑳]|\d{1,2}[.)])\s*")


def _numbering(mark: str) -> tuple[str, int]:
    """The style and number of a written number mark: `vi.` → roman 6, `③` → circled 3, `2)` → paren 2."""
    if mark[0] in CIRCLED:
        return "circled", CIRCLED.index(mark[0]) + 1
    if mark[0] in "ivx":
        return "roman", ROMAN.index(mark[:-1]) + 1 if mark[:-1] in ROMAN else 1
    return ("paren" if mark.endswith(")") else "decimal"), int(mark[:-1])


BULLET_MARKERS = {"○": "○", "◦": "○", "ㅇ": "○", "◆": "⬧", "◇": "⬧", "⬧": "⬧", "▶": "▶", "►": "▶", "-": "-", "–": "-"}
"""A document's bullet characters → the bulletin's list markers; any other bullet prints `•`."""


class Package:
    """A ZIP package (DOCX, HWPX), read part by part within bounds."""

    def __init__(self, path: Path) -> None:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise ConvertError(f"{shown_path(path)} is {size:,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}")
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as err:
            raise ConvertError(f"{shown_path(path)} is not a readable {path.suffix} file (not a ZIP: {err})") from err
        if len(self.zip.infolist()) > MAX_PARTS:
            raise ConvertError(f"{shown_path(path)} has more than {MAX_PARTS:,} parts; refused")
        self.path = path
        self.unpacked = 0

    def names(self) -> list[str]:
        return self.zip.namelist()

    def read(self, name: str) -> bytes | None:
        """A part's bytes (None when absent), refused past the bounds, whatever its header claims."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_PART_BYTES:
            raise ConvertError(f"{name} in {shown_path(self.path)} unpacks to {info.file_size:,} bytes; refused")
        with self.zip.open(info) as handle:
            data = handle.read(MAX_PART_BYTES + 1)
        self.unpacked += len(data)
        if len(data) > MAX_PART_BYTES or self.unpacked > MAX_UNPACKED_BYTES:
            raise ConvertError(f"{shown_path(self.path)} unpacks to more than its limit (a ZIP bomb?); refused")
        return data

    def xml(self, name: str) -> ET.Element | None:
        """A part parsed as XML; documents carry no DTD, so one (and with it any entity) is refused."""
        data = self.read(name)
        if data is None:
            return None
        if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
            raise ConvertError(f"{name} in {shown_path(self.path)} declares a DTD; refused")
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        root, depth = None, 0
        try:
            for start in range(0, len(data), 1 << 16):  # fed in pieces, so the depth is seen as it grows
                parser.feed(data[start : start + (1 << 16)])
                for event, element in cast("Iterator[tuple[str, ET.Element]]", parser.read_events()):
                    depth += 1 if event == "start" else -1
                    root = element if root is None else root
                    if depth > MAX_XML_DEPTH:
                        raise ConvertError(
                            f"{name} in {shown_path(self.path)} nests elements over {MAX_XML_DEPTH} deep; refused"
                        )
            parser.close()
        except ET.ParseError as err:
            raise ConvertError(f"{name} in {shown_path(self.path)} is not well-formed XML: {err}") from err
        return root


def escape(text: str) -> str:
    """Document text as Markdown that prints it as it is."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


@dataclass
class Inline:
    """A paragraph's runs as Markdown: neighbouring runs of one format joined, marks tight around words."""

    runs: list[tuple[str, bool, bool, str | None]] = field(default_factory=list)

    def add(self, text: str, bold: bool = False, italic: bool = False, link: str | None = None) -> None:
        if text:
            self.runs.append((text, bold, italic, link))

    def text(self) -> str:
        merged: list[tuple[str, bool, bool, str | None]] = []
        for run in self.runs:
            if merged and merged[-1][1:] == run[1:]:
                merged[-1] = (merged[-1][0] + run[0], *run[1:])
            else:
                merged.append(run)
        return re.sub(r"[ \t\u00a0]+", " ", "".join(_markdown(*run) for run in merged)).strip()


def _markdown(text: str, bold: bool, italic: bool, link: str | None) -> str:
    core = text.strip()
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    body = f"[{escape(core)}]({link})" if link else escape(core)
    mark = ("**" if bold else "") + ("*" if italic else "")
    return f"{lead}{mark}{body}{mark[::-1]}{trail}"


def _bold(text: str) -> bool:
    """A cell entirely in bold: how most documents mark a header row they did not declare."""
    return len(text) > 4 and text.startswith("**") and text.endswith("**") and "**" not in text[2:-2]


def _unbold(cell: Any) -> Any:
    if isinstance(cell, dict):
        return {**cell, "text": _unbold(cell["text"])}
    return cell[2:-2] if isinstance(cell, str) and _bold(cell) else cell


@dataclass
class GridCell:
    """A table cell where it stands in the table's grid."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    head: bool = False
    width: int = 0
    """The cell's width in the document's units, when it says (for the columns' relative widths)."""


@dataclass
class Draft:
    """The article an import makes: front matter, blocks, images, notes, and the account."""

    name: str
    covered: frozenset[int] = frozenset()
    """The characters the project's fonts print: others are replaced (SUBSTITUTES) or left out, and counted."""
    title: str = ""
    blocks: list[Any] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    mapped: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)

    def clean(self, text: str) -> str:
        """Text with the characters no font prints replaced by their equivalents, or left out, and counted."""
        if not self.covered or all(ord(char) in self.covered or char in "\n\t " for char in text):
            return text
        kept = []
        for char in text:
            substitute = SUBSTITUTES.get(char)
            if ord(char) in self.covered or char in "\n\t ":
                kept.append(char)
            elif unicodedata.category(char) == "Cf":
                self.mapped["invisible characters (zero-width spaces, joiners) removed"] += 1
            elif substitute is not None:
                self.mapped[f"'{char}' (U+{ord(char):04X}) printed as '{substitute}'"] += 1
                kept.append(substitute)
            else:
                self.unmapped[f"'{char}' (U+{ord(char):04X}): in no font and with no known equivalent; left out"] += 1
        return "".join(kept)

    def paragraph(self, text: str) -> None:
        text = self.clean(text)
        if not text:
            return
        if not self.title:
            self.title = text
            self.mapped["title (the first paragraph)"] += 1
            return
        last = self.blocks[-1] if self.blocks else None
        caption = CAPTION.match(text)
        if caption and isinstance(last, dict) and ("photo" in last or "table" in last) and "caption" not in last:
            said = text[caption.end() :] or text
            source = SOURCE.match(said)
            last.update({"source": said[source.end() :]} if source else {"caption": said})
            last.pop("labeled", None)
            self.mapped["captions"] += 1
            return
        marked = MARKED.fullmatch(text)
        if marked and len(text) <= 60 and not text.endswith("다."):
            self.heading(text, 1)
            return
        self.blocks.append(text)
        self.mapped["paragraphs"] += 1

    def heading(self, text: str, level: int) -> None:
        text = self.clean(text)
        if not text:
            return
        if not self.title:
            self.paragraph(text)
            return
        marked = MARKED.fullmatch(text)
        if marked:  # the bulletin numbers its headings itself: the document's mark gives the level
            text = marked.group("text")
            level = 1 if marked.group("one") else 2 if marked.group("two") else 3
            self.mapped[f"heading marks ({marked.group('mark')}) taken as the level, printed by the layout"] += 1
        self.blocks.append({"heading": text} if level == 1 else {"heading": text, "level": min(level, 3)})
        self.mapped[f"headings (level {min(level, 3)})"] += 1

    def item(self, text: str, marker: str | None = None, style: str | None = None) -> None:
        """A list item: bulleted with `marker`, or numbered in `style`; consecutive items make one list.

        An item that writes its own mark (`○…`, `ii.…`) keeps the mark as the list's, not in its text."""
        text = self.clean(text)
        written = (NUMBER_MARK if style else ITEM_MARK).match(text)
        number = 1
        if written and written.end() < len(text):
            mark, text = written.group(1), text[written.end() :]
            if style is None:
                marker = mark
            else:
                style, number = _numbering(mark)
            self.mapped["list marks written in the items, taken as the list's"] += 1
        if not text:
            return
        key, value = ("numbered", style) if style else ("list", BULLET_MARKERS.get(marker or "", "•"))
        option = "style" if style else "marker"
        last = self.blocks[-1] if self.blocks else None
        restarts = bool(style and written and number == 1)  # a written `1.` or `i.` begins a new list
        if isinstance(last, dict) and key in last and last.get(option, "•") == value and not restarts:
            last[key].append(text)
        else:
            self.blocks.append({key: [text], option: value, **({"start": number} if number > 1 else {})})
        self.mapped["list items" if key == "list" else "numbered items"] += 1

    def photo(self, data: bytes, alt: str | None, caption: str | None = None) -> None:
        suffix = next((ext for magic, ext in IMAGE_TYPES.items() if data.startswith(magic)), None)
        if suffix is None or suffix == ".gif":
            self.unmapped["images in a format a photo cannot print (not JPEG or PNG)"] += 1
            return
        path = f"images/{self.name}-{len(self.images) + 1}{suffix}"
        self.images[path] = data
        block: dict[str, Any] = {"photo": path}
        if caption:
            block["caption"] = self.clean(caption)
        block["alt"] = alt or f"{self.title or self.name}: 그림 {len(self.images)}"
        self.blocks.append(block)
        self.mapped["images"] += 1
        if not alt:
            self.unmapped["alt text of images (none in the document; a placeholder written: describe each)"] += 1

    def table(self, cells: list[GridCell], columns: list[int] | None = None) -> None:
        """A table from its grid cells: spans kept, leading rows of heading cells as the header, and the
        columns' relative widths (given, or measured from the cells one column wide)."""
        if not cells:
            return
        width = max(cell.col + cell.colspan for cell in cells)
        measured = {cell.col: cell.width for cell in cells if cell.colspan == 1 and cell.width > 0}
        columns = columns or [measured.get(c, 0) for c in range(width)]
        height = max(cell.row + cell.rowspan for cell in cells)
        covered = {
            (r, c)
            for cell in cells
            for r in range(cell.row, cell.row + cell.rowspan)
            for c in range(cell.col, cell.col + cell.colspan)
        }
        starts = {(cell.row, cell.col): cell for cell in cells}
        rows: list[list[Any]] = []
        for r in range(height):
            row: list[Any] = []
            for c in range(width):
                cell = starts.get((r, c))
                if cell is None:
                    if (r, c) not in covered:
                        row.append("")
                    continue
                spans = {
                    key: value for key, value in (("colspan", cell.colspan), ("rowspan", cell.rowspan)) if value > 1
                }
                text = self.clean(cell.text)
                row.append({"text": text, **spans} if spans else text)
            rows.append(row)
        header = 0
        while header < height - 1 and all(cell.head or _bold(cell.text) for cell in cells if cell.row == header):
            header += 1
        for row in rows[:header]:  # a header prints bold: its marks would only double it
            row[:] = [_unbold(cell) for cell in row]
        block: dict[str, Any] = {"table": rows[header:]}
        if header:
            block["header"] = rows[:header]
        if len(columns) == width and all(columns) and len(set(columns)) > 1:
            block["widths"] = [max(1, round(100 * column / sum(columns))) for column in columns]
        block["labeled"] = False  # as in the document, until a `표 N)` caption says otherwise
        self.blocks.append(block)
        self.mapped["tables"] += 1
        if any(cell.rowspan > 1 or cell.colspan > 1 for cell in cells):
            self.mapped["merged table cells"] += sum(1 for cell in cells if cell.rowspan > 1 or cell.colspan > 1)

    def note(self, text: str) -> str:
        """A footnote or endnote into the sources; returns its number, for the mark in the text."""
        self.sources.append(self.clean(text))
        self.mapped["footnotes and endnotes (to the sources block)"] += 1
        return str(len(self.sources))

    def article(self) -> tuple[dict[str, Any], list[Any]]:
        body = [*self.blocks, *([{"sources": self.sources}] if self.sources else [])]
        return {"title": self.title or self.name}, body or ["(빈 문서)"]

    def report(self) -> list[str]:
        lines = [f"mapped: {count} {what}" for what, count in sorted(self.mapped.items())]
        lines += [f"NOT mapped: {count} {what}" for what, count in sorted(self.unmapped.items())]
        return lines


def is_box(texts: list[str], paragraphs: list[int]) -> bool:
    """A table used as a frame: at most one cell holds anything (a boxed notice, a shaded panel), or two
    where one holds several paragraphs (a panel with its title): its paragraphs are the text, not a grid."""
    full = [count for text, count in zip(texts, paragraphs, strict=True) if text.strip()]
    return len(full) <= 1 or (len(full) == 2 and max(full) >= 3)


NUMBERED_TITLE = re.compile(r"\d{1,2}|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]|[IVX]{1,4}")


def numbered_title(texts: list[str]) -> str | None:
    """A one-row table of a number and a title (a heading drawn as a table): the title, else None."""
    if len(texts) == 2 and NUMBERED_TITLE.fullmatch(texts[0].strip()) and texts[1].strip():
        return texts[1].strip()
    return None


def article_name(document: Path, issue_dir: Path) -> str:
    """A file name for the article: the document's name in Latin letters, or `imported`; never one in use."""
    base = re.sub(r"[^a-z0-9]+", "-", document.stem.lower()).strip("-") or "imported"
    name, n = base, 1
    while (issue_dir / "articles" / f"{name}.md").exists() or any((issue_dir / "images").glob(f"{name}-*")):
        n += 1
        name = f"{base}-{n}"
    return name


def write_import(draft: Draft, issue_dir: Path, section: int) -> list[str]:
    """Write the article, its images and its include into the issue; the lines to print."""
    front, body = draft.article()
    text, _ = article_markdown(front, body)
    article_file = f"articles/{draft.name}.md"
    linked_out = [name for name in ("issue.yaml", article_file, *draft.images) if inside(issue_dir, name) is None]
    if linked_out:  # a folder or file of the issue that is a link elsewhere: writing there would write outside
        raise ConvertError(
            f"{linked_out[0]} in {shown_path(issue_dir)} leads out of the issue folder (a link); nothing was imported"
        )
    issue_file = issue_dir / "issue.yaml"
    issue_text = _with_include(issue_file, section, article_file)
    article = issue_dir / article_file
    write_atomic(article, text.encode("utf-8"))
    for relative, data in draft.images.items():
        write_atomic(issue_dir / relative, data)
    write_atomic(issue_file, issue_text.encode("utf-8"))
    return [
        f"wrote {shown_path(article)} ({len(body)} blocks) and {len(draft.images)} image(s) in images/",
        f"included it in section {section} of {shown_path(issue_file)}",
        *draft.report(),
    ]


def _with_include(issue_file: Path, section: int, name: str) -> str:
    """issue.yaml's text with `- include: NAME` after the last article of section `section` (from 1)."""
    problems = Problems()
    loaded = load_yaml(issue_file, problems)
    if loaded is None or problems or not isinstance(loaded.data, dict):
        raise ConvertError(f"fix {shown_path(issue_file)} first; nothing was imported", [str(p) for p in problems])
    sections = loaded.data.get("sections") or []
    if not 1 <= section <= len(sections):
        raise ConvertError(f"there is no section {section}: {shown_path(issue_file)} has {len(sections)}")
    articles = sections[section - 1].get("articles") or []
    lines = issue_file.read_text(encoding="utf-8").splitlines(keepends=True)
    if not articles:
        raise ConvertError(f"section {section} has no articles list to add to; add one article by hand first")
    last = loaded.spot(("sections", section - 1, "articles", len(articles) - 1))
    assert last is not None
    dash = lines[last.value.line - 1].rfind("-", 0, last.value.col - 1)
    end = last.value.line
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > dash):
        end += 1
    while end > last.value.line and not lines[end - 1].strip():
        end -= 1
    if lines and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    lines.insert(end, " " * dash + f"- include: {name}\n")
    return "".join(lines)
