"""Reading a Word document (DOCX, Office Open XML: a ZIP of XML) into an import `Draft`.

Read with the standard library's XML parser inside `Package`'s bounds: `styles.xml` names the heading
styles (Heading 1-3, 제목 1-3, 개요 1-3) and bold or italic character styles, `numbering.xml` says which
lists are bullets and which numbers, `document.xml` holds the text, `footnotes.xml` and `endnotes.xml` the
notes, and the relationships the images and link addresses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..content.errors import ConvertError
from ..content.problems import shown_path
from .imported import Draft, GridCell, Inline, Package, is_box, numbered_title

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
V = "{urn:schemas-microsoft-com:vml}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
HEADINGS = {f"{name}{n}": n for name in ("heading", "제목", "개요", "outline") for n in (1, 2, 3)}
"""Heading style names, lower case without spaces: `Heading 1`, `제목 1`, `개요 1`."""
NUMBER_STYLES = {"decimal": "decimal", "decimalEnclosedCircle": "circled", "lowerRoman": "roman", "upperRoman": "roman"}
UNMAPPED = {
    "del": "tracked deletions (the deleted text is left out, as Word shows it accepted)",
    "ins": "tracked insertions (taken as they stand)",
    "commentReference": "comments",
    "oMath": "equations",
    "oMathPara": "equations",
    "object": "embedded objects (OLE)",
}


@dataclass
class _Styles:
    """What `styles.xml` and `numbering.xml` say about the ids the text refers to."""

    names: dict[str, str] = field(default_factory=dict)
    bold: set[str] = field(default_factory=set)
    italic: set[str] = field(default_factory=set)
    lists: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    """(numId, level) → (number format, level text)."""


def _on(element: ET.Element | None) -> bool:
    """A Word toggle (`<w:b/>`, `<w:b w:val="0"/>`) is on."""
    return element is not None and element.get(W + "val", "true") not in ("0", "false", "off")


def _styles(package: Package) -> _Styles:
    styles = _Styles()
    root = package.xml("word/styles.xml")
    for style in root.iter(W + "style") if root is not None else []:
        ident = style.get(W + "styleId", "")
        name = style.find(W + "name")
        styles.names[ident] = (name.get(W + "val", "") if name is not None else ident).lower().replace(" ", "")
        run = style.find(W + "rPr")
        if run is not None and _on(run.find(W + "b")):
            styles.bold.add(ident)
        if run is not None and _on(run.find(W + "i")):
            styles.italic.add(ident)
    numbering = package.xml("word/numbering.xml")
    if numbering is None:
        return styles
    abstract = {item.get(W + "abstractNumId", ""): item for item in numbering.iter(W + "abstractNum")}
    for num in numbering.iter(W + "num"):
        ref = num.find(W + "abstractNumId")
        definition = abstract.get(ref.get(W + "val", "") if ref is not None else "")
        for level in definition.iter(W + "lvl") if definition is not None else []:
            fmt, text = level.find(W + "numFmt"), level.find(W + "lvlText")
            styles.lists[(num.get(W + "numId", ""), level.get(W + "ilvl", "0"))] = (
                fmt.get(W + "val", "") if fmt is not None else "",
                text.get(W + "val", "") if text is not None else "",
            )
    return styles


def _relationships(package: Package) -> dict[str, tuple[str, str]]:
    """Relationship id → (target, mode) of the document part: images and hyperlinks."""
    root = package.xml("word/_rels/document.xml.rels")
    found = {}
    for rel in root.iter(REL + "Relationship") if root is not None else []:
        found[rel.get("Id", "")] = (rel.get("Target", ""), rel.get("TargetMode", ""))
    return found


def read_docx(path: Path, draft: Draft) -> None:
    """Fill `draft` from a DOCX file."""
    package = Package(path)
    document = package.xml("word/document.xml")
    body = document.find(W + "body") if document is not None else None
    if body is None:
        raise ConvertError(f"{shown_path(path)} has no word/document.xml body: not a Word document")
    reader = _Reader(package, draft, _styles(package), _relationships(package))
    for kind in ("footnotes", "endnotes"):
        notes = package.xml(f"word/{kind}.xml")
        for note in notes.iter(W + kind[:-1]) if notes is not None else []:
            if note.get(W + "type") in (None, "normal"):
                reader.notes[(kind[:-1], note.get(W + "id", ""))] = note
    reader.blocks(body)


class _Reader:
    """Walks the body's paragraphs and tables in order."""

    def __init__(self, package: Package, draft: Draft, styles: _Styles, rels: dict[str, tuple[str, str]]) -> None:
        self.package, self.draft, self.styles, self.rels = package, draft, styles, rels
        self.notes: dict[tuple[str, str], ET.Element] = {}

    def blocks(self, parent: ET.Element) -> None:
        for child in parent:
            if child.tag == W + "p":
                self.paragraph(child)
            elif child.tag == W + "tbl":
                self.table(child)
            elif child.tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    self.blocks(content)

    def paragraph(self, p: ET.Element) -> None:
        inline, pictures, boxes = Inline(), list[ET.Element](), list[ET.Element]()
        self._runs(p, inline, pictures, boxes, None)
        text = inline.text()
        props = p.find(W + "pPr")
        style_ref = props.find(W + "pStyle") if props is not None else None
        style = self.styles.names.get(style_ref.get(W + "val", "") if style_ref is not None else "", "")
        number = props.find(W + "numPr") if props is not None else None
        if style == "title" and not self.draft.title:
            self.draft.title = text
            self.draft.mapped["title (the Title style)"] += 1
        elif style in HEADINGS:
            self.draft.heading(text, HEADINGS[style])
        elif number is not None and text:
            self._item(number, text)
        else:
            self.draft.paragraph(text)
        for picture in pictures:
            self._picture(picture)
        for box in boxes:
            self.blocks(box)
            self.draft.mapped["text boxes (their text as paragraphs where they stand)"] += 1

    def _item(self, number: ET.Element, text: str) -> None:
        ident, level = number.find(W + "numId"), number.find(W + "ilvl")
        key = (
            ident.get(W + "val", "") if ident is not None else "",
            level.get(W + "val", "0") if level is not None else "0",
        )
        fmt, level_text = self.styles.lists.get(key, ("", ""))
        if fmt == "bullet":
            self.draft.item(text, marker=level_text.strip())
        elif fmt in NUMBER_STYLES:
            style = "paren" if fmt == "decimal" and level_text.endswith(")") else NUMBER_STYLES[fmt]
            self.draft.item(text, style=style)
        else:
            self.draft.unmapped["automatic numbers of a kind the bulletin has no list for (가. 나. …): items kept"] += 1
            self.draft.paragraph(text)

    def _runs(
        self, parent: ET.Element, inline: Inline, pictures: list[ET.Element], boxes: list[ET.Element], link: str | None
    ) -> None:
        for child in parent:
            tag = child.tag.rsplit("}", 1)[-1]
            if tag in UNMAPPED:
                self.draft.unmapped[UNMAPPED[tag]] += 1
            if child.tag == W + "r":
                self._run(child, inline, pictures, boxes, link)
            elif child.tag == W + "hyperlink":
                target, mode = self.rels.get(child.get(R + "id", ""), ("", ""))
                url = target if mode == "External" and re.match(r"(https?|mailto):", target) else None
                if url is None:
                    self.draft.unmapped["links to places inside the document"] += 1
                self._runs(child, inline, pictures, boxes, url)
            elif child.tag in (W + "ins", W + "smartTag", W + "fldSimple", W + "customXml"):
                self._runs(child, inline, pictures, boxes, link)

    def _run(
        self, run: ET.Element, inline: Inline, pictures: list[ET.Element], boxes: list[ET.Element], link: str | None
    ) -> None:
        props = run.find(W + "rPr")
        style = props.find(W + "rStyle") if props is not None else None
        ident = style.get(W + "val", "") if style is not None else ""
        bold = (
            _on(props.find(W + "b"))
            if props is not None and props.find(W + "b") is not None
            else ident in self.styles.bold
        )
        italic = (
            _on(props.find(W + "i"))
            if props is not None and props.find(W + "i") is not None
            else ident in self.styles.italic
        )
        for child in run:
            tag = child.tag.rsplit("}", 1)[-1]
            if child.tag == W + "t":
                inline.add(child.text or "", bold, italic, link)
            elif child.tag in (W + "tab", W + "br", W + "cr", W + "noBreakHyphen"):
                inline.add(" " if child.tag != W + "noBreakHyphen" else "-", bold, italic, link)
            elif tag in ("footnoteReference", "endnoteReference"):
                note = self.notes.get((tag.removesuffix("Reference"), child.get(W + "id", "")))
                if note is not None:
                    text = " ".join(self._plain(p) for p in note.iter(W + "p")).strip()
                    inline.add(f"({self.draft.note(text)})")
            elif tag in ("drawing", "pict", "AlternateContent"):
                chosen = child.find(MC + "Choice") if tag == "AlternateContent" else child
                for box in chosen.iter(W + "txbxContent") if chosen is not None else []:
                    boxes.append(box)
                if chosen is not None and (
                    chosen.find(f".//{A}blip") is not None or chosen.find(f".//{V}imagedata") is not None
                ):
                    pictures.append(chosen)
            elif tag in UNMAPPED:
                self.draft.unmapped[UNMAPPED[tag]] += 1

    def _plain(self, p: ET.Element) -> str:
        inline: Inline = Inline()
        self._runs(p, inline, [], [], None)
        return inline.text()

    def _picture(self, holder: ET.Element) -> None:
        blip = holder.find(f".//{A}blip")
        ident = blip.get(R + "embed", "") if blip is not None else ""
        if not ident:
            vml = holder.find(f".//{V}imagedata")
            ident = vml.get(R + "id", "") if vml is not None else ""
        target, mode = self.rels.get(ident, ("", ""))
        data = (
            self.package.read("word/" + target.removeprefix("/word/").removeprefix("/")) if mode != "External" else None
        )
        if data is None:
            self.draft.unmapped["pictures linked to files outside the document"] += 1
            return
        props = holder.find(f".//{WP}docPr")
        alt = (props.get("descr") or props.get("title") or "").strip() if props is not None else ""
        self.draft.photo(data, alt or None)

    def table(self, table: ET.Element) -> None:
        rows = table.findall(W + "tr")
        cells = [cell for row in rows for cell in row.findall(W + "tc")]
        texts = [" ".join("".join(t.itertext()) for t in cell.iter(W + "t")) for cell in cells]
        title = numbered_title(texts) if len(rows) == 1 else None
        if title:
            self.draft.heading(title, 1)
            return
        if is_box(texts, [len(cell.findall(W + "p")) for cell in cells]):
            for cell, text in zip(cells, texts, strict=True):
                if text.strip():
                    self.blocks(cell)
            self.draft.mapped["tables used as boxes or panels, as their paragraphs"] += 1
            return
        grid = table.findall(f"{W}tblGrid/{W}gridCol")
        self.draft.table(self._grid(rows), [int(float(col.get(W + "w", "0"))) for col in grid] or None)

    def _grid(self, rows: list[ET.Element]) -> list[GridCell]:
        """Cells where they stand: `gridSpan` widens a cell, `vMerge` continues the one above."""
        grid: list[GridCell] = []
        above: dict[int, GridCell] = {}
        for r, row in enumerate(rows):
            head = _on(row.find(f"{W}trPr/{W}tblHeader"))
            before = row.find(f"{W}trPr/{W}gridBefore")
            col = int(before.get(W + "val", "0")) if before is not None else 0
            for cell in row.findall(W + "tc"):
                props = cell.find(W + "tcPr")
                span = props.find(W + "gridSpan") if props is not None else None
                width = int(span.get(W + "val", "1")) if span is not None else 1
                merge = props.find(W + "vMerge") if props is not None else None
                if merge is not None and merge.get(W + "val", "continue") == "continue" and col in above:
                    above[col].rowspan += 1
                else:
                    text = " ".join(self._cell_paragraph(p) for p in cell.iter(W + "p")).strip()
                    above[col] = GridCell(r, col, re.sub(r"\s+", " ", text), 1, width, head)
                    grid.append(above[col])
                col += width
        return grid

    def _cell_paragraph(self, p: ET.Element) -> str:
        pictures: list[ET.Element] = []
        inline = Inline()
        self._runs(p, inline, pictures, [], None)
        if pictures:
            self.draft.unmapped["pictures inside table cells"] += len(pictures)
        return inline.text()
