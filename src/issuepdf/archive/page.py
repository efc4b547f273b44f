"""The static archive page: `index.html` in the archive root, every issue newest first, with a search box.

It must work opened straight from the file system, with no server. Browsers refuse `fetch()` of a
local file from a page at file://, but do run a local `<script src>`; so the search index is two
scripts that set globals, and `archive.js` searches them in the page (`index.html?q=가젤` searches on
load). `search-index.js`, loaded with the page, holds every article's title, section and page: small,
so the page opens at once even with hundreds of issues. `search-text.js` holds the distinct words of
each article's text (a fraction of the text's size, still megabytes for a decade of issues); the page
loads it on the first search. The page finds words and parts of words as the catalog does, without
the catalog's ranking.

Korean must read on any machine, also one without a Korean font: the page brings its own, subsets of
the project's Noto Sans CJK KR (Regular and Bold) as WOFF2 beside it, holding only the characters the
page and its script show, so they stay small; `archive.css` names them with `@font-face` by relative
URL, which browsers load from file:// as from a server. Articles carry the numbers the PDF prints
(`ArticleEntry.number`), never a count of their own.

The page is derived from the catalog and rewritten after every archive (and by `issuepdf archive
page`); `verify` does not check it. Its template, CSS and script live in `layouts/archive/`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import jinja2

from .. import __version__
from ..content.errors import IssuepdfError
from ..content.paths import SOURCE_ROOT, project_root
from ..mail.draft import megabytes
from ..pipeline.editions import PLANS, Edition
from ..pipeline.output import write_atomic
from ..web.bundle import bundle_name
from ..web.fonts import web_font
from ..web.meta import EditionRecord
from ..web.site import NEIGHBOURS_TEMPLATE
from .catalog import Catalog, Revision, open_catalog
from .manifest import COVER_NAME, MANIFEST_NAME
from .search import normalize
from .site import publish_site

PAGE_NAME = "index.html"
INDEX_NAME = "search-index.js"
TEXT_NAME = "search-text.js"
ASSETS = ("archive.css", "archive.js")
WEB_FONTS = {"archive-sans.woff2": "NotoSansCJKkr-Regular.otf", "archive-sans-bold.woff2": "NotoSansCJKkr-Bold.otf"}
"""The page's fonts (named by archive.css's @font-face rules) → the project font each is a subset of."""
WEB_FOLDER = "web"
"""The archive's web site: every issue's web edition in `web/<number>/`, with the feeds and sitemap (site.py)."""
PAGE_FILES = (PAGE_NAME, INDEX_NAME, TEXT_NAME, *ASSETS, *WEB_FONTS)
INDEX_GLOBAL = "ISSUEPDF_ARCHIVE"
TEXT_GLOBAL = "ISSUEPDF_ARCHIVE_TEXT"
EDITION_LABELS: dict[Edition, str] = {"screen": "화면용 PDF", "archive": "보관용 PDF/A", "email": "이메일용 PDF"}
"""The editions the page links to, in this order; the screen edition is the one readers open."""
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


def project_folder(root: Path, folder: str, needed: str) -> Path:
    """`folder` of the project the archive lies in if it holds `needed`, else of the source tree."""
    try:
        found = project_root(root) / folder
    except IssuepdfError:  # no project above the archive
        found = SOURCE_ROOT / folder
    return found if (found / needed).is_file() else SOURCE_ROOT / folder


def template_dir(root: Path) -> Path:
    """`layouts/archive/` of the project the archive lies in, else of the source tree."""
    return project_folder(root, "layouts/archive", PAGE_NAME)


def write_page(root: Path, catalog: Catalog | None = None) -> Path:
    """Write index.html, its search index and assets into the archive root; returns the page."""
    own = catalog is None
    catalog = catalog or open_catalog(root)
    try:
        current = catalog.current()
        issues = [_issue(catalog, revision) for revision in current]
        bundles = {
            r.number: root / r.folder / bundle_name(r.number)
            for r in current
            if bundle_name(r.number) in {f.path for f in catalog.files(r.number, r.revision)}
        }
    finally:
        if own:
            catalog.close()
    records = publish_site(root / WEB_FOLDER, project_folder(root, "layouts/web", NEIGHBOURS_TEMPLATE), bundles)
    for issue in issues:
        _link_web(issue, records.get(issue["number"]))
    templates = template_dir(root)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates), autoescape=True, undefined=jinja2.StrictUndefined
    )
    html = environment.get_template(PAGE_NAME).render(
        title=issues[0]["title"] if issues else "주간 중국 창업",
        issues=issues,
        updated=_moment(max((issue["archived"] for issue in issues), default="")),
        feeds=bool(records),
        version=__version__,
    )
    files = {PAGE_NAME: html, INDEX_NAME: search_index(issues), TEXT_NAME: search_text(issues)}
    files |= {name: (templates / name).read_text(encoding="utf-8") for name in ASSETS}
    shown = "".join(files[name] for name in (PAGE_NAME, INDEX_NAME, "archive.js"))  # search-text.js is never shown
    fonts = project_folder(root, "fonts", next(iter(WEB_FONTS.values())))
    for name, text in files.items():
        write_atomic(root / name, text.encode("utf-8"))
    for name, source in WEB_FONTS.items():
        write_atomic(root / name, web_font(fonts / source, shown))
    return root / PAGE_NAME


def _link_web(issue: dict[str, Any], record: EditionRecord | None) -> None:
    """Give an issue and its articles the addresses of their web pages, when its web edition is published."""
    articles = [article for section in issue["sections"] for article in section["articles"]]
    issue["web"] = f"{WEB_FOLDER}/{issue['number']}/index.html" if record else None
    pages: list[str | None] = [a.page for a in record.articles] if record else []
    if len(pages) != len(articles):  # an edition of another revision: its pages may not match
        pages = [None] * len(articles)
    for article, page in zip(articles, pages, strict=True):
        article["web"] = f"{WEB_FOLDER}/{issue['number']}/{page}" if page else None


def _moment(iso: str) -> str:
    """`2026-01-05T09:30:00+00:00` as `2026-01-05 09:30 UTC`."""
    return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC") if iso else ""


def _issue(catalog: Catalog, revision: Revision) -> dict[str, Any]:
    """What the page shows of an issue's current revision."""
    folder = revision.folder
    files = {f.path: f for f in catalog.files(revision.number, revision.revision)}
    editions = []
    for edition, label in EDITION_LABELS.items():
        name = PLANS[edition].file_name(revision.number)
        if name in files:
            editions.append({"label": label, "href": f"{folder}/{name}", "size": megabytes(files[name].size)})
    screen = PLANS["screen"].file_name(revision.number)
    reader = f"{folder}/{screen}" if screen in files else (editions[0]["href"] if editions else f"{folder}/")
    sections: list[dict[str, Any]] = []
    for article in catalog.articles(revision.number, revision.revision):
        if not sections or sections[-1]["title"] != article.section:
            sections.append({"title": article.section, "articles": []})
        sections[-1]["articles"].append(
            {"title": article.title, "number": article.number, "page": article.page, "words": words(article.text)}
        )
    earlier = [
        {"revision": r.revision, "href": f"{r.folder}/{PLANS['archive'].file_name(r.number)}"}
        for r in catalog.revisions(revision.number)[:-1]
    ]
    return {
        "number": revision.number,
        "date": revision.date.isoformat(),
        "date_dotted": revision.date.strftime("%Y.%m.%d"),
        "title": revision.title,
        "revision": revision.revision,
        "archived": revision.archived,
        "pages": revision.pages,
        "reader": reader,
        "cover": f"{folder}/{COVER_NAME}" if COVER_NAME in files else None,
        "manifest": f"{folder}/{MANIFEST_NAME}",
        "editions": editions,
        "sections": sections,
        "earlier": earlier,
    }


