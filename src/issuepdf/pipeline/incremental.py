"""Incremental typesetting: in a long-running session, lay out again only the articles that changed.

Articles start on a new page (`.section` and `.article + .article` break before), so the typeset
issue is a sequence of page runs, one per article, plus the front matter (cover and contents).
The first build lays out the whole HTML in one pass, exactly as `issuepdf build` does, and cuts its
pages at each article's anchor. Later builds render each article's HTML alone with its known first
page number, reuse the pages of every article whose HTML and first page are unchanged, re-render
the contents with the real page numbers only when they moved, and join all pages into one
WeasyPrint document, so fonts are subset and embedded once and links and bookmarks still resolve.
Articles whose file changed since the last build are laid out first, where they started before (an
edit is seen before the other articles' HTML is rendered); a listener (`issuepdf serve`) is told of
each article laid out anew and of the whole layout, before the build checks it and writes the PDF.

Anything that concerns the whole document (the <head>, the stylesheets' contents, the fonts, the
edition) invalidates every part: the next build is a full one. So does a layout where an article
does not start at the top of a page (a custom layout without the page breaks): the session then
always builds in full rather than risk a different look.

The head's metadata (`<meta name>`: the keywords list every article's title) is not laid out: it is
taken from the latest front matter laid out, so that a title edit or an added article lays out only
the articles it moved. An image file saved anew under the same name (a photo replacing another) is
read again, and every article that names it is laid out again (everything, if no article's HTML
names it: a stylesheet does). The first build's pages share one HTML tree: the source marks of the
articles no longer taken from it are removed from it (see `Session._unmark_unused`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urljoin, urlsplit

from ..content.fonts import fonts_sha256
from ..content.project import Project
from .editions import EditionPlan
from .raster import undrawn
from .render import Part, render_html, single_articles
from .transform import Document
from .typeset import typeset

if TYPE_CHECKING:
    import weasyprint
    from weasyprint.document import Page

logger = logging.getLogger(__name__)
TOP_TOLERANCE_PX = 1.0
METADATA = re.compile(r'<meta name="[^"]*" content="[^"]*">\n?')
"""The head's metadata: not laid out, so not part of what decides whether pages can be reused."""
SOURCES = re.compile(r'\bsrc="([^"]*)"')
"""The files an article's HTML names (photos, charts): a file saved anew lays the article out again."""


class LayoutListener(Protocol):
    """Told of pages as soon as they are laid out, before the build checks and writes the PDF: a live
    preview shows an edited article's pages first, then the whole issue."""

    def part_laid_out(self, pages: list[Page], first_index: int, part: Part, document: Document) -> None:
        """An article laid out anew in an incremental build; its first page is `first_index` (from 0)."""

    def laid_out(self, laid_out: weasyprint.Document, document: Document, restyled: bool) -> None:
        """Every page of the issue; `restyled` when the same boxes may now draw differently (a stylesheet,
        font, edition or image used outside the articles changed, or the first build): then nothing was reused."""


def _digest(*texts: str) -> str:
    return hashlib.sha256("\0".join(texts).encode()).hexdigest()


