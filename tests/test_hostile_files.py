"""Files an issue holds that are not what they claim: FIFOs, sparse giants, links swapped in after a
check, pixel bombs named by a stylesheet, SVGs that draw each other, gigabyte CSVs. Every file the
typesetter reads is proven inside the allowed folders as opened (`paths.read_inside`). Rows F1-F16 of
docs/hostile-inputs.md."""

from __future__ import annotations

import logging
import os
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from issuepdf.content.errors import ConvertError, IssuepdfError
from issuepdf.content.images import packed_font_problem
from issuepdf.content.paths import MAX_RESOURCE_BYTES, SOURCE_ROOT, project_root, read_inside
from issuepdf.content.settings import settings_path
from issuepdf.editor.importer import import_document
from issuepdf.pipeline.build import build
from issuepdf.pipeline.typeset import MAX_STYLESHEET_BYTES, MAX_STYLESHEETS

from .support.issues import FIXTURES, MakeIssue, write_files
from .test_hostile import problems_of, with_body
from .test_import_docx import DOCX, ONE_ARTICLE, _docx_with

CANARY = b"CANARY-8d1e"
FONTS = SOURCE_ROOT / "fonts"
IMPORTS = FIXTURES / "docx"


def warned(issue: Path) -> list[str]:
    """The warnings of a build that goes through (a refused resource is a warning)."""
    return build(issue).warnings


@pytest.mark.expect_warnings
def test_a_fifo_named_by_a_stylesheet_is_refused_at_once(make_issue: MakeIssue) -> None:
    issue = make_issue({"layouts/issue.css": "body { background: url(pipe.png) }"})
    os.mkfifo(issue / "layouts" / "pipe.png")
    start = time.perf_counter()
    (warning,) = warned(issue)  # was: the build hung on the pipe until the 300 s layout deadline
    assert "pipe.png: not a regular file" in warning
    assert time.perf_counter() - start < 30


@pytest.mark.expect_warnings
def test_a_sparse_giant_font_is_refused_by_its_size(make_issue: MakeIssue, caplog: pytest.LogCaptureFixture) -> None:
    css = "@font-face { font-family: X; src: url(big.woff) }\nbody { font-family: X }"
    issue = make_issue({"layouts/issue.css": css})
    with (issue / "layouts" / "big.woff").open("wb") as handle:
        handle.truncate(MAX_RESOURCE_BYTES + 1)  # no disk used, but read whole it is 200 MB
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    assert warned(issue) == ["weasyprint: Font-face 'X' cannot be loaded"]  # was: read whole (3 GB for 3 GB)
    limit = f"big.woff: {MAX_RESOURCE_BYTES + 1:,} bytes; the limit is {MAX_RESOURCE_BYTES:,}"
    assert any(limit in record.getMessage() for record in caplog.records)


def test_a_folder_swapped_for_a_link_after_the_check_is_caught_as_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue, outside = tmp_path / "issue", tmp_path / "outside"
    (issue / "images").mkdir(parents=True)
    outside.mkdir()
    (outside / "a.png").write_bytes(CANARY)
    (issue / "images" / "a.png").write_bytes(b"fine")
    assert read_inside(issue / "images" / "a.png", [issue])[2] == b"fine"
    with pytest.raises(ValueError, match="outside the issue, layouts and fonts folders"):
        read_inside(outside / "a.png", [issue])  # named outside: refused before it is opened
    real_open = os.open

    def swap_then_open(path: str, flags: int, *args: int) -> int:
        """The race: between the check of the name and the open, `images/` becomes a link out."""
        (issue / "images" / "a.png").unlink()
        (issue / "images").rmdir()
        (issue / "images").symlink_to(outside)
        monkeypatch.setattr(os, "open", real_open)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", swap_then_open)
    with pytest.raises(ValueError, match="outside the issue, layouts and fonts folders"):
        read_inside(issue / "images" / "a.png", [issue])  # the file as opened is outside
    (issue / "c.png").write_bytes(b"fine")
    (issue / "b.png").symlink_to(issue / "c.png")
    with pytest.raises(ValueError, match="Too many levels of symbolic links"):  # a final link is never followed
        read_inside(issue / "b.png", [issue])  # (callers pass resolved paths: a link there is a swap)


