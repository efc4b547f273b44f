"""Sending the email edition, one message per subscriber, at most once per address and issue.

Each subscriber gets a message of their own: To: them, with its own Date, Message-ID and unsubscribe
link, over one SMTP connection reused for `smtp.messages_per_connection` messages and paced by the rate
limit. Every message is written to the issue's send log (ISSUE_DIR/.sent/<number>.jsonl) before it is sent,
and its outcome after (with the next message's record, in one fsync), so a run stopped by a crash, ^C or
a failing server resumes with the addresses not yet reached. An address is never sent the issue twice:

- delivered (the server accepted the message for it): never again;
- refused for good (5xx at RCPT): reported, not retried; refused for now (4xx): retried next run;
- not sent (the server failed before it had the whole message): retried next run;
- uncertain (the connection broke after the whole message went out but before the server
  confirmed it, or a message has no outcome in the log because the run died): held back and
  reported, since the server may have delivered it; `--retry-uncertain` sends them anyway.

^C during a message lets it finish and be logged, then stops; a second ^C stops at once.
"""

from __future__ import annotations

import logging
import signal
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..content.errors import LogWriteError, SendError
from .dkim import make_signer
from .draft import common_headers, draft_seed
from .letter import Letter
from .newsletter import Bodies
from .plan import Plan, changed_edition
from .recipients import key
from .sendlog import History, SendLog
from .smtp import Outcome, close, connect, transmit
from .subscribers import list_path, open_list
from .unsubscribe import Unsubscribe

logger = logging.getLogger("issuepdf")
PROGRESS_EVERY = 100
"""Messages between two progress lines."""


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
    """^C while a message is out: noted, acted on once the message is logged."""

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


def make_letter(plan: Plan) -> Letter:
    """The run's message, ready to address: bodies rendered once, unsubscribe secret and DKIM key loaded."""
    draft = plan.draft
    signer = make_signer(plan.settings.dkim, plan.root, plan.domain)
    seed = draft_seed(draft.edition, draft.attachment.data if draft.attachment else b"")
    headers = common_headers(draft.edition)
    unsubscribe = Unsubscribe.of(plan.settings.email)
    return Letter(headers, Bodies.of(draft.edition), draft.attachment, unsubscribe, signer, seed)


def execute(
    plan: Plan, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic
) -> Report:
    """Import the CSV (with --to), then send the planned messages, logging each; SendError when it stops early."""
    report = Report(plan.log)
    if not plan.todo and plan.audience.csv is None:
        return report
    if plan.missing:
        raise SendError(f"{' and '.join(plan.missing)} to send (see docs/email.md)")
    letter = make_letter(plan)
    with open_list(list_path(plan.root, plan.settings.subscribers)) as subscribers:
        if plan.audience.csv is not None:
            subscribers.import_csv(plan.audience.csv)
        left = {key(s.address) for s in subscribers.rows() if s.status != "active"}
    log = SendLog(plan.log)
    try:
        fresh = History.read(plan.log)  # under the lock: another run may have sent some since the plan
        if fresh.other_editions(plan.pdf_sha256) and not plan.new_edition:
            raise SendError(f"nothing was sent: {changed_edition(fresh, plan.pdf_sha256)}")
        todo = [a for a in plan.todo if key(a) not in fresh.delivered and key(a) not in left]
        if todo:
            _Run(plan, letter, log, report, fresh.batches).send_all(todo, sleep, clock)
    finally:
        log.close()
    return report


