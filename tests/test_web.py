"""The web edition: the folder `build --edition web` writes, read as HTML (the browser tests are in
test_web_browser.py): semantic blocks, the PDF's numbers and words, links that resolve, overrides, refusals."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont
from PIL import Image

from issuepdf.cli import main
from issuepdf.content.errors import IssuepdfError, TemplateFailure
from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.pipeline.build import check_issue
from issuepdf.pipeline.contents import article_text
from issuepdf.web.links import article_url, page_name
from issuepdf.web.site import SiteResult, build_site

from .support.issues import FIXTURES, HEAD, MakeIssue
from .support.sites import HTML, SVG, broken_links, find_all, ids, parse, text

GENERATED = re.compile(r"\d+|[ivxl]+|[^\w\s]|[①-⑳]|사진|표|출처|편집자|주")
"""Words the pages print that no one wrote: labels (`사진 1)`, `표 2)`, `출처:`), markers, list numbers (`iv.`)."""


@pytest.fixture(scope="module")
def blocks_site(tmp_path_factory: pytest.TempPathFactory, blocks_issue: Path) -> SiteResult:
    return build_site(blocks_issue, tmp_path_factory.mktemp("web") / "site", strict=True)


@pytest.fixture(scope="module")
def site_260(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SiteResult]:
    issue = tmp_path_factory.mktemp("i260") / "260"
    shutil.copytree(SOURCE_ROOT / "issues" / "260", issue, ignore=shutil.ignore_patterns("out"))
    return issue, build_site(issue, strict=True)


def test_an_issue_page_and_a_page_per_article(blocks_site: SiteResult) -> None:
    folder = blocks_site.folder
    names = {path.name for path in folder.iterdir()}
    assert {"index.html", "web.css", "fonts.css", "edition.json", "feed.xml"} <= names
    assert [a.page for a in blocks_site.record.articles] == ["aiot.html", "s1-a2.html", "s2-a1.html", "s2-a2.html"]
    assert all((folder / a.page).is_file() for a in blocks_site.record.articles)
    index = parse(folder / "index.html")
    listed = [a.get("href") for a in index.iter(f"{HTML}a") if a.get("href", "").endswith(".html")]
    assert [a.page for a in blocks_site.record.articles] == [h for h in listed if h != "index.html"]
    assert [h.text for h in find_all(index, "h1")] == ["주간 중국 창업 "]  # masthead, then the issue line in a span


def test_pages_need_no_script_and_fetch_nothing_outside(blocks_site: SiteResult) -> None:
    for path in blocks_site.folder.glob("*.html"):
        root = parse(path)
        assert [s.get("type") for s in find_all(root, "script")] == ["application/ld+json"]
        policy = next(m.get("content", "") for m in find_all(root, "meta") if m.get("http-equiv"))
        assert "default-src 'self'" in policy and "script-src 'none'" in policy
        for element in root.iter():
            for attribute in ("src", "srcset"):
                assert "//" not in element.get(attribute, ""), (path.name, element.get(attribute))


def test_semantic_html_with_the_pdf_numbers_and_captions(blocks_site: SiteResult) -> None:
    page = parse(blocks_site.folder / "s1-a2.html")
    (article,) = find_all(page, "article")
    (title,) = find_all(article, "h1")
    assert text(title).split() == blocks_site.record.articles[1].label.split()  # `2. title`, as the PDF numbers it
    tables = [f for f in find_all(article, "figure") if "table" in f.get("class", "")]
    assert tables and all(find_all(f, "figcaption") for f in tables)
    assert "표 1)" in text(find_all(tables[0], "figcaption")[0])
    headers = find_all(tables[0], "th")
    assert headers and all(th.get("scope") in ("col", "colgroup", "row", "rowgroup") for th in headers)
    charts = [f for f in find_all(article, "figure") if f.get("class") == "chart"]
    assert len(charts) == 2
    for chart in charts:
        (svg,) = chart.iter(f"{SVG}svg")
        assert svg.get("role") == "img" and svg.get("aria-label")
        (details,) = find_all(chart, "details")
        assert find_all(details, "summary") and find_all(details, "table")
        assert re.match(r"표 \d+\)", text(find_all(chart, "figcaption")[0]).strip())
    svg_ids = [e.get("id") for c in charts for e in c.iter() if e.get("id") and e.tag.startswith(SVG)]
    assert len(svg_ids) == len(set(svg_ids)), "two charts on one page share an id"


def test_headings_never_skip_a_level(site_260: tuple[Path, SiteResult]) -> None:
    """Gazelle's article has only `▶` (level 3) headings at its start: they are its h2s, under its h1."""
    _, site = site_260
    for article in site.record.articles:
        tags = [e.tag for e in parse(site.folder / article.page).iter() if isinstance(e.tag, str)]
        levels = [int(tag[-1]) for tag in tags if re.fullmatch(r".*\}h[1-6]", tag)]
        main = levels[levels.index(1) :]
        assert all(b <= a + 1 for a, b in itertools.pairwise(main)), (article.page, main)


