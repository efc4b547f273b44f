"""Problems found in an issue's sources, each with the file, line and column it comes from.

Every stage appends to one `Problems` list instead of raising at the first fault, so an editor
sees everything that is wrong in one run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Position:
    """A place in a source file; line and column count from 1, as editors' tools do."""

    file: Path
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        shown = shown_path(self.file)
        return f"{shown}:{self.line}:{self.col}" if self.line else shown


def shown_path(path: Path) -> str:
    """How every message names a file: relative to the working folder when inside it (shorter, and
    clickable in terminals), else absolute; never `../..`."""
    absolute = Path(os.path.abspath(path))
    return str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(absolute)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an issue: where, which key, and what to do about it."""

    pos: Position | None
    keypath: str
    message: str
    warning: bool = False
    """A warning does not stop a build (unless `--strict`); an error does."""

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        key = f"{self.keypath}: " if self.keypath else ""
        return f"{where}{key}{'warning: ' if self.warning else ''}{self.message}"


@dataclass
class Problems:
    """An ordered, de-duplicated collection of problems from every stage."""

    items: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    """Things worth fixing that do not stop a build: kept apart, never counted as errors."""

    def add(self, pos: Position | None, keypath: str, message: str) -> None:
        problem = Problem(pos, keypath, message)
        if problem not in self.items:
            self.items.append(problem)

    def warn(self, pos: Position | None, keypath: str, message: str) -> None:
        problem = Problem(pos, keypath, message, warning=True)
        if problem not in self.warnings:
            self.warnings.append(problem)

    def __iter__(self) -> Iterator[Problem]:
        return iter(sorted(self.items, key=_sort_key))

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def _sort_key(problem: Problem) -> tuple[str, int, int]:
    pos = problem.pos
    return (str(pos.file), pos.line, pos.col) if pos else ("", 0, 0)
