"""Stage 3, charts: chart specs → Plotly figures → SVG files, through one browser per build.

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

from .model import ChartSpec
from .problems import IssuepdfError
from .theme import Theme

logger = logging.getLogger(__name__)

PX_PER_MM = 96 / 25.4
RENDER_TIMEOUT_S = float(os.environ.get("ISSUEPDF_CHART_TIMEOUT", "60"))
"""Longest wait for one chart, and for the browser to start; a hung browser fails the build, never hangs it."""
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")


class ChartError(IssuepdfError):
    """A chart could not be rendered (no browser, a crash, a timeout)."""


@dataclass(frozen=True)
class ChartJob:
    """One chart to render: its figure, pixel size and the SVG file it goes to."""

    figure: dict[str, Any]
    width: int
    height: int
    path: Path


def figure_for(spec: ChartSpec, theme: Theme) -> dict[str, Any]:
    """The Plotly figure (as plain data) for a spec, styled by the theme, with no title inside."""
    layout = _base_layout(spec, theme)
    if spec.figure is not None:
        return {"data": spec.figure.get("data", []), "layout": {**layout, **spec.figure.get("layout", {})}}
    colors = spec.colors or theme.palette
    traces = [_trace(spec, i, colors[i % len(colors)]) for i in range(len(spec.series))]
    if spec.type in ("stacked", "stacked-hbar"):
        layout["barmode"] = "stack"
    if spec.type in ("pie", "donut"):
        traces = [_pie(spec, colors)]
    return {"data": traces, "layout": layout}


def _value_template(spec: ChartSpec, axis: str) -> str:
    unit = f" {spec.unit}" if spec.unit and not spec.unit[0].isascii() else spec.unit
    return f"%{{{axis}:{spec.number_format}}}{unit}"


def _trace(spec: ChartSpec, index: int, color: str) -> dict[str, Any]:
    series = spec.series[index]
    horizontal = spec.type in ("hbar", "stacked-hbar")
    trace: dict[str, Any] = {"name": series.name, "marker": {"color": series.color or color}}
    cats, vals = ("y", "x") if horizontal else ("x", "y")
    trace[cats], trace[vals] = spec.categories, series.values
    if spec.type in ("line", "scatter"):
        trace.update(type="scatter", mode="lines+markers" if spec.type == "line" else "markers", cliponaxis=False)
        trace["line"] = {"color": series.color or color, "width": 2.5}
        if spec.value_labels:
            trace["mode"] += "+text"
            trace.update(texttemplate=_value_template(spec, "y"), textposition="top center")
        return trace
    trace.update(type="bar", orientation="h" if horizontal else "v")
    if spec.value_labels:
        stacked = spec.type.startswith("stacked")
        trace.update(
            texttemplate=_value_template(spec, vals),
            textposition="inside" if stacked else "outside",
            cliponaxis=False,
        )
    return trace


def _pie(spec: ChartSpec, colors: list[str]) -> dict[str, Any]:
    series = spec.series[0]
    return {
        "type": "pie",
        "labels": spec.categories,
        "values": series.values,
        "hole": 0.45 if spec.type == "donut" else 0,
        "sort": False,
        "direction": "clockwise",
        "automargin": True,  # room for labels set outside the slices, never clipped
        "marker": {"colors": colors[: len(spec.categories)], "line": {"color": "#ffffff", "width": 1}},
        "texttemplate": f"%{{label}} {_value_template(spec, 'value')}" if spec.value_labels else "",
        "textinfo": "none" if not spec.value_labels else None,
    }


def _base_layout(spec: ChartSpec, theme: Theme) -> dict[str, Any]:
    font = {"family": theme.font_family, "size": theme.font_size, "color": theme.text_color}
    axis = {"gridcolor": theme.grid_color, "zerolinecolor": theme.grid_color, "tickformat": spec.number_format}
    pie = spec.type in ("pie", "donut")
    show_legend = spec.legend if spec.legend is not None else (len(spec.series) > 1 or (pie and not spec.value_labels))
    horizontal = spec.type in ("hbar", "stacked-hbar")
    value_axis = {**axis, "title": {"text": spec.y_title or ""}}
    category_axis = {"title": {"text": spec.x_title or ""}, "type": "category", "automargin": True}
    if spec.type == "scatter":
        category_axis = {**axis, "title": {"text": spec.x_title or ""}}
    if horizontal:
        category_axis["autorange"] = "reversed"
    return {
        "font": font,
        "showlegend": show_legend,
        "legend": {
            "orientation": "h",
            "y": 1.02,
            "yanchor": "bottom",
            "x": 0.5,
            "xanchor": "center",
            "traceorder": "normal",
        },
        "colorway": theme.palette,
        "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": value_axis if horizontal else category_axis,
        "yaxis": category_axis if horizontal else value_axis,
        "bargap": 0.35,
    }


def chart_job(spec: ChartSpec, theme: Theme, fonts_id: str, cache: Path) -> ChartJob:
    """Where a spec's SVG lives in the cache; the name is the hash of all that shapes it."""
    figure = figure_for(spec, theme)
    width, height = round(spec.width_mm * PX_PER_MM), round(spec.height_mm * PX_PER_MM)
    key = json.dumps(
        [figure, width, height, fonts_id, version("plotly"), version("kaleido")], sort_keys=True, default=str
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return ChartJob(figure, width, height, cache / "charts" / f"{digest}.svg")


def render_missing(jobs: list[ChartJob]) -> int:
    """Render every job whose SVG is not cached yet, all in one browser; returns how many.

    The browser runs in a worker process of its own session: a hung or crashed browser (or a kaleido
    thread stuck on its pipe) is killed at the deadline, never left to hang the build. A failed
    worker is retried once with a fresh browser.
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
        if failure.startswith("timeout"):
            raise ChartError(f"chart rendering stopped ({browser}): {failure}")
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
        [sys.executable, "-m", "issuepdf.chartworker"],
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
