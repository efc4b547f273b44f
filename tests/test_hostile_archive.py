"""The archive under hostile conditions (docs/hostile-inputs.md, "Archive, round two"): a run killed between
the revision folder's rename and the catalog's commit, a damaged leftover folder, a full disk, a locked catalog,
two first archives racing on an empty root, a catalog of an earlier schema, a reader's machine without a Korean
font, and article numbers that are not 1, 2, ….

Every case ends in a clear message or in a recovered archive, never a traceback, and nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
import re
import sqlite3
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont

from issuepdf.archive import store as archive
from issuepdf.archive.catalog import SCHEMA, SCHEMA_VERSION, Catalog, open_catalog
from issuepdf.archive.manifest import Manifest
from issuepdf.archive.page import WEB_FONTS
from issuepdf.archive.store import archive_issue
from issuepdf.cli import main
from issuepdf.content.errors import CatalogError
from issuepdf.content.paths import SOURCE_ROOT

from .support.archives import CCTV, GAZELLE, PRISON, SCIENTISTS, chromium, copy_archive, project, snapshot, write_issue
from .support.pdfs import outline

NUMBERS = {"ico-cctv-p2e": 5}
"""The second newsletter article prints as 5. (after 1.); the center section (KIC 중국 소식) is unnumbered."""
KILL_BETWEEN_RENAME_AND_COMMIT = """
import os, re, sys
rename = os.rename
def rename_then_die(source, target, *args, **kwargs):
    rename(source, target, *args, **kwargs)
    if re.search(r"/r[0-9]+$", os.fspath(target)):
        os._exit(9)  # killed: the revision folder is in place, the catalog's transaction never commits
