"""`issuepdf unsubscribe serve`: the small HTTP endpoint behind `email.unsubscribe_url` (standard library only).

- `POST <path>?u=TICKET` with the body `List-Unsubscribe=One-Click` is RFC 8058's one-click unsubscribe, sent
  by Gmail, Yahoo, Apple Mail and others from their own "unsubscribe" button: the ticket is checked and the
  address recorded as unsubscribed in the subscriber list, at once. The page's own button posts the same.
- `GET <path>?u=TICKET`, the 수신거부 link in the message, shows a page in Korean with that button. A GET never
  unsubscribes: mail filters and link scanners open links in messages, and would unsubscribe readers.

A forged, altered or damaged ticket gets 400 and changes nothing. The server binds 127.0.0.1 by default: put
it behind the site's HTTPS reverse proxy (one-click needs https). Requests are bounded (URL, body, time),
and so are the connections served at once.
"""

from __future__ import annotations

import html
import logging
import threading
from email.utils import parseaddr
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..content.errors import IssuepdfError
from ..content.settings import load_settings
from .subscribers import open_list, project_list
from .unsubscribe import ONE_CLICK, Unsubscribe, read_ticket

logger = logging.getLogger("issuepdf")
MAX_BODY = 4096
"""Bytes of a POST body read at most (a one-click body is 26)."""
TIMEOUT = 10
"""Seconds a connection may take."""
MAX_CONNECTIONS = 64
"""Connections served at once. The endpoint faces the internet: each connection holds a thread until it ends
or times out, so a flood of slow ones would otherwise take threads and memory without bound; beyond this
many, a new connection is closed at once (a mail provider retries a one-click POST)."""
PAGE = """<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:'Apple SD Gothic Neo','Malgun Gothic','Noto Sans KR',sans-serif;max-width:32em;
margin:3em auto;padding:0 1em;line-height:1.7;color:#1d2129;word-break:keep-all;overflow-wrap:anywhere}}
button{{font:inherit;padding:.5em 1.5em}}</style>
</head><body><h1>{title}</h1>{body}</body></html>
"""


class Endpoint(ThreadingHTTPServer):
    """The server: the list it writes to, and how it checks tickets."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], unsubscribe: Unsubscribe, list_file: Path, title: str) -> None:
        self.unsubscribe = unsubscribe
        self.list_file = list_file
        self.title = title
        self.path = urlsplit(unsubscribe.url or "/").path or "/"
        """The path requests must ask for: that of email.unsubscribe_url."""
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a thread of its own if a slot is free, else close it at once."""
        if not self.slots.acquire(blocking=False):
            logger.warning("unsubscribe endpoint: %d connections open; one more closed unanswered", MAX_CONNECTIONS)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def record(self, address: str, how: str) -> None:
        with open_list(self.list_file) as subscribers:
            subscribers.set_status(address, "unsubscribed", how)
        logger.info("unsubscribed: %s (%s)", address, how)


class Handler(BaseHTTPRequestHandler):
    server: Endpoint
    timeout = TIMEOUT
    server_version = "issuepdf"
    sys_version = ""

    def ticket_address(self) -> str | None:
        """The address of the request's ticket, or None after answering the request with the error."""
        url = urlsplit(self.path)
        if len(self.path) > 2000 or url.path != self.server.path:
            self.answer(HTTPStatus.NOT_FOUND, "페이지를 찾을 수 없습니다", "<p>주소를 확인해 주세요.</p>")
            return None
        tickets = parse_qs(url.query).get("u", [])
        unsubscribe = self.server.unsubscribe
        address = read_ticket(unsubscribe.secret_key, unsubscribe.list_id, tickets[0]) if len(tickets) == 1 else None
        if address is None:
            body = "<p>수신거부 링크가 올바르지 않습니다. 받으신 메일의 링크를 그대로 열어 주세요.</p>"
            self.answer(HTTPStatus.BAD_REQUEST, "잘못된 링크입니다", body)
        return address

    def do_GET(self) -> None:
        address = self.ticket_address()
        if address is None:
            return
        body = (
            f"<p>{html.escape(address)} 주소로 보내 드리는 {html.escape(self.server.title)} 메일을 "
            "더 받지 않으시려면 아래 단추를 눌러 주세요.</p>"
            f'<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
            "<button type=submit>수신거부</button></form>"
        )
        self.answer(HTTPStatus.OK, "수신거부", body)

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_BODY:
            self.answer(HTTPStatus.BAD_REQUEST, "잘못된 요청입니다", "<p>요청을 처리할 수 없습니다.</p>")
            return
        form = self.rfile.read(int(length)).decode("ascii", "replace")
        address = self.ticket_address()
        if address is None:
            return
        if ONE_CLICK not in form.split("&"):
            self.answer(HTTPStatus.BAD_REQUEST, "잘못된 요청입니다", f"<p>{ONE_CLICK} 요청이 아닙니다.</p>")
            return
        try:
            self.server.record(address, "one-click unsubscribe (web)")
        except IssuepdfError as err:
            logger.error("cannot record the unsubscribe of %s: %s", address, err)
            body = "<p>잠시 후 다시 시도해 주세요.</p>"
            self.answer(HTTPStatus.SERVICE_UNAVAILABLE, "처리하지 못했습니다", body)
            return
        body = f"<p>{html.escape(address)} 주소는 더 이상 {html.escape(self.server.title)} 메일을 받지 않습니다.</p>"
        self.answer(HTTPStatus.OK, "수신거부되었습니다", body)

    def answer(self, status: HTTPStatus, title: str, body: str) -> None:
        data = PAGE.format(title=html.escape(title), body=body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")  # the URL holds the ticket
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Requests at debug level, without their URL (it holds a ticket)."""
        logger.debug("unsubscribe endpoint: %s %s", self.command, args[1] if len(args) > 1 else "")


def make_endpoint(project: Path, host: str = "127.0.0.1", port: int = 8025) -> Endpoint:
    """The endpoint of the project's list, bound and ready to `serve_forever`; SendError without a secret."""
    settings = load_settings(project).email
    if not settings.unsubscribe_url:
        raise IssuepdfError("set email.unsubscribe_url in issuepdf.yaml: the endpoint answers at its path")
    title = parseaddr(settings.sender or "")[0] or settings.resolved_list_id
    list_file = project_list(project)
    try:
        return Endpoint((host, port), Unsubscribe.of(settings), list_file, title)
    except OSError as err:
        raise IssuepdfError(f"cannot listen on {host}:{port}: {err.strerror}") from err
