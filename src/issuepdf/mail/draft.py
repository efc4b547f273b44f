"""The email edition: a PDF within a size budget, and an .eml draft that carries it.

`compose` builds the email edition (the screen layout with downsampled photos), refuses a PDF
over the budget and names the images that make it heavy, then writes a message a mail client or
`issuepdf send` can use as is: subject from a template, plain-text and HTML bodies with the
contents and their pages (read back from the PDF's bookmarks, so they are the pages readers see),
and the PDF under its Korean file name (RFC 2231) with an ASCII fallback name.

The draft has no Date or Message-ID (a client or `send` adds them) and its MIME boundaries derive
from the content, so the same issue gives the same .eml bytes on any day, like the PDF. It is
stored with LF line ends, as Unix mail tools (munpack, mutt) read files; `send` transmits CRLF.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from string import Formatter
from typing import Any, cast

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject

from ..content.errors import InvalidIssue, IssuepdfError, OverBudget
from ..content.loader import load_yaml
from ..content.model import Issue, Photo
from ..content.problems import Problems
from ..content.settings import EmailSettings, email_settings, fill_template, one_line
from ..pipeline.build import Run, begin, build_checked, check_project
from ..pipeline.contents import SectionEntry
from ..pipeline.editions import PLANS
from ..pipeline.logs import counting_warnings
from ..pipeline.output import build_lock, replace_together, write_atomic
from ..pipeline.typeset import image_name
from .letter import Attachment, assemble
from .newsletter import Bodies, Edition, subject_line
from .unsubscribe import mail_link

logger = logging.getLogger("issuepdf")

LISTED_IMAGES = 5
"""How many of the largest images an over-budget error names."""


@dataclass(frozen=True)
class EmbeddedImage:
    """A raster image as stored in the PDF, and the photo file it came from when that is known."""

    source: str
    """The photo's path in the issue folder, or `image` when it cannot be traced."""
    size: int
    """Bytes in the PDF (with its transparency mask, if any)."""
    width: int
    height: int
    pages: tuple[int, ...]
    source_size: int | None = None

    def __str__(self) -> str:
        where = f"page {', '.join(map(str, self.pages))}" if self.pages else "no page"
        origin = f", file {megabytes(self.source_size)}" if self.source_size is not None else ""
        return f"{megabytes(self.size):>8}  {self.source}: {self.width}×{self.height} px in the PDF{origin}, {where}"


def over_budget(size: int, budget: int, images: list[EmbeddedImage]) -> OverBudget:
    """The error for an email PDF over its budget, naming the largest images."""
    messages = [f"largest images ({len(images)} shown):", *(f"  {image}" for image in images)]
    if not images:
        messages = ["the PDF has no raster images: its size comes from text, fonts and vector graphics"]
    message = (
        f"the email PDF would be {megabytes(size)}, over the {megabytes(budget)} budget; nothing was written. "
        "Use smaller photos, or lower email.dpi or raise email.budget_mb in issuepdf.yaml"
    )
    return OverBudget(message, messages, images)


@dataclass
class Draft:
    """The email edition and its message, as written to the output folder."""

    issue: Issue
    settings: EmailSettings
    pdf: Path
    eml: Path
    message: EmailMessage
    """The message without Date, Message-ID or recipients."""
    pages: int
    contents: list[SectionEntry]
    seconds: float
    """How long the PDF took to build."""
    edition: Edition
    """What the bodies show: each subscriber's message is made from it."""
    attachment: Attachment | None
    """The PDF as attached (None when the settings link it instead)."""

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def attachment_name(self) -> str:
        return fill_template(self.settings.attachment, template_values(self.issue))

    def lines(self) -> list[str]:
        """What was written, for the editor."""
        size, budget = self.pdf.stat().st_size, round(self.settings.budget_mb * 1e6)
        lines = [
            f"wrote {self.pdf} ({self.pages} pages, {megabytes(size)} of the {megabytes(budget)} budget, "
            f"{self.seconds:.1f} s)",
            f"wrote {self.eml} ({megabytes(self.eml.stat().st_size)}): {self.subject}",
        ]
        if not self.settings.sender:
            lines.append("note: the draft has no From: set email.sender in issuepdf.yaml (needed to send)")
        return lines


