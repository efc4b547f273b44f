"""Word-level (어절) line breaking for Korean, as a word processor or CSS `word-break: keep-all` does.

WeasyPrint 70 rejects `keep-all` and breaks Korean between any two syllables. So every gap inside a
space-delimited word gets U+2060 WORD JOINER, whatever its characters (㎢, ㈜, ①, ℃, `K-스타트업`,
brackets, quotes, Hanja), except where a break is wanted: after a hyphen between Latin letters
(`Wi-|Fi`), after the punctuation of a URL, and in a word too wide to fit a line. Both helper
characters have no width and do not reach the PDF's text layer (tests check that).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from html import unescape
from operator import add

from markupsafe import escape

WORD_JOINER = "\u2060"
"""Forbids a line break where it stands."""

BREAK = "\u200b"
"""ZERO WIDTH SPACE: allows a line break where it stands; pdftotext and copy-paste drop it (tested)."""

MAX_GLUED_WIDTH = 60
"""The widest run of glued characters, in half-width units (a Hangul syllable or Hanja counts 2).

The body column is 170 mm of 10.25pt text, about 47 syllables or 90 Latin letters a line, and table
cells, notes and profiles are narrower. A word wider than 30 syllables might not fit a line, so it is
breakable between its wide characters (as a word processor breaks a word longer than the line) and
its runs of narrow ones get a break every 60 characters.
"""

URL_BREAK_AFTER = "/.-?&=_"
"""URL punctuation a line may break after (a run of them, like `//`, is not split)."""

_TAG = re.compile(r"(<[^>]*>)")
_WORD = re.compile(r"[^\s\u200b]{2,}")
_URL = re.compile(r"(?:https?://|www\.)[!-~]+")
_URL_GAP = re.compile(f"[{re.escape(URL_BREAK_AFTER)}](?=[^{re.escape(URL_BREAK_AFTER)}])")
_LATIN_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")
_ASCII_RUN = re.compile(r"[A-Za-z0-9]{2,}")


def keep_words(html: str) -> str:
    """Mark the words of an HTML fragment's text; tags stay as they are, and words run across them.

    Entities are decoded first, so that `&lt;` is glued like `<` (and re-escaped after).
    """
    parts = _TAG.split(html)
    texts = [unescape(part) for part in parts[::2]]
    marks = word_marks("".join(texts))
    start = 0
    for i, text in enumerate(texts):
        parts[2 * i] = str(escape("".join(map(add, marks[start : start + len(text)], text))))
        start += len(text)
    return "".join(parts)


def word_marks(text: str) -> list[str]:
    """What goes before each character: a joiner inside a word, a break opportunity, or nothing.

    Each rule runs over the whole text, later ones winning (rules per word would cost more).
    """
    marks = [""] * len(text)
    long_words = _join_words(text, marks)
    _open_latin_hyphens(text, marks)
    _break_urls(text, marks)
    for word in long_words:
        _open_long_word(word.group(), marks, word.start())
    for i in _inside_clusters(text):
        marks[i] = ""
    for run in _ASCII_RUN.finditer(text):  # Latin letters and digits never break between themselves
        start, end = run.span()
        marks[start + 1 : end] = ["" if mark == WORD_JOINER else mark for mark in marks[start + 1 : end]]
    return marks


def _join_words(text: str, marks: list[str]) -> list[re.Match[str]]:
    """Put a joiner between every two characters of each word; return the words that may be too wide."""
    long_words = []
    for word in _WORD.finditer(text):
        start, end = word.span()
        marks[start + 1 : end] = [WORD_JOINER] * (end - start - 1)
        if end - start > MAX_GLUED_WIDTH // 2:  # at most 2 units a character
            long_words.append(word)
    return long_words


def _open_latin_hyphens(text: str, marks: list[str]) -> None:
    """`Wi-|Fi` may break after its hyphen, as UAX #14 allows; `K-스타트업` may not."""
    if "-" in text:
        for hyphen in _LATIN_HYPHEN.finditer(text):
            marks[hyphen.end()] = ""


def _break_urls(text: str, marks: list[str]) -> None:
    """A URL may break after its punctuation, so that it neither runs off the line nor leaves a gap."""
    if "://" in text or "www." in text:
        for url in _URL.finditer(text):
            for gap in _URL_GAP.finditer(url.group()):
                marks[url.start() + gap.end()] = BREAK


def _open_long_word(word: str, marks: list[str], start: int) -> None:
    """Let a word too wide for a line break as a word processor breaks a word longer than the line.

    Gaps beside its wide characters are left to UAX #14 (which breaks between syllables but not before
    a closing bracket), and its runs of narrow characters get a break opportunity every so often.
    """
    wide = [_width(char) == 2 for char in word]
    if sum(wide) + len(word) <= MAX_GLUED_WIDTH:
        return
    run = 1
    for i in range(1, len(word)):
        if wide[i - 1] or wide[i]:
            marks[start + i] = ""
        if marks[start + i] != WORD_JOINER:
            run = 1
        elif run == MAX_GLUED_WIDTH:
            marks[start + i], run = BREAK, 1
        else:
            run += 1


@cache
def _width(char: str) -> int:
    """2 for wide and full-width characters (Hangul, Hanja, full-width forms), else 1."""
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _inside_clusters(text: str) -> list[int]:
    """The characters that continue a grapheme cluster (UAX #29, the rules that matter here).

    No mark may go before them: it would split an accent, an emoji sequence or a jamo syllable.
    """
    if not any(map(_in_clusters, text)):
        return []  # the usual case: every character is a cluster of its own
    inside = []
    regional = 0  # regional indicators pair up into flags
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        regional = regional + 1 if _is_regional(before) else 0
        flag_pair = regional % 2 == 1 and _is_regional(after)
        if _extends(after) or before == "\u200d" or _jamo_joins(before, after) or flag_pair:
            inside.append(i)
    return inside


@cache
def _in_clusters(char: str) -> bool:
    """Whether a character can share a grapheme cluster with its neighbour."""
    return _extends(char) or _is_regional(char) or _hangul_type(char) in ("L", "V", "T")


@cache
def _extends(char: str) -> bool:
    """Combining marks, variation selectors, ZWJ/ZWNJ, emoji modifiers and tags join the character before."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char in "\u200c\u200d"
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _is_regional(char: str) -> bool:
    """A regional indicator letter: two of them make one flag."""
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _jamo_joins(before: str, after: str) -> bool:
    """Whether conjoining Hangul jamo make one syllable block (UAX #29 rules GB6 to GB8)."""
    first, second = _hangul_type(before), _hangul_type(after)
    return (
        (first == "L" and second in ("L", "V", "LV", "LVT"))
        or (first in ("LV", "V") and second in ("V", "T"))
        or (first in ("LVT", "T") and second == "T")
    )


@cache
def _hangul_type(char: str) -> str:
    """Hangul_Syllable_Type: L, V or T for conjoining jamo, LV or LVT for syllables, '' for the rest."""
    code = ord(char)
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    return ""
