"""Throwaway issues: the head every test issue starts with, a minimal issue, and a writer of issue folders."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures"

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
