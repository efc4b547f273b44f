"""Where things are: the project an issue belongs to (its layouts and fonts, beside the issues or in the
source tree), found once per run and carried by a `Project` to every stage that needs a path."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .errors import IssuepdfError

SOURCE_ROOT = Path(__file__).resolve().parents[3]
"""The repository this package was installed from (editable installs)."""


def project_root(issue_dir: Path) -> Path:
    """The nearest folder above the issue with `layouts/` and `fonts/`, else the source tree."""
    for folder in [issue_dir.resolve(), *issue_dir.resolve().parents, SOURCE_ROOT]:
        if (folder / "layouts" / "base.html").is_file() and (folder / "fonts" / "fonts.conf").is_file():
            return folder
    raise IssuepdfError(
        f"no layouts/ and fonts/ found above {issue_dir} or in {SOURCE_ROOT}; run issuepdf in a project"
    )


def cache_dir(issue_dir: Path) -> Path:
    """Per-issue cache of rendered charts; safe to delete, never committed."""
    return issue_dir / ".cache"


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
