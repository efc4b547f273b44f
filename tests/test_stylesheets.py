"""Linked stylesheets are parsed once per process: a kept sheet lays out exactly as a fresh parse, an
edited sheet is parsed again, its warnings are logged every time, and sheets whose parse reaches beyond
themselves are never kept."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from issuepdf.pipeline import stylesheets
from issuepdf.pipeline.build import build
from issuepdf.pipeline.typeset import _fetcher_class, typeset

from .support.issues import MakeIssue

HTML = '<html><head><link rel="stylesheet" href="sheet.css"></head><body><p class="x">글</p></body></html>'


def laid_out(folder: Path, css: str) -> tuple[float, str]:
    """Write the sheet, lay out a page linking it: the page's width and the paragraph's colour."""
    (folder / "sheet.css").write_text(css, encoding="utf-8")
    document = typeset(HTML, folder, [folder])
    page = document.pages[0]._page_box
    paragraph = page.children[0].children[0].children[0]
    return page.margin_width(), str(paragraph.style["color"])


@pytest.fixture(autouse=True)
def nothing_kept() -> None:
    stylesheets._kept.clear()


def test_a_kept_sheet_lays_out_as_a_fresh_parse(make_issue: MakeIssue) -> None:
    issue = make_issue()
    fresh = build(issue).pdf.read_bytes()
    assert stylesheets._kept  # bulletin.css and the edition's sheet
    assert build(issue).pdf.read_bytes() == fresh


def test_an_edited_sheet_is_parsed_again_and_its_page_rules_kept(tmp_path: Path) -> None:
    a5 = "@page { size: 148mm 210mm } .x { color: rgb(255, 0, 0) }"
    first = laid_out(tmp_path, a5)
    assert laid_out(tmp_path, a5) == first  # from the kept parse: the @page rule still applies
    assert first[0] == pytest.approx(148 * 96 / 25.4)
    edited = laid_out(tmp_path, a5.replace("148mm", "100mm").replace("255, 0, 0", "0, 0, 255"))
    assert edited[0] == pytest.approx(100 * 96 / 25.4)
    assert edited[1] != first[1]


@pytest.mark.expect_warnings
def test_the_warnings_of_a_kept_sheet_are_logged_every_time(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="weasyprint"):
            laid_out(tmp_path, ".x { colour: red }")
        assert any("colour" in record.getMessage() for record in caplog.records)


@pytest.mark.expect_warnings  # the font-face's file is not there
@pytest.mark.parametrize(
    "css",
    [
        '@import "other.css";',
        "@font-face { font-family: Mine; src: url(mine.otf) }",
        "@counter-style thumbs { system: cyclic; symbols: '👍'; }",
        "@layer base { .x { color: red } }",
    ],
)
def test_sheets_whose_parse_reaches_beyond_them_are_not_kept(tmp_path: Path, css: str) -> None:
    (tmp_path / "other.css").write_text(".x { color: green }", encoding="utf-8")
    laid_out(tmp_path, css)
    assert not stylesheets._kept


@pytest.mark.parametrize("css", [".x { color: red }", '@import "other.css"; .x { color: red }'])
def test_a_linked_sheet_is_fetched_once_per_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, css: str) -> None:
    """The fetcher counts every sheet against a layout's bounds (100 sheets): fetched once to be looked up
    and again to be parsed, each sheet counted twice."""
    (tmp_path / "other.css").write_text(".y { color: blue }", encoding="utf-8")
    fetcher = _fetcher_class()
    original = fetcher.fetch
    fetched: list[str] = []

    def counted(self: Any, url: str, headers: Any = None) -> Any:
        fetched.append(url.rsplit("/", 1)[-1])
        return original(self, url, headers)

    monkeypatch.setattr(fetcher, "fetch", counted)
    for _ in range(2):  # parsed, then kept (or parsed again, when the sheet imports)
        fetched.clear()
        laid_out(tmp_path, css)
        assert fetched.count("sheet.css") == 1
