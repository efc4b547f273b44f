"""The web edition's feeds and metadata: Atom that a real parser reads, the sitemap, canonical addresses,
Open Graph, schema.org JSON-LD, Dublin Core and the ISSN, from `site_url` and `issn` in issuepdf.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest

from issuepdf.content.errors import SettingsError
from issuepdf.web.links import article_url, issue_url
from issuepdf.web.site import SiteResult, build_site

from .support.archives import write_issue
from .support.projects import make_project
from .support.sites import find_all, parse, text

SITE = "https://news.example.org/bulletin"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteResult:
    root = make_project(tmp_path_factory.mktemp("feeds"), f"site_url: {SITE}/\nissn: 0317-8471\n")
    return build_site(write_issue(root / "issues" / "260"))


def _meta(root: ElementTree.Element, key: str) -> list[str]:
    return [m.get("content", "") for m in find_all(root, "meta") if key in (m.get("name"), m.get("property"))]


def test_the_feed_parses_and_has_atoms_required_elements(site: SiteResult) -> None:
    raw = (site.folder / "feed.xml").read_bytes()
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title and parsed.feed.id == f"{SITE}/260/feed.xml" and parsed.feed.updated
    assert [e.link for e in parsed.entries] == [article_url(SITE, 260, a.id) for a in site.record.articles]
    assert all(e.id and e.title and e.updated and e.summary for e in parsed.entries)
    feed = ElementTree.fromstring(raw)  # RFC 4287 4.1.1: id, title, updated, and an author for every entry
    assert all(feed.find(f"{ATOM}{name}") is not None for name in ("id", "title", "updated", "author"))
    for entry in feed.findall(f"{ATOM}entry"):
        assert all(entry.find(f"{ATOM}{name}") is not None for name in ("id", "title", "updated", "link"))
    assert b"2021-12-22T00:00:00+09:00" in raw  # the issue's date, not the build's: the same feed on any day


def test_the_sitemap_lists_every_page(site: SiteResult) -> None:
    urls = [
        loc.text
        for loc in ElementTree.fromstring((site.folder / "sitemap.xml").read_bytes()).iter(
            "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
        )
    ]
    assert urls == [issue_url(SITE, 260), *(article_url(SITE, 260, a.id) for a in site.record.articles)]


def test_each_page_has_title_description_canonical_and_open_graph(site: SiteResult) -> None:
    for article in site.record.articles:
        root = parse(site.folder / article.page)
        canonical = [link.get("href") for link in find_all(root, "link") if link.get("rel") == "canonical"]
        assert canonical == [article_url(SITE, 260, article.id)] == _meta(root, "og:url")
        assert article.label in text(find_all(root, "title")[0])
        assert _meta(root, "description") == [article.lead] and _meta(root, "og:type") == ["article"]
        (script,) = find_all(root, "script")
        data = json.loads(script.text or "")
        assert data["@type"] == "Article" and data["url"] == canonical[0]
        assert data["isPartOf"]["@type"] == "PublicationIssue" and data["isPartOf"]["issueNumber"] == "260"
        assert data["isPartOf"]["isPartOf"]["issn"] == "0317-8471"


def test_the_issue_page_has_dublin_core_json_ld_and_the_issn(site: SiteResult) -> None:
    root = parse(site.folder / "index.html")
    assert _meta(root, "DC.date") == ["2021-12-22"] and _meta(root, "DC.language") == ["ko"]
    assert "urn:ISSN:0317-8471" in _meta(root, "DC.identifier")
    data = json.loads(find_all(root, "script")[0].text or "")
    assert data["@type"] == "PublicationIssue" and len(data["hasPart"]) == len(site.record.articles)
    (masthead,) = [h for h in find_all(root, "header") if h.get("class") == "masthead"]
    assert "ISSN 0317-8471" in text(masthead)


def test_without_site_url_there_is_no_canonical_and_no_sitemap(tmp_path: Path) -> None:
    built = build_site(write_issue(make_project(tmp_path) / "issues" / "260"))
    root = parse(built.folder / built.record.articles[0].page)
    assert not [link for link in find_all(root, "link") if link.get("rel") == "canonical"]
    assert not (built.folder / "sitemap.xml").exists()
    parsed = feedparser.parse((built.folder / "feed.xml").read_bytes())
    assert not parsed.bozo and parsed.entries[0].link.endswith(built.record.articles[0].page)
    assert not [m for m in find_all(root, "meta") if m.get("name") == "DC.identifier"]


def test_a_wrong_issn_is_refused_with_its_check_digit(tmp_path: Path) -> None:
    root = make_project(tmp_path, "issn: 0317-8472\n")
    with pytest.raises(SettingsError) as refused:
        build_site(write_issue(root / "issues" / "260"))
    lines = refused.value.messages
    assert any("issuepdf.yaml:1:7: issn:" in line and "check digit should be 1" in line for line in lines)