@pytest.mark.expect_warnings
def test_a_pixel_bomb_named_by_a_stylesheet_is_refused_unread(make_issue: MakeIssue) -> None:
    issue = make_issue({"layouts/issue.css": "body { background: url(b.png) }"})
    Image.MAX_IMAGE_PIXELS, limit = None, Image.MAX_IMAGE_PIXELS
    try:
        Image.new("1", (12000, 12000)).save(issue / "layouts" / "b.png")  # 17 kB on disk, 144 megapixels
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    (warning,) = warned(issue)  # was: decoded (1.2 GB, 7 s) with only a Python warning, on every page
    assert "b.png is refused as a decompression bomb" in warning


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/>{}</svg>'


@pytest.mark.parametrize(
    "drawing",
    [
        '<image href="a.svg" width="9" height="9"/><image href="a.svg" x="1" width="9" height="9"/>',
        '<use href="b.svg#r"/>',
    ],
    ids=["itself", "another"],
)
def test_an_svg_photo_that_draws_svg_files_is_refused(make_issue: MakeIssue, drawing: str) -> None:
    issue = make_issue(
        {
            "issue.yaml": with_body("          - photo: a.svg\n            alt: x\n"),
            "a.svg": SVG.format(drawing),
            "b.svg": SVG.format('<use href="a.svg#r"/>'),
        }
    )
    start = time.perf_counter()
    (problem,) = problems_of(issue)  # was: the layout ran on (60 s and more) drawing a.svg inside a.svg
    assert "a.svg draws the file '" in problem and "keep an SVG to itself and raster images" in problem
    assert time.perf_counter() - start < 10


def test_an_svg_photo_may_still_draw_a_raster_image(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": with_body("          - photo: a.svg\n            alt: x\n"),
            "a.svg": SVG.format('<image href="dot.png" width="9" height="9"/>'),
        }
    )
    Image.new("RGB", (4, 4), "red").save(issue / "dot.png")
    assert not warned(issue)


def test_a_sparse_giant_photo_is_refused_at_check_by_its_size(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": with_body("          - photo: big.jpg\n            alt: x\n")})
    with (issue / "big.jpg").open("wb") as handle:
        handle.write(b"\xff\xd8\xff")
        handle.truncate(MAX_RESOURCE_BYTES + 1)
    (problem,) = problems_of(issue)
    assert f"big.jpg is {MAX_RESOURCE_BYTES + 1:,} bytes; the limit is {MAX_RESOURCE_BYTES:,}" in problem


def test_a_gigabyte_csv_is_refused_by_its_size_without_being_read(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": with_body("          - chart: charts/c.yaml\n"),
            "charts/c.yaml": "type: line\ncsv: d.csv\n",
            "charts/d.csv": "x,y\n",
        }
    )
    with (issue / "charts" / "d.csv").open("r+b") as handle:
        handle.truncate(1 << 30)  # was: read whole into rows, 4 GB then MemoryError (300 MB took 51 s)
    start = time.perf_counter()
    problems = problems_of(issue)
    assert any("d.csv" in p and "bytes; the limit is 2,000,000" in p for p in problems), problems
    assert time.perf_counter() - start < 10


def _woff2_bomb(megabytes: int) -> bytes:
    """A WOFF2 font of one 100-byte table whose Brotli stream unpacks to `megabytes` of zeros (2 kB for 1 GB)."""
    compressor = brotli.Compressor(quality=5)
    body = b"".join(compressor.process(bytes(1 << 20)) for _ in range(megabytes)) + compressor.finish()
    directory = bytes([1, 100])  # table 'head', no transform, 100 bytes declared
    size = 48 + len(directory) + len(body)
    header = struct.pack(">4s4sLHHLLHHLLLLL", b"wOF2", b"\0\1\0\0", size, 1, 0, 112, len(body), 1, 0, 0, 0, 0, 0, 0)
    return header + directory + body


def _woff_bomb(megabytes: int) -> bytes:
    """A WOFF font of one table declared 100 bytes whose zlib data unpacks to `megabytes` of zeros."""
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(bytes(1 << 20)) for _ in range(megabytes)) + packer.flush()
    entry = struct.pack(">4sLLLL", b"head", 64, len(body), 100, 0)
    header = struct.pack(">4s4sLHHL", b"wOFF", b"\0\1\0\0", 64 + len(body), 1, 0, 112).ljust(44, b"\0")
    return header + entry + body


