"""Reading a 한글 document saved as HWPX (OWPML, KS X 6101: a ZIP of XML) into an import `Draft`.

Read with the standard library's XML parser inside `Package`'s bounds (no HWPX library: the permissive ones
are young, and some later changed licence). `header.xml` says which character shapes are bold or italic and
which paragraph shapes are outline headings (개요 1-3), bullets or numbers; `Contents/section*.xml` holds
the text. HWP 5 (the binary format before HWPX) is refused with the way to save it as HWPX.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..content.errors import ConvertError
from ..content.problems import shown_path
from .imported import Draft, GridCell, Inline, Package, is_box, numbered_title

HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
HH = "{http://www.hancom.co.kr/hwpml/2011/head}"
HC = "{http://www.hancom.co.kr/hwpml/2011/core}"
OPF = "{http://www.idpf.org/2007/opf/}"
HWP5_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HWP5_ADVICE = (
    "is a HWP 5 file (the binary format before HWPX), which issuepdf does not read: open it in 한글 and save it as"
    " HWPX (파일 → 다른 이름으로 저장 → 파일 형식: HWPX), then import the .hwpx"
)
HEADING_STYLES = {"개요 1": 1, "개요 2": 2, "개요 3": 3, "Outline 1": 1, "Outline 2": 2, "Outline 3": 3}
NUMBER_STYLES = {"DIGIT": "decimal", "CIRCLED_DIGIT": "circled", "ROMAN_SMALL": "roman", "ROMAN_CAPITAL": "roman"}
"""Automatic number formats the bulletin has lists for (`1.` or `1)`, `①`, `i.`)."""
SPACES = {"tab", "nbSpace", "fwSpace", "lineBreak", "hyphen"}
SHAPES = {"rect", "ellipse", "polygon", "curve", "arc", "container", "connectLine", "line", "textart"}
UNMAPPED = {
    "equation": "equations",
    "header": "page headers",
    "footer": "page footers",
    "memo": "memos (comments)",
    "insertBegin": "tracked insertions (the text is taken as it stands)",
    "deleteBegin": "tracked deletions (the text is taken as it stands)",
    "markpenBegin": "highlights (형광펜)",
    "ole": "embedded objects (OLE)",
    "chart": "charts (make them chart blocks)",
    "video": "videos",
    "formObject": "form fields",
}
"""What has no place in an article: counted, and printed as NOT mapped."""


@dataclass
class _Head:
    """What `header.xml` says about the shapes and styles the text refers to by id."""

    bold: set[str] = field(default_factory=set)
    italic: set[str] = field(default_factory=set)
    paras: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    """Paragraph shape id → (heading type, its id ref, its level)."""
    bullets: dict[str, str] = field(default_factory=dict)
    numbers: dict[tuple[str, int], str] = field(default_factory=dict)
    """(numbering id, level) → the bulletin's numbered style, for the formats it has."""
    styles: dict[str, str] = field(default_factory=dict)


def _head(root: ET.Element | None) -> _Head:
    head = _Head()
    if root is None:
        return head
    for shape in root.iter(HH + "charPr"):
        if shape.find(HH + "bold") is not None:
            head.bold.add(shape.get("id", ""))
        if shape.find(HH + "italic") is not None:
            head.italic.add(shape.get("id", ""))
    for shape in root.iter(HH + "paraPr"):
        heading = shape.find(HH + "heading")
        if heading is not None:
            kind, ref, level = heading.get("type", "NONE"), heading.get("idRef", ""), int(heading.get("level", "0"))
            head.paras[shape.get("id", "")] = (kind, ref, level)
    for bullet in root.iter(HH + "bullet"):
        head.bullets[bullet.get("id", "")] = bullet.get("char", "•")
    for numbering in root.iter(HH + "numbering"):
        for para in numbering.iter(HH + "paraHead"):
            style = NUMBER_STYLES.get(para.get("numFormat", ""))
            if style == "decimal" and (para.text or "").endswith(")"):
                style = "paren"
            if style:
                head.numbers[(numbering.get("id", ""), int(para.get("level", "1")))] = style
    for named in root.iter(HH + "style"):
        head.styles[named.get("id", "")] = named.get("name", "")
    return head


