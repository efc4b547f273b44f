"""`issuepdf archive`: real editions stored once and for all, refused twice, revised, verified, searched, browsed.

The test issue is archived once per session through the command line (three real builds); tests
that change an archive work on a copy of it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sqlite3
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from issuepdf.archive.catalog import open_catalog
from issuepdf.archive.manifest import Manifest
from issuepdf.archive.page import PAGE_FILES
from issuepdf.archive.search import index_text, match_expression
from issuepdf.archive.store import archive_issue
from issuepdf.cli import main
from issuepdf.pipeline.record import sha256_file

from .support.archives import (
    CCTV,
    GAZELLE,
    NAMES,
    PRISON,
    SCIENTISTS,
    chromium,
    copy_archive,
    project,
    snapshot,
    text_only,
    write_issue,
)
from .support.pdfs import page_texts

FILES = [
    "cover.png",
    "issue-260-archive.pdf",
    "issue-260-email.pdf",
    "issue-260-web.zip",
    "issue-260.pdf",
    "manifest.json",
]


@dataclass(frozen=True)
class Built:
    issue: Path
    archive: Path
    output: str


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The test issue 260, archived once by `issuepdf archive ISSUE_DIR --root DIR`."""
    base = tmp_path_factory.mktemp("archived")
    issue = write_issue(project(base / "project") / "issues" / "260")
    archive = base / "archive"
    result = CliRunner().invoke(main, ["archive", str(issue), "--root", str(archive)])
    assert result.exit_code == 0, result.output
    return Built(issue, archive, result.output)


def start_pages(pdf: Path) -> dict[str, int]:
    """Each article's title → the page where its first paragraph begins, read from the PDF's text."""
    pages = [" ".join(text.split()) for text in page_texts(pdf)]
    starts = {}
    for article in map(text_only, NAMES):
        opening = " ".join(article["body"][0].split())[:24]
        starts[article["title"]] = next(n for n, text in enumerate(pages, start=1) if opening in text)
    return starts


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    return result.exit_code, result.output


# --- archiving ----------------------------------------------------------------------------------


def test_archive_keeps_three_editions_a_cover_and_a_manifest(built: Built) -> None:
    folder = built.archive / "260" / "r1"
    assert built.output.splitlines()[0].startswith(
        f"archived issue 260 (2021-12-22) as {folder} (revision 1): 5 files, "
    )
    assert sorted(path.name for path in folder.iterdir()) == FILES
    assert all(path.stat().st_mode & 0o222 == 0 for path in folder.iterdir()), "archived files are read-only"
    manifest = Manifest.read(folder / "manifest.json")
    assert (manifest.number, manifest.date, manifest.revision) == (260, "2021-12-22", 1)
    assert [(f.path, f.sha256, f.size) for f in manifest.files] == [
        (name, sha256_file(folder / name), (folder / name).stat().st_size) for name in FILES[:-1]
    ]
    for edition, variant in [("archive", "pdf/a-3b"), ("screen", "pdf-1.7"), ("email", "pdf-1.7")]:
        record = manifest.editions[edition]
        assert record["variant"] == variant
        assert record["pages"] == len(PdfReader(folder / record["file"]).pages) > 4
    assert manifest.versions["weasyprint"] == version("weasyprint")
    assert manifest.versions["plotly"] == version("plotly")
    assert manifest.versions["fonts"].startswith("sha256:")
    assert set(manifest.versions) == {"issuepdf", "weasyprint", "plotly", "kaleido", "pydantic", "fonts"}
    assert [entry.title for entry in manifest.contents] == [GAZELLE, PRISON, CCTV, SCIENTISTS]
    attachments = PdfReader(folder / "issue-260-archive.pdf").attachments
    assert {"issue.yaml", "articles/gazelle-companies.yaml"} <= set(attachments)
    with Image.open(folder / "cover.png") as cover:
        assert cover.size == (298, 421)


def test_catalog_records_the_revision_its_files_and_where_articles_start(built: Built) -> None:
    catalog = open_catalog(built.archive)
    try:
        (revision,) = catalog.revisions()
        files = catalog.files(260, 1)
        articles = catalog.articles(260, 1)
    finally:
        catalog.close()
    folder = built.archive / "260" / "r1"
    assert (revision.number, revision.date, revision.folder) == (260, dt.date(2021, 12, 22), "260/r1")
    assert revision.manifest_sha256 == sha256_file(folder / "manifest.json")
    assert [(f.path, f.sha256) for f in files] == [(name, sha256_file(folder / name)) for name in FILES[:-1]]
    assert {article.title: article.page for article in articles} == start_pages(folder / "issue-260-archive.pdf")
    assert len({article.page for article in articles}) == 4