def words(text: str) -> str:
    """The distinct words of a text, in order of first use, without edge punctuation, lower-cased."""
    seen: dict[str, None] = {}
    for word in normalize(text).casefold().split():
        word = _EDGE_PUNCTUATION.sub("", word)
        if word:
            seen.setdefault(word, None)
    return " ".join(seen)


def search_index(issues: list[dict[str, Any]]) -> str:
    """The script that hands the page its issues and their articles' titles and pages."""
    data = {
        "text": TEXT_NAME,
        "issues": [
            {
                "number": issue["number"],
                "date": issue["date_dotted"],
                "title": issue["title"],
                "href": issue["reader"],
                "articles": [
                    {
                        "title": article["title"],
                        "section": section["title"],
                        "page": article["page"],
                        "web": article["web"],
                    }
                    for section in issue["sections"]
                    for article in section["articles"]
                ],
            }
            for issue in issues
        ],
    }
    return _script(INDEX_GLOBAL, data)


def search_text(issues: list[dict[str, Any]]) -> str:
    """The script with the words of every article: issue number → one string per article, in order."""
    data = {
        str(issue["number"]): [article["words"] for section in issue["sections"] for article in section["articles"]]
        for issue in issues
    }
    return _script(TEXT_GLOBAL, data)


def _script(name: str, data: Any) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"// Written by issuepdf from the archive's catalog; do not edit.\nwindow.{name} = {payload};\n"
