"""The benchmark's measurements run in fresh processes: each kind must run there and report."""

from __future__ import annotations

from pathlib import Path

from issuepdf.editor.bench import _measure_in_child
from issuepdf.pipeline.build import build

from .support.issues import MakeIssue


def test_each_measurement_runs_in_a_child_process(make_issue: MakeIssue, tmp_path: Path) -> None:
    issue = make_issue()
    html = tmp_path / "issue.html"
    build(issue, html_output=html)
    for kind in ("warm", "bare"):
        measured = _measure_in_child(kind, issue, html)
        assert measured["seconds"] > 0 and measured["peak_mb"] > 0