def test_photos_are_downsampled_with_srcset(blocks_site: SiteResult) -> None:
    (img,) = find_all(parse(blocks_site.folder / "aiot.html"), "img")
    assert img.get("alt") == "무대 위 스크린과 객석"
    versions = [entry.split() for entry in img.get("srcset", "").split(", ")]
    assert len(versions) >= 2
    for name, width in versions:
        with Image.open(blocks_site.folder / name) as image:
            assert f"{image.width}w" == width and image.format == "JPEG"
    assert img.get("width") and img.get("height") and img.get("loading") == "lazy"


def test_fonts_are_woff2_subsets_and_korean_breaks_between_words(blocks_site: SiteResult) -> None:
    folder = blocks_site.folder
    fonts = sorted(folder.glob("*.woff2"))
    assert {f.name for f in fonts} >= {"sans.woff2", "sans-bold.woff2"}
    assert all(f.read_bytes()[:4] == b"wOF2" and f.stat().st_size < 1_000_000 for f in fonts)
    css = (folder / "fonts.css").read_text(encoding="utf-8")
    assert all(f'url("{f.name}")' in css for f in fonts)
    sheet = (folder / "web.css").read_text(encoding="utf-8")
    assert "word-break: keep-all" in sheet and "@media print" in sheet


def test_pages_carry_no_invisible_breaking_characters(site_260: tuple[Path, SiteResult]) -> None:
    """The browser breaks Korean by CSS: the PDF's joiners and break marks would only spoil copy and search."""
    _, site = site_260
    for page in site.folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not set(text) & {"\u2060", "\u200b", "\u00ad"}, page.name


def test_every_character_shown_is_in_the_pages_fonts(
    blocks_site: SiteResult, site_260: tuple[Path, SiteResult]
) -> None:
    """Korean reads on a machine with no Korean font: each character of the pages (charts' too) is in a subset."""
    for folder in (blocks_site.folder, site_260[1].folder):
        covered = {code for font in folder.glob("*.woff2") for code in TTFont(font).getBestCmap()}
        shown = {char for page in folder.glob("*.html") for char in text(parse(page)) if _shown(char)}
        assert sorted(char for char in shown if ord(char) not in covered) == []


def test_every_link_and_anchor_resolves(blocks_site: SiteResult, site_260: tuple[Path, SiteResult]) -> None:
    assert broken_links(blocks_site.folder) == []
    assert broken_links(site_260[1].folder) == []
    aiot = parse(blocks_site.folder / "aiot.html")
    assert "aiot-photo" in ids(aiot)  # the text's [사진 1](#aiot-photo) link stays on its page


def test_issue_260_pages_have_the_pdf_words(site_260: tuple[Path, SiteResult]) -> None:
    """Each article's page shows every word the PDF prints for it (contents.article_text, the fidelity
    check's texts), and no word beyond them but labels, markers and numbers."""
    issue_dir, site = site_260
    articles = [a for s in check_issue(issue_dir).issue.sections for a in s.articles]
    assert len(articles) == len(site.record.articles) == 10
    for article, record in zip(articles, site.record.articles, strict=True):
        (element,) = find_all(parse(site.folder / record.page), "article")
        shown = Counter(_tokens(text(element, skip=(f"{SVG}svg", f"{HTML}details"))))
        written = Counter(_tokens(article.title + "\n" + article_text(article)))
        assert written - shown == Counter(), f"{record.page}: words not on the page"
        invented = [t for t in shown - written if not GENERATED.fullmatch(t) and t not in written]
        assert invented == [], f"{record.page}: words no one wrote"  # repeats are fine: a side-by-side table's header


def _tokens(value: str) -> list[str]:
    return re.findall(r"[①-⑳]|[^\W①-⑳]+|[^\w\s]", value)  # a heading's ① is a word of its own


def test_article_url_is_the_page_in_the_issue_folder() -> None:
    assert article_url("https://example.org/bulletin/", 260, "s1-a2") == "https://example.org/bulletin/260/s1-a2.html"
    assert page_name("가젤") == "가젤.html"
    for unfit in ("../../evil", "index", "a/b", ".hidden", "x" * 300):
        assert re.fullmatch(r"a-[0-9a-f]{12}\.html", page_name(unfit))


def test_an_issue_overrides_a_web_template_and_adds_css(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "layouts/web/blocks/text.html": "<p class='mine'{{ b.attributes }}>{{ b.block|md }}</p>\n",
            "layouts/web/issue.css": "/* the issue's own */ .mine { color: green; }\n",
        }
    )
    site = build_site(issue)
    page = parse(site.folder / site.record.articles[0].page)
    assert [p.get("class") for p in find_all(page, "p") if p.get("class") == "mine"] == ["mine", "mine"]
    assert (site.folder / "web.css").read_text(encoding="utf-8").endswith(".mine { color: green; }\n")


