"""Charts fetch nothing: no URL passes `check`, and the chart browser cannot reach the network or the disk.

Rows C1-C4 of docs/hostile-inputs.md.
"""

from __future__ import annotations

import base64
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from issuepdf.content.problems import Problems
from issuepdf.content.project import Project
from issuepdf.content.validate import check
from issuepdf.pipeline.charts import ChartJob, render_missing

from .support.issues import MakeIssue
from .test_hostile import problems_of, with_body

CHART_BLOCK = "          - chart: charts/logo.yaml\n"


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


def _spec_with_image(source: str) -> str:
    return f"""\
        figure:
          data: [{{type: bar, x: [가, 나], y: [1, 2]}}]
          layout:
            images: [{{source: "{source}", xref: paper, yref: paper, x: 0, y: 1, sizex: 0.3, sizey: 0.3}}]
        """


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A web server on 127.0.0.1 that records every request it gets: its base URL and the requests."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(_png("red"))

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()


def test_the_chart_browser_fetches_nothing_from_the_network_or_the_disk(
    tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    """Even a figure that reached the browser unchecked: no request, and no file's bytes in the SVG."""
    url, requests = server
    canary = tmp_path / "outside" / "canary.png"
    canary.parent.mkdir()
    canary.write_bytes(_png("#123456"))
    host = url.replace("127.0.0.1", "localhost")
    sources = [canary.as_uri(), f"{url}/layout.png", f"{host}/by-name.png"]
    images = [
        {"source": s, "xref": "paper", "yref": "paper", "x": i / 3, "y": 1, "sizex": 0.3, "sizey": 0.3}
        for i, s in enumerate(sources)
    ]
    figure = {
        "data": [{"type": "bar", "x": ["가"], "y": [1]}, {"type": "image", "source": f"{url}/trace.png"}],
        "layout": {"images": images},
    }
    job = ChartJob(figure, 300, 200, tmp_path / "cache" / "charts" / "c.svg")
    assert render_missing([job]) == 1
    assert requests == []
    svg = job.path.read_bytes()
    assert base64.b64encode(canary.read_bytes()) not in svg
    assert b"data:image/png" not in svg  # nothing at all was drawn from any source


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("file:///etc/hostname", "charts may not name URLs ('file:///etc/hostname')"),
        ("http://127.0.0.1:9/a.png", "charts may not name URLs ('http://127.0.0.1:9/a.png')"),
        ("//example.com/a.png", "charts may not name URLs"),
        ("../outside.png", "give a relative path inside the issue folder"),
        ("link.png", "link.png is a link to a file outside the issue folder"),
        ("text.png", "text.png is not an image issuepdf can read"),
    ],
)
def test_check_refuses_chart_images_that_are_not_the_issues_own(
    make_issue: MakeIssue, tmp_path: Path, source: str, message: str
) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(_png("red"))
    issue = make_issue(
        {
            "issue.yaml": with_body(CHART_BLOCK),
            "charts/logo.yaml": _spec_with_image(source),
            "charts/text.png": "not an image",
        }
    )
    (issue / "charts" / "link.png").symlink_to(outside)
    problems = problems_of(issue)
    assert any("charts/logo.yaml:2" in p and "figure: layout.images.0.source" in p for p in problems), problems
    assert any(message in p for p in problems), problems


def test_an_image_of_the_issue_is_handed_to_the_browser_as_data(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": with_body(CHART_BLOCK),
            "charts/logo.yaml": _spec_with_image("logo.png"),  # relative to the spec, like csv:
            "charts/logo.png": _png("#1f4e79"),
        }
    )
    checked = check(Project.of(issue), Problems())
    assert checked is not None
    (image,) = checked.charts["charts/logo.yaml"].figure["layout"]["images"]  # type: ignore[index]
    assert image["source"] == "data:image/png;base64," + base64.b64encode(_png("#1f4e79")).decode()
