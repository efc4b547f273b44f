"""Golden HTML: the every-block fixture rendered and diffed against tests/golden/.

After an intended change of output run `pytest tests/test_golden.py --update-golden` and review the diff.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from issuepdf.content.fonts import fonts_sha256
from issuepdf.content.project import Project
from issuepdf.content.theme import load_theme
from issuepdf.pipeline.build import check_issue
from issuepdf.pipeline.render import render_html
from issuepdf.pipeline.transform import prepare

from .support.issues import FIXTURES

GOLDEN = Path(__file__).parent / "golden"


def normalized_html(issue_dir: Path) -> str:
    """The HTML a build would typeset, with machine-specific paths and cache hashes replaced."""
    checked = check_issue(issue_dir)
    project = Project.of(issue_dir)
    theme = load_theme(list(project.layout_dirs))
    document = prepare(checked, theme, fonts_sha256(project.fonts), project.cache)
    html = render_html(document, project)
    html = html.replace(project.root.as_uri(), "file://PROJECT")
    return re.sub(r"\.cache/charts/[0-9a-f]+\.svg", ".cache/charts/HASH.svg", html)


@pytest.mark.parametrize("name", ["blocks"])
def test_golden_html(name: str, request: pytest.FixtureRequest) -> None:
    actual = normalized_html(FIXTURES / name)
    golden = GOLDEN / f"{name}.html"
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True), str(golden), "actual"
        )
    )
    assert not diff, f"HTML differs from {golden} (run with --update-golden if intended):\n{diff}"
