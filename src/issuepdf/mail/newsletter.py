"""The issue in the email: the HTML and plain-text bodies a reader reads without opening the PDF.

Both bodies say the same: a masthead (title, number, date, publisher), the intro, then per section each
article's title line (number, 【tag】, title), its first paragraph, a link to its page in the web edition
(when `site_url` is set; `web.links.article_url` is the one rule for that address) and its page in the PDF,
then the footer (publisher, why the reader gets this, 수신거부). The HTML is a 600 px single-column table
layout with its CSS inlined (css-inline), a Korean web-safe font stack and a dark-mode stylesheet; it loads
nothing from the network and has no images, so nothing tracks the reader and nothing is lost when a client
blocks images.

The unsubscribe link differs for every subscriber. The bodies are rendered once per run with a marker in
its place (`Bodies`), and `Bodies.personal` puts each subscriber's link there: 10,000 messages cost one
rendering and one inlining, not 10,000.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from typing import Any

import css_inline

from ..content.linebreak import squeezed
from ..content.model import Issue
from ..content.settings import EmailSettings, fill_template
from ..pipeline.contents import ArticleEntry, SectionEntry
from ..pipeline.transform import title_line
from ..web.links import article_url

LEAD_LIMIT = 300
"""Characters of an article's first paragraph shown in the message; longer ones end at a word with `…`."""
FONTS = "'Apple SD Gothic Neo','Malgun Gothic','맑은 고딕','Noto Sans KR','Noto Sans CJK KR',sans-serif"
"""Korean web-safe fonts: macOS/iOS, Windows, then Android and Linux, then any sans-serif."""
AD_PREFIX = "(광고)"
AD_NOTICE = "본 메일은 정보통신망법 제50조에 따라 수신에 동의하신 분께 보내 드리는 광고성 정보입니다."

CSS = f"""
body {{ margin: 0; padding: 0; background: #eef0f3; -webkit-text-size-adjust: 100%; }}
table {{ border-collapse: collapse; }}
td {{ font-family: {FONTS}; color: #1d2129; word-break: keep-all; overflow-wrap: anywhere; }}
a {{ color: #0b5cad; }}
.outer {{ width: 100%; background: #eef0f3; }}
.gutter {{ padding: 16px 8px; }}
.sheet {{ width: 100%; max-width: 600px; background: #ffffff; }}
.masthead {{ padding: 28px 24px 20px; background: #16325c; color: #ffffff; }}
.masthead a {{ color: #ffffff; }}
.kicker {{ margin: 0 0 6px; font-size: 13px; letter-spacing: 1px; color: #c9d6ea; }}
.title {{ margin: 0; font-size: 26px; line-height: 1.3; font-weight: bold; color: #ffffff; }}
.issue {{ margin: 8px 0 0; font-size: 14px; color: #e3eaf5; }}
.intro {{ padding: 20px 24px 8px; font-size: 15px; line-height: 1.7; }}
.intro p {{ margin: 0 0 8px; }}
.note {{ color: #5b6470; font-size: 13px; }}
.section {{ padding: 24px 24px 4px; }}
.section h2 {{ margin: 0; padding-bottom: 6px; border-bottom: 2px solid #16325c; font-size: 17px; color: #16325c; }}
.article {{ padding: 14px 24px; border-bottom: 1px solid #e3e6ea; }}
.meta {{ margin: 0 0 4px; font-size: 12px; color: #5b6470; }}
.tag {{ color: #b4321e; font-weight: bold; }}
.article h3 {{ margin: 0 0 6px; font-size: 16px; line-height: 1.45; }}
.article h3 a {{ color: #1d2129; text-decoration: none; }}
.lead {{ margin: 0 0 8px; font-size: 14px; line-height: 1.7; color: #30363d; }}
.links {{ margin: 0; font-size: 13px; color: #5b6470; }}
.footer {{ padding: 20px 24px 28px; font-size: 12px; line-height: 1.7; color: #5b6470; background: #f7f8fa; }}
.footer p {{ margin: 0 0 6px; }}
.footer a {{ color: #5b6470; }}
"""
DARK = """
@media (prefers-color-scheme: dark) {
  body, .outer { background: #111418 !important; }
  .sheet, .article { background: #1b1f24 !important; }
  td, .article h3 a, .lead { color: #e6e8eb !important; }
  .section h2 { color: #9ec1ff !important; border-color: #9ec1ff !important; }
  a { color: #9ec1ff !important; }
  .meta, .links, .note { color: #a8b0ba !important; }
  .tag { color: #ff9b85 !important; }
  .footer { background: #15181c !important; color: #a8b0ba !important; }
  .footer a { color: #a8b0ba !important; }
  .article { border-color: #2c323a !important; }
}
"""
"""Kept in a <style> (a media query cannot be inlined): clients that honour it switch to dark colours."""


