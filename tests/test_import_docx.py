"""`issuepdf import` of Word documents saved by LibreOffice Writer (tests/fixtures/docx/, made by
scripts/make_docx_samples.py): what is mapped lands in the built PDF, what is not is printed, and an
article of issue 260 that went through Word comes back with the reference's words in order."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from issuepdf.cli import main
from issuepdf.content.errors import ConvertError
from issuepdf.content.mdarticle import load_markdown
from issuepdf.content.problems import Problems
from issuepdf.editor.importer import import_document
from issuepdf.pipeline.build import build

from .support.issues import FIXTURES, HEAD, write_files
from .support.pdfs import page_texts, pdf_text
from .test_issue260 import WORD, _furniture, article_score, reference_articles

DOCX = FIXTURES / "docx"
ONE_ARTICLE = HEAD + "    articles:\n      - title: 자리\n        body: [자리]\n"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Result], Path]:
    """The three documents imported into one issue, built --strict once: (issue, runs by name, PDF)."""
    issue = write_files(tmp_path_factory.mktemp("docx") / "260", {"issue.yaml": ONE_ARTICLE})
    runs = {}
    for name in ("korean-features", "korean-unmapped", "torch-center"):
        runs[name] = CliRunner().invoke(main, ["import", str(DOCX / f"{name}.docx"), "--into", str(issue)])
        assert runs[name].exit_code == 0, runs[name].output
    return issue, runs, build(issue, strict=True).pdf


def article(issue: Path, name: str) -> dict[str, Any]:
    loaded = load_markdown(issue / "articles" / f"{name}.md", Problems())
    assert loaded is not None
    return dict(loaded.data)


def test_headings_lists_emphasis_links_and_notes_are_mapped(imported: tuple[Path, dict[str, Result], Path]) -> None:
    issue, _, pdf = imported
    data = article(issue, "korean-features")
    assert data["title"] == "창업 지원 정책 요약"
    body = data["body"]
    assert body[0] == (
        "올해 **창업 지원 예산**은 *작년보다* 늘었다. 자세한 내용은 [정책 안내](https://www.example.com/policy)를"
        " 참고한다.(1)"
    )
    assert {"heading": "지원 대상"} in body and {"heading": "우대 분야", "level": 2} in body
    assert {"heading": "신청 절차", "level": 3} in body
    assert {"list": ["인공지능", "빅데이터", "스마트 제조"]} in body  # Markdown `-`: the default marker •
    assert {
        "numbered": ["온라인 신청서를 작성한다.", "서류를 제출한다.", "심사 결과를 확인한다."],
        "style": "decimal",
    } in body
    assert body[-1] == {"sources": ["과학기술부 발표 자료, 2021.", "창업진흥원 공고 제2021-12호."]}
    text = pdf_text(pdf)
    for printed in [
        "1) 지원 대상",
        "①우대 분야",
        "▶신청 절차",
        "1. 온라인 신청서를 작성한다.",
        "1) 과학기술부 발표 자료, 2021.",
    ]:
        assert printed in text


def test_a_merged_table_keeps_its_shape_and_header(imported: tuple[Path, dict[str, Result], Path]) -> None:
    issue, _, pdf = imported
    table = next(block for block in article(issue, "korean-features")["body"] if "table" in block)
    assert table["header"] == [["지역", "연도", "기업 수"]]
    assert table["table"] == [
        [{"text": "상하이", "rowspan": 2}, "2020", "38"],
        ["2021", "41"],
        [{"text": "합계", "colspan": 2}, "79"],
    ]
    assert table["widths"] == [31, 32, 37]  # Writer's column widths, relative
    assert "지역 연도 기업 수" in pdf_text(pdf)


def test_the_photo_lands_in_images_with_its_caption(imported: tuple[Path, dict[str, Result], Path]) -> None:
    issue, runs, pdf = imported
    photo = next(block for block in article(issue, "korean-features")["body"] if "photo" in block)
    assert photo["photo"] == "images/korean-features-1.png"
    assert (issue / photo["photo"]).read_bytes() == (FIXTURES / "blocks" / "images" / "aiot-forum.png").read_bytes()
    assert photo["source"] == "선전상보 공식계정"
    assert "사진 1) 출처: 선전상보 공식계정" in pdf_text(pdf)
    assert "NOT mapped: 1 alt text of images" in runs["korean-features"].output


def test_what_an_article_cannot_hold_is_printed(imported: tuple[Path, dict[str, Result], Path]) -> None:
    issue, runs, pdf = imported
    output = runs["korean-unmapped"].output
    for line in [
        "NOT mapped: 1 comments",
        "NOT mapped: 1 equations",
        "NOT mapped: 1 tracked insertions (taken as they stand)",
        "mapped: 1 text boxes (their text as paragraphs where they stand)",
    ]:
        assert line in output
    assert "글상자 안의 글" in article(issue, "korean-unmapped")["body"]
    assert "새로 넣은 말" in pdf_text(pdf)


def test_an_article_of_issue_260_through_word_keeps_the_reference_words_in_order(
    imported: tuple[Path, dict[str, Result], Path],
) -> None:
    _, runs, pdf = imported
    lines = [line for page in page_texts(pdf)[2:] for line in page.splitlines()]
    text = "".join(WORD.findall("".join(line for line in lines if not _furniture(line))))
    words = reference_articles()[4]  # 2. 【산업기관】 중국 과학기술부 횃불센터
    start = text.find("".join(words[:6]))
    assert start >= 0
    ratio, _ = article_score(words, text, start, len(text))
    assert ratio >= 0.99, ratio
    assert "heading marks (1)) taken as the level" in runs["torch-center"].output


def test_importing_again_never_overwrites(imported: tuple[Path, dict[str, Result], Path], tmp_path: Path) -> None:
    issue = write_files(tmp_path / "260", {"issue.yaml": ONE_ARTICLE})
    for _ in range(2):
        import_document(DOCX / "korean-unmapped.docx", issue)
    assert sorted(path.name for path in (issue / "articles").iterdir()) == [
        "korean-unmapped-2.md",
        "korean-unmapped.md",
    ]
    assert (issue / "issue.yaml").read_text(encoding="utf-8").count("- include: articles/korean-unmapped") == 2


def _docx_with(part: str, data: bytes, name: str = "korean-unmapped") -> bytes:
    """A copy of a fixture document with one part replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(DOCX / f"{name}.docx") as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, data if item.filename == part else source.read(item))
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 not really", "is not a readable .docx file"),
        (_docx_with("word/document.xml", BILLION_LAUGHS), "word/document.xml in "),
        (_docx_with("word/document.xml", b"<w:document"), "is not well-formed XML"),
        (_docx_with("word/document.xml", b"<?xml version='1.0'?><x/>"), "not a Word document"),
    ],
)
def test_a_hostile_or_broken_document_is_refused_and_nothing_is_written(
    tmp_path: Path, content: bytes, message: str
) -> None:
    issue = write_files(tmp_path / "260", {"issue.yaml": ONE_ARTICLE})
    document = tmp_path / "bad.docx"
    document.write_bytes(content)
    with pytest.raises(ConvertError, match=message):
        import_document(document, issue)
    assert not (issue / "articles").exists()
    assert (issue / "issue.yaml").read_text(encoding="utf-8") == ONE_ARTICLE


