"""What an issue folder brings in its own `out/` and `.cache/` is not trusted: a chart SVG planted under
its hash is rendered again, a planted placeholder is written over, and an `out/` or cache folder that
links out of the issue is refused before anything is written through it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from issuepdf.content.errors import IssuepdfError
from issuepdf.pipeline.build import build

from .support.issues import MakeIssue
from .support.pdfs import pdf_text
from .test_hostile import with_body

SPEC = "type: bar\ncategories: [가, 나]\nseries:\n  - name: 수\n    values: [1, 2]\n"
CHART = "          - chart: charts/c.yaml\n            alt: 막대\n"
PLANTED = """<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300"><text x="10" y="50"
font-family="Noto Sans CJK KR" font-size="30">PLANTED 다른 숫자 999</text></svg>"""


def test_a_chart_svg_planted_in_the_cache_is_rendered_again(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": with_body(CHART), "charts/c.yaml": SPEC})
    assert "PLANTED" not in pdf_text(build(issue).pdf)
    [svg] = (issue / ".cache" / "charts").glob("*.svg")
    svg.write_text(PLANTED, encoding="utf-8")  # an issue folder shipped with this in its cache
    result = build(issue)
    assert "PLANTED" not in pdf_text(result.pdf)  # was: printed as the chart, its data nowhere
    assert result.document is not None and result.document.rendered == 1
    assert "PLANTED" not in svg.read_text(encoding="utf-8")
    assert build(issue).document.rendered == 0  # its own rendering is trusted from then on


def test_a_placeholder_planted_in_the_cache_is_written_over(make_issue: MakeIssue) -> None:
    photo = "          - photo: images/later.jpg\n            placeholder: '4:3'\n            alt: 나중에 올 사진\n"
    issue = make_issue({"issue.yaml": with_body(photo), ".cache/placeholders/photo-4x3.svg": PLANTED})
    assert "PLANTED" not in pdf_text(build(issue).pdf)


@pytest.mark.parametrize("folder", ["out", ".cache/charts"])
def test_an_output_folder_linked_out_is_refused_before_anything_is_written(
    make_issue: MakeIssue, tmp_path: Path, folder: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    issue = make_issue({"issue.yaml": with_body(CHART), "charts/c.yaml": SPEC})
    (issue / folder).parent.mkdir(parents=True, exist_ok=True)
    (issue / folder).symlink_to(outside)
    with pytest.raises(IssuepdfError, match=f"{folder} is a link out of the issue folder; delete it"):
        build(issue)  # was: the PDF (or the chart SVGs) written into the folder the link leads to
    assert not list(outside.iterdir())


OPENED: list[str] = []
"""Every path opened while a test listens (`sys.addaudithook`: hooks cannot be removed, so it records
only while `LISTENING` holds)."""
LISTENING: list[bool] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if LISTENING and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@pytest.mark.expect_warnings  # each file left out of the archive edition is named
def test_the_archive_edition_never_opens_a_file_linked_out_of_the_issue(make_issue: MakeIssue, tmp_path: Path) -> None:
    """The PDF's /ID read every file of the issue's layouts/ whole, following links: a link to a secret was
    opened and read (only its hash went into the PDF), a link to a sparse giant read gigabytes."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CANARY", encoding="utf-8")
    issue = make_issue({"layouts/kept.css": "/* kept */\n"})
    (issue / "layouts" / "notes.css").symlink_to(secret)
    LISTENING.append(True)
    try:
        result = build(issue, edition="archive")
    finally:
        LISTENING.clear()
    assert not [path for path in OPENED if Path(path).resolve() == secret]
    attached = subprocess.run(["pdfdetach", "-list", str(result.pdf)], capture_output=True, text=True).stdout
    assert "layouts/kept.css" in attached and "notes.css" not in attached
    left_out = "notes.css is not embedded in the archive edition: a link to a file outside the issue folder"
    assert any(left_out in warning for warning in result.warnings)
