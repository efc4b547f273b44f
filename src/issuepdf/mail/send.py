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
import csv
import datetime as dt
import io
import json
import logging
import os
import re
import signal
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from ..content.errors import IssuepdfError, LogWriteError, SendError
from ..content.paths import project_root
from ..content.settings import PASSWORD_ENV, Settings, SmtpSettings, load_settings
from ..pipeline.record import sha256_file
from .draft import Draft, compose, megabytes, message_bytes

logger = logging.getLogger("issuepdf")

KEYRING_SERVICE = "issuepdf:{host}"
"""The keyring entry of the SMTP password: service `issuepdf:HOST`, user name `smtp.user`."""
HEADER_NAMES = {"email", "e-mail", "mail", "address", "email address", "이메일", "메일", "이메일 주소", "주소"}
"""Column titles that name the address column of a subscriber CSV."""
CELL_ADDRESS = re.compile(r'(?:"[^"]*"|<[^>]*>|[^,;])+')
"""One address of a cell: text up to a `,` or `;` that is not inside quotes or `<…>`."""


# --- subscribers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invalid:
    """A line of the subscriber list that holds no usable address."""

    line: int
    text: str
    reason: str


@dataclass
class Recipients:
    """The subscriber list, read and checked before anything is sent."""

    path: Path
    addresses: list[str] = field(default_factory=list)
    """Valid addresses in file order, each once (compared without case)."""
    invalid: list[Invalid] = field(default_factory=list)
    duplicates: int = 0
    seen: set[str] = field(default_factory=set, init=False, repr=False)
    """Keys of the addresses taken so far."""

    def add(self, text: str, line: int) -> None:
        """Take one address of line `line`: valid and new, a duplicate, or invalid with the reason."""
        try:
            address = normal_address(text)
        except ValueError as err:
            self.invalid.append(Invalid(line, text, str(err)))
            return
        if key(address) in self.seen:
            self.duplicates += 1
            return
        self.seen.add(key(address))
        self.addresses.append(address)


def key(address: str) -> str:
    """Addresses compare without case, so `Kim@x.org` and `kim@x.org` never both get the issue."""
    return address.casefold()


def cell_addresses(cell: str) -> list[str]:
    """The addresses in one cell: `a@x.org, b@x.org` or `a@x.org; b@x.org` (as Outlook writes them) are two.

    Commas and semicolons inside quotes or `<…>` do not split: `"Kim, Minsu" <kim@x.org>` is one.
    """
    return [piece.strip() for piece in CELL_ADDRESS.findall(cell) if piece.strip()]


def normal_address(text: str) -> str:
    """The plain address in `text` (`name <a@b>` or `a@b`) as SMTP takes it; raises ValueError.

    The domain is checked and made ASCII per IDNA 2008 / UTS 46 (email-validator), as mail
    servers resolve it: IDNA 2003 would send `straße.de` to `strasse.de` and `ς` as `σ`.
    """
    _, address = parseaddr(text.strip())
    if not address:
        raise ValueError("not an email address")
    try:
        return validate_email(address, check_deliverability=False, allow_smtputf8=False).ascii_email
    except EmailNotValidError as err:
        raise ValueError(str(err)) from None


