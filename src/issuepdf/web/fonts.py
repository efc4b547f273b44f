"""The web pages' own fonts: WOFF2 subsets of the project's fonts with just the characters the pages show.

Korean must read on any machine, also one with no Korean font, and a whole Noto Sans CJK face is 16 MB;
a subset of the ~900 characters of an issue is a few hundred kB. The archive page uses the same subsetter.
Subsets are kept in the user's cache by font file and characters, so an issue whose text brings no new
character, or another issue with the same characters, is not subset again (2-3 s for the three faces).
"""

from __future__ import annotations

import hashlib
import io
import string
from dataclasses import dataclass
from pathlib import Path

from ..pipeline.output import write_atomic

SANS = "Noto Sans CJK KR"


@dataclass(frozen=True)
class Face:
    """One `@font-face`: a family name, a weight, the project font it is a subset of, and its file in the site."""

    family: str
    weight: int
    source: str
    file: str


FACES = (
    Face(SANS, 400, "NotoSansCJKkr-Regular.otf", "sans.woff2"),
    Face(SANS, 700, "NotoSansCJKkr-Bold.otf", "sans-bold.woff2"),
    Face("Noto Serif CJK KR", 400, "NotoSerifCJKkr-Regular.otf", "serif.woff2"),
    Face("Noto Serif CJK KR", 700, "NotoSerifCJKkr-Bold.otf", "serif-bold.woff2"),
    Face("Noto Sans Symbols2", 400, "NotoSansSymbols2-Regular.ttf", "symbols.woff2"),
)
"""The faces a page may use: the text's sans, and the families a chart's SVG may name (the chart theme's)."""
TEXT_FAMILIES = (SANS, "Noto Sans Symbols2")
"""The families of the pages' text (web.css names them in this order); symbols fill what CJK lacks (⬧)."""


def web_font(font: Path, text: str) -> bytes:
    """A WOFF2 subset of `font` with the glyphs of `text` and of printable ASCII (what a reader types)."""
    from fontTools import subset  # only web pages need it

    options = subset.Options(flavor="woff2")
    loaded = subset.load_font(font, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + string.printable)
    subsetter.subset(loaded)
    out = io.BytesIO()
    subset.save_font(loaded, out, options)
    return out.getvalue()


def cached_web_font(font: Path, text: str, cache: Path) -> bytes:
    """`web_font`, kept in `cache` by the font file (name, size, time) and the set of characters."""
    stat = font.stat()
    characters = "".join(sorted(set(text)))
    key = hashlib.sha256(f"{font.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0{characters}".encode()).hexdigest()
    path = cache / "web-fonts" / f"{key[:24]}.woff2"
    if path.is_file():
        return path.read_bytes()
    data = web_font(font, characters)
    write_atomic(path, data)
    return data


def user_cache() -> Path:
    """Where subsets are kept between runs and issues (like the compiled templates)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("issuepdf"))


def font_files(fonts: Path, text: str, families: set[str], cache: Path) -> dict[str, bytes]:
    """The site's font files (name → WOFF2) for the faces of `families`, each a subset for `text`."""
    return {
        face.file: cached_web_font(fonts / face.source, text, cache)
        for face in FACES
        if face.family in families and (fonts / face.source).is_file()
    }


def font_css(files: dict[str, bytes]) -> str:
    """`@font-face` rules for the font files written (relative URLs, which browsers load from file:// too)."""
    rules = [
        f'@font-face {{ font-family: "{face.family}"; src: url("{face.file}") format("woff2"); '
        f"font-weight: {face.weight}; font-display: swap; }}"
        for face in FACES
        if face.file in files
    ]
    return "/* Written by issuepdf: subsets of the project's fonts with the characters of these pages. */\n" + (
        "\n".join(rules) + "\n"
    )
