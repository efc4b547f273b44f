"""Markdown emphasis beside Korean particles (the CJK-friendly amendment), and CommonMark elsewhere."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from issuepdf.content.emphasis import cjk_friendly_emphasis, is_cjk
from issuepdf.content.markup import inline

commonmark = MarkdownIt("commonmark")
amended = MarkdownIt("commonmark").use(cjk_friendly_emphasis)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("**73%**가", "<strong>73%</strong>가"),
        ("**‘…데모데이’**를", "<strong>‘…데모데이’</strong>를"),
        ("**첨단기술기업(高新技术企业)**으로", "<strong>첨단기술기업(高新技术企业)</strong>으로"),
        ("**화웨이(华为)**는", "<strong>화웨이(华为)</strong>는"),
        ("**이 용어(This term)**를", "<strong>이 용어(This term)</strong>를"),
        ("*기울임*을", "<em>기울임</em>을"),
        ("「**보고서**」와 **「연감」**에", "「<strong>보고서</strong>」와 <strong>「연감」</strong>에"),
        ("これは**「重要」**です。", "これは<strong>「重要」</strong>です。"),
        ("葛\U000e0100**(갈)**은", "葛\U000e0100<strong>(갈)</strong>은"),
    ],
)
def test_emphasis_closes_before_a_korean_particle(text: str, html: str) -> None:
    assert str(inline(text, "syllable")) == html


@pytest.mark.parametrize(
    "text",
    [
        *("2*3*4", "snake_case_name", "__init__", "**bold**", "an *emphasized* word", "**foo.**bar", "a * b * c"),
        *("_강조_를", "** 가**", "가 ** 나", "**(커피)**☕", "☕**(커피)**!"),
    ],
)
def test_other_emphasis_is_commonmark(text: str) -> None:
    assert amended.renderInline(text) == commonmark.renderInline(text)


@given(st.text(alphabet="ab1 *_.,()%'\"-", max_size=20))
def test_text_without_cjk_is_commonmark(text: str) -> None:
    assert amended.renderInline(text) == commonmark.renderInline(text)


@pytest.mark.parametrize(("char", "cjk"), [("가", True), ("\u1161", True), ("华", True), ("「", True), ("Ａ", True)])
def test_cjk_characters(char: str, cjk: bool) -> None:
    assert is_cjk(char) is cjk


@pytest.mark.parametrize("char", ["a", "%", "’", "①", "😀", "☕"])
def test_not_cjk_characters(char: str) -> None:
    assert not is_cjk(char)
