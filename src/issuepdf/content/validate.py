"""Stage 2, validate: check loaded data against the model and report every problem with its place.

Pydantic collects all type errors in one pass; the checks it cannot make (characters no font
covers, duplicate ids, chart spec files and their CSV data) run on the raw data beside it, so
an unknown key, a missing image and an uncovered character all show up together.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .advice import advise
from .chartspec import ChartSpec, Series
from .fonts import coverage, needs_glyph
from .formatted import markdown_paths
from .loader import Budget, KeyPath, Loaded, inside, load_issue, load_yaml, read_bounded, safe_relative
from .markup import inline_photo, unapplied_marks
from .model import AUTOMATIC_ID, BLOCK_TYPES, Issue, automatic_id
from .problems import Position, Problems
from .project import Project
from .report import validate_model

TAG_MODELS: dict[str, type[BaseModel]] = {f"<{key}>": model for key, model in BLOCK_TYPES.items()}
TAG_MODELS["<spec>"] = ChartSpec


@dataclass
class Checked:
    """An issue that passed validation, with its chart specs resolved from their files."""

    issue: Issue
    project: Project
    """Where the issue and its project are."""
    charts: dict[str, ChartSpec] = field(default_factory=dict)
    """Chart spec file (as written in the issue) → its spec, data from CSV already filled in."""
    sources: list[Path] = field(default_factory=list)
    """Every file the issue was read from: YAML, included articles, chart specs, CSV data."""
    loaded: Loaded | None = None
    """The loaded YAML, for the position of every key path (what the layout checks report)."""

    @property
    def issue_dir(self) -> Path:
        return self.project.issue_dir


def check(project: Project, problems: Problems, edition: str = "screen") -> Checked | None:
    """Load and validate an issue folder; None when any error was found (warnings are only added)."""
    issue_dir, fonts_dir = project.issue_dir, project.fonts
    budget = Budget()
    loaded = load_issue(issue_dir, problems, budget)
    if loaded is None:
        return None
    if not isinstance(loaded.data, dict):
        problems.add(Position(issue_dir / "issue.yaml", 1, 1), "", "issue.yaml must be a mapping of keys")
        return None
    covered = coverage(fonts_dir)
    issue = validate_model(Issue, loaded, {"base": issue_dir, "root": issue_dir}, problems, TAG_MODELS)
    check_glyphs(loaded, covered, problems)
    check_unique_ids(loaded, problems)
    check_links(loaded, problems)
    check_formatted(loaded, problems)
    checked = Checked(issue, project, loaded=loaded) if issue else None
    sources = [issue_dir / "issue.yaml", *_included_files(loaded)]
    for path in _inline_charts_with_csv(loaded):
        problems.add(
            loaded.position((*path, "csv"), key=True),
            ".".join(map(str, (*path, "csv"))),
            "csv is for chart spec files: move this spec to charts/NAME.yaml with the CSV beside it",
        )
    for name in _chart_files(loaded):
        spec = _load_chart(issue_dir, name, covered, problems, sources, budget)
        if spec is not None and checked is not None:
            checked.charts[name] = spec
    if problems or checked is None:
        return None
    checked.sources = sorted(set(sources))
    advise(checked.issue, issue_dir, loaded, problems, edition)
    return checked


UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
"""Control characters and the line and paragraph separators: WeasyPrint draws each as an empty box (or
breaks the line at it) with a warning that names no file. Tabs and line ends print as spaces."""


def check_glyphs(loaded: Loaded, covered: frozenset[int], problems: Problems) -> None:
    """Report each character that cannot be printed (a control, or one no font covers), once per text,
    at its column where it can tell."""
    covered_chars = _as_chars(covered)
    for path, text in loaded.strings:
        controls = dict.fromkeys(UNPRINTABLE.findall(text))
        uncovered = set(text) - covered_chars  # fast: set arithmetic; then what composes (NFD 한, e + U+0301)
        uncovered = {char for char in _composed(text, uncovered, covered_chars) if needs_glyph(char)} - controls.keys()
        for char in controls:
            problems.add(
                _char_position(loaded, path, text, char),
                ".".join(map(str, path)),
                f"control character U+{ord(char):04X} cannot be printed; delete it (copied text often carries one)",
            )
        for char in sorted(uncovered, key=lambda char: text.find(char) % (len(text) + 1)):
            problems.add(
                _char_position(loaded, path, text, char),
                ".".join(map(str, path)),
                f"character '{char}' (U+{ord(char):04X}) is in no font of fonts/",
            )


def _composed(text: str, uncovered: set[str], covered_chars: frozenset[str]) -> set[str]:
    """The uncovered characters left once the text is composed (NFC), as the layout draws it: decomposed
    Hangul (text from macOS file names) and accents after their letter need no glyph of their own."""
    if not uncovered or unicodedata.is_normalized("NFC", text):
        return uncovered
    return set(unicodedata.normalize("NFC", text)) - covered_chars


def _char_position(loaded: Loaded, path: KeyPath, text: str, char: str) -> Position | None:
    """Where the first `char` of the text is: its column on a one-line text written as is, else the text."""
    spot = loaded.spot(path)
    if spot and spot.one_line_start is not None and char in text and "\\" not in text and "'" not in text:
        return Position(spot.value.file, spot.value.line, spot.one_line_start + text.index(char))
    return spot.value if spot else None


@cache
def _as_chars(covered: frozenset[int]) -> frozenset[str]:
    return frozenset(map(chr, covered))


def _included_files(loaded: Loaded) -> list[Path]:
    return sorted({spot.value.file for spot in loaded.spots.values()})


def _inline_charts_with_csv(loaded: Loaded) -> Iterator[KeyPath]:
    """Chart blocks whose inline spec names a CSV (only spec files have a folder to read it from)."""
    for path, _ in loaded.strings:
        if len(path) >= 2 and path[-2:] == ("chart", "csv") and "body" in path:
            yield path[:-1]


def _chart_files(loaded: Loaded) -> Iterator[str]:
    """Every spec file a chart block names."""
    for path, text in loaded.strings:
        if path and path[-1] == "chart" and "body" in path and safe_relative(text):
            yield text


def _load_chart(
    issue_dir: Path, name: str, covered: frozenset[int], problems: Problems, sources: list[Path], budget: Budget
) -> ChartSpec | None:
    path = issue_dir / name
    if inside(issue_dir, name) is None or not path.is_file():
        return None  # already reported by the model: missing, or a link out of the issue folder
    loaded = load_yaml(path, problems, budget)
    if loaded is None:
        return None
    sources.append(path)
    check_glyphs(loaded, covered, problems)
    context = {"base": path.parent, "root": issue_dir}
    spec: ChartSpec | None = validate_model(ChartSpec, loaded, context, problems, TAG_MODELS)
    if spec is None or spec.csv is None:
        return spec
    sources.append(path.parent / spec.csv)
    return _with_csv(spec, path.parent / spec.csv, loaded.position(("csv",)), problems)


CSV_ENCODINGS = ("utf-8-sig", "cp949")
"""UTF-8 (with or without the BOM Excel writes), then CP949: what Korean Excel saves as "CSV"."""


def _csv_text(path: Path, problems: Problems) -> str | None:
    """The CSV's text in the first encoding that reads it; a warning when it is not UTF-8."""
    raw = read_bounded(path, problems)
    if raw is None:
        return None
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != CSV_ENCODINGS[0]:
            problems.warn(Position(path), "", f"read as {encoding.upper()} (Korean Excel); save it as CSV UTF-8")
        return text
    problems.add(Position(path), "", "neither UTF-8 nor CP949 text; save it from Excel as 'CSV UTF-8'")
    return None


