"""The command line: parse arguments, call one function, print its outcome. No logic here."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.logging import RichHandler

from . import __version__
from .problems import InvalidIssue, IssuepdfError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
issue_dir_arg = click.argument(
    "issue_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="ISSUE_DIR"
)


def _setup_logging(verbose: int) -> None:
    """Progress on a terminal (or with -v); warnings and errors always."""
    level = logging.WARNING
    if verbose or err_console.is_terminal:
        level = logging.INFO
    if verbose > 1:
        level = logging.DEBUG
    handler = RichHandler(console=err_console, show_time=False, show_path=False, markup=False)
    handler.setLevel(level)
    logger = logging.getLogger("issuepdf")
    logger.addHandler(handler)
    logger.setLevel(level)
    logging.getLogger("weasyprint").addHandler(handler)


def _fail(err: IssuepdfError) -> None:
    if isinstance(err, InvalidIssue):
        for problem in err.problems:
            click.echo(str(problem), err=True)
    for message in getattr(err, "messages", []):
        click.echo(message, err=True)
    click.echo(f"error: {err}", err=True)
    sys.exit(1)


@click.group()
@click.version_option(__version__, prog_name="issuepdf")
@click.option("-v", "--verbose", count=True, help="More detail (-vv for debug).")
def main(verbose: int) -> None:
    """Typeset a numbered issue of 주간 중국 창업 from YAML into PDF."""
    _setup_logging(verbose)


edition_option = click.option(
    "--edition",
    type=click.Choice(["screen", "print", "archive", "email"]),
    default="screen",
    show_default=True,
    help="screen; print (bleed, crop marks, PDF/X-4); archive (PDF/A-3b with sources); email (small images).",
)


@main.command("check")
@issue_dir_arg
@edition_option
@click.option("--strict", is_flag=True, help="Fail on warnings too (missing alt text, low-resolution photos).")
def check_command(issue_dir: Path, edition: str, strict: bool) -> None:
    """Validate ISSUE_DIR and print every problem as path:line:col: key: message."""
    from .build import StrictFailure, check_issue
    from .logs import counting_warnings

    try:
        with counting_warnings() as warnings:
            checked = check_issue(issue_dir, edition)  # type: ignore[arg-type]
        if strict and warnings.records:
            raise StrictFailure(warnings.messages)
    except IssuepdfError as err:
        _fail(err)
    click.echo(f"{issue_dir}: issue {checked.issue.number} is valid ({len(warnings.records)} warning(s))")


@main.command("build")
@issue_dir_arg
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The PDF to write.")
@click.option("--html", "html_output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the HTML.")
@click.option("--strict", is_flag=True, help="Fail on any warning (missing glyph, unloadable resource, …).")
@edition_option
@click.option("--tagged", is_flag=True, help="Write a tagged PDF (PDF/UA structure) for assistive technology.")
def build_command(
    issue_dir: Path, output: Path | None, html_output: Path | None, strict: bool, edition: str, tagged: bool
) -> None:
    """Build ISSUE_DIR into its PDF (default ISSUE_DIR/out/issue-N[-EDITION].pdf)."""
    from .build import build

    try:
        result = build(issue_dir, output, html_output, strict, edition, tagged)  # type: ignore[arg-type]
    except IssuepdfError as err:
        _fail(err)
    total = sum(result.timings.values())
    click.echo(f"wrote {result.pdf} ({result.pages} pages, {total:.1f} s, {len(result.warnings)} warning(s))")


@main.command("watch")
@issue_dir_arg
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The PDF to write.")
@edition_option
@click.option("--strict", is_flag=True, help="Treat warnings as failures (the last good PDF stays).")
def watch_command(issue_dir: Path, output: Path | None, edition: str, strict: bool) -> None:
    """Rebuild ISSUE_DIR on every saved change to it, layouts/ or fonts/ (Ctrl-C to stop)."""
    from .watch import Outcome, watch

    def report(outcome: Outcome) -> None:
        if outcome.result is None:
            for line in outcome.problems:
                click.echo(line, err=True)
            click.echo("not rebuilt; the last good PDF is unchanged. Waiting for changes…", err=True)
        else:
            total = sum(outcome.result.timings.values())
            click.echo(f"wrote {outcome.result.pdf} ({outcome.result.pages} pages, {total:.1f} s). Waiting…")

    try:
        watch(issue_dir, output, edition, strict, on_outcome=report)  # type: ignore[arg-type]
    except IssuepdfError as err:
        _fail(err)


@main.command("preview")
@issue_dir_arg
@click.option("--pages", help="Pages to render, e.g. 1-3,5 (default: all).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder (default ISSUE_DIR/out/preview).")
@click.option("--dpi", default=80, show_default=True, help="Resolution of the page images.")
def preview_command(issue_dir: Path, pages: str | None, out: Path | None, dpi: int) -> None:
    """Build ISSUE_DIR and write PNG images of its pages and a contact sheet of all pages."""
    from .build import build
    from .preview import contact_sheet, page_range, render_pages

    try:
        result = build(issue_dir)
        target = out or issue_dir / "out" / "preview"
        for path in render_pages(result.pdf, page_range(pages, result.pages), target, dpi):
            click.echo(str(path))
        click.echo(str(contact_sheet(result.pdf, result.pages, target)))
    except IssuepdfError as err:
        _fail(err)


@main.command("extract")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def extract_command(pdf: Path, target: Path) -> None:
    """Take the issue's sources back out of an archive-edition PDF into TARGET."""
    from .extract import extract

    try:
        written = extract(pdf, target)
    except IssuepdfError as err:
        _fail(err)
    for path in written:
        click.echo(str(path))


@main.command("bench")
@click.argument("issue_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--runs", default=3, show_default=True, help="Runs per measurement (the median is shown).")
def bench_command(issue_dir: Path | None, runs: int) -> None:
    """Measure build times and memory: of ISSUE_DIR, or (without it) the suite of the speed targets."""
    from .bench import bench, bench_suite

    try:
        if issue_dir is None:
            bench_suite(runs)
        else:
            bench(issue_dir, runs)
    except IssuepdfError as err:
        _fail(err)


@main.command("email")
@issue_dir_arg
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the PDF and the .eml draft (default ISSUE_DIR/out).",
)
def email_command(issue_dir: Path, out_dir: Path | None) -> None:
    """Build the email edition of ISSUE_DIR within its size budget, and an .eml draft carrying it."""
    from .mail import compose

    try:
        draft = compose(issue_dir, out_dir)
    except IssuepdfError as err:
        _fail(err)
    for line in draft.lines():
        click.echo(line)


@main.command("send")
@issue_dir_arg
@click.option(
    "--to",
    "subscribers",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The subscriber CSV: a column titled email (or 이메일), else addresses in the first column.",
)
@click.option("--send", "really", is_flag=True, help="Send for real; without it, print who would get what.")
@click.option("--retry-uncertain", is_flag=True, help="Also send to addresses a broken run may have reached.")
def send_command(issue_dir: Path, subscribers: Path, really: bool, retry_uncertain: bool) -> None:
    """Send ISSUE_DIR's email edition to the subscribers in Bcc batches; a rerun resumes, never resends."""
    from .send import execute, plan_send

    try:
        plan = plan_send(issue_dir, subscribers, retry_uncertain)
        for line in plan.describe(dry_run=not really):
            click.echo(line)
        if not really:
            return
        report = execute(plan)
    except IssuepdfError as err:
        _fail(err)
    for line in report.lines():
        click.echo(line)
