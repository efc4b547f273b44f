"""Text to safe HTML: Markdown inline formatting, escaping, and Korean line-break control.

WeasyPrint ignores `word-break: keep-all`, so a Korean line may break between any two
syllables. For word-level breaking (어절) we put U+2060 WORD JOINER between characters of a
word; it has no width, and the PDF's text layer does not carry it (tests check that).
"""

from __future__ import annotations

import re
from html import unescape
from typing import Literal

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

LineBreaking = Literal["word", "syllable"]

WORD_JOINER = "\u2060"
_CJK = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORDISH = _CJK + "A-Za-z0-9·%~‘’“”'\"()\\[\\]<>《》〈〉「」『』【】〔〕（）"
_JOIN = re.compile(f"(?<=[{_CJK}])(?=[{_WORDISH}])|(?<=[{_WORDISH}])(?=[{_CJK}])")
_TAG = re.compile(r"(<[^>]*>)")

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
_markdown.enable("linkify")
_markdown.disable("image")


def join_words(text: str) -> str:
    """Glue the characters of each Korean word together so lines break only at spaces."""
    return _JOIN.sub(WORD_JOINER, text)


def _join_outside_tags(html: str) -> str:
    """Join words in the text between tags, and across tags (`<strong>비</strong>를`).

    Entities are decoded first so that `&gt;` joins like `>`.
    """
    out: list[str] = []
    previous = ""
    for part in _TAG.split(html):
        if _TAG.fullmatch(part) or not part:
            out.append(part)
            continue
        text = unescape(part)
        glue = WORD_JOINER if previous and _JOIN.search(previous + text[0]) else ""
        out.append(glue + str(escape(join_words(text))))
        previous = text[-1]
    return "".join(out)


_MARKDOWN_SIGNS = re.compile(r"[*_`\[\]<>&!\\~]|https?:|www\.|\w@\w|  $", re.MULTILINE)
"""Characters and patterns Markdown or linkify could act on; text without any is plain text."""


def inline(text: str, breaking: LineBreaking) -> Markup:
    """Markdown inline formatting to HTML; raw HTML in the text is shown, never interpreted."""
    if not _MARKDOWN_SIGNS.search(text):  # most paragraphs: skip the parser, same output
        return plain(text.strip(), breaking)
    html = _markdown.renderInline(text).strip()
    return Markup(_join_outside_tags(html) if breaking == "word" else html)


def plain(text: str, breaking: LineBreaking) -> Markup:
    """Escaped text without Markdown, for titles, labels and table cells that are not prose."""
    html = str(escape(text))
    return Markup(_join_outside_tags(html) if breaking == "word" else html)
