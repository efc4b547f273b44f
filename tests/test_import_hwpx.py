"""`issuepdf import` of a real 한글 document (HWPX saved by 한컴오피스 한글 11): every paragraph of 한글's own
text rendering (`Preview/PrvText.txt`) is in the built PDF, tables keep their shape, the image lands in
`images/`, the article builds --strict, and what could not be mapped is printed."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from issuepdf.cli import main
from issuepdf.content.mdarticle import load_markdown
from issuepdf.content.problems import Problems
from issuepdf.pipeline.build import build

from .support.issues import MINIMAL, write_files
from .support.pdfs import pdf_text

SAMPLE = Path(__file__).parent / "fixtures" / "samples" / "hangul-test.hwpx"
"""Saved by 한글 11, kept with the tests (see its README): the tests use it as it is."""


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result, Path]:
    """The sample imported into a small issue, and the issue built --strict: (issue, import run, PDF)."""
    issue = write_files(tmp_path_factory.mktemp("hwpx") / "260", {"issue.yaml": MINIMAL})
    run = CliRunner().invoke(main, ["import", str(SAMPLE), "--into", str(issue)])
    assert run.exit_code == 0, run.output
    return issue, run, build(issue, strict=True).pdf


def body(issue: Path) -> list[Any]:
    loaded = load_markdown(issue / "articles" / "hangul-test.md", Problems())
    assert loaded is not None
    return list(loaded.data["body"])


def hangul_text(name: str) -> str:
    with zipfile.ZipFile(SAMPLE) as package:
        return package.read(name).decode("utf-8")


def test_every_paragraph_of_hangul_s_own_text_is_in_the_pdf(imported: tuple[Path, Result, Path]) -> None:
    _, _, pdf = imported
    printed = re.sub(r"\s+", "", pdf_text(pdf))
    pieces = []
    for line in hangul_text("Preview/PrvText.txt").splitlines():
        for cell in re.split(r"><|<|>", line):  # 한글 writes a table row as <cell><cell>
            piece = re.sub(r"\s+", "", cell).replace("\u2024", "·")  # the leader dot prints as a middle dot
            if piece:
                pieces.append(piece)
    assert len(pieces) > 30
    assert [piece for piece in pieces if piece not in printed] == []


def test_tables_keep_their_shape(imported: tuple[Path, Result, Path]) -> None:
    issue, _, pdf = imported
    tables = [block for block in body(issue) if isinstance(block, dict) and "table" in block]
    first = tables[0]
    assert first["header"] == [["임용예정직급(분야)", "선발예정인원", "채용기간", "근무예정부서(근무지)"]]
    assert len(first["table"]) == 3
    assert first["table"][0][3] == {"text": "문화체육관광부 종무실 (세종시 근무)", "rowspan": 3}
    assert [len(row) for row in first["table"]] == [4, 3, 3]
    assert first["labeled"] is False  # the notice prints its tables without 표 N)
    assert first["widths"] == [24, 16, 27, 32]  # 한글's cell widths, relative
    assert tables[1]["header"] == [["채용분야", "임용예정직급", "담당 업무"]]  # declared header cells
    spans = [cell for table in tables for row in table["table"] for cell in row if isinstance(cell, dict)]
    assert len(spans) > 50 and any(cell.get("colspan", 1) > 1 for cell in spans)
    text = pdf_text(pdf)
    assert "문화체육관광부 종무실" in text and "표 1)" not in text


def test_headings_lists_and_boxes_are_mapped(imported: tuple[Path, Result, Path]) -> None:
    issue, _, pdf = imported
    blocks = body(issue)
    headings = [block["heading"] for block in blocks if isinstance(block, dict) and "heading" in block]
    assert headings[:4] == ["임용예정인원 (3개 직위, 총 3명)", "임용예정직무", "근거 법령", "응시 자격"]
    lists = [block for block in blocks if isinstance(block, dict) and "list" in block]
    assert any("대한민국 국적 소지자" in block["list"] for block in lists)
    assert blocks[0] == "**문화체육관광부 공무원 경력경쟁채용시험 공고**"  # the boxed title, out of its box
    text = pdf_text(pdf)
    assert "1) 임용예정인원 (3개 직위, 총 3명)" in text and "2) 임용예정직무" in text
    assert "• 대한민국 국적 소지자" in text


def test_the_image_lands_in_images_and_the_link_is_live(imported: tuple[Path, Result, Path]) -> None:
    issue, _, _ = imported
    with zipfile.ZipFile(SAMPLE) as package:
        assert (issue / "images" / "hangul-test-1.png").read_bytes() == package.read("BinData/image3.png")
    markdown = (issue / "articles" / "hangul-test.md").read_text(encoding="utf-8")
    assert "[www.mcst.go.kr](http://www.mct.go.kr)" in markdown
    assert "- include: articles/hangul-test.md" in (issue / "issue.yaml").read_text(encoding="utf-8")


def test_what_was_not_mapped_is_printed(imported: tuple[Path, Result, Path]) -> None:
    _, run, _ = imported
    output = run.output
    for line in [
        "mapped: 1 images",
        "mapped: 1 title (the first paragraph)",
        "printed as '·'",
        "NOT mapped: 1 page headers",
        "NOT mapped: 3 highlights (형광펜)",
        "NOT mapped: 1 tables inside table cells (their text kept in the cell, not their grid)",
        "NOT mapped: 2 images stored in the document but not in its text",
        "NOT mapped: 1 alt text of images",
        "(U+F0854): in no font and with no known equivalent; left out",
        "checks: build it to see the article",
    ]:
        assert line in output


def test_a_hwp5_file_is_refused_with_the_way_to_hwpx(tmp_path: Path) -> None:
    issue = write_files(tmp_path / "260", {"issue.yaml": MINIMAL})
    hwp = SAMPLE.with_name("hangul5-test.hwp")
    run = CliRunner().invoke(main, ["import", str(hwp), "--into", str(issue)])
    assert run.exit_code == 1
    assert "save it as HWPX (파일 → 다른 이름으로 저장 → 파일 형식: HWPX)" in run.output
    assert not (issue / "articles").exists()
    renamed = tmp_path / "notice.hwpx"
    renamed.write_bytes(hwp.read_bytes())  # a HWP 5 file named .hwpx is found out by its bytes
    run = CliRunner().invoke(main, ["import", str(renamed), "--into", str(issue)])
    assert run.exit_code == 1 and "is a HWP 5 file" in run.output
