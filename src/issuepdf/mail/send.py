"""Sending the email edition to subscribers over SMTP, at most once per address and issue.

Subscribers go in Bcc batches, one message per batch, paced by a rate limit. Every batch is
written to the issue's send log (ISSUE_DIR/.sent/<number>.jsonl) before it is sent and again
with its outcome after, each line fsynced, so a run stopped by a crash, ^C or a failing server
resumes with the addresses not yet reached. An address is never sent the issue twice:

- delivered (the server accepted the message for it): never again;
- refused for good (5xx at RCPT): reported, not retried; refused for now (4xx): retried next run;
- not sent (the server failed before it had the whole message): retried next run;
- uncertain (the connection broke after the whole message went out but before the server
  confirmed it, or a batch has no outcome in the log because the run died): held back and
  reported, since the server may have delivered it; `--retry-uncertain` sends them anyway.

^C during a batch lets the batch finish and be logged, then stops; a second ^C stops at once.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import signal
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from ..content.errors import LogWriteError, SendError
from ..content.paths import project_root
from ..content.settings import Settings, load_settings
from ..pipeline.record import sha256_file
from .draft import Draft, compose, megabytes, message_bytes
from .recipients import Recipients, key, read_recipients
from .sendlog import History, SendLog, log_path
from .smtp import Outcome, close, connect, password_source, transmit

logger = logging.getLogger("issuepdf")


# --- the plan ---------------------------------------------------------------------------------


@dataclass
class Plan:
    """Who gets the issue in which message, decided before anything is sent."""

    draft: Draft
    settings: Settings
    recipients: Recipients
    log: Path
    history: History
    batches: list[list[str]]
    held: list[str]
    """Uncertain addresses not sent again (without --retry-uncertain)."""
    refused_before: list[str]
    already: int
    pdf_sha256: str
    """The edition this run sends: the sha256 of the email PDF."""
    new_edition: bool = False
    """Whether to send the rest this PDF though the log shows others got a different one."""

    @property
    def sender(self) -> str:
        return parseaddr(self.settings.email.sender or "")[1]

    @property
    def missing(self) -> list[str]:
        """Settings that sending needs and the project does not give."""
        needed = (("email.sender", self.settings.email.sender), ("smtp.host", self.settings.smtp.host))
        return [name for name, value in needed if not value]

    def describe(self, dry_run: bool) -> list[str]:
        """The plan as the editor reads it; a dry run lists every address of every message."""
        smtp, draft = self.settings.smtp, self.draft
        size = draft.pdf.stat().st_size
        count = sum(map(len, self.batches))
        lines = [f"message: {draft.subject}"]
        lines.append(f"attachment: {draft.attachment_name} ({draft.pages} pages, {megabytes(size)})")
        login = f", login {smtp.user} (password {password_source(smtp)[1]})" if smtp.user else ""
        sender = self.settings.email.sender or "(email.sender not set)"
        server = f"{smtp.host}:{smtp.resolved_port}" if smtp.host else "(smtp.host not set)"
        lines.append(f"from {sender} via {server} ({smtp.security}){login}")
        found = len(self.recipients.addresses) + len(self.recipients.invalid) + self.recipients.duplicates
        lines.append(
            f"{self.recipients.path}: {found} address(es), {len(self.recipients.invalid)} invalid, "
            f"{self.recipients.duplicates} duplicate(s)"
        )
        lines += [
            f"{self.recipients.path}:{bad.line}: invalid: {bad.text!r}: {bad.reason}" for bad in self.recipients.invalid
        ]
        if self.already:
            lines.append(f"already sent: {self.already} (send log {self.log})")
        lines += [f"refused earlier, not retried: {a}: {self.history.refused[key(a)][0]}" for a in self.refused_before]
        lines += [f"uncertain, not sent again (--retry-uncertain sends it): {a}" for a in self.held]
        lines += self.edition_lines(dry_run)
        if not count:
            lines.append("nothing to send: every address on the list has been sent this issue (or was refused)")
            return lines
        minutes = max(0, count - len(self.batches[-1])) / smtp.recipients_per_minute
        lines.append(
            f"{'would send' if dry_run else 'sending'} to {count} recipient(s) in {len(self.batches)} message(s) "
            f"of up to {smtp.batch_size} in Bcc, over at least {minutes:.1f} min at {smtp.recipients_per_minute:g}/min"
        )
        if dry_run:
            for number, batch in enumerate(self.batches, start=1):
                lines.append(f"message {number} ({len(batch)}):")
                lines += [f"  {address}" for address in batch]
            if self.missing:
                lines.append(f"cannot send yet: set {' and '.join(self.missing)} in issuepdf.yaml (see docs/email.md)")
            if self.history.other_editions(self.pdf_sha256) and not self.new_edition:
                lines.append(f"cannot send: {changed_edition(self.history, self.pdf_sha256)}")
            lines.append("dry run: nothing was sent; add --send to send")
        return lines

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

    def batch_event(self, number: int, message_id: str, batch: list[str]) -> dict[str, Any]:
        """The log record written before a batch goes out, with the edition(s) this issue went out in."""
        event = {
            "event": "batch",
            "batch": number,
            "issue": self.draft.issue.number,
            "message_id": message_id,
            "pdf_sha256": self.pdf_sha256,
            "recipients": batch,
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


def plan_send(issue_dir: Path, subscribers: Path, retry_uncertain: bool = False, new_edition: bool = False) -> Plan:
    """Compose the issue's email edition and plan its sending to the subscriber list."""
    issue_dir = issue_dir.resolve()
    settings = load_settings(issue_dir)
    draft = compose(issue_dir)
    settings = settings.model_copy(update={"email": draft.settings})
    if settings.smtp.ca_file:
        ca_file = project_root(issue_dir) / settings.smtp.ca_file
        settings = settings.model_copy(update={"smtp": settings.smtp.model_copy(update={"ca_file": str(ca_file)})})
    log = log_path(issue_dir, draft.issue.number)
    return make_plan(draft, settings, read_recipients(subscribers), log, retry_uncertain, new_edition)


