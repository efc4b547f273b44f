"""DKIM signing (RFC 6376, with dkimpy) when `dkim.selector` is set, for mail servers that do not sign.

Gmail and Yahoo require bulk mail to pass DKIM aligned with the From domain, and RFC 8058 requires the
List-Unsubscribe and List-Unsubscribe-Post headers to be covered by the signature: both are signed here.
The private key comes from ISSUEPDF_DKIM_KEY (the PEM text) or `dkim.key_file`, never from the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dkim

from ..content.errors import SendError
from ..content.settings import DKIM_KEY_ENV, DkimSettings

SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
)
"""The headers the signature covers (those a message lacks are signed as absent, so none can be added)."""


@dataclass(frozen=True)
class Signer:
    """Signs messages for one domain and selector."""

    selector: str
    domain: str
    key: bytes
    """The private key, PEM."""

    def sign(self, data: bytes) -> bytes:
        """The message with its DKIM-Signature header first (relaxed/relaxed canonicalization)."""
        try:
            header = dkim.sign(
                data,
                self.selector.encode(),
                self.domain.encode(),
                self.key,
                canonicalize=(b"relaxed", b"relaxed"),
                include_headers=list(SIGNED_HEADERS),
            )
        except (dkim.DKIMException, ValueError) as err:  # a damaged PEM raises binascii.Error
            raise SendError(
                f"cannot DKIM-sign with the key of {self.selector}._domainkey.{self.domain}: {err}"
            ) from err
        return bytes(header) + data


def make_signer(settings: DkimSettings, root: Path, sender_domain: str) -> Signer | None:
    """The signer the settings ask for (None without a selector); SendError when the key cannot be had."""
    if not settings.selector:
        return None
    if os.environ.get(DKIM_KEY_ENV):
        key = os.environ[DKIM_KEY_ENV].encode()
    elif settings.key_file:
        path = root / settings.key_file
        try:
            key = path.read_bytes()
        except OSError as err:
            raise SendError(f"cannot read dkim.key_file {path}: {err.strerror}") from err
    else:
        raise SendError(f"dkim.selector is set but there is no key: set {DKIM_KEY_ENV} or dkim.key_file")
    signer = Signer(settings.selector, settings.domain or sender_domain, key)
    signer.sign(b"From: check@example.org\r\nSubject: key check\r\n\r\nkey check\r\n")  # a bad key fails before sending
    return signer
