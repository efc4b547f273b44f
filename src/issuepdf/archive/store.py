"""`issuepdf archive ISSUE_DIR`: keep a numbered issue for good, unchangeable, findable.

The archive root (default `archive/`) holds:

    catalog.sqlite          revisions, their files with sha256, articles with pages, the search index
    index.html …            the static archive page (page.py), rewritten after every change
    web/260/ …              the web edition of each issue, with the site's feeds and sitemap (site.py)
    260/r1/                 revision 1 of issue 260, never changed once written:
        issue-260-archive.pdf   PDF/A-3b with the issue's sources inside
        issue-260.pdf           the screen edition
        issue-260-email.pdf     the email edition
        issue-260-web.zip       the web edition, published in web/260/
        cover.png               page 1, small, for the archive page
        manifest.json           sha256 and size of every file, pages, contents, versions

A revision is built in a staging folder inside the root, then renamed into place inside the catalog's
transaction, so an interrupted run leaves neither a half-written folder nor a catalog entry without
files. Its files are made read-only. A run killed between the rename and the commit leaves a whole
revision folder the catalog does not know; the next run adopts it if it matches its manifest, or
sets it aside as `.orphan-…` if not (`recover`). Archiving a number again is refused; `--revise`
adds `r2`, `r3`, … beside the earlier revisions, which stay where they are. Numbers and dates keep
their order: a number keeps its date, a later number has a later date, and a gap in the numbers is
a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content.errors import ArchiveError, CatalogError, ManifestError, Unfilled
from ..content.model import Issue
from ..content.todo import unfilled
from ..mail.draft import megabytes
from ..pipeline.build import Run, begin, build_checked, check_project
from ..pipeline.contents import ArticleEntry
from ..pipeline.editions import PLANS, Edition, build_time
from ..pipeline.logs import counting_warnings
from ..pipeline.output import build_lock, write_atomic
from ..pipeline.raster import render_pages
from ..pipeline.record import sha256_file, versions
from ..web.bundle import bundle_name, zipped
from ..web.site import PdfLink, build_site_checked, swap_in
from .catalog import Catalog, Revision, open_catalog
from .manifest import COVER_NAME, MANIFEST_NAME, FileRecord, Manifest, record_files
from .page import WEB_FOLDER, write_page

logger = logging.getLogger("issuepdf")

ARCHIVED_EDITIONS: tuple[Edition, ...] = ("archive", "screen", "email")
"""The editions kept, the archive edition first: its bookmarks give the articles' pages."""
COVER_DPI = 36
"""Page 1 at 36 dpi is 298 × 421 px: sharp at the page's 150 px on a high-density screen."""
_REVISION_FOLDER = re.compile(r"(\d+)/r(\d+)")


@dataclass
class Archived:
    """A revision just archived."""

    revision: Revision
    folder: Path
    files: list[FileRecord]
    articles: int
    page: Path
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        r = self.revision
        size = sum(f.size for f in self.files)
        return [
            f"archived issue {r.number} ({r.date}) as {self.folder} (revision {r.revision}): "
            f"{len(self.files)} files, {megabytes(size)}, {r.pages} pages, {self.articles} articles",
            f"wrote {self.page}",
        ]


def archive_issue(issue_dir: Path, root: Path, revise: bool = False) -> Archived:
    """Build the issue's editions and store them as its next revision under `root`; on any refusal, change nothing."""
    issue_dir = issue_dir.resolve()
    run = Run(check_project(begin(issue_dir), "archive"))
    issue = run.checked.issue
    placeholders = unfilled(issue_dir)
    if placeholders:
        raise Unfilled(placeholders)
    root = root.resolve()
    catalog = open_catalog(root, create=True)
    try:
        recovered = recover(catalog, root)
        for note in recovered:
            logger.warning("%s", note)
        if recovered:  # the page shows what the catalog holds now, whatever happens next
            write_page(root, catalog)
        # refuse before spending time on builds
        revision_number, warnings = placement(catalog, issue.number, issue.date, revise)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{issue.number}-", dir=root))
        (root / WEB_FOLDER).mkdir(exist_ok=True)  # staged inside the site, which verify leaves to the page
        site = Path(tempfile.mkdtemp(prefix=f".staging-{issue.number}-", dir=root / WEB_FOLDER))
        try:
            manifest, entries = _make_revision(run, staging, revision_number, site / "web")
            if revise:
                _refuse_identical(catalog, issue, manifest)
            revision = _store(catalog, root, staging, manifest, entries, issue)
            publish_web(site / "web", root / WEB_FOLDER / str(issue.number))
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # gone already when the revision was stored
            shutil.rmtree(site, ignore_errors=True)
        for warning in warnings:
            logger.warning("%s", warning)
        page = write_page(root, catalog)
    except CatalogError as err:  # the catalog could not be written (full disk, read-only, locked)
        raise ArchiveError(f"{err}; nothing was archived") from err
    finally:
        catalog.close()
    return Archived(revision, root / revision.folder, manifest.files, len(entries), page, warnings)


