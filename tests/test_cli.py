"""The command line: exit codes and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from issuepdf import __version__
from issuepdf.cli import main

from .support.issues import MINIMAL, MakeIssue


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"issuepdf, version {__version__}\n"


def test_check_prints_every_problem_and_exits_1(
    make_issue: MakeIssue, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    broken = MINIMAL.replace("publisher:", "publsher:")
    issue = make_issue({"issue.yaml": broken})
    result = CliRunner().invoke(main, ["check", str(issue)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "260/issue.yaml:1:1: publisher: missing required key 'publisher'",
        "260/issue.yaml:4:1: publsher: unknown key 'publsher'; did you mean 'publisher'?",
        "error: 2 problem(s) found",
    ]


def test_check_valid_issue(make_issue: MakeIssue) -> None:
    issue = make_issue()
    result = CliRunner().invoke(main, ["check", str(issue)])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("issue 260 is valid (0 warning(s))\n")


def test_build_writes_pdf_and_html(make_issue: MakeIssue, tmp_path: Path) -> None:
    issue = make_issue()
    pdf, html = tmp_path / "out.pdf", tmp_path / "out.html"
    result = CliRunner().invoke(main, ["build", str(issue), "-o", str(pdf), "--html", str(html), "--strict"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {pdf} (3 pages")
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert '<html lang="ko" data-bulletin="주간 중국 창업"' in html.read_text(encoding="utf-8")