@pytest.mark.expect_warnings
@pytest.mark.parametrize(("name", "bomb"), [("b.woff2", _woff2_bomb), ("b.woff", _woff_bomb)])
def test_a_font_that_unpacks_to_gigabytes_is_refused_unpacked(
    make_issue: MakeIssue, caplog: pytest.LogCaptureFixture, name: str, bomb: Callable[[int], bytes]
) -> None:
    css = f"@font-face {{ font-family: X; src: url({name}) }}\nbody {{ font-family: X }}"
    issue = make_issue({"layouts/issue.css": css, f"layouts/{name}": bomb(300)})
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    assert warned(issue) == ["weasyprint: Font-face 'X' cannot be loaded"]  # was: 2.4 kB took 3.1 GB
    assert any("(a compression bomb?); refused" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("flavor", ["woff", "woff2"])
def test_a_real_packed_font_still_loads(make_issue: MakeIssue, flavor: str) -> None:
    font = TTFont(FONTS / "NotoSans-Regular.ttf")
    font.flavor = flavor
    issue = make_issue(
        {"layouts/issue.css": f"@font-face {{ font-family: X; src: url(f.{flavor}) }}\nh1 {{ font-family: X }}"}
    )
    font.save(issue / "layouts" / f"f.{flavor}")
    assert packed_font_problem((issue / "layouts" / f"f.{flavor}").read_bytes()) is None
    assert not warned(issue)


def test_an_issue_yaml_that_is_a_link_out_is_refused_unread(make_issue: MakeIssue, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("title: CANARY-8d1e\nnumber: CANARY-8d1e\n", encoding="utf-8")
    issue = make_issue()
    (issue / "issue.yaml").unlink()
    (issue / "issue.yaml").symlink_to(secret)
    (problem,) = problems_of(issue)  # was: read, and echoed: "number: … (got 'CANARY-8d1e')"
    assert problem.endswith("issue.yaml: a link to a file outside the issue folder; refused unread")
    assert "CANARY" not in problem


@pytest.mark.parametrize("folder", ["images", "articles"])
def test_an_import_never_writes_through_a_folder_that_links_out(
    make_issue: MakeIssue, tmp_path: Path, folder: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    issue = make_issue()
    (issue / folder).symlink_to(outside)
    before = (issue / "issue.yaml").read_bytes()
    with pytest.raises(ConvertError, match="leads out of the issue folder \\(a link\\); nothing was imported"):
        import_document(IMPORTS / "korean-features.docx", issue)  # was: the article or its images written outside
    assert not any(outside.iterdir())
    assert (issue / "issue.yaml").read_bytes() == before


def test_an_issue_folder_is_never_its_own_project(make_issue: MakeIssue, tmp_path: Path) -> None:
    conf = (FONTS / "fonts.conf").read_text(encoding="utf-8")
    written = tmp_path / "fontconfig-cache"
    issue = make_issue(
        {
            "layouts/base.html": (SOURCE_ROOT / "layouts" / "base.html").read_text(encoding="utf-8"),
            "fonts/fonts.conf": conf.replace(
                "<cachedir", f"<dir>{tmp_path}</dir><cachedir>{written}</cachedir><cachedir"
            ),
            "issuepdf.yaml": f'serve:\n  editor: "touch {tmp_path / "ran"} {{path}}"\n',
        }
    )
    assert project_root(issue) == SOURCE_ROOT  # was: the issue, with its fonts.conf and its serve command
    assert settings_path(issue) == SOURCE_ROOT / "issuepdf.yaml"
    assert not build(issue).warnings
    assert not written.exists() and not (tmp_path / "ran").exists()


@pytest.mark.expect_warnings
def test_an_import_fan_out_stops_at_the_stylesheet_limit(make_issue: MakeIssue) -> None:
    files = {"layouts/issue.css": "@import url(c0.css);", "layouts/c8.css": "p {}"}
    for level in range(8):  # ten imports of the next level, each by another query string: 10^8 sheets
        imports = "".join(f"@import url(c{level + 1}.css?{k});" for k in range(10))
        files[f"layouts/c{level}.css"] = imports + "p { color: black }"
    start = time.perf_counter()
    warnings = warned(make_issue(files))  # was: read sheets until the 300 s layout deadline
    assert time.perf_counter() - start < 30
    assert warnings and all(f"more than {MAX_STYLESHEETS} stylesheets in one layout" in w for w in warnings)


def _use_bomb(levels: int) -> str:
    """An SVG whose `<use>` copies nest ten to a level: 10^levels rectangles from a few hundred bytes."""
    defs = ['<rect id="l0" width="1" height="1"/>']
    defs += [f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * 10 + "</g>" for i in range(1, levels + 1)]
    body = "".join(defs) + f'</defs><use href="#l{levels}"/>'
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>{body}</svg>'


@pytest.mark.expect_warnings
def test_an_svg_bomb_named_png_is_sniffed_as_svg(make_issue: MakeIssue) -> None:
    issue = make_issue({"layouts/issue.css": "body { background: url(b.png) }", "layouts/b.png": _use_bomb(8)})
    start = time.perf_counter()
    (warning,) = warned(issue)  # was: WeasyPrint, failing to open it as a PNG, drew it as SVG past any timeout
    assert "b.png draws over 100,000 elements once its <use> copies are expanded" in warning
    assert time.perf_counter() - start < 30


def test_an_svg_photo_too_big_to_parse_is_refused_at_check(make_issue: MakeIssue) -> None:
    path = "M0 0 " + "L1 1 L2 0 " * 600_000
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><path d="{path}"/></svg>'
    issue = make_issue({"issue.yaml": with_body("          - photo: a.svg\n            alt: x\n"), "a.svg": svg})
    (problem,) = problems_of(issue)  # was: 20 MB took 45 s and 1.5 GB to draw
    assert "a.svg is 6,000,084 bytes of SVG; the limit is 5,000,000 (save a detailed drawing as PNG)" in problem


@pytest.mark.expect_warnings
def test_a_stylesheet_over_a_megabyte_is_refused(make_issue: MakeIssue) -> None:
    issue = make_issue({"layouts/issue.css": "/*" + "x" * MAX_STYLESHEET_BYTES + "*/"})
    (warning,) = warned(issue)  # was: parsed whatever its size (55 MB: 7 GB and more than 300 s)
    assert f"the limit is {MAX_STYLESHEET_BYTES:,}" in warning and "issue.css" in warning


def test_a_cache_folder_linked_out_is_refused_before_anything_is_written_there(
    make_issue: MakeIssue, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    spec = "type: bar\ncategories: [가, 나]\nseries:\n  - name: 수\n    values: [1, 2]\n"
    chart = "          - chart: charts/c.yaml\n            alt: 막대\n"
    issue = make_issue({"issue.yaml": with_body(chart), "charts/c.yaml": spec})
    (issue / ".cache").symlink_to(outside)
    with pytest.raises(IssuepdfError, match="\\.cache is a link out of the issue folder; delete it"):
        build(issue)  # was: the chart SVGs written into the folder the link leads to
    assert not list(outside.rglob("*.svg"))


@pytest.mark.parametrize(
    ("wrap", "unit", "inner"),
    [
        ("", "w:sdt><w:sdtContent", "<w:p><w:r><w:t>x</w:t></w:r></w:p>"),
        ("w:p", "w:ins", "<w:r><w:t>y</w:t></w:r>"),
    ],
    ids=["content-controls", "insertions"],
)
def test_a_document_nested_without_end_is_refused(tmp_path: Path, wrap: str, unit: str, inner: str) -> None:
    with zipfile.ZipFile(DOCX / "korean-unmapped.docx") as package:
        document = package.read("word/document.xml").decode()
    at = document.index("<w:body>") + len("<w:body>")
    closing = "".join(f"</{tag}>" for tag in reversed(unit.split("><")))
    nested = f"<{unit}>" * 20_000 + inner + closing * 20_000
    body = f"<{wrap}>{nested}</{wrap}>" if wrap else nested
    (tmp_path / "deep.docx").write_bytes(
        _docx_with("word/document.xml", (document[:at] + body + document[at:]).encode())
    )
    issue = write_files(tmp_path / "260", {"issue.yaml": ONE_ARTICLE})
    with pytest.raises(ConvertError, match=r"word/document\.xml in .* nests elements over 200 deep; refused"):
        import_document(tmp_path / "deep.docx", issue)  # was: RecursionError traceback
    assert not (issue / "articles").exists()
