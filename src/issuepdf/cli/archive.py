"""Commands of the archive: archive an issue, verify, search, its page; extract an archive PDF's sources."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..content.problems import shown_path
from .app import issue_dir_arg, main


@main.command("extract")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def extract_command(pdf: Path, target: Path) -> None:
    """Take the issue's files back out of an archive-edition PDF into TARGET, a new or empty folder."""
    from ..archive.extract import extract

    extracted = extract(pdf, target)
    for line in extracted.lines():
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
    from ..archive.store import archive_issue

    archived = archive_issue(issue_dir, root, revise)
    for line in archived.lines():
        click.echo(line)


@archive_group.command("verify")
@root_option
def archive_verify_command(root: Path) -> None:
    """Re-hash every archived file against its manifest and the catalog; exit 1 on any mismatch."""
    from ..archive.verify import verify

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
    from ..archive.catalog import open_catalog

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
    from ..archive.page import write_page

    click.echo(f"wrote {shown_path(write_page(root))}")
