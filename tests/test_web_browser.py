"""The web edition in a real browser (headless Debian Chromium) at a phone's width and a laptop's: no sideways
scrolling, nothing logged, nothing fetched from outside the folder, and no serious or critical axe-core finding,
opened from the file system and served over HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.web.site import SiteResult, build_site

from .support.browser import Browser, serving
from .support.issues import HEAD, MakeIssue

WIDTHS = (375, 1280)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    opened = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def site_260(tmp_path_factory: pytest.TempPathFactory) -> SiteResult:
    issue = tmp_path_factory.mktemp("browser") / "260"
    shutil.copytree(SOURCE_ROOT / "issues" / "260", issue, ignore=shutil.ignore_patterns("out"))
    return build_site(issue)


@pytest.fixture(scope="module")
def blocks_site(tmp_path_factory: pytest.TempPathFactory, blocks_issue: Path) -> SiteResult:
    return build_site(blocks_issue, tmp_path_factory.mktemp("browser-blocks") / "web")


def _pages(site: SiteResult) -> list[str]:
    return ["index.html", *(a.page for a in site.record.articles)]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_of_260_fits_logs_nothing_and_fetches_only_its_folder(
    browser: Browser, site_260: SiteResult, width: int
) -> None:
    folder = site_260.folder.resolve().as_uri() + "/"
    for page in _pages(site_260):
        visit = browser.visit(folder + page, width)
        assert visit.problems == [], page
        assert all(url.startswith(folder) for url in visit.requests), (page, visit.requests)
        assert visit.scroll_width <= width, f"{page} scrolls sideways at {width} px ({visit.scroll_width} px)"
    assert any(url.endswith(".woff2") for url in visit.requests)


def test_axe_finds_nothing_serious_on_any_page_of_260(browser: Browser, site_260: SiteResult) -> None:
    folder = site_260.folder.resolve().as_uri() + "/"
    for page in _pages(site_260):
        browser.visit(folder + page, 1280)
        serious = [v for v in browser.axe() if v["impact"] in ("serious", "critical")]
        assert serious == [], page


@pytest.mark.parametrize("width", WIDTHS)
def test_every_block_type_fits_and_passes_axe(browser: Browser, blocks_site: SiteResult, width: int) -> None:
    folder = blocks_site.folder.resolve().as_uri() + "/"
    for page in _pages(blocks_site):
        visit = browser.visit(folder + page, width)
        assert visit.problems == [] and visit.scroll_width <= width, (page, visit)
        assert [v for v in browser.axe() if v["impact"] in ("serious", "critical")] == [], page


def test_the_print_stylesheet_prints_the_article_alone(browser: Browser, site_260: SiteResult) -> None:
    page = site_260.record.articles[3].page  # Gazelle: tables and charts
    browser.visit(f"{site_260.folder.resolve().as_uri()}/{page}", 1280)
    browser.send("Emulation.setEmulatedMedia", media="print")
    try:
        hidden = browser.evaluate(
            "['.article-nav', '.crumbs', '.skip'].map(s => getComputedStyle(document.querySelector(s)).display)"
        )
        assert hidden == ["none", "none", "none"]
        assert browser.evaluate("getComputedStyle(document.querySelector('.table-scroll')).overflowX") == "visible"
        pdf = browser.send("Page.printToPDF", paperWidth=8.27, paperHeight=11.69)["data"]
        assert len(pdf) > 10_000
    finally:
        browser.send("Emulation.setEmulatedMedia", media="")


def test_served_by_a_static_web_server(browser: Browser, site_260: SiteResult) -> None:
    with serving(site_260.folder) as base:
        for page in ("", site_260.record.articles[0].page):
            visit = browser.visit(base + page, 375)
            assert visit.problems == [] and all(url.startswith((base, "data:")) for url in visit.requests), visit
            assert browser.evaluate("document.fonts.check('16px \"Noto Sans CJK KR\"', '가젤')")


WIDE = (
    HEAD
    + """\
    articles:
      - title: 열세 열짜리 표
        body:
          - table:
              - [구분, 1월, 2월, 3월, 4월, 5월, 6월, 7월, 8월, 9월, 10월, 11월, 12월]
              - [금액(억 위안), 1.2, 1.5, 0.9, 2.2, 3.0, 2.8, 2.6, 3.1, 4.0, 3.8, 4.1, 1234.5]
          - "https://example.com/a/very/long/path/that/never/breaks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          - sources: [공식 사이트 https://example.com/a/very/long/path/that/never/breaks/aaaaaaaaaaaaaaaaaaaaaaa, 둘째]
"""
)


def test_a_wide_table_scrolls_in_its_region_with_words_whole_and_long_addresses_wrap(
    browser: Browser, make_issue: MakeIssue
) -> None:
    site = build_site(make_issue({"issue.yaml": WIDE}))
    visit = browser.visit(f"{site.folder.resolve().as_uri()}/{site.record.articles[0].page}", 375)
    assert visit.problems == [] and visit.scroll_width <= 375
    assert browser.evaluate("[...document.querySelectorAll('.table-scroll')].map(e => e.scrollWidth > e.clientWidth)")
    lines = browser.evaluate(
        "[...document.querySelectorAll('td, th')].map(cell => {"
        " const range = document.createRange(); range.selectNodeContents(cell);"
        " return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })"
    )
    assert lines.count(1) >= len(lines) - 1, lines  # every cell on one line (`금액(억 위안)` may take two)
