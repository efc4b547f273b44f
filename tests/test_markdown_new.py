"""`issuepdf new --markdown`: the next issue with one Markdown article skeleton per article, which checks,
and whose placeholders `archive` finds in the Markdown files by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from issuepdf.cli import main
from issuepdf.content.todo import unfilled
from issuepdf.pipeline.build import check_issue

from .support.archives import project, write_issue


def test_new_with_markdown_writes_one_article_file_per_article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path / "project")
    write_issue(root / "issues" / "260")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["new", "--markdown"])
    assert result.exit_code == 0, result.output
    folder = root / "issues" / "261"
    assert sorted(path.name for path in (folder / "articles").iterdir()) == [
        "s1-a1.md",
        "s2-a1.md",
        "s2-a2.md",
        "s3-a1.md",
    ]
    assert "      - include: articles/s2-a2.md\n" in (folder / "issue.yaml").read_text(encoding="utf-8")
    assert (folder / "articles" / "s1-a1.md").read_text(encoding="utf-8") == (
        '---\ntitle: "TODO 제목"\ntag: "TODO 분류"\n---\n\nTODO 본문: 문단은 빈 줄로 나눈다.\n'
    )
    checked = check_issue(folder)
    assert [section.articles[0].title for section in checked.issue.sections] == ["TODO 제목"] * 3
    todo = [str(problem) for problem in unfilled(folder)]
    assert any(
        line.endswith(
            "s1-a1.md:6:1: sections.0.articles.0.body.0: fill in: still the placeholder "
            "'TODO 본문: 문단은 빈 줄로 나눈다.'"
        )
        for line in todo
    )
    assert len(todo) == 12
