"""Markdown emphasis that works in Korean: the CommonMark CJK-friendly amendment for markdown-it-py.

CommonMark decides whether `**` opens or closes emphasis from the characters on either side
("flanking"): after punctuation it closes only before a space or punctuation, so in
`**‘데모데이’**를` or `**73%**가` the particle glued to the closing `**` leaves the asterisks
literal. The amendment (github.com/tats-u/markdown-cjk-friendly) lets a CJK character (Hangul
included) on either side count as punctuation does. The PyPI plugin for it does not fix Korean
(measured), so this is the rule itself. `_` keeps CommonMark's rules, as in the amendment's
reference implementation: inside words it is literal either way (`snake_case_name`).
"""

from __future__ import annotations

import unicodedata
from types import MethodType

from markdown_it import MarkdownIt
from markdown_it.common.utils import isWhiteSpace
from markdown_it.rules_inline import emphasis
from markdown_it.rules_inline.state_inline import Scanned, StateInline

_VARIATION_SELECTORS = range(0xFE00, 0xFE0F)
"""Standardized variation selectors other than the emoji one (U+FE0F): the delimiter sees the character before."""

_IDEOGRAPHIC_VARIATION_SELECTORS = range(0xE0100, 0xE01F0)


def cjk_friendly_emphasis(md: MarkdownIt) -> None:
    """markdown-it plugin: `*` and `**` judged by the amended flanking rules."""
    md.inline.ruler.at("emphasis", _emphasis)


def _emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis rule, with the amended delimiter scan (its only use of `scanDelims`)."""
    state.scanDelims = MethodType(_scan_delims, state)  # type: ignore[method-assign]
    return emphasis.tokenize(state, silent)


def _scan_delims(state: StateInline, start: int, can_split_word: bool) -> Scanned:
    """CommonMark's scan, except that a run of `*` beside a CJK character both opens and closes.

    Beside whitespace, or for `_`, the amendment changes nothing. Otherwise it makes a run both left-
    and right-flanking when a CJK character is on either side, and `*` (unlike `_`) then opens and closes.
    """
    scanned = StateInline.scanDelims(state, start, can_split_word)
    before = _character_before(state.src, start)
    end = start + scanned.length
    after = state.src[end] if end < state.posMax else " "
    if not can_split_word or isWhiteSpace(ord(before)) or isWhiteSpace(ord(after)):
        return scanned
    if is_cjk(before) or is_cjk(after) or ord(before) in _IDEOGRAPHIC_VARIATION_SELECTORS:
        return Scanned(True, True, scanned.length)
    return scanned


def _character_before(text: str, start: int) -> str:
    """The character before a delimiter run, looking through a variation selector; line starts count as space."""
    before = text[start - 1] if start > 0 else " "
    if ord(before) in _VARIATION_SELECTORS and start > 1 and not isWhiteSpace(ord(text[start - 2])):
        return text[start - 2]
    return before


def is_cjk(char: str) -> bool:
    """A CJK character as the amendment defines it: East Asian Width W, F or H but not emoji, or Hangul."""
    code = ord(char)
    if code < 0x1100:
        return False
    width = unicodedata.east_asian_width(char)
    if width in ("F", "H"):
        return True
    if width == "W":
        return not _is_emoji(char)
    return unicodedata.name(char, "").startswith("HANGUL")  # conjoining vowels and finals are not wide


def _is_emoji(char: str) -> bool:
    """Default emoji presentation, closely enough for wide characters: the pictographs of U+1F000–U+1FAFF
    and the wide symbols below the CJK blocks (⌚, ☕, ⭐)."""
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or (code < 0x2E80 and unicodedata.category(char) == "So")
