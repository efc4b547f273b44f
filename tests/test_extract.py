"""`issuepdf extract`: a self-contained archive edition, and PDFs from elsewhere taken apart safely."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

from issuepdf.archive.extract import extract
from issuepdf.cli import main
from issuepdf.content.errors import IssuepdfError
from issuepdf.pipeline.build import build
from issuepdf.pipeline.editions import BUILD_RECORD

from .test_reproducible import photo_issue, sha256

THEME = "palette: ['#123456', '#654321']\n"
BOMB_MB = 300


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An issue with a photo, issue.css and theme.yaml, and its archive edition."""
    folder = tmp_path_factory.mktemp("archived")
    issue = photo_issue(folder / "260", {"layouts/theme.yaml": THEME})
    return issue, build(issue, output=folder / "archive.pdf", strict=True, edition="archive").pdf


def test_extract_then_build_elsewhere_gives_the_same_archive_edition(
    archived: tuple[Path, Path], tmp_path: Path
) -> None:
    issue, pdf = archived
    target = tmp_path / "far" / "away" / "restored"
    extracted = extract(pdf, target)
    names = sorted(path.relative_to(target).as_posix() for path in extracted.files)
    assert names == ["images/forum.png", "issue.yaml", "layouts/issue.css", "layouts/theme.yaml"]
    assert all((target / name).read_bytes() == (issue / name).read_bytes() for name in names)
    assert extracted.differences == [] and extracted.lines()[-1] == "this installation has all of it"
    rebuilt = build(target, output=tmp_path / "rebuilt.pdf", strict=True, edition="archive").pdf
    assert sha256(rebuilt) == sha256(pdf)


@pytest.mark.expect_warnings
def test_a_rebuild_with_another_issuepdf_warns(archived: tuple[Path, Path], tmp_path: Path) -> None:
    target = tmp_path / "restored"
    extract(archived[1], target)
    record = json.loads((target / BUILD_RECORD).read_text())
    (target / BUILD_RECORD).write_text(json.dumps({**record, "issuepdf": "0.0.1"}))
    result = build(target, output=tmp_path / "rebuilt.pdf", edition="archive")
    assert any("issuepdf is 0.1.0, the archive edition was built with 0.0.1" in w for w in result.warnings)


@pytest.mark.expect_warnings
def test_a_file_of_layouts_extract_would_refuse_is_not_embedded(tmp_path: Path) -> None:
    issue = photo_issue(tmp_path / "260", {"layouts/notes.txt": "to do\n"})
    result = build(issue, output=tmp_path / "archive.pdf", edition="archive")
    assert result.warnings == [
        "issuepdf: layouts/notes.txt is not embedded in the archive edition: not a kind of file an issue is "
        "built from (YAML, Markdown, CSV, images; HTML and CSS in layouts/)"
    ]
    assert "layouts/notes.txt" not in {p.name for p in extract(result.pdf, tmp_path / "out").files}


@pytest.mark.expect_warnings
def test_a_link_out_of_the_issue_in_its_layouts_is_not_embedded(tmp_path: Path) -> None:
    issue = photo_issue(tmp_path / "260")
    (tmp_path / "secret.css").write_text("/* secret */\n")
    (issue / "layouts" / "extra.css").symlink_to(tmp_path / "secret.css")
    result = build(issue, output=tmp_path / "archive.pdf", edition="archive")
    assert result.warnings == [
        "issuepdf: layouts/extra.css is not embedded in the archive edition: a link to a file outside the issue folder"
    ]
    extracted = extract(result.pdf, tmp_path / "out")
    assert [path.name for path in extracted.files] == ["forum.png", "issue.yaml", "issue.css"]


# --- PDFs from elsewhere -----------------------------------------------------------------------

Tamper = Callable[[PdfWriter, DictionaryObject], None]


def pdf_with(path: Path, files: list[tuple[str, bytes]], tamper: Tamper | None = None) -> Path:
    """A PDF embedding `files`; `tamper` may then change the file specification of the last one."""
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    for name, data in files:
        writer.add_attachment(name, data)
    if tamper is not None:
        names = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"]
        tamper(writer, names[-1].get_object())
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _stream(data: bytes, **entries: Any) -> StreamObject:
    stream = StreamObject()
    stream._data = data
    for key, value in entries.items():
        stream[NameObject(f"/{key}")] = value
    return stream


def flate_bomb(writer: PdfWriter, spec: DictionaryObject) -> None:
    """300 MB of zeros in a few hundred kilobytes."""
    packer = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    bomb = b"".join(packer.compress(chunk) for _ in range(BOMB_MB)) + packer.flush()
    stream = _stream(bomb, Filter=NameObject("/FlateDecode"), Type=NameObject("/EmbeddedFile"))
    spec["/EF"][NameObject("/F")] = writer._add_object(stream)


def ef_not_a_stream(writer: PdfWriter, spec: DictionaryObject) -> None:
    spec["/EF"][NameObject("/F")] = writer._add_object(DictionaryObject({NameObject("/Type"): NameObject("/X")}))