def pdf_page_url(pdf_url: str, page: int) -> str:
    """A page of the online PDF (`#page=N` is read by browsers' PDF viewers)."""
    return f"{pdf_url}#page={page}"


def shortened(text: str, limit: int = LEAD_LIMIT) -> str:
    """The text, or its first `limit` characters ending at a word and `…`."""
    text = squeezed(text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,.;:·") + "…"


def subject_line(settings: EmailSettings, values: dict[str, Any]) -> str:
    """The subject, with the `(광고)` prefix promotional mail must carry (정보통신망법 제50조) when so set."""
    subject = fill_template(settings.subject, values)
    return f"{AD_PREFIX} {subject}" if settings.advertisement else subject


@dataclass(frozen=True)
class Edition:
    """What both bodies show: the issue, its contents and how the PDF reaches the reader."""

    issue: Issue
    settings: EmailSettings
    subject: str
    contents: list[SectionEntry]
    about: str
    """The attachment as readers see it: `name (N쪽, 1.2 MB)`."""
    site_url: str | None = None
    """The web edition's address (`site_url` in issuepdf.yaml): each article links to its page there."""

    @property
    def values(self) -> dict[str, Any]:
        issue = self.issue
        return {"title": issue.title, "number": issue.number, "date": issue.date, "publisher": issue.publisher}

    @property
    def pdf_url(self) -> str | None:
        return fill_template(self.settings.pdf_url, self.values) if self.settings.pdf_url else None

    def web(self, article: ArticleEntry) -> str | None:
        if not self.site_url or not article.id:
            return None
        return article_url(self.site_url, self.issue.number, article.id)

    def page(self, article: ArticleEntry) -> str | None:
        return pdf_page_url(self.pdf_url, article.page) if self.pdf_url else None

    def why(self) -> str:
        """Why the reader gets this message (bulk senders must say so)."""
        return f"{self.issue.publisher}의 {self.issue.title} 구독을 신청하신 분께 보내 드리는 메일입니다."

    def closing(self) -> list[str]:
        """The footer's paragraphs before the unsubscribe link."""
        lines = [self.why()]
        if self.settings.footer:
            lines += [line for line in self.settings.footer.strip().splitlines() if line.strip()]
        if self.settings.advertisement:
            lines.append(AD_NOTICE)
        return lines


def text_body(edition: Edition, unsubscribe: str) -> str:
    """The plain-text part: the same as the HTML, one block per article."""
    issue = edition.issue
    lines = [edition.subject, f"{issue.publisher} · {issue.title} 제{issue.number}호 · {issue.date:%Y.%m.%d}", ""]
    lines.append(fill_template(edition.settings.intro, edition.values))
    lines.append(f"PDF: {edition.pdf_url}" if not edition.settings.attach_pdf else f"첨부: {edition.about}")
    for section in edition.contents:
        lines += ["", f"■ {squeezed(section.title)}"]
        for article in section.articles:
            lines += ["", f"{squeezed(article.label)} · {article.page}쪽"]
            if article.lead:
                lines.append(shortened(article.lead))
            if web := edition.web(article):
                lines.append(f"웹에서 읽기: {web}")
    lines += ["", "--", *edition.closing(), f"수신거부: {unsubscribe}"]
    return "\n".join(lines) + "\n"


def html_body(edition: Edition, unsubscribe: str) -> str:
    """The HTML part: a 600 px single-column table, CSS inlined, dark-mode rules kept in <style>."""
    e = html.escape
    issue = edition.issue
    rows = [
        '<tr><td class="masthead">',
        f'<p class="kicker">{e(issue.publisher)}</p>',
        f'<h1 class="title">{e(issue.title)}</h1>',
        f'<p class="issue">제{issue.number}호 · {issue.date:%Y.%m.%d}</p>',
        "</td></tr>",
        '<tr><td class="intro">',
        f"<p>{e(fill_template(edition.settings.intro, edition.values))}</p>",
        _pdf_note(edition),
        "</td></tr>",
    ]
    for section in edition.contents:
        rows.append(f'<tr><td class="section"><h2>{e(squeezed(section.title))}</h2></td></tr>')
        rows += [_article_row(edition, article) for article in section.articles]
    closing = "".join(f"<p>{e(line)}</p>" for line in edition.closing())
    rows.append(f'<tr><td class="footer">{closing}<p><a href="{e(unsubscribe)}">수신거부</a></p></td></tr>')
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="ko">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            '<meta name="supported-color-schemes" content="light dark">',
            f"<title>{e(edition.subject)}</title>",
            f"<style>{CSS}{DARK}</style>",
            "</head>",
            "<body>",
            '<table role="presentation" class="outer" width="100%"><tr><td class="gutter" align="center">',
            '<table role="presentation" class="sheet" width="100%">',
            *rows,
            "</table>",
            "</td></tr></table>",
            "</body>",
            "</html>",
        ]
    )
    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
    return str(inliner.inline(page)) + "\n"


