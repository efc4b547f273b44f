"""Stage 3, charts: chart specs → Plotly figures (`figures.py`) → SVG files, through one browser per build.

Rendered SVGs are cached by a hash of everything that shapes them (figure, theme, fonts,
plotly and kaleido versions), so an unchanged chart is never rendered twice and a warm build
never starts the browser or even imports plotly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ..content.chartspec import ChartSpec
from ..content.errors import ChartError
from ..content.theme import Theme
from .figures import figure_for, pixels

logger = logging.getLogger(__name__)

RENDER_TIMEOUT_S = float(os.environ.get("ISSUEPDF_CHART_TIMEOUT", "60"))
"""Longest wait for one chart, and for the browser to start; a hung browser fails the build, never hangs it."""
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")


@dataclass(frozen=True)
class ChartJob:
    """One chart to render: its figure, pixel size, the SVG file it goes to and how to name it."""

    figure: dict[str, Any]
    width: int
    height: int
    path: Path
    name: str = "chart"
    """How messages name the chart to the editor: its title, or its kind and first categories."""


def chart_job(spec: ChartSpec, theme: Theme, fonts_id: str, cache: Path) -> ChartJob:
    """Where a spec's SVG lives in the cache; the name is the hash of all that shapes it."""
    width, height = pixels(spec)
    figure = figure_for(spec, theme)
    key = json.dumps(
        [figure, width, height, fonts_id, version("plotly"), version("kaleido")], sort_keys=True, default=str
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return ChartJob(figure, width, height, cache / "charts" / f"{digest}.svg", describe(spec))


def describe(spec: ChartSpec) -> str:
    """The chart as an editor recognises it: its title, else its kind and first categories."""
    if spec.title:
        return f"chart '{spec.title}'"
    if spec.figure is not None:
        kinds = sorted({str(trace.get("type", "scatter")) for trace in spec.figure.get("data", [])})
        return f"raw figure chart ({', '.join(kinds) or 'no data'})"
    shown = ", ".join(map(str, spec.categories[:3])) + (", …" if len(spec.categories) > 3 else "")
    return f"{spec.type} chart of {shown}"


def render_missing(jobs: list[ChartJob]) -> int:
    """Render every job whose SVG is not cached yet, all in one browser; returns how many.

    The browser runs in a worker process of its own session: a hung or crashed browser (or a kaleido
    thread stuck on its pipe) is killed at the deadline, never left to hang the build, and the worker
    dies with the build (see `chartworker`). A crashed worker is retried once with a fresh browser; a
    chart that timed out is named, not retried.
    """
    todo = list({job.path: job for job in jobs if not job.path.is_file()}.values())
    if not todo:
        return 0
    browser = find_browser()
    logger.info("rendering %d chart(s) with %s", len(todo), browser)
    for attempt in (1, 2):
        failure = _run_worker([job for job in todo if not job.path.is_file()], browser)
        if failure is None:
            break
        if failure.startswith("timeout: "):  # the same chart would time out again: no retry
            culprit = next(job for job in todo if not job.path.is_file())  # jobs are rendered in order
            raise ChartError(
                f"{culprit.name}: {failure.removeprefix('timeout: ')} ({browser}); "
                "set ISSUEPDF_CHART_TIMEOUT (seconds) to wait longer"
            )
        if attempt == 2:
            raise ChartError(f"chart rendering failed twice ({browser}): {failure}")
        logger.warning("chart browser failed (%s); retrying once", failure)
    missing = [job.path.name for job in todo if not job.path.is_file()]
    if missing:
        raise ChartError(f"the browser wrote no SVG for: {', '.join(missing)}")
    return len(todo)


def _run_worker(jobs: list[ChartJob], browser: str) -> str | None:
    """Render in `issuepdf.chartworker`; None on success, else why it failed."""
    request = {
        "browser": browser,
        "timeout": RENDER_TIMEOUT_S,
        "jobs": [{"figure": j.figure, "width": j.width, "height": j.height, "path": str(j.path)} for j in jobs],
    }
    deadline = RENDER_TIMEOUT_S * (1 + len(jobs))
    worker = subprocess.Popen(
        [sys.executable, "-m", f"{__package__}.chartworker", str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the browser dies with it
    )
    try:
        _, stderr = worker.communicate(json.dumps(request, default=str).encode(), timeout=deadline)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.communicate()
        return f"timeout: the chart browser did not answer within {deadline:.0f} s"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)  # a browser left behind by the worker
    if worker.returncode != 0:
        lines = stderr.decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"the chart worker exited with status {worker.returncode}"
    return None


def find_browser() -> str:
    """The Chromium that renders charts; kaleido must not download one (no network here)."""
    pinned = os.environ.get("BROWSER_PATH")
    if pinned and Path(pinned).is_file():
        return pinned
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChartError(
        "no Chromium found to render charts: install it with `sudo apt-get install chromium` "
        "(or set BROWSER_PATH to a Chrome/Chromium binary)"
    )