def test_a_zip_bomb_is_refused_before_it_unpacks(tmp_path: Path) -> None:
    issue = write_files(tmp_path / "260", {"issue.yaml": ONE_ARTICLE})
    document = tmp_path / "bomb.docx"
    with zipfile.ZipFile(document, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"<" + b" " * 70_000_000 + b"/>")
    with pytest.raises(ConvertError, match="unpacks to 70,000,003 bytes; refused"):
        import_document(document, issue)


def test_a_section_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    issue = write_files(tmp_path / "260", {"issue.yaml": ONE_ARTICLE})
    run = CliRunner().invoke(
        main, ["import", str(DOCX / "korean-unmapped.docx"), "--into", str(issue), "--section", "3"]
    )
    assert run.exit_code == 1 and "there is no section 3" in run.output
    assert not (issue / "articles").exists()


def test_images_and_parts_outside_the_document_are_never_read(tmp_path: Path) -> None:
    issue = write_files(tmp_path / "260", {"issue.yaml": ONE_ARTICLE})
    with zipfile.ZipFile(DOCX / "korean-features.docx") as package:
        rels = package.read("word/_rels/document.xml.rels")
    for target, mode in ((b"http://127.0.0.1:9/x.png", b' TargetMode="External"'), (b"../../../../etc/hostname", b"")):
        changed = rels.replace(b'Target="media/image1.png"', b'Target="' + target + b'"' + mode)
        document = tmp_path / "linked.docx"
        document.write_bytes(_docx_with("word/_rels/document.xml.rels", changed, "korean-features"))
        lines = import_document(document, issue)
        assert "NOT mapped: 1 pictures linked to files outside the document" in lines
    assert not (issue / "images").exists() or not any((issue / "images").iterdir())
