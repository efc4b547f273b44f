"""Sending against a real SMTP server on loopback (aiosmtpd): one message per subscriber, refusals, failures,
resume, TLS, pipelining.

Every test starts its own server on 127.0.0.1 and a free port; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import types
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from issuepdf.cli import main
from issuepdf.content.errors import IssuepdfError, SendError
from issuepdf.content.settings import PASSWORD_ENV, UNSUBSCRIBE_SECRET_ENV, Settings, SmtpSettings
from issuepdf.mail.draft import Draft, compose
from issuepdf.mail.letter import assemble, message_bytes
from issuepdf.mail.plan import Audience, make_plan
from issuepdf.mail.recipients import read_recipients
from issuepdf.mail.send import execute, make_letter
from issuepdf.mail.sendlog import History, SendLog, log_path
from issuepdf.mail.smtp import password_source

from .support.issues import MINIMAL
from .support.projects import make_project

SENDER = "news@kic.example"
SETTINGS = f"email:\n  sender: KIC 중국 <{SENDER}>\n"
KOREAN_NAME = "주간 중국 창업 제260호 (2021.12.22).pdf"
SECRET = "test-unsubscribe-secret-0123456789"


@pytest.fixture(autouse=True)
def unsubscribe_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every send needs the unsubscribe secret; the tests' comes from the environment, as in production."""
    monkeypatch.setenv(UNSUBSCRIBE_SECRET_ENV, SECRET)
    return SECRET


# --- a misbehaving SMTP server ----------------------------------------------------------------


@dataclass
class Received:
    """One message as the server got it."""

    sender: str
    recipients: list[str]
    data: bytes
    tls: bool

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)  # type: ignore[return-value]


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what arrives and fails on request."""

    refuse: set[str] = field(default_factory=set)
    """Recipients refused for good (550)."""
    later: set[str] = field(default_factory=set)
    """Recipients refused once for now (450), accepted the next time."""
    drop_after: int | None = None
    """Drop the connection at MAIL once this many messages arrived (a server going down)."""
    vanish_after: int | None = None
    """Take the next message but drop the connection instead of confirming it."""
    interrupt_at: int | None = None
    """Send this process SIGINT (a ^C) while the n-th message is being confirmed."""
    hold_at: int | None = None
    """Take the n-th message but confirm it only once `release` is set (the sender can be killed meanwhile)."""
    pipelining: bool = False
    """Offer PIPELINING (RFC 2920) in the EHLO reply."""
    connections: int = 0
    messages: list[Received] = field(default_factory=list)
    unconfirmed: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.connections += 1
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            server.transport.abort()
            return "421 4.3.2 going down"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        if address in self.later:
            self.later.discard(address)
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        received = Received(
            envelope.mail_from,
            list(envelope.rcpt_tos),
            envelope.original_content,
            server.transport.get_extra_info("ssl_object") is not None,
        )
        number = len(self.messages) + len(self.unconfirmed) + 1
        if self.vanish_after is not None and len(self.messages) >= self.vanish_after:
            self.unconfirmed.append(received)
            server.transport.abort()
            return "250 OK"
        if number == self.interrupt_at:
            os.kill(os.getpid(), signal.SIGINT)
        self.messages.append(received)  # taken for delivery; only the reply may be late
        if number == self.hold_at:
            self.arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 2.0.0 accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=data.password == b"secret")
        return AuthResult(success=False, handled=False)

    def recipients(self) -> list[str]:
        return [address for received in self.messages for address in received.recipients]

    def per_address(self) -> Counter[str]:
        """How many messages each address got, counted from the To: of each message (never Bcc)."""
        counts: Counter[str] = Counter()
        for received in self.messages:
            assert len(received.recipients) == 1, received.recipients
            to = BytesParser(policy=policy.default).parsebytes(received.data, headersonly=True)["To"]
            assert to == received.recipients[0]
            counts[to] += 1
        return counts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(inbox: Inbox, **options: Any) -> Iterator[int]:
    """Run aiosmtpd on 127.0.0.1 and a free port for the block; yields the port."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="localhost", **options)
    controller.start()
    try:
        yield port
    finally:
        inbox.release.set()
        controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuepdf test server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem"


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


