"""watch survives a broken save and rebuilds when it is fixed; preview renders pages and a sheet."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from issuepdf.cli import main
from issuepdf.content.errors import IssuepdfError
from issuepdf.editor.preview import contact_sheet, page_range
from issuepdf.editor.watch import Outcome, watch
from issuepdf.pipeline.raster import render_pages

from .support.issues import MINIMAL, MakeIssue
from .support.pdfs import pdf_text

WAIT_S = 30


@contextmanager
def watching(issue: Path, told: Callable[[Outcome], None] | None = None) -> Iterator[queue.Queue[Outcome]]:
    """A watch of `issue` in a thread, its outcomes in a queue (each also `told`, in the watch's thread, before
    it is queued); stopped at the end of the block."""
    outcomes: queue.Queue[Outcome] = queue.Queue()
    stop = threading.Event()

    def outcome(result: Outcome) -> None:
        if told is not None:
            told(result)
        outcomes.put(result)

    thread = threading.Thread(
        target=watch, args=(issue,), kwargs={"on_outcome": outcome, "stop": stop, "debounce_ms": 100}
    )
    thread.start()
    try:
        yield outcomes
    finally:
        stop.set()
        thread.join(timeout=WAIT_S)
    assert not thread.is_alive()


def test_watch_survives_a_broken_save_and_rebuilds_when_fixed(make_issue: MakeIssue) -> None:
    issue = make_issue()
    with watching(issue) as outcomes:
        first = outcomes.get(timeout=WAIT_S)
        assert first.result is not None
        pdf = first.result.pdf
        good = pdf.read_bytes()

        (issue / "issue.yaml").write_text(MINIMAL.replace("number: 260", "number: [260"), encoding="utf-8")
        broken = outcomes.get(timeout=WAIT_S)
        assert broken.result is None
        assert (
            broken.problems[0].startswith(str(issue / "issue.yaml").lstrip("/").split("/")[0])
            or "issue.yaml:3:" in broken.problems[0]
        )
        assert pdf.read_bytes() == good

        (issue / "issue.yaml").write_text(MINIMAL.replace("두 번째 문단.", "고친 두 번째 문단."), encoding="utf-8")
        fixed = outcomes.get(timeout=WAIT_S)
        assert fixed.result is not None
        assert "고친 두 번째 문단." in pdf_text(pdf)


def test_a_save_made_as_the_first_build_ends_is_built(make_issue: MakeIssue) -> None:
    """The watcher is in place before the first build: a save made right after it (here, as the watch
    reports it) is seen. Built first and watched after, that save was lost until the next one."""
    issue = make_issue()
    saved: list[bool] = []

    def save_once(_outcome: Outcome) -> None:
        if not saved:
            saved.append(True)
            (issue / "issue.yaml").write_text(MINIMAL.replace("두 번째 문단.", "곧바로 고친 문단."), encoding="utf-8")

    with watching(issue, save_once) as outcomes:
        assert outcomes.get(timeout=WAIT_S).result is not None
        second = outcomes.get(timeout=WAIT_S)
        assert second.result is not None
        assert "곧바로 고친 문단." in pdf_text(second.result.pdf)


def test_watch_waits_for_an_issue_folder_renamed_away_and_back(make_issue: MakeIssue, tmp_path: Path) -> None:
    issue = make_issue()
    away = tmp_path / "away"
    with watching(issue) as outcomes:
        assert outcomes.get(timeout=WAIT_S).result is not None
        os.rename(issue, away)
        gone = outcomes.get(timeout=WAIT_S)
        assert gone.result is None and gone.problems == [
            f"{issue} is gone (renamed or moved?); waiting for it to come back"
        ]
        assert not issue.exists()  # nothing recreated it
        os.rename(away, issue)  # fails if anything had made a folder at the old path
        back = outcomes.get(timeout=WAIT_S)
        assert back.result is not None
        (issue / "issue.yaml").write_text(MINIMAL.replace("두 번째 문단.", "돌아온 문단."), encoding="utf-8")
        assert outcomes.get(timeout=WAIT_S).result is not None
        assert "돌아온 문단." in pdf_text(back.result.pdf)
    assert sorted(p.name for p in issue.iterdir()) == [".cache", "issue.yaml", "out"]


def test_page_ranges() -> None:
    assert page_range(None, 3) == [1, 2, 3]
    assert page_range("1-2,5, 2", 6) == [1, 2, 5]
    with pytest.raises(IssuepdfError, match="outside 1-3"):
        page_range("2-4", 3)
    with pytest.raises(IssuepdfError, match="write pages like 1-3,5"):
        page_range("first", 3)


def test_preview_renders_chosen_pages_and_a_contact_sheet(make_issue: MakeIssue, tmp_path: Path) -> None:
    from issuepdf.pipeline.build import build

    pdf = build(make_issue(), strict=True).pdf
    pages = render_pages(pdf, [1, 3], tmp_path / "preview", dpi=30)
    assert [p.name for p in pages] == ["page-01.png", "page-03.png"]
    with Image.open(pages[0]) as image:
        assert image.size == (249, 351)  # A4 at 30 dpi, as pdftoppm rounds it
    with Image.open(contact_sheet(pdf, 3, tmp_path / "preview")) as sheet:
        assert sheet.width > 3 * 150 and sheet.height > 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dpi", "-5"], "Invalid value for '--dpi': -5 is not in the range 1<=x<=600."),
        (["--out", "{file}/preview"], "error: --out: cannot write page images to {file}/preview: Not a directory"),
    ],
)
def test_preview_refuses_a_bad_dpi_or_output_folder_clearly(
    make_issue: MakeIssue, tmp_path: Path, args: list[str], message: str
) -> None:
    file = tmp_path / "a-file"
    file.write_text("")
    issue = make_issue()
    result = CliRunner().invoke(main, ["preview", str(issue), *(arg.format(file=file) for arg in args)])
    assert result.exit_code in (1, 2) and isinstance(result.exception, SystemExit)
    assert message.format(file=file) in result.output
    assert not (issue / "out").exists()  # refused before building
