"""`issuepdf build ISSUE_DIR --edition web`: the issue as a folder of static web pages.

The same checked and transformed document as the PDF (numbers, labels, captions and sources decided
once in transform.py), rendered through the templates of `layouts/web/` (then `layouts/` for the blocks
the web does not redo), in Jinja's sandbox like the PDF's, each overridable by the issue's own
`layouts/web/`. The folder holds the issue page (`index.html`), one page per article
(`links.page_name`), their stylesheet, subset fonts, photos and feed, and `edition.json` (meta.py).
Nothing is laid out: no WeasyPrint, so the web edition costs less than a warm PDF build.

The pages need no script and fetch nothing outside their folder: a Content-Security-Policy in every
page stops anything an issue's template or stylesheet might add from reaching the network. The folder
is written whole, in a staging folder beside it, then swapped in, so a failed build leaves the earlier one.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .. import __version__
from ..content.errors import IssuepdfError, StrictFailure, TemplateFailure
from ..content.fonts import use_project_fonts
from ..content.model import Chart, Heading, Photo
from ..content.paths import confined
from ..content.project import Project
from ..pipeline.build import Run, Timer, check_project
from ..pipeline.contents import lead
from ..pipeline.logs import WarningCounter, counting_warnings, quiet_chatty_libraries
from ..pipeline.output import build_lock, staged_folder
from ..pipeline.render import _template_message, environment
from ..pipeline.transform import ArticleView, Document
from .fonts import TEXT_FAMILIES, font_css, font_files, user_cache
from .links import ISSUE_PAGE, page_name
from .media import Media, chart_table, inline_chart, picture, placeholder
from .meta import (
    FEED_NAME,
    RECORD_NAME,
    SITEMAP_NAME,
    ArticleRecord,
    EditionRecord,
    article_data,
    articles_feed,
    edition_urls,
    issue_data,
    json_ld,
    sitemap,
)

NEIGHBOURS = re.compile(r"(<!-- issuepdf:neighbours -->).*?(<!-- /issuepdf:neighbours -->)", re.DOTALL)
"""Where the archive puts the links to the previous and next issue (it knows them; a build does not)."""
NEIGHBOURS_TEMPLATE = "neighbours.html"
STYLESHEET = "web.css"
_FONT_FAMILY = re.compile(r"font-family:\s*'?\"?([^;'\"]+)")
_LOCAL_HREF = re.compile(r'href="#([^"]+)"')
_ANCHOR = re.compile(r'\bid="([^"]+)"')


@dataclass(frozen=True)
class PdfLink:
    """The PDF edition beside the web edition (in the archive): its address from the pages, and article pages."""

    href: str
    pages: dict[str, int]


@dataclass
class SiteResult:
    """What a web build wrote."""

    folder: Path
    pages: int
    files: dict[str, bytes]
    record: EditionRecord
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())


def default_folder(issue_dir: Path) -> Path:
    return confined(confined(issue_dir / "out", issue_dir) / "web", issue_dir)


def build_site(issue_dir: Path, output: Path | None = None, strict: bool = False) -> SiteResult:
    """Check the issue and write its web edition to `output` (default `out/web/`); on any problem raise,
    leaving an earlier web edition as it was."""
    project = Project.of(issue_dir)
    use_project_fonts(project.fonts)  # the chart worker renders with the project's fonts only
    quiet_chatty_libraries()
    timer = Timer()
    with build_lock(project.issue_dir), counting_warnings() as warnings:
        with timer.step("check"):
            checked = check_project(project, "web")
        run = Run(checked, timer)
        return build_site_checked(run, output or default_folder(project.issue_dir), strict=strict, warnings=warnings)


def build_site_checked(
    run: Run,
    target: Path,
    pdf: PdfLink | None = None,
    cover: bytes | None = None,
    *,
    strict: bool = False,
    warnings: WarningCounter | None = None,
) -> SiteResult:
    """Write the web edition of an issue already checked, reusing the run's prepared document (charts)."""
    project, timer = run.project, run.timer
    document = run.prepared()
    settings = project.settings
    with timer.step("media"):
        media = collect_media(document, project)
    pages = {view.id: page_name(view.id) for view in document.articles}
    record = edition_record(document, pages, settings.site_url, settings.issn, cover is not None)
    with timer.step("html"):
        files = render_pages(document, project, record, media, pages, pdf)
    with timer.step("fonts"):
        shown = "".join(files.values()) + _later_text(project)
        charts = "".join(media.charts.values())
        families = {*TEXT_FAMILIES, *(name.strip() for name in _FONT_FAMILY.findall(charts))}
        fonts = font_files(project.fonts, shown, families, user_cache())
    site: dict[str, bytes] = {name: html.encode() for name, html in files.items()}
    site |= media.files | fonts
    site["fonts.css"] = font_css(fonts).encode()
    site[STYLESHEET] = stylesheet(project).encode()
    site[RECORD_NAME] = record.to_bytes()
    site[FEED_NAME] = articles_feed([record], settings.site_url, record.heading, f"{record.number}/{FEED_NAME}")
    if record.site_url:
        site[SITEMAP_NAME] = sitemap(edition_urls(record))
    if cover is not None:
        site[record.cover or "cover.png"] = cover
    messages = warnings.messages if warnings is not None else []
    if strict and messages:
        raise StrictFailure(messages)
    with timer.step("write"):
        write_folder(target, site)
    return SiteResult(target, len(files), site, record, messages, dict(timer.timings))


