"""`issuepdf mailbox sync`: read the bounce and reply mailbox over IMAP and bring the subscriber list up to date.

Every mail not read before (by UID, per folder and UIDVALIDITY, remembered in the list's SQLite file) is
fetched without marking it read (BODY.PEEK), classified (bounces.py), and acted on: hard bounces mark the
address `bounced`, soft bounces count toward `subscribers.soft_bounce_limit`, complaints mark it `complained`,
unsubscribe mails `unsubscribed`. Those mails, and auto-replies, are then flagged \\Seen; a person's reply is
left unread for the editor. The password comes from ISSUEPDF_IMAP_PASSWORD or the keyring, never a file.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

from ..content.errors import MailboxError
from ..content.paths import project_root
from ..content.settings import IMAP_PASSWORD_ENV, ImapSettings, Settings, SubscriberSettings, load_settings
from .bounces import Finding, classify
from .credentials import secret
from .subscribers import SubscriberList, clean, list_path, open_list
from .unsubscribe import load_secret

logger = logging.getLogger("issuepdf")
KEYRING_SERVICE = "issuepdf-imap:{host}"
MAX_SIZE = 10_000_000
"""Bytes above which a mail is not fetched (no bounce is that large; it is left for the editor)."""
HANDLED = ("hard", "soft", "complaint", "unsubscribe", "auto-reply")


@dataclass
class Synced:
    """What a sync read and changed."""

    read: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    changes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(self.kinds.items())) or "nothing new"
        return [*self.changes, f"read {self.read} mail(s): {summary}"]


def connect(imap: ImapSettings, root: Path) -> imaplib.IMAP4:
    """A logged-in connection; MailboxError says why not."""
    if not imap.host or not imap.user:
        raise MailboxError("set imap.host and imap.user in issuepdf.yaml (see docs/email.md)")
    password, where = secret(IMAP_PASSWORD_ENV, KEYRING_SERVICE.format(host=imap.host), imap.user)
    if password is None:
        raise MailboxError(f"no IMAP password for {imap.user}: {where}")
    loopback = imap.host in ("localhost", "127.0.0.1", "::1")
    if imap.security == "none" and not loopback:
        raise MailboxError("refusing to send the IMAP password unencrypted: set imap.security to tls or starttls")
    try:
        context = ssl.create_default_context(cafile=str(root / imap.ca_file) if imap.ca_file else None)
        if imap.security == "tls":
            server: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                imap.host, imap.resolved_port, ssl_context=context, timeout=imap.timeout
            )
        else:
            server = imaplib.IMAP4(imap.host, imap.resolved_port, timeout=imap.timeout)
            if imap.security == "starttls":
                server.starttls(context)
        server.login(imap.user, password)
    except (imaplib.IMAP4.error, OSError) as err:
        raise MailboxError(f"cannot read the mailbox {imap.user} at {imap.host}:{imap.resolved_port}: {err}") from err
    return server


def sync(folder: Path) -> Synced:
    """Read the project's mailbox and update its subscriber list."""
    settings = load_settings(folder)
    root = project_root(folder)
    server = connect(settings.imap, root)
    try:
        with open_list(list_path(root, settings.subscribers)) as subscribers:
            return _sync(server, settings, subscribers)
    except (imaplib.IMAP4.error, OSError) as err:
        raise MailboxError(f"reading {settings.imap.folder} failed: {err}") from err
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            server.logout()


def _sync(server: imaplib.IMAP4, settings: Settings, subscribers: SubscriberList) -> Synced:
    name = settings.imap.folder
    status, data = server.select(_quoted(name))
    if status != "OK":
        raise MailboxError(f"no folder {name!r} in the mailbox: {data[0]!r}")
    validity = int(re.findall(rb"\d+", server.response("UIDVALIDITY")[1][0] or b"0")[0])
    key_secret = load_secret(settings.email.resolved_list_id)
    done = subscribers.seen(name, validity)
    status, data = server.uid("SEARCH", "ALL")
    uids = [int(uid) for uid in (data[0] or b"").split() if int(uid) not in done]
    synced = Synced()
    list_id = settings.email.resolved_list_id
    for uid in uids:
        raw = _fetch(server, uid)
        findings = [Finding("other")]
        if raw is not None:
            findings = classify(BytesParser(policy=policy.default).parsebytes(raw), raw, key_secret, list_id)
        for finding in findings:
            synced.kinds[finding.kind] += 1
            synced.changes += apply(finding, subscribers, settings.subscribers)
        if all(finding.kind in HANDLED and not finding.unverified for finding in findings):
            server.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
        subscribers.mark_seen(name, validity, uid)
        synced.read += 1
    return synced


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch(server: imaplib.IMAP4, uid: int) -> bytes | None:
    """The mail, unread-flag untouched; None when it is too large to be a bounce."""
    status, data = server.uid("FETCH", str(uid), "(RFC822.SIZE)")
    size = re.search(rb"RFC822\.SIZE (\d+)", data[0] if data and isinstance(data[0], bytes) else b"")
    if size is None or int(size[1]) > MAX_SIZE:
        return None
    status, data = server.uid("FETCH", str(uid), "(BODY.PEEK[])")
    raw = next((item[1] for item in data if isinstance(item, tuple)), None)
    return raw if status == "OK" and isinstance(raw, bytes) else None


def apply(finding: Finding, subscribers: SubscriberList, rules: SubscriberSettings) -> list[str]:
    """Change the list as the finding says; a line for each change."""
    lines = [
        f"unverified {finding.kind}: {address}: the mail quotes no message issuepdf sent to it; "
        "nothing changed, the mail stays unread"
        for address in finding.unverified
    ]
    for address in finding.addresses:
        if finding.kind == "hard":
            row = subscribers.set_status(address, "bounced", finding.reason or "hard bounce")
        elif finding.kind == "complaint":
            row = subscribers.set_status(address, "complained", finding.reason)
        elif finding.kind == "unsubscribe":
            row = subscribers.set_status(address, "unsubscribed", finding.reason)
        elif finding.kind == "soft":
            found = subscribers.soft_bounce(address, finding.reason, rules, finding.messages.get(address, ""))
            if found is None:
                continue
            row = found
        else:
            continue
        if row.status == "active":  # a soft bounce under the limit
            lines.append(f"soft: {row.address}: {row.soft_bounces} temporary failure(s) ({clean(finding.reason)})")
        else:
            lines.append(f"{finding.kind}: {row.address}: now {row.status} ({row.reason})")
    return lines
