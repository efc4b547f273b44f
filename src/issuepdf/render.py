"""Stage 5, render: the prepared document → one HTML file, through Jinja2 templates in layouts/.

Templates are looked up in the issue's own `layouts/` first, then the project's, so an issue can
replace any one template (or add `issue.css`) without copying the rest.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from . import __version__
from .editions import PLANS, EditionPlan
from .markup import LineBreaking, inline, plain
from .transform import Document

ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"]
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def layout_dirs(issue_dir: Path, project: Path) -> list[Path]:
    """The template fallback chain: the issue's overrides, then the project's layouts."""
    return [d for d in (issue_dir / "layouts", project / "layouts") if d.is_dir()]


def stylesheets(dirs: list[Path], edition_sheet: str | None = None) -> list[str]:
    """`bulletin.css` and the edition's sheet (first found along the chain), then every `issue.css`."""
    names = ["bulletin.css", *([edition_sheet] if edition_sheet else [])]
    sheets = [next(d / name for d in dirs if (d / name).is_file()) for name in names]
    sheets += [d / "issue.css" for d in reversed(dirs) if (d / "issue.css").is_file()]
    return [sheet.resolve().as_uri() for sheet in sheets]


def item_number(n: int, style: str) -> str:
    """The label of the n-th item of a numbered list."""
    if style == "roman" and n <= len(ROMAN):
        return f"{ROMAN[n - 1]}."
    if style == "circled" and n <= len(CIRCLED):
        return CIRCLED[n - 1]
    return f"{n})" if style == "paren" else f"{n}."


def environment(dirs: list[Path], breaking: LineBreaking) -> jinja2.Environment:
    """A Jinja environment with autoescaping and the text filters bound to the line-break mode."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = lambda text: inline(str(text), breaking)
    env.filters["t"] = lambda text: plain(str(text), breaking)
    env.filters["item_number"] = item_number
    env.filters["dotdate"] = lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}"
    return env


def render_html(document: Document, issue_dir: Path, project: Path, edition: EditionPlan = PLANS["screen"]) -> str:
    """The whole issue as one HTML document for WeasyPrint."""
    dirs = layout_dirs(issue_dir, project)
    env = environment(dirs, document.issue.line_breaking)
    template = env.get_template("base.html")
    return template.render(
        doc=document,
        issue=document.issue,
        sections=document.sections,
        stylesheets=stylesheets(dirs, edition.stylesheet),
        edition=edition.name,
        created=document.created.isoformat(),
        version=__version__,
    )
