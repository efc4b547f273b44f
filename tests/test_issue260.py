"""Issue 260 in full, checked against the text of the printed original."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.pipeline.build import BuildResult, build

from .support.pdfs import page_texts

REFERENCE = Path(__file__).parent / "fixtures" / "reference" / "issue-260-text.txt"
"""The text of the printed issue 260 (from shared/reference), kept with the tests so the check always runs."""
ARTICLE_STARTS = [1, 157, 299, 445, 819, 1006, 1262, 1319, 1376]
"""First line of each article in the reference text (the ICO section title is line 1260)."""
WORD = re.compile(r"[가-힣A-Za-z]+")


@pytest.fixture(scope="module")
def issue260(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    work = tmp_path_factory.mktemp("issue") / "260"
    shutil.copytree(SOURCE_ROOT / "issues" / "260", work, ignore=shutil.ignore_patterns("out"))
    return build(work, strict=True)


PAGE_FURNITURE = re.compile(r"^\s*(CHINA 창업|중국 창업 뉴스|주간 중국 창업\s+\d+\s+제 260 호\(2021\.12\.22\))\s*$")
"""Running headers and footers that the extraction left among the reference's lines."""


def reference_articles() -> list[list[str]]:
    """The Hangul/Latin words of each article of the reference, in order, without page furniture."""
    lines = ["" if PAGE_FURNITURE.match(line) else line for line in REFERENCE.read_text(encoding="utf-8").splitlines()]
    bounds = [*ARTICLE_STARTS, len(lines) + 1]
    return [WORD.findall("\n".join(lines[a - 1 : b - 1])) for a, b in itertools.pairwise(bounds)]


LOOKAHEAD = 400
"""How far (in letters) the next word may be from the last one found; a missing word does not
make the search jump ahead and lose the rest of the article. Words of one or two letters must
be much closer: `년` would otherwise match inside a later `작년의` and skip what lies between."""
SHORT_LOOKAHEAD = 40
MOVED_BLOCK_MIN = 5


def found_in_order(words: list[str], text: str, start: int, end: int) -> tuple[int, list[list[str]]]:
    """How many words appear in `text[start:end]` in order, and the runs of words that did not.

    Both sides keep only letters, so the extraction's words split by line breaks (`최` / `신`)
    still match in order, and so does the PDF's own line breaking.
    """
    found, missed, run = 0, [], []
    for word in words:
        reach = LOOKAHEAD if len(word) > 2 else SHORT_LOOKAHEAD
        at = text.find(word, start, min(end, start + reach + len(word)))
        if at >= 0:
            found, start = found + 1, at + len(word)
            if run:
                missed.append(run)
            run = []
        else:
            run.append(word)
    return found, [*missed, run] if run else missed


def moved_block(run: list[str], text: str, start: int, end: int) -> int:
    """Words of a missed run found in order elsewhere in the article: a box the extraction moved.

    The extraction puts text boxes (checklists, flows, timelines) after the article's text; the
    bulletin prints them where they belong. Such a run counts if at least 90% of it is found in order.
    """
    if len(run) < MOVED_BLOCK_MIN:
        return 0
    best = 0
    at = text.find(run[0], start, end)
    while at >= 0 and best < len(run):
        found, _ = found_in_order(run, text, at, end)
        best = max(best, found)
        at = text.find(run[0], at + 1, end)
    return best if best >= 0.9 * len(run) else 0


def article_score(words: list[str], text: str, start: int, end: int) -> tuple[float, int]:
    """The share of an article's reference words found in order, and how many were in moved boxes."""
    found, missed = found_in_order(words, text, start, end)
    moved = sum(moved_block(run, text, start, end) for run in missed)
    return (found + moved) / len(words), moved


def test_every_reference_word_is_in_the_pdf_in_order(issue260: BuildResult) -> None:
    body = [line for page in page_texts(issue260.pdf)[2:] for line in page.splitlines()]
    text = "".join(WORD.findall("".join(line for line in body if not _furniture(line))))
    articles = reference_articles()
    starts = [text.find("".join(words[:6])) for words in articles]
    assert all(at >= 0 for at in starts), f"an article's opening words are missing: {starts}"
    ends = [*starts[1:], len(text)]
    ratios, moved = [], 0
    for words, start, end in zip(articles, starts, ends, strict=True):
        ratio, in_boxes = article_score(words, text, start, end)
        ratios.append(round(ratio, 4))
        moved += in_boxes
    total = sum(len(words) for words in articles)
    overall = sum(r * len(w) for r, w in zip(ratios, articles, strict=True)) / total
    print(
        f"issue 260: {overall:.2%} of {total} reference words in order ({moved} in moved boxes); per article {ratios}"
    )
    assert min(ratios) >= 0.99, ratios


def _furniture(line: str) -> bool:
    """A running header or the footer of our PDF."""
    return line in ("CHINA 창업", "중국 창업 뉴스", "ICO News Letter by PLAYCOIN", "KIC 중국 소식") or bool(
        re.fullmatch(r"주간 중국 창업 \d+ 제 260 호\(2021\.12\.22\)", line)
    )


def contents_entries(pdf: Path) -> list[tuple[str, int]]:
    """(title, page) of each article line on the contents page."""
    layout = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [(m[1], int(m[2])) for m in re.finditer(r"^\s*(.+?)\s*\.(?: ?\.)+\s+(\d+)\s*$", layout, re.M)]


def test_contents_page_numbers_are_where_the_titles_are(issue260: BuildResult) -> None:
    pages = ["".join(text.split()) for text in page_texts(issue260.pdf)]
    entries = contents_entries(issue260.pdf)
    assert len(entries) == 10
    for title, page in entries:
        wanted = "".join(title.split())
        first = next(i + 1 for i, text in enumerate(pages) if i >= 2 and wanted in text)
        assert first == page, f"contents says {title!r} is on page {page}; it starts on page {first}"


def test_page_count_and_size(issue260: BuildResult) -> None:
    reader = PdfReader(issue260.pdf)
    assert 28 <= len(reader.pages) <= 40
    assert all(text.strip() != "" for text in page_texts(issue260.pdf))
