"""Shared fixtures: throwaway issues, and a guard that fails any test logging a warning."""

from __future__ import annotations

import logging
import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from issuepdf.content.fonts import use_project_fonts
from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.pipeline.logs import COUNTED, WarningCounter

FIXTURES = Path(__file__).parent / "fixtures"

HEAD = """\
title: 주간 중국 창업
number: 260
date: 2021-12-22
publisher: KIC 중국
sections:
  - title: CHINA 창업
"""
"""The first six lines of every test issue: the issue keys and the start of its one section."""

MINIMAL = (
    HEAD
    + """\
    articles:
      - title: 2021 후룬연구소 가젤 기업 선정
        body:
          - 첫 문단은 **Markdown** 인라인 서식을 쓴다.
          - 두 번째 문단.
"""
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from current output.")


def pytest_configure(config: pytest.Config) -> None:
    # Every renderer in the tests sees only the project's fonts, as in a build.
    use_project_fonts(SOURCE_ROOT / "fonts")
    os.environ.setdefault("XDG_CACHE_HOME", str(Path(config.rootpath) / ".pytest_cache" / "xdg"))


MakeIssue = Callable[..., Path]


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: text (dedented) or bytes} under `root`."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


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
    """Fail a test that logs a warning, unless it is marked `expect_warnings`."""
    collector = WarningCounter()
    loggers = [logging.getLogger(name) for name in COUNTED]
    for logger in loggers:
        logger.addHandler(collector)
    yield collector
    for logger in loggers:
        logger.removeHandler(collector)
    if request.node.get_closest_marker("expect_warnings") is None:
        assert not collector.messages, f"unexpected warnings: {collector.messages}"