def read_hwpx(path: Path, draft: Draft) -> None:
    """Fill `draft` from a HWPX file; a HWP 5 file is refused with the way to HWPX."""
    with path.open("rb") as handle:
        if handle.read(8) == HWP5_MAGIC:
            raise ConvertError(f"{shown_path(path)} {HWP5_ADVICE}")
    package = Package(path)
    manifest = package.xml("Contents/content.hpf")
    items = {item.get("id", ""): item.get("href", "") for item in manifest.iter(OPF + "item")} if manifest else {}
    sections = sorted(
        (name for name in package.names() if re.fullmatch(r"Contents/section\d+\.xml", name)),
        key=lambda name: int(re.sub(r"\D", "", name)),
    )
    if not sections:
        raise ConvertError(f"{shown_path(path)} has no Contents/section0.xml: not a HWPX document")
    reader = _Reader(package, draft, _head(package.xml("Contents/header.xml")), items)
    for name in sections:
        root = package.xml(name)
        for paragraph in root.findall(HP + "p") if root is not None else []:
            reader.paragraph(paragraph)
    unplaced = {ident for ident, href in items.items() if href.startswith("BinData/")} - reader.placed
    if unplaced:
        draft.unmapped["images stored in the document but not in its text (page headers, backgrounds)"] += len(unplaced)


