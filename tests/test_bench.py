"""The benchmark's measurements run in fresh processes: each kind must run there and report."""

from __future__ import annotations

from pathlib import Path

from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.editor.bench import _measure_in_child, generate_long_issue
from issuepdf.pipeline.build import build, check_issue

from .support.archives import project, write_issue
from .support.issues import MakeIssue


def test_each_measurement_runs_in_a_child_process(make_issue: MakeIssue, tmp_path: Path) -> None:
    issue = make_issue()
    html = tmp_path / "issue.html"
    build(issue, html_output=html)
    for kind in ("warm", "bare"):
        measured = _measure_in_child(kind, issue, html)
        assert measured["seconds"] > 0 and measured["peak_mb"] > 0


def test_the_long_issue_of_the_benchmark_is_a_valid_issue(tmp_path: Path) -> None:
    """Ten copies of issue 260, each included article a file of its own (an issue may include a file once)."""
    long_issue = generate_long_issue(SOURCE_ROOT / "issues" / "260", tmp_path / "long")
    assert sum(len(section.articles) for section in check_issue(long_issue).issue.sections) == 100


def test_the_preview_measurement_times_edits_until_the_changed_page_is_served(tmp_path: Path) -> None:
    """In a child: serve an issue, save five one-paragraph edits, each timed until its page's image is read."""
    issue = write_issue(project(tmp_path / "project") / "issues" / "260")
    measured = _measure_in_child("preview", issue)
    assert 0 < measured["seconds"] < 30
    assert (issue / "articles" / "gazelle-companies.yaml").read_text(encoding="utf-8").count("다(수정).") == 5
