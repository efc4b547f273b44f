"""Inputs written from the docs by someone who did not write the code, each a class of text that was
printed otherwise than written without a positioned message: control characters drawn as .notdef
boxes, and Markdown's own escapes reported as mistakes. Each case asserts on `check` or on the PDF."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from issuepdf.content.errors import InvalidIssue
from issuepdf.pipeline.build import build, check_issue

from .support.issues import HEAD, MakeIssue
from .support.pdfs import pdf_text


def problems_of(issue_dir: Path) -> list[str]:
    with pytest.raises(InvalidIssue) as caught:
        check_issue(issue_dir)
    return [str(problem).replace(f"{issue_dir.name}/", "") for problem in caught.value.problems]


def article(*body: str) -> str:
    """An issue with one article whose body lines are given as written in YAML."""
    return HEAD + "    articles:\n      - title: 제목\n        body:\n" + "".join(f"          {b}\n" for b in body)


MARKDOWN_HEAD = HEAD + "    articles:\n      - include: articles/a.md\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("escaped", "code"),
    [("\\u0007", "0007"), ("\\e", "001B"), ("\\x0c", "000C"), ("\\N", "0085"), ("\\L", "2028"), ("\\P", "2029")],
)
def test_a_control_character_in_yaml_is_refused_where_it_stands(make_issue: MakeIssue, escaped: str, code: str) -> None:
    """WeasyPrint draws a control character as an empty box (or breaks the line at it), with a warning
    that names no file; `check` names the text and says to delete it."""
    issue = make_issue({"issue.yaml": article(f'- "벨 소리{escaped}가 들어간 문단"')})
    assert problems_of(issue) == [
        f"issue.yaml:10:18: sections.0.articles.0.body.0: control character U+{code} cannot be printed;"
        " delete it (copied text often carries one)"
    ]


def test_a_control_character_in_a_markdown_article_is_refused(make_issue: MakeIssue) -> None:
    md = "---\ntitle: 제목\n---\n첫 문단.\n\n폼 피드\x0b가 들어간 문단.\n"
    issue = make_issue({"issue.yaml": MARKDOWN_HEAD, "articles/a.md": md})
    problems = problems_of(issue)
    assert len(problems) == 1, problems
    assert problems[0].startswith("articles/a.md:6:"), problems
    assert "control character U+000B cannot be printed" in problems[0]


ESCAPES = "별표는 \\*그대로\\* 찍히고 `**kwargs`와 \\_\\_밑줄\\_\\_도 그대로다."


def test_markdown_escapes_and_code_print_their_marks_and_are_not_reported(make_issue: MakeIssue) -> None:
    """The docs say to write \\* for a printed asterisk: `check` took the escaped marks (and those in
    code) for emphasis Markdown had failed to apply, and refused the issue."""
    md = f"---\ntitle: 제목\n---\n{ESCAPES}\n"
    issue = make_issue({"issue.yaml": MARKDOWN_HEAD, "articles/a.md": md})
    text = pdf_text(build(issue).pdf)
    assert "별표는 *그대로* 찍히고 **kwargs와 __밑줄__도 그대로다." in text


def test_escaped_marks_in_yaml_are_not_reported_but_unapplied_ones_still_are(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": article(f"- '{ESCAPES}'", "- 그러나 ** 떨어진 별표**는 알린다.")})
    problems = problems_of(issue)
    assert len(problems) == 1 and "sections.0.articles.0.body.1: '**' would be printed" in problems[0]


@pytest.mark.parametrize(
    ("block", "where"),
    [
        ("- |\n            첫 문단의 줄.\n\n            둘째 문단의 줄.", "10:13: sections.0.articles.0.body.0:"),
        (
            "- note: |\n              주석의 첫 문단.\n\n              주석의 둘째 문단.",
            "10:19: sections.0.articles.0.body.0.note:",
        ),
        # a `>` block: YAML made the empty line a single line break, which Markdown prints as a space
        (
            "- >\n            접는 첫 문단의 줄,\n            같은 문단.\n\n            접는 둘째 문단.",
            "10:13: sections.0.articles.0.body.0:",
        ),
    ],
)
def test_an_empty_line_inside_a_yaml_text_is_reported(make_issue: MakeIssue, block: str, where: str) -> None:
    """A `|` block with an empty line reads as two paragraphs, but Markdown inside one text joins them
    with a space: the paragraph break the editor wrote was lost without a word."""
    problems = problems_of(make_issue({"issue.yaml": article(block)}))
    assert len(problems) == 1 and problems[0].startswith(f"issue.yaml:{where}"), problems
    assert problems[0].endswith(
        "an empty line inside a text does not start a new paragraph (it prints as a space);"
        " write each paragraph as a text of its own"
    )


@pytest.mark.parametrize("style", ["|", ">"])
def test_line_breaks_without_an_empty_line_are_fine(make_issue: MakeIssue, style: str) -> None:
    issue = make_issue(
        {"issue.yaml": article(f"- {style}\n            한 문단의 첫 줄,\n            같은 문단의 둘째 줄.")}
    )
    assert "한 문단의 첫 줄, 같은 문단의 둘째 줄." in pdf_text(build(issue).pdf)


def test_a_pipe_table_markdown_does_not_read_as_one_is_reported(make_issue: MakeIssue) -> None:
    """GFM splits cells at every `|`, in code too: a header of 4 cells over a delimiter row of 3 made the
    whole table one paragraph of pipes and dashes, built without a word."""
    md = "---\ntitle: 제목\n---\n첫 문단.\n\n| 가 | 나 | `a|b` |\n|---|---|---|\n| 1 | 2 | 3 |\n"
    problems = problems_of(make_issue({"issue.yaml": MARKDOWN_HEAD, "articles/a.md": md}))
    assert problems == [
        "articles/a.md:6:1: body.1: this is not read as a table: its first row has 4 cells and the row"
        " under it 3 (Markdown splits cells at every |, in `code` too; write \\| for a | inside a cell)"
    ]


@pytest.mark.parametrize(
    ("files", "where"),
    [
        (
            {"issue.yaml": article("- 문단 안에 ![공장 사진](images/x.png) 이 있다.")},
            "issue.yaml:10:13: sections.0.articles.0.body.0:",
        ),
        (
            {
                "issue.yaml": MARKDOWN_HEAD,
                "articles/a.md": "---\ntitle: 제목\n---\n문단 안에 ![공장 사진](images/x.png) 이 있다.\n",
            },
            "articles/a.md:4:1: sections.0.articles.0.body.0:",
        ),
    ],
)
def test_a_photo_inside_a_text_is_reported(make_issue: MakeIssue, files: dict[str, str], where: str) -> None:
    """The bulletin's Markdown prints no image inside a text: `![공장 사진](…)` printed '!공장 사진' as a
    link, and the photo nowhere."""
    problems = problems_of(make_issue(files))
    assert problems == [
        f"{where} a photo inside a text is not printed ('![공장 사진](…)'): make it a photo block of its own"
    ]


def test_decomposed_text_that_prints_composed_is_not_refused(make_issue: MakeIssue) -> None:
    """Text pasted from macOS file names or some web pages comes decomposed (NFD): 한 as ᄒ + ᅡ + ᆫ, é as
    e + U+0301. The font draws the composed forms, and so does the layout, but `check` refused each
    jamo and accent as a character in no font."""
    written = unicodedata.normalize("NFD", "맥에서 온 한글과 café")
    issue = make_issue({"issue.yaml": article(f"- {written}")})
    text = pdf_text(build(issue, strict=True).pdf)
    assert "맥에서 온 한글과 café" in unicodedata.normalize("NFC", text)


def test_a_jamo_no_syllable_holds_is_still_refused(make_issue: MakeIssue) -> None:
    problems = problems_of(make_issue({"issue.yaml": article("- 옛한글 ᄒᆞᆫ 글자")}))
    assert problems and all("is in no font of fonts/" in problem for problem in problems), problems


def test_a_directive_left_open_is_reported_not_swallowing_the_rest(make_issue: MakeIssue) -> None:
    """A ```{note} without its closing ``` ran to the end of the file: the paragraphs after it were read
    into the note, printed inside its parentheses, and the build passed."""
    md = "---\ntitle: 제목\n---\n첫 문단.\n\n```{note}\n노트 본문.\n\n다음 문단은 본문이어야 한다.\n"
    problems = problems_of(make_issue({"issue.yaml": MARKDOWN_HEAD, "articles/a.md": md}))
    assert problems == [
        "articles/a.md:6:1: body.1: this directive has no closing ``` line, so the rest of the file was read"
        " into it; close it with ``` after its last line"
    ]
