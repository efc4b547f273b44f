"""No chart, photo, stylesheet, template or extracted file makes issuepdf fetch a URL or copy a file
from outside the issue into any output. A local HTTP server must see no request; a canary file outside
the issue must appear in no output: the PDFs (text and every decompressed stream), the HTML, the chart
cache, the email draft and the archive."""

from __future__ import annotations

import http.server
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from issuepdf.archive.extract import extract
from issuepdf.archive.store import archive_issue
from issuepdf.content.errors import IssuepdfError
from issuepdf.mail.draft import compose
from issuepdf.pipeline.build import build

from .support.issues import MINIMAL, MakeIssue
from .support.pdfs import pdf_text
from .support.projects import make_project

CANARY = "CANARY-b7e1"
pytestmark = pytest.mark.expect_warnings  # refused resources are warnings (fatal with --strict)


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = f'<svg xmlns="http://www.w3.org/2000/svg"><text>{CANARY}</text></svg>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that answers everything with a canary and remembers every request."""
    _Recorder.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.requests
    httpd.shutdown()


def canary_files(folder: Path) -> dict[str, Path]:
    """A canary SVG image and stylesheet outside the issue."""
    folder.mkdir(exist_ok=True)
    svg = folder / "canary.svg"
    svg.write_text(f'<svg xmlns="http://www.w3.org/2000/svg"><text y="10">{CANARY}</text></svg>', encoding="utf-8")
    css = folder / "canary.css"
    css.write_text(f'body::after {{ content: "{CANARY}" }}', encoding="utf-8")
    return {"svg": svg, "css": css}


def hostile_issue(make_issue: MakeIssue, url: str, outside: dict[str, Path]) -> Path:
    """An issue whose every way of naming a resource points at the server or the canary."""
    svg, css = outside["svg"].as_uri(), outside["css"].as_uri()
    png = outside["svg"].with_name("canary.png").as_uri()  # refused unread, so it need not exist
    body = (
        f'          - "[링크]({url}/link) <img src=\\"{svg}\\">"\n'  # `![…](…)` in a text is refused at check
        f"          - photo: images/p.svg\n            alt: 그림\n"
    )
    return make_issue(
        {
            "issue.yaml": MINIMAL + body,
            "images/p.svg": f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            f'<image href="{url}/in-svg.png" width="5" height="5"/><image xlink:href="{png}" width="5" height="5"/>'
            "</svg>",  # an SVG that draws another SVG is refused at check (test_hostile_files.py)
            "layouts/issue.css": f'@import url("{url}/import.css"); @import url("{css}");'
            f' body {{ background: url("{url}/bg.svg") }} h1 {{ background: url("{svg}") }}'
            f' @font-face {{ font-family: X; src: url("{url}/font.woff") }}',
            "layouts/cover.html": f'<section class="cover"><img src="{url}/cover.svg"><img src="{svg}">'
            f'<link rel="stylesheet" href="{css}"></section>',
        }
    )


def outputs_hold(folder: Path, text: str) -> list[Path]:
    """Every file under `folder` whose bytes, any zlib stream in them, or (a PDF) its text contain `text`."""
    return [path for path in folder.rglob("*") if path.is_file() and _holds(path, text)]


def _holds(path: Path, text: str) -> bool:
    data, needle = path.read_bytes(), text.encode()
    if needle in data or any(needle in stream for stream in _streams(data)):
        return True
    return path.suffix == ".pdf" and text in pdf_text(path)


def _streams(data: bytes) -> Iterator[bytes]:
    """The decompressed content of every Flate stream in a PDF (or anything with zlib data)."""
    start = 0
    while (start := data.find(b"stream", start)) != -1:
        start += len(b"stream")
        begin = start + (2 if data[start : start + 2] == b"\r\n" else 1)
        try:
            yield zlib.decompressobj().decompress(data[begin : begin + 5_000_000])
        except zlib.error:
            continue


def test_no_output_fetches_a_url_or_copies_a_file_from_outside(
    make_issue: MakeIssue, server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, requests = server
    outside = canary_files(tmp_path / "outside")
    issue = hostile_issue(make_issue, url, outside)
    for edition in ("screen", "print", "archive"):
        build(issue, edition=edition, html_output=issue / "out" / f"{edition}.html")
    extract(issue / "out" / "issue-260-archive.pdf", tmp_path / "extracted")
    assert requests == []
    assert outputs_hold(issue, CANARY) == [] and outputs_hold(tmp_path / "extracted", CANARY) == []


def test_email_and_archive_fetch_nothing(server: tuple[str, list[str]], tmp_path: Path) -> None:
    url, requests = server
    outside = canary_files(tmp_path / "outside")
    project = make_project(tmp_path / "project", "email:\n  sender: KIC 중국 <news@kic.example>\n")

    def make(files: dict[str, str | bytes] | None = None, name: str = "260") -> Path:
        from .support.issues import write_files

        return write_files(project / "issues" / name, {"issue.yaml": MINIMAL, **(files or {})})

    issue = hostile_issue(make, url, outside)
    compose(issue)
    archive_issue(issue, tmp_path / "archive")
    assert requests == []
    assert outputs_hold(issue, CANARY) == [] and outputs_hold(tmp_path / "archive", CANARY) == []


def test_a_chart_image_from_the_network_or_outside_is_refused(
    make_issue: MakeIssue, server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, requests = server
    outside = canary_files(tmp_path / "outside")
    for source in (f"{url}/chart.svg", outside["svg"].as_uri()):
        figure = (
            "type: bar\nfigure:\n  data: [{type: bar, x: [가, 나], y: [1, 2]}]\n"
            f'  layout: {{images: [{{source: "{source}", x: 0, y: 0, sizex: 1, sizey: 1}}]}}\n'
        )
        issue = make_issue(
            {"issue.yaml": MINIMAL + "          - chart: c.yaml\n            alt: 차트\n", "c.yaml": figure}
        )
        try:
            build(issue)
        except IssuepdfError as err:
            assert CANARY not in str(err)
        assert requests == []
        assert outputs_hold(issue, CANARY) == []


def test_the_scan_finds_a_canary_that_got_in(make_issue: MakeIssue, tmp_path: Path) -> None:
    """The guard itself: a canary printed as text, or copied as a file, is found (so the tests above can fail)."""
    issue = make_issue({"issue.yaml": MINIMAL + f"          - {CANARY} 문단\n"})
    build(issue)
    assert outputs_hold(issue / "out", CANARY) == [issue / "out" / "issue-260.pdf"]
