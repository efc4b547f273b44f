"""Stage 1, load: read YAML into plain Python data, remembering where every key and value stood.

PyYAML's constructors forget positions, so we compose the node graph ourselves and convert it,
recording a `Spot` for each key path. Later stages turn a key path back into `file:line:col`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .problems import Position, Problems

KeyPath = tuple[str | int, ...]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it: ten times faster, with the same node positions."""
MAX_BYTES = 2_000_000
"""Largest YAML file read; checked before reading, so a huge file costs nothing."""
MAX_NODES = 20_000
"""Values in an issue and all its files together, aliases expanded: issue 260 has 900, the ten times
longer benchmark issue 8,700. An alias bomb, or one file included many times, stops here."""
MAX_CHARS = 1_000_000
"""Characters of text in an issue and its files together, aliases expanded (issue 260: 27,000)."""
MAX_DEPTH = 40
"""Nesting depth of YAML collections; an issue needs 10, and deeper input would exhaust the stack."""
YAML_ADVICE = 'put the whole text in double quotes (write \\" for a quote inside)'
"""The fix for every YAML pitfall of plain text: a double-quoted string means exactly what it says."""


@dataclass
class Budget:
    """What one issue may expand to across all its files: shared by every file a check loads."""

    nodes: int = 0
    chars: int = 0

    def spend(self, node: yaml.Node) -> None:
        self.nodes += 1
        if isinstance(node, yaml.ScalarNode):
            self.chars += len(node.value)
        if self.nodes > MAX_NODES:
            raise _TooLarge(f"more than {MAX_NODES:,} values in the issue and its files (an alias bomb?); refused")
        if self.chars > MAX_CHARS:
            raise _TooLarge(f"more than {MAX_CHARS:,} characters of text in the issue and its files; refused")


@dataclass(frozen=True)
class Spot:
    """Where a value stands, and where its key stands when it is a mapping entry."""

    value: Position
    key: Position | None = None
    one_line_start: int | None = None
    """Column where a single-line scalar's text starts, so a character can be pinpointed."""


@dataclass
class Loaded:
    """A YAML document as plain data, with the spot of every key path in it."""

    data: Any
    spots: dict[KeyPath, Spot] = field(default_factory=dict)
    broken: set[KeyPath] = field(default_factory=set)
    """Key paths whose content could not be loaded (a failed include): already reported."""

    def spot(self, path: KeyPath) -> Spot | None:
        """The spot of `path`, or of its nearest ancestor that has one."""
        while path not in self.spots and path:
            path = path[:-1]
        return self.spots.get(path)

    @cached_property
    def strings(self) -> list[tuple[KeyPath, str]]:
        """Every text of the data with its key path, in order: what the checks of `validate` go through
        (read once, after the includes are spliced in)."""
        return list(_strings(self.data))

    def position(self, path: KeyPath, *, key: bool = False) -> Position | None:
        spot = self.spot(path)
        if spot is None:
            return None
        return (spot.key or spot.value) if key else spot.value


def _strings(data: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, (*path, i))


def _position(path: Path, mark: yaml.Mark) -> Position:
    return Position(path, mark.line + 1, mark.column + 1)


