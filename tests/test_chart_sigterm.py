"""A build stopped with SIGTERM while its charts render takes its chart worker and browser with it.

Row C8 of docs/hostile-inputs.md.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .support.issues import MakeIssue
from .test_hostile import with_body

CHARTS = "".join(
    f"          - chart:\n              categories: [가, 나, 다]\n              series: [{{values: [{n}, 2, 3]}}]\n"
    for n in range(1, 41)  # rendering them takes ten seconds or more
)


def _process(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, command line) of a live process; None once it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[1]), fields[0], command) if fields[0] != "Z" else None


def _descendants(root: int) -> dict[int, str]:
    """Every live process below `root`, pid → command line."""
    parents: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _process(int(entry.name))):
            parents[int(entry.name)] = (found[0], found[2])
    below: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, command) in parents.items():
            if ppid == parent and pid not in below:
                below[pid] = command
                frontier.append(pid)
    return below


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_of_a_build_ends_its_chart_worker_and_browser(make_issue: MakeIssue) -> None:
    issue = make_issue({"issue.yaml": with_body(CHARTS)})
    build = subprocess.Popen([sys.executable, "-m", "issuepdf", "build", str(issue)], stderr=subprocess.DEVNULL)
    children: dict[int, str] = {}
    try:
        assert _wait_for(lambda: any((issue / ".cache" / "charts").glob("*.svg")), 60), "no chart was rendered"
        children = _descendants(build.pid)
        assert len(_browsers(children)) >= 3, children
        build.send_signal(signal.SIGTERM)
        build.wait(10)
        assert _wait_for(lambda: not any(_process(pid) for pid in children), 3), {
            pid: command for pid, command in children.items() if _process(pid)
        }
    finally:
        for pid in [build.pid, *children]:  # whatever a failed run left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _browsers(processes: dict[int, str]) -> list[int]:
    return [pid for pid, command in processes.items() if "chromium" in command]
