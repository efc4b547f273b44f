"""`issuepdf extract`: the sources embedded in an archive-edition PDF, back as files."""

from __future__ import annotations

from pathlib import Path

from .loader import safe_relative
from .output import write_atomic
from .problems import IssuepdfError


def extract(pdf: Path, target: Path) -> list[Path]:
    """Write every embedded file under `target`, refusing names that would leave it."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        attachments = PdfReader(pdf).attachments
    except (PdfReadError, OSError) as err:
        raise IssuepdfError(f"cannot read {pdf}: {err}") from err
    if not attachments:
        raise IssuepdfError(f"{pdf} has no embedded sources (only the archive edition has them)")
    written = []
    for name, contents in sorted(attachments.items()):
        if not safe_relative(name):
            raise IssuepdfError(f"{pdf}: refusing attachment name {name!r} (absolute or climbing out)")
        path = target / name
        write_atomic(path, contents[0])
        written.append(path)
    return written
