"""Stage 1, load: read YAML into plain Python data, remembering where every key and value stood.

PyYAML's constructors forget positions, so we compose the node graph ourselves and convert it,
recording a `Spot` for each key path. Later stages turn a key path back into `file:line:col`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Position, Problems

KeyPath = tuple[str | int, ...]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it: ten times faster, with the same node positions."""
MAX_NODES = 200_000
"""More nodes than any bulletin needs; an alias bomb hits this long before it hits memory."""


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

    def position(self, path: KeyPath, *, key: bool = False) -> Position | None:
        spot = self.spot(path)
        if spot is None:
            return None
        return (spot.key or spot.value) if key else spot.value


def _position(path: Path, mark: yaml.Mark) -> Position:
    return Position(path, mark.line + 1, mark.column + 1)


class _Converter:
    """Turns a composed node graph into data and spots, reporting what YAML itself lets through."""

    def __init__(self, path: Path, problems: Problems) -> None:
        self.path = path
        self.problems = problems
        self.spots: dict[KeyPath, Spot] = {}
        self.constructor = yaml.SafeLoader("")
        self.count = 0

    def convert(self, node: yaml.Node, keypath: KeyPath, key_pos: Position | None = None) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge
        self.spots[keypath] = Spot(_position(self.path, node.start_mark), key_pos, _text_start(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, keypath)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*keypath, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, keypath)

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
    return node.start_mark.column + 1 + (1 if node.style in ("'", '"') else 0)


def _dotted(keypath: KeyPath) -> str:
    return ".".join(str(part) for part in keypath)


class _TooLarge(Exception):
    pass


def load_yaml(path: Path, problems: Problems, max_bytes: int = 2_000_000) -> Loaded | None:
    """Load one YAML file; on any problem, record it and return None (or partial data)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.add(Position(path), "", "file not found")
        return None
    except OSError as err:
        problems.add(Position(path), "", f"cannot read file: {err.strerror}")
        return None
    if len(raw) > max_bytes:
        problems.add(Position(path), "", f"file is {len(raw):,} bytes; the limit is {max_bytes:,}")
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
        problems.add(pos, "", f"YAML syntax error: {err.problem or err.context}")
        return None
    if node is None:
        return Loaded(None)
    converter = _Converter(path, problems)
    try:
        data = converter.convert(node, ())
    except _TooLarge:
        problems.add(Position(path), "", f"more than {MAX_NODES:,} values (an alias bomb?); refused")
        return None
    return Loaded(data, converter.spots)


def load_issue(issue_dir: Path, problems: Problems) -> Loaded | None:
    """Load `issue.yaml` and splice in every article given as `- include: FILE`."""
    issue = load_yaml(issue_dir / "issue.yaml", problems)
    if issue is None or not isinstance(issue.data, dict):
        return issue
    sections = issue.data.get("sections")
    for s, section in enumerate(sections if isinstance(sections, list) else []):
        articles = section.get("articles") if isinstance(section, dict) else None
        for a, article in enumerate(articles if isinstance(articles, list) else []):
            if isinstance(article, dict) and set(article) == {"include"}:
                _splice(issue, ("sections", s, "articles", a), issue_dir, problems)
    return issue


def _splice(issue: Loaded, keypath: KeyPath, issue_dir: Path, problems: Problems) -> None:
    """Replace an `include` entry by the article file it names, keeping that file's positions."""
    target = issue.data
    for part in keypath:
        target = target[part]
    name = target["include"]
    where = issue.position((*keypath, "include"))
    issue.broken.add(keypath)
    if not isinstance(name, str) or not safe_relative(name):
        problems.add(where, _dotted((*keypath, "include")), "give a relative path inside the issue folder")
        return
    path = issue_dir / name
    if not path.is_file():
        problems.add(where, _dotted((*keypath, "include")), f"included file not found: {name}")
        return
    included = load_yaml(path, problems)
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