@dataclass
class Session:
    """What one issue's builds keep between them: the pages of each part, by the hash of its HTML."""

    context: str | None = None
    """Hash of everything global (head, stylesheets, fonts, edition); a change means a full build."""
    base: Any = None
    """The last full build's document: its metadata stays the output's."""
    parts: dict[str, list[Page]] = field(default_factory=dict)
    front: dict[str, list[Page]] = field(default_factory=dict)
    front_pages: int = 2
    splittable: bool = True
    typeset_parts: int = 0
    """How many parts the last build had to lay out (the rest were reused)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Shared by every render of the session: font configuration and image cache."""
    listener: LayoutListener | None = None
    """Told of pages as they are laid out (`issuepdf serve`)."""
    first_pages: dict[str, int] = field(default_factory=dict)
    """The page each article started on in the last build, by id."""
    stamps: dict[Path, tuple[int, int] | None] = field(default_factory=dict)
    """Each article file's modification time and size when the last build laid it out."""
    rereads: dict[str, int] = field(default_factory=dict)
    """How many times each image URL was read again because its file changed: a part's key holds it, so that
    the pages of a part showing the image are laid out again."""
    metadata: Any = None
    """The metadata of the latest front matter laid out: the head as it is now."""
    base_pages: list[Page] = field(default_factory=list)
    """The pages of the last full build still in use: they share its HTML tree with those no longer used."""

    def typeset(
        self,
        html: str,
        document: Document,
        project: Project,
        plan: EditionPlan,
        options: dict[str, Any],
    ) -> weasyprint.Document:
        """Lay out the issue, reusing every unchanged article's pages.

        `html` is all of it, or "" when the caller did not render it: it is then rendered here only if all is to be
        laid out (an edit then costs its article's HTML, not the issue's). `options` are the edition's
        render options (image resolution); a change rebuilds everything.
        """
        job = _Job(
            document,
            single_articles(document),
            _Renderer(project, {**self._shared_options(), **options}),
            project,
            plan,
            self.rereads,
        )
        head = _layout_text((html or job.head()).split("<body", 1)[0])
        context = _digest(head, _stylesheet_texts(head), fonts_sha256(project.fonts), repr(sorted(options.items())))
        reread = self._reread_changed_images()
        unnamed = reread - {url for part in job.parts for url in job.sources(part)} if reread else set()
        restyled = context != self.context or self.base is None or bool(unnamed)
        self.context = context
        stamps = {file: _stamp(file) for file in job.files()}
        if restyled or not self.splittable:
            laid_out = self._full(html or job.whole(), job)
        else:
            laid_out = self._incremental(job, stamps)
        self.stamps = stamps
        if self.listener is not None:
            self.listener.laid_out(laid_out, document, restyled)
        undrawn(laid_out.pages)  # pages kept from the last build were drawn in its PDF
        return laid_out

    def _reread_changed_images(self) -> set[str]:
        """Drop from the shared image cache every file changed since it was read (WeasyPrint keeps an image by
        its URL: a photo saved anew would keep its old look, and the PDF, which reads the file when it is
        written, would draw the new one at the old one's size); their URLs."""
        cache: _ImageCache = self._shared_options()["cache"]
        changed = {url for url, stamp in cache.stamps.items() if _stamp(_path(url)) != stamp}
        for url in changed:
            del cache[url], cache.stamps[url]
            self.rereads[url] = self.rereads.get(url, 0) + 1
        return changed

    def _shared_options(self) -> dict[str, Any]:
        if not self.options:
            from weasyprint.text.fonts import FontConfiguration

            self.options = {"font_config": FontConfiguration(), "cache": _ImageCache()}
        return self.options

    def _full(self, html: str, job: _Job) -> weasyprint.Document:
        parts = job.parts
        laid_out = job.renderer.render(html)
        self.base, self.parts, self.front, self.base_pages = laid_out, {}, {}, list(laid_out.pages)
        self.typeset_parts = len(parts)
        starts = part_starts(laid_out.pages, parts)
        self.splittable = starts is not None
        if starts is None:
            logger.info("incremental: an article does not start a page; every build will be a full one")
            return laid_out
        self.front_pages = starts[0]
        ends = [*starts[1:], len(laid_out.pages)]
        for part, start, end in zip(parts, starts, ends, strict=True):
            self.parts[job.key(part, start + 1)] = laid_out.pages[start:end]
        numbers = {part.articles[0].id: start + 1 for part, start in zip(parts, starts, strict=True)}
        front_html = job.front_html(numbers)
        self.front[_digest(front_html)] = laid_out.pages[: starts[0]]
        self.metadata = laid_out.metadata
        self.first_pages = numbers
        return laid_out

    def _edited_first(self, job: _Job, stamps: dict[Path, tuple[int, int] | None]) -> int:
        """Lay out first the articles whose file changed since the last build, at the page each started on,
        so that a preview sees an edit before the other articles' HTML is even rendered; how many.

        The build's own pass then finds their pages (same HTML, same first page) or, if an article before
        them changed its length, lays them out again where they now start.
        """
        laid = 0
        for part in job.parts:
            file, first_page = job.file(part), self.first_pages.get(part.articles[0].id)
            if file is None or first_page is None or stamps.get(file) == self.stamps.get(file):
                continue
            key = job.key(part, first_page)
            if key not in self.parts:
                self.parts[key] = job.renderer.render(job.html(part), first_page).pages
                laid += 1
                if self.listener is not None:
                    self.listener.part_laid_out(self.parts[key], first_page - 1, part, job.document)
        return laid

    def _incremental(self, job: _Job, stamps: dict[Path, tuple[int, int] | None]) -> weasyprint.Document:
        early = self._edited_first(job, stamps)
        for _attempt in range(2):
            pages: list[Page] = []
            kept: dict[str, list[Page]] = {}
            numbers: dict[str, int] = {}
            self.typeset_parts = early
            first_page = self.front_pages + 1
            for part in job.parts:
                key = job.key(part, first_page)
                part_pages = self.parts.get(key)
                if part_pages is None:
                    part_pages = job.renderer.render(job.html(part), first_page).pages
                    self.typeset_parts += 1
                    if self.listener is not None:
                        self.listener.part_laid_out(part_pages, first_page - 1, part, job.document)
                kept[key] = part_pages
                numbers[part.articles[0].id] = first_page
                pages += part_pages
                first_page += len(part_pages)
            front = self._front(job.front_html(numbers), job)
            if len(front) == self.front_pages:
                break
            self.front_pages = len(front)  # the contents grew or shrank: every page number moves
        self.parts = kept
        self.first_pages = numbers
        laid_out = self.base.copy([*front, *pages])
        laid_out.metadata = self.metadata
        self._unmark_unused(laid_out.pages)
        return laid_out

    def _unmark_unused(self, pages: list[Page]) -> None:
        """Take the source marks off the last full build's elements whose pages are used no more (an article laid
        out again, or removed): the pages still used share that HTML tree, and the fidelity check and the
        click map read every mark of the trees the pages come from. Left marked, a paragraph deleted from an
        article or a tag edited (the article's old title) was reported as not printed. A marked element (a
        block, an article's title) lies inside one article, so on its pages only."""
        used = {id(page) for page in pages}
        dropped = [page for page in self.base_pages if id(page) not in used]
        self.base_pages = [page for page in self.base_pages if id(page) in used]
        for page in dropped:
            for box in _boxes(page):
                if box.element is not None:
                    box.element.attrib.pop("data-src", None)
                    box.element.attrib.pop("data-at", None)

    def _front(self, front_html: str, job: _Job) -> list[Page]:
        """The cover and contents, laid out again only if they changed; their head's metadata is the issue's."""
        key = _digest(front_html)
        if key not in self.front:
            front = job.renderer.render(front_html)
            self.front, self.metadata = {key: front.pages}, front.metadata
        return self.front[key]