def _later_text(project: Project) -> str:
    """What the archive may add to the pages later (its links to the neighbouring issues): the subset fonts
    must have its characters too."""
    found = next((d / NEIGHBOURS_TEMPLATE for d in web_dirs(project) if (d / NEIGHBOURS_TEMPLATE).is_file()), None)
    return found.read_text(encoding="utf-8") if found else ""


def web_dirs(project: Project) -> tuple[Path, ...]:
    """The template chain: the issue's `layouts/web/`, the project's, then the PDF's layouts (blocks)."""
    return tuple(d / "web" for d in project.layout_dirs if (d / "web").is_dir()) + project.layout_dirs


def collect_media(document: Document, project: Project) -> Media:
    """Every photo's versions and every chart's inline SVG and data table, by the block's source key."""
    media = Media()
    for n, (view, block) in enumerate((b, b.block) for a in document.articles for b in a.blocks):
        if isinstance(block, Photo) and (project.issue_dir / view.image).is_relative_to(project.cache):
            media.pictures[view.src] = placeholder(project.issue_dir / view.image, block.alt or view.label, f"p{n}")
        elif isinstance(block, Photo):
            media.pictures[view.src] = picture(project.issue_dir / view.image, project.cache / "web", media.files)
        elif isinstance(block, Chart) and view.spec is not None:
            svg = (project.issue_dir / view.image).read_text(encoding="utf-8")
            label = block.alt or view.spec.title or block.caption or view.label
            media.charts[view.src] = inline_chart(svg, label, f"c{n}")
            if view.spec.series and view.spec.categories:
                media.tables[view.src] = chart_table(view.spec)
    return media


def edition_record(
    document: Document, pages: dict[str, str], site_url: str | None, issn: str | None, cover: bool
) -> EditionRecord:
    issue = document.issue
    articles = [
        ArticleRecord(view.id, pages[view.id], view.label, section.section.title, lead(view.article))
        for section in document.sections
        for view in section.articles
    ]
    description = " · ".join(view.article.title for view in document.articles)
    return EditionRecord(
        issue.number,
        issue.date.isoformat(),
        issue.title,
        issue.publisher,
        description,
        site_url,
        issn,
        "cover.png" if cover else None,
        articles,
    )


