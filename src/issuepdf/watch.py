"""`issuepdf watch`: rebuild on every saved change, keep the last good PDF, never die on bad input."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .build import BuildResult, build
from .editions import Edition
from .incremental import Session
from .paths import cache_dir, project_root
from .problems import InvalidIssue, IssuepdfError

logger = logging.getLogger(__name__)
DEBOUNCE_MS = 300
IGNORED_SUFFIXES = (".tmp", ".swp", ".swx", "~")


@dataclass
class Outcome:
    """One rebuild: the result when it succeeded, else the problems it printed."""

    result: BuildResult | None
    problems: list[str]


def rebuild(issue_dir: Path, session: Session, output: Path | None, edition: Edition, strict: bool) -> Outcome:
    """Build once; any failure is reported and swallowed so that the watch goes on."""
    try:
        result = build(issue_dir, output, strict=strict, edition=edition, session=session)
    except InvalidIssue as err:
        return Outcome(None, [str(problem) for problem in err.problems])
    except IssuepdfError as err:
        return Outcome(None, [*getattr(err, "messages", []), str(err)])
    except Exception as err:  # a bug must not end the editor's session either
        logger.exception("build failed unexpectedly")
        return Outcome(None, [f"{type(err).__name__}: {err}"])
    return Outcome(result, [])


def watch(
    issue_dir: Path,
    output: Path | None = None,
    edition: Edition = "screen",
    strict: bool = False,
    *,
    on_outcome: Callable[[Outcome], None],
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
) -> None:
    """Build now, then again after every change to the issue, layouts/ or fonts/, until `stop` is set."""
    import watchfiles

    issue_dir = issue_dir.resolve()
    project = project_root(issue_dir)
    outputs = [issue_dir / "out", cache_dir(issue_dir), *([output.resolve().parent] if output else [])]

    def relevant(_change: watchfiles.Change, path: str) -> bool:
        changed = Path(path)
        if changed.name.endswith(IGNORED_SUFFIXES) or changed.name.startswith(".#"):
            return False
        return not any(changed.is_relative_to(folder) for folder in outputs)

    session = Session()
    on_outcome(rebuild(issue_dir, session, output, edition, strict))
    folders = [issue_dir, project / "layouts", project / "fonts"]
    for _changes in watchfiles.watch(
        *folders, watch_filter=relevant, debounce=debounce_ms, stop_event=stop, raise_interrupt=False
    ):
        on_outcome(rebuild(issue_dir, session, output, edition, strict))
