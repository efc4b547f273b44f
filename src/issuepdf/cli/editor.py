"""Commands of the editor's loop: new, watch, serve, preview, convert, import, bench."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from ..content.problems import shown_path
from ..pipeline.editions import Edition
from .app import issue_dir_arg, main, pdf_edition_option


@main.command("watch")
@issue_dir_arg
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The PDF to write.")
@pdf_edition_option
@click.option("--strict", is_flag=True, help="Treat warnings as failures (the last good PDF stays).")
def watch_command(issue_dir: Path, output: Path | None, edition: str, strict: bool) -> None:
    """Rebuild ISSUE_DIR on every saved change to it, layouts/ or fonts/ (Ctrl-C to stop)."""
    from ..editor.watch import Outcome, watch

    def report(outcome: Outcome) -> None:
        if outcome.result is None:
            for line in outcome.problems:
                click.echo(line, err=True)
            click.echo("not rebuilt; the last good PDF is unchanged. Waiting for changes…", err=True)
        else:
            total = sum(outcome.result.timings.values())
            click.echo(
                f"wrote {shown_path(outcome.result.pdf)} ({outcome.result.pages} pages, {total:.1f} s). Waiting…"
            )

    watch(issue_dir, output, cast(Edition, edition), strict, on_outcome=report)


@main.command("preview")
@issue_dir_arg
@click.option("--pages", help="Pages to render, e.g. 1-3,5 (default: all).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder (default ISSUE_DIR/out/preview).")
@click.option(
    "--dpi",
    default=80,
    show_default=True,
    type=click.IntRange(1, 600),
    help="Resolution of the page images (at most 600: an A4 page is then 35 megapixels).",
)
def preview_command(issue_dir: Path, pages: str | None, out: Path | None, dpi: int) -> None:
    """Build ISSUE_DIR and write PNG images of its pages and a contact sheet of all pages."""
    from ..editor.preview import contact_sheet, page_range, writable_folder
    from ..pipeline.build import build
    from ..pipeline.raster import render_pages

    target = writable_folder(out or issue_dir / "out" / "preview")
    result = build(issue_dir)
    for path in render_pages(result.pdf, page_range(pages, result.pages), target, dpi):
        click.echo(str(path))
    click.echo(str(contact_sheet(result.pdf, result.pages, target)))


@main.command("bench")
@click.argument("issue_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--runs", default=3, show_default=True, help="Runs per measurement (the median is shown).")
def bench_command(issue_dir: Path | None, runs: int) -> None:
    """Measure build times and memory: of ISSUE_DIR, or (without it) the suite of the speed targets."""
    from ..editor.bench import bench, bench_suite

    if issue_dir is None:
        bench_suite(runs)
    else:
        bench(issue_dir, runs)


@main.command("new")
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The issue to start from (default: the highest-numbered folder in ./issues).",
)
@click.option("--markdown", is_flag=True, help="Write each article skeleton as a Markdown file (articles/*.md).")
def new_command(source: Path | None, markdown: bool) -> None:
    """Start the next issue: next number, a week later, the same sections with empty article skeletons."""
    from ..editor.new import new_issue

    started = new_issue(source, markdown=markdown)
    for line in started.lines():
        click.echo(line)


# --- serve (the live preview) ---


@main.command("serve")
@issue_dir_arg
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port to serve on.")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="The address to listen on (the default: this machine only)."
)
@pdf_edition_option
def serve_command(issue_dir: Path, port: int, host: str, edition: str) -> None:
    """Show ISSUE_DIR's pages in the browser, updated on every save; a click on a page finds its source."""
    from ..editor.serve import serve
    from ..editor.watch import Outcome

    def report(outcome: Outcome) -> None:
        for line in outcome.problems:
            click.echo(line, err=True)
        if outcome.result is not None:
            click.echo(f"{outcome.result.pages} pages, {sum(outcome.result.timings.values()):.1f} s. Waiting…")

    serve(
        issue_dir,
        port,
        cast(Edition, edition),
        host,
        on_ready=lambda url: click.echo(f"serving {url} (Ctrl-C to stop)"),
        on_outcome=report,
    )


# --- Markdown articles: convert and import ---


@main.command("convert")
@click.argument("path", type=click.Path(exists=True, path_type=Path), metavar="ARTICLE_OR_ISSUE_DIR")
@click.option("--to", type=click.Choice(["md", "yaml"]), help="The form to convert to (an issue folder: default md).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to write one article.")
def convert_command(path: Path, to: str | None, output: Path | None) -> None:
    """Convert an article between YAML and Markdown; for an issue folder, every included article and its include."""
    from ..editor.convert import Form, convert

    for line in convert(path, cast(Form | None, to), output):
        click.echo(line)


@main.command("import")
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE")
@click.option(
    "--into",
    "issue_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The issue.",
)
@click.option("--section", default=1, show_default=True, type=click.IntRange(1), help="The section to add it to.")
def import_command(document: Path, issue_dir: Path, section: int) -> None:
    """Bring a 한글 (.hwpx) or Word (.docx) document into an issue as a Markdown article; say what was not mapped."""
    from ..editor.importer import import_document

    for line in import_document(document, issue_dir, section):
        click.echo(line)
