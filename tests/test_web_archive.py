"""The web edition in the archive: `issuepdf archive` publishes each issue's pages in `web/<number>/`, the
archive page and its search link to them, each page links to the neighbouring issues and to the article in the
PDF, and the site's feeds and sitemap list every issue; every link resolves; the site works in Chromium opened
from the file system and served by a static web server."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import unicodedata
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
from fontTools.ttLib import TTFont

from issuepdf.archive.manifest import Manifest
from issuepdf.archive.page import write_page
from issuepdf.archive.store import archive_issue
from issuepdf.archive.verify import verify
from issuepdf.content.errors import IssuepdfError
from issuepdf.web.bundle import unzipped, zipped
from issuepdf.web.links import article_url

from .support.archives import copy_archive, write_issue
from .support.browser import Browser, serving
from .support.projects import make_project
from .support.sites import broken_links, find_all, parse, text

SITE = "https://news.example.org/bulletin"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("web-archive")
    project = make_project(base / "project", f"site_url: {SITE}\n")
    root = base / "archive"
    for number, date in ((260, dt.date(2021, 12, 22)), (261, dt.date(2021, 12, 29))):
        archive_issue(write_issue(project / "issues" / str(number), number, date), root)
    return root


def test_each_issue_is_published_with_its_pages(archive: Path) -> None:
    for number in (260, 261):
        folder = archive / "web" / str(number)
        assert (folder / "index.html").is_file() and (folder / "cover.png").is_file()
        record = json.loads((folder / "edition.json").read_bytes())
        assert all((folder / a["page"]).is_file() for a in record["articles"])
    assert verify(archive).ok


def test_the_revision_keeps_the_web_edition_and_the_site_is_made_again_from_it(archive: Path, tmp_path: Path) -> None:
    assert "issue-260-web.zip" in {f.path for f in Manifest.read(archive / "260" / "r1" / "manifest.json").files}
    copy = copy_archive(archive, tmp_path / "archive")
    before = {p.relative_to(copy).as_posix(): p.read_bytes() for p in (copy / "web").rglob("*") if p.is_file()}
    shutil.rmtree(copy / "web")
    write_page(copy)
    after = {p.relative_to(copy).as_posix(): p.read_bytes() for p in (copy / "web").rglob("*") if p.is_file()}
    assert after == before
    assert verify(copy).ok


def test_a_web_zip_naming_a_file_outside_is_not_published() -> None:
    moment = dt.datetime(2021, 12, 22, tzinfo=dt.UTC)
    for name in ("../escape.html", "/etc/x", "a/../../b"):
        with pytest.raises(IssuepdfError, match="not a plain relative name"):
            unzipped(zipped({name: b"x"}, moment), "issue-260-web.zip")
    assert unzipped(zipped({"index.html": b"x"}, moment), "z") == {"index.html": b"x"}
    assert zipped({"b": b"1", "a": b"2"}, moment) == zipped({"a": b"2", "b": b"1"}, moment)


def test_every_character_the_published_pages_show_is_in_their_fonts(archive: Path) -> None:
    """The neighbours' links are added after the build subset its fonts: their words must be in the subset too."""
    for folder in (archive / "web" / "260", archive / "web" / "261"):
        covered: set[int] = set()
        for font in folder.glob("*.woff2"):
            covered |= set(TTFont(font).getBestCmap())
        shown = {char for page in folder.glob("*.html") for char in text(parse(page)) if _shown(char)}
        assert sorted(char for char in shown if ord(char) not in covered) == [], folder.name


def test_every_link_of_the_archive_site_resolves(archive: Path) -> None:
    assert broken_links(archive) == []


def test_pages_link_to_the_neighbouring_issues_and_the_pdf_page(archive: Path) -> None:
    first = parse(archive / "web" / "260" / "s1-a1.html")
    hrefs = [a.get("href", "") for a in first.iter() if a.get("href")]
    assert "../261/index.html" in hrefs and not any(h.startswith("../259/") for h in hrefs)
    (pdf,) = [h for h in hrefs if "#page=" in h]
    assert pdf.startswith("../../260/r1/issue-260.pdf#page=")
    later = [a.get("href") for a in parse(archive / "web" / "261" / "index.html").iter() if a.get("rel") == "prev"]
    assert later == ["../260/index.html"]
    og = [m.get("content") for m in find_all(first, "meta") if m.get("property") == "og:image"]
    assert og == [f"{SITE}/260/cover.png"]


def test_the_archive_page_and_its_search_link_to_the_web_pages(archive: Path) -> None:
    index = parse(archive / "index.html")
    hrefs = [a.get("href", "") for a in index.iter() if a.get("href")]
    assert "web/261/index.html" in hrefs and "web/260/s1-a1.html" in hrefs
    script = (archive / "search-index.js").read_text(encoding="utf-8")
    data = json.loads(script.split("=", 1)[1].rstrip().rstrip(";"))
    assert [a["web"] for a in data["issues"][0]["articles"]][:1] == ["web/261/s1-a1.html"]


def test_the_site_feeds_and_sitemap_list_every_issue(archive: Path) -> None:
    issues = feedparser.parse((archive / "web" / "issues.xml").read_bytes())
    assert not issues.bozo and [e.link for e in issues.entries] == [f"{SITE}/261/", f"{SITE}/260/"]
    articles = feedparser.parse((archive / "web" / "articles.xml").read_bytes())
    assert not articles.bozo and articles.entries[0].link == article_url(SITE, 261, "s1-a1")
    sitemap = (archive / "web" / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{SITE}/260/s1-a1.html</loc>" in sitemap and f"<loc>{SITE}/261/</loc>" in sitemap


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    opened = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield opened
    opened.close()


PAGES = ["index.html", "web/260/index.html", "web/260/s1-a1.html", "web/261/s3-a1.html"]


@pytest.mark.parametrize("width", [375, 1280])
def test_the_site_works_from_the_file_system(archive: Path, browser: Browser, width: int) -> None:
    base = archive.resolve().as_uri() + "/"
    for page in [*PAGES, "index.html?q=" + quote("가젤 기업")]:
        visit = browser.visit(base + page, width)
        assert visit.problems == [] and visit.scroll_width <= width, visit
        assert all(url.startswith((base, "data:")) for url in visit.requests), visit.requests
        assert [v for v in browser.axe() if v["impact"] in ("serious", "critical")] == [], page


def test_the_site_works_served_over_http(archive: Path, browser: Browser) -> None:
    with serving(archive) as base:
        for feed in ("web/issues.xml", "web/articles.xml", "web/sitemap.xml"):  # what readers' tools fetch
            with urllib.request.urlopen(base + feed, timeout=10) as answer:
                assert answer.status == 200 and "xml" in answer.headers["Content-Type"]
                assert feed.endswith("sitemap.xml") or not feedparser.parse(answer.read()).bozo
        for page in PAGES:
            visit = browser.visit(base + page, 1280)
            assert visit.problems == [], visit
            assert all(url.startswith((base, "data:")) for url in visit.requests), visit.requests
        browser.visit(base + "index.html?q=" + quote("가젤"), 1280)
        hits = browser.evaluate("[...document.querySelectorAll('#results a')].map(a => a.getAttribute('href'))")
        assert hits[:1] == ["web/261/s1-a1.html"] and hits[1].startswith("261/r1/issue-261.pdf#page=")  # newest first


def _shown(char: str) -> bool:
    """A character with a glyph: not a space, nor a format character (a word joiner steers breaking only)."""
    return not char.isspace() and unicodedata.category(char) != "Cf"
