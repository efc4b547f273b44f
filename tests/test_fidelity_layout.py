"""Outsider inputs that pushed text over other text or off the page: list numbers wider than their
gutter, and figures taller than a page. One issue holds the cases that must now build cleanly (built
once for the module); the others make the layout fail on purpose and expect the positioned error."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from issuepdf.content.errors import InvalidIssue
from issuepdf.pipeline.build import BuildResult, build

from .support.issues import HEAD, MakeIssue, write_files
from .support.pdfs import page_texts


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


SOURCES = "\n".join(f"              - 출처 {n} 바이두백과" for n in range(1, 13))
OUTSIDER = (
    HEAD
    + f"""\
    articles:
      - title: 넓은 번호
        body:
          - numbered: [하나는 첫째, 둘은 둘째]
            style: decimal
            start: 123456789012
          - numbered: [셋은 셋째]
            style: decimal
            start: 3990
          - sources:
{SOURCES}
      - title: 키 큰 그림
        body:
          - 그림 앞 문단.
          - photo: tall.png
            alt: 세로로 긴 그림
            caption: 세로로 긴 그림의 캡션
            width: 100
      - title: 키 큰 차트
        body:
          - chart:
              type: bar
              title: 차트 제목은 차트와 함께
              categories: [가, 나]
              series:
                - values: [1, 2]
              height_mm: 250
            caption: 키 큰 차트의 캡션
            alt: 막대 두 개
      - title: 긴 단계
        body:
          - flow: [짧은 단계, "{"가나다라마바사아자차카타파하" * 6}", "https://example.com/{"abcdefghij" * 18}", 끝]
      - title: 키 큰 행
        body:
          - table:
              - [짧음, "{"긴 셀의 문장이다. " * 300}"]
            header:
              - [이름, 내용]
"""
)


@pytest.fixture(scope="module")
def outsider(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    tall = io.BytesIO()
    Image.new("RGB", (40, 400), "navy").save(tall, "PNG")  # 1:10
    issue = write_files(
        tmp_path_factory.mktemp("outsider") / "905", {"issue.yaml": OUTSIDER, "tall.png": tall.getvalue()}
    )
    return build(issue, strict=True)


def words(pdf: Path) -> list[tuple[int, float, float, float, str]]:
    """Every word of the PDF as (page, xMin, xMax, yMin, text), from poppler's word boxes."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for number, page in enumerate(xhtml.split("<page ")[1:], start=1):
        for x0, y0, x1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)', page
        ):
            found.append((number, float(x0), float(x1), float(y0), text))
    return found


@pytest.mark.parametrize(
    ("marker", "text"), [("123456789012.", "하나는"), ("123456789013.", "둘은"), ("3990.", "셋은"), ("12)", "출처")]
)
def test_a_number_wider_than_its_gutter_pushes_the_text_instead_of_covering_it(
    outsider: BuildResult, marker: str, text: str
) -> None:
    """`start: 123456789012` drew the number over the item's first words (and `10)` touched them)."""
    printed = words(outsider.pdf)
    mark = next(w for w in printed if w[4] == marker)
    after = next(w for w in printed[printed.index(mark) + 1 :] if w[4].startswith(text))
    assert after[0] == mark[0] and abs(after[3] - mark[3]) < 3  # the same line
    assert mark[2] + 1 < after[1], (mark, after)  # a gap of at least a point between them


def test_a_figure_taller_than_the_page_shrinks_to_stay_with_its_caption(outsider: BuildResult) -> None:
    """A 1:10 photo at full width ran 1448 mm off its page; a 250 mm chart left its title and its caption
    each alone on a page of their own."""
    pages = [" ".join(text.split()) for text in page_texts(outsider.pdf)]
    (photo,) = [n for n, text in enumerate(pages) if "사진 1) 세로로 긴 그림의 캡션" in text]
    assert re.search(rb"/\w+ Do", PdfReader(outsider.pdf).pages[photo].get_contents().get_data())  # the image
    (chart,) = [text for text in pages if "표 1) 키 큰 차트의 캡션" in text]
    assert "차트 제목은 차트와 함께" in chart and "가 나" in chart, chart  # its title and its axis


def test_a_row_taller_than_a_page_keeps_its_tables_header_on_every_page(outsider: BuildResult) -> None:
    """A 3000-character cell: its row, kept whole, could not be, and the header was left off the pages it
    filled (printed once, after them)."""
    pages = [" ".join(text.split()) for text in page_texts(outsider.pdf) if "긴 셀의 문장이다" in text]
    assert len(pages) >= 2
    assert all(page.startswith("이름 내용") or " 이름 내용 " in page for page in pages), pages
    assert "키 큰 행" in pages[0], "the table moved on and left its article's title alone on a page"


