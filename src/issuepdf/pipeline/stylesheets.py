"""Linked stylesheets parsed once per process, not once per layout.

A watch or serve session lays out one article on every save, and WeasyPrint parses every
`<link rel="stylesheet">` of the document again each time: 12-13 ms of bulletin.css in an 80 ms
article layout, the largest step of a preview that is ours to save.

WeasyPrint 70 parses linked sheets in `weasyprint.css.find_stylesheets`, calling `CSS(url=…)` with the
layout's shared lists of `@page` rules and layers. A parsed sheet is a selector matcher (which WeasyPrint
lets several documents share: a `CSS` object may be passed to many renders) plus the `@page` rules it
appends to the shared list. So the same bytes at the same URL parse to the same sheet, and a kept sheet
is handed out as a fresh `CSS` around its matcher, its `@page` rules appended to the layout's list in
the order the parse would have, and the warnings its parse logged logged again (a `--strict` build in a
watch session fails on them every time, as a first build does).

Sheets whose parse does more than that are parsed every time, as before: those that import other files
(an edit of the imported file would go unseen), declare fonts, counter styles or colour profiles (their
parse registers them with the layout's own configuration) or layers (their order is the layout's).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

KEPT = 16
"""Parsed sheets kept (bulletin.css, the edition's sheet and an issue's own, for a few issues)."""
UNCACHED = re.compile(rb"@(import|font-face|counter-style|color-profile|layer)\b", re.IGNORECASE)
"""At-rules whose parse reaches beyond the sheet (a mention in a comment only costs the cache)."""


@dataclass(frozen=True)
class _Parsed:
    """What parsing a sheet gave: its matcher and base URL, its `@page` rules, and the warnings it logged."""

    matcher: Any
    base_url: str
    page_rules: list[Any]
    logged: list[logging.LogRecord]


_kept: OrderedDict[str, _Parsed] = OrderedDict()
_installed = False


def install() -> None:
    """Make WeasyPrint's stylesheet lookup keep linked sheets parsed (once per process)."""
    global _installed
    if _installed:
        return
    import weasyprint.css

    weasyprint.css.CSS = _css_factory(weasyprint.css.CSS)
    _installed = True


def _css_factory(parse: Any) -> Any:
    """A stand-in for the `CSS` class inside weasyprint.css: a linked sheet is fetched once, then comes from
    the kept ones or is parsed from the bytes fetched; every other call (inline `<style>`, `@import`) goes
    to the class as it is."""

    def css(*args: Any, **kwargs: Any) -> Any:
        linked = not args and kwargs.get("url") and kwargs.get("_check_mime_type") and "matcher" not in kwargs
        fetched = _fetched(kwargs) if linked else None
        if fetched is None:
            return parse(*args, **kwargs)
        if UNCACHED.search(fetched.body):
            return parse(**_from_bytes(kwargs, fetched))
        parsed = _kept.get(fetched.key)
        if parsed is None:
            parsed = _parsed(parse, _from_bytes(kwargs, fetched))
            _kept[fetched.key] = parsed
            if len(_kept) > KEPT:
                _kept.popitem(last=False)
        else:
            _kept.move_to_end(fetched.key)
            for record in parsed.logged:
                logging.getLogger(record.name).handle(record)
        sheet = parse.__new__(parse)
        sheet.matcher, sheet.base_url = parsed.matcher, parsed.base_url
        kwargs["page_rules"].extend(parsed.page_rules)
        sheet.page_rules, sheet.layers = kwargs["page_rules"], kwargs["layers"]
        return sheet

    return css


@dataclass(frozen=True)
class _Fetched:
    """A linked sheet as WeasyPrint would read it: what it is parsed from (`key`), its bytes, and its URL
    as served (the base of its relative URLs)."""

    key: str
    body: bytes
    url: str


def _fetched(kwargs: dict[str, Any]) -> _Fetched | None:
    """The linked sheet, fetched once (the fetcher counts every sheet it serves against a layout's bounds);
    None when WeasyPrint would not read it as CSS, or would decode it by a charset the response names (the
    class then fetches and reports it as it always does)."""
    from weasyprint.urls import URLFetchingError, fetch

    try:
        with fetch(kwargs["url_fetcher"], kwargs["url"]) as response:
            if response.content_type != "text/css" or response.charset:
                return None
            body, url = response.read(), response.url
    except URLFetchingError:
        return None
    if not isinstance(body, bytes):
        return None
    given = [kwargs["url"], kwargs["media_type"], url]
    return _Fetched(hashlib.sha256(b"\0".join([*(part.encode() for part in given), body])).hexdigest(), body, url)


def _from_bytes(kwargs: dict[str, Any], fetched: _Fetched) -> dict[str, Any]:
    """The class's arguments for parsing the fetched bytes instead of fetching the URL again."""
    rest = {name: value for name, value in kwargs.items() if name not in ("url", "_check_mime_type")}
    return {**rest, "string": fetched.body, "base_url": fetched.url}


def _parsed(parse: Any, kwargs: dict[str, Any]) -> _Parsed:
    """Parse the sheet as WeasyPrint does, into a list of `@page` rules of its own."""
    page_rules: list[Any] = []
    with _logged() as logged:
        sheet = parse(**{**kwargs, "page_rules": page_rules})
    return _Parsed(sheet.matcher, sheet.base_url, page_rules, logged)


@contextmanager
def _logged() -> Iterator[list[logging.LogRecord]]:
    """The records WeasyPrint logs meanwhile (they are logged as usual too)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
