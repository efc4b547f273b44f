"""The manifest of an archived revision: what it holds, so it can be checked without issuepdf's help.

`manifest.json` lies beside the files it lists: sha256 and size of each, the page count of each
edition, the contents (each article's section, title, printed number, first page and plain text),
and the versions of everything that shaped the PDFs (issuepdf, WeasyPrint, Plotly, Kaleido, the
fonts). With the sources embedded in the archive edition, a revision folder is a complete record on
its own: the catalog's rows for it can be made again from the manifest alone, which is how a folder
left by an interrupted run is adopted. The catalog repeats the hashes, so a file changed together
with its manifest is still caught.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..content.errors import ManifestError
from ..pipeline.contents import ArticleEntry
from ..pipeline.record import sha256_file

MANIFEST_NAME = "manifest.json"
COVER_NAME = "cover.png"
"""Page 1 of the screen edition, small, for the archive page."""
MANIFEST_FORMAT = 3
"""2 added each article's printed number and text to the contents; 3 its tag, anchor id and lead."""


@dataclass(frozen=True)
class FileRecord:
    """A file of a revision, by its path in the revision's folder: as the manifest and the catalog record it."""

    path: str
    sha256: str
    size: int


@dataclass
class Manifest:
    """Everything recorded about one revision of an issue."""

    number: int
    date: str
    title: str
    publisher: str
    revision: int
    archived: str
    editions: dict[str, dict[str, Any]]
    """Edition → its file, page count and PDF variant."""
    files: list[FileRecord]
    versions: dict[str, str]
    contents: list[ArticleEntry] = field(default_factory=list)
    format: int = MANIFEST_FORMAT

    @property
    def has_text(self) -> bool:
        """Whether the contents hold the articles' text (format 2 on), so the catalog can be made from it alone."""
        return self.format >= 2

    def to_bytes(self) -> bytes:
        return (json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_bytes())
            data["files"] = [FileRecord(**item) for item in data["files"]]
            data["contents"] = [ArticleEntry(**item) for item in data.get("contents", [])]
            return cls(**data)
        except (OSError, ValueError, TypeError, KeyError) as err:
            raise ManifestError(f"cannot read {path}: {err}") from err


def record_files(folder: Path) -> list[FileRecord]:
    """Hash every file in `folder` (not below it) except the manifest, sorted by name."""
    return [
        FileRecord(path.name, sha256_file(path), path.stat().st_size)
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name != MANIFEST_NAME
    ]