def _stamp(file: Path) -> tuple[int, int] | None:
    """When a file last changed, and its size (None if it is gone)."""
    try:
        stat = file.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def part_starts(pages: list[Page], parts: list[Part]) -> list[int] | None:
    """The index of each part's first page, or None when a part does not start at a page's top."""
    starts = []
    for part in parts:
        found = [(index, page.anchors[part.anchor]) for index, page in enumerate(pages) if part.anchor in page.anchors]
        if not found:
            return None
        index, (_, y, _, _) = found[0]
        if y - pages[index]._page_box.content_box_y() > TOP_TOLERANCE_PX:
            return None
        starts.append(index)
    return starts if starts == sorted(starts) and len(set(starts)) == len(starts) else None


class _ImageCache(dict[str, Any]):
    """WeasyPrint's image cache (by URL) for a session, noting each image file's stamp as it is read: a file
    saved anew since is then dropped and read again (see `Session._reread_changed_images`)."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: dict[str, tuple[int, int] | None] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        if key.startswith("file:"):  # an image just read (WeasyPrint's other keys name data it derived)
            self.stamps[key] = _stamp(_path(key))
        super().__setitem__(key, value)


def _boxes(page: Page) -> Iterator[Any]:
    """Every box of a page."""
    stack: list[Any] = [page._page_box]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(getattr(box, "children", ()))


def _path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def _layout_text(html: str) -> str:
    """What of an HTML document is laid out: all of it but the head's metadata."""
    head, body, rest = html.partition("<body")
    return METADATA.sub("", head) + body + rest


