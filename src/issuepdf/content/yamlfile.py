"""Reading one YAML text into plain Python data, remembering where every key and value stood.

PyYAML's constructors forget positions, so we compose the node graph ourselves and convert it,
recording a `Spot` for each key path. Later stages turn a key path back into `file:line:col`.
The text may be a whole file (`load_yaml`) or a part of one (`parse_yaml` with its first line: the
front matter and directives of a Markdown article), so positions always name the file as written.
"""

from __future__ import annotations

import os
import re
import stat
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
        self.count(node.value if isinstance(node, yaml.ScalarNode) else "")

    def exhausted(self) -> bool:
        """Whether a bound was passed (then every later value is refused too)."""
        return self.nodes > MAX_NODES or self.chars > MAX_CHARS

    def count(self, text: str) -> None:
        """One value holding `text` (a YAML scalar, or a Markdown paragraph, item or cell)."""
        self.spend_kept(1, len(text))

    def spend_kept(self, nodes: int, chars: int) -> None:
        """What a file read before costs again (`loader.load_article` keeps parsed files)."""
        self.nodes += nodes
        self.chars += chars
        if self.nodes > MAX_NODES:
            raise TooLarge(f"more than {MAX_NODES:,} values in the issue and its files (an alias bomb?); refused")
        if self.chars > MAX_CHARS:
            raise TooLarge(f"more than {MAX_CHARS:,} characters of text in the issue and its files; refused")


@dataclass(frozen=True)
class Spot:
    """Where a value stands, and where its key stands when it is a mapping entry."""

    value: Position
    key: Position | None = None
    one_line_start: int | None = None
    """Column where a single-line scalar's text starts, so a character can be pinpointed."""
    folded: bool = False
    """A `>` block: YAML folds its line breaks to spaces and keeps a break only where a line was empty or
    more indented, which Markdown then prints as a space."""


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

    def value(self, path: KeyPath) -> Any:
        """The data at `path`, or None where the path leads nowhere."""
        data = self.data
        for part in path:
            try:
                data = data[part]
            except (KeyError, IndexError, TypeError):
                return None
        return data

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


def _position(path: Path, mark: yaml.Mark, first_line: int = 1) -> Position:
    return Position(path, mark.line + first_line, mark.column + 1)


