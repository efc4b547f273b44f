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
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
_markdown.use(cjk_friendly_emphasis)
_markdown.enable("linkify")
_markdown.disable("image")

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

    The one Markdown reading of the check, the fidelity check and the archive's search index."""
    return unescape(_TAG.sub("", inline(markdown, "syllable"))).strip()


def plain(text: str, breaking: LineBreaking) -> Markup:
    """Escaped text without Markdown, for titles, labels and table cells that are not prose."""
    html = str(escape(text))
    return Markup(keep_words(html) if breaking == "word" else html)