def _stylesheet_texts(html: str) -> str:
    """The contents of every linked stylesheet: a CSS edit must invalidate every part."""
    texts = []
    for href in _hrefs(html):
        path = Path(unquote(urlsplit(href).path))
        texts.append(path.read_text(encoding="utf-8") if path.is_file() else href)
    return "\n".join(texts)


def _hrefs(html: str) -> list[str]:
    head = html.split("<body", 1)[0]
    return [chunk.split('"', 1)[0] for chunk in head.split('<link rel="stylesheet" href="')[1:]]


@dataclass
class _Job:
    """One build's inputs: the document, its parts and how to render them."""

    document: Document
    parts: list[Part]
    renderer: _Renderer
    project: Project
    plan: EditionPlan
    rereads: dict[str, int]
    """How many times each image URL was read again (see `Session.rereads`)."""
    rendered: dict[int, str] = field(default_factory=dict)
    """Each part's HTML, by id(part), once rendered."""

    def file(self, part: Part) -> Path | None:
        """The file the part's article is written in (its title's position)."""
        source = self.document.sources.get(part.articles[0].src)
        return source.position.file if source and source.position else None

    def files(self) -> set[Path]:
        return {file for part in self.parts if (file := self.file(part)) is not None}

    def whole(self) -> str:
        """The whole issue as one HTML document, as `build` lays it out."""
        return render_html(self.document, self.project, self.plan)

    def head(self) -> str:
        """The document with an empty body: its head is every part's (title, metadata, stylesheets)."""
        return render_html(self.document, self.project, self.plan, parts=[], front=False)

    def html(self, part: Part) -> str:
        """One part alone, as its own HTML document."""
        if id(part) not in self.rendered:
            self.rendered[id(part)] = render_html(self.document, self.project, self.plan, parts=[part], front=False)
        return self.rendered[id(part)]

    def sources(self, part: Part) -> set[str]:
        """The URLs of the files the part's HTML names, as WeasyPrint writes them (its image cache's keys)."""
        from weasyprint.urls import iri_to_uri

        base = self.project.issue_dir.resolve().as_uri() + "/"
        return {iri_to_uri(urljoin(base, unescape(src).strip())) for src in SOURCES.findall(self.html(part))}

    def key(self, part: Part, first_page: int) -> str:
        """What the part's pages depend on: its HTML as laid out, its first page, and the images it names as read."""
        reads = [f"{url}:{self.rereads[url]}" for url in sorted(self.sources(part)) if url in self.rereads]
        return _digest(_layout_text(self.html(part)), str(first_page), *reads)

    def front_html(self, numbers: dict[str, int]) -> str:
        """The cover and contents alone, with the page each article starts on."""
        return render_html(self.document, self.project, self.plan, parts=[], page_numbers=numbers)


@dataclass
class _Renderer:
    """Renders HTML (a whole issue or one part) the way every build does, with shared caches."""

    project: Project
    options: dict[str, Any]

    def render(self, html: str, first_page: int | None = None) -> weasyprint.Document:
        laid_out = typeset(html, self.project.issue_dir, self.project.readable, first_page, **self.options)
        undrawn(laid_out.pages)  # noted before any drawing
        return laid_out
