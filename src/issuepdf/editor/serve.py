"""`issuepdf serve`: the issue's pages in a browser, updated in place on every save.

A local web server (standard library, one thread per request) over the watch loop: the build thread
keeps a `LiveIssue` current and the page follows it through server-sent events. Routes:

- `/`: the page (serve_page.html); `/events`: the state as a server-sent event on every change;
  `/state`: the same state once;
- `/page/<version>.png` and `/map/<version>.json`: a page's image and its source map (a version
  never changes, so both are cached for good);
- `/issue.pdf`: the PDF of the last good build; `POST /open`: run the editor command of
  issuepdf.yaml (`serve.editor`) on a place the page was given.

It binds 127.0.0.1 by default, answers only requests addressed to the host it serves (a web page
elsewhere cannot reach it through DNS rebinding), and runs the editor command only for a request
carrying the page's random token, on a file inside the issue, layouts or fonts.
"""

from __future__ import annotations

import gc
import json
import secrets
import shlex
import subprocess
import threading
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from ..content.errors import IssuepdfError
from ..content.project import Project
from ..pipeline.editions import Edition
from ..pipeline.incremental import Session
from ..pipeline.typeset import uncapped_child
from .serve_pages import PageView, Place
from .serve_state import LiveIssue, place_json
from .watch import Outcome, watch

PAGE = Path(__file__).with_name("serve_page.html")
KEEPALIVE_S = 15.0
"""How often an idle event stream sends a comment, so that proxies and browsers keep it open."""
FULL_COLLECT_EVERY = 20
"""Builds between two full garbage collections (see `_settle_heap`)."""


class Editor:
    """Opens a place in the editor: a link the page follows (`vscode://…`) or a command run here."""

    def __init__(self, template: str, roots: list[Path]) -> None:
        self.template = template
        self.roots = [root.resolve() for root in roots]
        self.is_link = "://" in template

    def link(self, place: Place) -> str | None:
        if not self.is_link:
            return None
        return self.template.format(path=quote(str(place.path)), line=place.line, col=place.col)

    def run(self, place: Place) -> None:
        """Start the command on a file of the issue, layouts or fonts; anything else is refused."""
        if self.is_link or not place.path.is_file():
            raise ValueError("nothing to open")
        if not any(place.path.is_relative_to(root) for root in self.roots):
            raise ValueError("outside the issue, layouts and fonts")
        values = {"path": str(place.path), "line": place.line, "col": place.col}
        command = [arg.format(**values) for arg in shlex.split(self.template)]
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=uncapped_child,  # the build thread may be under a memory cap right now
        )


