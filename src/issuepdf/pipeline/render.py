"""Stage 5, render: the prepared document → one HTML file, through Jinja2 templates in layouts/.

Templates are looked up in the issue's own `layouts/` first, then the project's, so an issue can
replace any one template (or add `issue.css`) without copying the rest.

An issue folder may come from anywhere (a contributor, an extracted archive PDF), so its templates
are untrusted: every template renders in Jinja's immutable sandbox (no attribute walks to Python
internals, no mutation of the data, no method but those of plain values and issuepdf's own), and a
template file must lie inside its layouts folder after its links are resolved. The sandbox keeps a
template from Python's internals, not from exhausting the machine, so a template also runs under
bounds (`BoundedTemplate`): a deadline, a cap on the memory it may take, and no integer arithmetic so
large that one uninterruptible step could take minutes.
"""

from __future__ import annotations

import datetime as dt
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from platformdirs import user_cache_dir

from .. import __version__
from ..content.errors import LayoutTimeout, TemplateFailure
from ..content.linebreak import keep_phrases
from ..content.markup import LineBreaking, inline, plain
from ..content.numbering import CIRCLED, ROMAN
from ..content.problems import Position
from ..content.project import Project
from .editions import PLANS, EditionPlan
from .transform import ArticleView, Document, SectionView
from .typeset import deadline, memory_cap

TEMPLATE_TIMEOUT_S = 60.0
"""Longest the templates may take for one HTML: the 310-page benchmark issue renders in about a second."""
TEMPLATE_MEMORY = 1 << 30
"""Memory the templates may take beyond what the process holds (the 310-page issue's HTML is a few MB)."""
MAX_TEMPLATE_BYTES = 1_000_000
"""Largest template file: the project's are about 1 kB each."""
MAX_INT_BITS = 10_000
"""Largest integer (in bits) template arithmetic may make: one Python step on huge numbers (`9**(9**9)`)
cannot be interrupted by the deadline; a bulletin counts pages and items."""


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


def _bytecode_dir() -> Path:
    """Compiled templates, kept between runs (Jinja checks each template's file is unchanged)."""
    folder = Path(user_cache_dir("issuepdf")) / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class ConfinedLoader(jinja2.FileSystemLoader):
    """A template loader that refuses files reached through a link out of their layouts folder."""

    def __init__(self, dirs: tuple[Path, ...]) -> None:
        super().__init__([str(d) for d in dirs])
        self.roots = [d.resolve() for d in dirs]

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        found = (Path(d, *split_template_path(template)) for d in self.searchpath)
        size = next((path.stat().st_size for path in found if path.is_file()), 0)
        if size > MAX_TEMPLATE_BYTES:  # checked before reading: compiling a huge template takes gigabytes
            raise jinja2.TemplateError(f"{template} is {size:,} bytes; the limit is {MAX_TEMPLATE_BYTES:,}")
        source, filename, uptodate = super().get_source(environment, template)
        if not any(Path(filename).resolve().is_relative_to(root) for root in self.roots):
            raise jinja2.TemplateNotFound(f"{template} (a link to a file outside the layouts folder; refused)")
        return source, filename, uptodate


