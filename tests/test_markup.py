"""Inline text: Markdown, escaping of raw HTML, and the word joiners of word-level breaking."""

from __future__ import annotations

from html import unescape

from hypothesis import assume, given
from hypothesis import strategies as st

from issuepdf.content.linebreak import keep_words
from issuepdf.content.markup import _MARKDOWN_SIGNS, _markdown, inline, plain
from issuepdf.content.markup import WORD_JOINER as WJ


def test_words_are_joined_and_spaces_stay_breakable() -> None:
    assert str(plain("산업 연구소", "word")) == f"산{WJ}업 연{WJ}구{WJ}소"


def test_syllable_mode_inserts_nothing() -> None:
    assert str(inline("산업 연구소", "syllable")) == "산업 연구소"


def test_brackets_latin_and_hanzi_stay_with_their_word() -> None:
    assert str(plain("즈우(挚物)는 IoT싱크탱크", "word")) == (
        f"즈{WJ}우{WJ}({WJ}挚{WJ}物{WJ}){WJ}는 IoT{WJ}싱{WJ}크{WJ}탱{WJ}크"  # Latin needs no joiner
    )


def test_joined_across_formatting_and_entities() -> None:
    html = str(inline("**연구개발비**를 <2022 도감>을", "word"))
    # a compound of six syllables may break after its second (content/linebreak.py, COMPOUND_SYLLABLES)
    assert html == f"<strong>연{WJ}구개{WJ}발{WJ}비</strong>{WJ}를 &lt;{WJ}2022 도{WJ}감{WJ}&gt;{WJ}을"


def test_raw_html_is_shown_not_interpreted() -> None:
    html = str(inline('<img src="file:///etc/hostname"> <script>x()</script>', "syllable"))
    assert "<img" not in html and "<script" not in html
    assert "&lt;img" in html and "&lt;script&gt;" in html


def test_markdown_inline_formatting_and_links() -> None:
    assert str(inline("**굵게** `code` https://kic.org", "syllable")) == (
        '<strong>굵게</strong> <code>code</code> <a href="https://kic.org">https://kic.org</a>'
    )


@given(st.text(alphabet="가나 다㎢㈜①℃%‘’“”「」（）ＡＩ华K-Wi2'\"()·…\u0301👍🏽\u3000", max_size=40))
def test_plain_text_skips_the_parser_with_the_same_output(text: str) -> None:
    assume(not _MARKDOWN_SIGNS.search(text))  # two spaces before a line end are Markdown (a hard break)
    html = _markdown.renderInline(text).strip()
    assert inline(text, "word") == keep_words(html)
    assert unescape(inline(text, "syllable")) == unescape(html)  # `'` may be escaped or not