def megabytes(size: int) -> str:
    """A size as editors read it: `2.4 MB`, or `85 KB` below a tenth of a megabyte."""
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} KB"


def template_values(issue: Issue) -> dict[str, Any]:
    """What subject and file name templates may use."""
    return {"title": issue.title, "number": issue.number, "date": issue.date, "publisher": issue.publisher}


def compose(issue_dir: Path, out_dir: Path | None = None) -> Draft:
    """Build the email PDF and its .eml draft into out_dir (default ISSUE_DIR/out/).

    The issue is checked once. Over the budget, or when either file cannot be written, leave any earlier
    PDF and draft untouched.
    """
    issue_dir = issue_dir.resolve()
    project = begin(issue_dir)
    with build_lock(issue_dir), counting_warnings() as warnings:
        checked = check_project(project, "email")
        issue = checked.issue
        settings = email_settings(issue_dir, issue.email)
        out_dir = (out_dir or issue_dir / "out").resolve()
        check_subject_values(issue_dir, issue, settings)
        target = out_dir / PLANS["email"].file_name(issue.number)
        eml = target.with_suffix(".eml")
        budget = round(settings.budget_mb * 1e6)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            staging = tempfile.TemporaryDirectory(prefix=".email-", dir=out_dir)
        except OSError as err:
            raise IssuepdfError(f"cannot write to {out_dir}: {err.strerror}") from err
        with staging as folder:
            start = time.perf_counter()
            result = build_checked(Run(checked), "email", Path(folder) / target.name, warnings=warnings)
            seconds = time.perf_counter() - start
            size = result.pdf.stat().st_size
            if size > budget and settings.attach_pdf:  # a linked PDF travels on its own
                raise over_budget(size, budget, largest_images(result.pdf, issue_dir, issue)[:LISTED_IMAGES])
            entries = result.contents()
            pdf = result.pdf.read_bytes()
            site_url = project.settings.site_url
            edition, attachment = make_edition(issue, settings, entries, pdf, result.pages, site_url)
            message = draft_message(edition, attachment, pdf)
            staged = Path(folder) / eml.name
            write_atomic(staged, message.as_bytes(policy=policy.default))  # a file: LF line ends, as mail tools expect
            replace_together([(result.pdf, target), (staged, eml)])  # same folder: renames, both or neither
    logger.info("email    %s, %d pages, message %s", megabytes(size), result.pages, megabytes(eml.stat().st_size))
    return Draft(issue, settings, target, eml, message, result.pages, entries, seconds, edition, attachment)


def check_subject_values(issue_dir: Path, issue: Issue, settings: EmailSettings) -> None:
    """Refuse a line break in a value the Subject header takes, at its place in issue.yaml, before building.

    The template itself was checked when the settings loaded; the issue's title and publisher
    are text a PDF may break across lines, but a header cannot hold a line break.
    """
    used = {name for _, name, _, _ in Formatter().parse(settings.subject)}
    problems = Problems()
    for name, value in template_values(issue).items():
        try:
            if name in used and isinstance(value, str):
                one_line(value)
        except ValueError as err:
            loaded = load_yaml(issue_dir / "issue.yaml", Problems())
            where = loaded.position((name,)) if loaded else None
            problems.add(where, name, f"{err}: the email subject ({settings.subject}) uses it")
    if problems:
        raise InvalidIssue(problems)


# --- reading the PDF --------------------------------------------------------------------------


def largest_images(pdf: Path, issue_dir: Path, issue: Issue) -> list[EmbeddedImage]:
    """Every raster image in the PDF, largest first, traced to its photo file where possible.

    WeasyPrint names an image's XObject `i` + md5 + a flag, the md5 of the file's place in the issue
    (typeset.image_name), so hashing each photo's place the same way finds the file; an image it does
    not match (e.g. from an issue's CSS) keeps the name `image`.
    """
    reader = PdfReader(pdf)
    sources = _photo_names(issue)
    found: dict[int, tuple[str, StreamObject, set[int]]] = {}
    for number, page in enumerate(reader.pages, start=1):
        content = page.get_contents()
        drawn = _drawn(content.get_data()) if content is not None else set()
        _collect(page.get("/Resources"), drawn, number, found, set())
    images = []
    for name, stream, pages in found.values():
        mask = stream.get("/SMask")
        size = len(stream._data) + (len(mask.get_object()._data) if mask is not None else 0)
        source = sources.get(name[1:-1], "image")
        file = issue_dir / source
        images.append(
            EmbeddedImage(
                source,
                size,
                int(cast(int, stream["/Width"])),
                int(cast(int, stream["/Height"])),
                tuple(sorted(pages)),
                file.stat().st_size if source != "image" and file.is_file() else None,
            )
        )
    return sorted(images, key=lambda image: (-image.size, image.source))


