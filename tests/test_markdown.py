"""Markdown articles (`.md`): the same data and positions as YAML articles, every problem at its
`file:line:col` (inside directives too), and a mixed issue that builds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from issuepdf.content.errors import IssuepdfError
from issuepdf.content.loader import load_issue, load_yaml
from issuepdf.content.mdarticle import load_markdown
from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.content.problems import Problems
from issuepdf.pipeline.build import build, check_issue

from .support.issues import FIXTURES, HEAD, MakeIssue
from .support.pdfs import pdf_text

INCLUDES = HEAD + "    articles:\n      - include: articles/a.md\n      - include: articles/b.yaml\n"

MARKDOWN = """\
---
# 기사 머리 주석
title: 중국 과학기술부 횃불센터
tag: 산업기관
---
첫 문단은 **굵게** 쓰고
둘째 줄로 이어진다.

# 소개

## 개요

### 산업분포

▶산업분포: 새로 진입한 가젤 기업 114 개 중 생명 공학 산업이 33 개 사로 가장 많았다.

○ 횃불계획 정책 연구
○ 중국 기술 시장의
발전 진단

- 인공지능
- 빅데이터

1) 창업 공간 제공
2) 창업팀 육성

3. 셋째
4. 넷째

vi. 여섯째 조건
vii. 일곱째 조건

① 첫째
② 둘째

![시계 방향으로 리텅, 펑자오](images/aiot-forum.png "선전상보 \\"공식\\" 계정")

| 순위 | 산업 분야 | 수량 |
|:-:|:--|--:|
| 1 | 생물 \\| 과학 | 41 |
| 2 | 기업서비스 | 27 |

```{flow}
[자체 검사, 신청 등록, 자료 제출]
```

```{table}
table:
  - [1, 생물과학기술, 41]
  - [{text: 공통 조건, colspan: 3, head: true}]
header:
  - [순위, 산업 분야, 수량]
widths: [1, 3, 1]
labeled: false  # a comment stays a comment
```

```{photo} images/aiot-forum.png
source: 텐센트뉴스
width: 60
alt: 포럼 사진
```

```{text}
"1. 이 문단은 숫자로 시작한다"
```

```{note}
note: "편집자가 덧붙인다: 짧게."
```

