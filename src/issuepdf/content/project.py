"""The project a run works in, resolved once from the issue folder and carried to every stage: where the
issue, its layouts (with the issue's overrides first), fonts and caches are, and its settings and theme."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .paths import cache_dir, project_root
from .settings import Settings, load_settings
from .theme import Theme, load_theme


@dataclass(frozen=True)
class Project:
    """An issue folder and the project it belongs to, resolved once: every stage asks this where things are,
    and nothing looks the project up again."""

    issue_dir: Path
    """The issue's folder, resolved."""
    root: Path
    """The project: the folder with `layouts/` and `fonts/` (and `issuepdf.yaml`)."""

    @classmethod
    def of(cls, issue_dir: Path) -> Project:
        resolved = issue_dir.resolve()
        return cls(resolved, project_root(resolved))

    @property
    def fonts(self) -> Path:
        return self.root / "fonts"

    @property
    def layouts(self) -> Path:
        return self.root / "layouts"

    @cached_property
    def layout_dirs(self) -> tuple[Path, ...]:
        """The template fallback chain: the issue's overrides, then the project's layouts."""
        return tuple(d for d in (self.issue_dir / "layouts", self.layouts) if d.is_dir())

    @property
    def cache(self) -> Path:
        return cache_dir(self.issue_dir)

    @property
    def readable(self) -> list[Path]:
        """What WeasyPrint and the watcher may read: the issue, the project's layouts and fonts."""
        return [self.issue_dir, self.layouts, self.fonts]

    @property
    def settings(self) -> Settings:
        """`issuepdf.yaml` (defaults without it), read once per version of the file."""
        return load_settings(self.issue_dir)

    @property
    def theme(self) -> Theme:
        """The chart theme: the first `theme.yaml` along the layout chain."""
        return load_theme(list(self.layout_dirs))
