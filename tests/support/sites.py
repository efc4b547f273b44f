"""Web edition folders read as a browser would: parsed HTML, text, and every local link checked."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

import tinyhtml5

HTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


def parse(path: Path) -> Element:
    return tinyhtml5.parse(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def find_all(root: Element, tag: str) -> list[Element]:
    return list(root.iter(f"{HTML}{tag}"))


BLOCKS = frozenset(
    f"{HTML}{tag}"
    for tag in ("p", "li", "th", "td", "tr", "div", "h1", "h2", "h3", "h4", "figcaption", "summary", "section", "nav")
)
"""Elements whose text a browser shows apart from its neighbours' (a table's cells, a list's items)."""


def text(element: Element, skip: tuple[str, ...] = ()) -> str:
    """The element's text as a reader reads it, leaving out the subtrees whose tag is in `skip`."""
    parts = [element.text or ""]
    for child in element:
        if child.tag not in skip:
            parts.append(text(child, skip))
        parts.append(child.tail or "")
    return "".join(parts) + (" " if element.tag in BLOCKS else "")


def ids(root: Element) -> set[str]:
    return {e.get("id", "") for e in root.iter() if e.get("id")}


def broken_links(folder: Path) -> list[str]:
    """Every href/src/srcset of every page in `folder` (and below) that names a missing file or anchor."""
    problems = []
    pages = {path: parse(path) for path in folder.rglob("*.html")}
    for path, root in pages.items():
        for element in root.iter():
            for attribute in ("href", "src", "srcset"):
                value = element.get(attribute)
                if not value:
                    continue
                for target in (v.strip().split()[0] for v in value.split(",")) if attribute == "srcset" else [value]:
                    problem = _problem(path, target, pages)
                    if problem:
                        problems.append(f"{path.relative_to(folder)}: {attribute}={target!r}: {problem}")
    return problems


def _problem(page: Path, target: str, pages: dict[Path, Element]) -> str | None:
    parts = urlsplit(target)
    if parts.scheme in ("http", "https", "mailto", "data"):
        return None  # a link out, followed only when a reader clicks it; an inline (empty) icon
    if parts.scheme:
        return f"a {parts.scheme}: address"
    file = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    if file.is_dir():
        file = file / "index.html"
    if not file.is_file():
        return "no such file"
    if parts.fragment and not parts.fragment.startswith("page="):
        root = pages.get(file) or parse(file)
        if unquote(parts.fragment) not in ids(root):
            return "no such anchor"
    return None