```{sources}
- 바이두백과
- http://www.chinatorch.gov.cn
```
"""

YAML = """\
title: 중국 과학기술부 횃불센터
tag: 산업기관
body:
  - "첫 문단은 **굵게** 쓰고\\n둘째 줄로 이어진다."
  - heading: 소개
  - {heading: 개요, level: 2}
  - {heading: 산업분포, level: 3}
  - lead: "▶산업분포:"
    text: 새로 진입한 가젤 기업 114 개 중 생명 공학 산업이 33 개 사로 가장 많았다.
  - list: [횃불계획 정책 연구, "중국 기술 시장의\\n발전 진단"]
    marker: ○
  - list: [인공지능, 빅데이터]
  - numbered: [창업 공간 제공, 창업팀 육성]
    style: paren
  - numbered: [셋째, 넷째]
    style: decimal
    start: 3
  - numbered: [여섯째 조건, 일곱째 조건]
    style: roman
    start: 6
  - numbered: [첫째, 둘째]
    style: circled
  - photo: images/aiot-forum.png
    caption: 시계 방향으로 리텅, 펑자오
    source: 선전상보 "공식" 계정
    alt: 시계 방향으로 리텅, 펑자오
  - table:
      - ["1", "생물 | 과학", "41"]
      - ["2", 기업서비스, "27"]
    header:
      - [순위, 산업 분야, 수량]
    align: [center, left, right]
  - flow: [자체 검사, 신청 등록, 자료 제출]
  - table:
      - [1, 생물과학기술, 41]
      - [{text: 공통 조건, colspan: 3, head: true}]
    header:
      - [순위, 산업 분야, 수량]
    widths: [1, 3, 1]
    labeled: false
  - photo: images/aiot-forum.png
    source: 텐센트뉴스
    width: 60
    alt: 포럼 사진
  - "1. 이 문단은 숫자로 시작한다"
  - note: "편집자가 덧붙인다: 짧게."
  - sources: [바이두백과, http://www.chinatorch.gov.cn]
"""

IMAGE = (FIXTURES / "blocks" / "images" / "aiot-forum.png").read_bytes()


def article(issue: Path, index: int) -> tuple[Any, Problems]:
    problems = Problems()
    loaded = load_issue(issue, problems)
    assert loaded is not None
    return loaded.data["sections"][0]["articles"][index], problems


def told(issue: Path) -> str:
    """Every problem `check` reports, one per line."""
    with pytest.raises(IssuepdfError) as caught:
        check_issue(issue)
    return "\n".join(map(str, getattr(caught.value, "problems", [])))


def issue_with(make_issue: MakeIssue, markdown: str) -> Path:
    return make_issue(
        {
            "issue.yaml": HEAD + "    articles:\n      - include: articles/a.md\n",
            "articles/a.md": markdown,
            "images/aiot-forum.png": IMAGE,
        }
    )


def test_a_markdown_article_loads_into_the_data_of_its_yaml_form(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": INCLUDES, "articles/a.md": MARKDOWN, "articles/b.yaml": YAML})
    (markdown, problems), (yaml, _) = article(issue, 0), article(issue, 1)
    assert not problems
    assert markdown == yaml


def test_every_value_of_a_markdown_article_has_its_position(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": INCLUDES, "articles/a.md": MARKDOWN, "articles/b.yaml": YAML})
    problems = Problems()
    loaded = load_issue(issue, problems)
    assert loaded is not None
    where = {
        path[4:]: str(spot.value) for path, spot in loaded.spots.items() if path[:4] == ("sections", 0, "articles", 0)
    }
    md = str(issue / "articles" / "a.md")
    assert where[("title",)] == f"{md}:3:8"
    assert where[("body", 0)] == f"{md}:6:1"
    assert where[("body", 1, "heading")] == f"{md}:9:3"
    assert where[("body", 3, "heading")] == f"{md}:13:5"
    assert where[("body", 4, "text")] == f"{md}:15:8"
    assert where[("body", 5, "list", 1)] == f"{md}:18:3"
    assert where[("body", 11, "photo")] == f"{md}:36:20"
    assert where[("body", 12, "table", 0, 1)] == f"{md}:40:7"
    assert where[("body", 13, "flow", 2)] == f"{md}:44:16"
    assert where[("body", 14, "table", 1, 0, "colspan")] == f"{md}:50:29"
    assert where[("body", 15, "photo")] == f"{md}:57:12"
    assert where[("body", 16)] == f"{md}:64:1"


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        (
            "```{table}\ntable:\n  - [a, b]\ncaptoin: 오타\n```\n",
            "a.md:9:1: sections.0.articles.0.body.0.captoin: unknown key 'captoin'; did you mean 'caption'?",
        ),
        ("```{note}\nnote: 이것은: 문제\n```\n", "a.md:7:10: this text contains ': ', which YAML reads as a new key"),
        ("```{chart}\nsource: 출처\n```\n", "a.md:6:1: sections.0.articles.0.body.0.chart: Input should be"),
        ("```{tabel}\n- [a]\n```\n", "a.md:6:1: sections.0.articles.0.body.0: not a block"),
        ("```python\nprint(1)\n```\n", "a.md:6:1: body.0: a code block is not printed; a block is a directive"),
        ("> 인용문\n", "a.md:6:1: body.0: a '>' quote is not a block of the bulletin"),
        ("#### 넷째 수준\n", "a.md:6:1: body.0: only #, ## and ### are headings"),
        ("    들여쓴 문단\n", "a.md:6:5: body.0: text indented four spaces or more"),
        ("- 하나\n  - 안쪽\n", "a.md:6:1: body.0.list.0: a list item is one paragraph"),
        ("| a | b |\n|:--|---|\n| 1 | 2 |\n", "a.md:7:1: body.0.align: give every column its alignment"),
        ("| a | b |\n|---|---|\n| 1 |\n", "a.md:8:1: body.0.table.0: this row has 1 cells where the header has 2"),
        (
            "| a | b |\n|---|---|\n| 1 | 2 | 3 |\n",
            "a.md:8:1: body.0.table.0: this row has 3 cells where the header has 2",
        ),
        (
            "![](images/missing.png)\n",
            "a.md:6:5: sections.0.articles.0.body.0.photo: file not found: images/missing.png",
        ),
        ("문단에 ** 떨어진 별표**가 있다.\n", "a.md:6:1: sections.0.articles.0.body.0: '**' would be printed"),
        ("[보기](#nowhere)\n", "a.md:6:1: sections.0.articles.0.body.0: link to '#nowhere'"),
        ("", "a.md:5:1: sections.0.articles.0.body: List should have at least 1 item"),
        ("본문\n\n[1]: 바이두백과\n", "a.md:8:1: Markdown reads '[1]: …' as a link definition and prints nothing"),
    ],
)
def test_a_problem_in_a_markdown_article_is_reported_where_it_stands(
    make_issue: MakeIssue, markdown: str, expected: str
) -> None:
    issue = issue_with(make_issue, "---\ntitle: 제목\n# 주석\n---\n\n" + markdown)
    assert expected in told(issue)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("title: 제목\n\n본문\n", "a.md:1:1: a Markdown article starts with its front matter"),
        ("---\ntitle: 제목\n본문\n", "a.md:1:1: the front matter has no closing '---' line"),
        ("---\ntitle: 제목\nbody: [x]\n---\n본문\n", "a.md:3:1: body: the body is the Markdown after the front matter"),
        ("---\ntitle: [제목\n---\n본문\n", "a.md:3:1: YAML syntax error"),
        ("---\n- 제목\n---\n본문\n", "a.md:2:1: the front matter must be 'key: value' lines"),
        ("---\ntitel: 제목\n---\n본문\n", "a.md:2:1: sections.0.articles.0.titel: unknown key 'titel'"),
        (b"---\ntitle: \xff\n---\n", "a.md:2:8: not UTF-8: byte 0xff"),
    ],
)
def test_a_broken_front_matter_is_reported_where_it_stands(
    make_issue: MakeIssue, markdown: str | bytes, expected: str
) -> None:
    issue = issue_with(make_issue, "")
    (issue / "articles" / "a.md").write_bytes(markdown.encode() if isinstance(markdown, str) else markdown)
    assert expected in told(issue)


@pytest.fixture(scope="module")
def mixed_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An issue with one Markdown and one YAML article, built --strict once for the module."""
    from .support.issues import write_files

    issue = write_files(
        tmp_path_factory.mktemp("mixed") / "260",
        {
            "issue.yaml": INCLUDES,
            "articles/a.md": MARKDOWN,
            "articles/b.yaml": YAML.replace("횃불센터", "횃불센터 YAML"),
            "images/aiot-forum.png": IMAGE,
        },
    )
    return build(issue, strict=True).pdf


def test_an_issue_mixing_markdown_and_yaml_articles_builds_strict(mixed_pdf: Path) -> None:
    text = pdf_text(mixed_pdf)
    for printed in [
        "1) 소개",
        "①개요",
        "▶산업분포",
        "○ 중국 기술 시장의 발전 진단",
        "vi. 여섯째 조건",
        "② 둘째",
        "편집자",
    ]:
        assert printed.replace(" ", "") in text.replace(" ", "").replace("\n", "")
    assert text.count("첫 문단은 굵게 쓰고") == 2
    assert "생물 | 과학" in text
    assert "**" not in text


def test_every_markdown_example_of_the_guide_checks(make_issue: MakeIssue) -> None:
    guide = (SOURCE_ROOT / "docs" / "writing-an-issue.md").read_text(encoding="utf-8")
    examples = re.findall(r"^````markdown\n(.*?)^````$", guide, re.DOTALL | re.MULTILINE)
    assert len(examples) == 2
    includes = "".join(f"      - include: articles/e{n}.md\n" for n in range(len(examples)))
    files: dict[str, str | bytes] = {f"articles/e{n}.md": text for n, text in enumerate(examples)}
    issue = make_issue({"issue.yaml": HEAD + "    articles:\n" + includes, "images/aiot-forum.png": IMAGE, **files})
    checked = check_issue(issue)
    blocks = [block for article in checked.issue.sections[0].articles for block in article.body]
    kinds = {type(block).__name__ for block in blocks}
    assert kinds == {
        "str", "Heading", "Lead", "BulletList", "NumberedList", "Photo", "Table", "Chart", "Note", "Sources",
        "Timeline", "Flow", "Profiles", "Checklist",
    }  # fmt: skip


def test_the_readme_s_markdown_article_is_its_yaml_article(tmp_path: Path) -> None:
    readme = (SOURCE_ROOT / "README.md").read_text(encoding="utf-8")
    markdown = re.search(r"^````markdown\n(.*?)^````$", readme, re.DOTALL | re.MULTILINE)
    yaml_form = re.search(r"reference form.*?```yaml\n(.*?)^```$", readme, re.DOTALL | re.MULTILINE)
    assert markdown and yaml_form
    (tmp_path / "a.md").write_text(markdown.group(1), encoding="utf-8")
    (tmp_path / "a.yaml").write_text(yaml_form.group(1), encoding="utf-8")
    problems = Problems()
    read, written = load_markdown(tmp_path / "a.md", problems), load_yaml(tmp_path / "a.yaml", problems)
    assert not problems and read is not None and written is not None
    assert read.data == written.data


def test_a_paragraph_opening_with_a_date_stays_a_paragraph(make_issue: MakeIssue) -> None:
    issue = issue_with(make_issue, "---\ntitle: 제목\n---\n2021. 12. 22. 과학기술부가 발표했다.\n\n1. 목록\n")
    data, problems = article(issue, 0)
    assert not problems
    assert data["body"] == ["2021. 12. 22. 과학기술부가 발표했다.", {"numbered": ["목록"], "style": "decimal"}]


def test_the_fidelity_check_names_the_markdown_line_of_a_block_the_layout_hides(make_issue: MakeIssue) -> None:
    markdown = "---\ntitle: 제목\n---\n첫 문단.\n\n```{flow}\n[자체 검사, 신청 등록]\n```\n"
    issue = issue_with(make_issue, markdown)
    (issue / "layouts").mkdir()
    (issue / "layouts" / "issue.css").write_text(".flow { display: none }\n", encoding="utf-8")
    with pytest.raises(IssuepdfError) as caught:
        build(issue)
    told = "\n".join(map(str, getattr(caught.value, "problems", [])))
    assert "a.md:6:1: not printed at all: '자체 검사" in told


def test_the_archive_edition_embeds_markdown_articles() -> None:
    from issuepdf.content.mdarticle import MARKDOWN_SUFFIXES
    from issuepdf.pipeline.editions import DATA_SUFFIXES, archive_name_problem

    assert set(MARKDOWN_SUFFIXES) <= DATA_SUFFIXES
    assert archive_name_problem("articles/torch-center.md") is None
