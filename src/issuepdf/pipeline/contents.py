"""The contents of a built issue, as the layout placed it: one record per section and per article.

The email body, the archive's manifest, catalog and web page (and the web edition) all list the same
titles and first pages; they take them from here rather than reading the finished PDF back. The page of
each article is where its anchor (`id`) first appears among the laid-out pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..content.markup import reader_text
from ..content.model import Article, printed_texts
from .transform import ArticleView, Document, title_line

if TYPE_CHECKING:
    import weasyprint


@dataclass(frozen=True)
class ArticleEntry:
    """An article: where it stands, where it starts, and what a reader reads in it (kept in manifests)."""

    section: str
    """The title of its section, as written."""
    title: str
    page: int
    """The page (from 1) where the article starts."""
    text: str = ""
    """Every word a reader sees besides the title (empty in manifests of format 1)."""
    number: int | None = None
    """The number the PDF prints before the title (not always 1, 2, …); None in an unnumbered section."""
    tag: str = ""
    """The category tag printed in 【】 before the title."""
    id: str = ""
    """The article's anchor in the PDF and in web pages (its own id or the automatic `s2-a3`)."""
    lead: str = ""
    """The article's first paragraph as a reader sees it (for summaries)."""

    @property
    def label(self) -> str:
        """The title line as the contents page prints it: number, tag, title."""
        return title_line(self.number, self.tag, self.title)


@dataclass(frozen=True)
class SectionEntry:
    """A section with the page it starts on and its articles."""

    title: str
    id: str
    page: int
    articles: tuple[ArticleEntry, ...]


def article_text(article: Article) -> str:
    """Every word of an article a reader sees besides its title (tag, source, outlet, credit, body: blocks,
    captions, cells), as the page prints it: the same texts the fidelity check finds on the page."""
    texts = printed_texts([getattr(article, name) for name in ("tag", "source", "outlet", "credit", "body")])
    return "\n".join(text for text in map(reader_text, texts) if text)


def lead(article: Article) -> str:
    """The first paragraph of the body, as a reader sees it; empty if the body opens with no paragraph."""
    return next((reader_text(block) for block in article.body if isinstance(block, str)), "")


def first_pages(laid_out: weasyprint.Document) -> dict[str, int]:
    """The page (from 1) where each anchor (section and article ids among them) first appears."""
    pages: dict[str, int] = {}
    for number, page in enumerate(laid_out.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages


def contents(document: Document, laid_out: weasyprint.Document) -> list[SectionEntry]:
    """Every section and article of the document with the page the layout put it on."""
    pages = first_pages(laid_out)
    return [
        SectionEntry(
            section.section.title,
            section.id,
            pages[section.id],
            tuple(_entry(section.section.title, view, pages[view.id]) for view in section.articles),
        )
        for section in document.sections
    ]


def _entry(section: str, view: ArticleView, page: int) -> ArticleEntry:
    a = view.article
    return ArticleEntry(section, a.title, page, article_text(a), view.number, a.tag or "", view.id, lead(a))
