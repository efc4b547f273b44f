"""One-click unsubscribe end to end: messages sent through aiosmtpd, their links posted to the real endpoint
(`issuepdf unsubscribe serve`'s server on 127.0.0.1), the list recording it, the next send skipping the address;
forged and altered tickets refused."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from issuepdf.cli import main
from issuepdf.mail import endpoint as endpoint_module
from issuepdf.mail.endpoint import make_endpoint
from issuepdf.mail.unsubscribe import make_ticket, read_ticket

from .support.issues import MINIMAL
from .support.projects import make_project
from .test_send import SECRET, SENDER, Inbox, free_port, people, smtp_server, unsubscribe_secret

__all__ = ["unsubscribe_secret"]  # the autouse fixture: sending and the endpoint need the secret
LIST_ID = "news.kic.example"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, Inbox, str]]:
    """A project with issues 260 and 261, an SMTP sink, and the endpoint running; yields (project, inbox, url)."""
    issues = {"260": {"issue.yaml": MINIMAL}, "261": {"issue.yaml": MINIMAL.replace("number: 260", "number: 261")}}
    root = make_project(tmp_path / "p", issues=issues)
    settings = root / "issuepdf.yaml"
    email = f"email:\n  sender: KIC 중국 <{SENDER}>\n  unsubscribe_url: {{url}}\n"
    settings.write_text(email.format(url="http://127.0.0.1/unsubscribe"), encoding="utf-8")
    endpoint = make_endpoint(root, "127.0.0.1", 0)  # bound first: a port picked ahead could be taken meanwhile
    url = f"http://127.0.0.1:{endpoint.server_address[1]}/unsubscribe"
    inbox = Inbox()
    with smtp_server(inbox) as port:
        smtp = f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
        settings.write_text(email.format(url=url) + smtp, encoding="utf-8")
        thread = threading.Thread(target=endpoint.serve_forever, daemon=True)
        thread.start()
        try:
            yield root, inbox, url
        finally:
            endpoint.shutdown()
            endpoint.server_close()


def run(*args: str | Path) -> str:
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def request(url: str, body: bytes | None = None) -> tuple[int, str]:
    """GET, or POST `body` as a form, as a mail provider's one-click does; the status and the page."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def message_to(inbox: Inbox, address: str) -> EmailMessage:
    [received] = [r for r in inbox.messages if r.recipients == [address]]
    return BytesParser(policy=policy.default).parsebytes(received.data)  # type: ignore[return-value]


def test_a_one_click_post_unsubscribes_and_the_next_send_skips_the_address(
    project: tuple[Path, Inbox, str], tmp_path: Path
) -> None:
    root, inbox, url = project
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text("email\n" + "\n".join(people(3)) + "\n", encoding="utf-8")
    run("send", root / "issues" / "260", "--to", subscribers, "--send")
    leaving = people(3)[1]
    message = message_to(inbox, leaving)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [link] = [uri for uri in re.findall(r"<([^>]+)>", message["List-Unsubscribe"]) if uri.startswith("http")]
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert f'href="{link.replace("&", "&amp;")}"' in html and f"수신거부: {link}\n" in text  # the visible link

    status, page = request(link)  # the body's link: a page with a button, nothing changed yet
    assert status == 200 and "수신거부</button>" in page and leaving in page
    assert f"{leaving}\tactive" in run("subscribers", "list", "--project", root)

    ticket = link.split("u=")[1]
    other = make_ticket(SECRET.encode(), LIST_ID, people(3)[2])
    forged = [
        ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB"),  # an altered MAC
        other.split(".")[0] + "." + ticket.split(".")[1],  # another address with this MAC
        make_ticket(b"not-the-secret-of-this-list", LIST_ID, people(3)[2]),  # made without the secret
        make_ticket(SECRET.encode(), "another.list.example", people(3)[2]),  # another list's
        "garbage",
    ]
    for bad in forged:
        status, page = request(f"{url}?u={bad}", b"List-Unsubscribe=One-Click")
        assert status == 400 and "잘못된 링크" in page, bad
    assert request(f"{url}?u={ticket}", b"something=else")[0] == 400  # not a one-click body
    assert request(f"{url}x?u={ticket}", b"List-Unsubscribe=One-Click")[0] == 404
    assert run("subscribers", "list", "--project", root).endswith("3 active, 0 unsubscribed, 0 bounced, 0 complained\n")

    status, page = request(link, b"List-Unsubscribe=One-Click")  # what Gmail's button sends
    assert status == 200 and "수신거부되었습니다" in page
    listed = run("subscribers", "list", "--project", root)
    assert re.search(rf"^{re.escape(leaving)}\tunsubscribed\t\S+\tone-click unsubscribe \(web\)$", listed, re.M)
    assert listed.endswith("2 active, 1 unsubscribed, 0 bounced, 0 complained\n")

    before = len(inbox.messages)
    dry = run("send", root / "issues" / "261")
    assert leaving not in dry and "would send 2 message(s)" in dry
    run("send", root / "issues" / "261", "--send")
    assert [r.recipients[0] for r in inbox.messages[before:]] == [people(3)[0], people(3)[2]]
    reimport = run("subscribers", "import", subscribers, "--project", root)  # an old CSV does not bring it back
    assert f"not re-subscribed: {leaving}: unsubscribed since " in reimport
    assert "0 added, 2 already subscribed, 1 not re-subscribed" in reimport
    resubscribed = run("subscribers", "add", leaving, "--resubscribe", "--project", root)
    assert resubscribed.startswith(f"{leaving}: active (re-subscribed: added by hand)")


