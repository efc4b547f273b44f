"""2,000 subscribers against a local aiosmtpd sink: one message each, addressed to them, each with its own valid
one-click unsubscribe header; a sender killed with SIGKILL mid-send and a resumed run still give exactly one each.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from issuepdf.cli import main
from issuepdf.mail.sendlog import History, log_path
from issuepdf.mail.unsubscribe import quotes_message_to, read_ticket

from .support.issues import MINIMAL
from .support.projects import make_project
from .test_send import SECRET, SENDER, Inbox, people, smtp_server, unsubscribe_secret

__all__ = ["unsubscribe_secret"]  # the autouse fixture: every send here needs the secret

COUNT = 2000
KILLED_AT = 1234
"""The message the sender is killed on: the server has it, its confirmation is held back."""
UNSUBSCRIBE_URL = "https://news.kic.example/unsubscribe"
SETTINGS = f"""\
email:
  sender: KIC 중국 <{SENDER}>
  unsubscribe_url: {UNSUBSCRIBE_URL}
  pdf_url: https://news.kic.example/pdf/{{number}}.pdf
  attach_pdf: false
smtp:
  host: 127.0.0.1
  port: PORT
  security: none
  recipients_per_minute: 1000000000
"""


def one_click(headers: dict[str, str], to: str) -> str:
    """Check a message's unsubscribe headers as RFC 8058 and RFC 2369 read them; the ticket's address."""
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    uris = re.findall(r"<([^<>]*)>", headers["List-Unsubscribe"])
    assert re.fullmatch(r"\s*<[^<>]+>(\s*,\s*<[^<>]+>)*\s*", headers["List-Unsubscribe"])
    https = [uri for uri in uris if uri.startswith("https://")]
    assert len(https) == 1 and any(uri.startswith("mailto:") for uri in uris)
    url = urlsplit(https[0])
    assert f"{url.scheme}://{url.netloc}{url.path}" == UNSUBSCRIBE_URL and not url.fragment
    [ticket] = parse_qs(url.query)["u"]
    address = read_ticket(SECRET.encode(), "news.kic.example", ticket)
    assert address == to, (address, to)
    return ticket


@pytest.mark.expect_warnings  # the killed run's last log line may be cut off
def test_two_thousand_subscribers_get_one_message_each_through_a_kill_and_a_resume(tmp_path: Path) -> None:
    addresses = people(COUNT)
    project = make_project(tmp_path / "p", issues={"260": {"issue.yaml": MINIMAL}})
    issue = project / "issues" / "260"
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text("email\n" + "\n".join(addresses) + "\n", encoding="utf-8")
    inbox = Inbox(hold_at=KILLED_AT)
    with smtp_server(inbox) as port:
        (project / "issuepdf.yaml").write_text(SETTINGS.replace("PORT", str(port)), encoding="utf-8")
        command = [sys.executable, "-m", "issuepdf", "send", str(issue), "--to", str(subscribers), "--send"]
        errors = tmp_path / "stderr.txt"
        with errors.open("wb") as stderr:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            while not inbox.arrived.wait(0.5):
                assert process.poll() is None, errors.read_text()
        finally:
            process.kill()  # SIGKILL: no cleanup, no last log line
            process.wait()
        inbox.release.set()
        history = History.read(log_path(issue, 260))
        assert len(history.delivered) == KILLED_AT - 1 and history.uncertain == {addresses[KILLED_AT - 1]}
        resumed = CliRunner().invoke(main, ["send", str(issue), "--send"])  # from the list the first run imported
    assert resumed.exit_code == 0, resumed.output
    assert f"uncertain, not sent again (--retry-uncertain sends it): {addresses[KILLED_AT - 1]}" in resumed.stdout
    assert f"sent {COUNT - KILLED_AT} message(s): {COUNT - KILLED_AT} delivered, 0 refused" in resumed.stdout
    assert inbox.per_address() == Counter(addresses)  # exactly one each, To: the subscriber
    tickets = set()
    for received in inbox.messages:
        assert b"\r\nList-Unsubscribe: <https://" in received.data  # plain URIs, never RFC 2047 words
        message = BytesParser(policy=policy.default).parsebytes(received.data, headersonly=True)
        tickets.add(one_click({name: str(value) for name, value in message.items()}, str(message["To"])))
        assert quotes_message_to(SECRET.encode(), "news.kic.example", received.data, str(message["To"]))
    assert len(tickets) == COUNT