class BoundedTemplate(jinja2.Template):
    """A template whose `render` runs within TEMPLATE_TIMEOUT_S and TEMPLATE_MEMORY, and turns any failure
    inside it (a loop without end, a macro calling itself, `1/0`, a string of gigabytes) into a
    TemplateFailure at the template's line, never a traceback or an exhausted machine. Every template of
    `environment()` is one, so the web edition's pages are bounded as the PDF's HTML is."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        stopped = "the layout templates took longer than {limit:g} s and were stopped (a loop without end?)"
        try:
            with deadline(TEMPLATE_TIMEOUT_S, stopped), memory_cap(TEMPLATE_MEMORY):
                return jinja2.Template.render(self, *args, **kwargs)
        except Exception as err:  # the template is untrusted code: whatever it raises is the editor's to read
            raise TemplateFailure(_template_message(err)) from None


PLAIN_TYPES = (str, bytes, int, float, list, tuple, dict, set, frozenset, dt.date, dt.time, dt.timedelta, Markup)
"""Values whose methods a template may call (Jinja's immutable sandbox already refuses the mutating ones)."""


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, closed further: a template may call the methods of plain values, of Jinja's
    own objects (`loop.cycle`) and of issuepdf's classes (`b.at`), and no others. Jinja refuses only `_`
    names and mutating methods of builtins, so a pydantic model's `parse_file` or a `pathlib.Path`
    reachable from the data (a position's file) would read, or write, any file. Its `*` and `**` refuse
    integers past MAX_INT_BITS before computing them."""

    intercepted_binops = frozenset({"*", "**"})
    template_class = BoundedTemplate

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return super().is_safe_attribute(obj, attr, value) and (not callable(value) or _callable_of(obj, attr))

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if _integer(left) and _integer(right):
            bits = left.bit_length() * right if operator == "**" else left.bit_length() + right.bit_length()
            if bits > MAX_INT_BITS:
                raise SecurityError(
                    f"{operator!r} would make a number of {bits:,} bits (the limit is {MAX_INT_BITS:,})"
                )
        return super().call_binop(context, operator, left, right)


def _callable_of(obj: Any, attr: str) -> bool:
    """Whether a template may take the callable `attr` of `obj`: a method of a plain value or of Jinja's
    runtime, or one an issuepdf class defines itself (not one inherited from a library, like pydantic's)."""
    if isinstance(obj, PLAIN_TYPES) or type(obj).__module__.startswith("jinja2."):
        return True
    owner = next((cls for cls in type(obj).__mro__ if attr in vars(cls)), None)
    return owner is not None and owner.__module__.startswith("issuepdf.")


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@lru_cache(maxsize=8)
def environment(dirs: tuple[Path, ...], breaking: LineBreaking) -> jinja2.Environment:
    """A sandboxed Jinja environment with autoescaping and the text filters bound to the line-break mode.

    Kept per folder chain: Jinja re-reads a template whose file changed, so watch mode sees edits.
    """
    env = BoundedSandbox(
        loader=ConfinedLoader(dirs),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(_bytecode_dir())),
    )
    env.filters["md"] = lambda text: inline(str(text), breaking)
    env.filters["t"] = lambda text: plain(str(text), breaking)
    env.filters["phrases"] = lambda text: keep_phrases(text) if isinstance(text, str) else text
    env.filters["item_number"] = item_number
    env.filters["dotdate"] = lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}"
    return env


@dataclass(frozen=True)
class Part:
    """Articles typeset together: a whole section in a full build, one article in an incremental one."""

    section: SectionView
    articles: tuple[ArticleView, ...]
    opening: bool
    """Whether the part opens its section (prints the section title and carries its id)."""

    @property
    def anchor(self) -> str:
        """The id where the part starts in the typeset document."""
        return self.section.id if self.opening else self.articles[0].id


def whole_sections(document: Document) -> list[Part]:
    """One part per section: the parts of a full, single-pass build."""
    return [Part(section, tuple(section.articles), True) for section in document.sections]


def single_articles(document: Document) -> list[Part]:
    """One part per article, the first of each section opening it: the parts of incremental builds."""
    return [
        Part(section, (article,), i == 0) for section in document.sections for i, article in enumerate(section.articles)
    ]


def render_html(
    document: Document,
    project: Project,
    edition: EditionPlan = PLANS["screen"],
    *,
    parts: list[Part] | None = None,
    front: bool = True,
    page_numbers: dict[str, int] | None = None,
) -> str:
    """The issue, or some of it, as one HTML document for WeasyPrint.

    By default the whole issue. Incremental builds ask for the front matter alone (with the page
    numbers of the contents given, since its targets are elsewhere) or for one part alone.
    """
    dirs = list(project.layout_dirs)
    env = environment(project.layout_dirs, document.issue.line_breaking)
    try:
        template = env.get_template("base.html")
    except jinja2.TemplateError as err:
        raise TemplateFailure(_template_message(err)) from None
    return template.render(
        doc=document,
        issue=document.issue,
        sections=document.sections,
        parts=whole_sections(document) if parts is None else parts,
        front=front,
        page_numbers=page_numbers,
        stylesheets=stylesheets(dirs, edition.stylesheet),
        edition=edition.layout,
        created=document.created.isoformat(),
        version=__version__,
    )


def _template_message(err: BaseException) -> str:
    """What went wrong in a template, at its file and line."""
    where = _template_position(err)
    if isinstance(err, SecurityError):
        reason = f"not allowed in a layout template ({err}); templates may only show the issue's data"
    elif isinstance(err, jinja2.TemplateNotFound):
        reason = f"template not found: {err.message}"
    elif isinstance(err, LayoutTimeout):
        reason = str(err)
    elif isinstance(err, RecursionError):
        reason = "a macro or include calls itself without end; refused"
    elif isinstance(err, MemoryError):
        reason = f"the layout templates took more than {TEMPLATE_MEMORY >> 20:,} MB of memory and were stopped"
    elif isinstance(err, jinja2.TemplateError):
        reason = f"template error: {err.message or type(err).__name__}"
    else:
        reason = f"template error: {type(err).__name__}: {str(err)[:200]}"
    return f"{where}: {reason}" if where else reason


def _template_position(err: BaseException) -> str:
    """`file:line` of the template line that failed, from the error or the template frames of its traceback."""
    if isinstance(err, jinja2.TemplateSyntaxError) and err.filename:
        return f"{Position(Path(err.filename), err.lineno, 1)}"
    frames = traceback.extract_tb(err.__traceback__)
    for frame in reversed(frames):
        if frame.filename.endswith(".html") and frame.lineno:
            return f"{Position(Path(frame.filename), frame.lineno, 1)}"
    return ""
