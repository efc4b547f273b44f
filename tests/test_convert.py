"""`issuepdf convert`: issue 260 with every article in Markdown builds the PDF of its YAML form, and
every block converts exactly, either way (as Markdown where Markdown reads it back the same, else as a
directive)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from issuepdf.cli import main
from issuepdf.content.errors import ConvertError
from issuepdf.content.loader import load_yaml
from issuepdf.content.mdarticle import load_markdown
from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.content.problems import Problems
from issuepdf.editor.convert import convert, convert_issue, markdown_to_yaml, yaml_to_markdown
from issuepdf.pipeline.build import build, check_issue

from .support.issues import HEAD

ISSUE_260 = SOURCE_ROOT / "issues" / "260"


def copy_260(target: Path) -> Path:
    return Path(shutil.copytree(ISSUE_260, target, ignore=shutil.ignore_patterns("out", ".cache")))


@pytest.fixture(scope="module")
def both_forms(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """Issue 260 as it is, and converted to Markdown, each built once (screen edition, --strict)."""
    root = tmp_path_factory.mktemp("convert")
    as_yaml, as_markdown = copy_260(root / "yaml" / "260"), copy_260(root / "md" / "260")
    report = convert_issue(as_markdown, "md")
    for issue in (as_yaml, as_markdown):
        build(issue, html_output=issue / "out" / "issue.html", strict=True)
    return as_yaml, as_markdown, report


def test_issue_260_in_markdown_builds_the_same_pdf_as_in_yaml(both_forms: tuple[Path, Path, list[str]]) -> None:
    as_yaml, as_markdown, _ = both_forms
    assert sorted(path.suffix for path in (as_markdown / "articles").iterdir()) == [".md"] * 10
    assert ".yaml" not in (as_markdown / "issue.yaml").read_text(encoding="utf-8").split("sections:")[1]
    assert (as_markdown / "out" / "issue.html").read_bytes() == (as_yaml / "out" / "issue.html").read_bytes()
    assert (as_markdown / "out" / "issue-260.pdf").read_bytes() == (as_yaml / "out" / "issue-260.pdf").read_bytes()


def test_the_conversion_says_what_it_did_and_which_comments_it_could_not_carry(
    both_forms: tuple[Path, Path, list[str]],
) -> None:
    _, as_markdown, report = both_forms
    assert sum("→" in line for line in report) == 10
    assert not any("comment not carried over" in line for line in report)  # 260's comments all stand in directives
    pilot = (as_markdown / "articles" / "ai-pilot-zones.md").read_text(encoding="utf-8")
    assert "```{timeline}\n# the three-stage diagram stands under ①전략 목표" in pilot
    torch = (as_markdown / "articles" / "torch-center.md").read_text(encoding="utf-8")
    assert "\n# 소개\n" in torch and "\n○ 횃불계획, 국가 고신구 지역 정책 연구 및 제안\n" in torch
    assert "labeled: false  # the original prints this table without a label" in torch


def test_markdown_converted_back_to_yaml_is_the_same_issue(
    both_forms: tuple[Path, Path, list[str]], tmp_path: Path
) -> None:
    as_yaml, as_markdown, _ = both_forms
    back = Path(shutil.copytree(as_markdown, tmp_path / "260", ignore=shutil.ignore_patterns("out", ".cache")))
    convert_issue(back, "yaml")
    assert sorted(path.suffix for path in (back / "articles").iterdir()) == [".yaml"] * 10
    assert check_issue(back).issue == check_issue(as_yaml).issue


ODD_BLOCKS = """\
title: 가
body:
  - "1. 숫자로 시작하는 문단"
  - "○ 동그라미로 시작하는 문단"
  - "# 샵으로 시작하는 문단"
  - "▶주의: 리드처럼 보이는 문단"
  - |
    두 줄
    문단
  # a comment between two paragraphs
  - 그냥 문단
  - list: [하나, 둘]
    marker: "-"
  - list: [하나, 둘]
  - list: [셋, 넷]
  - numbered: [가, 나]
    style: roman
    start: 20
  - heading: 제목
    id: title-1
  - {heading: "**굵은** 제목", level: 2}
  - table:
      - [1, 생물, "41"]
    header:
      - [순위, 분야, 수]
  - table:
      - ["a | b", c]
    header:
      - [x, y]
    align: [right, center]
  - photo: images/a.png
    caption: "괄호 ) 캡션"
    source: '출처 "따옴표"'
  - sources: [바이두]