def make_plan(
    draft: Draft,
    settings: Settings,
    recipients: Recipients,
    log: Path,
    retry_uncertain: bool = False,
    new_edition: bool = False,
) -> Plan:
    """Split the addresses not yet sent into Bcc batches, skipping those the send log rules out."""
    history = History.read(log)
    todo, held, refused, already = [], [], [], 0
    for address in recipients.addresses:
        k = key(address)
        if k in history.delivered:
            already += 1
        elif k in history.refused:
            refused.append(address)
        elif k in history.uncertain and not retry_uncertain:
            held.append(address)
        else:
            todo.append(address)
    size = settings.smtp.batch_size
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    pdf_sha256 = sha256_file(draft.pdf)
    return Plan(draft, settings, recipients, log, history, batches, held, refused, already, pdf_sha256, new_edition)


@dataclass
class Report:
    """What a run did, for the editor."""

    log: Path
    messages: int = 0
    delivered: list[str] = field(default_factory=list)
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    unsent: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    remaining: int = 0
    """Addresses of later batches, not tried because the run stopped."""

    def add(self, outcome: Outcome) -> None:
        self.messages += bool(outcome.delivered)
        self.delivered += outcome.delivered
        self.refused.update(outcome.refused)
        self.unsent += outcome.unsent
        self.uncertain += outcome.uncertain

    def lines(self) -> list[str]:
        lines = [f"sent {self.messages} message(s): {len(self.delivered)} delivered, {len(self.refused)} refused"]
        for address, (code, reply) in self.refused.items():
            again = "retried on the next run" if code < 500 else "not retried"
            lines.append(f"refused: {address}: {code} {reply} ({again})")
        lines += [f"uncertain (the server may have it; not sent again): {a}" for a in self.uncertain]
        if self.unsent or self.remaining:
            lines.append(f"not sent yet: {len(self.unsent) + self.remaining}; run the same command again to send them")
        lines.append(f"send log: {self.log}")
        return lines


