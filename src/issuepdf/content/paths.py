"""Where things are: the project an issue belongs to (its layouts and fonts, beside the issues or in the
source tree). A run finds it once and carries it in a `project.Project`."""

from __future__ import annotations

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
