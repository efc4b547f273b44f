"""Hostile Markdown articles: the limits of YAML articles hold for `.md` too (docs/hostile-inputs.md,
## Markdown articles and imported documents, M1-M9)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from issuepdf.content.errors import IssuepdfError
from issuepdf.pipeline.build import check_issue

from .support.issues import HEAD, MakeIssue

CANARY = "CANARY-9d3e71b0"
FRONT = "---\ntitle: 가\n---\n"


def refused(issue: Path) -> str:
    """Everything `check` tells the editor when it refuses the issue."""
    with pytest.raises(IssuepdfError) as caught:
        check_issue(issue)
    return "\n".join([str(caught.value), *map(str, getattr(caught.value, "problems", []))])


def with_article(make_issue: MakeIssue, text: str | bytes, count: int = 1) -> Path:
    includes = "".join(f"      - include: a{n}.md\n" for n in range(count))
    return make_issue({"issue.yaml": HEAD + "    articles:\n" + includes, **{f"a{n}.md": text for n in range(count)}})


def test_m1_a_markdown_include_linked_out_of_the_issue_is_refused_unread(make_issue: MakeIssue, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(f"---\ntitle: {CANARY}\n---\n{CANARY}\n", encoding="utf-8")
    issue = make_issue({"issue.yaml": HEAD + "    articles:\n      - include: a.md\n"})
    (issue / "a.md").symlink_to(secret)
    told = refused(issue)
    assert "give a relative path inside the issue folder (links out of it are refused)" in told
    assert CANARY not in told


def test_m2_a_markdown_file_over_the_size_limit_is_refused_before_reading(make_issue: MakeIssue) -> None:
    issue = with_article(make_issue, FRONT + "가나다 " * 400_000)
    assert "a0.md: file is 4,000,019 bytes; the limit is 2,000,000" in refused(issue)


def test_m3_many_small_blocks_hit_the_budget_of_values(make_issue: MakeIssue) -> None:
    issue = with_article(make_issue, FRONT + "- 가\n" * 25_000)
    start = time.perf_counter()
    assert "more than 20,000 values in the issue and its files" in refused(issue)
    assert time.perf_counter() - start < 10


def test_m4_alias_bombs_in_directives_share_the_issue_budget(make_issue: MakeIssue) -> None:
    bomb = "a: &a [" + ", ".join(["가나다라"] * 10) + "]\nb: &b [" + ", ".join(["*a"] * 10) + "]\n"
    directive = "```{note}\n" + bomb + "c: &c [" + ", ".join(["*b"] * 10) + "]\nnote: 가\n```\n\n"
    issue = with_article(make_issue, FRONT + directive * 200, count=3)
    start = time.perf_counter()
    told = refused(issue)
    assert "more than 20,000 values in the issue and its files (an alias bomb?); refused" in told
    assert told.count("refused") <= 4  # stops at the bound, not once per directive
    assert time.perf_counter() - start < 10


def test_m5_a_directive_nested_deeply_is_refused(make_issue: MakeIssue) -> None:
    issue = with_article(make_issue, FRONT + "```{flow}\n" + "[" * 700 + "]" * 700 + "\n```\n")
    assert "nested more than 40 levels deep; refused" in refused(issue)


def test_m6_markdown_nested_deeply_is_reported_not_walked(make_issue: MakeIssue) -> None:
    issue = with_article(make_issue, FRONT + "> " * 50_000 + "가\n\n" + "- " * 50_000 + "나\n")
    start = time.perf_counter()
    told = refused(issue)
    assert "a0.md:4:1: body.0: a '>' quote is not a block of the bulletin" in told
    assert "a0.md:6:1: body.0.list.0: a list item is one paragraph" in told
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(
    "markdown",
    [
        "![사진](../secret.png)\n",
        "![사진](/etc/hostname)\n",
        "```{photo} ../secret.png\nalt: 사진\n```\n",
        "```{chart} /etc/hostname\n```\n",
    ],
)
def test_m7_a_photo_or_chart_outside_the_issue_is_refused(make_issue: MakeIssue, markdown: str) -> None:
    assert "give a relative path inside the issue folder" in refused(with_article(make_issue, FRONT + markdown))


def test_m8_markdown_inline_syntax_runs_in_linear_time(make_issue: MakeIssue) -> None:
    text = FRONT + "*가 [나 `다 " * 30_000 + "\n\n" + "![" * 50_000 + "\n"
    issue = with_article(make_issue, text)
    start = time.perf_counter()
    with contextlib.suppress(IssuepdfError):  # printed as written, or told why: either way, soon
        check_issue(issue)
    assert time.perf_counter() - start < 20


def test_m9_a_directive_never_runs_code(make_issue: MakeIssue, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = f"```{{note}}\nnote: !!python/object/apply:os.system ['touch {marker}']\n```\n"
    told = refused(with_article(make_issue, FRONT + payload))
    assert "could not determine a constructor" in told or "note" in told
    assert not marker.exists()
