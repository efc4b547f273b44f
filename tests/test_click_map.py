"""The click map of `issuepdf serve` names the part of a block a click lands on: a table cell, a list item,
a stage of a timeline, a profile, written in YAML or in Markdown; and the block itself elsewhere.

Each word below starts a part's text, so the part's position is the word's own line and column; the word's
place on the page comes from the built PDF (poppler's word boxes), as a reader's click would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from issuepdf.editor.serve_pages import Place
from issuepdf.editor.serve_state import LiveIssue
from issuepdf.editor.watch import rebuild
from issuepdf.pipeline.incremental import Session

from .support.issues import HEAD
from .support.pdfs import word_center
from .support.projects import make_project

YAML_ARTICLE = """\
title: 표와 목록을 누르는 기사
body:
  - Opening 문단은 블록 전체를 가리킨다.
  - table:
      - [Rowone 첫 칸, Rowtwo 둘째 칸, 1234]
      - [{text: Spanned 합친 칸, colspan: 2}, 5678]
      - [Grouped 셋째 줄, Lastcell 끝 칸, 42]
      - [Fourth 넷째 줄, Fifth 다섯째, 7]
    header:
      - [Headone 구분, Headtwo 내용, Headthree 수]
    groups: 2
    caption: 칸을 누르는 표
  - list:
      - Firstitem 첫 항목
      - Seconditem 둘째 항목은 길어서 줄이 바뀔 만큼 길게 쓴다. 줄이 바뀌어도 같은 항목이다.
  - timeline:
      - stage: Stageone 단계
        text: 첫 단계의 설명.
      - stage: Stagetwo 단계
        text: 둘째 단계의 설명.
  - profiles:
      - name: Profilea
        text: 첫째 기업의 소개.
      - name: Profileb
        text: 둘째 기업의 소개.
  - sources:
      - Sourceone 바이두백과
      - Sourcetwo 신화통신
"""

MARKDOWN_ARTICLE = """\
---
title: 마크다운 표와 목록
---

Paragraph 문단 하나.

| Mdhead 이름 | Mdvalue 값 |
|---|---|
| Mdcell 왼쪽 | Mdright 오른쪽 |
| Mdnext 아래 | Mdlast 끝 |

○ Bulletone 첫 줄
○ Bullettwo 둘째 줄

1. Numberone 하나
2. Numbertwo 둘
"""

ISSUE = (
    HEAD
    + """\
    articles:
      - include: articles/clicks.yaml
      - include: articles/clicks.md
"""
)

WORDS = {
    "articles/clicks.yaml": [
        "Opening", "Headone", "Headthree", "Rowone", "Rowtwo", "Spanned", "Grouped", "Lastcell", "Fourth",
        "Firstitem", "Seconditem", "Stageone", "Stagetwo", "Profilea", "Profileb", "Sourceone", "Sourcetwo",
    ],
    "articles/clicks.md": [
        "Paragraph", "Mdhead", "Mdvalue", "Mdcell", "Mdright", "Mdlast", "Bulletone", "Bullettwo", "Numberone",
        "Numbertwo",
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LiveIssue, bytes]:
    root = make_project(
        tmp_path_factory.mktemp("clicks"),
        issues={
            "1": {"issue.yaml": ISSUE, "articles/clicks.yaml": YAML_ARTICLE, "articles/clicks.md": MARKDOWN_ARTICLE}
        },
    )
    issue, live, session = root / "issues" / "1", LiveIssue(), Session()
    session.listener = live
    live.building()
    outcome = rebuild(issue, session, None, "screen", True)
    live.finished(outcome)
    assert outcome.result is not None, outcome
    return issue, live, outcome.result.pdf.read_bytes()


def clicked(live: LiveIssue, page: int, x: float, y: float) -> Place | None:
    """What the page's map names at a point: the smallest area under it, as the page's script picks."""
    view = live.view(live.shown[page - 1])
    assert view is not None
    under = [(rect, place) for rect, place in view.areas if inside(rect, x, y)]
    return min(under, key=lambda area: area[0][2] * area[0][3])[1] if under else None


def inside(rect: tuple[float, float, float, float], x: float, y: float) -> bool:
    left, top, width, height = rect
    return left <= x <= left + width and top <= y <= top + height


@pytest.mark.parametrize("file, word", [(file, word) for file, words in WORDS.items() for word in words])
def test_a_click_names_the_cell_or_item_it_lands_on(built: tuple[Path, LiveIssue, bytes], file: str, word: str) -> None:
    issue, live, pdf = built
    lines = (issue / file).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if word in text)
    page, (x, y) = word_center(pdf, word)
    place = clicked(live, page, x, y)
    assert place == Place((issue / file).resolve(), line, lines[line - 1].index(word) + 1)