def _with_csv(spec: ChartSpec, path: Path, where: Position | None, problems: Problems) -> ChartSpec | None:
    """Fill a spec's categories and series from its CSV: first column categories, then series."""
    text = _csv_text(path, problems)
    if text is None:
        return None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))  # also a lone \r: "CSV (Macintosh)" line ends
    except csv.Error as err:
        problems.add(Position(path), "", f"cannot read CSV: {err}")
        return None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2 or len(rows[0]) < 2:
        problems.add(where, "csv", "the CSV needs a header row and data rows with at least two columns")
        return None
    names = rows[0][1:]
    columns: list[list[float | None]] = [[] for _ in names]
    ok = True
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            problems.add(Position(path, line, 1), "", f"{len(row)} columns where the header has {len(rows[0])}")
            ok = False
            continue
        for col, cell in enumerate(row[1:], start=1):
            value = _number(cell)
            if value is False:
                message = f"not a number: {cell!r}; write numbers like 1,531.5 or 1531.5"
                problems.add(Position(path, line, col + 1), names[col - 1], message)
                ok = False
            else:
                columns[col - 1].append(value)
    if not ok:
        return None
    series = [Series(name=name, values=values) for name, values in zip(names, columns, strict=True)]
    return spec.model_copy(update={"categories": [row[0] for row in rows[1:]], "series": series})