def read_recipients(path: Path) -> Recipients:
    """Read a subscriber CSV: the column titled `email` (or `이메일`, …), else the first column.

    Blank lines and lines starting with `#` are skipped; a line may hold several addresses
    (`row_addresses`); every bad address is kept with its line number.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise IssuepdfError(f"{path}: not UTF-8 ({err.reason}); save the list as 'CSV UTF-8'") from err
    except OSError as err:
        raise IssuepdfError(f"cannot read {path}: {err.strerror}") from err
    recipients = Recipients(path)
    column: int | None = None
    titled = 1
    reader = csv.reader(io.StringIO(text))
    for row in reader:
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if column is None:
            titles = [cell.casefold() for cell in cells]
            column = next((i for i, title in enumerate(titles) if title in HEADER_NAMES), None)
            if column is not None:
                titled = len(cells)
                continue
            column = 0
        for address in row_addresses(cells, column, titled) or [""]:
            recipients.add(address, reader.line_num)
    return recipients


def row_addresses(cells: list[str], column: int, titled: int) -> list[str]:
    """The addresses of one line: those of its address cell, and of any cell holding `@` past the titled columns.

    Typed without quotes, `kim@x.org, kim.home@x.org` is two CSV cells: the second lands past the
    columns the header names (or past the first, without a header), and the editor meant it too.
    """
    cells = [cells[column] if column < len(cells) else "", *(cell for cell in cells[titled:] if "@" in cell)]
    return [address for cell in cells for address in cell_addresses(cell)]


# --- the send log -----------------------------------------------------------------------------


def log_path(issue_dir: Path, number: int) -> Path:
    """Where the send log of an issue lives: beside its sources, ignored by git (it lists people)."""
    return issue_dir / ".sent" / f"{number}.jsonl"


class BatchEvent(BaseModel):
    """A message about to go out: logged before it is sent."""

    event: Literal["batch"]
    batch: int
    recipients: list[str]
    pdf_sha256: str | None = None
    """The edition it carries; older logs may lack it."""


class ResultEvent(BaseModel):
    """What became of a batch: logged after it was sent."""

    event: Literal["result"]
    batch: int
    delivered: list[str] = Field(default_factory=list)
    refused: dict[str, tuple[int, str]] = Field(default_factory=dict)
    unsent: list[str] = Field(default_factory=list)
    uncertain: list[str] = Field(default_factory=list)


Event = BatchEvent | ResultEvent
EVENT: TypeAdapter[Event] = TypeAdapter(Annotated[Event, Field(discriminator="event")])


def parse_event(line: bytes) -> Event:
    """One line of the send log as an event; ValueError says what is wrong with it."""
    try:
        return EVENT.validate_json(line)
    except ValidationError as err:
        problem = err.errors()[0]
        where = ".".join(map(str, problem["loc"]))
        raise ValueError(f"{where}: {problem['msg']}" if where else problem["msg"]) from None


@dataclass
class History:
    """What the send log says about each address, read in order (a delivery is final)."""

    delivered: set[str] = field(default_factory=set)
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Refused for good (5xx at RCPT), with the server's reply."""
    uncertain: set[str] = field(default_factory=set)
    batches: int = 0
    """The highest batch number used so far; new batches count on from it."""
    editions: dict[str, str] = field(default_factory=dict)
    """The sha256 of the PDF each delivered address got, where the log says."""
    batch_editions: dict[int, str] = field(default_factory=dict)
    """The sha256 of the PDF each batch carried, to know which edition its deliveries got."""

    @classmethod
    def read(cls, path: Path) -> History:
        """The history in a log; raises SendError on a damaged line, except a torn last line (warned, skipped)."""
        history = cls()
        try:
            data = path.read_bytes() if path.is_file() else b""
        except OSError as err:
            raise SendError(f"cannot read the send log {path}: {err.strerror}") from err
        *lines, torn = data.split(b"\n")  # `torn` is empty when the last line is whole
        pending: dict[str, int] = {}
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                history.apply(parse_event(line), pending)
            except ValueError as err:
                raise SendError(f"{path}:{number}: damaged send log ({err}); fix or remove that line") from None
        if torn:
            try:
                history.apply(parse_event(torn), pending)
            except ValueError:
                logger.warning(
                    "%s:%d: the last line was cut off (a run stopped while writing it); ignored", path, len(lines) + 1
                )
        for address in pending:
            if address not in history.delivered:
                history.refused.pop(address, None)
                history.uncertain.add(address)
        return history

    def apply(self, event: Event, pending: dict[str, int]) -> None:
        """Take one event into account; `pending` maps addresses to a batch logged without a result yet."""
        self.batches = max(self.batches, event.batch)
        if isinstance(event, BatchEvent):
            pending.update((key(a), event.batch) for a in event.recipients)
            if event.pdf_sha256:
                self.batch_editions[event.batch] = event.pdf_sha256
            return
        for a in [*event.delivered, *event.refused, *event.unsent]:
            if pending.get(key(a)) == event.batch:
                del pending[key(a)]
        for a in event.uncertain:
            pending.pop(key(a), None)
            if key(a) not in self.delivered:
                self.uncertain.add(key(a))
        for a in event.delivered:
            self.delivered.add(key(a))
            self.uncertain.discard(key(a))
            self.refused.pop(key(a), None)
            if event.batch in self.batch_editions:
                self.editions.setdefault(key(a), self.batch_editions[event.batch])
        for a, (code, reply) in event.refused.items():
            if key(a) not in self.delivered:
                self.uncertain.discard(key(a))
                if code >= 500:
                    self.refused[key(a)] = (code, reply)
        for a in event.unsent:
            self.uncertain.discard(key(a))

    def other_editions(self, pdf_sha256: str) -> dict[str, list[str]]:
        """The addresses delivered a PDF other than `pdf_sha256`, by the sha256 of the one they got."""
        found: dict[str, list[str]] = {}
        for address, sha in self.editions.items():
            if sha != pdf_sha256:
                found.setdefault(sha, []).append(address)
        return found


