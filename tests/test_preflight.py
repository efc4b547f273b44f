"""`issuepdf preflight`: the report an editor reads before sending to print, and its exit code."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from issuepdf.cli import main
from issuepdf.editor.preflight import fonts_not_embedded, preflight

from .support.issues import HEAD, MINIMAL, MakeIssue

LOOSE = "가나다라 " * 8 + "中国科技部火炬高技术产业开发中 "
"""Fifteen Hanzi glued whole do not fit after eight words: the line before them stretches its seven spaces
(and its letters, to their bound) by a third of a line."""


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "steelblue").save(buffer, "PNG")
    return buffer.getvalue()


def issue_with(body: str) -> str:
    return HEAD + "    articles:\n      - title: 점검\n        body:\n" + body


@pytest.mark.expect_warnings
def test_the_report_names_each_page_and_source_and_strict_refuses_it(make_issue: MakeIssue) -> None:
    body = (
        f"          - {LOOSE * 3}\n          - photo: images/small.png\n            caption: 작은 사진\n"
        "          - photo: images/later.jpg\n            placeholder: '4:3'\n            alt: 아직 오지 않은 사진\n"
    )
    issue = make_issue({"issue.yaml": issue_with(body), "images/small.png": png(300, 200)})
    report = preflight(issue, "print")
    lines = report.lines()
    assert any(line.startswith("page 3:") for line in lines), lines
    loose = [line for line in lines if "loose line" in line]
    assert loose and all("issue.yaml:10:13" in line for line in loose), loose  # the paragraph's position
    assert "  issue.yaml:11:13: images/small.png prints at 56 dpi: use a larger file, or a smaller `width`" in [
        line.replace(str(issue) + "/", "") for line in lines
    ], lines  # 300 px over 80% of the 170 mm column
    assert any("images/later.jpg has not arrived: a placeholder is printed" in line for line in lines), lines
    warnings = " ".join(report.warnings)
    assert "no alt text" in warnings and "dpi" in warnings  # the photo: for blind readers, and for print
    assert report.refused and lines[-1].endswith("refused by --strict")
    assert (
        "loose2x=" in lines[-1] and "fill75=1" in lines[-1]
    )  # the last photo did not fit page 3, and no text follows it to float up

    result = CliRunner().invoke(main, ["preflight", str(issue)])
    assert result.exit_code == 1
    assert "loose line" in result.output and "no alt text" in result.output


def test_a_clean_issue_is_ready_for_print(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": MINIMAL})
    result = CliRunner().invoke(main, ["preflight", str(issue)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("preflight: 3 pages, loose2x=0.0% loose3x=0 fill75=0")
    assert result.output.rstrip().endswith("ready for print")
    assert not (issue / "out").exists(), "preflight must not write the issue's PDF"


def test_fonts_without_a_font_file_are_named(tmp_path: Path) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    font = DictionaryObject(
        {NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1")}
        | {NameObject("/BaseFont"): NameObject("/Helvetica")}
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    pdf = tmp_path / "helvetica.pdf"
    with pdf.open("wb") as out:
        writer.write(out)
    assert fonts_not_embedded(pdf) == ["/Helvetica"]