def f_a_number(_writer: PdfWriter, spec: DictionaryObject) -> None:
    spec["/EF"][NameObject("/F")] = NumberObject(42)


def no_ef(_writer: PdfWriter, spec: DictionaryObject) -> None:
    del spec["/EF"]


def jbig2(writer: PdfWriter, spec: DictionaryObject) -> None:
    stream = _stream(b"\x97JB2\r\n\x1a\n" + bytes(64), Filter=NameObject("/JBIG2Decode"))
    spec["/EF"][NameObject("/F")] = writer._add_object(stream)


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (flate_bomb, "unpacks to more than the limit (50 MB each, 200 MB in all); refused"),
        (ef_not_a_stream, "/EF does not hold a file stream (found DictionaryObject)"),
        (f_a_number, "/EF does not hold a file stream (found NumberObject)"),
        (no_ef, "no embedded file stream (/EF is missing)"),
        (jbig2, "encoded with /JBIG2Decode; issuepdf writes plain or Flate streams"),
    ],
)
def test_a_malformed_attachment_is_a_clear_error_and_nothing_is_written(
    tmp_path: Path, tamper: Tamper, message: str
) -> None:
    pdf = pdf_with(tmp_path / "bad.pdf", [("issue.yaml", b"title: x\n"), ("charts/a.csv", b"a,1\n")], tamper)
    with pytest.raises(IssuepdfError) as raised:
        extract(pdf, tmp_path / "out")
    assert any(message in line for line in [str(raised.value), *getattr(raised.value, "messages", [])])
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_no_pdf_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_text("not a PDF at all\n")
    with pytest.raises(IssuepdfError, match=r"cannot read .*notes\.pdf: "):
        extract(tmp_path / "notes.pdf", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "name",
    [
        ".",
        "../outside.yaml",
        "/etc/cron.d/job.yaml",
        "a//b.yaml",
        ".hidden.yaml",
        "images/.x.png",
        "run.sh",
        "issue.yaml.exe",
        "notes.html",
        "bell\a.yaml",
        "rtl\u202egpj.yaml",
        "back\\slash.yaml",
        "layouts/fonts/x.woff",
    ],
)
def test_a_bad_name_is_refused_before_anything_is_written(tmp_path: Path, name: str) -> None:
    pdf = pdf_with(tmp_path / "bad.pdf", [("issue.yaml", b"title: x\n"), (name, b"x")])
    with pytest.raises(IssuepdfError, match="problem"):
        extract(pdf, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_every_kind_an_archive_embeds_is_extracted(tmp_path: Path) -> None:
    names = ["issue.yaml", "articles/a.yml", "charts/c.csv", "images/사진 1.JPG", "layouts/blocks/photo.html"]
    pdf = pdf_with(tmp_path / "ok.pdf", [(name, name.encode()) for name in names])
    extracted = extract(pdf, tmp_path / "out")
    assert [path.relative_to(tmp_path / "out").as_posix() for path in extracted.files] == sorted(names)
    assert extracted.record is None and "no build record" in extracted.lines()[-1]


def test_a_file_that_is_also_a_folder_is_refused(tmp_path: Path) -> None:
    pdf = pdf_with(tmp_path / "bad.pdf", [("issue.yaml", b"a"), ("a.yaml", b"b"), ("a.yaml/b.yaml", b"c")])
    with pytest.raises(IssuepdfError) as raised:
        extract(pdf, tmp_path / "out")
    assert raised.value.messages == [f"{pdf}: embedded file 'a.yaml' is also the folder of another"]


def test_extract_refuses_a_folder_that_is_not_empty(archived: tuple[Path, Path], tmp_path: Path) -> None:
    (tmp_path / "issue.yaml").write_text("mine\n")
    with pytest.raises(IssuepdfError, match="is not empty; extract into a new or empty folder"):
        extract(archived[1], tmp_path)
    assert (tmp_path / "issue.yaml").read_text() == "mine\n"
    (tmp_path / "empty").mkdir()
    assert extract(archived[1], tmp_path / "empty").files  # an empty folder is fine


def test_extract_into_the_working_folder_keeps_it(
    archived: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    extract(archived[1], Path("."))
    assert Path.cwd() == tmp_path and tmp_path.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images", "issue.yaml", "issuepdf-build.json", "layouts"]


def test_cli_prints_what_a_rebuild_needs_and_fails_cleanly(archived: tuple[Path, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(archived[1]), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "--edition archive` gives the same PDF again with issuepdf 0.1.0, weasyprint " in result.output
    assert ", layouts sha256:" in result.output
    bad = pdf_with(tmp_path / "bad.pdf", [("issue.yaml", b"a"), ("x.yaml", b"b")], no_ef)
    result = CliRunner().invoke(main, ["extract", str(bad), str(tmp_path / "other")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "no embedded file stream (/EF is missing)" in result.output
    assert "Traceback" not in result.output