def placement(catalog: Catalog, n: int, date: dt.date, revise: bool) -> tuple[int, list[str]]:
    """The revision number issue `n` of `date` gets, and warnings; raises ArchiveError when it may not be archived."""
    earlier = catalog.revisions(n)
    if earlier:
        last = earlier[-1]
        if last.date != date:
            raise ArchiveError(
                f"issue {n} is archived with date {last.date}, but {date} is given: an issue number keeps its "
                "date. Fix the date, or give this issue a number of its own"
            )
        if not revise:
            raise ArchiveError(
                f"issue {n} ({date}) is already archived as {last.folder} and archived issues never change. "
                f"To store a corrected issue, run again with --revise: {last.folder} stays and the "
                f"correction becomes r{last.revision + 1}"
            )
        return last.revision + 1, []
    if revise:
        raise ArchiveError(f"--revise: issue {n} is not archived yet, so there is nothing to revise; leave it out")
    below, above = catalog.neighbours(n)
    if below is not None and below.date >= date:
        raise ArchiveError(
            f"issue {n} is dated {date}, not after issue {below.number} ({below.date}): later numbers need "
            "later dates. Check the number and the date"
        )
    if above is not None and above.date <= date:
        raise ArchiveError(
            f"issue {n} is dated {date}, not before issue {above.number} ({above.date}): earlier numbers need "
            "earlier dates. Check the number and the date"
        )
    warnings = []
    if below is not None and below.number < n - 1:
        warnings.append(f"issue {n} follows issue {below.number} in the archive: {_missing(below.number, n)}")
    if above is not None and above.number > n + 1:
        warnings.append(f"issue {n} precedes issue {above.number} in the archive: {_missing(n, above.number)}")
    return 1, warnings


def _missing(low: int, high: int) -> str:
    gap = f"issue {low + 1} is" if high - low == 2 else f"issues {low + 1}–{high - 1} are"
    return f"{gap} not archived"


def publish_web(built: Path, target: Path) -> None:
    """Put an issue's web edition where the archive's site serves it, `web/<number>/`, replacing an earlier one."""
    swap_in(built, target)


def _make_revision(run: Run, folder: Path, revision: int, web: Path) -> tuple[Manifest, list[ArticleEntry]]:
    """Build every edition and the cover into `folder`, and write its manifest; the web edition into `web`.

    The web edition is kept in the revision as one ZIP (web/bundle.py) and published in the archive's site
    (`web/<number>/`, see site.py), whose pages later archives link to their neighbouring issues.

    One run: the issue checked once, the document prepared once, and one layout for the editions that
    share it (screen and archive), under one build lock.
    """
    issue_dir, issue = run.checked.issue_dir, run.checked.issue
    editions: dict[str, dict[str, Any]] = {}
    with build_lock(issue_dir), counting_warnings() as warnings:
        for edition in ARCHIVED_EDITIONS:
            plan = PLANS[edition]
            result = build_checked(run, edition, folder / plan.file_name(issue.number), warnings=warnings)
            editions[edition] = {"file": result.pdf.name, "pages": result.pages, "variant": plan.variant or "pdf-1.7"}
            if edition == "archive":
                entries = [article for section in result.contents() for article in section.articles]
        (cover,) = render_pages(folder / editions["screen"]["file"], [1], folder, COVER_DPI, prefix=".cover")
        cover.rename(folder / COVER_NAME)
        pdf = PdfLink(f"../../{issue.number}/r{revision}/{editions['screen']['file']}", {e.id: e.page for e in entries})
        site = build_site_checked(run, web, pdf, (folder / COVER_NAME).read_bytes(), warnings=warnings)
        write_atomic(folder / bundle_name(issue.number), zipped(site.files, build_time(run.checked)))
    manifest = Manifest(
        number=issue.number,
        date=issue.date.isoformat(),
        title=issue.title,
        publisher=issue.publisher,
        revision=revision,
        archived=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        editions=editions,
        files=record_files(folder),
        versions=versions(run.project.fonts),
        contents=entries,
    )
    write_atomic(folder / MANIFEST_NAME, manifest.to_bytes())
    for path in folder.iterdir():
        path.chmod(0o444)  # archived files are read-only: a slip of an editor's save cannot change them
    return manifest, entries


def _refuse_identical(catalog: Catalog, issue: Issue, manifest: Manifest) -> None:
    """A revision must differ from the current one in some edition; identical sources give identical PDFs."""
    current = catalog.revisions(issue.number)[-1]
    recorded = {f.path: f.sha256 for f in catalog.files(current.number, current.revision)}
    pdfs = [edition["file"] for edition in manifest.editions.values()]
    new = {f.path: f.sha256 for f in manifest.files}
    if all(recorded.get(name) == new[name] for name in pdfs):
        raise ArchiveError(
            f"--revise: the editions are identical to {current.folder}; nothing to revise (change the issue first)"
        )


