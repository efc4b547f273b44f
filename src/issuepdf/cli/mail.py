"""Commands of the email edition and its sending: email, send, the subscriber list, unsubscribe, the mailbox."""

from __future__ import annotations

from pathlib import Path

import click

from ..content.problems import shown_path
from .app import issue_dir_arg, main


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
    from ..mail.draft import compose

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
    from ..mail.plan import plan_send
    from ..mail.send import execute

    plan = plan_send(issue_dir, subscribers, retry_uncertain, new_edition)
    for line in plan.describe(dry_run=not really):
        click.echo(line)
    if not really:
        return
    report = execute(plan)
    for line in report.lines():
        click.echo(line)


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
    from ..mail.subscribers import open_list, project_list

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
    from ..mail.subscribers import open_list, project_list

    with open_list(project_list(project)) as subscribers:
        added = subscribers.add(address, "added by hand", resubscribe)
    click.echo(f"{added.address}: {added.status} ({added.reason})")


@subscribers_group.command("unsubscribe")
@click.argument("address")
@project_option
def subscribers_unsubscribe_command(address: str, project: Path) -> None:
    """Record that ADDRESS asked not to get the issue (kept on the list, so no import brings it back)."""
    from ..mail.subscribers import open_list, project_list

    with open_list(project_list(project)) as subscribers:
        left = subscribers.set_status(address, "unsubscribed", "unsubscribed by hand")
    click.echo(f"{left.address}: {left.status} since {left.changed} ({left.reason})")


@subscribers_group.command("remove")
@click.argument("address")
@project_option
def subscribers_remove_command(address: str, project: Path) -> None:
    """Forget ADDRESS entirely (a later import adds it again; to stop mail, use unsubscribe)."""
    from ..content.errors import SubscriberError
    from ..mail.subscribers import open_list, project_list

    with open_list(project_list(project)) as subscribers:
        if not subscribers.remove(address):
            raise SubscriberError(f"{address} is not on the list")
    click.echo(f"removed {address}")


@subscribers_group.command("list")
@click.option("--status", type=click.Choice(["active", "unsubscribed", "bounced", "complained"]))
@project_option
def subscribers_list_command(status: str | None, project: Path) -> None:
    """Every subscriber with status, when and why; then the counts."""
    from ..mail.subscribers import STATUSES, open_list, project_list

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
    from ..mail.subscribers import open_list, project_list
    from ..pipeline.output import write_atomic

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
    from ..mail.endpoint import make_endpoint

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
    from ..mail.mailbox import sync

    for line in sync(project).lines():
        click.echo(line)
