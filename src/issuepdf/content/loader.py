"""Stage 1, load: an issue's `issue.yaml` and every article file it includes, as one body of plain data
remembering where every key and value stood (`file:line:col`).

An article file is YAML (`yamlfile.py`) or Markdown with YAML front matter (`mdarticle.py`); both give
the same positioned data, so validation and the fidelity check have one path. One `Budget` bounds the
issue and all its files together.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .mdarticle import MARKDOWN_SUFFIXES, parse_markdown
from .problems import Position, Problems
from .yamlfile import YAML_ADVICE as YAML_ADVICE
from .yamlfile import Budget as Budget
from .yamlfile import KeyPath as KeyPath
from .yamlfile import Loaded as Loaded
from .yamlfile import TooLarge, dotted, parse_yaml, read_text
from .yamlfile import load_yaml as load_yaml
from .yamlfile import read_bounded as read_bounded

ARTICLE_SUFFIXES = (".yaml", ".yml", *MARKDOWN_SUFFIXES)
"""The files `include:` takes: a YAML article, or a Markdown one."""


KEPT_ARTICLES = 256
"""Article files kept parsed in a process (a watch or serve session checks the issue on every save)."""
_kept: OrderedDict[tuple[Path, str], tuple[Loaded, int, int]] = OrderedDict()


def load_article(path: Path, problems: Problems, budget: Budget) -> Loaded | None:
    """An included article file, read by its kind: Markdown (`.md`) or YAML.

    A file that read cleanly before with the same bytes is not parsed again: its data (which no stage
    changes) is handed out as it was, and the budget is charged what the file cost it the first time.
    """
    text = read_text(path, problems)
    if text is None:
        return None
    key = (path, hashlib.sha256(text.encode()).hexdigest())
    if key in _kept:
        loaded, nodes, chars = _kept[key]
        _kept.move_to_end(key)
        try:
            budget.spend_kept(nodes, chars)
        except TooLarge as err:
            problems.add(Position(path), "", str(err))
            return None
        return loaded
    before = (len(problems.items), len(problems.warnings), budget.nodes, budget.chars)
    parse = parse_markdown if path.suffix.lower() in MARKDOWN_SUFFIXES else parse_yaml
    fresh = parse(text, path, problems, budget)
    if fresh is not None and before[:2] == (len(problems.items), len(problems.warnings)):
        _kept[key] = (fresh, budget.nodes - before[2], budget.chars - before[3])
        if len(_kept) > KEPT_ARTICLES:
            _kept.popitem(last=False)
    return fresh


def load_issue(issue_dir: Path, problems: Problems, budget: Budget | None = None) -> Loaded | None:
    """Load `issue.yaml` and splice in every article given as `- include: FILE`.

    One budget bounds the issue and all its files together, so including a file many times cannot
    multiply what one file may hold. `issue.yaml` itself, like every file it names, must lie inside the
    folder once its links are resolved: a link out is refused unread.
    """
    budget = budget or Budget()
    if inside(issue_dir, "issue.yaml") is None:
        problems.add(
            Position(issue_dir / "issue.yaml"), "", "a link to a file outside the issue folder; refused unread"
        )
        return None
    issue = load_yaml(issue_dir / "issue.yaml", problems, budget)
    if issue is None or not isinstance(issue.data, dict):
        return issue
    included: dict[Path, KeyPath] = {}
    for keypath, article in article_entries(issue.data):
        if isinstance(article, dict) and "include" in article:
            _splice(issue, keypath, issue_dir, problems, budget, included)
        elif isinstance(article, str) and article.endswith(ARTICLE_SUFFIXES):
            issue.broken.add(keypath)
            problems.add(issue.position(keypath), dotted(keypath), f"write '- include: {article}' to include a file")
    return issue


def article_entries(data: Any) -> Iterator[tuple[KeyPath, Any]]:
    """Each entry of each section's `articles` in issue.yaml's data, with its key path, whatever it holds
    (an article, an include, a mistake: validation reports what is malformed)."""
    sections = data.get("sections") if isinstance(data, dict) else None
    for s, section in enumerate(sections if isinstance(sections, list) else []):
        articles = section.get("articles") if isinstance(section, dict) else None
        for a, article in enumerate(articles if isinstance(articles, list) else []):
            yield ("sections", s, "articles", a), article


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
    where, shown = issue.position((*keypath, "include")), dotted((*keypath, "include"))
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
    included = load_article(issue_dir / name, problems, budget)
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
