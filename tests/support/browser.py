"""Headless Debian Chromium driven over the DevTools protocol, as a web team checks pages: at a window
width, what the page requested, what it logged, whether it scrolls sideways, and what axe-core finds."""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

AXE = Path(__file__).parents[1] / "fixtures" / "axe" / "axe.min.js"
_LISTENING = re.compile(r"DevTools listening on (ws://127\.0\.0\.1:(\d+)/\S+)")


@dataclass
class Visit:
    """What one page load showed."""

    url: str
    width: int
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Console errors and warnings, uncaught exceptions, failed loads, refused content (CSP)."""
    scroll_width: int = 0


class Browser:
    """One Chromium for a test module; `visit` loads a page at a width and records what happened."""

    def __init__(self, profile: Path) -> None:
        env = {key: value for key, value in os.environ.items() if key != "FONTCONFIG_FILE"}
        self.process = subprocess.Popen(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        port = self._port()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        self.stack = ExitStack()
        self.socket: ClientConnection = self.stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None))
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Page.setBypassCSP", enabled=False)

    def _port(self) -> int:
        assert self.process.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            found = _LISTENING.search(line)
            if found:
                return int(found.group(2))
        raise RuntimeError("chromium did not start its DevTools server")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str, wait: bool = False) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=wait, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def visit(self, url: str, width: int) -> Visit:
        """Load `url` in a window `width` px wide (a phone below 600) and wait for its load event and fonts."""
        self.send(
            "Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 600
        )
        self.events.clear()
        self.send("Page.navigate", url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(json.loads(self.socket.recv(timeout=60)))
        self.evaluate("document.fonts.ready.then(() => true)", wait=True)
        visit = Visit(url, width, scroll_width=self.evaluate("document.documentElement.scrollWidth"))
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                visit.requests.append(params["request"]["url"])
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning", "assert"):
                visit.problems.append(f"console {params['type']}: {params['args']}")
            elif method == "Runtime.exceptionThrown":
                visit.problems.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                visit.problems.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
            elif method == "Network.loadingFailed":
                visit.problems.append(f"failed: {params.get('errorText')}")
        return visit

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations on the page loaded last (injected through the protocol, not the page).

        Without preloading: axe would fetch the stylesheets again, which Chromium refuses from file:// (CORS),
        and the refusals would be logged into the next visit."""
        self.evaluate(AXE.read_text(encoding="utf-8"))
        found = self.evaluate(
            "axe.run(document, {resultTypes: ['violations'], preload: false}).then(r => JSON.stringify("
            "r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
            "nodes: v.nodes.map(n => n.target.join(' '))}))))",
            wait=True,
        )
        return list(json.loads(found))

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.stack.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Not a line per request on the test's output."""


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """A static web server for `folder` on 127.0.0.1 while the block runs; yields its base address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