class SendLog:
    """The open send log of one run: locked against a second run, every record fsynced.

    Written through a plain file descriptor, without a buffer: a record that fails to write is
    cut off again, so the log says exactly what it said before, and nothing is flushed later.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            new_folder = not path.parent.is_dir()
            path.parent.mkdir(parents=True, exist_ok=True)
            if new_folder:
                (path.parent / ".gitignore").write_text("# send logs list subscribers: never commit them\n*\n")
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        except OSError as err:
            raise SendError(f"cannot write the send log {path}: {err.strerror}") from err
        try:
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not POSIX (Windows): no lock
            pass
        except OSError as err:
            os.close(self.fd)
            raise SendError(f"another `issuepdf send` is sending this issue (it holds {path})") from err
        try:
            self._end_last_line()
        except OSError as err:
            os.close(self.fd)
            raise LogWriteError(f"cannot write the send log {path}: {err.strerror}; nothing was sent") from err
        _fsync_folder(path.parent)

    def _end_last_line(self) -> None:
        """Make the log end with a whole line, so the next record starts on a line of its own.

        A last line without its line end is either a whole event (ended now, so it is kept) or
        a line a crash cut off (removed). Removing it is safe: a torn `batch` line means nothing
        was sent yet; a torn `result` line leaves its batch without an outcome, so its addresses
        count as uncertain.
        """
        data = self.path.read_bytes()
        if not data or data.endswith(b"\n"):
            return
        start = data.rfind(b"\n") + 1
        try:
            parse_event(data[start:])
        except ValueError:
            os.ftruncate(self.fd, start)
        else:
            os.write(self.fd, b"\n")
        os.fsync(self.fd)

    def record(self, event: dict[str, Any]) -> None:
        """Append one event and make it durable before anything else happens; LogWriteError if it cannot."""
        event = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **event}
        data = (json.dumps(event, ensure_ascii=False) + "\n").encode()
        end = os.lseek(self.fd, 0, os.SEEK_END)
        try:
            written = 0
            while written < len(data):
                written += os.write(self.fd, data[written:])
            os.fsync(self.fd)
        except OSError as err:
            with suppress(OSError):
                os.ftruncate(self.fd, end)
            raise LogWriteError(f"cannot write the send log {self.path}: {err.strerror}") from err

    def close(self) -> None:
        os.close(self.fd)


def _fsync_folder(folder: Path) -> None:
    """Make a new file's name durable, not only its content."""
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


# --- sending ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What became of one batch."""

    delivered: list[str] = field(default_factory=list)
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    unsent: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    error: str | None = None
    """Why the batch failed as a whole; the run stops after it."""


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