def test_archiving_again_refuses_and_changes_nothing(built: Built, tmp_path: Path) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    before = snapshot(archive)

    code, output = invoke("archive", built.issue, "--root", archive)

    assert code == 1
    assert output == (
        "error: issue 260 (2021-12-22) is already archived as 260/r1 and archived issues never change. "
        "To store a corrected issue, run again with --revise: 260/r1 stays and the correction becomes r2\n"
    )
    assert snapshot(archive) == before


@pytest.mark.parametrize(
    ("number", "date", "message"),
    [
        (260, dt.date(2021, 12, 29), "issue 260 is archived with date 2021-12-22, but 2021-12-29 is given"),
        (261, dt.date(2021, 12, 15), "issue 261 is dated 2021-12-15, not after issue 260 (2021-12-22)"),
        (261, dt.date(2021, 12, 22), "issue 261 is dated 2021-12-22, not after issue 260 (2021-12-22)"),
        (259, dt.date(2021, 12, 29), "issue 259 is dated 2021-12-29, not before issue 260 (2021-12-22)"),
    ],
)
def test_numbers_and_dates_keep_their_order(
    built: Built, tmp_path: Path, number: int, date: dt.date, message: str
) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    before = snapshot(archive)
    issue = write_issue(project(tmp_path / "project") / "issues" / str(number), number, date)

    for revise in ([], ["--revise"]) if number == 260 else ([],):
        code, output = invoke("archive", issue, "--root", archive, *revise)
        assert code == 1
        assert output.startswith(f"error: {message}")
    assert snapshot(archive) == before


def test_revise_keeps_every_earlier_file(built: Built, tmp_path: Path) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    r1 = snapshot(archive / "260" / "r1")
    corrected = "정오표: 가젤 기업 명단의 발표 기관은 후룬연구소와 투조이그룹이다."
    issue = write_issue(project(tmp_path / "project") / "issues" / "260", extra=corrected)

    code, output = invoke("archive", issue, "--root", archive, "--revise")

    assert code == 0, output
    assert output.startswith(f"archived issue 260 (2021-12-22) as {archive / '260' / 'r2'} (revision 2): 5 files")
    assert snapshot(archive / "260" / "r1") == r1
    assert Manifest.read(archive / "260" / "r2" / "manifest.json").revision == 2
    catalog = open_catalog(archive)
    try:
        assert [r.folder for r in catalog.revisions()] == ["260/r1", "260/r2"]
        found = catalog.search("정오표")
        assert [(hit.revision, hit.title) for hit in found.hits] == [(2, GAZELLE)]
        assert [hit.revision for hit in catalog.search("가젤").hits] == [2]  # only the current revision is searched
    finally:
        catalog.close()
    assert invoke("archive", "verify", "--root", archive) == (
        0,
        f"verified 2 revision(s), 12 file(s) in {archive}: every file matches its manifest and the catalog\n",
    )
    page = (archive / "index.html").read_text(encoding="utf-8")
    assert 'href="260/r2/issue-260.pdf"' in page
    assert '이전 판:\n          <a href="260/r1/issue-260-archive.pdf">r1</a>' in page


def test_revise_refuses_identical_editions(built: Built, tmp_path: Path) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    before = snapshot(archive)
    code, output = invoke("archive", built.issue, "--root", archive, "--revise")
    assert (code, output) == (
        1,
        "error: --revise: the editions are identical to 260/r1; nothing to revise (change the issue first)\n",
    )
    assert snapshot(archive) == before


