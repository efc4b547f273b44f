"""Text to safe HTML: Markdown inline formatting, escaping, and Korean line-break control.

WeasyPrint ignores `word-break: keep-all`, so a Korean line may break between any two
syllables; in `word` mode `linebreak.keep_words` glues each word (어절) with invisible joiners.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Literal

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from .emphasis import cjk_friendly_emphasis
from .linebreak import WORD_JOINER as WORD_JOINER  # re-exported: tests check it never reaches a PDF
from .linebreak import keep_words

LineBreaking = Literal["word", "syllable"]

_TAG = re.compile(r"<[^>]*>")


def _reader() -> MarkdownIt:
    """The bulletin's Markdown: CommonMark inline with CJK-friendly emphasis and bare addresses as links."""
    return (
        MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
        .use(cjk_friendly_emphasis)
        .enable("linkify")
        .disable("image")
    )


_markdown = _reader()
_unjoined = _reader().disable("text_join")
"""The same reading, with escaped characters kept as tokens of their own (`text_join` merges them)."""

_MARKDOWN_SIGNS = re.compile(r"[*_`\[\]<>&!\\~]|https?:|www\.|\w@\w|  $", re.MULTILINE)
"""Characters and patterns Markdown or linkify could act on; text without any is plain text."""


def inline(text: str, breaking: LineBreaking) -> Markup:
    """Markdown inline formatting to HTML; raw HTML in the text is shown, never interpreted."""
    # most paragraphs have no Markdown signs: skip the parser, same output
    html = _markdown.renderInline(text).strip() if _MARKDOWN_SIGNS.search(text) else str(escape(text.strip()))
    # prose is justified: long compounds may break rather than leave a loose line (linebreak.py)
    return Markup(keep_words(html, compounds=True) if breaking == "word" else html)


def reader_text(markdown: str) -> str:
    """Markdown inline text as readers see it, without tags: `**굵게**` → `굵게`, `[글](url)` → `글`.

    The one Markdown reading of the fidelity check, the contents and the archive's search index."""
    return unescape(_TAG.sub("", inline(markdown, "syllable"))).strip()


LEFTOVER = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)[^*]*(?<=\S)\*(?![\w*])")
"""Emphasis marks that Markdown printed instead of applying: `**`, `__`, or `*…*` around text."""


def unapplied_marks(markdown: str) -> str | None:
    """The first emphasis marks Markdown prints as they stand instead of applying them, or None.

    Only marks in plain text count: those written escaped (`\\*`), inside code or inside a bare
    address print as written because the editor asked for it."""
    pieces: list[str] = []
    in_address = False
    for token in _unjoined.parseInline(markdown)[0].children or []:
        if token.type in ("link_open", "link_close"):
            in_address = token.type == "link_open" and token.markup in ("linkify", "autolink")
        pieces.append(token.content if token.type == "text" and not in_address else "\0")
    found = LEFTOVER.search("".join(pieces))
    return found.group(0) if found else None


def inline_photo(markdown: str) -> str | None:
    """The caption of the first `![caption](path)` in a text, or None. The bulletin's Markdown prints no
    image inside a text: it would print '!caption' as a link, and the photo nowhere."""
    if "![" not in markdown:
        return None
    tokens = _unjoined.parseInline(markdown)[0].children or []
    for index, token in enumerate(tokens[1:], start=1):
        before = tokens[index - 1]
        if token.type == "link_open" and not token.markup and before.type == "text" and before.content.endswith("!"):
            end = next(i for i in range(index, len(tokens)) if tokens[i].type == "link_close")
            return "".join(t.content for t in tokens[index:end])
    return None


def plain(text: str, breaking: LineBreaking) -> Markup:
    """Escaped text without Markdown, for titles, labels and table cells that are not prose."""
    html = str(escape(text))
    return Markup(keep_words(html) if breaking == "word" else html)