os.rename = rename_then_die
from issuepdf.cli import main
main(["archive", sys.argv[1], "--root", sys.argv[2]])
"""
PROBE = """<script>
// Test probe: the width of each heading and article title in the page's font and in the fallback font.
document.fonts.ready.then(() => {
  const width = (text, family) => {
    const span = document.createElement("span");
    span.textContent = text;
    if (family) span.style.fontFamily = family;
    document.body.append(span);
    const measured = span.getBoundingClientRect().width;
    span.remove();
    return measured;
  };
  const texts = [...document.querySelectorAll("h1, h3, .articles a:not(.page)")].map((node) => node.textContent.trim());
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({
    faces: [...document.fonts].map((face) => face.status),
    texts: texts.map((text) => [text, width(text), width(text, "no-such-font")]),
  });
  document.body.append(out);
});
</script>"""


@dataclass(frozen=True)
class Archived:
    issue: Path
    archive: Path


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Archived:
    """Issue 260 with its articles numbered 1 | 1, 5 | none, archived once."""
    base = tmp_path_factory.mktemp("hostile-archive")
    issue = write_issue(project(base / "project") / "issues" / "260", numbers=NUMBERS)
    archive_issue(issue, base / "archive")
    return Archived(issue, base / "archive")


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def revisions(root: Path) -> list[str]:
    catalog = open_catalog(root)
    try:
        return [revision.folder for revision in catalog.revisions()]
    finally:
        catalog.close()


def articles(root: Path) -> list[tuple[Any, ...]]:
    catalog = open_catalog(root)
    try:
        return [(a.section, a.title, a.page, a.number, a.text) for a in catalog.articles(260, 1)]
    finally:
        catalog.close()


# --- A1, A2: a run killed between the rename and the commit ------------------------------------------


@pytest.mark.expect_warnings
def test_a_run_killed_between_rename_and_commit_is_adopted(
    archived: Archived, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "archive"
    killed = subprocess.run(
        [sys.executable, "-c", KILL_BETWEEN_RENAME_AND_COMMIT, str(archived.issue), str(root)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == 9, killed.stderr
    assert (root / "260" / "r1" / "manifest.json").is_file()
    assert revisions(root) == [], "the catalog's transaction was rolled back"

    with caplog.at_level(logging.WARNING, logger="issuepdf"):
        code, output = invoke("archive", archived.issue, "--root", root)

    assert [record.getMessage() for record in caplog.records] == [
        "260/r1 was left by an interrupted run; it matches its manifest, so it is now archived (adopted)"
    ]
    assert (code, output.splitlines()[-1]) == (
        1,
        "error: issue 260 (2021-12-22) is already archived as 260/r1 and archived issues never change. "
        "To store a corrected issue, run again with --revise: 260/r1 stays and the correction becomes r2",
    )
    assert revisions(root) == ["260/r1"]
    assert articles(root) == articles(archived.archive), "the same rows as an uninterrupted run"
    assert invoke("archive", "verify", "--root", root)[0] == 0
    assert f">{CCTV}</a>" in (root / "index.html").read_text(encoding="utf-8")
    code, output = invoke("archive", "search", "교정행정", "--root", root)
    assert (code, output.splitlines()[-1]) == (0, "1 article(s)")


@pytest.mark.expect_warnings
def test_a_damaged_leftover_revision_is_set_aside_and_archived_anew(
    archived: Archived, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "archive"
    leftover = copy_archive(archived.archive / "260", root / "260") / "r1"  # the folder, without its catalog rows
    damaged = leftover / "issue-260-email.pdf"
    damaged.write_bytes(damaged.read_bytes()[:-100])
    before = snapshot(leftover)

    with caplog.at_level(logging.WARNING, logger="issuepdf"):
        archive_issue(archived.issue, root)

    (note,) = [record.getMessage() for record in caplog.records]
    (aside,) = root.glob(".orphan-260-r1-*")
    assert note == (
        "260/r1 was left by an interrupted run and cannot be adopted (issue-260-email.pdf differs); "
        f"moved it to {aside.name}: look into it, then delete it"
    )
    assert snapshot(aside) == before, "nothing of it is lost"
    assert revisions(root) == ["260/r1"]
    code, output = invoke("archive", "verify", "--root", root)
    assert (code, output.splitlines()[0]) == (
        1,
        f"extra: {aside.name}/ (set aside by `issuepdf archive`: an interrupted run's revision that did not match "
        "its manifest; look into it, then delete it)",
    )


# --- A3, A4: the catalog cannot be written ------------------------------------------------------------


@pytest.mark.parametrize(
    ("pragma", "cause"),
    [
        ("max_page_count = {pages}", "the disk is full (database or disk is full)"),  # no room for one more page
        ("query_only = ON", "it is read-only (attempt to write a readonly database)"),  # root may write any file
    ],
)
def test_a_catalog_that_cannot_be_written_is_named_and_the_archive_stays_as_it_was(
    archived: Archived, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pragma: str, cause: str
) -> None:
    root = copy_archive(archived.archive, tmp_path / "archive")
    issue = write_issue(project(tmp_path / "project") / "issues" / "261", 261, dt.date(2021, 12, 29))
    before = snapshot(root)

    def unwritable(root: Path, create: bool = False) -> Catalog:
        """The catalog as the archive opens it, then made unwritable the way `pragma` says."""
        catalog = open_catalog(root, create)
        pages = catalog.db.execute("PRAGMA page_count").fetchone()[0]
        catalog.db.execute(f"PRAGMA {pragma.format(pages=pages)}")
        return catalog

    monkeypatch.setattr(archive, "open_catalog", unwritable)
    code, output = invoke("archive", issue, "--root", root)

    assert (code, output) == (
        1,
        f"error: cannot write the catalog {root / 'catalog.sqlite'}: {cause}; "
        "the catalog is as it was before; nothing was archived\n",
    )
    assert snapshot(root) == before
    assert invoke("archive", "verify", "--root", root)[0] == 0


def test_a_catalog_locked_by_another_run_is_named(archived: Archived, tmp_path: Path) -> None:
    root = copy_archive(archived.archive, tmp_path / "archive")
    other = sqlite3.connect(root / "catalog.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another run, inside its transaction
    try:
        code, output = invoke("archive", archived.issue, "--root", root)
    finally:
        other.close()
    assert (code, output) == (
        1,
        f"error: cannot write the catalog {root / 'catalog.sqlite'}: another issuepdf run is writing it; wait for "
        "that run to finish, then run again (database is locked); the catalog is as it was before; nothing was "
        "archived\n",
    )


# --- A5, A6: new and old catalogs -----------------------------------------------------------------------


def _open_at_the_same_moments(roots: list[Path], start: Any, errors: Any) -> None:
    """Open (creating) each root's catalog, at the same moment as the other process."""
    for root in roots:
        start.wait()
        try:
            open_catalog(root, create=True).close()
        except CatalogError as err:
            errors.put(str(err))


