"""Word-level (어절) breaking: which gaps inside a word get a joiner, a break opportunity, or nothing."""

from __future__ import annotations

from html import unescape
from itertools import pairwise

import pytest
from markupsafe import escape

from issuepdf.content.linebreak import (
    _MAY_CLUSTER,
    BREAK,
    MAX_GLUED_WIDTH,
    WORD_JOINER,
    _in_clusters,
    keep_phrases,
    keep_words,
)

WJ = WORD_JOINER

PROTECTED = [
    *("120.56㎢에서", "35㎡의", "5㎏을", "㈜카카오와", "①번", "⑫항에", "25℃의", "73%가", "Ⅱ단계에서"),
    *("K-스타트업이", "e-스포츠", "IoT싱크탱크", "5G를", "ＡＩ기업", "３분기", "100억위안", "1~2월", "9·11"),
    *(
        "‘데모데이’를",
        "“혁신”은",
        "「보고서」와",
        "『연감』에",
        "（주）에서",
        "〈도감〉을",
        "《인민일보》는",
        "【속보】",
    ),
    *("화웨이(华为)는", "기업(高新技术企业)으로", "[종합]", "'인용'을", '"따옴표"를', "<2022>를", "A/B테스트", "…등"),
]
"""A word of every class of character in Korean text: none may break inside."""


def glued(word: str) -> str:
    """The word with a joiner in every gap, except between two Latin letters or digits (never broken)."""
    gaps = ["" if (a + b).isascii() and (a + b).isalnum() else WJ for a, b in pairwise(word)]
    return word[0] + "".join(gap + char for gap, char in zip(gaps, word[1:], strict=True))


def marked(text: str, compounds: bool = True) -> str:
    """The text as word mode marks it in prose (compounds open), entities decoded."""
    return unescape(keep_words(str(escape(text)), compounds))


@pytest.mark.parametrize("word", PROTECTED)
def test_every_class_of_character_stays_with_its_word(word: str) -> None:
    assert marked(word) == glued(word)


def test_spaces_stay_the_only_breaks_between_words() -> None:
    assert marked("산업 연구소\u3000센터") == f"산{WJ}업 연{WJ}구{WJ}소\u3000센{WJ}터"


def test_a_hyphen_between_latin_letters_may_break() -> None:
    assert marked("Wi-Fi를") == f"Wi{WJ}-Fi{WJ}를"
    assert marked("K-스타트업") == glued("K-스타트업")


@pytest.mark.parametrize(
    "pieces",
    [
        ["e\u0301", "clair", "를"],  # a combining accent
        ["👍🏽", "와"],  # an emoji modifier
        ["👨\u200d👩\u200d👧", "를"],  # a ZWJ sequence
        ["🇰🇷", "🇨🇳", "국", "기"],  # flags: regional indicators in pairs
        ["葛\U000e0100", "城"],  # an ideographic variation selector
        ["⚠\ufe0f", "주", "의"],  # an emoji variation selector
        ["ᄀᆞᆫ", "글"],  # old Hangul in conjoining jamo
    ],
)
def test_no_joiner_inside_a_grapheme_cluster(pieces: list[str]) -> None:
    assert marked("".join(pieces)).split(WJ) == pieces


def test_urls_may_break_after_their_punctuation() -> None:
    url = "https://www.example.com/path/to-page?a=1&b=2_c"
    assert marked(url).replace(WJ, "").split(BREAK) == [
        *("https://", "www.", "example.", "com/", "path/", "to-", "page?", "a=", "1&", "b=", "2_", "c"),
    ]
    assert marked("www.kic.org에서").split(BREAK) == [f"www{WJ}.", f"kic{WJ}.", f"org{WJ}에{WJ}서"]


def test_linked_urls_break_in_their_text_not_in_their_address() -> None:
    text = f"https{WJ}:{WJ}/{WJ}/{BREAK}kic{WJ}.{BREAK}org{WJ}/{BREAK}a{WJ}/{BREAK}b"
    html = keep_words('<a href="https://kic.org/a/b">https://kic.org/a/b</a>를')
    assert html == f'<a href="https://kic.org/a/b">{text}</a>{WJ}를'


