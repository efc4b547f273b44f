"""Editions: print boxes, PDF/A-3 with sources inside, byte-identical rebuilds, valid PDF structure."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from issuepdf.archive.extract import extract
from issuepdf.pipeline.build import build

from .support.pdfs import fonts

BLEED = 3 / 25.4 * 72  # 3 mm in PDF points


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory, blocks_issue: Path) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("editions")
    return {
        e: build(blocks_issue, output=out / f"{e}.pdf", strict=True, edition=e).pdf
        for e in ("screen", "print", "archive")
    }


def test_print_edition_has_a4_trim_and_3mm_bleed(editions: dict[str, Path]) -> None:
    for page in PdfReader(editions["print"]).pages:
        trim, bleed = page.trimbox, page.bleedbox
        assert (float(trim.left), float(trim.bottom)) == pytest.approx((0, 0), abs=0.01)
        assert (float(trim.width), float(trim.height)) == pytest.approx((595.28, 841.89), abs=0.01)
        assert float(trim.left) - float(bleed.left) == pytest.approx(BLEED, abs=0.01)
        assert float(trim.bottom) - float(bleed.bottom) == pytest.approx(BLEED, abs=0.01)
        assert float(bleed.right) - float(trim.right) == pytest.approx(BLEED, abs=0.01)
        assert float(bleed.top) - float(trim.top) == pytest.approx(BLEED, abs=0.01)


def test_screen_edition_has_no_bleed(editions: dict[str, Path]) -> None:
    page = PdfReader(editions["screen"]).pages[0]
    assert page.bleedbox == page.mediabox == page.trimbox


def test_archive_is_pdfa_3b_and_gives_back_its_sources(
    editions: dict[str, Path], blocks_issue: Path, tmp_path: Path
) -> None:
    reader = PdfReader(editions["archive"])
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    extracted = extract(editions["archive"], tmp_path / "sources")
    names = sorted(p.relative_to(tmp_path / "sources").as_posix() for p in extracted.files)
    assert names == [
        "articles/gazelle.yaml",
        "charts/founded.csv",
        "charts/founded.yaml",
        "images/aiot-forum.png",
        "issue.yaml",
        "layouts/issue.css",
    ]
    for name in names:
        assert (tmp_path / "sources" / name).read_bytes() == (blocks_issue / name).read_bytes()


@pytest.mark.parametrize("edition", ["screen", "print", "archive"])
def test_every_edition_passes_qpdf_and_embeds_every_font(editions: dict[str, Path], edition: str) -> None:
    check = subprocess.run(["qpdf", "--check", str(editions[edition])], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert all(fonts(editions[edition]).values())


def test_metadata_title_language_and_keywords(editions: dict[str, Path]) -> None:
    reader = PdfReader(editions["screen"])
    assert reader.metadata.title == "주간 중국 창업 제 999 호(2022.01.05)"
    assert reader.metadata.author == "KIC 중국"
    assert "2021 후룬연구소 가젤 기업 선정" in reader.metadata["/Keywords"]
    assert reader.trailer["/Root"]["/Lang"] == "ko"


@pytest.mark.parametrize("edition", ["screen", "print", "archive"])
def test_two_builds_in_separate_processes_are_byte_identical(blocks_issue: Path, tmp_path: Path, edition: str) -> None:
    digests = []
    for run in range(2):
        target = tmp_path / f"{run}.pdf"
        command = [
            sys.executable,
            "-m",
            "issuepdf",
            "build",
            str(blocks_issue),
            "-o",
            str(target),
            "--edition",
            edition,
        ]
        subprocess.run(command, check=True, capture_output=True)
        digests.append(hashlib.sha256(target.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_tagged_screen_edition_has_a_structure_tree(blocks_issue: Path, tmp_path: Path) -> None:
    pdf = build(blocks_issue, output=tmp_path / "tagged.pdf", strict=True, tagged=True).pdf
    root = PdfReader(pdf).trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]


def test_dates_come_from_the_issue_or_source_date_epoch(
    editions: dict[str, Path], blocks_issue: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert PdfReader(editions["screen"]).metadata["/CreationDate"].startswith("D:20220105000000+09")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    pdf = build(blocks_issue, output=tmp_path / "epoch.pdf", strict=True).pdf
    assert PdfReader(pdf).metadata["/CreationDate"].startswith("D:20231114221320")