class _Converter:
    """Turns a composed node graph into data and spots, reporting what YAML itself lets through."""

    def __init__(self, path: Path, lines: list[str], problems: Problems, budget: Budget) -> None:
        self.path = path
        self.lines = lines
        self.problems = problems
        self.budget = budget
        self.spots: dict[KeyPath, Spot] = {}
        self.constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, keypath: KeyPath, key_pos: Position | None = None) -> Any:
        self.budget.spend(node)
        if len(keypath) > MAX_DEPTH:
            raise _TooLarge(f"nested more than {MAX_DEPTH} levels deep; refused")
        self.spots[keypath] = Spot(_position(self.path, node.start_mark), key_pos, _text_start(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, keypath)
        if isinstance(node, yaml.SequenceNode):
            self._check_flow_commas(node, keypath)
            return [self.convert(item, (*keypath, i)) for i, item in enumerate(node.value)]
        value = self._scalar(node, keypath)
        if isinstance(value, str) and not node.style:
            self._check_comment(node, keypath)
        return value

    def _check_comment(self, node: yaml.ScalarNode, keypath: KeyPath) -> None:
        """` #` after plain text starts a YAML comment: the rest of the line is silently dropped."""
        rest = self.lines[node.end_mark.line][node.end_mark.column :] if node.end_mark.line < len(self.lines) else ""
        if rest.strip().startswith("#") and rest[:1] in (" ", "\t"):
            self.problems.add(
                Position(self.path, node.end_mark.line + 1, node.end_mark.column + 1 + rest.index("#")),
                _dotted(keypath),
                f"' #' starts a YAML comment, so '{rest.strip()[:30]}' is dropped from the text; {YAML_ADVICE}"
                " (or put a comment on a line of its own)",
            )

    def _check_flow_commas(self, node: yaml.SequenceNode, keypath: KeyPath) -> None:
        """In `[…]`, a comma splits items even inside a number (`1,900`): flag a comma with no space after."""
        if not node.flow_style:
            return
        for i, (item, after) in enumerate(zip(node.value, node.value[1:], strict=False)):
            if item.end_mark.line != after.start_mark.line or not isinstance(item, yaml.ScalarNode):
                continue
            between = self.lines[item.end_mark.line][item.end_mark.column : after.start_mark.column]
            if between == "," and not item.style:
                self.problems.add(
                    _position(self.path, item.end_mark),
                    _dotted((*keypath, i)),
                    f"the comma in '{item.value},{after.value}' splits it into two items; {YAML_ADVICE}",
                )

    def _mapping(self, node: yaml.MappingNode, keypath: KeyPath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        self.constructor.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self._scalar(key_node, keypath) if isinstance(key_node, yaml.ScalarNode) else None
            key_pos = _position(self.path, key_node.start_mark)
            if not isinstance(key, str | int):
                self.problems.add(key_pos, _dotted(keypath), "a key must be a plain word")
                continue
            key = str(key)
            if key in first_seen:
                self.problems.add(
                    key_pos, _dotted((*keypath, key)), f"duplicate key (first given on line {first_seen[key]})"
                )
                continue
            first_seen[key] = key_pos.line
            result[key] = self.convert(value_node, (*keypath, key), key_pos)
        return result

    def _scalar(self, node: yaml.ScalarNode, keypath: KeyPath) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, yaml.constructor.ConstructorError):
            # e.g. "2021-13-45" matches YAML's timestamp pattern but is no date: keep the text so
            # validation reports it where it stands, with the model's own message.
            return node.value


def _text_start(node: yaml.Node) -> int | None:
    """The 1-based column where a one-line scalar's characters begin (after any quote)."""
    if not isinstance(node, yaml.ScalarNode) or node.start_mark.line != node.end_mark.line:
        return None
    column: int = node.start_mark.column
    return column + 1 + (1 if node.style in ("'", '"') else 0)


def _dotted(keypath: KeyPath) -> str:
    return ".".join(str(part) for part in keypath)


class _TooLarge(Exception):
    """The input exceeds a bound; its message says which."""


def read_bounded(path: Path, problems: Problems, max_bytes: int = MAX_BYTES) -> bytes | None:
    """A file's bytes, or None with a problem recorded: missing, unreadable or over `max_bytes` (checked first)."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                problems.add(Position(path), "", f"file is {size:,} bytes; the limit is {max_bytes:,}")
                return None
            return handle.read(max_bytes + 1)
    except FileNotFoundError:
        problems.add(Position(path), "", "file not found")
    except IsADirectoryError:
        problems.add(Position(path), "", "a folder, not a file")
    except OSError as err:
        problems.add(Position(path), "", f"cannot read file: {err.strerror}")
    return None


def load_yaml(path: Path, problems: Problems, budget: Budget | None = None) -> Loaded | None:
    """Load one YAML file; on any problem, record it and return None (or partial data)."""
    raw = read_bounded(path, problems)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        problems.add(Position(path, line, col), "", f"not UTF-8: byte 0x{raw[err.start]:02x}; save as UTF-8")
        return None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        pos = _position(path, mark) if mark else Position(path)
        problems.add(pos, "", syntax_advice(text, mark, str(err.problem or err.context)))
        return None
    except RecursionError:
        problems.add(Position(path), "", f"nested more than {MAX_DEPTH} levels deep; refused")
        return None
    except yaml.reader.ReaderError as err:  # libyaml reports these without a mark
        line = text.count("\n", 0, err.position) + 1
        col = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        code = err.character if isinstance(err.character, int) else ord(err.character)
        problems.add(Position(path, line, col), "", f"control character U+{code:04X} is not allowed; delete it")
        return None
    if node is None:
        return Loaded(None)
    converter = _Converter(path, text.splitlines(), problems, budget or Budget())
    try:
        data = converter.convert(node, ())
    except _TooLarge as err:
        problems.add(Position(path), "", str(err))
        return None
    return Loaded(data, converter.spots)


_INDICATORS = "*&!%@`|>[{'\""
"""Characters that make YAML read a plain value as syntax when they start it."""


def syntax_advice(text: str, mark: yaml.Mark | None, problem: str) -> str:
    """A YAML syntax error in an editor's words: what in the text caused it, and the one fix."""
    lines = text.splitlines()
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "\t" in line[: len(line) - len(line.lstrip())] or (
        mark is not None and line[mark.column : mark.column + 1] == "\t"
    ):
        return "indent with spaces, not a tab"
    value = _plain_value(line)
    if value[:1] in _INDICATORS and value[:1]:
        return f"this text starts with '{value[0]}', which YAML reads as syntax; {YAML_ADVICE}"
    if ": " in value or value.endswith(":"):
        return f"this text contains ': ', which YAML reads as a new key; {YAML_ADVICE}"
    return f"YAML syntax error: {problem}"


def _plain_value(line: str) -> str:
    """The value part of a `key: value` or `- value` line."""
    value = line.strip()
    while value.startswith("- "):
        value = value[2:].lstrip()
    key, sep, rest = value.partition(": ")
    return rest.strip() if sep and " " not in key.strip() and key[:1] not in _INDICATORS else value


def load_issue(issue_dir: Path, problems: Problems, budget: Budget | None = None) -> Loaded | None:
    """Load `issue.yaml` and splice in every article given as `- include: FILE`.

    One budget bounds the issue and all its files together, so including a file many times cannot
    multiply what one file may hold.
    """
    budget = budget or Budget()
    issue = load_yaml(issue_dir / "issue.yaml", problems, budget)
    if issue is None or not isinstance(issue.data, dict):
        return issue
    included: dict[Path, KeyPath] = {}
    sections = issue.data.get("sections")
    for s, section in enumerate(sections if isinstance(sections, list) else []):
        articles = section.get("articles") if isinstance(section, dict) else None
        for a, article in enumerate(articles if isinstance(articles, list) else []):
            keypath: KeyPath = ("sections", s, "articles", a)
            if isinstance(article, dict) and "include" in article:
                _splice(issue, keypath, issue_dir, problems, budget, included)
            elif isinstance(article, str) and article.endswith((".yaml", ".yml")):
                issue.broken.add(keypath)
                problems.add(
                    issue.position(keypath), _dotted(keypath), f"write '- include: {article}' to include a file"
                )
    return issue


def inside(folder: Path, name: str) -> Path | None:
    """The file `name` inside `folder`, with links resolved; None when it leads outside."""
    if not safe_relative(name):
        return None
    path = (folder / name).resolve()
    return path if path.is_relative_to(folder.resolve()) else None


def _splice(
    issue: Loaded, keypath: KeyPath, issue_dir: Path, problems: Problems, budget: Budget, seen: dict[Path, KeyPath]
) -> None:
    """Replace an `include` entry by the article file it names, keeping that file's positions."""
    target = issue.data
    for part in keypath:
        target = target[part]
    name = target["include"]
    where, shown = issue.position((*keypath, "include")), _dotted((*keypath, "include"))
    issue.broken.add(keypath)
    if set(target) != {"include"}:
        others = ", ".join(sorted(set(target) - {"include"}))
        problems.add(where, shown, f"'include' stands alone: move {others} into the included file")
        return
    path = inside(issue_dir, name) if isinstance(name, str) else None
    if path is None:
        problems.add(where, shown, "give a relative path inside the issue folder (links out of it are refused)")
        return
    if path in seen:
        problems.add(where, shown, f"{name} is already included (at {issue.position((*seen[path], 'include'))})")
        return
    seen[path] = keypath
    if not path.is_file():
        problems.add(where, shown, f"included file not found: {name}")
        return
    included = load_yaml(issue_dir / name, problems, budget)
    if included is None:
        return
    issue.broken.discard(keypath)
    parent = issue.data
    for part in keypath[:-1]:
        parent = parent[part]
    parent[keypath[-1]] = included.data
    for sub, spot in included.spots.items():
        issue.spots[(*keypath, *sub)] = spot


def safe_relative(name: str) -> bool:
    """A path an issue may refer to: relative and never climbing out of its folder."""
    path = Path(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts
