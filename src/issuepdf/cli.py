"""The command line: parse arguments, call one function, print its outcome. No logic here."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, NoReturn, cast

import click

from . import __version__
from .content.errors import IssuepdfError, StrictFailure
from .content.problems import shown_path
from .pipeline.editions import PLANS, Edition

issue_dir_arg = click.argument(
    "issue_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="ISSUE_DIR"
)


def _setup_logging(verbose: int) -> None:
    """Progress on a terminal (or with -v); warnings and errors always."""
    level = logging.WARNING
    if verbose or sys.stderr.isatty():
        level = logging.INFO
    if verbose > 1:
        level = logging.DEBUG
    handler = OneLineHandler()
    handler.setLevel(level)
    logger = logging.getLogger("issuepdf")
    logger.setLevel(level)
    for name in ("issuepdf", "weasyprint"):  # replace, not add: main() may run many times in one process
        target = logging.getLogger(name)
        for old in [h for h in target.handlers if isinstance(h, OneLineHandler)]:
            target.removeHandler(old)
        target.addHandler(handler)


class OneLineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """One record, one line on stderr, never wrapped: `path:line:col: …` stays one line to grep and click."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno < logging.WARNING or getattr(record, "located", False):
            return message
        return f"{record.levelname.lower()}: {message}"

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # the stderr of now (click's test runner swaps it)
        super().emit(record)


def _fail(err: IssuepdfError) -> NoReturn:
    """An error's lines (every problem, every detail), then the error itself; exit code 1."""
    for message in err.messages:
        click.echo(message, err=True)
    click.echo(f"error: {err}", err=True)
    sys.exit(1)


class Commands(click.Group):
    """The commands, with the one place that turns an issuepdf error into its lines and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IssuepdfError as err:
            _fail(err)


@click.group(cls=Commands)
@click.version_option(__version__, prog_name="issuepdf")
@click.option("-v", "--verbose", count=True, help="More detail (-vv for debug).")
def main(verbose: int) -> None:
    """Typeset a numbered issue of 주간 중국 창업 from YAML into PDF."""
    _setup_logging(verbose)


edition_option = click.option(
    "--edition",
    type=click.Choice(list(PLANS)),
    default="screen",
    show_default=True,
    help="screen; print (bleed, crop marks, PDF/X-4); archive (PDF/A-3b with sources); email (small images); "
    "web (pages, with build).",
)
pdf_edition_option = click.option(
    "--edition",
    type=click.Choice([name for name, plan in PLANS.items() if plan.site is None]),
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
    from .pipeline.build import check_issue
    from .pipeline.logs import counting_warnings

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
    from .pipeline.build import build

    if PLANS[cast(Edition, edition)].site:
        return _build_site(issue_dir, output, strict, html_output is not None or tagged)
    result = build(issue_dir, output, html_output, strict, cast(Edition, edition), tagged)
    total = sum(result.timings.values())
    click.echo(
        f"wrote {shown_path(result.pdf)} ({result.pages} pages, {total:.1f} s, {len(result.warnings)} warning(s))"
    )


@main.command("watch")
@issue_dir_arg
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The PDF to write.")
@pdf_edition_option
@click.option("--strict", is_flag=True, help="Treat warnings as failures (the last good PDF stays).")
def watch_command(issue_dir: Path, output: Path | None, edition: str, strict: bool) -> None:
    """Rebuild ISSUE_DIR on every saved change to it, layouts/ or fonts/ (Ctrl-C to stop)."""
    from .editor.watch import Outcome, watch

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
    from .editor.preview import contact_sheet, page_range, writable_folder
    from .pipeline.build import build
    from .pipeline.raster import render_pages

    target = writable_folder(out or issue_dir / "out" / "preview")
    result = build(issue_dir)
    for path in render_pages(result.pdf, page_range(pages, result.pages), target, dpi):
        click.echo(str(path))
    click.echo(str(contact_sheet(result.pdf, result.pages, target)))


@main.command("extract")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def extract_command(pdf: Path, target: Path) -> None:
    """Take the issue's files back out of an archive-edition PDF into TARGET, a new or empty folder."""
    from .archive.extract import extract

    extracted = extract(pdf, target)
    for line in extracted.lines():
        click.echo(line)


@main.command("bench")
@click.argument("issue_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--runs", default=3, show_default=True, help="Runs per measurement (the median is shown).")
def bench_command(issue_dir: Path | None, runs: int) -> None:
    """Measure build times and memory: of ISSUE_DIR, or (without it) the suite of the speed targets."""
    from .editor.bench import bench, bench_suite

    if issue_dir is None:
        bench_suite(runs)
    else:
        bench(issue_dir, runs)


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
    from .mail.draft import compose

    draft = compose(issue_dir, out_dir)
    for line in draft.lines():
        click.echo(line)


@main.command("send")
@issue_dir_arg
@click.option(
    "--to",
    "subscribers",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A subscriber CSV to import into the list and send to (default: every active subscriber of the list).",
)
@click.option("--send", "really", is_flag=True, help="Send for real; without it, print who would get what.")
@click.option("--retry-uncertain", is_flag=True, help="Also send to addresses a broken run may have reached.")
@click.option("--new-edition", is_flag=True, help="Send the rest a changed PDF, though some got the earlier one.")
def send_command(
    issue_dir: Path, subscribers: Path | None, really: bool, retry_uncertain: bool, new_edition: bool
) -> None:
    """Send ISSUE_DIR's email edition, one message per subscriber; a rerun resumes, never resends."""
    from .mail.plan import plan_send
    from .mail.send import execute

    plan = plan_send(issue_dir, subscribers, retry_uncertain, new_edition)
    for line in plan.describe(dry_run=not really):
        click.echo(line)
    if not really:
        return
    report = execute(plan)
    for line in report.lines():
        click.echo(line)


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
    from .editor.new import new_issue

    started = new_issue(source, markdown=markdown)
    for line in started.lines():
        click.echo(line)


class IssueDirGroup(click.Group):
    """A group whose first argument, when it is no subcommand, is the ISSUE_DIR of its default command."""

    default_command = "issue"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default="archive",
    envvar="ISSUEPDF_ARCHIVE",
    show_default=True,
    show_envvar=True,
    help="The archive folder.",
)


@main.group("archive", cls=IssueDirGroup, subcommand_metavar="ISSUE_DIR | COMMAND [ARGS]...")
def archive_group() -> None:
    """Archive ISSUE_DIR for good (`issuepdf archive ISSUE_DIR [--root DIR] [--revise]`), or run COMMAND.

    The archive keeps the archive, screen and email editions of every issue with a manifest, a
    searchable catalog and a static page (index.html).
    """


@archive_group.command("issue", hidden=True)
@issue_dir_arg
@root_option
@click.option("--revise", is_flag=True, help="Store a corrected issue as its next revision; earlier ones stay.")
def archive_issue_command(issue_dir: Path, root: Path, revise: bool) -> None:
    """Build ISSUE_DIR's editions and store them, immutable, in the archive."""
    from .archive.store import archive_issue

    archived = archive_issue(issue_dir, root, revise)
    for line in archived.lines():
        click.echo(line)


@archive_group.command("verify")
@root_option
def archive_verify_command(root: Path) -> None:
    """Re-hash every archived file against its manifest and the catalog; exit 1 on any mismatch."""
    from .archive.verify import verify

    result = verify(root)
    for line in result.lines():
        click.echo(line)
    if not result.ok:
        sys.exit(1)


@archive_group.command("search")
@click.argument("query", nargs=-1, required=True)
@root_option
@click.option("--limit", default=20, show_default=True, help="Show at most this many hits.")
def archive_search_command(query: tuple[str, ...], root: Path, limit: int) -> None:
    """Find articles containing every word of QUERY: issue, date, page and title of each, best first."""
    from .archive.catalog import open_catalog

    catalog = open_catalog(root)
    try:
        found = catalog.search(" ".join(query), limit)
    finally:
        catalog.close()
    for hit in found.hits:
        click.echo(f"{hit.number:>4}  {hit.date}  p. {hit.page:<3} {hit.title}")
        click.echo(f"      {hit.section} · {hit.snippet}")
    more = f", {found.total - len(found.hits)} more with --limit {found.total}" if found.total > len(found.hits) else ""
    click.echo(f"{found.total} article(s){more}")


@archive_group.command("page")
@root_option
def archive_page_command(root: Path) -> None:
    """Rewrite the archive page (index.html and its search index) from the catalog."""
    from .archive.page import write_page

    click.echo(f"wrote {shown_path(write_page(root))}")


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
    from .editor.serve import serve
    from .editor.watch import Outcome

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
    from .editor.preflight import preflight

    report = preflight(issue_dir, cast(Edition, edition))
    for line in report.lines():
        click.echo(line)
    if report.refused:
        sys.exit(1)


# --- Markdown articles: convert and import ---


@main.command("convert")
@click.argument("path", type=click.Path(exists=True, path_type=Path), metavar="ARTICLE_OR_ISSUE_DIR")
@click.option("--to", type=click.Choice(["md", "yaml"]), help="The form to convert to (an issue folder: default md).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to write one article.")
def convert_command(path: Path, to: str | None, output: Path | None) -> None:
    """Convert an article between YAML and Markdown; for an issue folder, every included article and its include."""
    from .editor.convert import Form, convert

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
    from .editor.importer import import_document

    for line in import_document(document, issue_dir, section):
        click.echo(line)


# --- the web edition ---


def _build_site(issue_dir: Path, output: Path | None, strict: bool, pdf_options: bool) -> None:
    """`build --edition web`: the issue's web pages (see issuepdf.web.site)."""
    from .web.site import build_site

    if pdf_options:
        raise click.UsageError("--html and --tagged are options of the PDF editions, not of --edition web")
    site = build_site(issue_dir, output, strict)
    total = sum(site.timings.values())
    click.echo(
        f"wrote {shown_path(site.folder)}/ ({site.pages} pages, {len(site.files)} files, "
        f"{site.size / 1e6:.1f} MB, {total:.1f} s, {len(site.warnings)} warning(s))"
    )


# --- subscribers, unsubscribe and the mailbox ---

project_option = click.option(
    "--project",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (with issuepdf.yaml) or any folder inside it.",
)


@main.group("subscribers")
def subscribers_group() -> None:
    """The subscriber list (SQLite, `subscribers.path` in issuepdf.yaml): who gets the issue, and who left."""


@subscribers_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="CSV")
@project_option
def subscribers_import_command(csv_file: Path, project: Path) -> None:
    """Add the addresses of CSV (UTF-8 or CP949); unsubscribed and bounced addresses are not re-subscribed."""
    from .mail.subscribers import open_list, project_list

    with open_list(project_list(project)) as subscribers:
        imported = subscribers.import_csv(csv_file)
    for line in imported.lines():
        click.echo(line)


@subscribers_group.command("add")
@click.argument("address")
@click.option("--resubscribe", is_flag=True, help="Subscribe again an address that unsubscribed or bounced.")
@project_option
def subscribers_add_command(address: str, resubscribe: bool, project: Path) -> None:
    """Subscribe ADDRESS."""
    from .mail.subscribers import open_list, project_list

    with open_list(project_list(project)) as subscribers:
        added = subscribers.add(address, "added by hand", resubscribe)
    click.echo(f"{added.address}: {added.status} ({added.reason})")


@subscribers_group.command("unsubscribe")
@click.argument("address")
@project_option
def subscribers_unsubscribe_command(address: str, project: Path) -> None:
    """Record that ADDRESS asked not to get the issue (kept on the list, so no import brings it back)."""
    from .mail.subscribers import open_list, project_list

    with open_list(project_list(project)) as subscribers:
        left = subscribers.set_status(address, "unsubscribed", "unsubscribed by hand")
    click.echo(f"{left.address}: {left.status} since {left.changed} ({left.reason})")


@subscribers_group.command("remove")
@click.argument("address")
@project_option
def subscribers_remove_command(address: str, project: Path) -> None:
    """Forget ADDRESS entirely (a later import adds it again; to stop mail, use unsubscribe)."""
    from .content.errors import SubscriberError
    from .mail.subscribers import open_list, project_list

    with open_list(project_list(project)) as subscribers:
        if not subscribers.remove(address):
            raise SubscriberError(f"{address} is not on the list")
    click.echo(f"removed {address}")


@subscribers_group.command("list")
@click.option("--status", type=click.Choice(["active", "unsubscribed", "bounced", "complained"]))
@project_option
def subscribers_list_command(status: str | None, project: Path) -> None:
    """Every subscriber with status, when and why; then the counts."""
    from .mail.subscribers import STATUSES, open_list, project_list

    with open_list(project_list(project)) as subscribers:
        for row in subscribers.rows(next((s for s in STATUSES if s == status), None)):
            click.echo(f"{row.address}\t{row.status}\t{row.changed}\t{row.reason}")
        counts = subscribers.counts()
    click.echo(", ".join(f"{n} {name}" for name, n in counts.items()))


@subscribers_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The CSV (default stdout).")
@project_option
def subscribers_export_command(output: Path | None, project: Path) -> None:
    """The whole list as CSV (UTF-8 with BOM, for Excel): email, status, changed, reason, added, soft_bounces."""
    from .mail.subscribers import open_list, project_list
    from .pipeline.output import write_atomic

    with open_list(project_list(project)) as subscribers:
        text = subscribers.export()
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text.encode())
        click.echo(f"wrote {shown_path(output)}")


@main.group("unsubscribe")
def unsubscribe_group() -> None:
    """The one-click unsubscribe endpoint (RFC 8058) behind email.unsubscribe_url."""


@unsubscribe_group.command("serve")
@project_option
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(0, 65535), help="The port.")
def unsubscribe_serve_command(project: Path, host: str, port: int) -> None:
    """Answer one-click unsubscribes and the 수신거부 page, recording each in the subscriber list (Ctrl-C stops)."""
    from .mail.endpoint import make_endpoint

    endpoint = make_endpoint(project, host, port)
    click.echo(f"listening on http://{host}:{endpoint.server_address[1]}{endpoint.path} (Ctrl-C stops)")
    try:
        endpoint.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.server_close()


@main.group("mailbox")
def mailbox_group() -> None:
    """The bounce and reply mailbox (IMAP, `imap:` in issuepdf.yaml)."""


@mailbox_group.command("sync")
@project_option
def mailbox_sync_command(project: Path) -> None:
    """Read new mails: bounces, complaints and unsubscribe mails update the subscriber list."""
    from .mail.mailbox import sync

    for line in sync(project).lines():
        click.echo(line)
