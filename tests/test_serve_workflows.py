"""`issuepdf serve` through an editor's day, on an issue of its own (Markdown and YAML articles, a table, a
list, a placeholder photo, a chart from CSV, the issue's own stylesheet): articles added, removed,
reordered, renamed and deleted; a chart's data, the stylesheet and a photo replaced; an article grown
by pages and shrunk back; a save that changes nothing; two saves in quick succession; a layout where
articles do not start a page. After every step the pages served are the PDF's pages, the PDF is what a
build from scratch makes, and the contents, problems and PDF link are right."""

from __future__ import annotations

import io
import json
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from issuepdf.editor.serve_state import contents
from issuepdf.editor.watch import Outcome, rebuild
from issuepdf.pipeline.build import build
from issuepdf.pipeline.editions import Edition
from issuepdf.pipeline.incremental import Session
from issuepdf.pipeline.raster import PdfPages

from .support.projects import make_project
from .test_serve import serving
from .test_serve_state import Recording, same_image

WAIT_S = 60
ISSUE = """\
title: 주간 중국 창업
number: 301
date: 2022-03-02
publisher: KIC 중국
sections:
  - title: 창업 뉴스
    kind: news
    articles:
      - include: articles/alpha.md
      - include: articles/beta.yaml
  - title: 데이터
    kind: feature
    articles:
      - include: articles/gamma.md
      - include: articles/delta.yaml
"""
FILES = {
    "layouts/issue.css": ".note { color: #333; }\n",
    "articles/alpha.md": """\
---
title: 알파 기사는 마크다운으로 쓴다
tag: 창업기업
---
알파 첫 문단은 **굵게** 쓴 말이 있는 마크다운 문단이다. 선전의 창업 생태계를 소개한다.

# 현황

○ 인큐베이터 4,069개
○ 창업 공간 8,507개

| 도시 | 기업 수 |
|---|---|
| 베이징 | 120 |
| 선전 | 77 |

알파 마지막 문단이다.
""",
    "articles/beta.yaml": """\
title: 베타 기사는 YAML로 쓴다
tag: 산업기관
body:
  - 베타 첫 문단이다. 사진은 아직 도착하지 않았다.
  - photo: images/포럼 사진.png
    placeholder: "4:3"
    source: 베타 통신
    caption: 포럼 현장
    alt: 무대와 객석
    width: 50
  - 베타 둘째 문단이다.
""",
    "articles/gamma.md": """\
---
title: 감마 기사에는 차트가 있다
tag: 통계
---
감마 첫 문단이다. 아래 차트는 연도별 기업 수를 보여 준다.

```{chart} charts/founded.yaml
source: 감마 통계
alt: 기업 수가 해마다 늘었다
```
""",
    "charts/founded.yaml": "type: bar\ntitle: 연도별 기업 수\ncsv: founded.csv\nunit: 개\nheight_mm: 60\n",
    "charts/founded.csv": "연도,기업 수\n2019,10\n2020,20\n2021,30\n",
    "articles/delta.yaml": """\
title: 델타 기사
tag: 소식
body:
  - 델타 첫 문단이다.
  - list: [하나, 둘, 셋]
    marker: ⬧
""",
    "articles/epsilon.md": "---\ntitle: 엡실론 새 기사\ntag: 소식\n---\n엡실론 문단이다. 세션 도중에 더해진다.\n",
}
GROWTH = "".join(f"  - 추가 문단 {i}. 베타 기사가 길어져서 쪽이 늘고, 뒤 기사의 쪽 번호가 바뀐다.\n" for i in range(60))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue, built once (its chart rendered into the issue's cache, which every copy keeps)."""
    issue = make_project(tmp_path_factory.mktemp("workflows")) / "issues" / "301"
    for name, text in {"issue.yaml": ISSUE, **FILES}.items():
        (issue / name).parent.mkdir(parents=True, exist_ok=True)
        (issue / name).write_text(text, encoding="utf-8")
    build(issue)
    return issue


@pytest.fixture
def issue(built: Path, tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project")
    return Path(shutil.copytree(built, root / "issues" / "301", ignore=shutil.ignore_patterns("out")))


class Editing:
    """One serve session, driven as the server's build thread drives it."""

    def __init__(self, issue: Path, tmp_path: Path, edition: Edition = "screen") -> None:
        self.issue, self.tmp_path, self.edition = issue, tmp_path, edition
        self.live, self.session = Recording(), Session()
        self.session.listener = self.live
        self.pdf_link: str | None = None
        self.good = self.save()

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.issue / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def save(self) -> Outcome:
        """A build, checked: what is served is the PDF, page by page, and the PDF is a build from scratch's."""
        self.live.steps.clear()
        outcome = self.build()
        assert outcome.result is not None, outcome.problems
        result, live = outcome.result, self.live
        full = build(self.issue, output=self.tmp_path / "full.pdf", edition=self.edition)
        made, scratch = PdfPages(result.pdf.read_bytes()), PdfPages(full.pdf.read_bytes())
        assert result.pages == full.pages == len(live.shown)
        for index, version in enumerate(live.shown):
            view = live.view(version)
            image = view.image() if view else None
            assert image is not None and same_image(image, made.png(index)), f"page {index + 1} is not the PDF's"
            assert same_image(made.png(index), scratch.png(index)), f"page {index + 1} is not as built from scratch"
        assert live.contents == contents(full)
        assert PdfReader(result.pdf).metadata == PdfReader(full.pdf).metadata
        assert live.status == "ok" and live.problems == [] and live.state()["pdf"] != self.pdf_link
        self.pdf_link = live.state()["pdf"]
        self.good = outcome
        return outcome

    def build(self) -> Outcome:
        self.live.building()
        outcome = rebuild(self.issue, self.session, None, self.edition, False)
        self.live.finished(outcome)
        return outcome

    def broken(self) -> list[dict[str, Any]]:
        """A build that fails: its problems, over the last good pages and PDF."""
        shown, pdf = list(self.live.shown), self.live.state()["pdf"]
        assert self.build().result is None
        state = self.live.state()
        assert state["status"] == "failed" and self.live.shown == shown and state["pdf"] == pdf
        assert self.good.result is not None and self.live.pdf == self.good.result.pdf
        problems: list[dict[str, Any]] = state["problems"]
        return problems

    def changed_titles(self) -> list[str]:
        """The contents entries of the articles whose pages the first step showing changes changed."""
        changed = next((changed for _, changed in self.live.steps if changed), None)
        assert changed is not None, self.live.steps
        starts = [(entry["page"], entry["title"]) for entry in self.live.contents if entry["level"] == 2]
        return sorted({next(title for page, title in reversed(starts) if page <= index + 1) for index in changed})


def test_articles_added_removed_reordered_and_retitled(issue: Path, tmp_path: Path) -> None:
    editing = Editing(issue, tmp_path)
    editing.edit(
        "issue.yaml",
        "  - include: articles/beta.yaml\n",
        "  - include: articles/beta.yaml\n      - include: articles/epsilon.md\n",
    )
    editing.save()
    assert editing.session.typeset_parts == 3  # the new article and the two it moved, not those before it
    editing.edit("issue.yaml", "      - include: articles/alpha.md\n", "")
    editing.save()
    editing.edit("issue.yaml", "articles/gamma.md", "articles/x.md")
    editing.edit("issue.yaml", "articles/delta.yaml", "articles/gamma.md")
    editing.edit("issue.yaml", "articles/x.md", "articles/delta.yaml")
    editing.save()
    editing.edit("articles/delta.yaml", "title: 델타 기사", "title: 델타 기사의 새 제목")
    editing.save()
    assert editing.session.typeset_parts == 1  # a title is in the metadata of every part's HTML: only its article
    assert editing.changed_titles() == ["1. 【소식】 델타 기사의 새 제목"]


def test_a_renamed_or_deleted_article_file_is_named_where_it_is_included(issue: Path, tmp_path: Path) -> None:
    editing = Editing(issue, tmp_path)
    (issue / "articles" / "alpha.md").rename(issue / "articles" / "alpha-renamed.md")
    [problem] = editing.broken()
    assert problem["text"].endswith("include: included file not found: articles/alpha.md")
    assert problem["place"] == {"path": str((issue / "issue.yaml").resolve()), "line": 9, "col": 18}
    editing.edit("issue.yaml", "articles/alpha.md", "articles/alpha-renamed.md")
    editing.save()
    alpha = editing.live.view(editing.live.shown[2])  # its pages drew the same: their map names the new file
    assert alpha is not None and {place.path.name for _, place in alpha.areas} == {"alpha-renamed.md"}
    (issue / "articles" / "delta.yaml").unlink()
    [problem] = editing.broken()
    assert problem["place"]["line"] == 15 and "articles/delta.yaml" in problem["text"]
    editing.edit("issue.yaml", "      - include: articles/delta.yaml\n", "")
    editing.save()


def photo(colour: str, size: tuple[int, int] = (400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_a_photo_arrives_and_is_replaced_under_the_same_name(issue: Path, tmp_path: Path) -> None:
    """The layout kept the photo it first read, by its URL: a replaced file showed the old photo (and the PDF
    drew the new file in the old one's size)."""
    editing = Editing(issue, tmp_path)
    forum = issue / "images" / "포럼 사진.png"
    forum.parent.mkdir()
    for colour, size in (("red", (400, 300)), ("blue", (400, 300)), ("green", (300, 400))):
        forum.write_bytes(photo(colour, size))
        editing.save()
        assert editing.session.typeset_parts == 1 and editing.live.versions.views  # the article, not all of them
        assert editing.changed_titles() == ["2. 【산업기관】 베타 기사는 YAML로 쓴다"]


def test_chart_data_stylesheet_growth_and_a_save_that_changes_nothing(issue: Path, tmp_path: Path) -> None:
    editing = Editing(issue, tmp_path)
    editing.edit("charts/founded.csv", "2021,30\n", "2021,30\n2022,45\n")
    editing.save()
    assert editing.changed_titles() == ["1. 【통계】 감마 기사에는 차트가 있다"]
    editing.edit("layouts/issue.css", ".note", "p { color: #a00; }\n.note")
    editing.save()
    assert editing.live.changed == []  # every page restyled: none singled out, the page does not jump to the cover
    pages = len(editing.live.shown)
    beta = issue / "articles" / "beta.yaml"
    short = beta.read_text(encoding="utf-8")
    beta.write_text(short + GROWTH, encoding="utf-8")
    assert editing.save().result is not None and len(editing.live.shown) > pages
    beta.write_text(short, encoding="utf-8")
    editing.save()
    assert len(editing.live.shown) == pages
    shown = list(editing.live.shown)
    beta.write_text(short, encoding="utf-8")
    editing.save()
    assert editing.live.shown == shown and editing.session.typeset_parts == 0
    assert not any(changed for _, changed in editing.live.steps)


def test_articles_not_starting_a_page_build_in_full_and_show_only_what_changed(issue: Path, tmp_path: Path) -> None:
    """A layout without the page breaks between articles is built in full on every save; the pages that draw
    the same keep their images (all of them were shown as changed, and the page scrolled to the cover)."""
    css = issue / "layouts" / "issue.css"
    css.write_text(".article + .article { break-before: auto; }\n", encoding="utf-8")
    editing = Editing(issue, tmp_path)
    assert not editing.session.splittable
    editing.edit("articles/delta.yaml", "델타 첫 문단이다.", "델타 첫 문단을 고쳤다.")
    editing.save()
    assert editing.changed_titles() == ["2. 【소식】 델타 기사"]
    editing.edit("articles/beta.yaml", "  - 베타 둘째", GROWTH + "  - 베타 둘째")
    editing.save()


def served_text(url: str, state: dict[str, Any]) -> str:
    """The text of the PDF the state links to."""
    pdf = urllib.request.urlopen(url + state["pdf"].lstrip("/")).read()
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_print_edition_draws_its_crop_marks_once(issue: Path, tmp_path: Path) -> None:
    """WeasyPrint adds a page's crop marks to it each time it draws it: a page kept from the last build (or
    shown as a preview first) printed them twice, darker than a build from scratch."""
    editing = Editing(issue, tmp_path, "print")
    editing.edit("articles/delta.yaml", "델타 첫 문단이다.", "델타 첫 문단을 고쳤다.")
    editing.save()
    assert editing.session.typeset_parts == 1
    editing.edit("articles/delta.yaml", "델타 첫 문단을 고쳤다.", "델타 첫 문단을 또 고쳤다.")
    editing.save()


def test_a_save_while_the_last_one_builds_is_built_too(issue: Path) -> None:
    def state(url: str) -> dict[str, Any]:
        result: dict[str, Any] = json.load(urllib.request.urlopen(url + "state"))
        return result

    def settled(url: str, after: int) -> dict[str, Any]:
        end = time.monotonic() + WAIT_S
        while time.monotonic() < end:
            now = state(url)
            if now["generation"] > after and now["status"] == "ok":
                return now
            time.sleep(0.02)
        raise AssertionError("serve did not settle")

    beta = issue / "articles" / "beta.yaml"
    short = beta.read_text(encoding="utf-8")
    with serving(issue) as url:
        first = settled(url, -1)
        beta.write_text(short + GROWTH, encoding="utf-8")
        end = time.monotonic() + WAIT_S
        while state(url)["status"] != "building":  # the first save's build has begun: save again
            assert time.monotonic() < end, "the save was not built"
            time.sleep(0.01)
        beta.write_text(short.replace("베타 둘째 문단이다.", "베타 둘째 문단, 두 번째 저장."), encoding="utf-8")
        while "두 번째 저장" not in served_text(url, now := settled(url, first["generation"])):
            assert time.monotonic() < end, now
            time.sleep(0.05)
        assert now["pages"] and len(now["pages"]) == len(first["pages"])
        full = build(issue, output=issue.parent / "full.pdf")
        pdf = PdfPages(urllib.request.urlopen(url + now["pdf"].lstrip("/")).read())
        scratch = PdfPages(full.pdf.read_bytes())
        for index, page in enumerate(now["pages"]):
            image = urllib.request.urlopen(f"{url}page/{page['v']}.png").read()
            assert same_image(image, pdf.png(index)) and same_image(image, scratch.png(index))
        assert now["contents"] == contents(full)


def test_a_tag_edited_or_a_paragraph_deleted_before_pages_kept_from_the_first_build(
    issue: Path, tmp_path: Path
) -> None:
    """The first build's pages share one HTML tree: an article laid out again left its old marks in it, and the
    build failed with "text not printed" (the old tag) or "not printed at all" (the deleted paragraph)."""
    editing = Editing(issue, tmp_path)
    editing.edit("articles/alpha.md", "tag: 창업기업", "tag: 투자")
    editing.save()
    editing.edit("articles/alpha.md", "알파 마지막 문단이다.\n", "")
    editing.save()
    assert editing.session.typeset_parts == 1


def test_a_click_names_the_line_it_is_on_now_after_lines_were_added_above(issue: Path, tmp_path: Path) -> None:
    """Pages that draw the same kept their map: after a comment line above them (or an edit above them in a
    long article), a click named the line the paragraph was on before."""
    editing = Editing(issue, tmp_path)

    def places() -> set[tuple[str, int]]:
        view = editing.live.view(editing.live.shown[-1])
        assert view is not None
        return {(place.path.name, place.line) for _, place in view.areas}

    before, image = places(), editing.live.view(editing.live.shown[-1])
    delta = issue / "articles" / "delta.yaml"
    delta.write_text("# 편집자 메모\n\n" + delta.read_text(encoding="utf-8"), encoding="utf-8")
    editing.save()
    assert editing.session.typeset_parts == 0  # nothing laid out again: the page draws the same
    assert places() == {(name, line + 2) for name, line in before}
    assert editing.live.changed == []  # a new map alone: nothing to point the editor to
    moved = editing.live.view(editing.live.shown[-1])
    assert image is not None and moved is not None and moved.image() == image.image()  # the same image, kept


@pytest.mark.expect_warnings
def test_a_warning_is_shown_with_its_place_and_link(issue: Path, tmp_path: Path) -> None:
    """A warning came with its logger's name first (`issuepdf: articles/…:5:12: …`): shown without a place."""
    editing = Editing(issue, tmp_path)
    editing.edit("articles/beta.yaml", "    alt: 무대와 객석\n", "")
    outcome = editing.build()
    assert outcome.result is not None and editing.live.status == "ok"
    [warning] = editing.live.state()["problems"]
    assert warning["place"] == {"path": str((issue / "articles" / "beta.yaml").resolve()), "line": 5, "col": 12}
    assert warning["text"].startswith(f"{(issue / 'articles' / 'beta.yaml').resolve()}:5:12: ")
    assert "no alt text" in warning["text"]
