"""Word-level breaking as WeasyPrint lays it out: every class of Korean word, and runs too long for a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import weasyprint
from weasyprint.formatting_structure import boxes

from issuepdf.content.linebreak import BREAK, WORD_JOINER
from issuepdf.content.markup import inline

from .support.pdfs import pdf_text
from .test_linebreak import PROTECTED

WORDS = " ".join([*PROTECTED, "Wi-Fi를", "반도체 산업의 연구개발비를 늘린다."])

URL = (
    "https://www.example.com/reports/2021/startup-index?query=china.startup.ecosystem.report"
    "&category=venture.capital.and.private.equity.funds&region=beijing.shanghai.shenzhen&lang=ko"
)
"""A URL of 178 characters, 127 of them in a query that UAX #14 alone would not break."""

LONG_RUNS = {
    "hangul": "주간중국창업뉴스" * 15,  # 120 syllables without a space
    "url": f"자세한 내용은 KIC 중국 누리집의 보고서 {URL} 에서 볼 수 있다.",
    "video": "발표 영상은 중국 창업 뉴스 채널의 https://www.example.com/watch?v=dQw4w9WgXcQ&list="
    + "PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG&index=12 에서 볼 수 있다.",
    "hanzi": "中国科技部火炬高技术产业开发中心发布了年度高新技术企业认定名单共有一万余家企业入选" * 2,
    "latin": "x" * 150,
}

PAGE = """<html><head><style>
@page {{ size: 210mm 500mm; margin: 20mm }}
body {{ font: 10.25pt/1.75 "Noto Serif CJK KR", "Noto Sans Symbols2", serif }}
p {{ text-align: justify; margin: 0 0 5mm }}
#words {{ width: 50mm }}
</style></head><body>{}</body></html>"""
"""The body column of the bulletin (170 mm of 10.25pt text), and a narrow one for the words."""

EM = 10.25 * 4 / 3
"""The font size in CSS pixels."""


def page_html() -> str:
    """Every paragraph, marked for word-level breaking as a build marks it."""
    texts = {"words": WORDS, **LONG_RUNS}
    return PAGE.format("".join(f'<p id="{name}">{inline(text, "word")}</p>' for name, text in texts.items()))


@pytest.fixture(scope="module")
def laid_out() -> weasyprint.Document:
    return weasyprint.HTML(string=page_html()).render()


def paragraph(document: weasyprint.Document, name: str) -> Any:
    """The laid-out box of the paragraph with this id."""
    (page,) = document.pages
    return next(
        box for box in page._page_box.descendants() if box.element is not None and box.element.get("id") == name
    )


def lines(box: Any) -> list[str]:
    """The printed text of each line of a paragraph, without the helper characters."""
    lines = [child for child in box.children if isinstance(child, boxes.LineBox)]
    texts = ["".join(text.text for text in line.descendants() if isinstance(text, boxes.TextBox)) for line in lines]
    return [text.replace(WORD_JOINER, "").replace(BREAK, "") for text in texts]


def test_no_line_ends_inside_a_word(laid_out: weasyprint.Document) -> None:
    printed = lines(paragraph(laid_out, "words"))
    assert len(printed) > 10, "the column should be narrow enough to break often"
    fragments = {word for line in printed for word in line.split()} - set(WORDS.split())
    assert fragments <= {"Wi-", "Fi를"}, f"words broken across lines: {sorted(fragments)}"


@pytest.mark.parametrize("name", LONG_RUNS)
def test_a_run_too_long_for_the_column_breaks_inside_the_column(laid_out: weasyprint.Document, name: str) -> None:
    box = paragraph(laid_out, name)
    right = box.content_box_x() + box.width
    texts = [text for text in box.descendants() if isinstance(text, boxes.TextBox)]
    overflow = max(text.position_x + text.margin_width() - right for text in texts)
    assert overflow <= 0.01, f"{name} runs {overflow:.1f}px past the column"
    assert "".join(lines(box)).replace(" ", "") == LONG_RUNS[name].replace(" ", "")


@pytest.mark.parametrize("name", ["url", "video"])
def test_a_url_fills_its_lines_instead_of_stretching_the_spaces(laid_out: weasyprint.Document, name: str) -> None:
    box = paragraph(laid_out, name)
    assert "https://" in lines(box)[0], "the URL should start on the line of the text before it"
    spacing = max(text.justification_spacing for text in box.descendants() if isinstance(text, boxes.TextBox))
    assert spacing < EM, f"spaces stretched by {spacing / EM:.1f} em"


def test_helper_characters_do_not_reach_the_text_layer(laid_out: weasyprint.Document, tmp_path: Path) -> None:
    pdf = tmp_path / "words.pdf"
    laid_out.write_pdf(pdf)
    text = pdf_text(pdf)
    assert WORD_JOINER not in text and BREAK not in text
    assert "120.56㎢에서" in text and "(高新技术企业)으로" in text
