"""`issuepdf new`: the next issue's skeleton, its structure without the old text, and what it lets through."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from issuepdf.archive.store import archive_issue
from issuepdf.cli import main
from issuepdf.content.errors import Unfilled
from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.editor.new import new_issue
from issuepdf.pipeline.build import check_issue

from .support.archives import GAZELLE, project, write_issue


def test_new_from_the_latest_issue_keeps_structure_and_drops_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "project")
    write_issue(root / "issues" / "259", number=259, date=dt.date(2021, 12, 15))
    write_issue(root / "issues" / "260")
    monkeypatch.chdir(root)

    result = CliRunner().invoke(main, ["new"])

    assert result.exit_code == 0, result.output
    folder = root / "issues" / "261"
    assert result.output.splitlines()[0] == (
        f"wrote {Path('issues/261/issue.yaml').resolve()}: issue 261 of 2021-12-29, from issue 260: "
        "3 section(s), 4 article skeleton(s)"
    )
    checked = check_issue(folder)  # the skeleton passes check: it builds and previews at once
    issue = checked.issue
    assert (issue.number, issue.date, issue.title, issue.publisher) == (
        261,
        dt.date(2021, 12, 29),
        "주간 중국 창업",
        "KIC 중국",
    )
    assert [(s.title, s.kind, len(s.articles)) for s in issue.sections] == [
        ("CHINA 창업", "feature", 1),
        ("ICO News Letter by PLAYCOIN", "newsletter", 2),
        ("KIC 중국 소식", "center", 1),
    ]
    feature, newsletter, center = (section.articles[0] for section in issue.sections)
    assert (feature.title, feature.tag, feature.body) == ("TODO 제목", "TODO 분류", ["TODO 본문"])
    assert (newsletter.outlet, newsletter.published, newsletter.tag) == ("TODO 매체", None, None)
    assert center.credit == "TODO 출처"
    text = (folder / "issue.yaml").read_text(encoding="utf-8")
    old_words = [GAZELLE, "후룬연구소", "연합뉴스", "재외동포신문", "2021-12-16"]
    assert not [word for word in old_words if word in text]
    assert "# published: YYYY-MM-DD" in text
    assert sorted(p.name for p in folder.iterdir()) == ["issue.yaml"]


def test_new_keeps_settings_and_layouts_of_issue_260(tmp_path: Path) -> None:
    source = tmp_path / "issues" / "260"
    shutil.copytree(SOURCE_ROOT / "issues" / "260", source, ignore=shutil.ignore_patterns("out", ".cache"))
    (source / "layouts").mkdir()
    (source / "layouts" / "issue.css").write_text(".cover { color: red }\n")

    started = new_issue(source)

    assert started.folder == tmp_path / "issues" / "261"
    issue = check_issue(started.folder).issue
    assert issue.publisher_full == "글로벌혁신센터 (KIC 중국, Korea Innovation Center China)"
    assert issue.teaser == 6
    assert sum(len(s.articles) for s in issue.sections) == 10
    assert (started.folder / "layouts" / "issue.css").read_text() == ".cover { color: red }\n"
    assert "copied" in started.lines()[1]


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    source = write_issue(root / "issues" / "260")
    existing = root / "issues" / "261"
    existing.mkdir()
    (existing / "notes.txt").write_text("keep me")

    result = CliRunner().invoke(main, ["new", "--from", str(source)])

    assert result.exit_code == 1
    assert result.output == f"error: {existing} already exists; nothing was written (remove it or edit it)\n"
    assert [p.name for p in existing.iterdir()] == ["notes.txt"]
    assert not [p for p in (root / "issues").iterdir() if p.name.startswith(".")]


def test_new_without_issues_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new"])
    assert result.exit_code == 1
    assert "no issue folders (issues/<number>/issue.yaml) found: give --from ISSUE_DIR" in result.output


def test_archive_refuses_an_unfilled_skeleton_naming_each_placeholder(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    started = new_issue(write_issue(root / "issues" / "260"))
    issue_yaml = started.folder / "issue.yaml"
    text = issue_yaml.read_text(encoding="utf-8")
    filled = text.replace('"TODO 제목"', '"블록체인 교도소 후속 보도"', 1).replace('"TODO 본문"', '"본문을 썼다."', 1)
    issue_yaml.write_text(filled, encoding="utf-8")

    with pytest.raises(Unfilled) as caught:
        archive_issue(started.folder, tmp_path / "archive")

    problems = [str(problem) for problem in caught.value.problems]
    lines = filled.splitlines()
    first = next(i for i, line in enumerate(lines, start=1) if "TODO 분류" in line)
    assert problems[0].endswith(
        f"issue.yaml:{first}:14: sections.0.articles.0.tag: fill in: still the placeholder 'TODO 분류'"
    )
    assert len(problems) == 10  # the tag; title, body and outlet or credit of the other three
    assert (
        str(caught.value)
        == f"{len(problems)} placeholder(s) from `issuepdf new` still to fill in; nothing was archived"
    )
    assert not (tmp_path / "archive").exists()
