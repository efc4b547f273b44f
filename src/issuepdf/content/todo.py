"""The placeholders `issuepdf new` leaves in a skeleton, and the ones an issue still has: an issue with
any is not finished, and `archive` refuses it by file, line and key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .loader import KeyPath, load_issue
from .problems import Problems

PLACEHOLDER = "TODO"
"""What `issuepdf new` writes where the editor must write something."""
_PLACEHOLDER = re.compile(rf"^\s*{PLACEHOLDER}\b")


def unfilled(issue_dir: Path) -> Problems:
    """Every value of the issue that is still a `TODO` placeholder, with its file, line and key."""
    problems = Problems()
    loaded = load_issue(issue_dir, Problems())  # errors in the issue are the validator's to report
    if loaded is None:
        return problems

    def walk(value: Any, keypath: KeyPath) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*keypath, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*keypath, index))
        elif isinstance(value, str) and _PLACEHOLDER.match(value):
            where = ".".join(str(part) for part in keypath)
            problems.add(loaded.position(keypath), where, f"fill in: still the placeholder {value.strip()!r}")

    walk(loaded.data, ())
    return problems