class _Reader:
    """Walks the paragraphs of a section, and the tables, pictures and text boxes anchored in them."""

    def __init__(self, package: Package, draft: Draft, head: _Head, items: dict[str, str]) -> None:
        self.package, self.draft, self.head, self.items = package, draft, head, items
        self.placed: set[str] = set()
        """The ids of the images placed in the text."""

    def paragraph(self, p: ET.Element) -> None:
        inline, anchored = self._inline(p)
        text = inline.text()
        kind, ref, level = self.head.paras.get(p.get("paraPrIDRef", ""), ("NONE", "", 0))
        style = HEADING_STYLES.get(self.head.styles.get(p.get("styleIDRef", ""), ""))
        if style or kind == "OUTLINE":
            self.draft.heading(text, style or level + 1)
        elif kind == "BULLET":
            self.draft.item(text, marker=self.head.bullets.get(ref))
        elif kind == "NUMBER" and (ref, level + 1) in self.head.numbers:
            self.draft.item(text, style=self.head.numbers[(ref, level + 1)])
        else:
            if kind == "NUMBER" and text:
                self.draft.unmapped[
                    "automatic numbers of a kind the bulletin has no list for (가. 나. …): items kept"
                ] += 1
            self.draft.paragraph(text)
        for element in anchored:
            self._anchored(element)

    def _inline(self, p: ET.Element) -> tuple[Inline, list[ET.Element]]:
        """The paragraph's text as Markdown, and what is anchored in it (tables, pictures, shapes)."""
        inline, anchored, link = Inline(), [], None
        for run in p.findall(HP + "run"):
            shape = run.get("charPrIDRef", "")
            bold, italic = shape in self.head.bold, shape in self.head.italic
            for child in run:
                tag = child.tag.removeprefix(HP)
                if tag == "t":
                    inline.add(self._text(child), bold, italic, link)
                elif tag == "ctrl":
                    link = self._control(child, inline, link)
                elif tag in ("tbl", "pic") or tag in SHAPES:
                    anchored.append(child)
                elif tag in UNMAPPED:
                    self.draft.unmapped[UNMAPPED[tag]] += 1
        return inline, anchored

    def _text(self, t: ET.Element) -> str:
        parts = [t.text or ""]
        for child in t:
            tag = child.tag.removeprefix(HP)
            if tag in UNMAPPED:
                self.draft.unmapped[UNMAPPED[tag]] += 1
            parts += [" " if tag in SPACES else "", child.tail or ""]
        return "".join(parts)

    def _control(self, ctrl: ET.Element, inline: Inline, link: str | None) -> str | None:
        """Fields (hyperlinks), notes, and what has no place in an article; the link now in force."""
        for child in ctrl:
            tag = child.tag.removeprefix(HP)
            if tag == "fieldBegin" and child.get("type") == "HYPERLINK":
                link = _url(child)
                if link is None:
                    self.draft.unmapped["links to places inside the document"] += 1
            elif tag == "fieldEnd":
                link = None
            elif tag in ("footNote", "endNote"):
                note = " ".join(self._inline(p)[0].text() for p in child.iter(HP + "p"))
                inline.add(f"({self.draft.note(note.strip())})")
            elif tag in UNMAPPED:
                self.draft.unmapped[UNMAPPED[tag]] += 1
        return link

    def _anchored(self, element: ET.Element) -> None:
        tag = element.tag.removeprefix(HP)
        if tag == "tbl":
            self._table(element)
        elif tag == "pic":
            self._picture(element)
        else:
            inner = element.find(HP + "drawText")
            paragraphs = inner.iter(HP + "p") if inner is not None else []
            for p in paragraphs:
                self.paragraph(p)
            if inner is not None:
                self.draft.mapped["text boxes (their text as paragraphs where they stand)"] += 1

    def _picture(self, pic: ET.Element) -> None:
        image = pic.find(f".//{HC}img")
        ident = image.get("binaryItemIDRef", "") if image is not None else ""
        self.placed.add(ident)
        href = self.items.get(ident)
        data = self.package.read(href) if href else None
        if data is None:
            self.draft.unmapped["pictures linked to files outside the document"] += 1
            return
        caption = pic.find(HP + "caption")
        text = " ".join(self._inline(p)[0].text() for p in caption.iter(HP + "p")) if caption is not None else None
        self.draft.photo(data, None, text or None)

    def _table(self, table: ET.Element) -> None:
        cells = table.findall(f"{HP}tr/{HP}tc")
        texts = ["".join("".join(t.itertext()) for t in cell.iter(HP + "t")) for cell in cells]
        title = numbered_title(texts) if len(table.findall(HP + "tr")) == 1 else None
        if title:
            self.draft.heading(title, 1)
            return
        if is_box(texts, [len(cell.findall(f"{HP}subList/{HP}p")) for cell in cells]):
            for cell, text in zip(cells, texts, strict=True):
                if text.strip():
                    for p in cell.findall(f"{HP}subList/{HP}p"):
                        self.paragraph(p)
            self.draft.mapped["tables used as boxes or panels, as their paragraphs"] += 1
            return
        grid = []
        for cell in cells:
            text = self._cell_text(cell)
            address, span, size = cell.find(HP + "cellAddr"), cell.find(HP + "cellSpan"), cell.find(HP + "cellSz")
            if address is None or span is None:
                continue
            grid.append(
                GridCell(
                    int(address.get("rowAddr", "0")),
                    int(address.get("colAddr", "0")),
                    text,
                    int(span.get("rowSpan", "1")),
                    int(span.get("colSpan", "1")),
                    cell.get("header") == "1",
                    int(size.get("width", "0")) if size is not None else 0,
                )
            )
        self.draft.table(grid)

    def _cell_text(self, cell: ET.Element) -> str:
        """A cell's paragraphs on one line (a table inside it, flattened to its text: counted as not mapped)."""
        parts = []
        for p in cell.findall(f"{HP}subList/{HP}p"):
            inline, anchored = self._inline(p)
            parts.append(inline.text())
            for inner in anchored:
                if inner.tag == HP + "tbl":
                    self.draft.unmapped["tables inside table cells (their text kept in the cell, not their grid)"] += 1
                    parts += [self._cell_text(c) for c in inner.findall(f"{HP}tr/{HP}tc")]
                elif inner.tag == HP + "pic":
                    self.draft.unmapped["pictures inside table cells"] += 1
        return " ".join(part for part in parts if part)


def _url(field_begin: ET.Element) -> str | None:
    """The address of a hyperlink field, made absolute (한글 stores `www.…` without a scheme)."""
    path = next((p.text or "" for p in field_begin.iter(HP + "stringParam") if p.get("name") == "Path"), "")
    if re.match(r"(https?|mailto):", path):
        return path
    if re.match(r"[\w-]+(\.[\w-]+)+(/\S*)?$", path):
        return "http://" + path
    return None