def test_two_first_archives_at_once_both_find_the_tables(tmp_path: Path) -> None:
    roots = [tmp_path / f"archive-{n}" for n in range(40)]
    context = multiprocessing.get_context("spawn")  # no fork of a process that may run threads
    start, errors = context.Barrier(2), context.Queue()
    racers = [context.Process(target=_open_at_the_same_moments, args=(roots, start, errors)) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert [racer.exitcode for racer in racers] == [0, 0]
    for root in roots:
        with sqlite3.connect(root / "catalog.sqlite") as db:
            assert db.execute("SELECT value FROM meta").fetchall() == [(str(SCHEMA_VERSION),)]
        db.close()


def test_a_catalog_of_schema_1_is_upgraded_in_place(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    with sqlite3.connect(root / "catalog.sqlite") as db:
        for statement in SCHEMA:  # as issuepdf wrote it before articles had their printed numbers
            db.execute(statement.replace("    printed INTEGER,\n", "").replace(f"'{SCHEMA_VERSION}'", "'1'"))
        db.execute("INSERT INTO revisions VALUES (259, 1, '2021-12-15', 't', 'p', 8, 'x', ?)", ("0" * 64,))
        db.execute("INSERT INTO articles VALUES (1, 259, 1, 1, '섹션', '제목', 3, '본문')")
    db.close()

    catalog = open_catalog(root)
    try:
        assert [(a.title, a.page, a.number) for a in catalog.articles(259, 1)] == [("제목", 3, None)]
        assert catalog.db.execute("SELECT value FROM meta").fetchall() == [(str(SCHEMA_VERSION),)]
    finally:
        catalog.close()


# --- A7: the page on a machine without a Korean font ------------------------------------------------------


def latin_only_fontconfig(folder: Path) -> Path:
    """A fonts.conf that shows chromium one font with no Korean in it: a machine with no Korean font."""
    fonts = folder / "fonts"
    fonts.mkdir(parents=True)
    (fonts / "NotoSans-Regular.ttf").write_bytes((SOURCE_ROOT / "fonts" / "NotoSans-Regular.ttf").read_bytes())
    conf = folder / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?>\n<fontconfig><dir>{fonts}</dir><cachedir>{folder / "cache"}</cachedir></fontconfig>\n',
        encoding="utf-8",
    )
    assert "Hangul" not in str(TTFont(fonts / "NotoSans-Regular.ttf")["cmap"].getBestCmap().get(0xAC00))
    return conf


def probe(root: Path, fontconfig: Path, profile: Path) -> dict[str, Any]:
    """The page's font faces and the widths of its Korean headings and titles, measured in chromium."""
    page = (root / "index.html").read_text(encoding="utf-8")
    (root / "probe.html").write_text(page.replace("</body>", f"{PROBE}\n</body>"), encoding="utf-8")
    dom, console = chromium((root / "probe.html").as_uri(), profile, fontconfig)
    assert console == []
    (found,) = re.findall(r'<pre id="probe">(.*?)</pre>', dom)
    return json.loads(found.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def advance(font: Path, text: str, size: float = 16) -> float:
    """The width of `text` set in `font` at `size` px, from the font's own advance widths, each rounded to whole
    pixels as headless chromium on Linux sets them (no subpixel positioning)."""
    loaded = TTFont(font)
    cmap, widths, unit = loaded.getBestCmap(), loaded["hmtx"].metrics, loaded["head"].unitsPerEm
    return sum(round(widths[cmap[ord(char)]][0] * size / unit) for char in text)


def test_archive_page_shows_korean_in_its_own_fonts_without_a_korean_font(archived: Archived, tmp_path: Path) -> None:
    root = copy_archive(archived.archive, tmp_path / "archive")
    fontconfig = latin_only_fontconfig(tmp_path / "fontconfig")

    measured = probe(root, fontconfig, tmp_path / "profile")

    assert measured["faces"] == ["loaded", "loaded"]
    korean = [(text, page, fallback) for text, page, fallback in measured["texts"] if re.search("[가-힣]", text)]
    assert len(korean) == 7
    for text, page, fallback in korean:
        assert page == pytest.approx(advance(root / "archive-sans.woff2", text), abs=1.5), text
        assert abs(page - fallback) > 5, f"{text!r}: the fallback font would set it alike"

    for name in WEB_FONTS:  # the control: without its fonts, the page's text is set in the fallback
        (root / name).unlink()
    measured = probe(root, fontconfig, tmp_path / "profile")
    assert measured["faces"] == ["error", "error"]
    assert all(page == fallback for _, page, fallback in measured["texts"])


def test_web_fonts_hold_every_character_the_page_shows_and_are_small(archived: Archived) -> None:
    shown = "".join(
        (archived.archive / name).read_text(encoding="utf-8")
        for name in ("index.html", "search-index.js", "archive.js")
    )
    characters = {char for char in shown if not char.isspace() and unicodedata.category(char)[0] != "C"}
    for name in WEB_FONTS:
        font = archived.archive / name
        assert font.read_bytes()[:4] == b"wOF2"
        assert {char for char in characters if ord(char) not in TTFont(font).getBestCmap()} == set(), name
        print(f"{name}: {font.stat().st_size} bytes for {len(characters)} characters")
        assert font.stat().st_size < 60_000
    assert 'url("archive-sans.woff2")' in (archived.archive / "archive.css").read_text(encoding="utf-8")


# --- A8: article numbers as the PDF prints them ----------------------------------------------------------


def test_archive_page_numbers_articles_as_the_pdf_does(archived: Archived) -> None:
    folder = archived.archive / "260" / "r1"
    bookmarks = [title for depth, title, _ in outline(folder / "issue-260-archive.pdf") if depth == 2]
    assert [title.split(" ")[0] for title in bookmarks] == ["1.", "1.", "5.", "재중한인과학기술자협회,"]
    assert [(entry.title, entry.number) for entry in Manifest.read(folder / "manifest.json").contents] == [
        (GAZELLE, 1),
        (PRISON, 1),
        (CCTV, 5),
        (SCIENTISTS, None),
    ]
    page = (archived.archive / "index.html").read_text(encoding="utf-8")
    items = re.findall(r"<li>(?:<span class=\"number\">(\d+)\.</span> )?<a [^>]*>([^<]*)</a>", page)
    assert [(number, title.replace("&#39;", "'")) for number, title in items] == [
        ("1", GAZELLE),
        ("1", PRISON),
        ("5", CCTV),
        ("", SCIENTISTS),
    ]
    assert "<ol" not in page, "no list the browser numbers by itself"
