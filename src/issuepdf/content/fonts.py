"""The project's own fonts: make every renderer use only them, and know what they cover.

WeasyPrint (pango) and the chart browser (Chrome) both ask fontconfig for fonts; pointing
FONTCONFIG_FILE at `fonts/fonts.conf` keeps the output independent of the machine's fonts.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

from platformdirs import user_cache_dir

FONT_SUFFIXES = (".otf", ".ttf")


def use_project_fonts(fonts_dir: Path) -> None:
    """Point fontconfig at the project's fonts; must run before pango or Chrome starts."""
    os.environ["FONTCONFIG_FILE"] = str((fonts_dir / "fonts.conf").resolve())


def font_files(fonts_dir: Path) -> list[Path]:
    """The font files shipped in `fonts/`, sorted for stable hashes."""
    return sorted(p for p in fonts_dir.iterdir() if p.suffix.lower() in FONT_SUFFIXES)


def fonts_sha256(fonts_dir: Path) -> str:
    """A hash of the font files' names and bytes and of fonts.conf: the same fonts give the same hash on any
    machine, so the chart cache survives a fresh clone and the archive records the fonts exactly.

    Reading 26 MB takes ~20 ms, a tenth of a build's own work, so the result is kept (in memory and in the
    user's cache) for the files' names, sizes and modification times; a changed font file is read again."""
    files = [*font_files(fonts_dir), fonts_dir / "fonts.conf"]
    return _fonts_sha256(tuple((path, path.stat().st_size, path.stat().st_mtime_ns) for path in files))


@cache
def _fonts_sha256(files: tuple[tuple[Path, int, int], ...]) -> str:
    signature = hashlib.sha256(repr([(str(path), size, mtime) for path, size, mtime in files]).encode())

    def digest() -> str:
        whole = hashlib.sha256()
        for path, _, _ in files:
            with path.open("rb") as handle:
                whole.update(path.name.encode() + b"\0" + hashlib.file_digest(handle, "sha256").digest())
        return whole.hexdigest()

    return _kept(f"fonts-{signature.hexdigest()[:20]}.sha256", digest)


@cache
def coverage(fonts_dir: Path) -> frozenset[int]:
    """Every code point some font in `fonts/` has a glyph for (cached on disk: cmaps load slowly)."""

    def points() -> str:
        from fontTools.ttLib import TTFont

        found: set[int] = set()
        for path in font_files(fonts_dir):
            with TTFont(path, lazy=True) as font:
                found.update(font.getBestCmap())
        return json.dumps(sorted(found))

    return frozenset(json.loads(_kept(f"coverage-{fonts_sha256(fonts_dir)[:16]}.json", points)))


def _kept(name: str, compute: Callable[[], str]) -> str:
    """A value kept in the user's cache under `name`: read when there, else computed and written whole
    (another process may be writing it at the same moment)."""
    path = Path(user_cache_dir("issuepdf")) / name
    if path.is_file():
        return path.read_text(encoding="utf-8")
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(value, encoding="utf-8")
    tmp.replace(path)
    return value


def needs_glyph(char: str) -> bool:
    """Whether a character is drawn (spaces and controls need no glyph)."""
    return not char.isspace() and ord(char) >= 0x20 and char not in "\u200b\u200c\u200d\u2060\ufeff"
