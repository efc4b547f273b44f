"""`issuepdf serve` driven in headless Chromium over the DevTools protocol, as an editor uses it: pages
appear, an edited article's page changes while the others stay loaded, a broken save shows its problem
over the last good pages, the fix restores them, and a click on a paragraph names its file and line."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from websockets.sync.client import ClientConnection, connect

from issuepdf.content.errors import IssuepdfError
from issuepdf.content.settings import ServeSettings
from issuepdf.editor.serve import serve

from .support.archives import project, write_issue
from .support.pdfs import word_center

WAIT_S = 60
EDITED = "articles/ico-cctv-p2e.yaml"
MARK = "ZQXJ"
"""A word found once in the issue: the paragraph the click test aims at."""
INJECTED = "<img id=injected src=x onerror=alert(1)>"


class Browser:
    """One headless Chromium page, driven through the DevTools protocol."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.ids = count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        self.connection.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.connection.recv(timeout=WAIT_S))
            if message.get("id") == number:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = WAIT_S) -> Any:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = self.js(f"(() => {{ try {{ return {expression}; }} catch {{ return null; }} }})()")
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {expression}")

    def click(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


@contextmanager
def chromium(url: str, profile: Path) -> Iterator[Browser]:
    """Debian's chromium, headless, showing `url`; its DevTools port read from the profile folder."""
    command = [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
        url,
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + WAIT_S
        while not port_file.is_file() or not port_file.read_text().strip():
            assert time.monotonic() < end, "chromium did not start"
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(target for target in targets if target["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as connection:
            yield Browser(connection)
    finally:
        process.terminate()
        process.wait(timeout=WAIT_S)


@contextmanager
def serving(issue: Path) -> Iterator[str]:
    """`issuepdf serve` of `issue` on a free port in a thread; its URL."""
    ready: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=serve, args=(issue,), kwargs={"port": 0, "on_ready": ready.append, "stop": stop}, daemon=True
    )
    thread.start()
    end = time.monotonic() + WAIT_S
    while not ready:
        assert time.monotonic() < end and thread.is_alive(), "serve did not start"
        time.sleep(0.05)
    try:
        yield ready[0]
    finally:
        stop.set()
        thread.join(timeout=WAIT_S)
    assert not thread.is_alive()


@pytest.fixture(scope="module")
def issue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four text articles of issue 260 in a project of their own; one paragraph carries MARK."""
    folder = write_issue(project(tmp_path_factory.mktemp("serve")) / "issues" / "260")
    edited = folder / EDITED
    text = edited.read_text(encoding="utf-8")
    item = re.search(r"^( *- )", text.split("body:", 1)[1], re.MULTILINE)
    assert item is not None
    edited.write_text(f"{text}{item[1]}{MARK} 문단은 클릭으로 찾는 문단이다.\n", encoding="utf-8")
    last = folder / "articles" / "kic-scientists-meeting.yaml"  # a title that is markup, shown as text
    last.write_text(last.read_text(encoding="utf-8").replace("title: ", f"title: {INJECTED} ", 1), encoding="utf-8")
    return folder


def images(browser: Browser) -> list[str]:
    """The image each page figure shows."""
    return list(browser.js("[...document.querySelectorAll('#pages img')].map((img) => img.src)"))


def state(url: str) -> dict[str, Any]:
    result: dict[str, Any] = json.load(urllib.request.urlopen(url + "state"))
    return result


SETTLED = "document.getElementById('status').className === '{status}' && document.body.dataset.generation"


def test_the_page_follows_edits_breaks_and_fixes_and_a_click_finds_the_source(issue: Path, tmp_path: Path) -> None:
    with serving(issue) as url, chromium(url, tmp_path / "profile") as browser:
        browser.wait(SETTLED.format(status="ok"))
        before = images(browser)
        assert len(before) == len(state(url)["pages"]) >= 5
        assert browser.js("document.getElementById('injected')") is None
        assert INJECTED in browser.js("document.getElementById('contents').textContent")
        contents = {entry["title"]: entry["page"] for entry in state(url)["contents"] if entry["level"] == 2}
        starts = sorted(contents.values())
        first = contents[next(title for title in contents if "CCTV" in title)]
        last = starts[starts.index(first) + 1] - 1 if first != starts[-1] else len(before)

        # an edit inside one article: its page image changes, no other page is fetched again
        browser.js("document.querySelectorAll('#pages img').forEach((img) => { img.loading = 'eager'; })")
        browser.wait("[...document.querySelectorAll('#pages img')].every((img) => img.complete && img.naturalWidth)")
        old_images = [urllib.request.urlopen(image).read() for image in before]
        browser.js("performance.clearResourceTimings()")
        generation = state(url)["generation"]
        edited = issue / EDITED
        edited.write_text(edited.read_text(encoding="utf-8").replace("사기라고", "사기(편집)라고"), encoding="utf-8")
        browser.wait(f"document.body.dataset.generation > {generation} && " + SETTLED.format(status="ok"))
        after = images(browser)
        changed = [page for page, (old, new) in enumerate(zip(before, after, strict=True), start=1) if old != new]
        assert changed and all(first <= page <= last for page in changed), (changed, first, last)
        top = browser.js(f"document.getElementById('page-{changed[0]}').getBoundingClientRect().top")
        assert -1 <= top < browser.js("innerHeight") / 2  # scrolled to the first changed page
        fetched = browser.wait(
            "performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/page/'))"
        )
        assert sorted(set(fetched)) == sorted(after[page - 1] for page in changed)
        assert urllib.request.urlopen(after[changed[0] - 1]).read() != old_images[changed[0] - 1]

        # a broken save: the problem is shown at its file:line:col, the last good pages stay
        good = edited.read_text(encoding="utf-8")
        edited.write_text(good.replace("body:", "body: [", 1), encoding="utf-8")
        browser.wait(SETTLED.format(status="failed"))
        problems = browser.js("document.getElementById('problems').textContent")
        assert re.search(rf"{re.escape(EDITED)}:\d+:\d+: ", problems), problems
        link = browser.js("document.querySelector('#problems a').href")
        assert re.fullmatch(rf"vscode://file{re.escape(str((issue / EDITED).resolve()))}:\d+:\d+", link), link
        assert images(browser) == after

        # fixed: the pages come back, the problem goes
        edited.write_text(good, encoding="utf-8")
        browser.wait(SETTLED.format(status="ok"))
        assert browser.js("document.getElementById('problems').textContent") == ""
        assert images(browser) == after

        # a click on the marked paragraph names its file, line and column
        with urllib.request.urlopen(url + state(url)["pdf"].lstrip("/")) as response:
            page, (x, y) = word_center(response.read(), MARK)
        browser.js(f"document.getElementById('page-{page}').scrollIntoView()")
        box = browser.wait(
            f"(() => {{ const img = document.querySelector('#page-{page} img');"
            " const r = img.getBoundingClientRect();"
            " return img.complete && img.naturalWidth ? [r.left, r.top, r.width] : null; })()"
        )
        scale = box[2] / (210 / 25.4 * 96)
        browser.click(box[0] + x * scale, box[1] + y * scale)
        shown = browser.wait("document.getElementById('source').dataset.shown")
        line = next(n for n, text in enumerate(good.splitlines(), start=1) if MARK in text)
        col = good.splitlines()[line - 1].index(MARK) + 1
        assert shown == f"{EDITED}:{line}:{col}"
        link = browser.js("document.querySelector('#source a').href")
        assert link == f"vscode://file{(issue / EDITED).resolve()}:{line}:{col}"


def request(url: str, method: str = "GET", host: str | None = None) -> tuple[int, bytes]:
    """Status and body of a request (an error status is returned, not raised)."""
    headers = {"Host": host} if host else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers)) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_the_server_refuses_other_hosts_tokens_and_files_and_runs_the_editor_command(tmp_path: Path) -> None:
    opened = tmp_path / "opened.yaml"
    root = project(tmp_path / "project")
    (root / "issuepdf.yaml").write_text(f'serve:\n  editor: "cp {{path}} {opened}"\n', encoding="utf-8")
    issue = write_issue(root / "issues" / "260")
    article = (issue / EDITED).resolve()
    with serving(issue) as url:
        page = request(url)[1].decode()
        token = re.search(r'const TOKEN = "([^"]+)"', page)
        assert token is not None
        assert request(url + "state", host="attacker.example:80")[0] == 421  # DNS rebinding
        assert request(url + "page/no-such-version.png")[0] == 404
        place = f"path={article}&line=3&col=5"
        assert request(f"{url}open?token=wrong&{place}", "POST")[0] == 403
        outside = tmp_path / "secret.yaml"
        outside.write_text("x: 1\n", encoding="utf-8")
        assert request(f"{url}open?token={token[1]}&path={outside}&line=1&col=1", "POST")[0] == 400
        assert request(f"{url}open?token={token[1]}&{place}", "POST")[0] == 204
        end = time.monotonic() + WAIT_S
        while not opened.is_file() and time.monotonic() < end:
            time.sleep(0.05)
        assert opened.read_bytes() == article.read_bytes()


def test_a_port_in_use_is_an_error_that_names_the_option(issue: Path) -> None:
    with serving(issue) as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        with pytest.raises(IssuepdfError, match=rf"cannot serve on 127.0.0.1:{port} .*choose another port with --port"):
            serve(issue, port=port)


@pytest.mark.parametrize("template", ["code {path.__class__}", "open {line:>99999999} {path}", "ed {file}", "x {line}"])
def test_an_editor_template_names_only_the_place(template: str) -> None:
    """No attribute walks, no padding to any length, no field but {path}, {line} and {col}; {path} is needed."""
    with pytest.raises(ValidationError, match=r"use \{path\}"):
        ServeSettings(editor=template)
    assert ServeSettings(editor="emacsclient -n +{line}:{col} {path}").editor.startswith("emacsclient")