@pytest.mark.expect_warnings
def test_a_gap_in_the_numbers_is_a_warning(built: Built, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    issue = write_issue(project(tmp_path / "project") / "issues" / "262", 262, dt.date(2022, 1, 5))

    with caplog.at_level(logging.WARNING, logger="issuepdf"):
        archived = archive_issue(issue, archive)

    assert archived.warnings == ["issue 262 follows issue 260 in the archive: issue 261 is not archived"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == archived.warnings
    page = (archive / "index.html").read_text(encoding="utf-8")
    assert page.index('id="issue-262"') < page.index('id="issue-260"'), "newest first"
    assert "2개 호 · 제 260–262 호 · 2021.12.22–2022.01.05" in page


# --- verify -------------------------------------------------------------------------------------


def test_verify_passes_an_untouched_archive(built: Built) -> None:
    assert invoke("archive", "verify", "--root", built.archive) == (
        0,
        f"verified 1 revision(s), 6 file(s) in {built.archive}: every file matches its manifest and the catalog\n",
    )


@pytest.mark.parametrize("name", FILES)
def test_a_flipped_byte_in_any_archived_file_fails_verify(built: Built, tmp_path: Path, name: str) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    path = archive / "260" / "r1" / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    code, output = invoke("archive", "verify", "--root", archive)

    assert code == 1
    lines = output.splitlines()
    assert lines[0].startswith(f"changed: 260/r1/{name} (sha256 ")
    assert lines[-1].startswith("verify: ") and lines[-1].endswith(f"in 1 revision(s), 6 file(s) in {archive}")


def test_verify_catches_a_file_changed_with_its_manifest(built: Built, tmp_path: Path) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    folder = archive / "260" / "r1"
    (folder / "issue-260.pdf").write_bytes((folder / "issue-260.pdf").read_bytes() + b"\n%forged\n")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for record in manifest["files"]:
        if record["path"] == "issue-260.pdf":
            record.update(sha256=sha256_file(folder / "issue-260.pdf"), size=(folder / "issue-260.pdf").stat().st_size)
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")

    code, output = invoke("archive", "verify", "--root", archive)

    assert code == 1
    assert [line.split(" (")[0] for line in output.splitlines()[:-1]] == [
        "changed: 260/r1/manifest.json",
        "changed: 260/r1/issue-260.pdf",
    ]


def test_verify_catches_a_changed_catalog(built: Built, tmp_path: Path) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    with sqlite3.connect(archive / "catalog.sqlite") as db:
        db.execute("UPDATE files SET sha256 = ? WHERE path = 'cover.png'", ("0" * 64,))
    db.close()
    code, output = invoke("archive", "verify", "--root", archive)
    assert code == 1
    assert output.splitlines()[0].startswith("changed: 260/r1/cover.png (sha256 ")
    assert output.splitlines()[0].endswith(", recorded 000000000000…)")


def test_verify_names_missing_and_extra_files(built: Built, tmp_path: Path) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    (archive / "260" / "r1" / "cover.png").unlink()
    (archive / "260" / "r1" / "notes.txt").write_text("a note")
    (archive / "261" / "r1").mkdir(parents=True)
    (archive / "stray.pdf").write_bytes(b"%PDF-")

    code, output = invoke("archive", "verify", "--root", archive)

    assert code == 1
    assert output.splitlines() == [
        "missing: 260/r1/cover.png",
        "extra: 260/r1/notes.txt",
        "extra: 261/r1/ (left by an interrupted run; the next `issuepdf archive` adopts it or sets it aside)",
        "extra: stray.pdf",
        f"verify: 4 mismatch(es) in 1 revision(s), 6 file(s) in {archive}",
    ]


# --- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("가젤", [GAZELLE]),  # two syllables, also inside 가젤기업 and before particles
        ("블록체인", [PRISON, CCTV]),
        ("교도소 블록체인", [PRISON]),  # two words: both must occur
        ("가젤 교도소", []),
        ("후룬 투조이", [GAZELLE]),  # two words of the body
        ("연합뉴스", [PRISON]),  # the outlet
        ("p2e", [CCTV]),
        ("중관촌", [GAZELLE, SCIENTISTS]),
        ("재외동포신문", [SCIENTISTS]),  # the credit line
    ],
)
def test_search_finds_korean_words(built: Built, query: str, titles: list[str]) -> None:
    catalog = open_catalog(built.archive)
    try:
        found = catalog.search(query)
    finally:
        catalog.close()
    assert sorted(hit.title for hit in found.hits) == sorted(titles)
    assert found.total == len(titles)


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ("가젤", '"가젤"'),  # a bigram: found inside 가젤기업을 too
        ("블록체인", '"블록 록체 체인"'),
        ("가젤 기업", '"가젤" "기업"'),
        ("창", '"창"*'),  # one syllable: every token starting with it
        ("AIoT", '"aiot"*'),
        ("코로나19", '"코로 로나 나 19"*'),
        ("ｐ２ｅ …", '"p2e"*'),  # full-width letters fold; punctuation alone is no word
    ],
)
def test_query_words_become_bigram_phrases(query: str, expression: str) -> None:
    assert match_expression(query) == expression
    assert index_text("코로나19 블록체인") == "코로 로나 나 19 블록 록체 체인 인"


