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

import hashlib
import html
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
from urllib.parse import quote

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

logger = logging.getLogger("issuepdf")

LISTED_IMAGES = 5
"""How many of the largest images an over-budget error names."""
HEADER_WIDTH = 78
"""RFC 5322's recommended line length; the attachment header is folded to stay within it."""


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
            if size > budget:
                raise over_budget(size, budget, largest_images(result.pdf, issue_dir, issue)[:LISTED_IMAGES])
            entries = result.contents()
            pdf = result.pdf.read_bytes()
            message = make_message(issue, settings, entries, pdf, result.pages)
            staged = Path(folder) / eml.name
            write_atomic(staged, message.as_bytes(policy=policy.default))  # a file: LF line ends, as mail tools expect
            replace_together([(result.pdf, target), (staged, eml)])  # same folder: renames, both or neither
    logger.info("email    %s, %d pages, message %s", megabytes(size), result.pages, megabytes(eml.stat().st_size))
    return Draft(issue, settings, target, eml, message, result.pages, entries, seconds)


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


def _spaced(title: str) -> str:
    return " ".join(title.replace("\u2060", "").split())


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


def make_message(
    issue: Issue, settings: EmailSettings, entries: list[SectionEntry], pdf: bytes, pages: int
) -> EmailMessage:
    """The draft: headers, text and HTML bodies, and the PDF attached under its reader-facing name."""
    values = template_values(issue)
    subject = fill_template(settings.subject, values)
    name = fill_template(settings.attachment, values)
    fallback = fill_template(settings.attachment_ascii, values)
    about = f"{name} ({pages}쪽, {megabytes(len(pdf))})"
    text = text_body(subject, issue, fill_template(settings.intro, values), about, entries, settings.footer)
    page = html_body(subject, issue, fill_template(settings.intro, values), about, entries, settings.footer)
    message = EmailMessage()
    message["Subject"] = subject
    if settings.sender:
        message["From"] = settings.sender
    if settings.to or settings.sender:
        message["To"] = settings.to or settings.sender
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    if settings.list_unsubscribe:
        message["List-Unsubscribe"] = settings.list_unsubscribe
    # base64 keeps every line 7-bit: no server needs 8BITMIME, and Korean is shorter than in quoted-printable
    message.set_content(text, cte="base64")
    message.add_alternative(page, subtype="html", cte="base64")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=fallback)
    attachment = next(message.iter_attachments())
    del attachment["Content-Disposition"]
    # Stored raw: the email package would otherwise merge filename and filename* into one parameter.
    attachment.set_raw("Content-Disposition", content_disposition(name, fallback))
    digest = hashlib.sha256(b"\0".join([pdf, text.encode(), page.encode(), settings.model_dump_json().encode()]))
    for i, part in enumerate(part for part in message.walk() if part.is_multipart()):
        part.set_boundary(f"=_issuepdf_{digest.hexdigest()[:24]}_{i}")  # '=_' is never in base64 text
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it: CRLF line ends, lines within 78 characters, 7-bit only."""
    return message.as_bytes(policy=policy.SMTP)


def content_disposition(name: str, fallback: str) -> str:
    """`attachment` with the name per RFC 2231 (folded into sections) first, then the ASCII fallback.

    Tools that read RFC 2231 (and Python's email package, which takes the first name) show the
    Korean name; older ones ignore `filename*` and use `filename`.
    """
    sections: list[str] = []
    current = "utf-8''"
    for token in (quote(char, safe="") for char in name):  # sections end between characters, never inside one
        if len(f" filename*{len(sections)}*={current}{token};") > HEADER_WIDTH:
            sections.append(current)
            current = ""
        current += token
    sections.append(current)
    if len(sections) == 1:
        lines = ["attachment;", f" filename*={current};"]
    else:
        lines = ["attachment;", *(f" filename*{i}*={text};" for i, text in enumerate(sections))]
    lines.append(f' filename="{fallback}"')
    return "\n".join(lines)


def text_body(
    subject: str, issue: Issue, intro: str, about: str, entries: list[SectionEntry], footer: str | None
) -> str:
    lines = [subject, issue.publisher, "", intro, f"첨부: {about}", "", "목차"]
    for section in entries:
        lines += ["", _spaced(section.title)]
        lines += [f"  {_spaced(article.label)} · {article.page}쪽" for article in section.articles]
    if footer:
        lines += ["", footer.strip()]
    return "\n".join(lines) + "\n"


def html_body(
    subject: str, issue: Issue, intro: str, about: str, entries: list[SectionEntry], footer: str | None
) -> str:
    e = html.escape
    muted = "color:#666"
    out = [
        "<!DOCTYPE html>",
        '<html lang="ko">',
        f'<head><meta charset="utf-8"><title>{e(subject)}</title></head>',
        '<body style="margin:0;padding:24px;font-family:sans-serif;color:#222;line-height:1.6">',
        f'<h1 style="font-size:20px;margin:0">{e(subject)}</h1>',
        f'<p style="margin:0 0 16px;{muted}">{e(issue.publisher)}</p>',
        f"<p>{e(intro)}</p>",
        f'<p style="{muted}">첨부: {e(about)}</p>',
        '<h2 style="font-size:16px;margin:24px 0 8px">목차</h2>',
    ]
    for section in entries:
        out.append(f'<h3 style="font-size:14px;margin:16px 0 4px">{e(_spaced(section.title))}</h3>')
        if section.articles:
            out.append('<table role="presentation" style="border-collapse:collapse">')
            out += [
                f'<tr><td style="padding:2px 16px 2px 0">{e(_spaced(article.label))}</td>'
                f'<td style="text-align:right;white-space:nowrap;{muted}">{article.page}쪽</td></tr>'
                for article in section.articles
            ]
            out.append("</table>")
    if footer:
        closing = e(footer.strip()).replace("\n", "<br>")
        out.append(f'<p style="margin-top:24px;font-size:13px;{muted}">{closing}</p>')
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
