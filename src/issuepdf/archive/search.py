"""How the archive's search reads Korean: text into index tokens, a query into an FTS5 expression, a hit
into a snippet.

Korean needs care. SQLite's trigram tokenizer finds substrings of three characters or more only, and
most Korean nouns have two syllables: `MATCH '가젤'` (and `LIKE '%가젤%'`) on a trigram index find
nothing. unicode61 alone indexes whole 어절 (`가젤기업을`), so `가젤` would not match either. So the
catalog indexes runs of Hangul, Han and kana as overlapping bigrams plus the run's last syllable
(`블록체인` → 블록 록체 체인 인), as Lucene's CJK analyzer does, and turns each query word into the phrase
of its bigrams: any run of two or more syllables is found through the index, a single one by prefix.
Other words are indexed whole and matched by prefix (`aio` finds `AIoT`). Query words must all match.
"""

from __future__ import annotations

import re
import unicodedata

from ..content.errors import CatalogError

SNIPPET_WIDTH = 70
"""Characters of article text shown around the first match."""
_CJK = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff"
_PIECE = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
"""A run of CJK characters, or of other letters and digits: the pieces the index is made of."""
_IS_CJK = re.compile(rf"[{_CJK}]")


def normalize(text: str) -> str:
    """NFKC, so decomposed Hangul (from macOS) and full-width letters match what editors type."""
    return unicodedata.normalize("NFKC", text)


def _grams(piece: str) -> list[str]:
    """A CJK run as overlapping bigrams and its last character: every character starts one token."""
    return [piece[i : i + 2] for i in range(len(piece) - 1)] + [piece[-1]]


def index_text(text: str) -> str:
    """Text as the search index stores it: CJK runs as bigrams, other words whole."""
    tokens: list[str] = []
    for piece in _PIECE.findall(normalize(text)):
        tokens += _grams(piece) if _IS_CJK.match(piece) else [piece]
    return " ".join(tokens)


def query_terms(query: str) -> list[str]:
    """The words of a query, normalized; words without a letter or digit are dropped."""
    return [term for term in normalize(query).casefold().split() if _PIECE.search(term)]


def match_expression(query: str) -> str:
    """An FTS5 query finding articles that contain every word of `query`, also inside longer words."""
    phrases = []
    for term in query_terms(query):
        pieces = _PIECE.findall(term)
        tokens: list[str] = []
        prefix = False
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            if _IS_CJK.match(piece):
                grams = _grams(piece)
                if last and len(piece) > 1:
                    grams = grams[:-1]  # the word may go on in the text: its last syllable's token differs
                prefix = last and len(piece) == 1
                tokens += grams
            else:
                tokens.append(piece)
                prefix = last
        phrases.append(f'"{" ".join(tokens)}"' + ("*" if prefix else ""))
    if not phrases:
        raise CatalogError(f"nothing to search for in {query!r}: give a word")
    return " ".join(phrases)


def snippet(text: str, terms: list[str], width: int = SNIPPET_WIDTH) -> str:
    """The stretch of text around the first place a query word occurs, on one line."""
    flat = " ".join(normalize(text).split())
    folded = flat.casefold()
    places = [folded.find(term) for term in terms if term in folded]
    if not places:
        return flat[:width] + ("…" if len(flat) > width else "")
    start = max(0, min(places) - width // 3)
    space = flat.find(" ", start, min(places))
    start = space + 1 if start and space != -1 else start  # begin at a word
    end = min(len(flat), start + width)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
