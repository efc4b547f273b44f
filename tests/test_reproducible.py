"""Reproducible anywhere: the same issue built in two different folders gives the same bytes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from issuepdf.pipeline.build import build

from .support.issues import MINIMAL, write_files

PHOTO_ISSUE = MINIMAL + (
    "          - photo: images/forum.png\n"
    "            alt: 포럼 현장\n"
    "            caption: 메인 포럼\n"
    "            width: 60\n"
)
"""An issue with one raster photo."""
ISSUE_CSS = "body { color: #111111; }\n"


def raster_photo() -> bytes:
    """A small PNG with a gradient, so it is a real raster image that WeasyPrint embeds as one."""
    image = Image.linear_gradient("L").resize((320, 240)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def photo_issue(folder: Path, extra: dict[str, str | bytes] | None = None) -> Path:
    """The photo issue with an issue.css, written into `folder`."""
    files: dict[str, str | bytes] = {
        "issue.yaml": PHOTO_ISSUE,
        "images/forum.png": raster_photo(),
        "layouts/issue.css": ISSUE_CSS,
    }
    return write_files(folder, {**files, **(extra or {})})


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("edition", ["screen", "archive", "email"])
def test_the_same_issue_in_two_folders_gives_the_same_pdf(tmp_path: Path, edition: str) -> None:
    here = photo_issue(tmp_path / "a" / "260")
    there = photo_issue(tmp_path / "somewhere" / "else" / "issue-copy")
    first = build(here, output=tmp_path / "first.pdf", strict=True, edition=edition).pdf  # type: ignore[arg-type]
    second = build(there, output=tmp_path / "second.pdf", strict=True, edition=edition).pdf  # type: ignore[arg-type]
    assert sha256(first) == sha256(second)
