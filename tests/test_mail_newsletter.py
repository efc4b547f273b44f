"""The issue in the email, read as a reader's mail client would: headless Chromium at phone (375 px) and desktop
(600 px) widths without horizontal scrolling, every link resolving (web edition pages, PDF pages, unsubscribe),
the plain-text part saying the same, hostile titles escaped."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.mail.draft import Draft, compose
from issuepdf.mail.newsletter import Bodies
from issuepdf.mail.unsubscribe import Unsubscribe, read_ticket
from issuepdf.web.site import build_site

from .support.projects import make_project
from .test_send import SECRET, unsubscribe_secret

__all__ = ["unsubscribe_secret"]
SITE = "https://news.kic.example/bulletin"
PDF = "https://news.kic.example/pdf/260.pdf"
READER = "reader@example.org"
LONG_WORD = "https://example.org/" + "아주긴주소" * 30  # no break opportunity for 150 characters
LONG_LEAD = (
    "12월 10일 2021 중국 혁신창업 성과 교역회가 광저우에서 개최되었다. "
    + "행사에는 투자자와 창업자 등 300여 명이 참석했다. " * 12
)
ISSUE = f"""\
title: 주간 중국 창업
number: 260
date: 2021-12-22
publisher: KIC 중국
sections:
  - title: 중국 창업 뉴스
    articles:
      - title: 광저우 혁신 성과 <script>alert("교역회")</script> & 박람회
        tag: 창업기업
        body:
          - {LONG_LEAD}
          - 두 번째 문단.
      - title: 주소가 긴 기사
        body:
          - "{LONG_WORD}"
  - title: "CHINA 창업 — 기획: 중관춘 창업 거리와 선전 화창베이의 하드웨어 생태계"
    articles:
      - title: 중국 과학기술부 횃불센터
        id: 횃불 센터/../index
        body:
          - 횃불센터는 첨단기술산업화를 연구한다.
