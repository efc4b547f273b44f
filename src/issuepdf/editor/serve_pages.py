"""The pages `issuepdf serve` shows: each laid-out page as a version, with its image and its map of sources.

A version names what a page draws: its boxes' places, texts and images, hashed from the layout. A page
laid out again that draws the same keeps its version, so the browser reloads only pages that changed,
even inside the article that was edited. Versions are forgotten when everything is laid out again (a
stylesheet or font change may change how the same boxes look).

The source map comes from the layout itself: the render stage marks the outermost element of every
block and article title with `data-src`, and each part of a block written at its own place (a table cell,
a list item) with `data-at`. Every box of a page belongs to the nearest marked elements above its own; a
click on the image finds the smallest rectangle under it.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..pipeline.raster import PdfPages

if TYPE_CHECKING:
    from weasyprint.document import Page

    from ..content.problems import Position
    from ..pipeline.transform import Document

Rect = tuple[float, float, float, float]
_MAKING = threading.Lock()


@dataclass(frozen=True)
class Place:
    """Where a block was written: the file (absolute) and its line and column."""

    path: Path
    line: int
    col: int


@dataclass
class PageView:
    """One version of a page: its size, what each area of it shows, and where its image comes from."""

    version: str
    width: float
    """In CSS pixels, which are the image's pixels at screen resolution (bleed included)."""
    height: float
    areas: list[tuple[Rect, Place]]
    source: PdfPages | None = None
    """A PDF holding the page, to rasterise on demand, and the page's index in it."""
    index: int = 0
    png: bytes | None = None
    drawing: str = ""
    """What the page draws (versions that differ only in their map share it, and their image)."""

    def image(self) -> bytes | None:
        """The PNG, made from its PDF the first time it is asked for (by the build or by a page's request,
        whichever comes first: PDFium renders one page at a time anyway)."""
        with _MAKING:
            if self.png is None and self.source is not None:
                self.png = self.source.png(self.index)
            return self.png


@dataclass
class Versions:
    """Every page laid out in a session, by version; a new version only for a page that draws differently or
    whose map changed (lines added above a paragraph move its source, not its look: the image is then kept)."""

    views: dict[str, PageView] = field(default_factory=dict)
    by_fingerprint: dict[str, str] = field(default_factory=dict)
    """What a page draws and where its areas were written → its version."""
    by_drawing: dict[str, str] = field(default_factory=dict)
    """What a page draws → a version drawing it, whose image a version with another map shares."""
    known: dict[int, tuple[Page, str, dict[str, Rect], str]] = field(default_factory=dict)
    """id(page) → (the page, kept alive so its id is not reused; what it draws; its areas; its last version)."""
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def of(self, pages: list[Page], document: Document) -> tuple[list[str], list[Page]]:
        """The version of each page, and the pages whose version is new (their images are to make)."""
        owners = _owners([page for page in pages if id(page) not in self.known])
        versions, new = [], []
        for page in pages:
            known = self.known.get(id(page))
            drawing, areas = _facts(page, owners) if known is None else known[1:3]
            fingerprint = hashlib.blake2b(f"{drawing}\0{_places(areas, document)}".encode(), digest_size=16).hexdigest()
            version = self.by_fingerprint.get(fingerprint)
            if version is None:
                version = f"{next(self.counter)}-{fingerprint[:8]}"
                self.by_fingerprint[fingerprint] = version
                view = self.views[version] = _view(version, page, areas, document)
                view.drawing = drawing
                same = self.views.get(self.by_drawing.get(drawing, ""))
                if same is not None:
                    view.png, view.source, view.index = same.png, same.source, same.index
                if view.png is None and view.source is None:
                    new.append(page)
            self.by_drawing[drawing] = version
            self.known[id(page)] = (page, drawing, areas, version)
            versions.append(version)
        return versions, new

    def differing(self, old: list[str], new: list[str]) -> list[int]:
        """Indices of the pages of `new` that do not draw what `old` showed there (a new map alone is no change
        to point the editor to)."""
        drawn = [view.drawing if (view := self.views.get(version)) else None for version in old]
        return [i for i, version in enumerate(new) if drawn[i : i + 1] != [self.views[version].drawing]]

    def view_of(self, page: Page) -> PageView:
        """The view of a page `of` has seen."""
        return self.views[self.known[id(page)][3]]

    def forget(self) -> None:
        """Everything was laid out again: the same boxes may now look different."""
        self.by_fingerprint.clear()
        self.by_drawing.clear()
        self.known.clear()

    def keep_only(self, versions: set[str]) -> None:
        """Drop what no page shows any more (memory stays bounded over a long session)."""
        self.views = {v: view for v, view in self.views.items() if v in versions}
        self.by_fingerprint = {f: v for f, v in self.by_fingerprint.items() if v in versions}
        self.by_drawing = {d: v for d, v in self.by_drawing.items() if v in versions}
        self.known = {key: known for key, known in self.known.items() if known[3] in versions}