@pytest.mark.parametrize(
    "run",
    [
        "가나다라마바사아자차카타파하" * 9,  # 126 syllables without a space
        "中国科技部火炬高技术产业开发中心发布了年度高新技术企业认定名单共有一万余家企业入选" * 2,  # 84 Hanzi
    ],
)
def test_a_word_too_wide_for_a_line_breaks_between_its_syllables(run: str) -> None:
    assert marked(run) == run


def test_a_word_too_wide_to_glue_breaks_beside_punctuation_not_between_letters() -> None:
    words = ["단계", "인큐베이터", "엑셀러레이", "과학기술"]
    assert marked("+".join(words)) == "+".join(map(glued, words))
    assert (
        marked("재외동포신문(http://www.kic.org)")
        == f"{glued('재외')}{glued('동포신문')}(http://{BREAK}www.{BREAK}kic.{BREAK}org)"
    )


def test_latin_letters_too_many_for_a_line_break_every_so_often() -> None:
    assert [len(piece) for piece in marked("x" * 150).split(BREAK)] == [MAX_GLUED_WIDTH] * 5


def test_the_widest_glued_word_is_the_limit() -> None:
    widest = "中" * (MAX_GLUED_WIDTH // 2)
    assert marked(widest) == glued(widest)
    assert marked(widest + "中") == widest + "中"


@pytest.mark.parametrize(
    ("word", "pieces"),
    [
        ("과학기술정보통신부는", ["과학", "기술", "정보", "통신부는"]),  # after every second syllable
        ("재중한인과학기술자협회와의", ["재중", "한인", "과학", "기술", "자협", "회와의"]),
        ("중소기업에서", ["중소", "기업에서"]),  # six syllables: one place, three kept at the end
        ("진펑커지(金风科技),", ["진펑커지", "(金风科技),"]),  # a gloss after a name of three syllables
        ("‘창업보육센터’를", ["‘창업", "보육센터’를"]),  # the quotes stay with the syllables beside them
        ("클라우드&모바일", ["클라우드&", "모바일"]),  # after & between words, as after a hyphen
    ],
)
def test_a_long_compound_may_break_between_syllables_away_from_its_ends(word: str, pieces: list[str]) -> None:
    assert marked(word) == "".join(map(glued, pieces))


@pytest.mark.parametrize(
    "word", ["컨퍼런스를", "인큐베이터", "기업(高新技术企业)으로", "화웨이(华为)는", "K-스타트업이"]
)
def test_a_word_of_five_syllables_or_a_short_gloss_stays_whole(word: str) -> None:
    assert marked(word) == glued(word)


def test_titles_keep_their_compounds_whole() -> None:
    assert marked("과학기술정보통신부는", compounds=False) == glued("과학기술정보통신부는")


def test_the_cluster_shortcut_skips_only_characters_that_never_join_a_cluster() -> None:
    skipped = [chr(code) for code in [*range(0x300), *range(0xAC00, 0xD7A4), *range(0x4E00, 0xA000)]]
    assert not _MAY_CLUSTER.search("".join(skipped))
    assert not any(map(_in_clusters, skipped))


@pytest.mark.parametrize(
    ("label", "kept"),
    [
        ("기업가치(억 위안)", f"기업가치{BREAK}(억 {WJ}위안)"),  # may break before the bracket, not inside
        ("목표 (2025 년)", f"목표 (2025 {WJ}년)"),
        ("투자액 [억 원]", f"투자액 [억 {WJ}원]"),
        ("12 월 4 일", f"12 {WJ}월 4 {WJ}일"),  # a number and its unit
        ("구분", "구분"),
    ],
)
def test_a_label_breaks_between_phrases_not_inside_them(label: str, kept: str) -> None:
    assert keep_phrases(label) == kept