"""


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Draft:
    settings = f"""\
    site_url: {SITE}
    email:
      sender: KIC 중국 <news@kic.example>
      unsubscribe_url: https://news.kic.example/unsubscribe
      pdf_url: https://news.kic.example/pdf/{{number}}.pdf
      footer: KIC 중국 · 베이징
    """
    project = make_project(tmp_path_factory.mktemp("newsletter"), settings, {"260": {"issue.yaml": ISSUE}})
    return compose(project / "issues" / "260")


@pytest.fixture(scope="module")
def bodies(draft: Draft) -> tuple[str, str]:
    """The text and HTML a subscriber gets."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ISSUEPDF_UNSUBSCRIBE_SECRET", SECRET)
        unsubscribe = Unsubscribe.of(draft.settings)
    return Bodies.of(draft.edition).personal(unsubscribe.link(READER))


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.external: list[str] = []
        """src or stylesheet references: a message must load nothing."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a":
            self.hrefs.append(values["href"] or "")
        if "src" in values or (tag == "link" and values.get("rel") == "stylesheet"):
            self.external.append(f"{tag} {values}")


def measure(page: str, width: int, tmp_path: Path) -> tuple[int, int]:
    """scrollWidth and clientWidth of the message shown in a frame `width` px wide, read back from Chromium's DOM."""
    wrapper = (
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="m" style="width:{width}px;height:20000px;border:0" '
        f'srcdoc="{html.escape(page)}"></iframe><script>document.getElementById("m").onload = function () {{'
        'var d = this.contentDocument.documentElement; document.body.setAttribute("data-fit", d.scrollWidth + "/" +'
        " d.clientWidth); };</script></body></html>"
    )
    path = tmp_path / f"measure-{width}.html"
    path.write_text(wrapper, encoding="utf-8")
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom",
         path.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
        env={"FONTCONFIG_FILE": str(SOURCE_ROOT / "fonts" / "fonts.conf"), "HOME": str(tmp_path)},
    ).stdout  # fmt: skip
    found = re.search(r'data-fit="(\d+)/(\d+)"', dom)
    assert found, dom[-500:]
    return int(found[1]), int(found[2])


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (scripts/setup.sh)")
@pytest.mark.parametrize("width", [375, 600])
def test_no_horizontal_scroll_on_a_phone_or_a_desktop(bodies: tuple[str, str], width: int, tmp_path: Path) -> None:
    scroll, client = measure(bodies[1], width, tmp_path)
    assert client == width and scroll <= client, (scroll, client)
    shot = tmp_path / f"mail-{width}.png"
    page = tmp_path / "mail.html"
    page.write_text(bodies[1], encoding="utf-8")
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--window-size={width},1800",
         f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120, check=True,
        env={"FONTCONFIG_FILE": str(SOURCE_ROOT / "fonts" / "fonts.conf"), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert shot.stat().st_size > 10_000  # a page was drawn (looked at by hand: see docs/email.md)


def test_every_link_resolves(draft: Draft, bodies: tuple[str, str], tmp_path: Path) -> None:
    links = Links()
    links.feed(bodies[1])
    assert links.external == []
    web = build_site(draft.pdf.parent.parent, tmp_path / "web").folder  # the web edition, as published at SITE/260/
    articles = [article for section in draft.contents for article in section.articles]
    seen = {"web": 0, "pdf": 0, "unsubscribe": 0}
    for href in links.hrefs:
        url = urlsplit(href)
        if href.startswith(f"{SITE}/260/"):
            assert (web / href.removeprefix(f"{SITE}/260/")).is_file(), href
            seen["web"] += 1
        elif href.startswith(f"{PDF}#page="):
            assert 1 <= int(href.split("=")[1]) <= draft.pages
            seen["pdf"] += 1
        else:
            assert f"{url.scheme}://{url.netloc}{url.path}" == "https://news.kic.example/unsubscribe", href
            assert read_ticket(SECRET.encode(), "news.kic.example", parse_qs(url.query)["u"][0]) == READER
            seen["unsubscribe"] += 1
    assert seen == {"web": 2 * len(articles), "pdf": len(articles), "unsubscribe": 1}  # title and "웹에서 읽기"


def test_both_parts_say_the_same_and_hostile_text_stays_text(draft: Draft, bodies: tuple[str, str]) -> None:
    text, page = bodies
    assert "<script>" not in page
    assert '&lt;script&gt;alert("교역회")&lt;/script&gt; &amp; 박람회' in page
    for section in draft.contents:
        assert f"■ {section.title}" in text and f">{html.escape(section.title)}</h2>" in page
        for article in section.articles:
            assert f"{article.label} · {article.page}쪽" in text
            assert f"PDF {article.page}쪽</a>" in page
            lead = article.lead if len(article.lead) <= 300 else article.lead[:250]
            assert lead[:60] in text and html.escape(lead[:60]) in page
    long_lead = draft.contents[0].articles[0].lead
    assert len(long_lead) > 300 and "…" in text and long_lead not in text  # a long first paragraph is shortened
    assert "<h1 " in page and ">주간 중국 창업</h1>" in page and "제260호 · 2021.12.22" in page  # the masthead
    assert 'style="' in page and "prefers-color-scheme: dark" in page  # inlined, and the dark rules kept
    assert "KIC 중국의 주간 중국 창업 구독을 신청하신 분께 보내 드리는 메일입니다." in text
    assert "KIC 중국의 주간 중국 창업 구독을 신청하신 분께 보내 드리는 메일입니다." in page
    assert re.search(r"수신거부: https://news\.kic\.example/unsubscribe\?u=\S+\n$", text)
    assert "(광고)" not in draft.subject and "정보통신망법" not in text


def test_advertisement_option_prefixes_the_subject_and_adds_the_opt_out_notice(tmp_path: Path) -> None:
    settings = "email:\n  sender: KIC 중국 <news@kic.example>\n  advertisement: true\n"
    project = make_project(tmp_path / "p", settings, {"260": {"issue.yaml": ISSUE}})
    ad = compose(project / "issues" / "260")
    text = ad.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert ad.subject == "(광고) 주간 중국 창업 제260호 (2021.12.22)"
    assert "정보통신망법 제50조" in text and "\n수신거부: mailto:news@kic.example?subject=unsubscribe\n" in text
