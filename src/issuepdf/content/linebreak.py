"""Word-level (어절) line breaking for Korean, as Korean word processors break lines.

WeasyPrint 70 rejects `keep-all` and breaks Korean between any two syllables. So every gap inside a
space-delimited word gets U+2060 WORD JOINER, whatever its characters (㎢, ㈜, ①, ℃, `K-스타트업`,
brackets, quotes, Hanja), except where a break is wanted: after a hyphen between Latin letters
(`Wi-|Fi`), after the punctuation of a URL, and in a word too wide to glue whole. Both helper
characters have no width and do not reach the PDF's text layer (tests check that).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from html import unescape
from itertools import groupby
from operator import add

from markupsafe import escape

WORD_JOINER = "\u2060"
"""Forbids a line break where it stands."""

BREAK = "\u200b"
"""ZERO WIDTH SPACE: allows a line break where it stands; pdftotext and copy-paste drop it (tested)."""


def squeezed(text: str) -> str:
    """Text as a reader sees it on one line: without the joiners and break marks line breaking adds, and
    each run of whitespace one space (for messages, titles in mail, comparisons)."""
    return " ".join(text.replace(WORD_JOINER, "").replace(BREAK, "").split())


MAX_GLUED_WIDTH = 30
"""The widest word glued whole, in half-width units (a Hangul syllable or Hanja counts 2): 15 syllables.

The body column holds about 47 syllables (170 mm of 10.25pt text). A glued word that does not fit
moves to the next line and leaves its width as extra space between the words of the line before:
for a third of the line that is already about 5 mm a space (seen on issue 260). So a wider word may
break where CSS `word-break: keep-all` allows, beside punctuation (`단계+|인큐베이터`), and a run of
letters still wider than this between its syllables, or every 30 characters if Latin, as a word
processor breaks a word longer than the line.
"""

COMPOUND_SYLLABLES = 6
"""A run of this many Hangul syllables or more is a compound (`과학기술정보통신부는`): it may break inside.

