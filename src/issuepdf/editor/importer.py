"""`issuepdf import`: a 한글 (HWPX) or Word (DOCX) document into the issue as a Markdown article.

Picks the reader by the file's kind, fills one `Draft`, writes it (`imported.write_import`), and says what
was mapped and what was not. The article is then checked like any other: its problems are printed.
"""

from __future__ import annotations

from pathlib import Path

from ..content.errors import ConvertError, IssuepdfError
from ..content.fonts import coverage
from ..content.problems import shown_path
from ..content.project import Project
from ..pipeline.build import check_issue
from .docx import read_docx
from .hwpx import HWP5_ADVICE, read_hwpx
from .imported import Draft, article_name, write_import

READERS = {".hwpx": read_hwpx, ".docx": read_docx}


def import_document(document: Path, issue_dir: Path, section: int = 1) -> list[str]:
    """Import `document` as a new article at the end of section `section`; the lines to print."""
    kind = document.suffix.lower()
    if kind == ".hwp":
        raise ConvertError(f"{shown_path(document)} {HWP5_ADVICE}")
    if kind == ".doc":
        raise ConvertError(f"{shown_path(document)} is an old Word file: save it as .docx in Word, then import that")
    reader = READERS.get(kind)
    if reader is None:
        raise ConvertError(f"{shown_path(document)}: issuepdf imports .hwpx and .docx documents")
    if not (issue_dir / "issue.yaml").is_file():
        raise ConvertError(f"{shown_path(issue_dir)} has no issue.yaml")
    draft = Draft(article_name(document, issue_dir), coverage(Project.of(issue_dir).fonts))
    reader(document, draft)
    lines = write_import(draft, issue_dir, section)
    try:
        check_issue(issue_dir)
    except IssuepdfError as err:
        lines += ["the issue does not check yet:", *err.messages, str(err)]
    else:
        lines.append(f"{shown_path(issue_dir)} checks: build it to see the article")
    return lines
