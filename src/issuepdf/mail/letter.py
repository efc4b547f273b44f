"""A message as issuepdf writes it: headers, the text and HTML bodies, the PDF attached under its Korean name.

`assemble` makes the draft's message and every subscriber's. `Letter` holds what all messages of a run share
(bodies rendered once, the attachment encoded once) and addresses one to each subscriber: `To:` the subscriber,
its own Date and Message-ID, its own unsubscribe headers and link, DKIM-signed when configured.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

from .dkim import Signer
from .newsletter import Bodies
from .unsubscribe import Unsubscribe

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
    """The run's message, addressed to one subscriber at a time."""

    headers: dict[str, str]
    """From, Reply-To, Subject, List-Id: the same in every message."""
    bodies: Bodies
    attachment: Attachment | None
    unsubscribe: Unsubscribe
    signer: Signer | None = None
    seed: bytes = b""

    @property
    def domain(self) -> str:
        return self.headers.get("From", "").rpartition("@")[2].rstrip(">") or "issuepdf.invalid"

    def new_id(self) -> str:
        return make_msgid("issue", domain=self.domain)

    def to(self, address: str, message_id: str, when: dt.datetime | None = None) -> bytes:
        """The message for `address` as SMTP carries it, signed when a signer is set."""
        headers = dict(self.headers)
        headers["To"] = address
        headers["Date"] = format_datetime((when or dt.datetime.now(dt.UTC)).astimezone())
        headers["Message-ID"] = message_id
        headers.update(self.unsubscribe.headers(address))
        text, page = self.bodies.personal(self.unsubscribe.link(address))
        data = message_bytes(assemble(headers, text, page, self.attachment, self.seed))
        return self.signer.sign(data) if self.signer else data
