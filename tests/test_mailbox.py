"""`issuepdf mailbox sync` against a real IMAP server: Debian's dovecot, started by the test on 127.0.0.1 as an
unprivileged user with its own configuration in a temporary folder, serving a Maildir of the bounces in
tests/fixtures/mailbox (Gmail, Naver, Daum/Kakao, Outlook, Postfix, qmail), a complaint, an auto-reply, a
reader's reply and unsubscribe mails. Then the next send skips whom the mailbox ruled out."""

from __future__ import annotations

import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from issuepdf.cli import main
from issuepdf.content.settings import IMAP_PASSWORD_ENV
from issuepdf.mail.subscribers import open_list
from issuepdf.mail.unsubscribe import make_message_id, make_ticket

from .support.issues import MINIMAL
from .support.projects import make_project
from .test_send import SECRET, SENDER, Inbox, free_port, smtp_server, unsubscribe_secret

__all__ = ["unsubscribe_secret"]
FIXTURES = Path(__file__).parent / "fixtures" / "mailbox"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:{root}/Maildir
passdb {{
  driver = static
  args = password=secret
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"""


@dataclass
class Dovecot:
    port: int
    maildir: Path
    uid: int
    gid: int
    count: int = 0

    def deliver(self, data: bytes) -> None:
        """Put a mail in the Maildir's new/, as a delivery agent would (readable by the server's user)."""
        self.count += 1
        path = self.maildir / "new" / f"{time.time_ns()}.{self.count}.test"
        path.write_bytes(data)
        os.chown(path, self.uid, self.gid)

    def unseen(self) -> int:
        with imaplib.IMAP4("127.0.0.1", self.port) as imap:
            imap.login("bounces", "secret")
            imap.select("INBOX")
            return len(imap.search(None, "UNSEEN")[1][0].split())


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """dovecot on 127.0.0.1 and a free port, as this user (as `nobody` when the tests run as root: dovecot
    refuses to run its login process as root), with one account `bounces` / `secret`."""
    if not Path(DOVECOT).is_file():
        pytest.fail("needs Debian's dovecot-imapd: run scripts/setup.sh, which installs it")
    account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    with tempfile.TemporaryDirectory(prefix="issuepdf-dovecot-") as folder:  # in /tmp: reachable by that user
        yield from _serve(Path(folder), account)


def _serve(root: Path, account: pwd.struct_passwd) -> Iterator[Dovecot]:
    for folder in ("run", "state", "Maildir/new", "Maildir/cur", "Maildir/tmp"):
        (root / folder).mkdir(parents=True)
    group = subprocess.run(["id", "-gn", account.pw_name], capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    values = {"root": root, "user": account.pw_name, "group": group, "uid": account.pw_uid, "gid": account.pw_gid}
    (root / "dovecot.conf").write_text(CONFIG.format(port=port, **values), encoding="utf-8")
    for folder in [root, *root.rglob("*")]:
        os.chown(folder, account.pw_uid, account.pw_gid)
    as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if os.geteuid() == 0 else {}
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **as_user,  # type: ignore[call-overload]
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                pass
            log = root / "dovecot.log"
            assert process.poll() is None and time.monotonic() < deadline, log.read_text() if log.exists() else ""
            time.sleep(0.1)
        yield Dovecot(port, root / "Maildir", account.pw_uid, account.pw_gid)
    finally:
        process.terminate()
        process.wait(10)


BOUNCED = [
    "gone.reader@gmail.example",
    "leaver@naver.example",
    "old.user@hanmail.example",
    "moved.away@outlook.example",
    "nobody.here@company.example",
    "retired@example.com",
]
SOFT = ["full.box@naver.example", "slow.host@slow.example"]
STAYING = ["minsu@example.org", "park@example.org", "victim@example.org"]


def sent_to(mail: bytes) -> bytes:
    """A fixture with the Message-ID issuepdf would have given the message it bounces (signed for its recipient)."""

    def signed(found: re.Match[bytes]) -> bytes:
        return make_message_id(SECRET.encode(), "news.kic.example", found[1].decode(), "kic.example").encode()

    return re.sub(rb"<MESSAGE-ID-FOR:([^>]+)>", signed, mail)


def unsubscribe_mail(sender: str, subject: str) -> bytes:
    return (
        f"From: {sender}\nTo: {SENDER}\nSubject: {subject}\nDate: Mon, 30 Nov 2026 10:00:00 +0900\n"
        f"Message-ID: <{abs(hash(subject))}@example.org>\n\nplease\n"
    ).encode()


def run(*args: str | Path) -> str:
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_mailbox_sync_marks_bounces_complaints_and_unsubscribes_and_the_next_send_skips_them(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(IMAP_PASSWORD_ENV, "secret")
    inbox = Inbox()
    with smtp_server(inbox) as smtp_port:
        project = make_project(
            tmp_path / "p",
            f"email:\n  sender: KIC 중국 <{SENDER}>\n"
            f"smtp:\n  host: 127.0.0.1\n  port: {smtp_port}\n  security: none\n"
            f"imap:\n  host: 127.0.0.1\n  port: {dovecot.port}\n  security: none\n  user: bounces\n",
            {"260": {"issue.yaml": MINIMAL}},
        )
        everyone = [*BOUNCED, *SOFT, "annoyed@yahoo.example", "by.ticket@example.org", "by.word@example.org", *STAYING]
        (tmp_path / "list.csv").write_text("email\n" + "\n".join(everyone) + "\n", encoding="utf-8")
        run("subscribers", "import", tmp_path / "list.csv", "--project", project)
        for fixture in sorted(FIXTURES.glob("*.eml")):
            dovecot.deliver(sent_to(fixture.read_bytes()))
        forged = (
            (FIXTURES / "postfix-hard.eml").read_bytes().replace(b"nobody.here@company.example", b"victim@example.org")
        )
        dovecot.deliver(sent_to(forged.replace(b"MESSAGE-ID-FOR:victim", b"MESSAGE-ID-FOR:other")))  # quotes another's
        ticket = make_ticket(SECRET.encode(), "news.kic.example", "by.ticket@example.org")
        dovecot.deliver(unsubscribe_mail("someone.else@example.net", f"unsubscribe {ticket}"))  # a forwarded message
        dovecot.deliver(unsubscribe_mail("By.Word@example.org", "수신거부"))
        guessed = make_ticket(b"guessed-secret-0123456789", "news.kic.example", "victim@example.org")
        dovecot.deliver(unsubscribe_mail("attacker@example.net", f"unsubscribe {guessed}"))

        first = run("mailbox", "sync", "--project", project)
        assert first.splitlines()[-1] == (
            "read 15 mail(s): 1 auto-reply, 1 complaint, 7 hard, 1 other, 2 soft, 3 unsubscribe"
        )
        assert "hard: leaver@naver.example: now bounced (5.1.1 smtp; 550 5.1.1 Recipient address rejected: The " \
            "user does not exist)" in first  # fmt: skip
        assert "soft: slow.host@slow.example: 1 temporary failure(s) (4.4.1 X-Postfix; connect to" in first
        with open_list(project / ".subscribers" / "subscribers.sqlite") as subscribers:
            status = {row.address: (row.status, row.soft_bounces) for row in subscribers.rows()}
        assert {a: status[a][0] for a in BOUNCED} == dict.fromkeys(BOUNCED, "bounced")
        assert {a: status[a] for a in SOFT} == dict.fromkeys(SOFT, ("active", 1))
        assert status["annoyed@yahoo.example"][0] == "complained"
        assert status["by.ticket@example.org"][0] == status["by.word@example.org"][0] == "unsubscribed"
        assert {a: status[a][0] for a in STAYING} == dict.fromkeys(STAYING, "active")  # the forged ticket did nothing
        assert status["attacker@example.net"][0] == "unsubscribed"  # only the forger's own address
        assert (
            "unverified hard: victim@example.org: the mail quotes no message issuepdf sent to it; nothing changed, "
            "the mail stays unread" in first
        )
        assert dovecot.unseen() == 2  # the reader's reply and the forged bounce, left for the editor

        again = run("mailbox", "sync", "--project", project)
        assert again.splitlines() == ["read 0 mail(s): nothing new"]  # nothing counted twice
        for _ in range(2):
            dovecot.deliver(sent_to((FIXTURES / "naver-full.eml").read_bytes()))
        third = run("mailbox", "sync", "--project", project)
        bounced = "soft: full.box@naver.example: now bounced (3 temporary failures in a row, last: 5.2.2 smtp; 552"
        assert bounced in third

        sent = run("send", project / "issues" / "260", "--send")
    assert "sent 4 message(s): 4 delivered, 0 refused" in sent
    assert sorted(inbox.recipients()) == sorted(["slow.host@slow.example", *STAYING])
