"""The bulletin's visual theme for charts, read from `layouts/theme.yaml` (issue folder first)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .errors import InvalidIssue
from .loader import inside
from .problems import Position, Problems
from .report import read_model


class Theme(BaseModel):
    """Chart styling shared by every chart of an issue, so they match the page's typography."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    font_family: str = "Noto Sans CJK KR"
    """The font of every chart label; must be a family of fonts/."""
    font_size: float = 12
    """Label size in CSS pixels at the chart's exported size."""
    text_color: str = "#222222"
    """Colour of labels and axis titles."""
    grid_color: str = "#d9d9d9"
    """Colour of gridlines."""
    palette: list[str] = ["#1f4e79", "#c0504d", "#4f9d69", "#e3a33b", "#7f6aa8", "#3fa7c9"]
    """Series colours, in order."""


def load_theme(layout_dirs: list[Path]) -> Theme:
    """The first `theme.yaml` along the layout fallback chain, or the defaults.

    Read like the issue: positions kept, every problem reported with them, and a link that leads out
    of its layouts folder refused (its content is never read, so never echoed).
    """
    for folder in layout_dirs:
        path = folder / "theme.yaml"
        if not path.exists():
            continue
        problems = Problems()
        if inside(folder, "theme.yaml") is None:
            problems.add(Position(path), "", "a link to a file outside the layouts folder; copy the file in instead")
            raise InvalidIssue(problems)
        theme = read_model(Theme, path, problems)
        if theme is None:
            raise InvalidIssue(problems)
        return theme
    return Theme()