def test_tickets_name_their_address_and_list_and_nothing_else() -> None:
    secret = SECRET.encode()
    ticket = make_ticket(secret, LIST_ID, "Kim@Example.org")
    assert read_ticket(secret, LIST_ID, ticket) == "kim@example.org"
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}", ticket)  # URL-safe, one word in a subject
    assert read_ticket(secret, "other.example", ticket) is None
    assert read_ticket(secret + b"x", LIST_ID, ticket) is None
    for bad in ["", ".", "a.b", "!!!.!!!", "x" * 5000, ticket + "x", "." + ticket.split(".")[1]]:
        assert read_ticket(secret, LIST_ID, bad) is None, bad


def test_the_serve_command_listens_on_loopback_until_stopped(tmp_path: Path) -> None:
    port = free_port()
    root = make_project(
        tmp_path / "p", f"email:\n  sender: KIC 중국 <{SENDER}>\n  unsubscribe_url: https://news.kic.example/u\n"
    )
    command = [sys.executable, "-m", "issuepdf", "unsubscribe", "serve", "--project", str(root), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == f"listening on http://127.0.0.1:{port}/u (Ctrl-C stops)\n"
        ticket = make_ticket(SECRET.encode(), LIST_ID, "kim@example.org")
        status, page = request(f"http://127.0.0.1:{port}/u?u={ticket}")
        assert status == 200 and "kim@example.org 주소로 보내 드리는 KIC 중국 메일을" in page
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)
    assert process.returncode == 0
    without = make_project(tmp_path / "q", f"email:\n  sender: {SENDER}\n")
    refused = CliRunner().invoke(main, ["unsubscribe", "serve", "--project", str(without)])
    assert refused.exit_code == 1 and "set email.unsubscribe_url in issuepdf.yaml" in refused.output


@pytest.mark.expect_warnings  # the connection turned away is logged
def test_a_flood_of_idle_connections_takes_no_more_than_its_slots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connections that never send a request hold a slot each until they time out; one more than the
    slots is closed unanswered, and once they are gone the endpoint answers again."""
    monkeypatch.setattr(endpoint_module, "MAX_CONNECTIONS", 3)
    email = f"email:\n  sender: KIC 중국 <{SENDER}>\n  unsubscribe_url: http://127.0.0.1/unsubscribe\n"
    server = make_endpoint(make_project(tmp_path / "p", settings=email), "127.0.0.1", 0)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threads = threading.active_count()
    try:
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        extra = socket.create_connection(("127.0.0.1", port), timeout=3)
        assert extra.recv(1) == b""  # closed at once, long before the 10 s a slot is held
        assert threading.active_count() <= threads + 3
        for connection in [*idle, extra]:
            connection.close()
        status = 0
        for _ in range(100):  # the slots free as their threads see the connections close
            try:
                status, _page = request(f"http://127.0.0.1:{port}/unsubscribe?u=forged")
                break
            except OSError:  # closed unanswered: not free yet
                time.sleep(0.05)
        assert status == 400
    finally:
        server.shutdown()
        server.server_close()
