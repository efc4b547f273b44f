"""What a chart shows, declared once: a chart spec in a file or written in place, with its data inline,
from a CSV beside it, or as a raw Plotly figure that may name no URL; bounded in points."""

from __future__ import annotations

import base64
import csv
import io
import mimetypes
import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationInfo,
    model_validator,
)

from .fields import FilePath, Model, existing_file, printable_image

MAX_CSV_BYTES = 20_000_000
"""Largest CSV whose points are counted (a million points is about 9 MB); validation reads at most 2 MB."""
MAX_CHART_POINTS = 10_000
"""The most values one chart may draw (all series together). Rendering time grows with the points:
10,000 bars take 8 s (2 cores, browser start included), 20,000 twice that, 10^6 ran out of time."""

_URL = re.compile(r"\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*://|(?:file|data|blob|filesystem|javascript):|//|\\\\)", re.I)
"""A string naming something outside the issue: `http://…`, `file:…`, `data:…`, `//host`, `\\\\share`."""


class Series(Model):
    """One data series of a chart."""

    name: str = ""
    """The series' name, shown in the legend."""
    values: Annotated[list[Annotated[float, Field(allow_inf_nan=False)] | None], Field(min_length=1)]
    """One value per category; `null` for a missing value."""
    color: str | None = None
    """A CSS colour; by default the next colour of the bulletin theme."""


ChartType = Literal["bar", "hbar", "stacked", "stacked-hbar", "line", "pie", "donut", "scatter"]


def _offline_figure(figure: dict[str, Any] | None, info: ValidationInfo) -> dict[str, Any] | None:
    """Refuse a raw figure that names a URL, and inline its image files as `data:` URIs.

    The chart browser must fetch nothing (a `file:///…` image would end up inside the SVG, an
    `http://…` one would leak the build to the network), so every image a figure shows comes from
    the issue folder, read here and handed to the browser as data.
    """
    return None if figure is None else _inline_sources(figure, (), info)


def _inline_sources(value: Any, path: tuple[str | int, ...], info: ValidationInfo) -> Any:
    if isinstance(value, dict):
        return {key: _inline_sources(item, (*path, key), info) for key, item in value.items()}
    if isinstance(value, list):
        return [_inline_sources(item, (*path, i), info) for i, item in enumerate(value)]
    if not isinstance(value, str):
        return value
    where = ".".join(map(str, path))
    if path and path[-1] == "source" and not _URL.match(value):
        return _image_data_uri(value, where, info)
    if _URL.match(value) and not value.strip().lower().startswith("data:image/"):
        raise ValueError(f"{where}: charts may not name URLs ({value[:40]!r}); put the file in the issue folder")
    return value


def _image_data_uri(name: str, where: str, info: ValidationInfo) -> str:
    """An image file of the issue as a `data:` URI, after the checks a photo gets."""
    try:
        existing_file(name, info)
        printable_image(name, info)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
    base = (info.context or {}).get("base")
    if base is None:
        return name
    path = Path(base) / name
    kind = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _figure_points(figure: dict[str, Any]) -> int:
    """The points a raw figure draws: per trace, its longest data array (a grid counts every cell)."""
    traces = figure.get("data", [])
    return sum(
        max((_leaves(item) for item in trace.values() if isinstance(item, list)), default=0)
        for trace in traces
        if isinstance(trace, dict)
    )


def _leaves(value: Any) -> int:
    return sum(_leaves(item) for item in value) if isinstance(value, list) else 1


def _csv_points(name: str, info: ValidationInfo) -> int:
    """Data cells of a chart's CSV (header row and category column aside), 0 if it cannot be read here.

    Counted as the rows stream by, from at most MAX_CSV_BYTES: a bigger file is refused for its size
    when validation reads it, and was never read whole here (a sparse file may claim gigabytes)."""
    base = (info.context or {}).get("base")
    if base is None:
        return 0
    try:
        with (Path(base) / name).open("rb") as raw:
            if not stat.S_ISREG(os.fstat(raw.fileno()).st_mode):
                return 0
            text = raw.read(MAX_CSV_BYTES + 1)
        if len(text) > MAX_CSV_BYTES:
            return 0
        rows = (
            row for row in csv.reader(io.StringIO(text.decode("utf-8-sig"), newline="")) if any(map(str.strip, row))
        )
        width = len(next(rows, ["", ""])) - 1
        return max(0, width) * sum(1 for _ in rows)
    except (OSError, UnicodeDecodeError, csv.Error):
        return 0  # a problem validate reports with its position


class ChartSpec(Model):
    """What a chart shows; the bulletin theme decides how it looks."""

    type: ChartType = "bar"
    """bar, hbar (horizontal), stacked, stacked-hbar, line, pie, donut or scatter."""
    title: str | None = None
    """A title set above the chart in the page (never inside the SVG)."""
    categories: list[str | float] = []
    """Category labels (x values for line and scatter)."""
    series: list[Series] = []
    """The data; each series has one value per category."""
    csv: FilePath | None = None
    """Data from a CSV file beside the spec: first column categories, one column per series."""
    figure: Annotated[dict[str, Any] | None, AfterValidator(_offline_figure)] = None
    """A raw Plotly figure (`data` and `layout`), for what the fields above cannot say; images in it
    are files of the issue (relative to the spec), never URLs."""
    unit: str = ""
    """Unit appended to value labels, e.g. `개` or `억 위안`."""
    number_format: str = ",.0f"
    """Number format of value labels and the value axis (d3-format), e.g. `,.1f` or `.0%`."""
    value_labels: bool = True
    """Print each value on its bar, point or slice."""
    x_title: str | None = None
    """Title of the horizontal axis (the value axis of hbar and stacked-hbar)."""
    y_title: str | None = None
    """Title of the vertical axis (the category axis of hbar and stacked-hbar)."""
    colors: list[str] = []
    """Colours replacing the theme palette, in order."""
    legend: bool | None = None
    """Show the legend; by default when there are several series, or a pie without value labels."""
    width_mm: Annotated[float, Field(gt=20, le=180)] = 150
    """Width in the page, in millimetres."""
    height_mm: Annotated[float, Field(gt=20, le=250)] = 80
    """Height in the page, in millimetres."""

    @model_validator(mode="after")
    def _one_data_source(self) -> ChartSpec:
        given = [name for name in ("series", "csv", "figure") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(f"give exactly one of series, csv or figure (given: {', '.join(given) or 'none'})")
        for series in self.series:
            if self.categories and len(series.values) != len(self.categories):
                raise ValueError(
                    f"series {series.name!r} has {len(series.values)} values for {len(self.categories)} categories"
                )
        if self.series and not self.categories:
            raise ValueError("series need categories")
        return self

    @model_validator(mode="after")
    def _few_enough_points(self, info: ValidationInfo) -> ChartSpec:
        points = sum(len(series.values) for series in self.series)
        points += _figure_points(self.figure or {}) + (_csv_points(self.csv, info) if self.csv else 0)
        if points > MAX_CHART_POINTS:
            raise ValueError(
                f"the chart has {points:,} points; the limit is {MAX_CHART_POINTS:,}: "
                "summarise the data (sums per month, the leading categories and 기타) or show it as a table"
            )
        return self