Kept whole, such a word leaves up to its own width as stretched spaces on the line before it (5× the
normal space, seen on issue 260). Korean typesetting breaks a long compound at a syllable rather than
leave a loose line; the break falls after an even number of syllables from the word's start (Sino-Korean
compounds are made of two-syllable words: `과학기술|정보통신부는`), with at least two syllables before and
three after it, so that a particle (`는`, `에서`) never starts a line alone.
"""
COMPOUND_HEAD, COMPOUND_TAIL = 2, 3
"""The fewest syllables of a compound left before and after a break inside it."""

URL_BREAK_AFTER = "/.-?&=_"
"""URL punctuation a line may break after (a run of them, like `//`, is not split)."""

_TAG = re.compile(r"(<[^>]*>)")
_WORD = re.compile(r"[^\s\u200b]{2,}")
_URL = re.compile(r"(?:https?://|www\.)[!-~]+")
_URL_GAP = re.compile(f"[{re.escape(URL_BREAK_AFTER)}](?=[^{re.escape(URL_BREAK_AFTER)}])")
_LATIN_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")
_ASCII_RUN = re.compile(r"[A-Za-z0-9]{2,}")
_COMPOUND = re.compile(f"[\uac00-\ud7a3]{{{COMPOUND_SYLLABLES},}}")
_AMPERSAND = re.compile(r"(?<=[^\W\d_]{2})&(?=[^\W\d_]{2})")
_GLOSS = re.compile(r"(?<=[\uac00-\ud7a3]{3})[(（〔][\u4e00-\u9fff][^\s)）〕]{2,}[)）〕]")
"""A Hanja gloss in brackets, of three characters or more, after a name of three syllables or more:
`진펑커지(金风科技)` (lists of such names leave few spaces to stretch); not `기업(高新技术企业)`."""
_MAY_CLUSTER = re.compile(r"[^\x00-\u02ff\uac00-\ud7a3\u4e00-\u9fff]")
"""A shortcut past most text: below U+0300, Hangul syllables and CJK ideographs, no character joins a
grapheme cluster (in a cluster, some character is outside these: a mark, a jamo, a ZWJ...)."""


_BRACKETED = re.compile(r"[(（\[][^()（）\[\]]*[)）\]]")
_NUMBER_UNIT = re.compile(r"(?<=\d) (?=[^\s\d\u2060])")
_BEFORE_BRACKET = re.compile(r"(?<=[^\W_])(?=[(（\[])")


def keep_phrases(text: str) -> str:
    """Where a short label such as a table header breaks: not inside brackets (`(억 위안)`) nor between a
    number and its unit (`2025 년`), but before the bracket (`기업가치|(억 위안)`). A joiner after a space
    forbids the break there; the space stays, so the text reads and copies as written."""
    text = _BRACKETED.sub(lambda bracketed: bracketed.group().replace(" ", " " + WORD_JOINER), text)
    text = _BEFORE_BRACKET.sub(BREAK, text)
    return _NUMBER_UNIT.sub(" " + WORD_JOINER, text)


def keep_words(html: str, compounds: bool = False) -> str:
    """Mark the words of an HTML fragment's text; tags stay as they are, and words run across them.

    Entities are decoded first, so that `&lt;` is glued like `<` (and re-escaped after). With
    `compounds` (justified prose), long compounds may break between syllables (`COMPOUND_SYLLABLES`);
    titles and labels, set ragged, keep them whole.
    """
    parts = _TAG.split(html)
    texts = [unescape(part) for part in parts[::2]]
    marks = word_marks("".join(texts), compounds)
    start = 0
    for i, text in enumerate(texts):
        parts[2 * i] = str(escape("".join(map(add, marks[start : start + len(text)], text))))
        start += len(text)
    return "".join(parts)


def word_marks(text: str, compounds: bool = False) -> list[str]:
    """What goes before each character: a joiner inside a word, a break opportunity, or nothing.

    Each rule runs over the whole text, later ones winning (rules per word would cost more).
    """
    marks = [""] * len(text)
    long_words = _join_words(text, marks)
    _open_latin_hyphens(text, marks)
    _break_urls(text, marks)
    for word in long_words:
        _open_long_word(word.group(), marks, word.start())
    if compounds:
        _open_compounds(text, marks)
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


def _open_compounds(text: str, marks: list[str]) -> None:
    """A long run of Hangul syllables may break after every second syllable, away from its ends; a Hanja
    gloss in brackets may start a line (`진펑커지|(金风科技),`), as Korean typesetting allows before an
    opening bracket; and `&` between words may end one (`클라우드&|모바일`)."""
    for run in _COMPOUND.finditer(text):
        start, end = run.span()
        for i in range(start + COMPOUND_HEAD, end - COMPOUND_TAIL + 1, 2):
            marks[i] = ""
    if "&" in text:  # `클라우드&|모바일`, as after a hyphen
        for ampersand in _AMPERSAND.finditer(text):
            marks[ampersand.end()] = ""
    if "(" in text or "（" in text or "〔" in text:
        for gloss in _GLOSS.finditer(text):
            marks[gloss.start()] = ""


def _open_long_word(word: str, marks: list[str], start: int) -> None:
    """Let a word too wide to glue break as `keep-all` would: beside punctuation, where UAX #14 allows."""
    if sum(map(_width, word)) <= MAX_GLUED_WIDTH:
        return
    letters = [_is_letter(char) for char in word]
    for i in range(1, len(word)):
        if not (letters[i - 1] and letters[i]) and marks[start + i] == WORD_JOINER:
            marks[start + i] = ""
    i = 0
    for is_letter, run in groupby(word, key=_is_letter):
        length = len(list(run))
        if is_letter:
            _open_letter_run(word[i : i + length], marks, start + i)
        i += length


def _open_letter_run(run: str, marks: list[str], start: int) -> None:
    """Letters too many for a line break between wide ones (syllables), and every so often if narrow."""
    if sum(map(_width, run)) <= MAX_GLUED_WIDTH:
        return
    glued = 1
    for i in range(1, len(run)):
        if _width(run[i - 1]) == 2 or _width(run[i]) == 2:
            marks[start + i], glued = "", 1
        elif glued == MAX_GLUED_WIDTH:
            marks[start + i], glued = BREAK, 1
        else:
            glued += 1


@cache
def _is_letter(char: str) -> bool:
    """Letters and digits, between which `keep-all` forbids breaks (UAX #14 classes AL, NU, ID, H2, H3)."""
    return unicodedata.category(char)[0] in "LN"


@cache
def _width(char: str) -> int:
    """2 for wide and full-width characters (Hangul, Hanja, full-width forms), else 1."""
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _inside_clusters(text: str) -> list[int]:
    """The characters that continue a grapheme cluster (UAX #29, the rules that matter here).

    No mark may go before them: it would split an accent, an emoji sequence or a jamo syllable.
    """
    if not any(map(_in_clusters, _MAY_CLUSTER.findall(text))):
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