class Handler(BaseHTTPRequestHandler):
    """One request of the page."""

    server: PreviewServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows builds, not requests."""

    def do_GET(self) -> None:
        if not self._addressed_to_us():
            return
        url = urlsplit(self.path)
        route, _, name = url.path.lstrip("/").partition("/")
        live = self.server.live
        if url.path == "/":
            page = PAGE.read_text(encoding="utf-8").replace("{{TOKEN}}", self.server.token)
            self._send(200, "text/html; charset=utf-8", page.encode())
        elif url.path == "/events":
            self._events()
        elif url.path == "/state":
            with live.condition:
                state = live.state()
            self._json(self._linked(state))
        elif url.path == "/issue.pdf" and live.pdf is not None:
            self._send(200, "application/pdf", live.pdf.read_bytes(), cache=False)
        elif route == "page" and (view := self._view(name)) is not None and (image := view.image()) is not None:
            self._send(200, "image/png", image, cache=True)
            live.sent(view.version)
        elif route == "map" and (view := self._view(name)) is not None:
            self._json(self._map(view), cache=True)
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found")

    def do_POST(self) -> None:
        if not self._addressed_to_us():
            return
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if url.path != "/open" or not secrets.compare_digest(query.get("token", ""), self.server.token):
            self._send(403, "text/plain; charset=utf-8", b"refused")
            return
        try:
            self.server.editor.run(Place(Path(query["path"]).resolve(), int(query["line"]), int(query["col"])))
        except (KeyError, ValueError, OSError) as err:
            self._send(400, "text/plain; charset=utf-8", f"cannot open: {err}".encode())
            return
        self._send(204, "text/plain", b"")

    def _addressed_to_us(self) -> bool:
        hosts = self.server.hosts
        if hosts is None or self.headers.get("Host", "") in hosts:
            return True
        self._send(421, "text/plain; charset=utf-8", b"wrong host")
        return False

    def _view(self, name: str) -> PageView | None:
        version = name.rsplit(".", 1)[0]
        return self.server.live.view(version)

    def _map(self, view: PageView) -> dict[str, Any]:
        issue_dir = self.server.issue_dir
        areas = []
        for rect, place in view.areas:
            shown = place.path.relative_to(issue_dir) if place.path.is_relative_to(issue_dir) else place.path
            where = {**place_json(place), "shown": f"{shown}:{place.line}:{place.col}"}
            areas.append({"rect": rect, "place": where, "link": self.server.editor.link(place)})
        return {"width": view.width, "height": view.height, "areas": areas}

    def _events(self) -> None:
        """The state now and after every change, until the client goes or the server stops."""
        live = self.server.live
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        with live.condition:
            live.watching += 1
        try:
            while not self.server.stopping:
                with live.condition:
                    live.condition.wait_for(partial(_moved_since, live, seen), timeout=KEEPALIVE_S)
                    moved, seen = live.generation != seen, live.generation
                    state = live.state() if moved else None
                message = f"data: {json.dumps(self._linked(state), ensure_ascii=False)}\n\n" if state else ": idle\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        finally:
            with live.condition:
                live.watching -= 1

    def _linked(self, state: dict[str, Any]) -> dict[str, Any]:
        """The state with an editor link on every problem that has a place."""
        for problem in state["problems"]:
            if "place" in problem:
                place = problem["place"]
                problem["link"] = self.server.editor.link(Place(Path(place["path"]), place["line"], place["col"]))
        return state

    def _json(self, value: Any, cache: bool = False) -> None:
        self._send(200, "application/json", json.dumps(value, ensure_ascii=False).encode(), cache)

    def _send(self, status: int, kind: str, body: bytes, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=31536000, immutable" if cache else "no-store")
        self.end_headers()
        self.wfile.write(body)


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server and what its requests read."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], live: LiveIssue, project: Project, editor: Editor) -> None:
        try:
            super().__init__(address, Handler)
        except OSError as err:
            raise IssuepdfError(
                f"cannot serve on {address[0]}:{address[1]} ({err.strerror}); choose another port with --port"
            ) from None
        self.live, self.issue_dir, self.editor, self.host = live, project.issue_dir, editor, address[0]
        self.token = secrets.token_urlsafe(16)
        self.stopping = False
        port = self.server_address[1]
        loopback = {"127.0.0.1", "localhost", "::1"}
        names = {*loopback, "[::1]"}
        self.hosts = {f"{name}:{port}" for name in names} if address[0] in loopback else None
        """The Host headers answered; any, when the editor chose to serve beyond this machine."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server_address[1]}/"


def serve(
    issue_dir: Path,
    port: int = 8000,
    edition: Edition = "screen",
    host: str = "127.0.0.1",
    *,
    on_ready: Callable[[str], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve the live page of ISSUE_DIR until `stop` is set (or Ctrl-C); `on_ready` gets its URL."""
    project = Project.of(issue_dir)
    editor = Editor(project.settings.serve.editor, project.readable)
    live = LiveIssue()
    server = PreviewServer((host, port), live, project, editor)
    thread = threading.Thread(target=server.serve_forever, name="issuepdf-serve", daemon=True)
    thread.start()
    if on_ready is not None:
        on_ready(server.url)
    try:
        watch(
            project.issue_dir,
            edition=edition,
            on_outcome=partial(_finished, live, on_outcome),
            stop=stop,
            session=Session(listener=live),
            on_start=live.building,
        )
    finally:
        gc.unfreeze()
        server.stopping = True
        live.stop()
        server.shutdown()
        server.server_close()


def _moved_since(live: LiveIssue, generation: int) -> bool:
    return live.generation != generation


def _finished(live: LiveIssue, also: Callable[[Outcome], None] | None, outcome: Outcome) -> None:
    live.finished(outcome)
    _settle_heap(live.builds)
    if also is not None:
        also(outcome)


def _settle_heap(builds: int) -> None:
    """Keep what a build leaves (the session's pages) out of the garbage collector's way until the next edit.

    A session of the 310-page issue holds millions of objects; a full collection that starts during
    the next edit's check took 0.65-1.1 s (measured). Frozen, they are not scanned; every
    FULL_COLLECT_EVERY builds they are collected once, after a build, so that pages replaced since are freed.
    """
    if builds % FULL_COLLECT_EVERY == 0:
        gc.unfreeze()
        gc.collect()
    gc.freeze()