def _pdf_note(edition: Edition) -> str:
    e = html.escape
    if not edition.settings.attach_pdf and edition.pdf_url:
        return f'<p class="note">PDF: <a href="{e(edition.pdf_url)}">{e(edition.pdf_url)}</a></p>'
    return f'<p class="note">첨부: {e(edition.about)}</p>'


def _article_row(edition: Edition, article: ArticleEntry) -> str:
    """Section and tag above the title (number and title, as the contents page prints them), the first paragraph,
    then the links: the web page and the PDF page."""
    e = html.escape
    web, page = edition.web(article), edition.page(article)
    heading = e(squeezed(title_line(article.number, None, article.title)))
    title = f'<a href="{e(web)}">{heading}</a>' if web else heading
    links = [f'<a href="{e(web)}">웹에서 읽기</a>'] if web else []
    links.append(f'<a href="{e(page)}">PDF {article.page}쪽</a>' if page else f"PDF {article.page}쪽")
    meta = e(squeezed(article.section)) + (f' · <span class="tag">{e(article.tag)}</span>' if article.tag else "")
    lead = f'<p class="lead">{e(shortened(article.lead))}</p>' if article.lead else ""
    return (
        f'<tr><td class="article"><p class="meta">{meta}</p><h3>{title}</h3>{lead}'
        f'<p class="links">{" · ".join(links)}</p></td></tr>'
    )


@dataclass(frozen=True)
class Bodies:
    """Both bodies rendered once, with a marker where each subscriber's unsubscribe link goes."""

    text: tuple[str, ...]
    """The plain text, split at the marker."""
    html: tuple[str, ...]

    @classmethod
    def of(cls, edition: Edition) -> Bodies:
        marker = f"https://issuepdf.invalid/unsubscribe-{secrets.token_hex(16)}"  # no issue text can hold it
        return cls(
            tuple(text_body(edition, marker).split(marker)),
            tuple(html_body(edition, marker).split(html.escape(marker))),
        )

    def personal(self, unsubscribe: str) -> tuple[str, str]:
        """The text and HTML bodies with this subscriber's unsubscribe link."""
        return unsubscribe.join(self.text), html.escape(unsubscribe).join(self.html)