def _collect(
    resources: Any, drawn: set[bytes], page: int, found: dict[int, tuple[str, StreamObject, set[int]]], seen: set[int]
) -> None:
    """Record the images a content stream draws, looking inside form XObjects (groups, opacity)."""
    if resources is None:
        return
    xobjects = resources.get_object().get("/XObject") or DictionaryObject()
    for name, ref in cast(DictionaryObject, xobjects.get_object()).items():
        stream = ref.get_object()
        key = getattr(ref, "idnum", id(stream))
        if stream.get("/Subtype") == "/Image":
            if name[1:].encode() in drawn:
                found.setdefault(key, (name[1:], stream, set()))[2].add(page)
        elif stream.get("/Subtype") == "/Form" and key not in seen and name[1:].encode() in drawn:
            seen.add(key)
            _collect(stream.get("/Resources"), _drawn(stream.get_data()), page, found, seen)


def _drawn(content: bytes) -> set[bytes]:
    """The XObject names a content stream paints (`/Name Do`); resources may list more."""
    return set(re.findall(rb"/([^\s/\[\]<>()]+)\s+Do\b", content))


def _photo_names(issue: Issue) -> dict[str, str]:
    """The md5 in each photo's image name → the photo's path in the issue."""
    names = {}
    for section in issue.sections:
        for article in section.articles:
            for block in article.body:
                if isinstance(block, Photo):
                    names[image_name(Path(block.photo).as_posix())] = block.photo
    return names


# --- the message ------------------------------------------------------------------------------


def make_edition(
    issue: Issue,
    settings: EmailSettings,
    entries: list[SectionEntry],
    pdf: bytes,
    pages: int,
    site_url: str | None = None,
) -> tuple[Edition, Attachment | None]:
    """What the bodies show, and the PDF attachment (None when the settings link the PDF instead)."""
    values = template_values(issue)
    name = fill_template(settings.attachment, values)
    about = f"{name} ({pages}쪽, {megabytes(len(pdf))})"
    edition = Edition(issue, settings, subject_line(settings, values), entries, about, site_url)
    attachment = (
        Attachment(pdf, name, fill_template(settings.attachment_ascii, values)) if settings.attach_pdf else None
    )
    return edition, attachment


def common_headers(edition: Edition) -> dict[str, str]:
    """The headers every message of the issue has: From, Reply-To, Subject, List-Id."""
    settings = edition.settings
    headers = {"Subject": edition.subject}
    if settings.sender:
        headers["From"] = settings.sender
    if settings.reply_to:
        headers["Reply-To"] = settings.reply_to
    headers["List-Id"] = f"<{settings.resolved_list_id}>"
    return headers


def draft_message(edition: Edition, attachment: Attachment | None, pdf: bytes) -> EmailMessage:
    """The draft: To the sender (a client sends it on), a plain `unsubscribe` mail link, no Date or Message-ID."""
    settings = edition.settings
    headers = common_headers(edition)
    if settings.sender:
        headers["To"] = settings.sender
    link = mail_link(settings.resolved_unsubscribe_address) if settings.resolved_unsubscribe_address else ""
    if link:
        headers["List-Unsubscribe"] = f"<{link}>"
    text, page = Bodies.of(edition).personal(link)
    return assemble(headers, text, page, attachment, draft_seed(edition, pdf))


def draft_seed(edition: Edition, pdf: bytes) -> bytes:
    """What the message's MIME boundaries derive from: the PDF and everything the bodies show."""
    return b"\0".join([pdf, repr(edition.contents).encode(), edition.settings.model_dump_json().encode()])
