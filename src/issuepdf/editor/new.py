"""`issuepdf new`: start the next issue from the latest one, taking its structure and none of its text.

The new folder `issues/<number + 1>/` gets the date a week later, the old issue's settings (title,
publisher, teaser, email, …), its sections, its layout overrides, and one skeleton per old article
with the keys that article used (a tag, a source, an outlet). Every value an editor must write is a
placeholder starting with `TODO`. With `markdown`, each article skeleton is a Markdown file of its
own (`articles/s1-a1.md`: front matter, then the body), included from issue.yaml. The skeleton passes
`issuepdf check`, so it can be built and previewed while it is filled in; `issuepdf archive` refuses an
issue that still has a placeholder and names each one by file, line and key, so an unfinished issue
never enters the archive.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..content.errors import InvalidIssue, NewIssueError
from ..content.model import Article, Issue, Section, automatic_id
from ..content.problems import Problems
from ..content.project import Project
from ..content.todo import PLACEHOLDER
from ..content.validate import check
from ..pipeline.output import staged_folder

ISSUE_INTERVAL = dt.timedelta(days=7)
ARTICLE_KEYS = {"tag": "분류", "source": "출처", "outlet": "매체", "credit": "출처"}
"""Keys an article skeleton keeps when the old article had them, with the placeholder's hint."""


@dataclass(frozen=True)
class Started:
    """What `new_issue` wrote."""

    folder: Path
    issue: Issue
    """The issue it was started from."""
    number: int
    date: dt.date
    articles: int
    layouts: bool
    """Whether the old issue's layout overrides were copied."""

    def lines(self) -> list[str]:
        sections = len(self.issue.sections)
        lines = [
            f"wrote {self.folder / 'issue.yaml'}: issue {self.number} of {self.date}, from issue {self.issue.number}: "
            f"{sections} section(s), {self.articles} article skeleton(s)",
        ]
        if self.layouts:
            lines.append(f"copied {self.folder / 'layouts'} (the issue's layout overrides)")
        lines.append(f"replace every {PLACEHOLDER} value; `issuepdf archive` refuses an issue that still has one")
        return lines


def latest_issue(issues_dir: Path) -> Path:
    """The folder `issues/<number>/` with the highest number."""
    numbered = [
        folder
        for folder in (issues_dir.iterdir() if issues_dir.is_dir() else [])
        if folder.name.isdigit() and (folder / "issue.yaml").is_file()
    ]
    if not numbered:
        raise NewIssueError(f"no issue folders ({issues_dir}/<number>/issue.yaml) found: give --from ISSUE_DIR")
    return max(numbered, key=lambda folder: int(folder.name))


def new_issue(source: Path | None = None, issues_dir: Path = Path("issues"), markdown: bool = False) -> Started:
    """Write the skeleton of the issue after `source` (default: the latest in `issues_dir`) beside it; with
    `markdown`, one Markdown article file per article."""
    source = (source or latest_issue(issues_dir)).resolve()
    problems = Problems()
    checked = check(Project.of(source), problems)
    if checked is None:
        raise InvalidIssue(problems)
    old = checked.issue
    number, date = old.number + 1, old.date + ISSUE_INTERVAL
    target = source.parent / str(number)
    if target.exists():
        raise NewIssueError(f"{target} already exists; nothing was written (remove it or edit it)")
    text, articles_md = skeleton(old, _settings(source / "issue.yaml"), number, date, markdown)
    layouts = (source / "layouts").is_dir()
    files = {"issue.yaml": text.encode(), **{name: article.encode() for name, article in articles_md.items()}}
    with staged_folder(target, files, f"cannot create {target}", NewIssueError) as staging:
        if layouts:
            shutil.copytree(source / "layouts", staging / "layouts")
        os.rename(staging, target)  # the folder appears whole or not at all
    articles = sum(len(section.articles) for section in old.sections)
    return Started(target, old, number, date, articles, layouts)


def _settings(issue_yaml: Path) -> dict[str, Any]:
    """The top-level keys of the old issue.yaml as written (title, publisher, email, …)."""
    data = yaml.safe_load(issue_yaml.read_text(encoding="utf-8"))
    return dict(data) if isinstance(data, dict) else {}


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def skeleton(
    old: Issue, settings: dict[str, Any], number: int, date: dt.date, markdown: bool = False
) -> tuple[str, dict[str, str]]:
    """issue.yaml of the next issue (the old settings and sections, one placeholder article per old article),
    and with `markdown` the article files it includes, by name."""
    top = {key: value for key, value in settings.items() if key != "sections"}
    top.update(number=number, date=date)
    header = [
        f"# {old.title} 제 {number} 호 ({date}), started with `issuepdf new` from issue {old.number}.",
        f"# Replace every {PLACEHOLDER} value: `issuepdf archive` refuses an issue that still has one.",
        "# An article may move to a file of its own: `- include: articles/NAME.md` (or .yaml).",
    ]
    body = yaml.safe_dump(top, allow_unicode=True, sort_keys=False, width=1000).splitlines()
    lines = [*header, *body, "sections:"]
    files: dict[str, str] = {}
    for s, section in enumerate(old.sections, start=1):
        lines += _section(section)
        for a, article in enumerate(section.articles, start=1):
            if markdown:
                name = f"articles/{automatic_id(s, a)}.md"
                files[name] = _markdown_article(article)
                lines.append(f"      - include: {name}")
            else:
                lines += _article(article)
    return "\n".join(lines) + "\n", files


def _section(section: Section) -> list[str]:
    lines = [f"  - title: {_quoted(section.title)}", f"    kind: {section.kind}"]
    if section.running_title is not None:
        lines.append(f"    running_title: {_quoted(section.running_title)}")
    if section.numbered is not None:
        lines.append(f"    numbered: {'true' if section.numbered else 'false'}")
    if section.id is not None:
        lines.append(f"    id: {_quoted(section.id)}")
    lines.append("    articles:")
    return lines


def _front(article: Article, indent: str) -> list[str]:
    """The placeholder keys of an article skeleton: its title, and the keys the old article had."""
    lines = [f"title: {_quoted(f'{PLACEHOLDER} 제목')}"]
    for key, hint in ARTICLE_KEYS.items():
        if getattr(article, key) is not None:
            lines.append(f"{indent}{key}: {_quoted(f'{PLACEHOLDER} {hint}')}")
    if article.published is not None:
        lines.append(f"{indent}# published: YYYY-MM-DD (the outlet's date)")
    return lines


def _article(article: Article) -> list[str]:
    indent = " " * 8
    return [
        "      - " + "\n".join(_front(article, indent)),
        f"{indent}body:",
        f"          - {_quoted(f'{PLACEHOLDER} 본문')}",
    ]


def _markdown_article(article: Article) -> str:
    """A Markdown article skeleton: its front matter, then one placeholder paragraph."""
    return "---\n" + "\n".join(_front(article, "")) + f"\n---\n\n{PLACEHOLDER} 본문: 문단은 빈 줄로 나눈다.\n"
