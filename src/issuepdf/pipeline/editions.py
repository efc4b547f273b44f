"""Editions: one source, several PDFs, each for its own reader.

- screen: the default, for reading on screen and for the email edition; optionally tagged (PDF/UA).
- print: 3 mm bleed with crop marks (TrimBox = A4, BleedBox = A4 + 3 mm), PDF/X-4.
- archive: PDF/A-3b with every file the build reads from the issue folder embedded (sources, photos,
  layouts/ overrides) and a record of what else it needs, so the PDF alone rebuilds it.
- email: the screen layout with images downsampled for a small attachment.
- web: no PDF but a folder of web pages, an issue page and one per article (built by `issuepdf.web`).

Every edition is reproducible: its dates come from the issue's date (or SOURCE_DATE_EPOCH) and
its identifier from its content, so the same sources give the same bytes on any day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from ..content.paths import read_inside
from .record import sha256_file, versions

if TYPE_CHECKING:  # the registry is read by the CLI at start: the content model is imported where it is used
    from ..content.validate import Checked

Edition = Literal["screen", "print", "archive", "email", "web"]
EDITIONS: tuple[Edition, ...] = ("screen", "print", "archive", "email", "web")
EMAIL_DPI = 150
EMAIL_JPEG_QUALITY = 80
KST = dt.timezone(dt.timedelta(hours=9))
BUILD_RECORD = "issuepdf-build.json"
"""The archive edition's note of what a rebuild needs beyond its sources: versions, fonts/, layouts/."""
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp", ".svg"})
DATA_SUFFIXES = frozenset({".yaml", ".yml", ".csv", ".md", ".markdown"})
"""Sources an issue is read from: YAML, Markdown articles (`mdarticle.MARKDOWN_SUFFIXES`), CSV."""
LAYOUT_SUFFIXES = frozenset({".html", ".css"})
"""Templates and stylesheets: read only from an issue's layouts/ folder."""
MAX_NAME_BYTES = 1024

logger = logging.getLogger("issuepdf")


@dataclass(frozen=True)
class EditionPlan:
    """What an edition changes: an extra stylesheet, PDF options, and the default file name."""

    name: Edition
    stylesheet: str | None
    variant: str | None
    image_options: tuple[tuple[str, Any], ...] = ()
    """WeasyPrint image options (dpi, jpeg_quality, optimize_images) for smaller files."""
    layout: str = "screen"
    """The page design the edition prints (the body's class `edition-<layout>`): editions of one design have
    the same HTML, so a run lays them out once when their image options agree too (screen and archive)."""
    suffix: str = ""
    """What the file name adds after `issue-N`: `-print`, or nothing for the screen edition."""
    image_settings: bool = False
    """Whether `issuepdf.yaml` or the issue's `email:` may change the image options (dpi, jpeg_quality)."""
    embeds_sources: bool = False
    """Whether every file the build reads is embedded, for `issuepdf extract` (the archive edition)."""
    site: str | None = None
    """For an edition of web pages instead of a PDF: the folder they are written to, in `out/` or in an
    archive revision (`issuepdf.web` builds it; the PDF options above do not apply)."""

    def file_name(self, number: int) -> str:
        """The PDF's name, or for a web edition its issue page inside its folder."""
        return f"{self.site}/index.html" if self.site else f"issue-{number}{self.suffix}.pdf"


