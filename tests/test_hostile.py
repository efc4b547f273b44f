"""Hostile and broken input: nothing leaks, nothing hangs, the last good output is never lost.

Every case here is listed in docs/hostile-inputs.md with what happens.
"""

from __future__ import annotations

import errno
import io
import os
import time
from pathlib import Path

import pytest
from PIL import Image

from issuepdf.content.errors import BuildLocked, ChartError, InvalidIssue, IssuepdfError
from issuepdf.pipeline import output
from issuepdf.pipeline.build import build
from issuepdf.pipeline.charts import ChartJob, render_missing
from issuepdf.pipeline.output import build_lock
from issuepdf.pipeline.typeset import typeset

from .support.issues import MINIMAL, MakeIssue
from .support.pdfs import pdf_text

SECRET = "TOP-SECRET-7d1e"


def problems_of(issue: Path) -> list[str]:
    with pytest.raises(InvalidIssue) as caught:
        build(issue)
    return [str(problem) for problem in caught.value.problems]


def with_body(*blocks: str) -> str:
    return MINIMAL + "".join(blocks)


# --- content is text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        '<img src="file://{secret}">',
        "<script>document.write('x')</script>",
        "<style>body {{ background: url(file://{secret}) }}</style>",
        '<link rel="stylesheet" href="file://{secret}">',
        '<iframe src="file://{secret}"></iframe>',
        "![secret](file://{secret})",
        "[링크](file://{secret})",
    ],
)
def test_raw_html_and_markdown_never_bring_a_file_in(
    make_issue: MakeIssue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    text = payload.format(secret=secret).replace('"', '\\"')
    issue = make_issue({"issue.yaml": with_body(f'          - "{text}"\n')})
    html_out = tmp_path / "out.html"
    pdf = build(issue, html_output=html_out, strict=True).pdf
    html = html_out.read_text(encoding="utf-8")
    assert SECRET not in html and SECRET not in pdf_text(pdf) and SECRET.encode() not in pdf.read_bytes()
    assert "<script" not in html and "<iframe" not in html and "<style>" not in html


@pytest.mark.expect_warnings
@pytest.mark.parametrize("url", ["http://example.com/x.png", "https://example.com/x.css", "ftp://example.com/x"])
def test_network_resources_are_refused_by_name(tmp_path: Path, url: str, caplog: pytest.LogCaptureFixture) -> None:
    typeset(f'<link rel="stylesheet" href="{url}"><img src="{url}">', tmp_path, [tmp_path])
    assert any(url in record.getMessage() for record in caplog.records)


@pytest.mark.expect_warnings
def test_files_outside_the_roots_and_escaping_symlinks_are_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root, outside = tmp_path / "issue", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    for name in ("secret.png", "linked.png", "other.png"):
        Image.new("RGB", (10, 10)).save(outside / name)
    (root / "link.png").symlink_to(outside / "linked.png")
    document = typeset(
        f'<img src="file://{outside}/secret.png"><img src="link.png"><img src="../outside/other.png">', root, [root]
    )
    assert not any(page._page_box for page in [])  # layout ran
    failed = [record.getMessage() for record in caplog.records if "Failed to load image" in record.getMessage()]
    assert len(failed) == 3 and all("outside the issue, layouts and fonts folders" in m for m in failed), failed
    assert len(document.pages) == 1


def test_check_refuses_photo_paths_that_leave_the_issue(make_issue: MakeIssue, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.png"
    Image.new("RGB", (1000, 800)).save(outside)
    issue = make_issue({"issue.yaml": with_body("          - photo: link.png\n            alt: x\n")})
    (issue / "link.png").symlink_to(outside)
    (problem,) = problems_of(issue)
    assert problem.endswith("link.png is a link to a file outside the issue folder; copy the file in instead")


# --- YAML -------------------------------------------------------------------------------------


def test_alias_bomb_is_refused_quickly(make_issue: MakeIssue) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    issue = make_issue({"issue.yaml": "\n".join(levels) + "\n" + MINIMAL})
    start = time.perf_counter()
    (problem,) = problems_of(issue)
    assert time.perf_counter() - start < 5
    assert problem.endswith("more than 20,000 values in the issue and its files (an alias bomb?); refused")


def test_oversized_non_utf8_tabs_and_duplicates(make_issue: MakeIssue) -> None:
    text = MINIMAL + "#" + "x" * 2_100_000 + "\n"
    big = make_issue({"issue.yaml": text}, name="big")
    assert problems_of(big)[0].endswith(f"file is {len(text.encode()):,} bytes; the limit is 2,000,000")
    latin1 = make_issue({"issue.yaml": MINIMAL.encode("utf-8") + "          - café\n".encode("latin-1")}, name="l1")
    assert problems_of(latin1)[0].endswith("issue.yaml:12:16: not UTF-8: byte 0xe9; save as UTF-8")
    tabs = make_issue({"issue.yaml": MINIMAL.replace("        body:", "\tbody:")}, name="tabs")
    assert "issue.yaml:9:1: indent with spaces, not a tab" in problems_of(tabs)[0]


# --- images -----------------------------------------------------------------------------------


def _jpeg(size: tuple[int, int] = (1200, 900), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "orange" if mode == "RGB" else (0, 128, 255, 0)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


BROKEN_IMAGES = {
    "empty.jpg": (b"", "empty.jpg is empty (0 bytes)"),
    "truncated.jpg": (
        _jpeg()[: len(_jpeg()) // 2],
        "truncated.jpg is damaged (the JPEG ends early: a broken download?)",
    ),
    "corrupt.png": (b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "corrupt.png is damaged (the PNG ends early"),
    "scrambled.png": (
        _png(Image.new("RGB", (300, 200)))[:40] + b"\0" * 300 + b"IEND\xaeB`\x82",
        "scrambled.png is not an image issuepdf can read",
    ),
    "notes.jpg": (b"this is a text file", "notes.jpg is not an image issuepdf can read; save it as JPEG or PNG"),
    "bomb.png": (_png(Image.new("1", (20000, 20000))), "bomb.png is refused as a decompression bomb"),
    "drawing.svg": (b"<svg><g></svg>", "drawing.svg is not well-formed SVG ("),
}


@pytest.mark.parametrize("name", sorted(BROKEN_IMAGES))
def test_broken_images_fail_check_naming_the_file(make_issue: MakeIssue, name: str) -> None:
    data, message = BROKEN_IMAGES[name]
    issue = make_issue({"issue.yaml": with_body(f"          - photo: {name}\n            alt: x\n"), name: data})
    (problem,) = problems_of(issue)
    assert f"issue.yaml:12:20: sections.0.articles.0.body.2.photo: {message}" in problem


def _exif_rotated() -> bytes:
    image = Image.new("RGB", (800, 400), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


GOOD_IMAGES = {
    "cmyk.jpg": _jpeg(mode="CMYK"),
    "deep.png": _png(Image.new("I;16", (900, 600), 40000)),
    "rotated.jpg": _exif_rotated(),
    "png-named.jpg": _png(Image.new("RGB", (900, 600), "green")),
}


@pytest.mark.parametrize("name", sorted(GOOD_IMAGES))
def test_unusual_but_valid_images_build_strict(make_issue: MakeIssue, name: str) -> None:
    block = f"          - photo: {name}\n            alt: x\n            width: 40\n"
    issue = make_issue({"issue.yaml": with_body(block), name: GOOD_IMAGES[name]})
    pdf = build(issue, strict=True).pdf  # a skipped image would be a warning, and fail
    from pypdf import PdfReader

    (image,) = PdfReader(pdf).pages[2].images
    width, height = image.image.size
    if name == "rotated.jpg":
        assert height > width or "/DCTDecode" in str(image.indirect_reference)
    if name == "deep.png":  # 40000 of 65535: a middle grey, as converted to 8 bits (was the original's black box)
        assert 140 < image.image.convert("L").getpixel((10, 10)) < 170


# --- charts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("[29, 사십이]", "series.0.values.1: Input should be a valid number, unable to parse string as a number"),
        ("[29, .nan]", "series.0.values.1: Input should be a finite number"),
        ("[]", "series.0.values: List should have at least 1 item after validation, not 0"),
        ("[1, 2, 3]", "sections.0.articles.0.body.2.chart: series '수' has 3 values for 2 categories"),
    ],
)
def test_bad_chart_data_is_reported_with_its_position(make_issue: MakeIssue, values: str, message: str) -> None:
    block = (
        "          - chart:\n"
        "              categories: [가, 나]\n"
        f"              series: [{{name: 수, values: {values}}}]\n"
    )
    issue = make_issue({"issue.yaml": with_body(block)})
    problems = problems_of(issue)
    assert any(message in problem and "issue.yaml:1" in problem for problem in problems), problems


def _fake_browser(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-chromium"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return str(path)


@pytest.mark.expect_warnings
@pytest.mark.parametrize(("script", "expected"), [("exit 3", "failed twice"), ("sleep 300", "did not answer")])
def test_a_crashing_or_hanging_browser_fails_in_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, expected: str
) -> None:
    monkeypatch.setenv("BROWSER_PATH", _fake_browser(tmp_path, script))
    monkeypatch.setattr("issuepdf.pipeline.charts.RENDER_TIMEOUT_S", 2.0)
    job = ChartJob({"data": [], "layout": {}}, 100, 100, tmp_path / "c.svg")
    start = time.perf_counter()
    with pytest.raises(ChartError, match=expected):
        render_missing([job])
    assert time.perf_counter() - start < 30
    assert not job.path.exists()


# --- outputs ----------------------------------------------------------------------------------


def test_disk_full_keeps_the_earlier_pdf(make_issue: MakeIssue, monkeypatch: pytest.MonkeyPatch) -> None:
    issue = make_issue()
    pdf = build(issue, strict=True).pdf
    before = pdf.read_bytes()

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", lambda fd: full(fd, b""))
    with pytest.raises(IssuepdfError, match="No space left on device; the earlier file is unchanged"):
        build(issue, strict=True)
    assert pdf.read_bytes() == before
    assert sorted(p.name for p in pdf.parent.iterdir()) == [pdf.name]


def test_unwritable_output_folder_is_a_clear_error(make_issue: MakeIssue, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(IssuepdfError, match=r"cannot write .*not-a-folder/out\.pdf"):
        build(make_issue(), output=blocker / "out.pdf")


def test_interrupt_while_writing_leaves_no_partial_file(make_issue: MakeIssue, monkeypatch: pytest.MonkeyPatch) -> None:
    issue = make_issue()
    pdf = build(issue, strict=True).pdf
    before = pdf.read_bytes()

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(issue, strict=True)
    assert pdf.read_bytes() == before
    assert sorted(p.name for p in pdf.parent.iterdir()) == [pdf.name]


def test_two_builds_of_one_issue_cannot_interleave(make_issue: MakeIssue) -> None:
    issue = make_issue()
    with build_lock(issue), pytest.raises(BuildLocked, match=r"another build of .* is running"):
        build(issue)
    assert build(issue).pages == 3  # released


def test_lock_is_released_when_its_holder_dies(make_issue: MakeIssue) -> None:
    issue = make_issue()
    pid = os.fork()
    if pid == 0:  # the child takes the lock and dies without releasing it
        with build_lock(issue):
            os._exit(0)
    os.waitpid(pid, 0)
    assert build(issue).pages == 3
