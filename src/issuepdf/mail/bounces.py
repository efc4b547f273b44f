"""What a mail in the bounce and reply mailbox is, and about which subscriber.

- a delivery status notification (RFC 3464, `multipart/report; report-type=delivery-status`: what Gmail,
  Naver, Daum/Kakao, Outlook and Postfix send): each recipient whose `Action` is `failed` with a permanent
  `Status` (5.x.x) is a hard bounce; `delayed`, 4.x.x, and 5.2.2 (mailbox full, which RFC 3463 calls
  persistent but transient) are soft bounces. Older, non-standard bounces are read by flufl.bounce's detectors.
- a complaint (ARF, RFC 5965, `report-type=feedback-report`): the reader marked the issue as spam.
- an unsubscribe mail, to the List-Unsubscribe `mailto:` (subject `unsubscribe TICKET`): the ticket names the
  address; without a valid ticket, a mail whose subject asks to unsubscribe (`unsubscribe`, `수신거부`,
  `구독 취소`) unsubscribes its From address.
- an auto-reply (RFC 3834 `Auto-Submitted`, or the usual vacation headers and subjects): noted, nothing changes.
- anything else is a person's reply: left unread for the editor.

A bounce or complaint counts only for an address whose message it quotes: issuepdf's Message-IDs are signed for
their recipient (unsubscribe.make_message_id), and every report form above returns the original headers. A
forged bounce, meant to cut a reader off the list, names an address without such a Message-ID: it is reported
as unverified and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import parseaddr
from typing import Literal

from flufl.bounce import all_failures

from .unsubscribe import SUBJECT_WORD, quoted_message, read_ticket

Kind = Literal["hard", "soft", "complaint", "unsubscribe", "auto-reply", "other"]
UNSUBSCRIBE_WORDS = re.compile(r"^\s*(?:re:\s*)?(?:unsubscribe|수신\s*거부|구독\s*(?:취소|해지))\b", re.I)
AUTO_SUBJECT = re.compile(r"^\s*(?:자동\s*회신|부재\s*중|automatic reply|auto(?:matic)?[- ]?reply|out of office)", re.I)
SOFT_STATUSES = ("5.2.2",)
"""Permanent codes that mean a temporary state of the mailbox (full)."""


@dataclass
class Finding:
    """What one mail says."""

    kind: Kind
    addresses: list[str] = field(default_factory=list)
    reason: str = ""
    unverified: list[str] = field(default_factory=list)
    """Addresses a bounce or complaint names without quoting a message issuepdf sent them: not acted on."""
    messages: dict[str, str] = field(default_factory=dict)
    """Address → the message of ours the mail is about (its Message-ID's nonce): a soft bounce counts once
    per message, however many notices its retries bring."""


def classify(message: EmailMessage, raw: bytes, secret_key: bytes, list_id: str) -> list[Finding]:
    """Every finding of one mail (a DSN may report several recipients, hard and soft); bounces and complaints
    keep only the addresses whose message `raw` quotes."""
    findings = _findings(message, secret_key, list_id)
    for finding in findings:
        if finding.kind in ("hard", "soft", "complaint"):
            named = finding.addresses
            quoted = {a: quoted_message(secret_key, list_id, raw, a) for a in named}
            finding.messages = {a: nonce for a, nonce in quoted.items() if nonce is not None}
            finding.addresses = [a for a in named if a in finding.messages]
            finding.unverified = [a for a in named if a not in finding.messages]
    return findings


def _findings(message: EmailMessage, secret_key: bytes, list_id: str) -> list[Finding]:
    report = message.get_param("report-type", header="content-type") if message.is_multipart() else None
    if message.get_content_type() == "multipart/report" and str(report).lower() == "feedback-report":
        return [complaint(message)]
    if message.get_content_type() == "multipart/report" and str(report).lower() == "delivery-status":
        found = delivery_status(message)
        if found:
            return found
    subject = str(message.get("Subject", ""))
    if auto_reply(message, subject):
        return [Finding("auto-reply", [parseaddr(str(message.get("From", "")))[1]], subject)]
    if UNSUBSCRIBE_WORDS.match(subject):
        return [unsubscribe_request(message, subject, secret_key, list_id)]
    temporary, permanent = all_failures(message)
    if permanent or temporary:  # a bounce in an older, non-standard form
        findings = [Finding("hard", sorted(a.decode("ascii", "replace") for a in permanent), "bounce (not RFC 3464)")]
        findings.append(
            Finding("soft", sorted(a.decode("ascii", "replace") for a in temporary), "bounce (not RFC 3464)")
        )
        return [finding for finding in findings if finding.addresses]
    return [Finding("other", [parseaddr(str(message.get("From", "")))[1]], subject)]


def delivery_status(message: Message) -> list[Finding]:
    """The recipients of an RFC 3464 report, as hard and soft bounces with their status and diagnostic."""
    findings = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _blocks(part)[1:]:
            recipient = _address(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip().split(" ")[0]
            if not recipient or action not in ("failed", "delayed"):
                continue
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
            reason = f"{status} {diagnostic}".strip()
            hard = action == "failed" and status.startswith("5") and status not in SOFT_STATUSES
            findings.append(Finding("hard" if hard else "soft", [recipient], reason))
    return findings


def _blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or feedback-report part, or the message of a message/rfc822."""
    payload = part.get_payload()
    return [block for block in payload if isinstance(block, Message)] if isinstance(payload, list) else []


def _address(field_value: str) -> str:
    """The address of `rfc822; kim@example.org` (the type may be missing)."""
    value = str(field_value).split(";", 1)[-1].strip()
    return parseaddr(value)[1] or value


def complaint(message: Message) -> Finding:
    """An ARF report: the recipient from `Original-Rcpt-To`, else the To of the returned message."""
    addresses = []
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            for block in _blocks(part):
                addresses += [_address(value) for value in block.get_all("Original-Rcpt-To", [])]
        elif part.get_content_type() in ("message/rfc822", "text/rfc822-headers") and not addresses:
            original = next(iter(_blocks(part)), None)
            if original is not None and original.get("To"):
                addresses.append(parseaddr(str(original["To"]))[1])
    return Finding("complaint", [a for a in addresses if a], "marked as spam (feedback report)")


def auto_reply(message: Message, subject: str) -> bool:
    """RFC 3834's header, the vacation headers mail programs add, or their usual subjects."""
    submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    if submitted not in ("", "no"):
        return True
    if any(message.get(name) for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Reply")):
        return True
    return str(message.get("Precedence", "")).lower() == "auto_reply" or bool(AUTO_SUBJECT.match(subject))


def unsubscribe_request(message: Message, subject: str, secret_key: bytes, list_id: str) -> Finding:
    """The address a ticket in the subject names; else the sender of a mail asking to unsubscribe."""
    words = subject.split()
    for index, word in enumerate(words[:-1]):
        if word.lower() == SUBJECT_WORD and (address := read_ticket(secret_key, list_id, words[index + 1])):
            return Finding("unsubscribe", [address], "unsubscribe mail (List-Unsubscribe)")
    sender = parseaddr(str(message.get("From", "")))[1]
    return Finding("unsubscribe", [sender] if "@" in sender else [], f"unsubscribe mail from the address: {subject}")
