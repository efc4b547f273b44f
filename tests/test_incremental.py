"""Incremental builds look exactly like full ones: same pages, text, contents and bookmarks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from issuepdf.pipeline.build import build
from issuepdf.pipeline.incremental import Session

from .support.archives import project, write_issue
from .support.issues import FIXTURES
from .support.pdfs import outline, page_texts


def outline_pages(pdf: Path) -> list[tuple[str, int]]:
    return [(title, page) for _, title, page in outline(pdf)]


def assert_same_as_full(issue: Path, incremental: Path, tmp_path: Path) -> None:
    full = build(issue, output=tmp_path / "full.pdf", strict=True).pdf
    assert page_texts(incremental) == page_texts(full)
    assert outline_pages(incremental) == outline_pages(full)
    links = [len(page.get("/Annots") or []) for page in PdfReader(incremental).pages]
    assert links == [len(page.get("/Annots") or []) for page in PdfReader(full).pages]


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    target = tmp_path / "blocks"
    shutil.copytree(FIXTURES / "blocks", target, ignore=shutil.ignore_patterns("out"))
    return target


def test_one_changed_paragraph_lays_out_one_article_only(issue: Path, tmp_path: Path) -> None:
    session = Session()
    first = build(issue, output=tmp_path / "first.pdf", strict=True, session=session).pdf
    assert_same_as_full(issue, first, tmp_path)
    article = issue / "articles" / "gazelle.yaml"
    article.write_text(
        article.read_text(encoding="utf-8").replace("건강 산업이", "건강 산업(수정)이"), encoding="utf-8"
    )
    second = build(issue, output=tmp_path / "second.pdf", strict=True, session=session).pdf
    assert session.typeset_parts == 1
    assert "건강 산업(수정)이" in "".join(page_texts(second))
    assert_same_as_full(issue, second, tmp_path)


def test_an_article_growing_a_page_renumbers_the_rest_and_the_contents(issue: Path, tmp_path: Path) -> None:
    session = Session()
    build(issue, output=tmp_path / "first.pdf", strict=True, session=session)
    article = issue / "articles" / "gazelle.yaml"
    extra = "".join(f"  - 추가 문단 {i}. 가젤 기업은 빠르게 성장하는 스타트업이다.\n" for i in range(40))
    article.write_text(article.read_text(encoding="utf-8") + extra, encoding="utf-8")
    grown = build(issue, output=tmp_path / "grown.pdf", strict=True, session=session).pdf
    assert len(PdfReader(grown).pages) > 6
    assert_same_as_full(issue, grown, tmp_path)


def test_a_stylesheet_change_rebuilds_everything(issue: Path, tmp_path: Path) -> None:
    session = Session()
    build(issue, output=tmp_path / "first.pdf", strict=True, session=session)
    css = issue / "layouts" / "issue.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.note { font-size: 11pt; }\n", encoding="utf-8")
    restyled = build(issue, output=tmp_path / "restyled.pdf", strict=True, session=session).pdf
    assert session.typeset_parts == len([p for p in outline_pages(restyled) if p[0][0].isdigit()])
    assert_same_as_full(issue, restyled, tmp_path)


def test_articles_edited_at_once_the_first_growing_a_page_build_as_in_full(tmp_path: Path) -> None:
    """The session lays out edited articles first where they were; one moved by an earlier one is laid out again."""
    issue = write_issue(project(tmp_path / "project") / "issues" / "260")
    session = Session()
    build(issue, output=tmp_path / "first.pdf", strict=True, session=session)
    first, later = issue / "articles" / "gazelle-companies.yaml", issue / "articles" / "ico-cctv-p2e.yaml"
    extra = "".join(f"- 추가 문단 {i}. 가젤 기업은 빠르게 성장하는 스타트업이다.\n" for i in range(40))
    first.write_text(first.read_text(encoding="utf-8") + extra, encoding="utf-8")
    later.write_text(later.read_text(encoding="utf-8").replace("사기라고", "사기(수정)라고"), encoding="utf-8")
    both = build(issue, output=tmp_path / "both.pdf", strict=True, session=session).pdf
    assert session.typeset_parts >= 3  # both where they were, then the later one where it now starts
    assert "사기(수정)라고" in "".join(page_texts(both))
    assert_same_as_full(issue, both, tmp_path)
