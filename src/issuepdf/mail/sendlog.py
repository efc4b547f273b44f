"""The send log (ISSUE_DIR/.sent/<number>.jsonl): every batch written before it is sent and again with its
outcome after, each line fsynced; read back, it says who has the issue, who was refused, who is uncertain."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from ..content.errors import LogWriteError, SendError
from ..pipeline.output import lock_exclusively
from .recipients import key

logger = logging.getLogger("issuepdf")


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
            lock_exclusively(self.fd, SendError(f"another `issuepdf send` is sending this issue (it holds {path})"))
        except SendError:
            os.close(self.fd)
            raise
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

    def record(self, *events: dict[str, Any]) -> None:
        """Append events and make them durable (one fsync) before anything else happens; LogWriteError if it
        cannot, and then none of them is in the log."""
        time = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        data = "".join(json.dumps({"time": time, **event}, ensure_ascii=False) + "\n" for event in events).encode()
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
