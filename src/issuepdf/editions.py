"""Editions: one source, several PDFs, each for its own reader.

- screen: the default, for reading on screen and for the email edition; optionally tagged (PDF/UA).
- print: 3 mm bleed with crop marks (TrimBox = A4, BleedBox = A4 + 3 mm), PDF/X-4.
- archive: PDF/A-3b with every source file of the issue embedded, so the PDF alone rebuilds it.
- email: the screen layout with images downsampled for a small attachment.

Every edition is reproducible: its dates come from the issue's date (or SOURCE_DATE_EPOCH) and
its identifier from its content, so the same sources give the same bytes on any day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from typing import Any, Literal

from .settings import email_image_options
from .validate import Checked

Edition = Literal["screen", "print", "archive", "email"]
EDITIONS: tuple[Edition, ...] = ("screen", "print", "archive", "email")
EMAIL_DPI = 150
EMAIL_JPEG_QUALITY = 80
KST = dt.timezone(dt.timedelta(hours=9))


@dataclass(frozen=True)
class EditionPlan:
    """What an edition changes: an extra stylesheet, PDF options, and the default file name."""

    name: Edition
    stylesheet: str | None
    variant: str | None
    image_options: tuple[tuple[str, Any], ...] = ()
    """WeasyPrint image options (dpi, jpeg_quality, optimize_images) for smaller files."""

    def file_name(self, number: int) -> str:
        return f"issue-{number}.pdf" if self.name == "screen" else f"issue-{number}-{self.name}.pdf"


PLANS: dict[Edition, EditionPlan] = {
    "screen": EditionPlan("screen", None, None),
    "print": EditionPlan("print", "edition-print.css", "pdf/x-4"),
    "archive": EditionPlan("archive", None, "pdf/a-3b"),
    "email": EditionPlan(
        "email", None, None, (("dpi", EMAIL_DPI), ("jpeg_quality", EMAIL_JPEG_QUALITY), ("optimize_images", True))
    ),
}


def build_time(checked: Checked) -> dt.datetime:
    """The moment recorded in the PDF: SOURCE_DATE_EPOCH if set, else midnight of the issue date in Seoul."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.combine(checked.issue.date, dt.time(), tzinfo=KST)


def render_options(plan: EditionPlan, checked: Checked) -> dict[str, Any]:
    """WeasyPrint's render options for an edition: WeasyPrint 70 reads the image options at layout."""
    options: dict[str, Any] = dict(plan.image_options)
    if plan.name == "email":
        options.update(email_image_options(checked))  # issuepdf.yaml or the issue may set dpi and quality
    return options


def pdf_options(plan: EditionPlan, checked: Checked, tagged: bool) -> dict[str, Any]:
    """WeasyPrint's write_pdf options for an edition."""
    options: dict[str, Any] = {"pdf_identifier": _identifier(checked, plan)}
    if plan.variant:
        options["pdf_variant"] = plan.variant
    if tagged:
        options["pdf_tags"] = True
    if plan.name == "archive":
        options["attachments"] = source_attachments(checked)
    return options


def _identifier(checked: Checked, plan: EditionPlan) -> bytes:
    """A PDF /ID derived from the sources and the edition, never random."""
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(plan.name.encode())
    for path in checked.sources:
        digest.update(path.relative_to(checked.issue_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest().encode()


def source_attachments(checked: Checked) -> list[Any]:
    """Every source file as a PDF attachment named by its path in the issue folder."""
    from weasyprint import Attachment

    moment = build_time(checked)
    return [
        Attachment(
            filename=str(path),
            name=path.relative_to(checked.issue_dir).as_posix(),
            description="issuepdf source",
            created=moment,
            modified=moment,
            relationship="Source",
        )
        for path in checked.sources
    ]
