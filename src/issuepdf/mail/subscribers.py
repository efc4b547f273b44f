"""The subscriber list that remembers: SQLite (`subscribers.path` in issuepdf.yaml, default
`.subscribers/subscribers.sqlite` in the project), one row per address with its status, when it was set and why.

    active         gets the issue
    unsubscribed   asked not to (one-click, the 수신거부 page, a mail, `issuepdf subscribers unsubscribe`)
    bounced        its mailbox does not exist (a hard bounce), or failed `soft_bounce_limit` times
    complained     marked the issue as spam (a feedback report)

Only `active` addresses are sent to. An import never brings an unsubscribed, bounced or complained address
back; only `issuepdf subscribers add ADDRESS --resubscribe` does, the reader having asked again. Addresses
compare without case. The file is opened in WAL mode, so the unsubscribe endpoint and the mailbox sync can
write while `send` reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from ..content.addresses import normal_address
from ..content.errors import SubscriberError
from ..content.paths import project_root
from ..content.settings import SubscriberSettings, load_settings
from .recipients import Invalid, key, read_recipients

Status = Literal["active", "unsubscribed", "bounced", "complained"]
STATUSES: tuple[Status, ...] = ("active", "unsubscribed", "bounced", "complained")
SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (
    key TEXT PRIMARY KEY,              -- the address without case: one row per mailbox
    address TEXT NOT NULL,             -- as it is sent to (IDN domains in ASCII)
    status TEXT NOT NULL CHECK (status IN ('active', 'unsubscribed', 'bounced', 'complained')),
    changed TEXT NOT NULL,             -- when the status was set (UTC, ISO 8601)
    reason TEXT NOT NULL,              -- why: 'import subscribers.csv:12', 'one-click unsubscribe', '550 5.1.1 …'
    added TEXT NOT NULL,
    soft_bounces INTEGER NOT NULL DEFAULT 0,  -- temporary failures in a row
    soft_last TEXT NOT NULL DEFAULT '',       -- when the last one was counted
    soft_message TEXT NOT NULL DEFAULT ''     -- which message it was about (its Message-ID's nonce)
);
CREATE TABLE IF NOT EXISTS mailbox_seen (     -- mails `mailbox sync` has read, never read twice
    mailbox TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
"""
ADDED_COLUMNS = {
    "soft_last": "TEXT NOT NULL DEFAULT ''",
    "soft_message": "TEXT NOT NULL DEFAULT ''",
}
"""Columns a list made by an earlier issuepdf lacks; added when it is opened."""
COLUMNS = "key, address, status, changed, reason, added"
"""The columns a new row names (the others take their defaults)."""


REASON_LIMIT = 300
"""Characters of a reason kept: a bounce's diagnostic comes from a remote server and may be anything."""
FORMULA = ("=", "+", "-", "@", "\t", "\r")
"""Cell starts that Excel reads as a formula (CSV injection)."""


