"""The fidelity check: what the editor wrote is laid out, once, in order, inside the page, or the
build stops with the block's file:line:col. The cases make the layout lose text the way a stylesheet,
a template or an unbreakable word can, and expect the error; issue 260 and the every-block fixture
pass it in their own tests (they build with it on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuepdf.content.errors import InvalidIssue
from issuepdf.pipeline.build import build

from .support.issues import HEAD, MakeIssue

BODY = """\
    articles:
      - title: 가젤 기업
        body:
          - 첫 문단은 그대로 인쇄된다.
          - 둘째 문단도 인쇄된다.
          - flow: [신청, 심사, 선정]
"""


def problems_of(issue: Path) -> list[str]:
    with pytest.raises(InvalidIssue) as caught:
        build(issue)
    return [str(problem).replace(f"{issue.name}/", "") for problem in caught.value.problems]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("article p:nth-of-type(2) { display: none }", "issue.yaml:11:13: not printed at all: '둘째 문단도 인쇄된다.'"),
        (
            "article p:nth-of-type(1) { visibility: hidden }",
            "issue.yaml:10:13: not printed at all: '첫 문단은 그대로 인쇄된다.'",
        ),
        (".flow { display: flex; flex-direction: row-reverse }", "issue.yaml:12:13: text printed out of its place: "),
        ("article p { white-space: nowrap; font-size: 60pt }", "issue.yaml:10:13: runs "),
        # laid out but not to be seen: transparent, zero-sized, faded out, or clipped by its box
        ("article p:nth-of-type(2) { color: transparent }", "issue.yaml:11:13: not printed at all: '둘째"),
        ("article p:nth-of-type(2) { font-size: 0 }", "issue.yaml:11:13: not printed at all: '둘째"),
        (".flow { opacity: 0 }", "issue.yaml:12:13: not printed at all: '신청→심사→선정'"),
        (
            "article p:nth-of-type(1) { height: 3mm; overflow: hidden; font-size: 30pt }",
            "issue.yaml:10:13: not printed at all: '첫 문단은",
        ),
    ],
)
def test_a_stylesheet_that_hides_reorders_or_pushes_text_off_the_page(
    make_issue: MakeIssue, css: str, expected: str
) -> None:
    issue = make_issue({"issue.yaml": HEAD + BODY, "layouts/issue.css": css})
    problems = problems_of(issue)
    assert any(problem.startswith(expected) for problem in problems), problems
    assert not (issue / "out").exists()


def test_a_template_that_leaves_text_out(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": HEAD + BODY,
            "layouts/blocks/flow.html": "<p{{ b.attributes }}>{{ b.block.flow[0]|md }}</p>\n",
        }
    )
    assert problems_of(issue) == [
        "issue.yaml:12:13: not in the page's HTML (the layout template leaves it out): '심사'"
    ]


def test_an_image_wider_than_the_page_is_refused(make_issue: MakeIssue) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="100" height="50"/></svg>'
    body = BODY + "          - photo: wide.svg\n            alt: 넓은 그림\n"
    issue = make_issue(
        {
            "issue.yaml": HEAD + body,
            "wide.svg": svg,
            "layouts/issue.css": ".photo img { width: 300mm !important; max-width: none !important }",
        }
    )
    problems = problems_of(issue)
    assert any(
        problem.startswith("issue.yaml:13:13: runs ")
        and problem.endswith("off page 3: the picture is wider or taller than the page; make it smaller")
        for problem in problems
    ), problems


def test_a_clean_issue_passes_and_the_check_is_timed(make_issue: MakeIssue) -> None:
    result = build(make_issue({"issue.yaml": HEAD + BODY}))
    assert "verify" in result.timings


@pytest.mark.parametrize("template", ["", "<p>{{ b.block.flow|join(' ') }}</p>\n"])
def test_a_template_that_leaves_a_block_or_its_mark_out(make_issue: MakeIssue, template: str) -> None:
    issue = make_issue({"issue.yaml": HEAD + BODY, "layouts/blocks/flow.html": template})
    assert problems_of(issue) == [
        "issue.yaml:12:13: not in the page's HTML: the layout template leaves this block out,"
        " or drops its {{ b.attributes }}"
    ]