def test_search_prints_issue_date_page_and_title(built: Built) -> None:
    pages = start_pages(built.archive / "260" / "r1" / "issue-260.pdf")  # the edition readers open

    code, output = invoke("archive", "search", "교정행정", "--root", built.archive)  # a word of the body only

    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == f" 260  2021-12-22  p. {pages[PRISON]:<3} {PRISON}"
    assert lines[1].startswith("      ICO News Letter by PLAYCOIN · ")
    assert "교정행정" in lines[1]
    assert lines[2] == "1 article(s)"


def test_search_without_an_archive_says_what_to_do(tmp_path: Path) -> None:
    code, output = invoke("archive", "search", "가젤", "--root", tmp_path / "nowhere")
    assert code == 1
    assert output == (
        f"error: no archive at {tmp_path / 'nowhere'} (no catalog.sqlite): archive an issue first, "
        "or give --root or ISSUEPDF_ARCHIVE\n"
    )


def test_archive_root_from_the_environment(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISSUEPDF_ARCHIVE", str(built.archive))
    code, output = invoke("archive", "search", "가젤")
    assert code == 0
    assert GAZELLE in output


def test_archive_page_command_rewrites_the_page(built: Built, tmp_path: Path) -> None:
    archive = copy_archive(built.archive, tmp_path / "archive")
    before = {name: (archive / name).read_bytes() for name in PAGE_FILES}
    for name in PAGE_FILES:
        (archive / name).unlink()
    assert invoke("archive", "page", "--root", archive) == (0, f"wrote {archive / 'index.html'}\n")
    assert {name: (archive / name).read_bytes() for name in PAGE_FILES} == before, "the same page, fonts included"
    assert (
        (archive / "search-text.js")
        .read_text(encoding="utf-8")
        .startswith(
            '// Written by issuepdf from the archive\'s catalog; do not edit.\nwindow.ISSUEPDF_ARCHIVE_TEXT = {"260":['
        )
    )


# --- the page -----------------------------------------------------------------------------------


def test_archive_page_lists_the_issue_with_cover_and_editions(built: Built) -> None:
    page = (built.archive / "index.html").read_text(encoding="utf-8")
    assert '<img src="260/r1/cover.png" alt="제 260 호 표지"' in page
    for name, label in [("issue-260.pdf", "화면용 PDF"), ("issue-260-archive.pdf", "보관용 PDF/A")]:
        assert f'<a href="260/r1/{name}">{label}</a>' in page
    assert '<a href="260/r1/issue-260-email.pdf">이메일용 PDF</a>' in page
    assert f">{GAZELLE}</a>" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("가젤", "2021 후룬연구소 <mark>가젤</mark> 기업 선정"),
        ("교도소 교정행정", "'부패 만연' 중국 <mark>교도소</mark>, 위변조 불가 블록체인으로 관리"),  # title and body
        ("P2E 블록체인", "중국 CCTV, <mark>블록체인</mark> 기반 <mark>P2E</mark> 게임 경고…단속 시작하나"),
    ],
)
def test_archive_page_searches_in_headless_chromium(built: Built, tmp_path: Path, query: str, expected: str) -> None:
    catalog = open_catalog(built.archive)
    try:
        (hit,) = catalog.search(query).hits
    finally:
        catalog.close()
    url = f"{(built.archive / 'index.html').as_uri()}?q={quote(query)}"

    dom, console = chromium(url, tmp_path / "profile")

    assert console == []
    assert f'<p class="count">“{query}” 1건</p>' in dom
    assert re.search(  # the article's web page, then its page in the PDF
        r'<li><a href="web/260/s\d-a\d\.html"><span class="where">제 260 호 · 2021\.12\.22 · '
        rf'{hit.page}쪽</span><span class="title">{re.escape(expected)}</span></a><span class="section">[^<]*</span> '
        rf'<a class="pdf" href="260/r1/issue-260\.pdf#page={hit.page}">PDF {hit.page}쪽</a>',
        dom,
    )
    assert '<input id="q" name="q" type="search"' in dom
