"""`issuepdf archive verify`: re-hash every archived file against its manifest and the catalog.

Each file is checked twice: against the catalog and against the manifest beside it, whose own hash
the catalog keeps. So a changed PDF is caught, and so is a PDF changed together with its manifest,
or a catalog row changed on its own. Files and folders the catalog does not know are reported as
extra; the catalog's database and search index go through SQLite's own integrity checks. The page
files (`index.html`, its script and style) are derived from the catalog and are not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..content.errors import ManifestError
from ..pipeline.record import sha256_file
from .catalog import CATALOG_NAME, Catalog, Revision, open_catalog
from .manifest import MANIFEST_NAME, FileRecord, Manifest
from .page import PAGE_FILES, WEB_FOLDER

ROOT_FILES = frozenset({CATALOG_NAME, f"{CATALOG_NAME}-journal", *PAGE_FILES, WEB_FOLDER})
"""Files the archive root may hold besides the issue folders (the journal exists during a write)."""
LEFT_BY = {
    ".staging-": "left by a run stopped while building; delete it",
    ".orphan-": "set aside by `issuepdf archive`: an interrupted run's revision that did not match its manifest; "
    "look into it, then delete it",
}
"""What an extra folder in the root is, by the start of its name."""
ORPHAN = "left by an interrupted run; the next `issuepdf archive` adopts it or sets it aside"


@dataclass(frozen=True)
class Finding:
    """One mismatch, by its path relative to the archive root."""

    kind: Literal["changed", "missing", "extra", "catalog"]
    path: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Verification:
    """What `verify` checked and found."""

    root: Path
    revisions: int = 0
    files: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        checked = f"{self.revisions} revision(s), {self.files} file(s) in {self.root}"
        if self.ok:
            return [f"verified {checked}: every file matches its manifest and the catalog"]
        return [*map(str, self.findings), f"verify: {len(self.findings)} mismatch(es) in {checked}"]


def verify(root: Path) -> Verification:
    """Check every revision in the catalog against the files on disk; findings list each mismatch."""
    root = root.resolve()
    result = Verification(root)
    catalog = open_catalog(root)
    try:
        result.findings += [Finding("catalog", CATALOG_NAME, problem) for problem in catalog.problems()]
        revisions = catalog.revisions()
        for revision in revisions:
            result.revisions += 1
            result.files += _check_revision(catalog, root, revision, result.findings)
    finally:
        catalog.close()
    result.findings += _unknown(root, {revision.folder for revision in revisions})
    return result


def _check_revision(catalog: Catalog, root: Path, revision: Revision, findings: list[Finding]) -> int:
    """Check one revision's folder; returns how many files were hashed."""
    folder = root / revision.folder
    if not folder.is_dir():
        findings.append(Finding("missing", f"{revision.folder}/", "the whole revision folder"))
        return 0
    recorded = {f.path: f for f in catalog.files(revision.number, revision.revision)}
    listed = _manifest_files(folder, revision, findings)
    for name, record in recorded.items():
        path = folder / name
        where = f"{revision.folder}/{name}"
        if not path.is_file():
            findings.append(Finding("missing", where))
            continue
        digest = sha256_file(path)
        if digest != record.sha256 or path.stat().st_size != record.size:
            findings.append(Finding("changed", where, _differs(digest, record)))
        elif listed is not None and listed.get(name) != record:
            findings.append(Finding("changed", f"{revision.folder}/{MANIFEST_NAME}", f"its entry for {name} differs"))
    for name in sorted(set(listed or {}) - set(recorded)):
        findings.append(Finding("catalog", f"{revision.folder}/{name}", "in the manifest but not in the catalog"))
    for path in sorted(folder.iterdir()):
        if path.name not in recorded and path.name != MANIFEST_NAME:
            findings.append(Finding("extra", f"{revision.folder}/{path.name}{'/' if path.is_dir() else ''}"))
    return len(recorded) + 1


def _manifest_files(folder: Path, revision: Revision, findings: list[Finding]) -> dict[str, FileRecord] | None:
    """The files the manifest lists, after checking its hash against the catalog; None if unreadable."""
    path = folder / MANIFEST_NAME
    where = f"{revision.folder}/{MANIFEST_NAME}"
    if not path.is_file():
        findings.append(Finding("missing", where))
        return None
    digest = sha256_file(path)
    if digest != revision.manifest_sha256:
        findings.append(
            Finding("changed", where, f"sha256 {digest[:12]}…, the catalog recorded {revision.manifest_sha256[:12]}…")
        )
    try:
        return {record.path: record for record in Manifest.read(path).files}
    except ManifestError as err:
        findings.append(Finding("changed", where, f"unreadable: {err}"))
        return None


def _differs(digest: str, record: FileRecord) -> str:
    return f"sha256 {digest[:12]}…, recorded {record.sha256[:12]}…"


def _unknown(root: Path, known: set[str]) -> list[Finding]:
    """Files and folders in the archive root that no catalog entry accounts for."""
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name in ROOT_FILES:  # the page's files, and its web site (a folder)
            continue
        if entry.is_dir() and entry.name.isdigit():
            found += [
                Finding("extra", f"{entry.name}/{sub.name}/", ORPHAN)
                if sub.is_dir() and re.fullmatch(r"r\d+", sub.name)
                else Finding("extra", f"{entry.name}/{sub.name}{'/' if sub.is_dir() else ''}")
                for sub in sorted(entry.iterdir())
                if f"{entry.name}/{sub.name}" not in known
            ]
            continue
        why = next((text for prefix, text in LEFT_BY.items() if entry.name.startswith(prefix) and entry.is_dir()), "")
        found.append(Finding("extra", entry.name + ("/" if entry.is_dir() else ""), why))
    return found
