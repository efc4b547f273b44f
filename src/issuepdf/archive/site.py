"""The archive's web site: every archived issue's web edition in `web/<number>/` of the archive root.

`issuepdf archive` publishes the issue's web edition there (store.py) and keeps it in the revision as a ZIP;
after every archive (and `archive page`) this module publishes again any issue the site lacks from that ZIP,
links each issue's pages to the previous and next issue, and writes beside the issue
folders the Atom feeds of issues (`issues.xml`) and of articles (`articles.xml`), newest first, and, when
`site_url` is set, `sitemap.xml`. The archive root's `web/` is what is served at `site_url`, so an article
is at `<site_url>/<number>/<id>.html` (web/links.py). It is derived: `verify` checks the ZIPs, not the site.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from ..pipeline.output import write_atomic
from ..web.bundle import unzipped
from ..web.meta import RECORD_NAME, SITEMAP_NAME, EditionRecord, articles_feed, edition_urls, issues_feed, sitemap
from ..web.site import NEIGHBOURS_TEMPLATE, with_neighbours, write_folder

ISSUES_FEED = "issues.xml"
ARTICLES_FEED = "articles.xml"


def publish_site(web: Path, templates: Path, bundles: dict[int, Path]) -> dict[int, EditionRecord]:
    """Publish again each issue the site lacks from its revision's ZIP (`bundles`, by number), link every
    published issue to its neighbours, and write the site's feeds and sitemap; the records by number."""
    for number, bundle in bundles.items():
        if not (web / str(number) / RECORD_NAME).is_file() and bundle.is_file():
            write_folder(web / str(number), unzipped(bundle.read_bytes(), str(bundle)))
    records = {
        int(folder.name): EditionRecord.read(folder / RECORD_NAME)
        for folder in (web.iterdir() if web.is_dir() else [])
        if folder.is_dir() and folder.name.isdigit() and (folder / RECORD_NAME).is_file()
    }
    if not records:
        return records
    numbers = sorted(records)
    template = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates), autoescape=True, undefined=jinja2.StrictUndefined
    ).get_template(NEIGHBOURS_TEMPLATE)
    for i, number in enumerate(numbers):
        around = {
            "previous": _brief(records[numbers[i - 1]]) if i > 0 else None,
            "next": _brief(records[numbers[i + 1]]) if i + 1 < len(numbers) else None,
        }
        nav = Markup(template.render(**around))  # the project's template, rendered with autoescape
        for page in sorted((web / str(number)).glob("*.html")):
            html = page.read_text(encoding="utf-8")
            linked = with_neighbours(html, nav)
            if linked != html:
                write_atomic(page, linked.encode())
    newest = [records[number] for number in reversed(numbers)]
    site_url, title = newest[0].site_url, newest[0].title
    write_atomic(web / ISSUES_FEED, issues_feed(newest, site_url, title, ISSUES_FEED))
    write_atomic(web / ARTICLES_FEED, articles_feed(newest, site_url, title, ARTICLES_FEED))
    if site_url:
        write_atomic(web / SITEMAP_NAME, sitemap([url for record in newest for url in edition_urls(record)]))
    return records


def _brief(record: EditionRecord) -> dict[str, str | int]:
    return {"number": record.number, "date": record.date.replace("-", ".")}
