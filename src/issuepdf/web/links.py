"""Where the web edition's pages are: the one rule the pages, the feeds, the archive and the email follow.

An issue's pages live in a folder named by its number under the site (`site_url` in issuepdf.yaml):
`<site_url>/260/` holds the issue page `index.html` and one page per article, `<site_url>/260/<id>.html`.
`issuepdf build --edition web` writes that folder (`out/web/`); the archive publishes every issue's
folder under `web/` in the archive root, with the feeds and the sitemap beside them.

An article's id is the editor's (or the automatic `s2-a3`); as a file name it must not climb out of
the folder nor take the issue page's name, so any other id is named by its hash.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

ISSUE_PAGE = "index.html"
_PLAIN_NAME = re.compile(r"\w[\w-]{0,99}")
_RESERVED = frozenset({"index"})


def page_name(article_id: str) -> str:
    """The file name of an article's page: `<id>.html`, or `a-<hash>.html` for an id unfit for a file name."""
    if _PLAIN_NAME.fullmatch(article_id) and article_id.casefold() not in _RESERVED:
        return f"{article_id}.html"
    return f"a-{hashlib.sha256(article_id.encode()).hexdigest()[:12]}.html"


def issue_url(site_url: str, number: int) -> str:
    """The issue page's address: `<site_url>/<number>/`."""
    return f"{site_url.rstrip('/')}/{number}/"


def article_url(site_url: str, number: int, article_id: str) -> str:
    """An article's page: `<site_url>/<number>/<article id>.html` (the email's "read more" links use this)."""
    return issue_url(site_url, number) + quote(page_name(article_id))