# --- what is sent -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("send"), SETTINGS, {"260": {"issue.yaml": MINIMAL}})


@pytest.fixture(scope="module")
def draft(project: Path) -> Draft:
    return compose(project / "issues" / "260")


def people(count: int) -> list[str]:
    return [f"reader{n}@example.org" for n in range(1, count + 1)]


def settings_for(draft: Draft, port: int, **smtp: Any) -> Settings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "recipients_per_minute": 1e6,
        "timeout": 10,
    }
    return Settings(email=draft.settings, smtp=SmtpSettings(**{**values, **smtp}))


def plan(
    draft: Draft,
    settings: Settings,
    addresses: list[str],
    log: Path,
    retry_uncertain: bool = False,
    new_edition: bool = False,
) -> Any:
    return make_plan(draft, settings, Audience("subscribers.csv", addresses), log, retry_uncertain, new_edition)


def test_each_subscriber_gets_a_message_of_their_own_with_the_attachment_intact(draft: Draft, tmp_path: Path) -> None:
    log, inbox = tmp_path / ".sent" / "260.jsonl", Inbox()
    with smtp_server(inbox) as port:
        settings = settings_for(draft, port, messages_per_connection=2)
        report = execute(plan(draft, settings, people(5), log))
        again = plan(draft, settings, people(5), log)
        assert execute(again).messages == 0
    assert report.delivered == people(5) and report.messages == 5
    assert [received.recipients for received in inbox.messages] == [[address] for address in people(5)]
    assert inbox.connections == 3  # two messages a connection
    pdf = draft.pdf.read_bytes()
    ids, dates = set(), set()
    for address, received in zip(people(5), inbox.messages, strict=True):
        assert received.sender == SENDER
        message = received.message
        assert message["To"] == address and message["Bcc"] is None and message["Cc"] is None
        assert not any(other.encode() in received.data for other in people(5) if other != address)
        assert message["Subject"] == "주간 중국 창업 제260호 (2021.12.22)"
        assert message["List-Id"] == "<news.kic.example>"
        assert message["List-Unsubscribe"].startswith("<mailto:news@kic.example?subject=unsubscribe%20")
        dates.add(message["Date"].datetime.tzinfo is not None)
        ids.add(message["Message-ID"])
        attachment = next(message.iter_attachments())
        assert attachment.get_filename() == KOREAN_NAME and attachment.get_content() == pdf
        for part in message.walk():
            assert not part.defects, (part.get_content_type(), part.defects)
    assert len(ids) == 5 and dates == {True}
    assert (again.todo, again.already) == ([], 5)
    assert [line.split('"event": ')[1][:8] for line in log.read_text().splitlines()] == ['"batch",', '"result"'] * 5
    assert (log.parent / ".gitignore").read_text().endswith("*\n")


def test_a_subscribers_message_is_the_one_the_email_package_assembles(draft: Draft, tmp_path: Path) -> None:
    with_url = draft.settings.model_copy(update={"unsubscribe_url": "https://news.kic.example/unsubscribe"})
    settings = settings_for(draft, 25).model_copy(update={"email": with_url})
    letter = make_letter(plan(draft, settings, people(1), tmp_path / "260.jsonl"))
    when = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
    for address in ["kim@example.org", f"{'a' * 60}@{'b' * 60}.example.org"]:
        fast = letter.to(address, "<1.issue@kic.example>", when)
        headers = letter.headers | letter.personal_headers(address, "<1.issue@kic.example>", when)
        text, page = letter.bodies.personal(letter.unsubscribe.link(address))
        reference = message_bytes(assemble(headers, text, page, letter.attachment, letter.seed))
        unfold, unsubscribe = re.compile(rb"\r\n(?=[ \t])"), re.compile(rb"\r\nList-Unsubscribe: [^\r]*")
        raw = unfold.sub(b"", fast)
        # the email package hides a header too long to fold in RFC 2047 words (=?utf-8?q?=3Chttps…), which mail
        # clients do not read in List-Unsubscribe (RFC 2369): it must stay a plain list of <URI>s
        assert unsubscribe.search(raw)[0].startswith(b"\r\nList-Unsubscribe: <https://news.kic.example/")  # type: ignore[index]
        assert unsubscribe.sub(b"", raw) == unsubscribe.sub(b"", unfold.sub(b"", reference))  # otherwise the same
        assert fast.isascii() and max(map(len, fast.split(b"\r\n"))) <= 998
        message = BytesParser(policy=policy.default).parsebytes(fast)
        assert message["To"] == address and not any(part.defects for part in message.walk())
        assert message.get_body(("plain",)).get_content() == text  # type: ignore[union-attr]