def clean(reason: str) -> str:
    """A reason as one short line of text: no control characters (a hostile bounce could carry terminal escapes)."""
    text = " ".join("".join(c if c.isprintable() else " " for c in reason).split())
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def cell(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula (a reason may come from a bounce;
    addresses are checked, and no valid one reads as a formula)."""
    return "'" + text if text.startswith(FORMULA) else text


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def list_path(issue_or_project: Path, settings: SubscriberSettings) -> Path:
    """Where the list lives: `subscribers.path`, relative to the project."""
    return project_root(issue_or_project) / settings.path


def project_list(folder: Path) -> Path:
    """The list of the project `folder` is in (its settings read from its issuepdf.yaml)."""
    return list_path(folder, load_settings(folder).subscribers)


@dataclass(frozen=True)
class Subscriber:
    """One row of the list."""

    address: str
    status: Status
    changed: str
    reason: str
    added: str
    soft_bounces: int = 0


@dataclass
class Imported:
    """What an import did, line by line where it matters."""

    source: Path
    added: list[str] = field(default_factory=list)
    already: int = 0
    """Already on the list and active."""
    kept_out: list[Subscriber] = field(default_factory=list)
    """On the file but unsubscribed, bounced or complained here: left as they are."""
    invalid: list[Invalid] = field(default_factory=list)
    duplicates: int = 0
    encoding: str = "utf-8"
    addresses: list[str] = field(default_factory=list)
    """Every valid address of the file, in order."""

    def lines(self) -> list[str]:
        read = " (read as CP949, Korean Excel's CSV)" if self.encoding == "cp949" else ""
        lines = [
            f"{self.source}{read}: {len(self.added)} added, {self.already} already subscribed, "
            f"{len(self.kept_out)} not re-subscribed, {len(self.invalid)} invalid, {self.duplicates} duplicate(s)"
        ]
        lines += [f"{self.source}:{bad.line}: invalid: {bad.text!r}: {bad.reason}" for bad in self.invalid]
        lines += [
            f"not re-subscribed: {s.address}: {s.status} since {s.changed} ({s.reason}); "
            "`issuepdf subscribers add ADDRESS --resubscribe` if the reader asked again"
            for s in self.kept_out
        ]
        return lines


class SubscriberList:
    """The open list. Every change is committed at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            if not path.parent.is_dir():
                path.parent.mkdir(parents=True)
                (path.parent / ".gitignore").write_text(
                    "# the subscriber list holds people's addresses: never commit it\n*\n"
                )
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA)
            self._add_missing_columns()
        except sqlite3.Error as err:
            raise SubscriberError(f"cannot open the subscriber list {path}: {err}") from err

    def _add_missing_columns(self) -> None:
        have = {row[1] for row in self.db.execute("PRAGMA table_info(subscribers)")}
        for name, kind in ADDED_COLUMNS.items():
            if name not in have:
                self.db.execute(f"ALTER TABLE subscribers ADD COLUMN {name} {kind}")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as err:
            raise SubscriberError(f"cannot write the subscriber list {self.path}: {err}") from err

    def get(self, address: str) -> Subscriber | None:
        row = self.db.execute(
            "SELECT address, status, changed, reason, added, soft_bounces FROM subscribers WHERE key = ?",
            (key(address),),
        ).fetchone()
        return Subscriber(*row) if row else None

    def rows(self, status: Status | None = None) -> list[Subscriber]:
        query = "SELECT address, status, changed, reason, added, soft_bounces FROM subscribers"
        args: tuple[str, ...] = ()
        if status:
            query, args = query + " WHERE status = ?", (status,)
        return [Subscriber(*row) for row in self.db.execute(query + " ORDER BY rowid", args)]

    def active(self) -> list[str]:
        """The addresses to send to, in the order they were added."""
        return [s.address for s in self.rows("active")]

    def counts(self) -> dict[str, int]:
        found = dict(self.db.execute("SELECT status, count(*) FROM subscribers GROUP BY status").fetchall())
        return {status: found.get(status, 0) for status in STATUSES}

    def add(self, text: str, reason: str, resubscribe: bool = False) -> Subscriber:
        """Subscribe one address; an unsubscribed, bounced or complained one only with `resubscribe`."""
        try:
            address = normal_address(text)
        except ValueError as err:
            raise SubscriberError(f"{text!r}: {err}") from None
        reason = clean(reason)
        with self._writing() as db:
            current = self.get(address)
            if current is not None and current.status != "active" and not resubscribe:
                raise SubscriberError(
                    f"{current.address} is {current.status} since {current.changed} ({current.reason}); "
                    "add --resubscribe if the reader asked to get the bulletin again"
                )
            if current is None:
                db.execute(
                    f"INSERT INTO subscribers ({COLUMNS}) VALUES (?, ?, 'active', ?, ?, ?)",
                    (key(address), address, now(), reason, now()),
                )
            elif current.status != "active":
                db.execute(
                    "UPDATE subscribers SET status = 'active', changed = ?, reason = ?,"
                    " soft_bounces = 0, soft_last = '', soft_message = '' WHERE key = ?",
                    (now(), f"re-subscribed: {reason}", key(address)),
                )
        return cast(Subscriber, self.get(address))

    def import_csv(self, source: Path, write: bool = True) -> Imported:
        """Add every new address of a subscriber CSV; never re-subscribe one that left or bounced.
        With `write` false, only say what an import would do (a dry run)."""
        read = read_recipients(source)
        report = Imported(source, invalid=read.invalid, duplicates=read.duplicates, encoding=read.encoding)
        report.addresses = read.addresses
        with self._writing() as db:
            for address in read.addresses:
                current = self.get(address)
                if current is None:
                    if write:
                        db.execute(
                            f"INSERT INTO subscribers ({COLUMNS}) VALUES (?, ?, 'active', ?, ?, ?)",
                            (key(address), address, now(), clean(f"import {source.name}"), now()),
                        )
                    report.added.append(address)
                elif current.status == "active":
                    report.already += 1
                else:
                    report.kept_out.append(current)
        return report

    def set_status(self, address: str, status: Status, reason: str) -> Subscriber:
        """Record a reader's wish or a mailbox's fate; an address not on the list is added with that status, so
        that no later import can subscribe it. A complaint or bounce is not overwritten by an unsubscribe."""
        k, reason = key(address), clean(reason)
        with self._writing() as db:
            current = self.get(address)
            if current is None:
                row = (k, k, status, now(), reason, now())
                db.execute(f"INSERT INTO subscribers ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", row)
            elif current.status == "active" or (status != "unsubscribed" and current.status != status):
                db.execute(
                    "UPDATE subscribers SET status = ?, changed = ?, reason = ? WHERE key = ?",
                    (status, now(), reason, k),
                )
        return cast(Subscriber, self.get(address))

    def soft_bounce(self, address: str, reason: str, rules: SubscriberSettings, message: str = "") -> Subscriber | None:
        """Count a temporary failure of an active address: once per message (`message`, its Message-ID's nonce),
        starting again after `soft_bounce_days` without one; at `soft_bounce_limit` it counts as bounced."""
        k = key(address)
        with self._writing() as db:
            current = self.get(address)
            if current is None or current.status != "active":
                return current
            last, counted = db.execute("SELECT soft_last, soft_message FROM subscribers WHERE key = ?", (k,)).fetchone()
            if message and message == counted:
                return current  # a retry's notice, or the same bounce read twice
            quiet = dt.timedelta(days=rules.soft_bounce_days)
            fresh = not last or dt.datetime.fromisoformat(now()) - dt.datetime.fromisoformat(last) > quiet
            db.execute(
                "UPDATE subscribers SET soft_bounces = ?, soft_last = ?, soft_message = ? WHERE key = ?",
                (1 if fresh else current.soft_bounces + 1, now(), message, k),
            )
        current = cast(Subscriber, self.get(address))
        if current.soft_bounces >= rules.soft_bounce_limit:
            failures = f"{current.soft_bounces} temporary failures in a row, last: {reason}"
            return self.set_status(address, "bounced", failures)
        return current

    def remove(self, address: str) -> bool:
        """Forget an address entirely (a later import adds it again: to stop mail, unsubscribe it instead)."""
        with self._writing() as db:
            return db.execute("DELETE FROM subscribers WHERE key = ?", (key(address),)).rowcount > 0

    def export(self) -> str:
        """The whole list as CSV (UTF-8 with BOM, which Excel opens as Korean)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["email", "status", "changed", "reason", "added", "soft_bounces"])
        for s in self.rows():
            writer.writerow([s.address, s.status, s.changed, cell(s.reason), s.added, s.soft_bounces])
        return "\ufeff" + out.getvalue()

    def seen(self, mailbox: str, uidvalidity: int) -> set[int]:
        rows = self.db.execute(
            "SELECT uid FROM mailbox_seen WHERE mailbox = ? AND uidvalidity = ?", (mailbox, uidvalidity)
        )
        return {uid for (uid,) in rows}

    def mark_seen(self, mailbox: str, uidvalidity: int, uid: int) -> None:
        with self._writing() as db:
            db.execute("INSERT OR IGNORE INTO mailbox_seen VALUES (?, ?, ?)", (mailbox, uidvalidity, uid))


@contextmanager
def open_list(path: Path) -> Iterator[SubscriberList]:
    subscribers = SubscriberList(path)
    try:
        yield subscribers
    finally:
        subscribers.close()
