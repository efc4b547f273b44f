"""What the web edition tells machines: its record, feeds, sitemap, schema.org JSON-LD and Open Graph.

Every web edition folder holds `edition.json`, the record of its issue and articles (titles, ids,
summaries); the archive makes its site-wide feeds and sitemap from these records, without the issue's
sources. Addresses are absolute where a format demands it (sitemap, canonical, Open Graph) and only
when `site_url` is set; without it the feeds link relatively and the sitemap is left out.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from markupsafe import Markup

from .. import __version__
from ..pipeline.editions import KST
from .links import ISSUE_PAGE, issue_url

RECORD_NAME = "edition.json"
FEED_NAME = "feed.xml"
SITEMAP_NAME = "sitemap.xml"


@dataclass(frozen=True)
class ArticleRecord:
    """An article as feeds, search and the neighbours' links need it."""

    id: str
    page: str
    """Its page's file name in the issue's folder."""
    label: str
    """The title line: number, tag, title."""
    section: str
    lead: str


@dataclass(frozen=True)
class EditionRecord:
    """An issue's web edition: what feeds, the sitemap and the archive's pages say of it."""

    number: int
    date: str
    title: str
    publisher: str
    description: str
    site_url: str | None = None
    issn: str | None = None
    cover: str | None = None
    """The cover thumbnail's file in the folder, when the edition has one (archived issues)."""
    articles: list[ArticleRecord] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """`주간 중국 창업 제 260 호(2021.12.22)`."""
        return f"{self.title} 제 {self.number} 호({self.date.replace('-', '.')})"

    @property
    def moment(self) -> dt.datetime:
        """Midnight of the issue date in Seoul: the time feeds give the issue and its articles."""
        return dt.datetime.combine(dt.date.fromisoformat(self.date), dt.time(), tzinfo=KST)

    def url(self, page: str = ISSUE_PAGE) -> str | None:
        """A page's absolute address, when the site's is known (the issue page's ends in `/`)."""
        if self.site_url is None:
            return None
        return issue_url(self.site_url, self.number) + ("" if page == ISSUE_PAGE else page)

    def to_bytes(self) -> bytes:
        return (json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n").encode()

    @classmethod
    def read(cls, path: Path) -> EditionRecord:
        data = json.loads(path.read_bytes())
        return cls(**{**data, "articles": [ArticleRecord(**a) for a in data["articles"]]})


def json_ld(data: dict[str, Any]) -> Markup:
    """schema.org data for a `<script type="application/ld+json">`: `<` escaped so no text can end the element."""
    text = json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def periodical(record: EditionRecord) -> dict[str, Any]:
    """The issue as schema.org's PublicationIssue, part of the Periodical (with its ISSN when configured)."""
    journal: dict[str, Any] = {"@type": "Periodical", "name": record.title, "publisher": _publisher(record)}
    if record.issn:
        journal["issn"] = record.issn
    issue: dict[str, Any] = {
        "@type": "PublicationIssue",
        "issueNumber": str(record.number),
        "datePublished": record.date,
        "name": record.heading,
        "inLanguage": "ko",
        "isPartOf": journal,
    }
    if record.url():
        issue["url"] = record.url()
    return issue


def issue_data(record: EditionRecord) -> dict[str, Any]:
    """The issue page's JSON-LD: the issue and its articles."""
    parts = [{"@type": "Article", "headline": a.label, "url": record.url(a.page) or a.page} for a in record.articles]
    return {**periodical(record), "description": record.description, "hasPart": parts}


def article_data(record: EditionRecord, article: ArticleRecord) -> dict[str, Any]:
    """An article page's JSON-LD: the article, part of its issue."""
    data: dict[str, Any] = {
        "@type": "Article",
        "headline": article.label,
        "datePublished": record.date,
        "inLanguage": "ko",
        "articleSection": article.section,
        "description": article.lead,
        "publisher": _publisher(record),
        "isPartOf": periodical(record),
    }
    if record.url(article.page):
        data["url"] = record.url(article.page)
    if record.cover and record.url(record.cover):
        data["image"] = record.url(record.cover)
    return data


def _publisher(record: EditionRecord) -> dict[str, str]:
    return {"@type": "Organization", "name": record.publisher}


def issues_feed(records: list[EditionRecord], site_url: str | None, title: str, path: str) -> bytes:
    """An Atom feed at `path` (from the site's root) with one entry per issue, newest first: title, date,
    page, and its articles' titles as the summary."""
    feed = _feed(records, site_url, f"{title} — 호", path)
    for record in records:
        entry = _entry(feed, record, ISSUE_PAGE, record.heading, path)
        entry.summary("\n".join(a.label for a in record.articles))
    return bytes(feed.atom_str(pretty=True))


def articles_feed(records: list[EditionRecord], site_url: str | None, title: str, path: str) -> bytes:
    """An Atom feed at `path` (from the site's root) with one entry per article, newest issue first, its lead
    paragraph as the summary and its section as the category."""
    feed = _feed(records, site_url, f"{title} — 기사", path)
    for record in records:
        for article in record.articles:
            entry = _entry(feed, record, article.page, article.label, path)
            entry.summary(article.lead or article.label)
            entry.category(term=article.section)
    return bytes(feed.atom_str(pretty=True))


def _feed(records: list[EditionRecord], site_url: str | None, title: str, path: str) -> Any:
    """A feed's head: id, title, links, author, and as update time the newest issue's date (reproducible)."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(f"{site_url}/{path}" if site_url else f"urn:issuepdf:{_slug(title)}")
    feed.title(title)
    feed.language("ko")
    feed.generator("issuepdf", __version__)
    feed.link(href=f"{site_url}/{path}" if site_url else posixpath.basename(path), rel="self")
    home = posixpath.dirname(path)
    feed.link(href=f"{site_url}/{home}" if site_url else ISSUE_PAGE, rel="alternate", type="text/html")
    feed.author({"name": records[0].publisher if records else "issuepdf"})
    feed.updated(max((record.moment for record in records), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    return feed


def _entry(feed: Any, record: EditionRecord, page: str, title: str, path: str) -> Any:
    """An entry for a page of `record`, linked absolutely with `site_url`, else relative to the feed at `path`."""
    entry = feed.add_entry(order="append")
    here = posixpath.dirname(path) or "."
    entry.id(record.url(page) or f"urn:issuepdf:{_slug(record.title)}:{record.number}:{page}")
    entry.title(title)
    entry.link(href=record.url(page) or posixpath.relpath(f"{record.number}/{page}", here), rel="alternate")
    entry.updated(record.moment)
    entry.published(record.moment)
    entry.author({"name": record.publisher})
    return entry


def _slug(text: str) -> str:
    return "".join(char if char.isalnum() else "-" for char in text).strip("-") or "bulletin"


def sitemap(urls: list[tuple[str, str]]) -> bytes:
    """A sitemap.xml of (address, last modification date) pairs."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"  <url><loc>{escape(url)}</loc><lastmod>{date}</lastmod></url>" for url, date in urls]
    return ("\n".join([*lines, "</urlset>"]) + "\n").encode()


def edition_urls(record: EditionRecord) -> list[tuple[str, str]]:
    """The addresses of an edition's pages for a sitemap (none without `site_url`)."""
    pages = [ISSUE_PAGE, *(a.page for a in record.articles)]
    return [(url, record.date) for page in pages if (url := record.url(page))]