def test_a_template_reaching_for_python_is_refused(make_issue: MakeIssue) -> None:
    issue = make_issue({"layouts/web/issue.html": "{{ ''.__class__.__mro__[1].__subclasses__() }}"})
    with pytest.raises(TemplateFailure, match=r"web/issue.html:1:1: not allowed in a layout template"):
        build_site(issue)
    assert not (issue / "out" / "web").exists()


def test_a_stylesheet_linked_out_of_the_issue_is_refused(make_issue: MakeIssue, tmp_path: Path) -> None:
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }", encoding="utf-8")
    issue = make_issue()
    (issue / "layouts" / "web").mkdir(parents=True)
    (issue / "layouts" / "web" / "issue.css").symlink_to(outside)
    with pytest.raises(TemplateFailure, match="outside the layouts folder"):
        build_site(issue)


def test_an_article_id_cannot_write_outside_the_folder(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {"issue.yaml": HEAD + "    articles:\n      - title: 제목\n        id: ../../escape\n        body: [본문]\n"}
    )
    site = build_site(issue)
    assert sorted(p.name for p in site.folder.glob("*.html")) == sorted(["index.html", page_name("../../escape")])
    assert not list(issue.parent.rglob("escape*"))


def test_a_failed_build_keeps_the_earlier_edition(make_issue: MakeIssue) -> None:
    issue = make_issue()
    first = build_site(issue)
    before = (first.folder / "index.html").read_bytes()
    (issue / "layouts" / "web").mkdir(parents=True)
    (issue / "layouts" / "web" / "article.html").write_text("{% broken", encoding="utf-8")
    with pytest.raises(TemplateFailure):
        build_site(issue)
    assert (first.folder / "index.html").read_bytes() == before
    assert [p.name for p in first.folder.parent.iterdir()] == ["web"]


def test_a_disk_failing_mid_write_keeps_the_earlier_edition_and_leaves_no_half_folder(
    make_issue: MakeIssue, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue = make_issue()
    first = build_site(issue)
    before = (first.folder / "index.html").read_bytes()
    written = Path.write_bytes

    def full_disk(path: Path, data: bytes) -> int:
        if path.name.endswith(".woff2"):
            raise OSError(28, "No space left on device")
        return written(path, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(IssuepdfError, match=r"cannot write the web edition to .*: No space left on device"):
        build_site(issue)
    assert (first.folder / "index.html").read_bytes() == before
    assert [p.name for p in first.folder.parent.iterdir()] == ["web"]


def test_markup_in_titles_and_text_is_shown_never_run(make_issue: MakeIssue) -> None:
    title = "</script><script>alert(1)</script> 제목"
    body = "<img src=x onerror=alert(1)>"
    issue = make_issue({"issue.yaml": HEAD + f"    articles:\n      - title: '{title}'\n        body: ['{body}']\n"})
    site = build_site(issue)
    article = site.folder / site.record.articles[0].page
    for page in (site.folder / "index.html", article):
        root = parse(page)
        assert [s.get("type") for s in find_all(root, "script")] == ["application/ld+json"]
        assert not find_all(root, "img")
        assert title in json.dumps(json.loads(find_all(root, "script")[0].text or ""), ensure_ascii=False)
    assert body in text(find_all(parse(article), "article")[0])


def test_the_same_sources_give_the_same_bytes_in_another_folder(blocks_site: SiteResult, tmp_path: Path) -> None:
    """Reproducible like the PDF: another copy of the issue, with no cache, gives the same files, fonts included."""
    copy = tmp_path / "elsewhere" / "blocks"
    shutil.copytree(FIXTURES / "blocks", copy, ignore=shutil.ignore_patterns(".cache", "out"))
    again = build_site(copy, strict=True)
    assert sorted(again.files) == sorted(blocks_site.files)
    assert [name for name in again.files if again.files[name] != blocks_site.files[name]] == []


def test_the_command_line(make_issue: MakeIssue) -> None:
    issue = make_issue()
    result = CliRunner().invoke(main, ["build", str(issue), "--edition", "web"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"wrote .*/out/web/ \(2 pages, \d+ files, [\d.]+ MB, [\d.]+ s, 0 warning\(s\)\)\n", result.output
    )
    refused = CliRunner().invoke(main, ["build", str(issue), "--edition", "web", "--tagged"])
    assert refused.exit_code == 2 and "options of the PDF editions" in refused.output
    assert CliRunner().invoke(main, ["watch", str(issue), "--edition", "web"]).exit_code == 2  # PDF editions only


def _shown(char: str) -> bool:
    """A character with a glyph: not a space, nor a format character (a word joiner steers breaking only)."""
    return not char.isspace() and unicodedata.category(char) != "Cf"
