"""The pipeline: load → validate → transform → charts → render → typeset → write.

Each stage is a module with one job; this module only runs them in order, times them, and
makes sure nothing is written unless every stage succeeded.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..content.errors import InvalidIssue, StrictFailure
from ..content.fonts import fonts_sha256, use_project_fonts
from ..content.paths import confined
from ..content.problems import Problems
from ..content.project import Project
from ..content.validate import Checked, check
from .charts import render_missing
from .contents import SectionEntry, contents
from .editions import PLANS, Edition, pdf_options, render_options
from .fidelity import verify
from .floats import float_figures
from .incremental import Session
from .logs import LOCATED, WarningCounter, counting_warnings, quiet_chatty_libraries
from .output import build_lock, write_atomic
from .placeholders import write_placeholders
from .render import render_html
from .transform import Document, prepare
from .typeset import deadline, pdf_bytes, typeset

if TYPE_CHECKING:
    import weasyprint

logger = logging.getLogger("issuepdf")


@dataclass
class BuildResult:
    """What a build made and how long each step took."""

    pdf: Path
    pages: int
    charts_rendered: int
    warnings: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    document: Document | None = None
    """What was typeset: sections and articles with their numbers and labels."""
    laid_out: weasyprint.Document | None = None
    """The pages as laid out, for what they know (where each article starts) without reading the PDF back."""

    def contents(self) -> list[SectionEntry]:
        """Every section and article with the page the layout put it on (see contents.py)."""
        assert self.document is not None and self.laid_out is not None
        return contents(self.document, self.laid_out)


@dataclass
class Timer:
    """Times the steps of a build and reports each as progress."""

    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - start
        logger.info("%-8s %6.2f s", name, self.timings[name])


def default_output(issue_dir: Path, number: int, edition: Edition = "screen") -> Path:
    return confined(issue_dir / "out", issue_dir) / PLANS[edition].file_name(number)


def check_issue(issue_dir: Path, edition: Edition = "screen") -> Checked:
    """Load and validate the issue in `issue_dir` (see `check_project`)."""
    return check_project(Project.of(issue_dir), edition)


def check_project(project: Project, edition: Edition = "screen") -> Checked:
    """Load and validate; raises InvalidIssue listing every error, and logs every warning."""
    problems = Problems()
    checked = check(project, problems, edition)
    for warning in problems.warnings:
        logger.warning("%s", warning, extra=LOCATED)
    if checked is None:
        raise InvalidIssue(problems)
    return checked


def prepare_document(checked: Checked, timer: Timer) -> Document:
    """Transform the issue and make sure every chart's SVG and photo placeholder exists."""
    project = checked.project
    with timer.step("assets"):
        document = prepare(checked, project.theme, fonts_sha256(project.fonts), project.cache)
        document.rendered = render_missing(document.charts)
        write_placeholders(document.placeholders)
    return document


def verify_layout(laid_out: weasyprint.Document, document: Document) -> None:
    """Refuse a layout that lost, doubled or moved text, or that runs off a page (see fidelity.py)."""
    problems = Problems()
    verify(laid_out, document.sources, problems, document.places)
    if problems:
        raise InvalidIssue(problems)


@dataclass
class Run:
    """What one command shares across the editions it builds: the checked issue, its project, the document
    prepared once (charts rendered), and every layout made so far. Editions whose HTML and render options
    are the same (screen and archive) share one layout: WeasyPrint's `render()` is apart from `write_pdf()`.
    """

    checked: Checked
    timer: Timer = field(default_factory=Timer)
    document: Document | None = None
    layouts: dict[str, weasyprint.Document] = field(default_factory=dict)
    """Layouts by a digest of their HTML and render options."""

    @property
    def project(self) -> Project:
        return self.checked.project

    def prepared(self) -> Document:
        if self.document is None:
            self.document = prepare_document(self.checked, self.timer)
        return self.document


def build(
    issue_dir: Path,
    output: Path | None = None,
    html_output: Path | None = None,
    strict: bool = False,
    edition: Edition = "screen",
    tagged: bool = False,
    session: Session | None = None,
) -> BuildResult:
    """Check an issue and build one PDF edition; on any problem raise, leaving earlier outputs untouched.

    With a `session` (watch mode, bench), articles unchanged since its last build are not laid out again.
    """
    issue_dir = issue_dir.resolve()
    project = begin(issue_dir)
    timer = Timer()
    with build_lock(issue_dir), counting_warnings() as warnings:
        with timer.step("check"):
            checked = check_project(project, edition)
        run = Run(checked, timer)
        return build_checked(run, edition, output, html_output, tagged, session, strict=strict, warnings=warnings)


def begin(issue_dir: Path) -> Project:
    """What every run does first: find the project, use only its fonts, quiet chatty libraries, and start
    importing WeasyPrint (~0.35 s) so that it overlaps validation and HTML rendering."""
    project = Project.of(issue_dir)
    use_project_fonts(project.fonts)
    quiet_chatty_libraries()
    threading.Thread(target=importlib.import_module, args=("weasyprint",), daemon=True).start()
    return project


def build_checked(
    run: Run,
    edition: Edition = "screen",
    output: Path | None = None,
    html_output: Path | None = None,
    tagged: bool = False,
    session: Session | None = None,
    *,
    strict: bool = False,
    warnings: WarningCounter | None = None,
) -> BuildResult:
    """Build one PDF edition of an issue already checked, reusing what the run has prepared and laid out."""
    plan, checked, timer, project = PLANS[edition], run.checked, run.timer, run.project
    issue_dir = project.issue_dir
    document = run.prepared()
    with timer.step("html"):  # a session renders the whole issue only to lay out the whole (an edit: one article)
        html = render_html(document, project, plan) if session is None or html_output else ""
    options = render_options(plan, checked)
    key = hashlib.sha256(f"{html}\0{sorted(options.items())!r}".encode()).hexdigest()
    import weasyprint  # noqa: F401  (begin() started this import; wait for it here)

    with deadline():
        laid_out = run.layouts.get(key) if session is None else None
        if laid_out is None:
            with timer.step("layout"):
                if session is None:
                    laid_out = typeset(html, issue_dir, project.readable, **options)
                else:
                    laid_out = session.typeset(html, document, project, plan, options)
                laid_out, html = float_figures(laid_out, document, project, plan, options) or (laid_out, html)
            with timer.step("verify"):
                verify_layout(laid_out, document)
            run.layouts[key] = laid_out
        with timer.step("pdf"):
            pdf = pdf_bytes(laid_out, pdf_options(plan, checked, tagged))
    messages = warnings.messages if warnings is not None else []
    if strict and messages:
        raise StrictFailure(messages)
    target = output or default_output(issue_dir, checked.issue.number, edition)
    with timer.step("write"):
        write_atomic(target, pdf)
        if html_output is not None:
            write_atomic(html_output, html.encode("utf-8"))
    return BuildResult(
        target, len(laid_out.pages), document.rendered, messages, dict(timer.timings), document, laid_out
    )