def _places(areas: dict[str, Rect], document: Document) -> str:
    """Where each area of a page was written, as the document says now."""
    return "\1".join(
        f"{key}\0{position.file}:{position.line}:{position.col}"
        for key in sorted(areas)
        if (position := _position(key, document)) is not None
    )


def _position(key: str, document: Document) -> Position | None:
    source = document.sources.get(key)
    return document.parts.get(key) if source is None else source.position


def _view(version: str, page: Page, areas: dict[str, Rect], document: Document) -> PageView:
    """The page's size and its areas with their places; a part's area (a cell, an item) before its block's,
    so that of two equal rectangles the click names the finer place."""
    left, top = page.bleed["left"], page.bleed["top"]
    placed = []
    for key, (x, y, width, height) in sorted(areas.items(), key=lambda area: "/" not in area[0]):
        position = _position(key, document)
        if position is not None:
            place = Place(Path(position.file).resolve(), position.line, position.col)
            placed.append(((x + left, y + top, width, height), place))
    size = (page.width + left + page.bleed["right"], page.height + top + page.bleed["bottom"])
    return PageView(version, *size, placed)


def _owners(pages: list[Page]) -> dict[int, tuple[str, ...]]:
    """Element (by id) → the keys of the marked elements it is in: its block's `data-src`, then the
    `data-at` of the part of the block it prints, if any; for the HTML roots of `pages`."""
    owners: dict[int, tuple[str, ...]] = {}
    roots = {id(root): root for root in (page._page_box.children[0].element for page in pages)}
    for attribute, depth in (("data-src", 0), ("data-at", 1)):
        for root in roots.values():
            for element in root.iter():
                key = element.get(attribute)
                if key is not None:
                    for inner in element.iter():
                        owners[id(inner)] = (*owners.get(id(inner), ())[:depth], key)
    return owners


def _facts(page: Page, owners: dict[int, tuple[str, ...]]) -> tuple[str, dict[str, Rect]]:
    """The page's fingerprint (every box's kind, place, text, colour and image) and, per source or part
    key, the rectangle around its boxes; one walk over the boxes.

    An image is its URL and the image WeasyPrint read (a photo saved anew under the same name is read
    again, as another object). The object's id is not reused while the fingerprint is known: the fingerprints
    kept are those of pages shown, and `Versions.known` keeps a page of each, and so its image, alive."""
    from weasyprint.formatting_structure import boxes

    digest = hashlib.blake2b(digest_size=16)
    areas: dict[str, Rect] = {}
    stack: list[Any] = [page._page_box]
    while stack:
        box = stack.pop()
        x, y, width, height = box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()
        element = box.element
        image = ""
        if isinstance(box, boxes.ReplacedBox):
            image = f"{element.get('src', '') if element is not None else ''}\0{id(box.replacement)}"
        text = box.text if isinstance(box, boxes.TextBox) else ""
        digest.update(
            f"{type(box).__name__}\0{x:.2f},{y:.2f},{width:.2f},{height:.2f}\0{text}\0{image}\0"
            f"{box.style['color']}\0{box.style['background_color']}\1".encode()
        )
        if width > 0 and height > 0:
            for key in owners.get(id(element), ()):
                areas[key] = _union(areas.get(key), (x, y, width, height))
        if isinstance(box, boxes.ParentBox):
            stack.extend(reversed(box.children))
    return digest.hexdigest(), areas


def _union(rect: Rect | None, other: Rect) -> Rect:
    if rect is None:
        return other
    left, top = min(rect[0], other[0]), min(rect[1], other[1])
    right, bottom = max(rect[0] + rect[2], other[0] + other[2]), max(rect[1] + rect[3], other[1] + other[3])
    return left, top, right - left, bottom - top
