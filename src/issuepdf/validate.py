"""Stage 2, validate: check loaded data against the model and report every problem with its place.

Pydantic collects all type errors in one pass; the checks it cannot make (characters no font
covers, duplicate ids, chart spec files and their CSV data) run on the raw data beside it, so
an unknown key, a missing image and an uncovered character all show up together.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .advice import advise
from .fonts import coverage, needs_glyph
from .loader import KeyPath, Loaded, load_issue, load_yaml, safe_relative
from .model import BLOCK_TYPES, ChartSpec, Issue, Series, is_tag
from .problems import Position, Problems

TAG_MODELS: dict[str, type[BaseModel]] = {f"<{key}>": model for key, model in BLOCK_TYPES.items()}
TAG_MODELS["<spec>"] = ChartSpec


@dataclass
class Checked:
    """An issue that passed validation, with its chart specs resolved from their files."""

    issue: Issue
    issue_dir: Path
    charts: dict[str, ChartSpec] = field(default_factory=dict)
    """Chart spec file (as written in the issue) → its spec, data from CSV already filled in."""
    sources: list[Path] = field(default_factory=list)
    """Every file the issue was read from: YAML, included articles, chart specs, CSV data."""


def check(issue_dir: Path, fonts_dir: Path, problems: Problems, edition: str = "screen") -> Checked | None:
    """Load and validate an issue folder; None when any error was found (warnings are only added)."""
    loaded = load_issue(issue_dir, problems)
    if loaded is None:
        return None
    if not isinstance(loaded.data, dict):
        problems.add(Position(issue_dir / "issue.yaml", 1, 1), "", "issue.yaml must be a mapping of keys")
        return None
    covered = coverage(fonts_dir)
    issue = validate_model(Issue, loaded, {"base": issue_dir, "root": issue_dir}, problems)
    check_glyphs(loaded, covered, problems)
    check_unique_ids(loaded, problems)
    checked = Checked(issue, issue_dir) if issue else None
    sources = [issue_dir / "issue.yaml", *_included_files(loaded)]
    for path in _inline_charts_with_csv(loaded):
        problems.add(
            loaded.position((*path, "csv"), key=True),
            ".".join(map(str, (*path, "csv"))),
            "csv is for chart spec files: move this spec to charts/NAME.yaml with the CSV beside it",
        )
    for name, where in _chart_files(loaded):
        spec = _load_chart(issue_dir, name, where, covered, problems, sources)
        if spec is not None and checked is not None:
            checked.charts[name] = spec
    if problems or checked is None:
        return None
    checked.sources = sorted(set(sources))
    advise(checked.issue, issue_dir, loaded, problems, edition)
    return checked


def validate_model(model: type[BaseModel], loaded: Loaded, context: dict[str, Any], problems: Problems) -> Any:
    """Validate data against a model, turning each pydantic error into a positioned problem."""
    try:
        return model.model_validate(loaded.data, context=context)
    except ValidationError as err:
        for error in err.errors():
            _report(model, loaded, error, problems)
        return None


def _report(model: type[BaseModel], loaded: Loaded, error: Any, problems: Problems) -> None:
    loc: tuple[str | int, ...] = error["loc"]
    keypath: KeyPath = tuple(part for part in loc if not is_tag(part))
    if any(keypath[: len(broken)] == broken for broken in loaded.broken):
        return
    kind = error["type"]
    shown = ".".join(str(part) for part in keypath)
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        message = f"unknown key '{loc[-1]}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
        if allowed and not hint:
            message += f" (expected one of: {', '.join(allowed)})"
        problems.add(loaded.position(keypath, key=True), shown, message)
    elif kind == "missing":
        problems.add(loaded.position(keypath[:-1]), shown, f"missing required key '{loc[-1]}'")
    else:
        message = error["msg"].removeprefix("Value error, ")
        if kind not in ("value_error", "block_type", "assertion_error") and error.get("input") is not None:
            message += f" (got {_short(error['input'])})"
        problems.add(loaded.position(keypath), shown, message)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The keys allowed at an error location, found by walking the model's annotations."""
    current: Any = model
    for part in loc:
        if is_tag(part):
            current = TAG_MODELS.get(str(part), current)
        elif isinstance(part, str) and isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            current = _first_model(info.annotation) if info else None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _first_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, directly or inside list/Optional/Annotated/Union."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType | typing._GenericAlias | types.GenericAlias):  # type: ignore[attr-defined]
        for arg in typing.get_args(annotation):
            found = _first_model(arg)
            if found is not None:
                return found
    return None