credit: 끝
"""


def test_every_block_converts_both_ways_exactly(tmp_path: Path) -> None:
    source = tmp_path / "a.yaml"
    source.write_text(ODD_BLOCKS, encoding="utf-8")
    converted = yaml_to_markdown(source)
    markdown = tmp_path / "a.md"
    markdown.write_text(converted.text, encoding="utf-8")
    original, read = load_yaml(source, Problems()), load_markdown(markdown, Problems())
    assert original is not None and read is not None
    assert read.data == original.data
    assert converted.notes == [f"{source}:10: comment not carried over: # a comment between two paragraphs"]
    text = converted.text
    assert '```{text}\n"1. 숫자로 시작하는 문단"\n```' in text
    assert '```{list}\nlist: [하나, 둘]\nmarker: "-"\n```' in text
    assert "- 하나\n- 둘\n" in text  # the plain list stays Markdown; the next list after it, a directive
    assert "\n| x | y |\n| --: | :-: |\n| a \\| b | c |\n" in text
    back = tmp_path / "b.yaml"
    back.write_text(markdown_to_yaml(markdown).text, encoding="utf-8")
    again = load_yaml(back, Problems())
    assert again is not None and again.data == read.data


def test_convert_never_overwrites_and_names_the_include_to_change(tmp_path: Path) -> None:
    source = tmp_path / "a.yaml"
    source.write_text("title: 가\nbody: [문단]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(source)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "---\ntitle: 가\n---\n\n문단\n"
    assert "include it as '- include: a.md' (in place of a.yaml) in issue.yaml" in result.output
    again = CliRunner().invoke(main, ["convert", str(source)])
    assert again.exit_code == 1 and "a.md exists already; move it away or give -o" in again.output
    with pytest.raises(ConvertError, match="is YAML already"):
        convert(source, "yaml")


def test_an_article_with_problems_is_not_converted(tmp_path: Path) -> None:
    source = tmp_path / "a.yaml"
    source.write_text("title: 가\nbody:\n  - 문단\n  - [\n", encoding="utf-8")
    with pytest.raises(ConvertError, match="fix these first") as caught:
        yaml_to_markdown(source)
    assert any("a.yaml:5:1: YAML syntax error" in line for line in caught.value.messages)
    assert not (tmp_path / "a.md").exists()


INLINE_ISSUE = (
    HEAD
    + """\
    articles:
      # 첫 기사: 본문이 issue.yaml 안에 있다
      - title: 안에 쓴 기사
        id: inside-one
        body:
          # 문단 위 주석
          - 첫 문단.
          - list: [하나, 둘]
      - include: articles/kept.yaml
      - title: 이름이 위험한 기사
        id: ../../escape
        body:
          - "1. 로 시작하는 문단"
"""
)


def test_articles_written_inside_issue_yaml_move_to_markdown_files_of_their_own(tmp_path: Path) -> None:
    issue = tmp_path / "261"
    (issue / "articles").mkdir(parents=True)
    (issue / "issue.yaml").write_text(INLINE_ISSUE, encoding="utf-8")
    (issue / "articles" / "kept.yaml").write_text("title: 파일 기사\nbody: [파일 문단]\n", encoding="utf-8")
    before = check_issue(issue)
    report = convert_issue(issue, "md")
    assert sorted(path.name for path in (issue / "articles").iterdir()) == ["inside-one.md", "kept.md", "s1-a3.md"]
    assert [line for line in report if "comment" in line] == [
        f"{issue / 'issue.yaml'}:12: comment not carried over: # 문단 위 주석"  # a comment between blocks
    ]
    text = (issue / "issue.yaml").read_text(encoding="utf-8")
    assert "      - include: articles/inside-one.md\n      - include: articles/kept.md\n" in text
    assert "      - include: articles/s1-a3.md\n" in text  # an id that is no file name names the place
    assert "# 첫 기사" in (issue / "articles" / "inside-one.md").read_text(encoding="utf-8")
    assert check_issue(issue).issue == before.issue
    assert not list(tmp_path.glob("escape*")) and not (tmp_path.parent / "escape.md").exists()