PLANS: dict[Edition, EditionPlan] = {
    "screen": EditionPlan("screen", None, None),
    "print": EditionPlan("print", "edition-print.css", "pdf/x-4", layout="print", suffix="-print"),
    "archive": EditionPlan("archive", None, "pdf/a-3b", suffix="-archive", embeds_sources=True),
    "email": EditionPlan(
        "email",
        None,
        None,
        (("dpi", EMAIL_DPI), ("jpeg_quality", EMAIL_JPEG_QUALITY), ("optimize_images", True)),
        suffix="-email",
        image_settings=True,
    ),
    "web": EditionPlan("web", None, None, site="web"),
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
    if plan.image_settings:
        from ..content.settings import email_image_options

        options.update(email_image_options(checked.issue_dir, checked.issue.email))
    return options


def pdf_options(plan: EditionPlan, checked: Checked, tagged: bool) -> dict[str, Any]:
    """WeasyPrint's write_pdf options for an edition."""
    options: dict[str, Any] = {"pdf_identifier": _identifier(checked, plan)}
    if plan.variant:
        options["pdf_variant"] = plan.variant
    if tagged:
        options["pdf_tags"] = True
    if plan.embeds_sources:
        options["attachments"] = archive_attachments(checked)
    return options


def _identifier(checked: Checked, plan: EditionPlan) -> bytes:
    """A PDF /ID derived from what the build prints and the edition, never random: the checked issue and
    its charts (not the bytes of the files they were read from, so an article in YAML or in Markdown,
    comments and quoting aside, gives the same PDF), and the bytes of every other file it reads."""
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(plan.name.encode())
    digest.update(checked.issue.model_dump_json().encode())
    for name, spec in sorted(checked.charts.items()):
        digest.update(name.encode() + b"\0" + spec.model_dump_json().encode())
    sources = set(checked.sources)
    for path in build_inputs(checked):
        if path not in sources:
            digest.update(path.relative_to(checked.issue_dir).as_posix().encode())
            digest.update(_read(checked, path) or b"\0refused")
    return digest.hexdigest().encode()


def _read(checked: Checked, path: Path) -> bytes | None:
    """A file of the issue folder's bytes, read as the typesetter reads one (`paths.read_inside`); None for
    a link out of the folder, a FIFO or a file past the size limit (the typesetter refuses those too)."""
    try:
        return read_inside(path, [checked.issue_dir.resolve()])[2]
    except ValueError:
        return None


def build_inputs(checked: Checked) -> list[Path]:
    """Every file of the issue folder the build reads: sources, photos, and the files of its layouts/.

    What comes with issuepdf (the project's layouts/ and fonts/) is not among them: the build record
    names it by hash instead.
    """
    from ..content.model import Photo

    photos = [
        checked.issue_dir / block.photo
        for section in checked.issue.sections
        for article in section.articles
        for block in article.body
        if isinstance(block, Photo)
    ]
    layouts = checked.issue_dir / "layouts"
    overrides = [path for path in layouts.rglob("*") if path.is_file()] if layouts.is_dir() else []
    return sorted({*checked.sources, *(path for path in photos if path.is_file()), *overrides})


def archive_name_problem(name: str) -> str | None:
    """Why a file of this name can be neither embedded in an archive edition nor extracted, or None.

    Only the kinds of file a build reads, by plain relative names: nothing hidden, nothing that
    climbs out, names the folder itself or hides characters from the editor's eye.
    """
    parts = name.split("/")
    if not name or len(name.encode()) > MAX_NAME_BYTES:
        return "an empty or overlong name"
    if any(unicodedata.category(char).startswith("C") or char == "\\" for char in name):
        return "a name with control characters or backslashes"
    if name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        return "not a plain relative path (absolute, '.', '..' or an empty part)"
    if any(part.startswith(".") for part in parts):
        return "a hidden file"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in DATA_SUFFIXES | IMAGE_SUFFIXES or (parts[0] == "layouts" and suffix in LAYOUT_SUFFIXES):
        return None
    return "not a kind of file an issue is built from (YAML, Markdown, CSV, images; HTML and CSS in layouts/)"


def tree_sha256(folder: Path) -> str:
    """A hash of every file's path and bytes under `folder` (hidden files aside): the same tree, the same hash."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in relative.split("/")):
            digest.update(relative.encode() + b"\0" + bytes.fromhex(sha256_file(path)))
    return digest.hexdigest()


def build_record(project: Path) -> dict[str, str]:
    """What a rebuild needs beside the archive's sources: issuepdf and the libraries that shape a PDF (as the
    archive's manifest records them), and the project's fonts/ and layouts/."""
    return {**versions(project / "fonts"), "layouts": f"sha256:{tree_sha256(project / 'layouts')}"}


def record_differences(recorded: dict[str, Any], current: dict[str, str]) -> list[str]:
    """Each way this installation differs from the one that built an archive edition."""
    return [
        f"{key} is {current[key]}, the archive edition was built with {recorded.get(key)}"
        for key in current
        if recorded.get(key) != current[key]
    ]


def _warn_if_rebuilt_elsewhere(issue_dir: Path, current: dict[str, str]) -> None:
    """An issue extracted from an archive edition rebuilds byte-identical only with what built it."""
    path = issue_dir / BUILD_RECORD
    if not path.is_file():
        return
    try:
        recorded = json.loads(path.read_bytes())
    except ValueError as err:
        logger.warning("%s: cannot read the build record (%s); the rebuild may differ", path, err)
        return
    for difference in record_differences(recorded if isinstance(recorded, dict) else {}, current):
        logger.warning("%s: %s; the rebuilt PDF will differ from the archived one", path, difference)


def archive_attachments(checked: Checked) -> list[Any]:
    """Every file the build reads from the issue folder, then the build record, as PDF attachments.

    A file whose kind `issuepdf extract` would refuse is left out, with a warning.
    """
    moment = build_time(checked)
    record = build_record(checked.project.root)
    _warn_if_rebuilt_elsewhere(checked.issue_dir, record)
    attachments = []
    for path in build_inputs(checked):
        name = path.relative_to(checked.issue_dir).as_posix()
        problem = archive_name_problem(name)
        data = _read(checked, path) if problem is None else None
        if problem is None and data is None:
            outside = not path.resolve().is_relative_to(checked.issue_dir.resolve())
            problem = "a link to a file outside the issue folder" if outside else "no regular file of a readable size"
        if problem or data is None:
            logger.warning("%s is not embedded in the archive edition: %s", name, problem)
            continue
        attachments.append(_attachment(name, moment, "Source", file_obj=io.BytesIO(data)))
    text = json.dumps(record, indent=2) + "\n"
    return [*attachments, _attachment(BUILD_RECORD, moment, "Data", string=text)]


def _attachment(name: str, moment: dt.datetime, relationship: str, **source: Any) -> Any:
    from weasyprint import Attachment

    return Attachment(
        **source,
        name=name,
        description="issuepdf source" if relationship == "Source" else "issuepdf build record",
        created=moment,
        modified=moment,
        relationship=relationship,
    )
