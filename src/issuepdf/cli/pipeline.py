"""Commands that check and build an issue: check, build (every edition, the web one too), preflight."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import click

from ..content.errors import StrictFailure
from ..content.problems import shown_path
from ..pipeline.editions import PLANS, Edition
from .app import edition_option, issue_dir_arg, main


@main.command("check")
@issue_dir_arg
@edition_option
@click.option("--strict", is_flag=True, help="Fail on warnings too (missing alt text, low-resolution photos).")
def check_command(issue_dir: Path, edition: str, strict: bool) -> None:
    """Validate ISSUE_DIR and print every problem as path:line:col: key: message."""
    from ..pipeline.build import check_issue
    from ..pipeline.logs import counting_warnings

    with counting_warnings() as warnings:
        checked = check_issue(issue_dir, cast(Edition, edition))
    if strict and warnings.records:
        raise StrictFailure(warnings.messages)
    click.echo(f"{shown_path(issue_dir)}: issue {checked.issue.number} is valid ({len(warnings.records)} warning(s))")


@main.command("build")
@issue_dir_arg
@click.option("-o", "--output", type=click.Path(path_type=Path), help="The PDF (web: the folder) to write.")
@click.option("--html", "html_output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the HTML.")
@click.option("--strict", is_flag=True, help="Fail on any warning (missing glyph, unloadable resource, …).")
@edition_option
@click.option("--tagged", is_flag=True, help="Write a tagged PDF (PDF/UA structure) for assistive technology.")
def build_command(
    issue_dir: Path, output: Path | None, html_output: Path | None, strict: bool, edition: str, tagged: bool
) -> None:
    """Build ISSUE_DIR into its PDF (default ISSUE_DIR/out/issue-N[-EDITION].pdf), or its web pages (out/web/)."""
    from ..pipeline.build import build

    if PLANS[cast(Edition, edition)].site:
        return _build_site(issue_dir, output, strict, html_output is not None or tagged)
    result = build(issue_dir, output, html_output, strict, cast(Edition, edition), tagged)
    total = sum(result.timings.values())
    click.echo(
        f"wrote {shown_path(result.pdf)} ({result.pages} pages, {total:.1f} s, {len(result.warnings)} warning(s))"
    )


# --- preflight (the report before print) ---


@main.command("preflight")
@issue_dir_arg
@click.option(
    "--edition",
    type=click.Choice([name for name, plan in PLANS.items() if plan.site is None]),
    default="print",
    show_default=True,
    help="The edition to check (print also checks photo resolution).",
)
def preflight_command(issue_dir: Path, edition: str) -> None:
    """Report, page by page, what would fall short in print: loose lines, half-empty pages, warnings, fonts.

    Exit code 1 on what `build --strict` would refuse, or a font not embedded."""
    from ..editor.preflight import preflight

    report = preflight(issue_dir, cast(Edition, edition))
    for line in report.lines():
        click.echo(line)
    if report.refused:
        sys.exit(1)


# --- the web edition ---


def _build_site(issue_dir: Path, output: Path | None, strict: bool, pdf_options: bool) -> None:
    """`build --edition web`: the issue's web pages (see issuepdf.web.site)."""
    from ..web.site import build_site

    if pdf_options:
        raise click.UsageError("--html and --tagged are options of the PDF editions, not of --edition web")
    site = build_site(issue_dir, output, strict)
    total = sum(site.timings.values())
    click.echo(
        f"wrote {shown_path(site.folder)}/ ({site.pages} pages, {len(site.files)} files, "
        f"{site.size / 1e6:.1f} MB, {total:.1f} s, {len(site.warnings)} warning(s))"
    )
