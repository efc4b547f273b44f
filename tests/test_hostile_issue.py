"""Hostile issue folders, round two: no code runs from an issue, nothing is read outside it, every
input is bounded. Each case is a row of docs/hostile-inputs.md (## Issue folders, round two)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from issuepdf.content.errors import IssuepdfError
from issuepdf.pipeline import typeset
from issuepdf.pipeline.build import build, check_issue

from .support.issues import HEAD, MINIMAL, MakeIssue

CANARY = "CANARY-5f0c2e9a"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the issue folder that nothing may read."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(f"title: {CANARY}\nbody: [{CANARY}]\n", encoding="utf-8")
    return path


def refused(issue: Path) -> str:
    """Everything the editor is told when the build refuses the issue."""
    with pytest.raises(IssuepdfError) as caught:
        build(issue)
    problems = getattr(caught.value, "problems", [])
    return "\n".join([str(caught.value), *map(str, problems)])


def test_template_code_cannot_reach_python(make_issue: MakeIssue, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}"
    issue = make_issue({"layouts/base.html": f"<html><body>{payload}</body></html>"})
    told = refused(issue)
    assert "base.html:1:1: not allowed in a layout template" in told
    assert not marker.exists()


def test_a_template_linked_out_of_the_issue_is_refused(make_issue: MakeIssue, secret: Path) -> None:
    issue = make_issue({"layouts/cover.html": "{% include 'blocks/leak.html' %}"})
    (issue / "layouts" / "blocks").mkdir()
    (issue / "layouts" / "blocks" / "leak.html").symlink_to(secret)
    told = refused(issue)
    assert "a link to a file outside the layouts folder; refused" in told
    assert CANARY not in told


def test_an_include_linked_out_of_the_issue_is_refused_unread(make_issue: MakeIssue, secret: Path) -> None:
    issue = make_issue({"issue.yaml": HEAD + "    articles:\n      - include: article.yaml\n"})
    (issue / "article.yaml").symlink_to(secret)
    told = refused(issue)
    assert "give a relative path inside the issue folder (links out of it are refused)" in told
    assert CANARY not in told


def test_a_chart_spec_linked_out_of_the_issue_is_refused_unread(make_issue: MakeIssue, secret: Path) -> None:
    issue = make_issue({"issue.yaml": MINIMAL + "          - chart: charts/c.yaml\n"})
    (issue / "charts").mkdir()
    (issue / "charts" / "c.yaml").symlink_to(secret)
    told = refused(issue)
    assert "is a link to a file outside the issue folder" in told
    assert CANARY not in told


def test_theme_linked_out_or_invalid(make_issue: MakeIssue, secret: Path) -> None:
    issue = make_issue()
    (issue / "layouts").mkdir()
    (issue / "layouts" / "theme.yaml").symlink_to(secret)
    told = refused(issue)
    assert "theme.yaml: a link to a file outside the layouts folder" in told and CANARY not in told
    (issue / "layouts" / "theme.yaml").unlink()
    (issue / "layouts" / "theme.yaml").write_text("font_size: big\npalette: [\n", encoding="utf-8")
    assert "theme.yaml:3:1: YAML syntax error" in refused(issue)
    (issue / "layouts" / "theme.yaml").write_text("font_size: big\n", encoding="utf-8")
    assert "theme.yaml:1:12: font_size: Input should be a valid number" in refused(issue)


def test_yaml_nested_deeper_than_any_issue(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": MINIMAL + "          - " + "[" * 700 + "]" * 700 + "\n"})
    assert "nested more than 40 levels deep; refused" in refused(issue)


def test_a_huge_issue_file_is_refused_before_it_is_read(make_issue: MakeIssue) -> None:
    issue = make_issue()
    with (issue / "issue.yaml").open("r+b") as handle:
        handle.truncate(1_500_000_000)  # sparse: costs no disk, and would cost 1.5 GB of memory to read
    start = time.perf_counter()
    told = refused(issue)
    assert "file is 1,500,000,000 bytes; the limit is 2,000,000" in told
    assert time.perf_counter() - start < 5


def test_one_aliased_article_included_many_times_hits_one_budget(make_issue: MakeIssue) -> None:
    aliases = "a: &a [" + ", ".join(["가나다라"] * 10) + "]\n"  # 11,111 values: under the cap alone
    aliases += "".join(
        f"{level}: &{level} [" + ", ".join([f"*{prev}"] * 10) + "]\n" for prev, level in zip("abc", "bcd", strict=True)
    )
    article = aliases + "title: 가\nbody: [*d]\n"
    includes = "".join(f"      - include: a{n}.yaml\n" for n in range(20))
    files = {f"a{n}.yaml": article for n in range(20)}
    issue = make_issue({"issue.yaml": HEAD + "    articles:\n" + includes, **files})
    start = time.perf_counter()
    for _ in range(2):  # the second time the articles read cleanly before are kept parsed: they still count
        told = refused(issue)
        assert "more than 20,000 values in the issue and its files (an alias bomb?); refused" in told
    assert time.perf_counter() - start < 10


def test_an_article_saved_again_is_read_again_at_the_same_size_and_time(make_issue: MakeIssue) -> None:
    """A watch session keeps article files parsed by their bytes, never by size or modification time."""
    issue = make_issue(
        {"issue.yaml": HEAD + "    articles:\n      - include: a.yaml\n", "a.yaml": "title: 가\nbody: [첫째]\n"}
    )
    article = issue / "a.yaml"
    assert check_issue(issue).issue.sections[0].articles[0].body == ["첫째"]
    stat = article.stat()
    article.write_text("title: 가\nbody: [둘째]\n", encoding="utf-8")
    os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert article.stat().st_size == stat.st_size
    assert check_issue(issue).issue.sections[0].articles[0].body == ["둘째"]


def use_bomb(levels: int = 12) -> str:
    """An SVG of a few hundred bytes that draws 10^levels rectangles."""
    defs = "".join(f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * 10 + "</g>" for i in range(1, levels + 1))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><rect id="l0" width="1" height="1"/>'
        f'{defs}</defs><use href="#l{levels}"/></svg>'
    )


def test_an_svg_photo_that_draws_without_end(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {"issue.yaml": MINIMAL + "          - photo: bomb.svg\n            alt: 폭탄\n", "bomb.svg": use_bomb()}
    )
    assert "bomb.svg draws over 100,000 elements once its <use> copies are expanded; simplify it" in refused(issue)


@pytest.mark.expect_warnings
def test_an_svg_bomb_from_a_stylesheet_is_not_drawn(make_issue: MakeIssue) -> None:
    issue = make_issue({"layouts/issue.css": "body { background: url(bomb.svg) }", "layouts/bomb.svg": use_bomb()})
    start = time.perf_counter()
    result = build(issue)
    assert any("bomb.svg draws over 100,000 elements" in message for message in result.warnings)
    assert time.perf_counter() - start < 30


@pytest.mark.parametrize("name", ["사진#1.png", "what?.png", "100%.png"])
def test_photo_names_with_url_characters_are_printed(make_issue: MakeIssue, name: str) -> None:
    from PIL import Image

    issue = make_issue({"issue.yaml": MINIMAL + f'          - photo: "{name}"\n            alt: 사진\n'})
    Image.new("RGB", (40, 30), "red").save(issue / name)
    result = build(issue)
    assert not result.warnings
    assert b"/Subtype /Image" in result.pdf.read_bytes()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # an alarm landing in a gc callback
def test_a_layout_past_its_deadline_stops_with_a_message(
    make_issue: MakeIssue, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(f"              - [{n}, 가나다라마바사 {n}, {n * 7}]\n" for n in range(3000))
    issue = make_issue({"issue.yaml": MINIMAL + "          - table:\n" + rows})
    check_issue(issue)
    monkeypatch.setattr(typeset, "LAYOUT_TIMEOUT_S", 0.5)
    start = time.perf_counter()
    told = refused(issue)
    assert "the layout took longer than 0.5 s and was stopped" in told
    assert time.perf_counter() - start < 20
    assert not (issue / "out").exists()
