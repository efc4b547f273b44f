"""Placeholder images for photos not delivered yet: marked as such, at the photo's aspect ratio.

The editor replaces one by saving the real photo at the path the photo block names; the next
build uses it, with no change to the YAML.
"""

from __future__ import annotations

from pathlib import Path

from ..content.paths import confined
from .output import write_atomic

WIDTH = 800


def placeholder_path(cache: Path, ratio: str) -> Path:
    """Where the placeholder for an aspect ratio like `4:3` lives in the issue's cache."""
    w, h = ratio.split(":")
    return confined(cache / "placeholders", cache.parent) / f"photo-{w}x{h}.svg"


def placeholder_svg(ratio: str) -> str:
    """A grey, crossed box that says it is a placeholder, sized to the ratio."""
    w, h = (int(part) for part in ratio.split(":"))
    height = round(WIDTH * h / w)
    mid_x, mid_y = WIDTH / 2, height / 2
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" \
viewBox="0 0 {WIDTH} {height}">
<rect x="1" y="1" width="{WIDTH - 2}" height="{height - 2}" fill="#eceff3" stroke="#9aa5b1" stroke-width="2"/>
<path d="M1 1L{WIDTH - 1} {height - 1}M{WIDTH - 1} 1L1 {height - 1}" stroke="#d3d9e0" stroke-width="2"/>
<rect x="{mid_x - 170}" y="{mid_y - 50}" width="340" height="100" fill="#eceff3"/>
<text x="{mid_x}" y="{mid_y - 5}" text-anchor="middle" font-family="Noto Sans CJK KR" font-size="34" \
fill="#5b6673">사진 준비 중</text>
<text x="{mid_x}" y="{mid_y + 35}" text-anchor="middle" font-family="Noto Sans CJK KR" font-size="22" \
fill="#7b8692">placeholder {ratio}</text>
</svg>
"""


def write_placeholders(paths: dict[Path, str]) -> None:
    """Write each placeholder that is not in the cache as it should be: the cache came with the issue
    folder, and a file there by the placeholder's name could show anything in the photo's place."""
    for path, ratio in paths.items():
        svg = placeholder_svg(ratio).encode("utf-8")
        try:
            current = path.read_bytes() if path.is_file() else None
        except OSError:
            current = None
        if current != svg:
            write_atomic(path, svg)