def test_pipelining_when_offered_gives_the_same_outcomes(
    draft: Draft, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses = ["a@example.org", "gone@example.org", "busy@example.org", "b@example.org"]
    inbox = Inbox(pipelining=True, refuse={"gone@example.org"}, later={"busy@example.org"})
    one_by_one = []
    real_mail = smtplib.SMTP.mail
    monkeypatch.setattr(smtplib.SMTP, "mail", lambda *args: one_by_one.append(args) or real_mail(*args))
    with smtp_server(inbox) as port:
        report = execute(plan(draft, settings_for(draft, port), addresses, tmp_path / "260.jsonl"))
    assert one_by_one == []  # MAIL, RCPT and DATA went in one write each message
    assert report.delivered == ["a@example.org", "b@example.org"]
    assert set(report.refused) == {"gone@example.org", "busy@example.org"}
    assert inbox.per_address() == Counter(["a@example.org", "b@example.org"])


def test_refused_recipients_are_reported_and_only_temporary_refusals_retried(draft: Draft, tmp_path: Path) -> None:
    log = tmp_path / "260.jsonl"
    addresses = ["a@example.org", "gone@example.org", "busy@example.org", "b@example.org"]
    inbox = Inbox(refuse={"gone@example.org"}, later={"busy@example.org"})
    with smtp_server(inbox) as port:
        settings = settings_for(draft, port)
        report = execute(plan(draft, settings, addresses, log))
        lines = report.lines()
        resumed = plan(draft, settings, addresses, log)
        second = execute(resumed)
    assert lines[0] == "sent 2 message(s): 2 delivered, 2 refused"
    assert "refused: gone@example.org: 550 5.1.1 no such mailbox (not retried)" in lines
    assert "refused: busy@example.org: 450 4.2.1 mailbox busy, try later (retried on the next run)" in lines
    assert (resumed.todo, resumed.refused_before) == (["busy@example.org"], ["gone@example.org"])
    assert second.delivered == ["busy@example.org"]
    assert Counter(inbox.recipients()) == Counter(["a@example.org", "b@example.org", "busy@example.org"])


def test_a_server_dropping_the_connection_mid_list_then_a_resumed_run_delivers_the_rest_once(
    draft: Draft, tmp_path: Path
) -> None:
    log, first, second = tmp_path / "260.jsonl", Inbox(drop_after=2), Inbox()
    with smtp_server(first) as port, pytest.raises(SendError) as raised:
        execute(plan(draft, settings_for(draft, port), people(7), log))
    assert str(raised.value).startswith("sending stopped: the connection failed: ")
    assert raised.value.messages[0] == "sent 2 message(s): 2 delivered, 0 refused"
    assert "not sent yet: 5; run the same command again to send them" in raised.value.messages
    with smtp_server(second) as port:
        resumed = plan(draft, settings_for(draft, port), people(7), log)
        execute(resumed)
    assert resumed.already == 2 and resumed.todo == people(7)[2:]
    assert first.per_address() + second.per_address() == Counter(people(7))


def test_a_message_the_server_may_have_taken_is_never_sent_again_unless_asked(draft: Draft, tmp_path: Path) -> None:
    log, inbox = tmp_path / "260.jsonl", Inbox(vanish_after=1)
    with smtp_server(inbox) as port, pytest.raises(SendError) as raised:
        execute(plan(draft, settings_for(draft, port), people(5), log))
    assert "before the server confirmed the message" in str(raised.value)
    assert [received.recipients for received in inbox.unconfirmed] == [people(5)[1:2]]
    normal = Inbox()
    with smtp_server(normal) as port:
        resumed = plan(draft, settings_for(draft, port), people(5), log)
        execute(resumed)
        held = people(5)[1:2]
        assert resumed.held == held and resumed.todo == people(5)[2:]
        assert f"uncertain, not sent again (--retry-uncertain sends it): {held[0]}" in resumed.describe(dry_run=True)
        retry = plan(draft, settings_for(draft, port), people(5), log, retry_uncertain=True)
        execute(retry)
    assert retry.todo == held
    assert normal.recipients() == [*people(5)[2:], *held]


def test_a_killed_run_resumes_without_resending_the_message_it_died_on(project: Path, tmp_path: Path) -> None:
    issue = project / "issues" / "260"
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text("email\n" + "\n".join(people(3)) + "\n", encoding="utf-8")
    log = log_path(issue, 260)
    inbox = Inbox(hold_at=2)
    with smtp_server(inbox) as port:
        (project / "issuepdf.yaml").write_text(
            SETTINGS + f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n",
            encoding="utf-8",
        )
        command = [sys.executable, "-m", "issuepdf", "send", str(issue), "--to", str(subscribers), "--send"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert inbox.arrived.wait(60), "the second message never arrived"
        finally:
            process.kill()
            process.wait()
        inbox.release.set()
        history = History.read(log)
        assert history.delivered == {people(3)[0]} and history.uncertain == {people(3)[1]}
        result = CliRunner().invoke(main, ["send", str(issue), "--to", str(subscribers), "--send"])
    log.unlink()
    (project / "issuepdf.yaml").write_text(SETTINGS, encoding="utf-8")
    assert result.exit_code == 0, result.output
    assert f"uncertain, not sent again (--retry-uncertain sends it): {people(3)[1]}" in result.stdout
    assert Counter(inbox.recipients()) == Counter(people(3))  # the held message did arrive: once


def test_ctrl_c_lets_the_batch_finish_then_stops_and_the_rest_goes_once(draft: Draft, tmp_path: Path) -> None:
    log, inbox = tmp_path / "260.jsonl", Inbox(interrupt_at=2)
    previous = signal.getsignal(signal.SIGINT)
    with smtp_server(inbox) as port:
        settings = settings_for(draft, port)
        with pytest.raises(SendError) as raised:
            execute(plan(draft, settings, people(4), log))
        assert signal.getsignal(signal.SIGINT) is previous
        assert str(raised.value) == "interrupted; run the same command again to send the rest"
        assert raised.value.messages[0] == "sent 2 message(s): 2 delivered, 0 refused"
        resumed = plan(draft, settings, people(4), log)
        execute(resumed)
    assert resumed.already == 2
    assert Counter(inbox.recipients()) == Counter(people(4))


def test_rate_limit_spaces_the_messages(draft: Draft, tmp_path: Path) -> None:
    now, sleeps = [0.0], []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with smtp_server(Inbox()) as port:
        settings = settings_for(draft, port, recipients_per_minute=30)
        execute(plan(draft, settings, people(4), tmp_path / "260.jsonl"), sleep=sleep, clock=lambda: now[0])
    assert sleeps == pytest.approx([2, 2, 2])  # one recipient a message, one every two seconds


# --- TLS and passwords ------------------------------------------------------------------------


def test_starttls_with_a_self_signed_certificate_and_a_password_from_the_environment(
    draft: Draft, tmp_path: Path, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "secret")
    inbox = Inbox()
    options = {"tls_context": server_context(certificate), "require_starttls": True, "auth_required": True}
    with smtp_server(inbox, authenticator=inbox.authenticate, **options) as port:
        untrusted = settings_for(draft, port, security="starttls", user="editor")
        with pytest.raises(SendError) as raised:
            execute(plan(draft, untrusted, people(1), tmp_path / "a.jsonl"))
        trusted = settings_for(draft, port, security="starttls", user="editor", ca_file=str(certificate[0]))
        report = execute(plan(draft, trusted, people(3), tmp_path / "b.jsonl"))
    assert str(raised.value).startswith("the certificate of 127.0.0.1 is not trusted (self-signed certificate)")
    assert History.read(tmp_path / "a.jsonl").batches == 0  # nothing was tried
    assert report.delivered == people(3)
    assert inbox.logins == [("editor", "secret")]
    assert all(received.tls for received in inbox.messages)
    attachment = next(inbox.messages[0].message.iter_attachments())
    assert attachment.get_content() == draft.pdf.read_bytes()


def test_implicit_tls(draft: Draft, tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    inbox = Inbox()
    with smtp_server(inbox, ssl_context=server_context(certificate)) as port:
        settings = settings_for(draft, port, security="tls", ca_file=str(certificate[0]))
        report = execute(plan(draft, settings, people(2), tmp_path / "260.jsonl"))
    assert report.delivered == people(2) and inbox.messages[0].tls


def test_password_never_goes_out_unencrypted_and_comes_from_env_or_keyring(
    draft: Draft, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "secret")
    remote = settings_for(draft, 25, host="mail.example.org", user="editor")
    with pytest.raises(SendError, match="refusing to send the SMTP password unencrypted"):
        execute(plan(draft, remote, people(1), tmp_path / "260.jsonl"))
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.setitem(sys.modules, "keyring", None)
    smtp = SmtpSettings(host="mail.example.org", user="editor")
    assert password_source(smtp) == (
        None,
        f"missing: set {PASSWORD_ENV} (or install issuepdf[keyring] to use the system keyring)",
    )
    fake = types.ModuleType("keyring")
    fake.errors = types.SimpleNamespace(KeyringError=RuntimeError)  # type: ignore[attr-defined]
    fake.get_password = lambda service, user: (
        "kept" if (service, user) == ("issuepdf:mail.example.org", "editor") else None
    )  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setitem(sys.modules, "keyring.errors", fake.errors)
    assert password_source(smtp) == ("kept", "from the system keyring")


# --- subscribers, the log, the command --------------------------------------------------------


def test_a_subscriber_list_with_mac_line_ends_or_an_endless_cell_is_read_or_refused_by_line(tmp_path: Path) -> None:
    """Found by the property test: a lone \\r (Excel for Mac) broke the reader with a csv traceback."""
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_bytes(b"email\rkim@example.org\rlee@example.org\r")
    assert read_recipients(subscribers).addresses == ["kim@example.org", "lee@example.org"]
    subscribers.write_bytes(b'email\n"' + b"a" * 200_000 + b'"\n')
    with pytest.raises(IssuepdfError, match=r"subscribers.csv:2: not a readable CSV line \(field larger"):
        read_recipients(subscribers)


def test_subscriber_list_reports_invalid_lines_and_skips_duplicates(tmp_path: Path) -> None:
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text(
        "\ufeff이름,이메일\n"
        "김민수,minsu@example.org\n"
        "# 탈퇴,left@example.org\n"
        "박지영,지영 <jiyoung@EXAMPLE.org>\n"
        "\n"
        "이서연,seoyeon@@example.org\n"
        "최민준,MINSU@example.org\n"
        "한국,hong@한국.kr\n"
        "정,jung@localhost\n"
        "윤,홍길동@example.org\n",
        encoding="utf-8",
    )
    recipients = read_recipients(subscribers)
    assert recipients.addresses == ["minsu@example.org", "jiyoung@example.org", "hong@xn--3e0b707e.kr"]
    assert recipients.duplicates == 1
    assert [(bad.line, bad.text, bad.reason) for bad in recipients.invalid] == [
        (6, "seoyeon@@example.org", "not an email address"),
        (9, "jung@localhost", "The part after the @-sign is not valid. It should have a period."),
        (
            10,
            "홍길동@example.org",
            "Internationalized characters before the @-sign are not supported: '길', '동', '홍'.",
        ),
    ]
    (tmp_path / "cp949.csv").write_bytes("이메일\n김 <kim@example.org>\n".encode("cp949"))  # Korean Excel's CSV
    korean_excel = read_recipients(tmp_path / "cp949.csv")
    assert (korean_excel.addresses, korean_excel.encoding) == (["kim@example.org"], "cp949")
    (tmp_path / "utf16.csv").write_bytes("이메일\nkim@example.org\n".encode("utf-16"))
    with pytest.raises(IssuepdfError, match=r"neither UTF-8 nor CP949 .*save the list as 'CSV UTF-8'"):
        read_recipients(tmp_path / "utf16.csv")


@pytest.mark.expect_warnings
def test_send_log_survives_a_torn_last_line_and_allows_one_run_at_a_time(tmp_path: Path) -> None:
    log = tmp_path / ".sent" / "260.jsonl"
    log.parent.mkdir()
    log.write_text(
        '{"event": "batch", "batch": 1, "recipients": ["a@x.org", "b@x.org"]}\n'
        '{"event": "result", "batch": 1, "delivered": ["a@x.org"], "refused": {"b@x.org": [550, "no"]}}\n'
        '{"event": "batch", "batch": 2, "recipients": ["c@x.org"]}\n'
        '{"event": "result", "batch": 2, "deliv',
        encoding="utf-8",
    )
    history = History.read(log)
    assert (history.delivered, history.refused, history.uncertain, history.batches) == (
        {"a@x.org"},
        {"b@x.org": (550, "no")},
        {"c@x.org"},
        2,
    )
    first = SendLog(log)
    try:
        with pytest.raises(SendError, match="another `issuepdf send` is sending this issue"):
            SendLog(log)
        first.record({"event": "result", "batch": 2, "delivered": ["c@x.org"]})
    finally:
        first.close()
    assert log.read_text(encoding="utf-8").splitlines()[3].startswith('{"time": ')  # the torn line is gone
    assert History.read(log).delivered == {"a@x.org", "c@x.org"}
    log.write_text('{"event": "batch"\n{"event": "result", "batch": 1}\n', encoding="utf-8")
    with pytest.raises(IssuepdfError, match=r"260.jsonl:1: damaged send log"):
        History.read(log)


def test_send_command_dry_run_then_send_then_nothing_left(project: Path, tmp_path: Path) -> None:
    issue = project / "issues" / "260"
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text("email\nkim@example.org\nlee@example.org\nbroken@\npark@example.org\n", encoding="utf-8")
    inbox = Inbox()
    with smtp_server(inbox) as port:
        (project / "issuepdf.yaml").write_text(
            SETTINGS + f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n",
            encoding="utf-8",
        )
        args = ["send", str(issue), "--to", str(subscribers)]
        dry = CliRunner().invoke(main, args)
        assert inbox.messages == [] and not log_path(issue, 260).exists()
        sent = CliRunner().invoke(main, [*args, "--send"])
        after = CliRunner().invoke(main, args)
    log_path(issue, 260).unlink()
    (project / "issuepdf.yaml").write_text(SETTINGS, encoding="utf-8")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        "message: 주간 중국 창업 제260호 (2021.12.22)",
        f"attachment: {KOREAN_NAME} (3 pages, {dry.stdout.split('(3 pages, ')[1].split(')')[0]})",
        f"from KIC 중국 <{SENDER}> via 127.0.0.1:{port} (none)",
        f"unsubscribe: no one-click (unsubscribe_url), mail to {SENDER}",
        f"{subscribers}: 3 new (added to the list when sending), 0 already subscribed, 0 not re-subscribed, "
        "1 invalid, 0 duplicate(s)",
        f"{subscribers}:4: invalid: 'broken@': not an email address",
        "would send 3 message(s), one per subscriber, over at least 0.0 min at 300/min",
        "  kim@example.org",
        "  lee@example.org",
        "  park@example.org",
        "dry run: nothing was sent; add --send to send",
    ]
    assert sent.exit_code == 0, sent.output
    assert "sent 3 message(s): 3 delivered, 0 refused" in sent.stdout.splitlines()
    assert inbox.recipients() == ["kim@example.org", "lee@example.org", "park@example.org"]
    assert after.stdout.splitlines()[-2:] == [
        f"already sent: 3 (send log {log_path(issue, 260)})",
        "nothing to send: every subscriber has been sent this issue (or was refused)",
    ]


def test_send_needs_a_sender_and_a_host_which_a_dry_run_points_out(draft: Draft, tmp_path: Path) -> None:
    settings = Settings(email=draft.settings.model_copy(update={"sender": None}))
    unset = plan(draft, settings, people(1), tmp_path / "260.jsonl")
    lines = unset.describe(dry_run=True)
    assert "from (email.sender not set) via (smtp.host not set) (starttls)" in lines
    assert lines[-2] == (
        "cannot send yet: set email.sender in issuepdf.yaml and set smtp.host in issuepdf.yaml (see docs/email.md)"
    )
    with pytest.raises(
        SendError, match=r"set email.sender in issuepdf.yaml and set smtp.host in issuepdf.yaml to send"
    ):
        execute(unset)
    assert not (tmp_path / "260.jsonl").exists()