NUMBER = re.compile(r"[-+−]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
"""A number as Korean and English texts write it: `-49`, `1,182`, `1531.5`; never `1.531,0` or `1,5`."""


def _number(cell: str) -> float | bool | None:
    """A CSV cell as a number, None when empty, False when not a number written the usual way."""
    text = cell.strip()
    if not text:
        return None
    if not NUMBER.fullmatch(text):
        return False
    return float(text.replace(",", "").replace("−", "-"))


LINK_TARGET = re.compile(r"\]\(#([^)\s]+)\)")
"""A Markdown link to a place in the issue: `[보기](#name)`."""


def _ids(loaded: Loaded) -> Iterator[tuple[KeyPath, str]]:
    for path, text in loaded.strings:
        if path and path[-1] == "id":
            yield path, text


def check_unique_ids(loaded: Loaded, problems: Problems) -> None:
    """Ids name link targets: each must be unique in the whole issue, and not an automatic one."""
    first: dict[str, KeyPath] = {}
    for path, text in _ids(loaded):
        shown = ".".join(map(str, path))
        if AUTOMATIC_ID.fullmatch(text):
            problems.add(loaded.position(path), shown, f"'{text}' is the form of automatic ids; choose another name")
        elif text in first:
            problems.add(
                loaded.position(path), shown, f"duplicate id '{text}' (first used at {loaded.position(first[text])})"
            )
        else:
            first[text] = path


def _automatic_ids(data: dict[str, Any]) -> Iterator[str]:
    """`s1`, `s1-a1`, …: the ids transform gives sections and articles (explicit ids may not take them)."""
    sections = data.get("sections")
    for s, section in enumerate(sections if isinstance(sections, list) else [], start=1):
        yield automatic_id(s)
        articles = section.get("articles") if isinstance(section, dict) else None
        yield from (automatic_id(s, a) for a in range(1, len(articles) + 1 if isinstance(articles, list) else 1))


def check_links(loaded: Loaded, problems: Problems) -> None:
    """Every `[…](#name)` link must lead somewhere: an id given in the issue or an automatic one."""
    targets = {text for _, text in _ids(loaded)} | set(_automatic_ids(loaded.data))
    for path, text in loaded.strings:
        for match in LINK_TARGET.finditer(text):
            name = match.group(1)
            if name not in targets:
                problems.add(
                    loaded.position(path), ".".join(map(str, path)), f"link to '#{name}', which no block has as its id"
                )


BLANK_LINE = re.compile(r"\n[ \t]*\n")
"""An empty line inside one text (a YAML `|` block): Markdown joins its paragraphs with a space. In a `>`
block YAML has already made it a single line break, which Markdown prints as a space too."""


def check_formatted(loaded: Loaded, problems: Problems) -> None:
    """What Markdown would print otherwise than written, in the texts it formats: say where, and the fix."""
    for path in markdown_paths(loaded.data):
        text = loaded.value(path)
        if not isinstance(text, str):
            continue
        shown = unapplied_marks(text) if "*" in text or "__" in text else None
        if shown:
            problems.add(
                loaded.position(path),
                ".".join(map(str, path)),
                f"'{shown[:20]}' would be printed as it stands: Markdown found no text to emphasise;"
                " put the marks right around the words, or write \\* for a printed asterisk",
            )
        photo = inline_photo(text)
        if photo is not None:
            problems.add(
                loaded.position(path),
                ".".join(map(str, path)),
                f"a photo inside a text is not printed ('![{photo}](…)'): make it a photo block of its own",
            )
        spot = loaded.spots.get(path)
        if BLANK_LINE.search(text.strip()) or (spot is not None and spot.folded and "\n" in text.strip()):
            problems.add(
                loaded.position(path),
                ".".join(map(str, path)),
                "an empty line inside a text does not start a new paragraph (it prints as a space);"
                " write each paragraph as a text of its own",
            )
