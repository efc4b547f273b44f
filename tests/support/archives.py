"""Issues and archives for the archive tests: real articles of issue 260, text only, in a project of their own.

The articles keep their paragraphs and drop photos, tables and charts, so three editions build in a
few seconds with no chart browser, and the PDF still has several pages with articles starting on
different ones.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from issuepdf.content.paths import SOURCE_ROOT

from .projects import make_project

ARTICLES = SOURCE_ROOT / "issues" / "260" / "articles"
SECTIONS = [
    ("CHINA 창업", "feature", ["gazelle-companies"]),
    ("ICO News Letter by PLAYCOIN", "newsletter", ["ico-prison-blockchain", "ico-cctv-p2e"]),
    ("KIC 중국 소식", "center", ["kic-scientists-meeting"]),
]
NAMES = [name for _, _, names in SECTIONS for name in names]
GAZELLE = "2021 후룬연구소 가젤 기업 선정"
PRISON = "'부패 만연' 중국 교도소, 위변조 불가 블록체인으로 관리"
CCTV = "중국 CCTV, 블록체인 기반 P2E 게임 경고…단속 시작하나"
SCIENTISTS = "재중한인과학기술자협회, 2021 년 총회 및 학술대회 개최"


def text_only(name: str) -> dict[str, Any]:
    """An article of issue 260 with its paragraphs only."""
    article = yaml.safe_load((ARTICLES / f"{name}.yaml").read_text(encoding="utf-8"))
    article["body"] = [block for block in article["body"] if isinstance(block, str)]
    return article


def write_issue(
    folder: Path,
    number: int = 260,
    date: dt.date = dt.date(2021, 12, 22),
    extra: str | None = None,
    numbers: dict[str, int] | None = None,
) -> Path:
    """The test issue in `folder` (inside a project), each article in its own file; `extra` ends the first article,
    and `numbers` gives articles (by file name) the number the PDF prints."""
    sections = []
    for title, kind, names in SECTIONS:
        for name in names:
            article = text_only(name)
            if extra and name == SECTIONS[0][2][0]:
                article["body"].append(extra)
            if numbers and name in numbers:
                article["number"] = numbers[name]
            path = folder / "articles" / f"{name}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(article, allow_unicode=True, sort_keys=False), encoding="utf-8")
        sections.append({"title": title, "kind": kind, "articles": [{"include": f"articles/{n}.yaml"} for n in names]})
    issue = {"title": "주간 중국 창업", "number": number, "date": date, "publisher": "KIC 중국", "sections": sections}
    (folder / "issue.yaml").write_text(yaml.safe_dump(issue, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def project(root: Path) -> Path:
    """A project folder with the real layouts and fonts and an empty `issues/`."""
    return make_project(root)


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under `root` with its bytes, mode and mtime: to show that nothing changed."""
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mode, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def copy_archive(source: Path, target: Path) -> Path:
    """A writable copy of an archive, for a test that changes it."""
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def chromium(url: str, profile: Path, fontconfig: Path | None = None) -> tuple[str, list[str]]:
    """The DOM of `url` after load in headless Debian chromium, and the console messages it logged.

    Chromium sees the machine's fonts, or with `fontconfig` only those that fonts.conf names."""
    command = [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
    ]
    env = {**os.environ}
    env.pop("FONTCONFIG_FILE", None)  # the page uses the reader's fonts, not the bulletin's subsets
    if fontconfig is not None:
        env["FONTCONFIG_FILE"] = str(fontconfig)
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=True)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return done.stdout, console
