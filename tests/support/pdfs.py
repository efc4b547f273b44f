"""Reading real PDFs in tests: text through poppler's pdftotext, structure through pypdf."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pypdf import PdfReader


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    """The text a reader would copy out of the PDF, in reading order."""
    args = ["pdftotext", "-raw"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def word_center(pdf: bytes, word: str) -> tuple[int, tuple[float, float]]:
    """The page (from 1) and centre (CSS pixels from the page's top left) of the first word starting with
    `word`, from poppler's word boxes."""
    xhtml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    for number, page in enumerate(xhtml.decode().split("<page ")[1:], start=1):
        found = re.search(rf'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">{word}', page)
        if found:
            x0, y0, x1, y1 = (float(v) * 96 / 72 for v in found.groups())
            return number, ((x0 + x1) / 2, (y0 + y1) / 2)
    raise AssertionError(f"{word} is not in the PDF")


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, in order."""
    return pdf_text(pdf).split("\f")[:-1]


def fonts(pdf: Path) -> dict[str, bool]:
    """Every font used on any page → whether its file is embedded."""
    found: dict[str, bool] = {}
    for page in PdfReader(pdf).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font["/BaseFont"])] = embedded
    return found


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """The bookmarks as (depth, title, page), depth-first; pages count from 1."""
    reader = PdfReader(pdf)
    result: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                result.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return result
