"""One command, one check, as few layouts as the editions need: counted, not timed.

`email` checks the issue once and lays it out once; `archive` checks once and lays out twice for its
three editions (screen and archive share a layout, the email edition's smaller images need their own),
and takes the contents (each article's first page) from the layout, not from the PDF's bookmarks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from issuepdf.archive.manifest import MANIFEST_NAME, Manifest
from issuepdf.archive.store import archive_issue
from issuepdf.content import report
from issuepdf.mail.draft import compose
from issuepdf.mail.plan import plan_send
from issuepdf.pipeline import build as pipeline_build
from issuepdf.pipeline.build import build

from .support.archives import project, write_issue
from .support.pdfs import outline
from .support.projects import make_project


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often a run checks the issue and lays it out."""
    counted: Counter[str] = Counter()

    def counting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(pipeline_build, "check", counting("check", pipeline_build.check))
    monkeypatch.setattr(pipeline_build, "typeset", counting("layout", pipeline_build.typeset))
    return counted


def test_email_checks_once_and_lays_out_once(tmp_path: Path, calls: Counter[str]) -> None:
    issue = write_issue(project(tmp_path / "project") / "issues" / "260")
    draft = compose(issue)
    assert calls == {"check": 1, "layout": 1}
    entries = [(1, s.title, s.page, [(2, a.label, a.page) for a in s.articles]) for s in draft.contents]
    assert [line for *section, articles in entries for line in [tuple(section), *articles]] == outline(draft.pdf)


def test_archive_checks_once_and_lays_out_twice(tmp_path: Path, calls: Counter[str]) -> None:
    issue = write_issue(project(tmp_path / "project") / "issues" / "260")
    archived = archive_issue(issue, tmp_path / "archive")
    assert calls == {"check": 1, "layout": 2}
    manifest = Manifest.read(archived.folder / MANIFEST_NAME)
    bookmarks = [page for depth, _, page in outline(archived.folder / "issue-260-archive.pdf") if depth == 2]
    assert [entry.page for entry in manifest.contents] == bookmarks
    for edition, name in (("screen", "issue-260.pdf"), ("archive", "issue-260-archive.pdf")):
        alone = build(issue, output=tmp_path / name, edition=edition).pdf  # its own layout
        assert alone.read_bytes() == (archived.folder / name).read_bytes(), f"{edition} differs from a build alone"


def test_a_send_plan_reads_the_settings_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The email edition, the draft and the send plan all ask for the settings; the file is read once."""
    project = make_project(tmp_path / "project", "email:\n  sender: KIC 중국 <news@kic.example>\n")
    issue = write_issue(project / "issues" / "260")
    (tmp_path / "subscribers.csv").write_text("email\nreader@example.org\n", encoding="utf-8")
    reads: list[Path] = []
    original = report.load_yaml
    monkeypatch.setattr(report, "load_yaml", lambda path, *args: reads.append(path) or original(path, *args))
    plan_send(issue, tmp_path / "subscribers.csv")
    assert [path for path in reads if path.name == "issuepdf.yaml"] == [project / "issuepdf.yaml"]  # theme.yaml too
