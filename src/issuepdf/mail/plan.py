"""The send plan: who gets the issue, decided before anything is sent, and shown in full by a dry run.

The audience is the subscriber list's active addresses, or (with `--to CSV`) the file's addresses, imported
into the list when sending and skipping any the list has as unsubscribed, bounced or complained. From it the
send log rules out who already has the issue, was refused for good, or is uncertain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content.errors import IssuepdfError
from ..content.paths import project_root
from ..content.project import Project
from ..content.settings import Settings
from ..pipeline.record import sha256_file
from .draft import Draft, compose, megabytes
from .recipients import key
from .sendlog import History, log_path
from .smtp import password_source
from .subscribers import list_path, open_list
from .unsubscribe import Unsubscribe


@dataclass
class Audience:
    """The addresses a send is for, where they came from, and what reading them found."""

    source: str
    addresses: list[str]
    notes: list[str] = field(default_factory=list)
    """Lines for the editor: the list's counts, a CSV's invalid lines, addresses the list keeps out."""
    csv: Path | None = None
    """The CSV to import into the list when sending (`--to`)."""


def read_audience(root: Path, settings: Settings, subscribers_csv: Path | None) -> Audience:
    """The active subscribers of the list, or of the CSV as the list sees them (without changing the list)."""
    path = list_path(root, settings.subscribers)
    with open_list(path) as subscribers:
        if subscribers_csv is None:
            counts = subscribers.counts()
            summary = ", ".join(f"{n} {status}" for status, n in counts.items())
            return Audience(str(path), subscribers.active(), [f"{path}: {summary}"])
        imported = subscribers.import_csv(subscribers_csv, write=False)
    out = {key(s.address) for s in imported.kept_out}
    addresses = [address for address in imported.addresses if key(address) not in out]
    lines = imported.lines()
    lines[0] = lines[0].replace(" added,", " new (added to the list when sending),")
    return Audience(str(subscribers_csv), addresses, lines, subscribers_csv)


@dataclass
class Plan:
    """Who gets the issue, one message each, decided before anything is sent."""

    draft: Draft
    settings: Settings
    audience: Audience
    log: Path
    history: History
    todo: list[str]
    """The addresses to send to, in order."""
    held: list[str]
    """Uncertain addresses not sent again (without --retry-uncertain)."""
    refused_before: list[str]
    already: int
    pdf_sha256: str
    """The edition this run sends: the sha256 of the email PDF."""
    new_edition: bool = False
    """Whether to send the rest this PDF though the log shows others got a different one."""
    root: Path = field(default_factory=Path)
    """The project (for the subscriber list and a DKIM key file)."""

    @property
    def sender(self) -> str:
        return self.settings.email.sender_address

    @property
    def missing(self) -> list[str]:
        """What sending needs and the project does not give."""
        needed = (("email.sender", self.settings.email.sender), ("smtp.host", self.settings.smtp.host))
        return [f"set {name} in issuepdf.yaml" for name, value in needed if not value] + self.no_secret()

    def no_secret(self) -> list[str]:
        try:
            Unsubscribe.of(self.settings.email)
        except IssuepdfError as err:
            return [str(err)]
        return []

    def describe(self, dry_run: bool) -> list[str]:
        """The plan as the editor reads it; a dry run lists every address."""
        smtp, email, draft = self.settings.smtp, self.settings.email, self.draft
        lines = [f"message: {draft.subject}"]
        size = megabytes(draft.pdf.stat().st_size)
        if draft.attachment is not None:
            lines.append(f"attachment: {draft.attachment.name} ({draft.pages} pages, {size})")
        else:
            lines.append(f"PDF linked, not attached: {draft.edition.pdf_url} ({draft.pages} pages, {size})")
        login = f", login {smtp.user} (password {password_source(smtp)[1]})" if smtp.user else ""
        sender = email.sender or "(email.sender not set)"
        server = f"{smtp.host}:{smtp.resolved_port}" if smtp.host else "(smtp.host not set)"
        lines.append(f"from {sender} via {server} ({smtp.security}){login}")
        one_click = f"one-click {email.unsubscribe_url}" if email.unsubscribe_url else "no one-click (unsubscribe_url)"
        lines.append(f"unsubscribe: {one_click}, mail to {email.resolved_unsubscribe_address or '(no address)'}")
        if self.settings.dkim.selector:
            lines.append(f"DKIM: {self.settings.dkim.selector}._domainkey.{self.settings.dkim.domain or self.domain}")
        lines += self.audience.notes
        if self.already:
            lines.append(f"already sent: {self.already} (send log {self.log})")
        lines += [f"refused earlier, not retried: {a}: {self.history.refused[key(a)][0]}" for a in self.refused_before]
        lines += [f"uncertain, not sent again (--retry-uncertain sends it): {a}" for a in self.held]
        lines += self.edition_lines(dry_run)
        if not self.todo:
            lines.append("nothing to send: every subscriber has been sent this issue (or was refused)")
            return lines
        minutes = max(0, len(self.todo) - 1) / smtp.recipients_per_minute
        lines.append(
            f"{'would send' if dry_run else 'sending'} {len(self.todo)} message(s), one per subscriber, "
            f"over at least {minutes:.1f} min at {smtp.recipients_per_minute:g}/min"
        )
        if dry_run:
            lines += [f"  {address}" for address in self.todo]
            if self.missing:
                lines.append(f"cannot send yet: {' and '.join(self.missing)} (see docs/email.md)")
            if self.history.other_editions(self.pdf_sha256) and not self.new_edition:
                lines.append(f"cannot send: {changed_edition(self.history, self.pdf_sha256)}")
            lines.append("dry run: nothing was sent; add --send to send")
        return lines

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]

    def edition_lines(self, dry_run: bool) -> list[str]:
        """Who got which PDF, when the log shows an edition other than this one; a dry run names them."""
        others = self.history.other_editions(self.pdf_sha256)
        lines = []
        for sha, addresses in others.items():
            lines.append(f"edition sha256 {sha[:12]}… (earlier) went to {len(addresses)} address(es)")
            if dry_run:
                lines += [f"  {address}" for address in addresses]
        if others:
            lines.append(f"edition sha256 {self.pdf_sha256[:12]}… (this PDF) goes to the rest")
        return lines

    def batch_event(self, number: int, message_id: str, address: str) -> dict[str, Any]:
        """The log record written before a message goes out, with the edition(s) this issue went out in."""
        event = {
            "event": "batch",
            "batch": number,
            "issue": self.draft.issue.number,
            "message_id": message_id,
            "pdf_sha256": self.pdf_sha256,
            "recipients": [address],
        }
        if self.new_edition and (others := self.history.other_editions(self.pdf_sha256)):
            event["earlier_pdf_sha256"] = sorted(others)
        return event


def changed_edition(history: History, pdf_sha256: str) -> str:
    """Why a resumed run with a different PDF is refused, and what to do."""
    others = history.other_editions(pdf_sha256)
    count = sum(map(len, others.values()))
    earlier = ", ".join(f"{sha[:12]}…" for sha in others)
    return (
        f"the email PDF changed since the issue was first sent: {count} address(es) got sha256 {earlier}, "
        f"this one is {pdf_sha256[:12]}…; restore the sources of the edition sent, or add --new-edition "
        "to send the rest this one"
    )


def plan_send(
    issue_dir: Path, subscribers_csv: Path | None = None, retry_uncertain: bool = False, new_edition: bool = False
) -> Plan:
    """Compose the issue's email edition and plan its sending to the subscribers."""
    project = Project.of(issue_dir)
    root, settings = project.root, project.settings
    draft = compose(project.issue_dir)
    settings = settings.model_copy(update={"email": draft.settings})
    if settings.smtp.ca_file:
        ca_file = root / settings.smtp.ca_file
        settings = settings.model_copy(update={"smtp": settings.smtp.model_copy(update={"ca_file": str(ca_file)})})
    audience = read_audience(root, settings, subscribers_csv)
    log = log_path(project.issue_dir, draft.issue.number)
    return make_plan(draft, settings, audience, log, retry_uncertain, new_edition, root)


def make_plan(
    draft: Draft,
    settings: Settings,
    audience: Audience,
    log: Path,
    retry_uncertain: bool = False,
    new_edition: bool = False,
    root: Path | None = None,
) -> Plan:
    """The addresses not yet sent, skipping those the send log rules out."""
    history = History.read(log)
    todo, held, refused, already = [], [], [], 0
    for address in audience.addresses:
        k = key(address)
        if k in history.delivered:
            already += 1
        elif k in history.refused:
            refused.append(address)
        elif k in history.uncertain and not retry_uncertain:
            held.append(address)
        else:
            todo.append(address)
    pdf_sha256 = sha256_file(draft.pdf)
    root = root or project_root(draft.pdf.parent)
    return Plan(draft, settings, audience, log, history, todo, held, refused, already, pdf_sha256, new_edition, root)