def render_pages(
    document: Document,
    project: Project,
    record: EditionRecord,
    media: Media,
    pages: dict[str, str],
    pdf: PdfLink | None,
) -> dict[str, str]:
    """The issue page and every article page, file name → HTML, with links to other pages' anchors resolved."""
    env = environment(web_dirs(project), "syllable")  # browsers break Korean by CSS (keep-all), not by joiners
    issue = document.issue
    common: dict[str, Any] = {
        "doc": document,
        "issue": issue,
        "sections": document.sections,
        "record": record,
        "media": media,
        "pages": pages,
        "pdf": pdf,
        "version": __version__,
        "og_image": record.url(record.cover) if record.cover else None,
    }
    leads = {a.id: a.lead for a in record.articles}
    common["ranks"] = {view.id: heading_ranks(view) for view in document.articles}
    out = {
        ISSUE_PAGE: _render(
            env,
            "issue.html",
            common,
            page_title=record.heading,
            description=record.description,
            canonical=record.url(),
            og_type="website",
            json_ld=json_ld(issue_data(record)),
            leads=leads,
        )
    }
    views = document.articles
    by_id = {a.id: a for a in record.articles}
    for i, view in enumerate(views):
        section = next(s for s in document.sections if view in s.articles)
        entry = by_id[view.id]
        out[pages[view.id]] = _render(
            env,
            "article.html",
            common,
            page_title=f"{view.label} — {record.heading}",
            description=entry.lead or view.article.title,
            canonical=record.url(pages[view.id]),
            og_type="article",
            json_ld=json_ld(article_data(record, entry)),
            a=view,
            section=section,
            previous=_at(views, i - 1),
            next=_at(views, i + 1),
        )
    return resolve_anchors(out)


def heading_ranks(view: ArticleView) -> dict[int, int]:
    """The HTML heading (2, 3, 4) of each heading level an article uses: an article whose first headings are
    of level 3 gets `h2`s, so that no page skips a heading level under its `h1`."""
    used = sorted({b.block.level for b in view.blocks if isinstance(b.block, Heading)})
    return {level: rank for rank, level in enumerate(used, start=2)}


def _at(views: list[ArticleView], i: int) -> ArticleView | None:
    return views[i] if 0 <= i < len(views) else None


def _render(env: jinja2.Environment, name: str, common: dict[str, Any], **values: Any) -> str:
    try:
        return env.get_template(name).render(**common, **values)
    except jinja2.TemplateError as err:
        raise TemplateFailure(_template_message(err)) from None


def resolve_anchors(pages: dict[str, str]) -> dict[str, str]:
    """Point `href="#id"` at the page that has the id: the PDF is one document, the web edition many pages.

    A link to an id no page has is left as written (`check` reports those with their position)."""
    owner: dict[str, str] = {}
    for name, html in pages.items():
        for anchor in _ANCHOR.findall(html):
            owner.setdefault(anchor, name)
    resolved = {}
    for name, html in pages.items():
        here = set(_ANCHOR.findall(html))

        def target(match: re.Match[str], here: set[str] = here) -> str:
            anchor = match.group(1)
            if anchor in here or anchor not in owner:
                return match.group()
            return f'href="{owner[anchor]}#{anchor}"'

        resolved[name] = _LOCAL_HREF.sub(target, html)
    return resolved


def stylesheet(project: Project) -> str:
    """`web.css` (the first along the chain), then every `web/issue.css`, project's first, as one sheet."""
    dirs = [d / "web" for d in project.layout_dirs if (d / "web").is_dir()]
    found = [next((d / STYLESHEET for d in dirs if (d / STYLESHEET).is_file()), None)]
    found += [d / "issue.css" for d in reversed(dirs) if (d / "issue.css").is_file()]
    texts = []
    for path in (p for p in found if p is not None):
        if not any(path.resolve().is_relative_to(d.resolve()) for d in dirs):
            raise TemplateFailure(f"{path}: a link to a file outside the layouts folder; refused")
        texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


def write_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write the folder whole beside `target`, then swap it in: readers never see half an edition."""
    with staged_folder(target, files, f"cannot write the web edition to {target}") as staging:
        swap_in(staging, target)


def swap_in(folder: Path, target: Path) -> None:
    """Rename a whole folder over `target` (on the same disk), removing the earlier one only once it is replaced."""
    old = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
            target.rename(old / target.name)
        folder.rename(target)
    except OSError as err:
        raise IssuepdfError(f"cannot write the web edition to {target}: {err.strerror or err}") from err
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def with_neighbours(html: str, nav: Markup) -> str:
    """A page with the archive's links to the previous and next issue between its markers (again and again)."""
    return NEIGHBOURS.sub(lambda found: found.group(1) + str(nav) + found.group(2), html, count=1)
