"""The SMTP conversation: the password (environment or keyring), the connection (STARTTLS, TLS or none) and
one batch sent, with what became of each address."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

from ..content.errors import SendError
from ..content.settings import PASSWORD_ENV, SmtpSettings
from .credentials import secret

KEYRING_SERVICE = "issuepdf:{host}"


@dataclass
class Outcome:
    """What became of one batch."""

    delivered: list[str] = field(default_factory=list)
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)
    unsent: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    error: str | None = None
    """Why the batch failed as a whole; the run stops after it."""


def password_source(smtp: SmtpSettings) -> tuple[str | None, str]:
    """The SMTP password and where it came from: the environment, else the keyring (if installed)."""
    return secret(PASSWORD_ENV, KEYRING_SERVICE.format(host=smtp.host), smtp.user or "")


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
    try:  # loading the system's certificates takes 50 ms: not for a plain connection
        context = ssl.create_default_context(cafile=smtp.ca_file) if smtp.security != "none" else None
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
        # The final `.` goes out alone, after the send log is on disk: without this, Nagle's algorithm holds it
        # until the server acknowledges the message, which a delayed ACK makes 40 ms a message.
        if server.sock is not None:
            server.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except ssl.SSLCertVerificationError as err:
        close(server)
        raise SendError(
            f"the certificate of {host} is not trusted ({err.verify_message}); "
            "for a private CA, set smtp.ca_file in issuepdf.yaml"
        ) from err
    except smtplib.SMTPAuthenticationError as err:
        close(server)
        raise SendError(f"{host} refused the login of {smtp.user}: {err.smtp_code} {_text(err.smtp_error)}") from err
    except (smtplib.SMTPException, OSError) as err:
        close(server)
        if isinstance(err, SendError):
            raise
        raise SendError(f"cannot connect to {host}:{port} ({smtp.security}): {err}") from err
    return server


def close(server: smtplib.SMTP | None) -> None:
    """End the conversation politely if the server still listens, and free the connection either way."""
    if server is not None:
        with suppress(smtplib.SMTPException, OSError):
            server.quit()
        server.close()


def _text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply).replace("\n", " ")


Reply = tuple[int, bytes]


def _commands(
    server: smtplib.SMTP, sender: str, batch: list[str], options: list[str]
) -> tuple[Reply, list[Reply], Reply | None]:
    """MAIL, RCPT and DATA, with their replies. Pipelined (RFC 2920: one write, then the replies) when the
    server offers it, which saves two round trips a message; else one by one, stopping where it fails."""
    if server.has_extn("pipelining"):
        lines = [f"MAIL FROM:{smtplib.quoteaddr(sender)}{''.join(' ' + o for o in options)}"]
        lines += [f"RCPT TO:{smtplib.quoteaddr(address)}" for address in batch]
        server.send("\r\n".join([*lines, "DATA"]) + "\r\n")
        mail = server.getreply()
        return mail, [server.getreply() for _ in batch], server.getreply()
    mail = server.mail(sender, options)
    if mail[0] != 250:
        return mail, [], None
    replies = []
    for address in batch:
        replies.append(server.rcpt(address))
        if replies[-1][0] == 421:
            return mail, replies, None
    if not any(code in (250, 251) for code, _ in replies):
        return mail, replies, None
    return mail, replies, server.docmd("DATA")


def transmit(
    server: smtplib.SMTP, sender: str, batch: list[str], data: bytes, before_commit: Callable[[], None] | None = None
) -> Outcome:
    """Send one message to its recipients, and tell delivered from refused, not sent and uncertain.

    smtplib's sendmail cannot say whether a broken connection lost the message before or after
    the server had all of it; here, the commands are issued by hand to know. `before_commit` runs
    after the message went out and before the final `.` that lets the server take it; if it raises,
    the connection is dropped instead, so the server discards the message, and the error goes on.
    """
    refused: dict[str, tuple[int, str]] = {}
    try:
        options = [f"SIZE={len(data)}"] if server.has_extn("size") else []
        (code, reply), replies, data_reply = _commands(server, sender, batch, options)
        if code != 250:
            _abandon(server, data_reply)
            return Outcome(unsent=batch, error=f"the server refused the sender {sender}: {code} {_text(reply)}")
        for address, (code, reply) in zip(batch, replies, strict=False):
            if code == 421:
                return Outcome(unsent=batch, error=f"the server is closing: {code} {_text(reply)}")
            if code not in (250, 251):
                refused[address] = (code, _text(reply))
        accepted = [address for address in batch if address not in refused]
        if not accepted:
            _abandon(server, data_reply)
            return Outcome(refused=refused)
        assert data_reply is not None
        if data_reply[0] != 354:
            error = f"the server refused DATA: {data_reply[0]} {_text(data_reply[1])}"
            return Outcome(refused=refused, unsent=accepted, error=error)
        server.send(re.sub(rb"(?m)^\.", b"..", data))  # data ends with CRLF (policy.SMTP)
        if before_commit is not None:
            try:
                before_commit()
            except BaseException:
                server.close()  # without the final dot: the server never takes the message
                raise
        server.send(b".\r\n")
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


def _abandon(server: smtplib.SMTP, data_reply: Reply | None) -> None:
    """End a transaction that has no recipient: a pipelined DATA the server took anyway gets an empty message
    (RFC 2920), which it must refuse; then RSET."""
    if data_reply is not None and data_reply[0] == 354:
        server.send(b".\r\n")
        server.getreply()
    server.rset()