def _walk_strings(data: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _walk_strings(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk_strings(value, (*path, i))


def check_glyphs(loaded: Loaded, covered: frozenset[int], problems: Problems) -> None:
    """Report each character no font covers, once per text, at its column where it can tell."""
    covered_chars = _as_chars(covered)
    for path, text in _walk_strings(loaded.data):
        uncovered = {char for char in set(text) - covered_chars if needs_glyph(char)}  # fast: set arithmetic
        if not uncovered:
            continue
        for char in sorted(uncovered, key=text.index):
            index = text.index(char)
            spot = loaded.spot(path)
            pos = spot.value if spot else None
            if spot and spot.one_line_start is not None and "\\" not in text and "'" not in text:
                pos = Position(spot.value.file, spot.value.line, spot.one_line_start + index)
            problems.add(
                pos,
                ".".join(map(str, path)),
                f"character '{char}' (U+{ord(char):04X}) is in no font of fonts/",
            )


@cache
def _as_chars(covered: frozenset[int]) -> frozenset[str]:
    return frozenset(map(chr, covered))


def check_unique_ids(loaded: Loaded, problems: Problems) -> None:
    """Ids name link targets: each must be unique in the whole issue."""
    first: dict[str, KeyPath] = {}
    for path, text in _walk_strings(loaded.data):
        if path and path[-1] == "id":
            if text in first:
                problems.add(
                    loaded.position(path),
                    ".".join(map(str, path)),
                    f"duplicate id '{text}' (first used at {loaded.position(first[text])})",
                )
            else:
                first[text] = path


def _included_files(loaded: Loaded) -> list[Path]:
    return sorted({spot.value.file for spot in loaded.spots.values()})


def _inline_charts_with_csv(loaded: Loaded) -> Iterator[KeyPath]:
    """Chart blocks whose inline spec names a CSV (only spec files have a folder to read it from)."""
    for path, _ in _walk_strings(loaded.data):
        if len(path) >= 2 and path[-2:] == ("chart", "csv") and "body" in path:
            yield path[:-1]


def _chart_files(loaded: Loaded) -> Iterator[tuple[str, Position | None]]:
    """Every chart block that names a spec file, with where it is named."""
    for path, text in _walk_strings(loaded.data):
        if path and path[-1] == "chart" and "body" in path and safe_relative(text):
            yield text, loaded.position(path)


def _load_chart(
    issue_dir: Path,
    name: str,
    where: Position | None,
    covered: frozenset[int],
    problems: Problems,
    sources: list[Path],
) -> ChartSpec | None:
    path = issue_dir / name
    if not path.is_file():
        return None  # already reported by the model as a missing file
    loaded = load_yaml(path, problems)
    if loaded is None:
        return None
    sources.append(path)
    check_glyphs(loaded, covered, problems)
    spec: ChartSpec | None = validate_model(ChartSpec, loaded, {"base": path.parent, "root": issue_dir}, problems)
    if spec is None or spec.csv is None:
        return spec
    sources.append(path.parent / spec.csv)
    return _with_csv(spec, path.parent / spec.csv, loaded.position(("csv",)), problems)


def _with_csv(spec: ChartSpec, path: Path, where: Position | None, problems: Problems) -> ChartSpec | None:
    """Fill a spec's categories and series from its CSV: first column categories, then series."""
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as err:
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
                problems.add(Position(path, line, col + 1), names[col - 1], f"not a number: {cell!r}")
                ok = False
            else:
                columns[col - 1].append(value)  # type: ignore[arg-type]
    if not ok:
        return None
    series = [Series(name=name, values=values) for name, values in zip(names, columns, strict=True)]
    return spec.model_copy(update={"categories": [row[0] for row in rows[1:]], "series": series})


def _number(cell: str) -> float | bool | None:
    """A CSV cell as a number (`1,182` and `-49` allowed), None when empty, False when not a number."""
    text = cell.strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return False
    return value if math.isfinite(value) else False
