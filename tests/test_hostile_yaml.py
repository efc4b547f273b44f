"""YAML tags in an issue: `!!binary` prints text nobody can read in the file, an unknown tag is silently
dropped, `!!python/…` is refused by the safe loader but left an empty value. Rows Y1-Y2 of docs/hostile-inputs.md."""

from __future__ import annotations

import os
import time

import pytest

from .support.issues import HEAD, MINIMAL, MakeIssue
from .test_hostile import problems_of

ARTICLE = "---\ntitle: {title}\n---\n첫 문단.\n"


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!binary 7ZWc6rWt7Ja0", "!!binary"),
        ("!foo 제목", "!foo"),
        ("!!python/name:os.system", "!!python/name:os.system"),
    ],
)
@pytest.mark.parametrize("kind", ["yaml", "md"])
def test_a_yaml_tag_is_refused_at_its_place(make_issue: MakeIssue, value: str, tag: str, kind: str) -> None:
    if kind == "yaml":
        issue = make_issue({"issue.yaml": MINIMAL.replace("title: 주간 중국 창업", f"title: {value}", 1)})
        where = "issue.yaml:1:8: title"
    else:
        included = HEAD + "    articles:\n      - include: articles/a.md\n"
        issue = make_issue({"issue.yaml": included, "articles/a.md": ARTICLE.format(title=value)})
        where = "a.md:2:8: title"
    problems = problems_of(issue)  # was: valid, printing '한국어' (the binary's text) or '제목' (the tag dropped)
    assert any(where in p and f"the YAML tag '{tag}' is not allowed; delete it" in p for p in problems), problems


def test_an_issue_yaml_that_is_a_pipe_is_refused_at_once(make_issue: MakeIssue) -> None:
    issue = make_issue()
    (issue / "issue.yaml").unlink()
    os.mkfifo(issue / "issue.yaml")
    start = time.perf_counter()
    (problem,) = problems_of(issue)  # was: check waited for ever for a writer
    assert problem.endswith("issue.yaml: not a regular file (a pipe or a device?); refused")
    assert time.perf_counter() - start < 10