def password_source(smtp: SmtpSettings) -> tuple[str | None, str]:
    """The SMTP password and where it came from: the environment, else the keyring (if installed)."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV], f"from {PASSWORD_ENV}"
    try:
        import keyring
        import keyring.errors
    except ImportError:
        return None, f"missing: set {PASSWORD_ENV} (or install issuepdf[keyring] to use the system keyring)"
    try:
        password = keyring.get_password(KEYRING_SERVICE.format(host=smtp.host), smtp.user or "")
    except (keyring.errors.KeyringError, RuntimeError) as err:
        return None, f"missing: set {PASSWORD_ENV} (the keyring failed: {err})"
    if password:
        return password, "from the system keyring"
    service = KEYRING_SERVICE.format(host=smtp.host)
    return None, f"missing: set {PASSWORD_ENV} or run `keyring set {service} {smtp.user}`"


def connect(smtp: SmtpSettings) -> smtplib.SMTP:
    """An open, encrypted (unless `none`) and logged-in connection; SendError says why not."""
    password = None
    if smtp.user:
        password, where = password_source(smtp)
        if password is None:
            raise SendError(f"no SMTP password for {smtp.user}: {where}")
        if smtp.security == "none" and not smtp.loopback:
            raise SendError("refusing to send the SMTP password unencrypted: set smtp.security to starttls or tls")
    host, port = smtp.host or "", smtp.resolved_port
    try:
        context = ssl.create_default_context(cafile=smtp.ca_file)
    except (OSError, ssl.SSLError) as err:
        raise SendError(f"cannot read smtp.ca_file {smtp.ca_file}: {err}") from err
    server: smtplib.SMTP | None = None
    try:
        if smtp.security == "tls":
            server = smtplib.SMTP_SSL(host, port, timeout=smtp.timeout, context=context)
        else:
            server = smtplib.SMTP(host, port, timeout=smtp.timeout)
        server.ehlo()
        if smtp.security == "starttls":
            if not server.has_extn("starttls"):
                raise SendError(f"{host}:{port} does not offer STARTTLS (for port 465, set smtp.security: tls)")
            server.starttls(context=context)
            server.ehlo()
        if smtp.user:
            server.login(smtp.user, password or "")
    except ssl.SSLCertVerificationError as err:
        _close(server)
        raise SendError(
            f"the certificate of {host} is not trusted ({err.verify_message}); "
            "for a private CA, set smtp.ca_file in issuepdf.yaml"
        ) from err
    except smtplib.SMTPAuthenticationError as err:
        _close(server)
        raise SendError(f"{host} refused the login of {smtp.user}: {err.smtp_code} {_text(err.smtp_error)}") from err
    except (smtplib.SMTPException, OSError) as err:
        _close(server)
        if isinstance(err, SendError):
            raise
        raise SendError(f"cannot connect to {host}:{port} ({smtp.security}): {err}") from err
    return server


def _close(server: smtplib.SMTP | None) -> None:
    if server is not None:
        with suppress(smtplib.SMTPException, OSError):
            server.quit()
        server.close()


def _text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply).replace("\n", " ")


def transmit(server: smtplib.SMTP, sender: str, batch: list[str], data: bytes) -> Outcome:
    """Send one message to a batch, and tell delivered from refused, not sent and uncertain.

    smtplib's sendmail cannot say whether a broken connection lost the message before or after
    the server had all of it; here, the commands are issued one by one to know.
    """
    refused: dict[str, tuple[int, str]] = {}
    try:
        options = [f"SIZE={len(data)}"] if server.has_extn("size") else []
        code, reply = server.mail(sender, options)
        if code != 250:
            return Outcome(unsent=batch, error=f"the server refused the sender {sender}: {code} {_text(reply)}")
        for address in batch:
            code, reply = server.rcpt(address)
            if code == 421:
                return Outcome(unsent=batch, error=f"the server is closing: {code} {_text(reply)}")
            if code not in (250, 251):
                refused[address] = (code, _text(reply))
        accepted = [address for address in batch if address not in refused]
        if not accepted:
            server.rset()
            return Outcome(refused=refused)
        code, reply = server.docmd("DATA")
        if code != 354:
            return Outcome(refused=refused, unsent=accepted, error=f"the server refused DATA: {code} {_text(reply)}")
        server.send(re.sub(rb"(?m)^\.", b"..", data) + b".\r\n")  # data ends with CRLF (policy.SMTP)
    except (smtplib.SMTPException, OSError) as err:
        return Outcome(unsent=batch, error=f"the connection failed: {err or type(err).__name__}")
    try:
        code, reply = server.getreply()
    except (smtplib.SMTPException, OSError) as err:
        error = f"the connection failed before the server confirmed the message: {err or type(err).__name__}"
        return Outcome(refused=refused, uncertain=accepted, error=error)
    if code != 250:
        return Outcome(
            refused=refused, unsent=accepted, error=f"the server rejected the message: {code} {_text(reply)}"
        )
    return Outcome(delivered=accepted, refused=refused)


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
                _close(server)
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
