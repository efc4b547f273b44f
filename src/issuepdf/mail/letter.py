"""A message as issuepdf writes it: headers, the text and HTML bodies, the PDF attached under its Korean name.

`assemble` makes the draft's message and every subscriber's. `Letter` holds what all messages of a run share
(bodies rendered once, the attachment encoded once) and addresses one to each subscriber: `To:` the subscriber,
its own Date and Message-ID, its own unsubscribe headers and link, DKIM-signed when configured.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

from .dkim import Signer
from .newsletter import Bodies
from .unsubscribe import Unsubscribe

CRLF = "\r\n"
HEADER_WIDTH = 78
"""RFC 5322's recommended line length; the attachment header is folded to stay within it."""


@dataclass(frozen=True)
class Attachment:
    """The PDF and the names it is attached under."""

    data: bytes
    name: str
    """The reader-facing (Korean) name, per RFC 2231."""
    fallback: str
    """The ASCII name for tools without RFC 2231."""


def assemble(headers: dict[str, str], text: str, page: str, attachment: Attachment | None, seed: bytes) -> EmailMessage:
    """One message: `headers` in order, text and HTML alternatives (base64: 7-bit, lines within 78 columns),
    the attachment if any. MIME boundaries derive from `seed`, so the same input gives the same bytes."""
    message = EmailMessage()
    for name, value in headers.items():
        message[name] = value
    message.set_content(text, cte="base64")
    message.add_alternative(page, subtype="html", cte="base64")
    if attachment is not None:
        message.add_attachment(attachment.data, maintype="application", subtype="pdf", filename=attachment.fallback)
        part = next(message.iter_attachments())
        del part["Content-Disposition"]
        # Stored raw: the email package would otherwise merge filename and filename* into one parameter.
        part.set_raw("Content-Disposition", content_disposition(attachment.name, attachment.fallback))
    digest = hashlib.sha256(seed).hexdigest()[:24]
    for i, part in enumerate(part for part in message.walk() if part.is_multipart()):
        part.set_boundary(f"=_issuepdf_{digest}_{i}")  # '=_' is never in base64 text
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it: CRLF line ends, lines within 78 characters, 7-bit only."""
    return message.as_bytes(policy=policy.SMTP)


def content_disposition(name: str, fallback: str) -> str:
    """`attachment` with the name per RFC 2231 (folded into sections) first, then the ASCII fallback.

    Tools that read RFC 2231 (and Python's email package, which takes the first name) show the
    Korean name; older ones ignore `filename*` and use `filename`.
    """
    sections: list[str] = []
    current = "utf-8''"
    for token in (quote(char, safe="") for char in name):  # sections end between characters, never inside one
        if len(f" filename*{len(sections)}*={current}{token};") > HEADER_WIDTH:
            sections.append(current)
            current = ""
        current += token
    sections.append(current)
    if len(sections) == 1:
        lines = ["attachment;", f" filename*={current};"]
    else:
        lines = ["attachment;", *(f" filename*{i}*={text};" for i, text in enumerate(sections))]
    lines.append(f' filename="{fallback}"')
    return "\n".join(lines)


@dataclass
class Letter:
    """The run's message, addressed to one subscriber at a time.

    The message is assembled once by the email package with markers where each subscriber's own headers and
    bodies go, and cut there (`skeleton`); a subscriber's message is the pieces joined with their headers and
    their bodies in base64: 10,000 messages cost one assembly and 10,000 base64 encodings, not 10,000 header
    foldings (a tenth of the time). tests/test_send.py checks it equals `assemble`'s message.
    """

    headers: dict[str, str]
    """From, Reply-To, Subject, List-Id: the same in every message."""
    bodies: Bodies
    attachment: Attachment | None
    unsubscribe: Unsubscribe
    signer: Signer | None = None
    seed: bytes = b""
    _skeleton: tuple[bytes, bytes, bytes, bytes] | None = field(default=None, init=False, repr=False)

    @property
    def domain(self) -> str:
        return self.headers.get("From", "").rpartition("@")[2].rstrip(">") or "issuepdf.invalid"

    def new_id(self, address: str) -> str:
        """A Message-ID signed for `address` (unsubscribe.make_message_id)."""
        return self.unsubscribe.message_id(address, self.domain)

    def personal_headers(self, address: str, message_id: str, when: dt.datetime | None = None) -> dict[str, str]:
        """To, Date, Message-ID and the unsubscribe headers of one subscriber's message."""
        headers = {
            "To": address,
            "Date": format_datetime((when or dt.datetime.now(dt.UTC)).astimezone()),
            "Message-ID": message_id,
        }
        return headers | self.unsubscribe.headers(address)

    def to(self, address: str, message_id: str, when: dt.datetime | None = None) -> bytes:
        """The message for `address` as SMTP carries it, signed when a signer is set."""
        head, between, after, tail = self.skeleton()
        lines = [f"{name}: {value.replace(', <', ',' + CRLF + ' <')}{CRLF}" for name, value in
                 self.personal_headers(address, message_id, when).items()]  # fmt: skip
        text, page = self.bodies.personal(self.unsubscribe.link(address))
        data = b"".join([head, "".join(lines).encode("ascii"), between, _base64(text), after, _base64(page), tail])
        return self.signer.sign(data) if self.signer else data

    def skeleton(self) -> tuple[bytes, bytes, bytes, bytes]:
        """The message cut at the personal headers, the text body and the HTML body (made once)."""
        if self._skeleton is None:
            nonce = secrets.token_hex(9)
            text_mark, html_mark = f"text-{nonce}-", f"html-{nonce}-"
            headers = self.headers | {"X-Issuepdf-Personal": nonce}
            data = message_bytes(assemble(headers, text_mark, html_mark, self.attachment, self.seed))
            head, rest = data.split(f"X-Issuepdf-Personal: {nonce}{CRLF}".encode())
            between, rest = rest.split(_base64(text_mark))
            after, tail = rest.split(_base64(html_mark))
            self._skeleton = (head, between, after, tail)
        return self._skeleton


def _base64(text: str) -> bytes:
    """A text body in base64 exactly as the email package writes it for SMTP: LF line ends inside, 76-column
    lines ending CRLF (the last one without its line end, which the skeleton keeps)."""
    data = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    return base64.encodebytes(data).rstrip(b"\n").replace(b"\n", CRLF.encode())
