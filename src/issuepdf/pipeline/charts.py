"""Stage 3, charts: chart specs → Plotly figures (`figures.py`) → SVG files, through one browser per build.

Rendered SVGs are cached by a hash of everything that shapes them (figure, theme, fonts,
plotly and kaleido versions), so an unchanged chart is never rendered twice and a warm build
never starts the browser or even imports plotly.

The cache lies in the issue folder (`.cache/charts/`), and an issue folder may come from anyone: a file
there named like a chart's hash could draw other figures than the spec says, and the web edition puts
its markup in the page. So a cached SVG counts only with its signature (`.sig` beside it), an HMAC by
a key of this user's, kept outside every issue (`chart-key` in the user cache folder); any other is
rendered again.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

from ..content.chartspec import ChartSpec
from ..content.errors import ChartError
from ..content.paths import confined
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
    return ChartJob(figure, width, height, confined(cache / "charts", cache.parent) / f"{digest}.svg", describe(spec))


def describe(spec: ChartSpec) -> str:
    """The chart as an editor recognises it: its title, else its kind and first categories."""
    if spec.title:
        return f"chart '{spec.title}'"
    if spec.figure is not None:
        kinds = sorted({str(trace.get("type", "scatter")) for trace in spec.figure.get("data", [])})
        return f"raw figure chart ({', '.join(kinds) or 'no data'})"
    shown = ", ".join(map(str, spec.categories[:3])) + (", …" if len(spec.categories) > 3 else "")
    return f"{spec.type} chart of {shown}"


def cached(job: ChartJob) -> bool:
    """Whether the job's SVG is in the cache as rendered here (its signature holds)."""
    try:
        signature = job.path.with_suffix(".sig").read_text(encoding="ascii").strip()
        return hmac.compare_digest(signature, _signature(job.path.read_bytes()))
    except (OSError, ValueError):
        return False


def _signature(svg: bytes) -> str:
    return hmac.new(_chart_key(), svg, hashlib.sha256).hexdigest()


@cache
def _chart_key() -> bytes:
    """This user's key for chart signatures, made on first use (readable by this user only)."""
    path = Path(user_cache_dir("issuepdf")) / "chart-key"
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    key = path.read_bytes()
    if len(key) != 32:
        raise ChartError(f"{path} is not a chart key (32 bytes); delete it and build again")
    return key


def render_missing(jobs: list[ChartJob]) -> int:
    """Render every job whose SVG is not cached yet, all in one browser; returns how many.

    The browser runs in a worker process of its own session: a hung or crashed browser (or a kaleido
    thread stuck on its pipe) is killed at the deadline, never left to hang the build, and the worker
    dies with the build (see `chartworker`). A crashed worker is retried once with a fresh browser; a
    chart that timed out is named, not retried.
    """
    todo = list({job.path: job for job in jobs if not cached(job)}.values())
    if not todo:
        return 0
    for job in todo:  # a file the browser might fail to replace must not pass for its output
        job.path.unlink(missing_ok=True)
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
    for job in todo:
        job.path.with_suffix(".sig").write_text(_signature(job.path.read_bytes()), encoding="ascii")
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
