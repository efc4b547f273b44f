"""The pipeline: load → validate → transform → charts → render → typeset → write.

Each stage is a module with one job; this module only runs them in order, times them, and
makes sure nothing is written unless every stage succeeded.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..content.fonts import fonts_fingerprint, use_project_fonts
from ..content.paths import cache_dir, project_root
from ..content.problems import InvalidIssue, IssuepdfError, Problems
from ..content.theme import load_theme
from ..content.validate import Checked, check
from .charts import render_missing
from .editions import PLANS, Edition, pdf_options, render_options
from .fidelity import verify
from .incremental import Session
from .logs import LOCATED, counting_warnings, quiet_chatty_libraries
from .output import build_lock, write_atomic
from .placeholders import write_placeholders
from .render import layout_dirs, render_html
from .transform import Document, prepare
from .typeset import deadline, pdf_bytes, typeset

if TYPE_CHECKING:
    import weasyprint

logger = logging.getLogger("issuepdf")


class StrictFailure(IssuepdfError):
    """`--strict` was given and the build logged warnings."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__(f"--strict: {len(messages)} warning(s); nothing was written")


@dataclass
class BuildResult:
    """What a build made and how long each step took."""

    pdf: Path
    pages: int
    charts_rendered: int
    warnings: list[str]
    timings: dict[str, float] = field(default_factory=dict)


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
    return issue_dir / "out" / PLANS[edition].file_name(number)


def check_issue(issue_dir: Path, edition: Edition = "screen", log_warnings: bool = True) -> Checked:
    """Load and validate; raises InvalidIssue listing every error. Warnings are logged unless a
    build that follows will log them itself."""
    project = project_root(issue_dir)
    problems = Problems()
    checked = check(issue_dir, project / "fonts", problems, edition)
    for warning in problems.warnings if log_warnings else []:
        logger.warning("%s", warning, extra=LOCATED)
    if checked is None:
        raise InvalidIssue(problems)
    return checked


def prepare_document(checked: Checked, project: Path, timer: Timer) -> Document:
    """Transform the issue and make sure every chart's SVG and photo placeholder exists."""
    issue_dir = checked.issue_dir
    with timer.step("assets"):
        theme = load_theme(layout_dirs(issue_dir, project))
        document = prepare(checked, theme, fonts_fingerprint(project / "fonts"), cache_dir(issue_dir))
        document.rendered = render_missing(document.charts)
        write_placeholders(document.placeholders)
    return document


def verify_layout(laid_out: weasyprint.Document, document: Document) -> None:
    """Refuse a layout that lost, doubled or moved text, or that runs off a page (see fidelity.py)."""
    problems = Problems()
    verify(laid_out, document.sources, problems)
    if problems:
        raise InvalidIssue(problems)


def build(
    issue_dir: Path,
    output: Path | None = None,
    html_output: Path | None = None,
    strict: bool = False,
    edition: Edition = "screen",
    tagged: bool = False,
    session: Session | None = None,
) -> BuildResult:
    """Build an issue's PDF edition; on any problem raise, leaving earlier outputs untouched.

    With a `session` (watch mode, bench), articles unchanged since its last build are not laid out again.
    """
    plan = PLANS[edition]
    issue_dir = issue_dir.resolve()
    project = project_root(issue_dir)
    use_project_fonts(project / "fonts")
    quiet_chatty_libraries()
    preload = threading.Thread(target=importlib.import_module, args=("weasyprint",), daemon=True)
    preload.start()  # WeasyPrint's import (~0.35 s) overlaps validation and HTML rendering
    timer = Timer()
    with build_lock(issue_dir), counting_warnings() as warnings:
        with timer.step("check"):
            checked = check_issue(issue_dir, edition)
        document = prepare_document(checked, project, timer)
        with timer.step("html"):
            html = render_html(document, issue_dir, project, plan)
        preload.join()
        with deadline():
            with timer.step("layout"):
                roots = [issue_dir, project / "layouts", project / "fonts"]
                options = render_options(plan, checked)
                if session is None:
                    laid_out = typeset(html, issue_dir, roots, **options)
                else:
                    laid_out = session.typeset(html, document, issue_dir, project, plan, roots, options)
            with timer.step("verify"):
                verify_layout(laid_out, document)
            with timer.step("pdf"):
                pdf = pdf_bytes(laid_out, pdf_options(plan, checked, tagged))
        if strict and warnings.records:
            raise StrictFailure(warnings.messages)
        target = output or default_output(issue_dir, checked.issue.number, edition)
        with timer.step("write"):
            write_atomic(target, pdf)
            if html_output is not None:
                write_atomic(html_output, html.encode("utf-8"))
    return BuildResult(target, len(laid_out.pages), document.rendered, warnings.messages, timer.timings)
