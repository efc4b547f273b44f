"""What serve shows during and after a build, without a browser: the edited article first, renumbered pages
next, and in the end every page image exactly the PDF's page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from issuepdf.editor.serve_state import LiveIssue
from issuepdf.editor.watch import Outcome, rebuild
from issuepdf.pipeline.incremental import Session
from issuepdf.pipeline.raster import PdfPages

from .support.archives import project, write_issue

EDITED = "articles/ico-prison-blockchain.yaml"


class Recording(LiveIssue):
    """A LiveIssue that keeps every state it showed."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[tuple[list[str], list[int]]] = []

    def _moved(self) -> None:
        self.steps.append((list(self.shown), list(self.changed)))
        super()._moved()


def build_once(issue: Path, live: Recording, session: Session) -> Outcome:
    live.building()
    outcome = rebuild(issue, session, None, "screen", False)
    live.finished(outcome)
    return outcome


def same_image(png: bytes, other: bytes) -> bool:
    first, second = (Image.open(io.BytesIO(data)).convert("RGB") for data in (png, other))
    return first.size == second.size and ImageChops.difference(first, second).getbbox() is None


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    return write_issue(project(tmp_path) / "issues" / "260")


def test_an_article_grown_by_pages_shows_first_then_the_renumbered_pages(issue: Path) -> None:
    live, session = Recording(), Session()
    session.listener = live
    first = build_once(issue, live, session)
    assert first.result is not None and live.status == "ok"
    before = list(live.shown)
    starts = {entry["title"]: entry["page"] for entry in live.contents if entry["level"] == 2}
    edited_start = next(page for title, page in starts.items() if "교도소" in title)
    later = sorted(page for page in starts.values() if page > edited_start)
    assert later, "the edited article must not be the last"

    edited = issue / EDITED
    extra = "".join(f"- 추가 문단 {i}. 블록체인 교도소 관리는 위변조를 막는 방법이다.\n" for i in range(30))
    edited.write_text(edited.read_text(encoding="utf-8") + extra, encoding="utf-8")
    live.steps.clear()
    grown = build_once(issue, live, session)
    assert grown.result is not None and grown.result.pages > len(before)

    shown_steps = [(shown, changed) for shown, changed in live.steps if changed]
    first_shown, first_changed = shown_steps[0]
    assert first_changed == list(range(edited_start - 1, first_changed[-1] + 1))  # the article's pages, first
    assert first_shown[: edited_start - 1] == before[: edited_start - 1]  # nothing before the article moved
    assert any(index >= later[0] for _, changed in shown_steps[1:] for index in changed)  # then the later pages
    assert len(live.shown) == grown.result.pages
    renumbered = {entry["title"]: entry["page"] for entry in live.contents if entry["level"] == 2}
    assert all(renumbered[title] > page for title, page in starts.items() if page > edited_start)

    pdf = PdfPages(grown.result.pdf.read_bytes())
    for index, version in enumerate(live.shown):
        view = live.view(version)
        assert view is not None
        image = view.image()
        assert image is not None and same_image(image, pdf.png(index)), f"page {index + 1} is not the PDF's"


def test_a_broken_save_keeps_the_last_good_pages_and_says_where(issue: Path) -> None:
    live, session = Recording(), Session()
    session.listener = live
    build_once(issue, live, session)
    good = list(live.shown)
    edited = issue / EDITED
    edited.write_text(edited.read_text(encoding="utf-8").replace("body:", "body: [", 1), encoding="utf-8")
    assert build_once(issue, live, session).result is None
    assert live.status == "failed" and live.shown == good
    problem = live.state()["problems"][0]
    assert problem["place"]["path"] == str(edited.resolve()) and problem["place"]["line"] > 0
    assert all(live.view(version) is not None for version in good)
