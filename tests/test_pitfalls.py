"""What YAML, Markdown or a spreadsheet would silently change: `check` says where, and the one fix.

Each case is a mistake editors make every week; before these checks each built with exit code 0
and a PDF that differed from what was written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from issuepdf.content.errors import InvalidIssue
from issuepdf.pipeline.build import check_issue
from issuepdf.pipeline.logs import WarningCounter

from .support.issues import HEAD, MakeIssue

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"/>'


def problems_of(issue_dir: Path) -> list[str]:
    with pytest.raises(InvalidIssue) as caught:
        check_issue(issue_dir)
    return [str(problem).replace(f"{issue_dir.name}/", "") for problem in caught.value.problems]


def article(*body: str, extra: str = "") -> str:
    """An issue with one article whose body lines are given as written in YAML."""
    lines = "".join(f"          {line}\n" for line in body)
    return HEAD + f"    articles:\n      - title: 제목\n{extra}        body:\n{lines}"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a comment mark inside unquoted text drops the rest of the line
        (["- 중국은 #1 시장이며 #창업 열기가 높다"], "issue.yaml:10:17: sections.0.articles.0.body.0: ' #' starts"),
        (["- 매출은 약 1조 원이다  # 2021년 기준"], "' #' starts a YAML comment, so '# 2021년 기준' is dropped"),
        # a comma inside a flow list item splits it
        (["- list: [약 1조 1,900억 원, 둘째]"], "the comma in '약 1조 1,900억 원' splits it into two items"),
        # a paragraph with ': ' becomes a mapping
        (["- 주: 이 수치는 추정치다"], "this paragraph contains ': ' and was read as 'key: value'; put the whole text"),
        # a tab in the indentation
        (["-\t탭으로 들여쓴 문단"], "indent with spaces, not a tab"),
        # a value starting with a YAML indicator
        (["- *중요* 표시"], "this text starts with '*', which YAML reads as syntax; put the whole text in double"),
        (['- "인용"이 먼저 오는 문단'], "YAML"),
        # links must lead somewhere
        (['- "[표 보기](#no-such-table)"'], "link to '#no-such-table', which no block has as its id"),
    ],
)
def test_yaml_pitfalls_are_reported_with_the_fix(make_issue: MakeIssue, body: list[str], expected: str) -> None:
    problems = problems_of(make_issue({"issue.yaml": article(*body)}))
    assert any(expected in problem for problem in problems), problems


def test_a_title_with_colon_space_says_to_quote(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": HEAD.replace("CHINA 창업", "뉴스: 창업") + "    articles: []\n"})
    assert problems_of(issue) == [
        "issue.yaml:6:14: this text contains ': ', which YAML reads as a new key;"
        ' put the whole text in double quotes (write \\" for a quote inside)'
    ]


def test_a_tag_written_with_its_brackets(make_issue: MakeIssue) -> None:
    problems = problems_of(make_issue({"issue.yaml": article("- 문단", extra="        tag: 【창업정책】\n")}))
    assert problems == [
        "issue.yaml:9:14: sections.0.articles.0.tag: write the tag without brackets (tag: 창업정책):"
        " the layout adds 【】"
    ]


@pytest.mark.parametrize("written", ["2022-1-5", "2022.01.05", "2022/01/05"])
def test_dates_in_other_forms(make_issue: MakeIssue, written: str) -> None:
    issue = make_issue(
        {"issue.yaml": HEAD.replace("2021-12-22", written) + "    articles: [{title: 가, body: [나]}]\n"}
    )
    assert f"issue.yaml:3:7: date: write dates as 2022-01-05 (got '{written}')" in problems_of(issue)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "header: [[가, 나, 다]]\n            table: [[1, 2]]",
            "row 1 has 2 cells (counting spans) where the table has 3",
        ),
        ("table: [[1, 2, 3], [1, 2, 3, 4]]", "row 1 has 3 cells (counting spans) where the table has 4"),
        ("table: [[1, 2], [3, 4]]\n            widths: [1, 2, 3]", "widths has 3 entries for 2 columns"),
        ("table: [[1, 2], [3, 4]]\n            align: [left]", "align has 1 entries for 2 columns"),
        (
            "table:\n              - [{text: 가, rowspan: 2}, 1]\n              - [2, 3]",
            "row 1 has 2 cells (counting spans) where the table has 3",
        ),
    ],
)
def test_ragged_tables(make_issue: MakeIssue, table: str, expected: str) -> None:
    problems = problems_of(make_issue({"issue.yaml": article(f"- {table}")}))
    assert any(expected in problem for problem in problems), problems


def test_spans_that_fill_the_grid_are_fine(make_issue: MakeIssue) -> None:
    rows = ["[{text: 가, rowspan: 2}, 1, 2]", "[3, 4]", "[{text: 합, colspan: 3}]"]
    table = "- table:" + "".join(f"\n              - {row}" for row in rows)
    assert check_issue(make_issue({"issue.yaml": article(table)})).issue


def test_ids_on_every_block_and_links_to_them(make_issue: MakeIssue) -> None:
    body = [
        "- flow: [가, 나]",
        "  id: steps",
        "- list: [하나]",
        "  id: items",
        '- "[흐름](#steps), [목록](#items), [기사](#s1-a1)"',
    ]
    assert check_issue(make_issue({"issue.yaml": article(*body)})).issue


def test_an_explicit_id_may_not_take_an_automatic_one(make_issue: MakeIssue) -> None:
    problems = problems_of(make_issue({"issue.yaml": article("- 문단", extra="        id: s1-a3\n")}))
    assert problems == [
        "issue.yaml:9:13: sections.0.articles.0.id: 's1-a3' is the form of automatic ids; choose another name"
    ]


def test_the_same_include_twice(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": HEAD + "    articles:\n      - include: a.yaml\n      - include: ./a.yaml\n",
            "a.yaml": "title: 가\nbody: [문단]\n",
        }
    )
    assert problems_of(issue) == [
        "issue.yaml:9:18: sections.0.articles.1.include: ./a.yaml is already included (at issue.yaml:8:18)"
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("- articles/a.yaml", "write '- include: articles/a.yaml' to include a file"),
        ("- include: articles/a.yaml\n        number: 3", "'include' stands alone: move number into the included file"),
    ],
)
def test_includes_written_wrong_give_one_message(make_issue: MakeIssue, entry: str, expected: str) -> None:
    issue = make_issue(
        {"issue.yaml": HEAD + f"    articles:\n      {entry}\n", "articles/a.yaml": "title: 가\nbody: [문단]\n"}
    )
    problems = problems_of(issue)
    assert len(problems) == 1 and expected in problems[0], problems


def chart_issue(make_issue: MakeIssue, csv: bytes) -> Path:
    return make_issue(
        {
            "issue.yaml": article("- chart: charts/c.yaml"),
            "charts/c.yaml": "type: bar\ncsv: c.csv\n",
            "charts/c.csv": csv,
        }
    )


@pytest.mark.expect_warnings
def test_csv_from_korean_excel_is_read_and_the_encoding_named(
    make_issue: MakeIssue, no_unexpected_warnings: WarningCounter
) -> None:
    issue = chart_issue(make_issue, '도시,기업\n베이징,1531.5\n상하이,"1,182"\n'.encode("cp949"))
    checked = check_issue(issue)
    named = "charts/c.csv: warning: read as CP949 (Korean Excel); save it as CSV UTF-8"
    assert any(message.endswith(named) for message in no_unexpected_warnings.messages)
    assert checked.charts["charts/c.yaml"].series[0].values == [1531.5, 1182.0]
    assert checked.charts["charts/c.yaml"].categories == ["베이징", "상하이"]


@pytest.mark.expect_warnings  # the chart has no alt text
@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_csv_line_ends_of_every_system_are_read(make_issue: MakeIssue, ending: bytes) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends lines with a lone \\r; Windows with \\r\\n."""
    data = ending.join(["도시,기업".encode(), "베이징,1531.5".encode(), "상하이,1182".encode()]) + ending
    checked = check_issue(chart_issue(make_issue, data))
    assert checked.charts["charts/c.yaml"].series[0].values == [1531.5, 1182.0]


@pytest.mark.parametrize("cell", ["1.531,0", "1,5", "12,34,567", "1.2.3"])
def test_numbers_in_unexpected_forms_name_the_cell(make_issue: MakeIssue, cell: str) -> None:
    issue = chart_issue(make_issue, f'도시,기업\n베이징,"{cell}"\n'.encode())
    assert problems_of(issue) == [
        f"charts/c.csv:2:2: 기업: not a number: '{cell}'; write numbers like 1,531.5 or 1531.5"
    ]


@pytest.mark.parametrize("text", ["**73%**가", "**‘데모데이’**를", "**첨단기술기업(高新技术企业)**으로", "*기울임*을"])
def test_korean_emphasis_is_applied_not_printed(make_issue: MakeIssue, text: str) -> None:
    assert check_issue(make_issue({"issue.yaml": article(f'- "{text} 본다"')})).issue


@pytest.mark.parametrize("text", ["** 떨어진 별표**", "__밑줄__이 안 되는 곳"])
def test_leftover_emphasis_marks_are_reported(make_issue: MakeIssue, text: str) -> None:
    problems = problems_of(make_issue({"issue.yaml": article(f'- "{text}"')}))
    assert len(problems) == 1 and "would be printed as it stands" in problems[0], problems


@pytest.mark.parametrize(
    ("body", "extra", "reported"),
    [
        (['- table: [["** 셀**", 1]]'], "", "sections.0.articles.0.body.0.table.0.0"),
        (['- {photo: p.svg, caption: "** 설명**", alt: "** 대체**"}'], "", "sections.0.articles.0.body.0.caption"),
        (
            ['- {timeline: [{stage: "** 단계**", text: "** 목표**"}]}'],
            "",
            "sections.0.articles.0.body.0.timeline.0.text",
        ),
        (["- 문단"], '        source: "** 출처**"\n        credit: "** 크레딧**"\n', "sections.0.articles.0.credit"),
    ],
)
def test_leftover_emphasis_is_reported_only_where_markdown_formats_the_text(
    make_issue: MakeIssue, body: list[str], extra: str, reported: str
) -> None:
    """Titles, alt texts, stage names and an article's source print as written: their asterisks are text."""
    issue = make_issue({"issue.yaml": article(*body, extra=extra), "p.svg": SVG})
    problems = problems_of(issue)
    assert len(problems) == 1 and f": {reported}: " in problems[0], problems


@pytest.mark.parametrize("tag", ["창업(정책)", ")", "(주)"])
def test_a_tag_with_other_brackets_is_fine(make_issue: MakeIssue, tag: str) -> None:
    """Found by the property test: only the layout's own brackets, 【】 or a whole [..], are refused."""
    assert check_issue(make_issue({"issue.yaml": article("- 문단", extra=f'        tag: "{tag}"\n')})).issue
