"""End-to-end builds, asserted on the real PDF: pages, boxes, fonts, text, bookmarks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from issuepdf.content.errors import InvalidIssue, StrictFailure
from issuepdf.content.markup import WORD_JOINER
from issuepdf.pipeline.build import build

from .support.issues import MINIMAL, MakeIssue
from .support.pdfs import fonts, outline, page_texts, pdf_text

A4 = (595.28, 841.89)
LONG_PARAGRAPH = (
    "디지털 경제 시대 AIoT가 빠르게 발전하는 격변기에 IoT 싱크탱크와 즈우(挚物) AIoT 산업 연구소는 "
    "12월 9일 선전에서 <2021 중국 AIoT 산업 연례 컨퍼런스>를 개최하며 올해 AIoT 산업을 정리했다. "
) * 6


def with_paragraph(breaking: str) -> str:
    return MINIMAL.replace("publisher: KIC 중국", f"publisher: KIC 중국\nline_breaking: {breaking}") + (
        f'          - "{LONG_PARAGRAPH}"\n'
    )


def test_minimal_issue_builds_cover_contents_and_section(make_issue: MakeIssue) -> None:
    result = build(make_issue(), strict=True)
    assert result.pdf.name == "issue-260.pdf"
    reader = PdfReader(result.pdf)
    assert len(reader.pages) == result.pages == 3
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4
    cover, contents, section = page_texts(result.pdf)
    assert "주간 중국 창업" in cover and "제 260 호(2021.12.22)" in cover
    assert "목차" in contents
    assert re.search(r"1\. 2021 후룬연구소 가젤 기업 선정[\s.]*3\n", contents)
    lines = section.strip().splitlines()
    assert lines[0] == "CHINA 창업"  # running header
    assert lines[-1] == "주간 중국 창업 3 제 260 호(2021.12.22)"  # the three-part footer
    assert "첫 문단은 Markdown 인라인 서식을 쓴다." in section


def test_fonts_are_the_projects_embedded_and_subset(make_issue: MakeIssue) -> None:
    pdf = build(make_issue(), strict=True).pdf
    used = fonts(pdf)
    assert used, "no fonts found"
    for name, embedded in used.items():
        assert embedded, f"{name} is not embedded"
        assert re.fullmatch(r"/[A-Z]{6}\+Noto-.*", name), f"{name} is not a subset of a project font"


def test_copied_text_has_no_helper_characters(make_issue: MakeIssue) -> None:
    pdf = build(make_issue({"issue.yaml": with_paragraph("word")}), strict=True).pdf
    text = pdf_text(pdf)
    assert WORD_JOINER not in text and "\ufffd" not in text
    assert "즈우(挚物) AIoT 산업 연구소는" in text.replace("\n", " ")


def _fragments(pdf: Path) -> set[str]:
    """Words of the printed paragraph that are not whole words of the source."""
    source_words = set(LONG_PARAGRAPH.split()) | set(MINIMAL.split()) | {"제", "호(2021.12.22)"}
    body = page_texts(pdf)[2]
    printed = {word for line in body.splitlines() for word in line.split()}
    candidates = {w for w in printed if re.search("[가-힣]", w)}
    return candidates - source_words


def test_word_breaking_breaks_lines_only_between_words(make_issue: MakeIssue) -> None:
    word = build(make_issue({"issue.yaml": with_paragraph("word")}, name="word"), strict=True).pdf
    assert _fragments(word) == set()


def test_syllable_breaking_breaks_inside_words(make_issue: MakeIssue) -> None:
    syllable = build(make_issue({"issue.yaml": with_paragraph("syllable")}, name="syl"), strict=True).pdf
    assert _fragments(syllable), "expected at least one line broken inside a word"


def test_bookmarks_mirror_sections_and_articles(make_issue: MakeIssue) -> None:
    pdf = build(make_issue(), strict=True).pdf
    assert [(depth, title) for depth, title, _ in outline(pdf)] == [
        (1, "CHINA 창업"),
        (2, "1. 2021 후룬연구소 가젤 기업 선정"),
    ]


def test_invalid_issue_writes_nothing_and_keeps_the_earlier_pdf(make_issue: MakeIssue) -> None:
    issue = make_issue()
    pdf = build(issue, strict=True).pdf
    before = pdf.read_bytes()
    (issue / "issue.yaml").write_text(MINIMAL.replace("number: 260", "number: [260"), encoding="utf-8")
    with pytest.raises(InvalidIssue):
        build(issue, strict=True)
    assert pdf.read_bytes() == before
    assert sorted(p.name for p in pdf.parent.iterdir()) == [pdf.name]


@pytest.mark.expect_warnings
def test_strict_turns_a_weasyprint_warning_into_failure(make_issue: MakeIssue) -> None:
    issue = make_issue({"layouts/issue.css": "body { background: url(http://example.com/x.png) }"})
    with pytest.raises(StrictFailure) as caught:
        build(issue, strict=True)
    assert any("http://example.com/x.png" in message for message in caught.value.messages)
    assert not (issue / "out").exists()
    result = build(issue)  # without --strict the warning is reported and the PDF written
    assert result.pdf.is_file() and any("example.com" in w for w in result.warnings)


def test_issue_can_override_one_template(make_issue: MakeIssue) -> None:
    note = MINIMAL + "          - note: 원문은 중국어.\n"
    override = '<p class="note"{{ b.attributes }}>[편집자] {{ b.block.note|md }}</p>\n'
    issue = make_issue({"issue.yaml": note, "layouts/blocks/note.html": override})
    text = pdf_text(build(issue, strict=True).pdf)
    assert "[편집자] 원문은 중국어." in text
    assert "편집자 주:" not in text


def test_missing_photo_prints_a_placeholder_until_the_file_is_dropped_in(make_issue: MakeIssue) -> None:
    from PIL import Image

    photo = (
        "          - photo: images/forum.jpg\n"
        '            placeholder: "3:2"\n'
        "            source: 선전상보\n"
        "            alt: 포럼\n"
    )
    issue = make_issue({"issue.yaml": MINIMAL + photo})
    pdf = build(issue, strict=True).pdf
    text = pdf_text(pdf)
    assert "사진 준비 중" in text and "placeholder 3:2" in text
    assert "사진 1) 출처: 선전상보" in text
    (issue / "images").mkdir()
    Image.new("RGB", (600, 400), "#336699").save(issue / "images" / "forum.jpg")
    text = pdf_text(build(issue, strict=True).pdf)
    assert "사진 준비 중" not in text and "사진 1) 출처: 선전상보" in text
    assert len(PdfReader(pdf).pages[2].images) == 1


def test_chart_with_negative_values_has_every_glyph(make_issue: MakeIssue) -> None:
    chart = (
        "          - chart:\n"
        "              type: bar\n"
        "              categories: [캉팡생물, 허보의약, 롱리엔윈통신]\n"
        "              series: [{name: 시가 변화, values: [182, -10, -471]}]\n"
        "            alt: 상장 첫날 이후 시가 변화\n"
    )
    pdf = build(make_issue({"issue.yaml": MINIMAL + chart}), strict=True).pdf  # a .notdef glyph would fail
    assert "\u2212400" in pdf_text(pdf)  # Plotly writes U+2212 MINUS SIGN on the axis