@dataclass
class _Interrupts:
    """^C while a batch is out: noted, acted on once the batch is logged."""

    in_batch: bool = False
    requested: bool = False


@contextmanager
def _deferred_interrupts() -> Iterator[_Interrupts]:
    state = _Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum: int, frame: Any) -> None:
        if not state.in_batch or state.requested:
            raise KeyboardInterrupt
        state.requested = True
        logger.info("interrupted: stopping once this message is sent and logged (^C again to stop now)")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


def execute(
    plan: Plan, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic
) -> Report:
    """Send the planned batches, logging each; raises SendError when the run stops early."""
    report = Report(plan.log)
    if not plan.batches:
        return report
    if plan.missing:
        raise SendError(f"set {' and '.join(plan.missing)} in issuepdf.yaml to send (see docs/email.md)")
    log = SendLog(plan.log)
    try:
        fresh = History.read(plan.log)  # under the lock: another run may have sent some since the plan
        if fresh.other_editions(plan.pdf_sha256) and not plan.new_edition:
            raise SendError(f"nothing was sent: {changed_edition(fresh, plan.pdf_sha256)}")
        batches = [kept for batch in plan.batches if (kept := [a for a in batch if key(a) not in fresh.delivered])]
        if batches:
            server = connect(plan.settings.smtp)
            try:
                _send_batches(plan, batches, fresh.batches, log, server, report, sleep, clock)
            finally:
                close(server)
    finally:
        log.close()
    return report


def _send_batches(
    plan: Plan,
    batches: list[list[str]],
    numbered_from: int,
    log: SendLog,
    server: smtplib.SMTP,
    report: Report,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> None:
    smtp = plan.settings.smtp
    next_start = clock()
    with _deferred_interrupts() as interrupts:
        for index, batch in enumerate(batches):
            later = sum(map(len, batches[index + 1 :]))
            try:
                sleep(max(0.0, next_start - clock()))
            except KeyboardInterrupt:
                report.remaining = len(batch) + later
                raise SendError("interrupted; run the same command again to send the rest", report.lines()) from None
            next_start = clock() + len(batch) * 60 / smtp.recipients_per_minute
            interrupts.in_batch = True
            try:
                outcome = _send_one(plan, numbered_from + index + 1, batch, later, log, server, report)
            except KeyboardInterrupt:
                report.uncertain += batch
                report.remaining = later
                raise SendError("interrupted while sending; run the same command again", report.lines()) from None
            finally:
                interrupts.in_batch = False
            report.add(outcome)
            logger.info(
                "message %d/%d: %d delivered, %d refused",
                index + 1,
                len(batches),
                len(outcome.delivered),
                len(outcome.refused),
            )
            if outcome.error:
                report.remaining = later
                raise SendError(f"sending stopped: {outcome.error}", report.lines())
            if interrupts.requested:
                report.remaining = later
                raise SendError("interrupted; run the same command again to send the rest", report.lines())


def _send_one(
    plan: Plan, number: int, batch: list[str], later: int, log: SendLog, server: smtplib.SMTP, report: Report
) -> Outcome:
    """Log a batch, send it, log its outcome; a log that cannot be written stops the run, saying what went out."""
    message = copy.deepcopy(plan.draft.message)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC).astimezone())
    message["Message-ID"] = make_msgid("issue", domain=plan.sender.rpartition("@")[2])
    try:
        log.record(plan.batch_event(number, message["Message-ID"], batch))
    except LogWriteError as err:
        report.remaining = len(batch) + later
        raise SendError(f"{err}; stopped before message {number}, which was not sent", report.lines()) from err
    outcome = transmit(server, plan.sender, batch, message_bytes(message))
    try:
        log.record({"event": "result", "batch": number, **asdict(outcome)})
    except LogWriteError as err:
        report.add(outcome)
        report.remaining = later
        raise SendError(
            f"{err}; stopped after message {number} went out: the log lacks its outcome, so the next run "
            f"holds its {len(batch)} address(es) back as uncertain (--retry-uncertain sends them)",
            report.lines(),
        ) from err
    return outcome