@dataclass
class _Run:
    """One run's sending: the open connection and the outcome of the last message, not yet logged."""

    plan: Plan
    letter: Letter
    log: SendLog
    report: Report
    number: int
    """The last message number used (the log's, counted on)."""
    server: smtplib.SMTP | None = None
    on_connection: int = 0
    unlogged: dict[str, Any] | None = None
    """The result of the last message: written with the next message's record, or on stopping."""
    unlogged_address: str = ""
    writer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "issuepdf-sendlog"))
    """Writes the send log beside the SMTP conversation."""

    def send_all(self, todo: list[str], sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        smtp = self.plan.settings.smtp
        next_start = clock()
        try:
            with _deferred_interrupts() as interrupts:
                for index, address in enumerate(todo):
                    later = len(todo) - index - 1
                    try:
                        if (wait := next_start - clock()) > 0:
                            sleep(wait)
                    except KeyboardInterrupt:
                        self.stop("interrupted; run the same command again to send the rest", later + 1)
                    next_start = clock() + 60 / smtp.recipients_per_minute
                    self.connected(later + 1)
                    interrupts.in_batch = True
                    try:
                        outcome = self.send(address, later)
                    except KeyboardInterrupt:
                        self.report.uncertain.append(address)
                        self.stop("interrupted while sending; run the same command again", later)
                    finally:
                        interrupts.in_batch = False
                    self.progress(index + 1, len(todo), outcome)
                    if outcome.error:
                        self.stop(f"sending stopped: {outcome.error}", later)
                    if interrupts.requested:
                        self.stop("interrupted; run the same command again to send the rest", later)
            self.flush(0)
        finally:
            self.writer.shutdown()
            close(self.server)

    def connected(self, remaining: int) -> None:
        """A connection with room for one more message: the open one, or a new one."""
        if self.server is not None and self.on_connection < self.plan.settings.smtp.messages_per_connection:
            return
        close(self.server)
        self.server, self.on_connection = None, 0
        try:
            self.server = connect(self.plan.settings.smtp)
        except SendError as err:
            self.stop(str(err), remaining)

    def send(self, address: str, later: int) -> Outcome:
        """Log the message (with the last one's outcome), send it; the outcome waits for the next record."""
        assert self.server is not None
        self.number += 1
        message_id = self.letter.new_id(address)
        data = self.letter.to(address, message_id)
        events = [self.unlogged] if self.unlogged else []
        # The record is written and fsynced while the message goes out; the final `.` waits for it.
        record = self.writer.submit(self.log.record, *events, self.plan.batch_event(self.number, message_id, address))
        try:
            outcome = transmit(self.server, self.plan.sender, [address], data, before_commit=record.result)
            record.result()  # also when the server refused the message before DATA
        except LogWriteError as err:
            close(self.server)
            self.server = None
            self.report.remaining = later + 1
            note = self.unlogged_note(f"before message {self.number}")
            raise SendError(f"{err}; {note}", self.report.lines()) from err
        self.on_connection += 1
        self.unlogged, self.unlogged_address = {"event": "result", "batch": self.number, **asdict(outcome)}, address
        self.report.add(outcome)
        return outcome

    def unlogged_note(self, where: str) -> str:
        """What a log that cannot be written means for the messages around it."""
        if not self.unlogged:
            return f"stopped {where}, which was not sent"
        return (
            f"stopped after message {self.unlogged['batch']} went out: the log lacks its outcome, so the next run "
            f"holds {self.unlogged_address} back as uncertain (--retry-uncertain sends it)"
        )

    def flush(self, remaining: int) -> None:
        """Write the last outcome; a log that cannot take it stops the run, saying so."""
        if not self.unlogged:
            return
        try:
            self.log.record(self.unlogged)
        except LogWriteError as err:
            self.report.remaining = remaining
            raise SendError(f"{err}; {self.unlogged_note('')}", self.report.lines()) from err
        self.unlogged = None

    def stop(self, why: str, remaining: int) -> None:
        """Log what is known, then end the run with what was done."""
        self.flush(remaining)
        self.report.remaining = remaining
        raise SendError(why, self.report.lines())

    def progress(self, done: int, total: int, outcome: Outcome) -> None:
        for address, (code, reply) in outcome.refused.items():
            logger.info("refused: %s: %d %s", address, code, reply)
        if done % PROGRESS_EVERY == 0 or done == total:
            logger.info("sent %d/%d: %d delivered", done, total, len(self.report.delivered))