class _Converter:
    """Turns a composed node graph into data and spots, reporting what YAML itself lets through."""

    def __init__(self, path: Path, lines: list[str], problems: Problems, budget: Budget, first_line: int) -> None:
        self.path = path
        self.first_line = first_line
        self.lines = lines
        self.problems = problems
        self.budget = budget
        self.spots: dict[KeyPath, Spot] = {}
        self.constructor = yaml.SafeLoader("")

    def _at(self, mark: yaml.Mark) -> Position:
        return _position(self.path, mark, self.first_line)

    def convert(self, node: yaml.Node, keypath: KeyPath, key_pos: Position | None = None) -> Any:
        self.budget.spend(node)
        if len(keypath) > MAX_DEPTH:
            raise TooLarge(f"nested more than {MAX_DEPTH} levels deep; refused")
        folded = isinstance(node, yaml.ScalarNode) and node.style == ">"
        self.spots[keypath] = Spot(self._at(node.start_mark), key_pos, _text_start(node), folded)
        self._check_tag(node, keypath)
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
                Position(self.path, node.end_mark.line + self.first_line, node.end_mark.column + 1 + rest.index("#")),
                dotted(keypath),
                f"' #' starts a YAML comment, so '{rest.strip()[:30]}' is dropped from the text; {YAML_ADVICE}"
                " (or put a comment on a line of its own)",
            )

    def _check_tag(self, node: yaml.Node, keypath: KeyPath) -> None:
        """A YAML tag (`!!binary aGk=`, `!!python/object:…`, `!x`) changes or hides what a value is: `!!binary`
        prints text nobody can read in the file, an unknown tag is dropped. An issue is plain values only."""
        line = self.lines[node.start_mark.line] if node.start_mark.line < len(self.lines) else ""
        written = _ANCHOR.sub("", line[node.start_mark.column :], count=1)
        if written.startswith("!"):
            tag = written.split(maxsplit=1)[0]
            self.problems.add(
                self._at(node.start_mark), dotted(keypath), f"the YAML tag '{tag[:40]}' is not allowed; delete it"
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
                    self._at(item.end_mark),
                    dotted((*keypath, i)),
                    f"the comma in '{item.value},{after.value}' splits it into two items; {YAML_ADVICE}",
                )

    def _mapping(self, node: yaml.MappingNode, keypath: KeyPath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        self.constructor.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self._scalar(key_node, keypath) if isinstance(key_node, yaml.ScalarNode) else None
            key_pos = self._at(key_node.start_mark)
            if not isinstance(key, str | int):
                self.problems.add(key_pos, dotted(keypath), "a key must be a plain word")
                continue
            key = str(key)
            if key in first_seen:
                self.problems.add(
                    key_pos, dotted((*keypath, key)), f"duplicate key (first given on line {first_seen[key]})"
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


_ANCHOR = re.compile(r"&\S+\s+")
"""An anchor (`&name `) before a node's tag or value."""


def _text_start(node: yaml.Node) -> int | None:
    """The 1-based column where a one-line scalar's characters begin (after any quote)."""
    if not isinstance(node, yaml.ScalarNode) or node.start_mark.line != node.end_mark.line:
        return None
    column: int = node.start_mark.column
    return column + 1 + (1 if node.style in ("'", '"') else 0)


def dotted(keypath: KeyPath) -> str:
    return ".".join(str(part) for part in keypath)


class TooLarge(Exception):
    """The input exceeds a bound; its message says which."""


def read_bounded(path: Path, problems: Problems, max_bytes: int = MAX_BYTES) -> bytes | None:
    """A file's bytes, or None with a problem recorded: missing, unreadable, not a regular file (a FIFO would
    block for ever) or over `max_bytes` (checked first). Opened without blocking, then checked as opened."""
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as handle:
            info = os.fstat(handle.fileno())
            size = info.st_size
            if not stat.S_ISREG(info.st_mode):
                problems.add(Position(path), "", "not a regular file (a pipe or a device?); refused")
                return None
            if size > max_bytes:
                problems.add(Position(path), "", f"file is {size:,} bytes; the limit is {max_bytes:,}")
                return None
            return handle.read(max_bytes + 1)
    except FileNotFoundError:
        problems.add(Position(path), "", "file not found")
    except IsADirectoryError:  # os.fdopen refuses a folder
        problems.add(Position(path), "", "a folder, not a file")
    except OSError as err:
        problems.add(Position(path), "", f"cannot read file: {err.strerror}")
    return None


def load_yaml(path: Path, problems: Problems, budget: Budget | None = None) -> Loaded | None:
    """Load one YAML file; on any problem, record it and return None (or partial data)."""
    text = read_text(path, problems)
    return None if text is None else parse_yaml(text, path, problems, budget)


def read_text(path: Path, problems: Problems) -> str | None:
    """A bounded file's UTF-8 text, or None with the problem recorded (at the first byte that is not UTF-8)."""
    raw = read_bounded(path, problems)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        problems.add(Position(path, line, col), "", f"not UTF-8: byte 0x{raw[err.start]:02x}; save as UTF-8")
        return None


def parse_yaml(
    text: str, path: Path, problems: Problems, budget: Budget | None = None, first_line: int = 1
) -> Loaded | None:
    """YAML text that stands in `path` from line `first_line` on, as data with positions in that file."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        pos = _position(path, mark, first_line) if mark else Position(path, first_line, 1)
        problems.add(pos, "", syntax_advice(text, mark, str(err.problem or err.context)))
        return None
    except RecursionError:
        problems.add(Position(path, first_line, 1), "", f"nested more than {MAX_DEPTH} levels deep; refused")
        return None
    except yaml.reader.ReaderError as err:  # libyaml reports these without a mark
        line = text.count("\n", 0, err.position) + first_line
        col = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        code = err.character if isinstance(err.character, int) else ord(err.character)
        problems.add(Position(path, line, col), "", f"control character U+{code:04X} is not allowed; delete it")
        return None
    if node is None:
        return Loaded(None)
    converter = _Converter(path, text.splitlines(), problems, budget or Budget(), first_line)
    try:
        data = converter.convert(node, ())
    except TooLarge as err:
        problems.add(Position(path, first_line, 1), "", str(err))
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
