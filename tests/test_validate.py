"""Validation: every problem at once, each with file:line:col, key path and an exact message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from issuepdf.content.errors import InvalidIssue
from issuepdf.content.project import Project
from issuepdf.pipeline.build import check_issue

from .support.issues import HEAD, MakeIssue


def problems_of(issue_dir: Path) -> list[str]:
    with pytest.raises(InvalidIssue) as caught:
        check_issue(issue_dir)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_minimal_issue_is_valid(make_issue: MakeIssue) -> None:
    checked = check_issue(make_issue())
    assert checked.issue.number == 260
    assert checked.issue.sections[0].articles[0].body[1] == "두 번째 문단."


def test_unknown_key_missing_image_and_uncovered_character_reported_together(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": HEAD
            + in_section(
                """\
                articles:
                  - title: 가젤 기업 선정
                    body:
                      - 문단 하나 \U0001f600 끝.
                      - photo: images/missing.jpg
                        captoin: 행사 사진
                """
            )
        }
    )
    assert problems_of(issue) == [
        "260/issue.yaml:10:19: sections.0.articles.0.body.0: character '\U0001f600' (U+1F600) is in no font of fonts/",
        "260/issue.yaml:11:20: sections.0.articles.0.body.1.photo: file not found: images/missing.jpg",
        "260/issue.yaml:12:13: sections.0.articles.0.body.1.captoin: unknown key 'captoin'; did you mean 'caption'?",
    ]


def test_yaml_syntax_error_has_its_line(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": "title: 주간\nnumber: [260\ndate: 2021-12-22\n"})
    (problem,) = problems_of(issue)
    assert problem.startswith("260/issue.yaml:3:5: YAML syntax error:")


def test_wrong_types_bad_date_and_missing_key(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": """\
            title: 주간 중국 창업
            number: 이백
            date: 2021-13-22
            sections:
              - title: CHINA 창업
                articles:
                  - title: 기사
                    body:
                      - heading: 개요
                        level: 4
            """
        }
    )
    assert problems_of(issue) == [
        "260/issue.yaml:1:1: publisher: missing required key 'publisher'",
        "260/issue.yaml:2:9: number: Input should be a valid integer, unable to parse string as an integer"
        " (got '이백')",
        "260/issue.yaml:3:7: date: Input should be a valid date or datetime, month value is outside expected"
        " range of 1-12 (got '2021-13-22')",
        "260/issue.yaml:10:20: sections.0.articles.0.body.0.level: Input should be 1, 2 or 3 (got 4)",
    ]


def test_unknown_block_and_duplicate_key_and_ids(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": HEAD
            + in_section(
                """\
                id: main
                articles:
                  - title: 기사
                    id: main
                    title: 다시
                    body:
                      - photograph: a.jpg
                """
            )
        }
    )
    assert problems_of(issue) == [
        "260/issue.yaml:10:13: sections.0.articles.0.id: duplicate id 'main' (first used at 260/issue.yaml:7:9)",
        "260/issue.yaml:11:9: sections.0.articles.0.title: duplicate key (first given on line 9)",
        "260/issue.yaml:13:13: sections.0.articles.0.body.0: not a block: write a paragraph as text, or a mapping"
        " with one of the keys chart, checklist, flow, heading, lead, list, note, numbered, photo, profiles,"
        " sources, table, timeline",
    ]


def test_included_article_reports_positions_in_its_own_file(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": HEAD
            + in_section(
                """\
                articles:
                  - include: articles/one.yaml
                  - include: articles/none.yaml
                """
            ),
            "articles/one.yaml": "title: 하나\nbody:\n  - list: [가, 나]\n    markr: ○\n",
        }
    )
    assert problems_of(issue) == [
        "260/articles/one.yaml:4:5: sections.0.articles.0.body.0.markr: unknown key 'markr'; did you mean 'marker'?",
        "260/issue.yaml:9:18: sections.0.articles.1.include: included file not found: articles/none.yaml",
    ]


def test_chart_spec_file_and_csv_problems(make_issue: MakeIssue) -> None:
    body = "        body:\n          - chart: charts/age.yaml\n"
    issue = make_issue(
        {
            "issue.yaml": _minimal_with(body),
            "charts/age.yaml": "type: bars\ncsv: age.csv\n",
            "charts/age.csv": "기간,기업 수\n3년 이내,29\n4~5년,마흔둘\n",
        }
    )
    assert problems_of(issue) == [
        "260/charts/age.yaml:1:7: type: Input should be 'bar', 'hbar', 'stacked', 'stacked-hbar', 'line', 'pie',"
        " 'donut' or 'scatter' (got 'bars')",
    ]
    (issue / "charts/age.yaml").write_text("type: bar\ncsv: age.csv\n")
    assert problems_of(issue) == [
        "260/charts/age.csv:3:2: 기업 수: not a number: '마흔둘'; write numbers like 1,531.5 or 1531.5"
    ]


def test_chart_series_length_mismatch(make_issue: MakeIssue) -> None:
    body = (
        "        body:\n          - chart:\n              categories: [가, 나]\n"
        "              series: [{name: 수, values: [1, 2, 3]}]\n"
    )
    issue = make_issue({"issue.yaml": _minimal_with(body)})
    assert problems_of(issue) == [
        "260/issue.yaml:11:15: sections.0.articles.0.body.0.chart: series '수' has 3 values for 2 categories"
    ]


def test_paths_must_stay_inside_the_issue(make_issue: MakeIssue) -> None:
    body = "        body:\n          - photo: ../secret.png\n          - photo: /etc/hostname\n"
    issue = make_issue({"issue.yaml": _minimal_with(body)})
    message = "give a relative path inside the issue folder (no '..', not absolute)"
    assert problems_of(issue) == [
        f"260/issue.yaml:10:20: sections.0.articles.0.body.0.photo: {message}",
        f"260/issue.yaml:11:20: sections.0.articles.0.body.1.photo: {message}",
    ]


def _minimal_with(body: str) -> str:
    return HEAD + "    articles:\n      - title: 기사\n" + body


def in_section(rest: str) -> str:
    """The lines of a test issue after HEAD, written at the section's indentation in the test."""
    return textwrap.indent(textwrap.dedent(rest), "    ")


def test_inline_chart_cannot_read_csv(make_issue: MakeIssue) -> None:
    body = "        body:\n          - chart:\n              type: bar\n              csv: data.csv\n"
    issue = make_issue({"issue.yaml": _minimal_with(body), "data.csv": "a,b\nx,1\n"})
    assert problems_of(issue) == [
        "260/issue.yaml:12:15: sections.0.articles.0.body.0.chart.csv: csv is for chart spec files:"
        " move this spec to charts/NAME.yaml with the CSV beside it"
    ]


def test_warnings_for_missing_alt_and_low_print_resolution(make_issue: MakeIssue) -> None:
    from PIL import Image

    from issuepdf.content.problems import Problems
    from issuepdf.content.validate import check

    body = "        body:\n          - photo: small.png\n            width: 100\n"
    issue = make_issue({"issue.yaml": _minimal_with(body)})
    Image.new("RGB", (800, 600)).save(issue / "small.png")
    for edition, expected in [
        ("screen", ["no alt text: describe the picture for readers who cannot see it"]),
        (
            "print",
            [
                "no alt text: describe the picture for readers who cannot see it",
                "small.png: 800×600 px placed at 170×128 mm is 120 dpi; print needs 250 dpi (1673 px wide)",
            ],
        ),
    ]:
        problems = Problems()
        assert check(Project.of(issue), problems, edition) is not None
        assert not problems
        assert [str(w) for w in problems.warnings] == [
            f"260/issue.yaml:10:20: sections.0.articles.0.body.0: warning: {message}" for message in expected
        ]


def test_lists_and_headings_counted_past_their_marks_are_warned_at_their_line(make_issue: MakeIssue) -> None:
    from issuepdf.content.problems import Problems
    from issuepdf.content.validate import check

    circled = "".join(f"\n              - 항목 {n}" for n in range(1, 23))
    headings = "".join(f"\n          - heading: 소제목 {n}\n            level: 2" for n in range(1, 22))
    body = (
        f"        body:\n          - numbered:{circled}\n            style: circled"
        "\n          - numbered: [가, 나]\n            style: roman\n            start: 15"
        "\n          - numbered: [가, 나]\n            style: roman\n            start: 14"
        f"{headings}\n          - heading: 큰 제목\n            level: 1"
        "\n          - heading: 다시\n            level: 2\n"
    )
    problems = Problems()
    assert check(Project.of(make_issue({"issue.yaml": _minimal_with(body)})), problems) is not None
    assert [str(w).split(": warning: ")[1] for w in problems.warnings] == [
        "a circled list's marks stop at ⑳: from item 21 on it prints 21., 22. …; use style: decimal, or split the list",
        "a roman list's marks stop at xv.: from item 2 on it prints 16., 17. …; use style: decimal, or split the list",
        "level-2 heading marks stop at ⑳: this one and those after it up to the next level-1 heading print (21),"
        " (22) …; give them a marker, or add a level-1 heading",
    ]
    assert str(problems.warnings[0]).startswith("260/issue.yaml:10:")


def test_a_value_of_a_union_gets_one_answer_in_the_editors_words(make_issue: MakeIssue) -> None:
    """Pydantic reports every member of a union that refused a value, and names them in the location
    (`text.constrained-str`, `table.0.0.float`); the editor gets the member their value was meant for, or
    one `expected …` when no member takes its kind, at the key they wrote."""
    body = """\
        body:
          - profiles:
              - {name: 가, text: ""}
              - {name: 나, text: [좋다, {a: 1}]}
              - {name: 다, text: 5}
          - table:
              - [{text: 가, colspan: x}, [1]]
"""
    with pytest.raises(InvalidIssue) as caught:
        check_issue(make_issue({"issue.yaml": _minimal_with(body)}))
    assert [str(problem).split(": ", 1)[1] for problem in caught.value.problems.items] == [
        "sections.0.articles.0.body.0.profiles.0.text: String should have at least 1 character (got '')",
        "sections.0.articles.0.body.0.profiles.1.text.1: Input should be a valid string (got {'a': 1})",
        "sections.0.articles.0.body.0.profiles.2.text: expected a text or a list (got 5)",
        "sections.0.articles.0.body.1.table.0.0.colspan: Input should be a valid integer, unable to parse string as"
        " an integer (got 'x')",
        "sections.0.articles.0.body.1.table.0.1: expected a text, a number or keys and values (got [1])",
    ]


def test_a_paragraph_yaml_reads_as_a_number_yes_no_or_nothing_says_so(make_issue: MakeIssue) -> None:
    body = "        body:\n          - 2021\n          - 3.5\n          - yes\n          -\n"
    with pytest.raises(InvalidIssue) as caught:
        check_issue(make_issue({"issue.yaml": _minimal_with(body)}))
    quote = "not as a paragraph: put the whole text in double quotes to print it"
    assert [str(problem).split(": ", 2)[2] for problem in caught.value.problems.items] == [
        f"YAML reads this as a number, {quote}",
        f"YAML reads this as a number, {quote}",
        f"YAML reads this as yes/no, {quote}",
        "an empty item: write the paragraph after the dash, or delete the line",
    ]