def test_a_flow_step_longer_than_the_line_wraps_inside_its_box(outsider: BuildResult) -> None:
    """A flow step never broke: 84 syllables, or a 200-character address, ran 240 mm off the page."""
    (page,) = [text for text in page_texts(outsider.pdf) if "짧은 단계" in text]
    assert "".join(page.split()).count("가나다라마바사아자차카타파하") == 6
    assert "abcdefghij" * 3 in "".join(page.split())


def test_the_outsider_issue_builds_strict(outsider: BuildResult) -> None:
    assert outsider.warnings == []


def test_text_pushed_out_of_its_box_over_other_text_is_an_error(make_issue: MakeIssue) -> None:
    """The overlap class itself: whatever makes a text reach past its box (here a stylesheet narrowing
    the number's gutter) stops the build at the block, naming the text."""
    issue = make_issue(
        {
            "issue.yaml": HEAD
            + "    articles:\n      - title: 가\n        body:\n          - numbered: [첫 항목, 둘째]\n",
            "layouts/issue.css": "ol.numbered .marker { width: 0.3em !important; min-width: 0 !important;"
            " padding: 0 !important }",
        }
    )
    with pytest.raises(InvalidIssue) as caught:
        build(issue)
    problems = [str(problem).replace(f"{issue.name}/", "") for problem in caught.value.problems]
    assert any(
        re.fullmatch(r"issue\.yaml:10:13: runs \d+\.\d mm out of its box on page 3, over the text beside it: 'i\.'", p)
        for p in problems
    ), problems


def test_the_issue_and_section_titles_that_run_off_the_cover_header_or_footer_are_errors(
    make_issue: MakeIssue,
) -> None:
    """Titles outside any block (the cover's masthead, the footer of every page, a section's running
    head) ran off the page unchecked: only blocks carried the marks the check reads."""
    word = "Supercalifragilistic" * 10
    head = HEAD.replace("title: 주간 중국 창업", f"title: 주간 중국 창업 {word}").replace(
        "  - title: CHINA 창업\n", f"  - title: CHINA 창업\n    running_title: 머리 {word}\n"
    )
    issue = make_issue({"issue.yaml": head + "    articles:\n      - title: 가\n        body: [나]\n"})
    with pytest.raises(InvalidIssue) as caught:
        build(issue)
    problems = [str(problem) for problem in caught.value.problems]
    assert len(problems) == 3, problems
    title, running = "260/issue.yaml:1:8: ", "260/issue.yaml:7:20: "  # each at the place it was written
    assert re.fullmatch(
        rf"{title}page 1: 'Supercalifragilistic\w+' runs \d+\.\d mm off the page; shorten it", problems[0]
    )
    assert problems[1].startswith(f"{title}page 2, the footer: 'Supercalifragilistic")
    assert problems[2].startswith(f"{running}page 3, the running head: 'Supercalifragilistic")


def test_a_table_wider_than_the_page_says_so(make_issue: MakeIssue) -> None:
    """Twelve columns of five-syllable words: the message said 'table'; break the text."""
    row = "[" + ", ".join(["가나다라마"] * 12) + "]"
    body = f"          - table: [{row}]\n            header: [{row}]\n"
    issue = make_issue({"issue.yaml": HEAD + "    articles:\n      - title: 가\n        body:\n" + body})
    with pytest.raises(InvalidIssue) as caught:
        build(issue)
    problems = [str(problem).replace(f"{issue.name}/", "") for problem in caught.value.problems]
    assert len(problems) == 1 and re.fullmatch(
        r"issue\.yaml:10:13: runs \d+\.\d mm off page 3: the table is wider than the page;"
        r" give it fewer columns, or shorter words in its cells",
        problems[0],
    ), problems


def test_texts_drawn_over_each_other_are_an_error_at_one_of_their_places(make_issue: MakeIssue) -> None:
    """A long `publisher_full` (placed absolutely at the cover's foot) grew up over the teaser's last
    titles: both printed, neither readable, and the build passed. The check did not even see text placed
    absolutely (WeasyPrint leaves a placeholder in the tree where such a box was)."""
    title = "표지에 실리는 긴 기사 제목 {n}번은 두 줄을 넘도록 길게 쓰고 또 길게 써서 표지를 채운다 그리고 더 이어 쓴다"
    articles = "".join(f"      - title: {title.format(n=n)}\n        body: [문단 {n}.]\n" for n in range(1, 9))
    publisher = "글로벌혁신센터 (Korea Innovation Center China) 베이징 사무소 " * 8
    head = HEAD.replace("publisher: KIC 중국\n", f"publisher: KIC 중국\npublisher_full: {publisher}\nteaser: 8\n")
    with pytest.raises(InvalidIssue) as caught:
        build(make_issue({"issue.yaml": head + "    articles:\n" + articles}))
    [problem] = [str(problem) for problem in caught.value.problems]
    assert re.fullmatch(
        r"260/issue\.yaml:\d+:\d+: page 1: '.+' and '글로벌혁신센터 \(Korea Innovation Cen…' are drawn over each"
        r" other; shorten one, or give it room",
        problem,
    ), problem
