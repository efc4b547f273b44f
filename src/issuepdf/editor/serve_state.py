"""What `issuepdf serve` shows, kept up to date by the build thread and read by the page's requests.

The build thread tells it of pages as they are laid out (it is the incremental session's listener):
after an edit inside one article, that article's pages are shown as soon as it is laid out and checked,
with only its changed pages rasterised; the rest of the issue (pages renumbered after it, the
contents) follows when the whole layout is there; the PDF is written last. A build that fails shows
its problems and puts back the last good pages.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..content.problems import Problems
from ..pipeline.fidelity import verify
from ..pipeline.raster import PdfPages, pages_pdf
from .serve_pages import PageView, Place, Versions
from .watch import Outcome

if TYPE_CHECKING:
    import weasyprint
    from weasyprint.document import Page

    from ..pipeline.build import BuildResult
    from ..pipeline.render import Part
    from ..pipeline.transform import Document

EAGER_PAGES = 12
"""Most pages a build rasterises before its PDF is written (the edited article's, then the renumbered ones
after it); beyond that, pages wait for the PDF (an article grown by a page in a 300-page issue renumbers
everything after it: one PDF then serves them all, rather than a preview PDF for each)."""
HANDOVER_S = 0.05
"""Longest the build waits, after showing an edited article, for a watching page to fetch its first
changed image before it goes on writing the PDF: the two would otherwise share the interpreter, and
the image would reach the browser 10-30 ms later."""
LOCATED = re.compile(r"^(?:[\w.]+: )?(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): ")
"""A problem as every message prints it, `path:line:col: …`; a warning's comes after its logger's name
(`issuepdf: path:line:col: …`), which the place then says better."""


@dataclass
class _PartLayout:
    """The pages of one part laid out alone, as fidelity.verify reads a document."""

    pages: list[Page]


@dataclass
class LiveIssue:
    """The state of the page, and the session's listener that keeps it current."""

    generation: int = 0
    """Counts every change of state: a page's event stream sends the state when it moves."""
    shown: list[str] = field(default_factory=list)
    """The version of every page on screen, in order."""
    changed: list[int] = field(default_factory=list)
    """Indices of the pages whose images changed in the last step (the page scrolls to the first)."""
    problems: list[str] = field(default_factory=list)
    status: str = "building"
    contents: list[dict[str, Any]] = field(default_factory=list)
    pdf: Path | None = None
    pdf_version: int = 0
    versions: Versions = field(default_factory=Versions)
    good: list[str] = field(default_factory=list)
    """The pages of the last build that succeeded: what a failed build puts back."""
    base: Any = None
    """The last whole layout: its metadata and fonts make the PDFs pages are rasterised from."""
    eager_left: int = EAGER_PAGES
    """How many more pages this build may rasterise before its PDF is written."""
    builds: int = 0
    """How many builds have finished."""
    watching: int = 0
    """How many pages follow the event stream now."""
    fetched: set[str] = field(default_factory=set)
    """Versions whose image a page fetched since the last change."""
    restyled: bool = False
    """This build laid out everything anew in a new style (a stylesheet or font edited): every page has a new
    version, none is singled out as changed (the page stays where the editor is, rather than jumping to the cover)."""
    condition: threading.Condition = field(default_factory=threading.Condition)

    # --- the session's listener (the build thread) ---

    def part_laid_out(self, pages: list[Page], first_index: int, part: Part, document: Document) -> None:
        """Show an article laid out anew at once, if what it prints is what was written."""
        keys = [key for article in part.articles for key in (article.src, *(block.src for block in article.blocks))]
        problems = Problems()
        verify(_PartLayout(pages), {key: document.sources[key] for key in keys}, problems)
        if problems or self.base is None:
            return  # the build stops at the same problem, and says so
        versions, new = self.versions.of(pages, document)
        rest = self._rasterise(new)
        if rest is None:
            return
        with self.condition:
            shown = list(self.shown)
            shown[first_index : first_index + len(versions)] = versions
            self._show(shown)
            if self.watching and self.changed:
                first = self.shown[self.changed[0]]
                self.condition.wait_for(lambda: first in self.fetched, timeout=HANDOVER_S)
        _make_images(rest)

    def laid_out(self, laid_out: weasyprint.Document, document: Document, restyled: bool) -> None:
        """The whole issue is laid out: show every page now, unless all are new (restyled: they come from the PDF).

        A layout that is not restyled keeps the versions of the pages that draw as before, also when it laid out
        everything again (an issue whose articles do not start a page): only the others change on screen.
        """
        self.base, self.restyled = laid_out, restyled
        if restyled:
            self.versions.forget()
        versions, new = self.versions.of(laid_out.pages, document)
        if restyled:
            return
        rest = self._rasterise(new)
        if rest is not None:
            with self.condition:
                self._show(versions)
            _make_images(rest)

    def _rasterise(self, pages: list[Page]) -> list[PageView] | None:
        """Rasterise new pages now, if this build's budget allows (the first pages it lays out, those of the
        edited article, always): the first page's image at once, as a watching page asks for it first; the
        views whose images are to be made next, once the pages are shown. None: they wait for the PDF."""
        if len(pages) > self.eager_left and self.eager_left < EAGER_PAGES:
            self.eager_left = 0
            return None
        self.eager_left = max(self.eager_left - len(pages), 0)
        if not pages:
            return []
        source = pages_pdf(self.base, pages)
        views = [self.versions.view_of(page) for page in pages]
        for index, view in enumerate(views):
            view.source, view.index = source, index
        views[0].image()
        return views[1:]

    def _show(self, versions: list[str]) -> None:
        """Put `versions` on screen (condition held); the pages that differ from those shown are the changed."""
        self.changed = self.versions.differing(self.shown, versions)
        self.shown = versions
        self._moved()

    def _moved(self) -> None:
        self.fetched.clear()
        self.generation += 1
        self.condition.notify_all()

    # --- the watch's outcomes (the build thread) ---

    def building(self) -> None:
        with self.condition:
            self.eager_left, self.restyled = EAGER_PAGES, False
            self.status = "building"
            self.changed = []
            self._moved()

    def finished(self, outcome: Outcome) -> None:
        """The build is over: its PDF written and every page shown, or its problems over the last good pages."""
        result = outcome.result
        with self.condition:
            self.builds += 1
            if result is None:
                self.status, self.problems, self.changed = "failed", outcome.problems, []
                self.shown = list(self.good)
            else:
                self._succeeded(result)
            self.versions.keep_only(set(self.shown))
            self._moved()

    def _succeeded(self, result: BuildResult) -> None:
        """Show the pages as built (a step after the session may have changed some), images from the PDF."""
        assert result.laid_out is not None and result.document is not None
        new, _ = self.versions.of(result.laid_out.pages, result.document)
        source = PdfPages(result.pdf.read_bytes())
        for index, version in enumerate(new):
            view = self.versions.views[version]
            if view.png is None and view.source is None:
                view.source, view.index = source, index
        self.changed = self.versions.differing(self.shown, new) if self.good and not self.restyled else []
        self.shown = self.good = new
        self.status, self.problems = "ok", list(result.warnings)
        self.contents = contents(result)
        self.pdf, self.pdf_version = result.pdf, self.pdf_version + 1

    # --- the page's requests (server threads) ---

    def state(self) -> dict[str, Any]:
        """What the page shows, as JSON (condition held or not: a snapshot of plain values)."""
        views = self.versions.views
        return {
            "generation": self.generation,
            "status": self.status,
            "pages": [{"v": v, "width": views[v].width, "height": views[v].height} for v in self.shown if v in views],
            "changed": self.changed,
            "problems": [problem_json(text) for text in self.problems],
            "contents": self.contents,
            "pdf": f"/issue.pdf?v={self.pdf_version}" if self.pdf else None,
        }

    def view(self, version: str) -> PageView | None:
        with self.condition:
            return self.versions.views.get(version)

    def sent(self, version: str) -> None:
        """A page has fetched this version's image."""
        with self.condition:
            self.fetched.add(version)
            self.condition.notify_all()

    def stop(self) -> None:
        """Wake every waiting event stream so that it can end."""
        with self.condition:
            self.status = "stopped"
            self._moved()


def _make_images(views: list[PageView]) -> None:
    """Make the images of pages already shown (a page may have asked for one meanwhile: it is made once)."""
    for view in views:
        view.image()


def contents(result: BuildResult) -> list[dict[str, Any]]:
    """The side list: every section and article with the page it starts on."""
    entries: list[dict[str, Any]] = []
    for section in result.contents():
        entries.append({"title": section.title, "page": section.page, "level": 1})
        entries += [{"title": article.label, "page": article.page, "level": 2} for article in section.articles]
    return entries


def problem_json(text: str) -> dict[str, Any]:
    """A problem's text, and its place when it starts with one."""
    match = LOCATED.match(text)
    if not match:
        return {"text": text}
    place = Place(Path(match["file"]).resolve(), int(match["line"]), int(match["col"]))
    return {"text": text[match.start("file") :], "place": place_json(place)}


def place_json(place: Place) -> dict[str, Any]:
    return {"path": str(place.path), "line": place.line, "col": place.col}