def _store(
    catalog: Catalog, root: Path, staging: Path, manifest: Manifest, entries: list[ArticleEntry], issue: Issue
) -> Revision:
    """Record the revision and move its folder into place: both or neither."""
    revision = _revision_of(manifest, staging)
    target = root / revision.folder
    staging.chmod(0o755)
    moved = False
    try:
        with catalog.transaction():
            again, _ = placement(catalog, issue.number, issue.date, manifest.revision > 1)  # holding the write lock
            if again != manifest.revision:
                raise ArchiveError(f"another run archived issue {issue.number} meanwhile; nothing was archived")
            catalog.record(revision, manifest.files, entries, issue.title)
            try:
                target.parent.mkdir(exist_ok=True)
                os.rename(staging, target)
            except OSError as err:
                raise ArchiveError(
                    f"cannot move the revision to {target}: {err.strerror}; nothing was archived"
                ) from err
            moved = True
    except BaseException:
        if moved:  # the commit failed after the move: put the folder back, to be removed with the staging
            os.rename(target, staging)
        raise
    return revision


def _revision_of(manifest: Manifest, folder: Path) -> Revision:
    """The catalog's row for the revision that `folder` holds, as its manifest describes it."""
    return Revision(
        manifest.number,
        manifest.revision,
        dt.date.fromisoformat(manifest.date),
        manifest.title,
        manifest.publisher,
        manifest.editions["archive"]["pages"],
        manifest.archived,
        sha256_file(folder / MANIFEST_NAME),
    )


# --- recovering from an interrupted run -------------------------------------------------------


def recover(catalog: Catalog, root: Path) -> list[str]:
    """Adopt or set aside every revision folder the catalog does not know; one line per folder, saying which.

    Such a folder is left by a run killed after renaming its revision into place and before the catalog
    committed; without this, archiving that issue would fail forever on the occupied folder. The scan holds
    the catalog's write lock, so a run still inside its transaction is never mistaken for a dead one.
    """
    notes = []
    with catalog.transaction():
        known = {revision.folder for revision in catalog.revisions()}
        for folder in _revision_folders(root):
            if folder not in known:
                notes.append(_adopt_or_set_aside(catalog, root, folder))
    return notes


def _revision_folders(root: Path) -> list[str]:
    """Every `N/rK` folder under the root, by number, then revision."""
    found = [
        (int(match[1]), int(match[2]), match[0])
        for path in root.glob("*/r*")
        if path.is_dir() and (match := _REVISION_FOLDER.fullmatch(path.relative_to(root).as_posix()))
    ]
    return [folder for _, _, folder in sorted(found)]


def _adopt_or_set_aside(catalog: Catalog, root: Path, folder: str) -> str:
    """Record an orphaned revision folder in the catalog if it is whole and in order, else move it out of the way."""
    path = root / folder
    try:
        manifest = _whole(path, folder)
        revision = _revision_of(manifest, path)
        expected, _ = placement(catalog, revision.number, revision.date, revision.revision > 1)
        if expected != revision.revision:
            raise ArchiveError(f"the catalog's next revision of issue {revision.number} is r{expected}")
    except (ArchiveError, ManifestError, KeyError, TypeError, ValueError) as err:
        aside = _set_aside(root, folder)
        return (
            f"{folder} was left by an interrupted run and cannot be adopted ({err}); "
            f"moved it to {aside.name}: look into it, then delete it"
        )
    catalog.record(revision, manifest.files, manifest.contents, manifest.title)
    return f"{folder} was left by an interrupted run; it matches its manifest, so it is now archived (adopted)"


def _set_aside(root: Path, folder: str) -> Path:
    """Move a revision folder to a new `.orphan-…` folder in the root, where `verify` reports it; nothing is deleted."""
    try:
        aside = Path(tempfile.mkdtemp(prefix=f".orphan-{folder.replace('/', '-')}-", dir=root))
        os.rename(root / folder, aside)  # onto the empty folder just made: a name no other run can take
    except OSError as err:
        raise ArchiveError(
            f"{folder} was left by an interrupted run and cannot be adopted, nor moved out of the way "
            f"({err.strerror}); move it out of {root} by hand, then run again"
        ) from err
    return aside


def _whole(path: Path, folder: str) -> Manifest:
    """The folder's manifest, if the folder holds exactly the files it lists, unchanged; else ArchiveError."""
    manifest = Manifest.read(path / MANIFEST_NAME)
    if f"{manifest.number}/r{manifest.revision}" != folder:
        raise ArchiveError(f"its manifest describes {manifest.number}/r{manifest.revision}")
    if not manifest.has_text:
        raise ArchiveError(f"its manifest (format {manifest.format}) lacks the articles' text for the search index")
    listed = {record.path: record for record in manifest.files}
    found = {record.path: record for record in record_files(path)}
    problems = [f"{name} is missing" for name in sorted(listed.keys() - found.keys())]
    problems += [f"{name} is not in the manifest" for name in sorted(found.keys() - listed.keys())]
    problems += [f"{name} differs" for name in sorted(listed.keys() & found.keys()) if listed[name] != found[name]]
    if problems:
        raise ArchiveError(", ".join(problems))
    return manifest
