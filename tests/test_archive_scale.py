"""Ten years of the bulletin: a catalog of 500 synthetic issues answers searches fast and its page loads.

The issues are rows written straight into the catalog (no PDFs): 10 articles each, their text drawn
from the words of issue 260, so the index holds real Korean words in realistic numbers.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from issuepdf.archive.catalog import Revision, open_catalog
from issuepdf.archive.manifest import FileRecord
from issuepdf.archive.page import write_page
from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.pipeline.build import check_issue
from issuepdf.pipeline.contents import ArticleEntry, article_text

from .support.archives import chromium

ISSUES = 500
ARTICLES = 10
WORDS = 400
"""Words per article: about 1,400 characters, half of an article of issue 260."""
PLANTED = (137, 4, "정오표")
"""A word only one article has: issue 137, article 4."""
SEARCH_BOUND = 0.25
"""Seconds a search may take; measured times are a few milliseconds."""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scale") / "archive"
    issue = check_issue(SOURCE_ROOT / "issues" / "260").issue
    vocabulary = " ".join(article_text(a) for s in issue.sections for a in s.articles).split()
    titles = [a.title for s in issue.sections for a in s.articles]
    rnd = random.Random(260)
    catalog = open_catalog(root, create=True)
    try:
        with catalog.transaction():
            for number in range(1, ISSUES + 1):
                date = dt.date(2012, 1, 4) + dt.timedelta(weeks=number - 1)
                articles = []
                for a in range(1, ARTICLES + 1):
                    text = " ".join(rnd.choices(vocabulary, k=WORDS))
                    if (number, a) == PLANTED[:2]:
                        text += f" {PLANTED[2]}"
                    title = f"{rnd.choice(titles)} ({number}-{a})"
                    articles.append(ArticleEntry(f"섹션 {(a - 1) // 3 + 1}", title, 1 + 2 * a, text))
                revision = Revision(
                    number, 1, date, "주간 중국 창업", "KIC 중국", 24, "2026-01-01T00:00:00+00:00", "0" * 64
                )
                catalog.record(revision, [FileRecord(f"issue-{number}.pdf", "0" * 64, 1)], articles, revision.title)
        write_page(root, catalog)
    finally:
        catalog.close()
    return root


@pytest.mark.parametrize("query", ["가젤", "블록체인", "가젤 기업", "중국 창업 생태계", "정오표", "창", "p2e", "KIC"])
def test_search_500_issues_in_milliseconds(archive: Path, query: str) -> None:
    catalog = open_catalog(archive)
    try:
        start = time.perf_counter()
        found = catalog.search(query)
        seconds = time.perf_counter() - start
    finally:
        catalog.close()
    print(f"search {query!r}: {found.total} articles, {seconds * 1000:.1f} ms")
    assert seconds < SEARCH_BOUND
    assert found.total > 0
    if query == PLANTED[2]:
        assert [(hit.number, hit.page) for hit in found.hits] == [(PLANTED[0], 1 + 2 * PLANTED[1])]


def test_archive_page_of_500_issues_loads_and_searches_in_chromium(archive: Path, tmp_path: Path) -> None:
    url = archive.joinpath("index.html").as_uri()

    start = time.perf_counter()
    dom, console = chromium(url, tmp_path / "profile")
    seconds = time.perf_counter() - start
    print(f"page of {ISSUES} issues: chromium start, load and dump in {seconds:.2f} s")
    assert console == []
    numbers = [int(n) for n in re.findall(r'<article class="issue" id="issue-(\d+)">', dom)]
    assert numbers == list(range(ISSUES, 0, -1)), "every issue, newest first"
    assert 'id="results" class="results" aria-live="polite" hidden=""' in dom

    dom, console = chromium(f"{url}?q={quote(PLANTED[2])}", tmp_path / "profile")
    assert console == []
    assert f'<p class="count">“{PLANTED[2]}” 1건</p>' in dom
    assert f'<a href="{PLANTED[0]}/r1/issue-{PLANTED[0]}.pdf#page={1 + 2 * PLANTED[1]}">' in dom
