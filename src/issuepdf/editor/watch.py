"""`issuepdf watch`: rebuild on every saved change, keep the last good PDF, never die on bad input.

An issue folder renamed away (by a sync tool, or an editor moving it) is waited for, not rebuilt:
nothing may recreate it at the old path, or the real folder would land inside the new one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..content.errors import InvalidIssue, IssuepdfError
from ..content.project import Project
from ..pipeline.build import BuildResult, build
from ..pipeline.editions import Edition
from ..pipeline.incremental import Session

logger = logging.getLogger(__name__)
DEBOUNCE_MS = 300
STEP_MS = 5
"""How long the folder must stay quiet before a rebuild starts: an editor's save is one burst of writes."""
WAKE_MS = 50
"""The watcher reports this often when nothing changed: the first build waits for its first report, so
that it runs once the watcher is in place (a save made while it runs is then seen; built before, a save
between the build and the watcher's start was lost)."""
GONE_POLL_S = 0.5
"""How often to look for an issue folder that was renamed away."""
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
    session: Session | None = None,
    on_start: Callable[[], None] | None = None,
) -> None:
    """Build now, then again after every change to the issue, layouts/ or fonts/, until `stop` is set.

    `session` keeps laid-out articles between builds (its listener sees pages as they are laid out);
    `on_start` is told each time a rebuild begins.
    """
    import watchfiles

    project = Project.of(issue_dir)
    issue_dir = project.issue_dir
    outputs = [issue_dir / "out", project.cache, *([output.resolve().parent] if output else [])]

    def relevant(_change: watchfiles.Change, path: str) -> bool:
        changed = Path(path)
        if changed.name.endswith(IGNORED_SUFFIXES) or changed.name.startswith(".#"):
            return False
        return not any(changed.is_relative_to(folder) for folder in outputs)

    session = session or Session()
    folders = project.readable

    def again() -> None:
        if on_start is not None:
            on_start()
        on_outcome(rebuild(issue_dir, session, output, edition, strict))

    while _present(issue_dir, on_outcome, stop or threading.Event()):
        built = False
        for changes in watchfiles.watch(
            *folders,
            watch_filter=relevant,
            debounce=debounce_ms,
            step=STEP_MS,
            stop_event=stop,
            raise_interrupt=False,
            rust_timeout=WAKE_MS,
            yield_on_timeout=True,
        ):
            if not issue_dir.is_dir():
                break  # wait for it, then watch it afresh
            if changes or not built:
                built = True
                again()
        else:
            return


def _present(issue_dir: Path, on_outcome: Callable[[Outcome], None], stop: threading.Event) -> bool:
    """Whether the issue folder is there, after waiting for it to come back if it was renamed away.

    False when the watch is stopped (or interrupted) while waiting.
    """
    if issue_dir.is_dir():
        return True
    on_outcome(Outcome(None, [f"{issue_dir} is gone (renamed or moved?); waiting for it to come back"]))
    try:
        while not issue_dir.is_dir():
            if stop.wait(GONE_POLL_S):
                return False
    except KeyboardInterrupt:
        return False
    return True
