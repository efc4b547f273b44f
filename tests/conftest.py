"""Shared fixtures: throwaway issues, and a guard that fails any test logging a warning."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from issuepdf.content.fonts import use_project_fonts
from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.pipeline.logs import WarningCounter, counting_warnings

from .support.issues import FIXTURES, MINIMAL, MakeIssue, write_files


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from current output.")


def pytest_configure(config: pytest.Config) -> None:
    # Every renderer in the tests sees only the project's fonts, as in a build.
    use_project_fonts(SOURCE_ROOT / "fonts")
    os.environ.setdefault("XDG_CACHE_HOME", str(Path(config.rootpath) / ".pytest_cache" / "xdg"))


@pytest.fixture
def make_issue(tmp_path: Path) -> MakeIssue:
    """Write an issue folder from {relative path: text or bytes}; issue.yaml defaults to MINIMAL."""

    def make(files: dict[str, str | bytes] | None = None, name: str = "260") -> Path:
        return write_files(tmp_path / name, {"issue.yaml": MINIMAL, **(files or {})})

    return make


@pytest.fixture(scope="session")
def blocks_issue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the every-block fixture issue, shared so its charts render once per session."""
    target = tmp_path_factory.mktemp("fixtures") / "blocks"
    shutil.copytree(FIXTURES / "blocks", target, ignore=shutil.ignore_patterns(".cache", "out"))
    return target


@pytest.fixture(autouse=True)
def no_unexpected_warnings(request: pytest.FixtureRequest) -> Iterator[WarningCounter]:
    """Fail a test that logs a warning, unless it is marked `expect_warnings`: the counter `--strict` uses."""
    with counting_warnings() as collector:
        yield collector
    if request.node.get_closest_marker("expect_warnings") is None:
        assert not collector.messages, f"unexpected warnings: {collector.messages}"
