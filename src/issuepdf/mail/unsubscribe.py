"""Unsubscribe links that work: a per-subscriber ticket, signed with a secret that is never in a file.

A ticket is the subscriber's address (base64url) and an HMAC-SHA256 of the list id and the address,
keyed by the secret in ISSUEPDF_UNSUBSCRIBE_SECRET (or the system keyring). Whoever holds a message holds
its ticket and can unsubscribe that address; nobody can make a ticket for another address, or alter one,
without the secret. Every message carries (RFC 2369, RFC 8058):

    List-Unsubscribe: <https://news.example.org/unsubscribe?u=TICKET>,
      <mailto:news@example.org?subject=unsubscribe%20TICKET>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

The https form and the Post header only when `email.unsubscribe_url` is set (one-click needs https);
the mailto form always, read back by `issuepdf mailbox sync`. The bodies' 수신거부 link is the https form,
else the mailto form.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from ..content.errors import SendError
from ..content.settings import UNSUBSCRIBE_SECRET_ENV, EmailSettings
from .credentials import secret
from .recipients import key

KEYRING_SERVICE = "issuepdf:unsubscribe"
"""The keyring's service for the secret; the user is the list id."""
MIN_SECRET = 16
"""Characters the secret needs at least (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)."""
ONE_CLICK = "List-Unsubscribe=One-Click"
SUBJECT_WORD = "unsubscribe"


def load_secret(list_id: str) -> bytes:
    """The unsubscribe secret of the list; SendError says how to set it."""
    value, where = secret(UNSUBSCRIBE_SECRET_ENV, KEYRING_SERVICE, list_id)
    if value is None:
        raise SendError(f"set {UNSUBSCRIBE_SECRET_ENV} to a random text of {MIN_SECRET}+ characters ({where})")
    if len(value) < MIN_SECRET:
        raise SendError(f"the unsubscribe secret ({where}) is too short: use {MIN_SECRET} characters or more")
    return value.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret_key: bytes, list_id: str, address: str) -> bytes:
    return hmac.new(secret_key, f"{list_id}\n{key(address)}".encode(), hashlib.sha256).digest()[:16]


def make_ticket(secret_key: bytes, list_id: str, address: str) -> str:
    """`<address>.<mac>`, both base64url: URL-safe, and a word of its own in a mail subject."""
    return f"{_b64(key(address).encode())}.{_b64(_mac(secret_key, list_id, address))}"


def read_ticket(secret_key: bytes, list_id: str, ticket: str) -> str | None:
    """The address a ticket was made for, or None for a forged, altered or damaged one."""
    encoded, dot, mac = ticket.strip().partition(".")
    if not dot or len(ticket) > 600:
        return None
    try:
        address = _unb64(encoded).decode("ascii")
        given = _unb64(mac)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return address if hmac.compare_digest(given, _mac(secret_key, list_id, address)) else None


MESSAGE_ID = re.compile(rb"<i\.([0-9a-f]{16})\.([A-Za-z0-9_-]{22})@")
"""An issuepdf Message-ID as it appears in a returned message: a nonce and its MAC."""


def _id_mac(secret_key: bytes, list_id: str, address: str, nonce: str) -> str:
    message = f"message-id\n{list_id}\n{key(address)}\n{nonce}".encode()
    return _b64(hmac.new(secret_key, message, hashlib.sha256).digest()[:16])


def make_message_id(secret_key: bytes, list_id: str, address: str, domain: str) -> str:
    """`<i.NONCE.MAC@domain>`: unique, and signed for its recipient, so that a bounce quoting it proves that
    issuepdf sent that message to that address (a forged bounce cannot)."""
    nonce = secrets.token_hex(8)
    return f"<i.{nonce}.{_id_mac(secret_key, list_id, address, nonce)}@{domain}>"


def quotes_message_to(secret_key: bytes, list_id: str, raw: bytes, address: str) -> bool:
    """Whether a mail (a bounce, a complaint) quotes a Message-ID issuepdf made for `address`."""
    return quoted_message(secret_key, list_id, raw, address) is not None


def quoted_message(secret_key: bytes, list_id: str, raw: bytes, address: str) -> str | None:
    """The nonce of the first Message-ID made for `address` that a mail quotes: which message it is about."""
    return next(
        (
            nonce.decode()
            for nonce, mac in MESSAGE_ID.findall(raw)
            if hmac.compare_digest(mac.decode(), _id_mac(secret_key, list_id, address, nonce.decode()))
        ),
        None,
    )


@dataclass(frozen=True)
class Unsubscribe:
    """How one list's subscribers unsubscribe: where, and with which secret."""

    list_id: str
    secret_key: bytes
    url: str | None
    """The endpoint's public address (`email.unsubscribe_url`), or None: by mail only."""
    mailbox: str
    """The address unsubscribe mails go to."""

    @classmethod
    def of(cls, settings: EmailSettings) -> Unsubscribe:
        list_id = settings.resolved_list_id
        return cls(list_id, load_secret(list_id), settings.unsubscribe_url, settings.resolved_unsubscribe_address)

    def ticket(self, address: str) -> str:
        return make_ticket(self.secret_key, self.list_id, address)

    def message_id(self, address: str, domain: str) -> str:
        return make_message_id(self.secret_key, self.list_id, address, domain)

    def web_link(self, address: str) -> str | None:
        if self.url is None:
            return None
        return f"{self.url}{'&' if '?' in self.url else '?'}u={self.ticket(address)}"

    def mail_link(self, address: str) -> str:
        return mail_link(self.mailbox, self.ticket(address))

    def link(self, address: str) -> str:
        """The body's 수신거부 link: the web page, else a prepared mail."""
        return self.web_link(address) or self.mail_link(address)

    def headers(self, address: str) -> dict[str, str]:
        """List-Unsubscribe (https first, then mailto) and, with https, List-Unsubscribe-Post (RFC 8058)."""
        web = self.web_link(address)
        forms = [f"<{web}>"] if web else []
        forms.append(f"<{self.mail_link(address)}>")
        headers = {"List-Unsubscribe": ", ".join(forms)}
        if web:
            headers["List-Unsubscribe-Post"] = ONE_CLICK
        return headers


def mail_link(mailbox: str, ticket: str | None = None) -> str:
    """`mailto:` the unsubscribe mailbox, its subject `unsubscribe TICKET` (or plain `unsubscribe` in a draft)."""
    subject = f"{SUBJECT_WORD} {ticket}" if ticket else SUBJECT_WORD
    return f"mailto:{mailbox}?subject={quote(subject)}"
