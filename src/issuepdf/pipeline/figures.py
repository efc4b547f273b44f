"""Chart specs → Plotly figures, styled by the theme and laid out so that no text clips or overlaps:
axes make room for their labels, long categories wrap, value labels shrink or hide rather than turn,
line labels keep off their line, and `number_format` shapes values only."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..content.chartspec import ChartSpec
from ..content.theme import Theme
from .typeset import PX_PER_MM

LINE_HEIGHT = 1.4
"""Height of a line of chart text, in font sizes."""
MAX_LABELLED_POINTS = 200
"""Charts with more points print no value labels: nobody could read them, and placing them is slow."""
MAX_ARRAY_TICKS = 12
"""Whole-number x values of a scatter are ticked one by one up to this many (years); beyond, Plotly picks."""
MIN_LABEL_SHARE = 0.8
"""Value labels may shrink to this share of the font size to fit their bar; smaller ones are hidden."""


@dataclass(frozen=True)
class _Frame:
    """What a figure's layout is worked out from: the spec, its theme and its size in pixels."""

    spec: ChartSpec
    theme: Theme
    width: int
    height: int

    @property
    def horizontal(self) -> bool:
        return self.spec.type in ("hbar", "stacked-hbar")

    @property
    def labels(self) -> bool:
        """Whether issuepdf prints values: asked for, not a raw figure, and few enough to be read."""
        points = sum(len(series.values) for series in self.spec.series)
        return self.spec.value_labels and self.spec.figure is None and points <= MAX_LABELLED_POINTS

    @property
    def line_height(self) -> float:
        return self.theme.font_size * LINE_HEIGHT

    @cached_property
    def point_labels(self) -> list[list[str | None]]:
        return _point_labels(self)

    @cached_property
    def xs(self) -> list[float] | None:
        """A scatter's numeric x values (`"2021"` quoted as the docs advise counts); None for categories."""
        if self.spec.type != "scatter":
            return None
        try:
            return [float(x) for x in self.spec.categories]
        except ValueError:
            return None  # a scatter of named categories is drawn like a line without its line


def figure_for(spec: ChartSpec, theme: Theme) -> dict[str, Any]:
    """The Plotly figure (as plain data) for a spec, styled by the theme, with no title inside.

    Every label stays inside the figure and off every other label: axes make room for their labels
    (automargin), long categories wrap instead of turning 45°, the value axis leaves room for labels
    outside the bars, and a label that cannot fit is hidden rather than shrunk to dust.
    """
    frame = _Frame(spec, theme, *pixels(spec))
    layout = _base_layout(frame)
    if spec.figure is not None:
        return {"data": spec.figure.get("data", []), "layout": {**layout, **spec.figure.get("layout", {})}}
    colors = spec.colors or theme.palette
    if spec.type in ("pie", "donut"):
        return {"data": [_pie(frame, colors)], "layout": layout}
    traces = [_trace(frame, i, colors[i % len(colors)]) for i in range(len(spec.series))]
    return {"data": traces, "layout": layout}


def _value_template(spec: ChartSpec, axis: str) -> str:
    unit = f" {spec.unit}" if spec.unit and not spec.unit[0].isascii() else spec.unit
    return f"%{{{axis}:{spec.number_format}}}{unit}"


def _text_px(text: str, size: float) -> float:
    """Rough width of a text: Hangul and Hanzi a full em, everything else a little over half."""
    return sum(size if ord(char) >= 0x1100 else 0.6 * size for char in text)


def _wrap(label: str | float, max_px: float, size: float) -> str | float:
    """A long category label broken into lines (`<br>`) at spaces, each at most `max_px` wide if it can."""
    if not isinstance(label, str):
        return label
    lines: list[str] = []
    for word in label.split():
        if lines and _text_px(f"{lines[-1]} {word}", size) <= max_px:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "<br>".join(lines) or label


def _categories(frame: _Frame) -> list[str | float]:
    """The categories, wrapped to the room each has: a slot of the axis, or a quarter of the width."""
    spec, size = frame.spec, frame.theme.font_size
    if frame.horizontal or spec.type in ("pie", "donut"):
        room = frame.width / 4
    else:
        room = 0.9 * (frame.width - 80) / max(1, len(spec.categories))
    return [_wrap(label, room, size) for label in spec.categories]


def _trace(frame: _Frame, index: int, color: str) -> dict[str, Any]:
    spec = frame.spec
    series = spec.series[index]
    trace: dict[str, Any] = {"name": series.name, "marker": {"color": series.color or color}, "cliponaxis": False}
    cats, vals = ("y", "x") if frame.horizontal else ("x", "y")
    trace[cats], trace[vals] = frame.xs or _categories(frame), series.values
    if spec.type in ("line", "scatter"):
        trace.update(type="scatter", mode="lines+markers" if spec.type == "line" else "markers")
        trace["line"] = {"color": series.color or color, "width": 2.5}
        if frame.labels:
            positions = frame.point_labels[index]
            template = _value_template(spec, "y")
            trace["mode"] += "+text"
            trace["textposition"] = [position or "top center" for position in positions]
            trace["texttemplate"] = [template if position else "" for position in positions]
        return trace
    trace.update(type="bar", orientation="h" if frame.horizontal else "v")
    if frame.labels:
        stacked = spec.type.startswith("stacked")
        trace.update(
            texttemplate=_value_template(spec, vals),
            textposition="inside" if stacked else "outside",
            textangle=0,  # never turned 90° inside a thin bar
            insidetextanchor="middle",
            constraintext="both" if stacked or not _labels_fit_beside(frame) else "inside",
        )
    return trace


def _labels_fit_beside(frame: _Frame) -> bool:
    """Whether a value label outside its bar fits the bar's slot at full size (else it shrinks or hides)."""
    bars = len(frame.spec.categories) * len(frame.spec.series)
    if frame.horizontal:
        return frame.line_height + 2 <= (frame.height - 90) / bars
    return _label_px(frame) + 4 <= (frame.width - 90) / bars


Box = tuple[float, float, float, float]
"""left, bottom, right, top in pixels from the plot's lower left corner."""


def _point_labels(frame: _Frame) -> list[list[str | None]]:
    """Where each value label of a line or scatter goes (`textposition`), per series and point; None hides it.

    Where several series share a category, only the highest value is labelled (above) and the
    lowest (below); a line's label leans away from the line's own segments; a label whose estimated
    box would touch one placed before it is left out rather than printed over it.
    """
    placed: list[Box] = []
    return [
        [_place(frame, index, i, placed) for i in range(len(frame.spec.categories))]
        for index in range(len(frame.spec.series))
    ]


def _place(frame: _Frame, index: int, i: int, placed: list[Box]) -> str | None:
    """The first free position for the label of point `i` of series `index`, recorded in `placed`."""
    values = frame.spec.series[index].values
    for side in _label_sides(frame.spec, index, i):
        position = _beside_line(frame.spec, values, i, side)
        box = _label_box(frame, index, i, position) if position else None
        if box and not any(_overlap(box, other) for other in placed):
            placed.append(box)
            return position
    return None


def _label_box(frame: _Frame, index: int, i: int, position: str) -> Box:
    """The estimated box of a point's value label at a `textposition`, a few pixels to spare all round."""
    spec = frame.spec
    value = spec.series[index].values[i]
    assert value is not None
    (x0, x1), (y0, y1) = _point_range(frame), _value_range(frame) or [0.0, 1.0]
    x_value = frame.xs[i] if frame.xs else i
    plot_width, plot_height = frame.width - 90 - _label_px(frame) / 2, frame.height - 90
    x, y = (x_value - x0) / (x1 - x0) * plot_width, (value - y0) / (y1 - y0) * plot_height
    width, height = _label_px(frame, value), frame.line_height
    vertical, horizontal = position.split()
    left = {"left": x - width, "center": x - width / 2, "right": x}[horizontal]
    bottom = y + 4 if vertical == "top" else y - 4 - height
    return (left - 3, bottom - 3, left + width + 3, bottom + height + 3)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_sides(spec: ChartSpec, index: int, i: int) -> list[str]:
    """The sides of point `i` of series `index` its label may take: alone at its category, either;
    else only the first highest value above and the first lowest below."""
    column = [series.values[i] for series in spec.series]
    present = [value for value in column if value is not None]
    if column[index] is None:
        return []
    if len(present) == 1:
        return ["top", "bottom"]
    if index == column.index(max(present)):
        return ["top"]
    return ["bottom"] if index == column.index(min(present)) else []


def _beside_line(spec: ChartSpec, values: list[float | None], i: int, side: str) -> str | None:
    """'top left', 'bottom center', … : the side of point `i` its own line does not cross; None if both do."""
    if spec.type != "line":
        return f"{side} center"
    value = values[i]
    assert value is not None

    def crosses(neighbour: float | None) -> bool:
        return neighbour is not None and (neighbour > value if side == "top" else neighbour < value)

    left = crosses(values[i - 1]) if i > 0 else False
    right = crosses(values[i + 1]) if i + 1 < len(values) else False
    at_edge = (i == 0 and right) or (i == len(values) - 1 and left)  # no room beyond the first or last point
    if (left and right) or at_edge:
        return None
    return f"{side} {'right' if left else 'left' if right else 'center'}"


def _pie(frame: _Frame, colors: list[str]) -> dict[str, Any]:
    spec = frame.spec
    series = spec.series[0]
    return {
        "type": "pie",
        "labels": _categories(frame),
        "values": series.values,
        "hole": 0.45 if spec.type == "donut" else 0,
        "sort": False,
        "direction": "clockwise",
        "automargin": True,  # room for labels set outside the slices, never clipped
        "insidetextorientation": "horizontal",
        "marker": {"colors": colors[: len(spec.categories)], "line": {"color": "#ffffff", "width": 1}},
        "texttemplate": f"%{{label}} {_value_template(spec, 'value')}" if frame.labels else "",
        "textinfo": "none" if not frame.labels else None,
    }


def _base_layout(frame: _Frame) -> dict[str, Any]:
    spec, theme = frame.spec, frame.theme
    font = {"family": theme.font_family, "size": theme.font_size, "color": theme.text_color}
    pie = spec.type in ("pie", "donut")
    show_legend = spec.legend if spec.legend is not None else (len(spec.series) > 1 or (pie and not frame.labels))
    value_axis, category_axis = _value_axis(frame), _category_axis(frame)
    value_axis["title"] = {"text": (spec.x_title if frame.horizontal else spec.y_title) or ""}
    category_axis["title"] = {"text": (spec.y_title if frame.horizontal else spec.x_title) or ""}
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
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10, "pad": 2},  # axes and legend add what they need
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": value_axis if frame.horizontal else category_axis,
        "yaxis": category_axis if frame.horizontal else value_axis,
        "bargap": 0.35,
        "barmode": "stack" if spec.type.startswith("stacked") else "group",
        "uniformtext": {"minsize": round(theme.font_size * MIN_LABEL_SHARE), "mode": "hide"},
    }


def _value_axis(frame: _Frame) -> dict[str, Any]:
    """The value axis: the spec's number format, and room for the labels set beyond the bars or points."""
    axis = {
        "gridcolor": frame.theme.grid_color,
        "zerolinecolor": frame.theme.grid_color,
        "tickformat": frame.spec.number_format,
        "automargin": True,
    }
    value_range = _value_range(frame)
    if value_range is not None:
        axis["range"] = value_range
    return axis


def _category_axis(frame: _Frame) -> dict[str, Any]:
    """The category axis, labels level; a scatter's numeric x axis gets a grid and its own ticks."""
    axis: dict[str, Any] = {"automargin": True, "tickangle": 0}
    if frame.xs is None:
        axis["type"] = "category"
        step = _category_step(frame)
        if step > 1:  # too many categories for every label: every second (third, …) one
            axis.update(tickmode="linear", tick0=0, dtick=step)
    else:
        axis.update(_x_ticks(frame.xs), gridcolor=frame.theme.grid_color)
    if frame.labels and frame.spec.type in ("line", "scatter"):
        axis["range"] = _point_range(frame)
    if frame.horizontal:
        axis["autorange"] = "reversed"
    return axis


def _category_step(frame: _Frame) -> int:
    """Every how many categories a label fits on the category axis (1: every one)."""
    lines = [str(label).split("<br>") for label in _categories(frame)]
    if not lines:  # a raw figure's own data
        return 1
    if frame.horizontal:
        need = frame.line_height * max(map(len, lines))
        room = (frame.height - 90) / len(lines)
    else:
        need = max(_text_px(line, frame.theme.font_size) for label in lines for line in label) + 6
        room = (frame.width - 90) / len(lines)
    return max(1, math.ceil(need / max(room, 1)))


def _x_ticks(xs: list[float]) -> dict[str, Any]:
    """Ticks of numeric x values, never in the values' number format: whole numbers (years) print as `2021`."""
    if not all(x.is_integer() for x in xs):
        return {}
    ticks = sorted({int(x) for x in xs})
    if len(ticks) > MAX_ARRAY_TICKS:
        return {"tickformat": "d"}
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [str(x) for x in ticks]}


def _point_range(frame: _Frame) -> list[float]:
    """The x range of a line or scatter that leaves half a value label of room beyond the outer points."""
    xs = frame.xs or range(len(frame.spec.categories))
    low, high = min(xs), max(xs)
    half_label = _label_px(frame) / 2 + 4
    plot = frame.width - 90
    pad = max((high - low) or 1, 1e-9) * half_label / max(plot - 2 * half_label, 1)
    return [low - pad, high + pad]


def _value_range(frame: _Frame) -> list[float] | None:
    """The value axis' range when labels outside the bars or around points need room, else None (auto)."""
    spec = frame.spec
    if not frame.labels or spec.type in ("pie", "donut", "stacked", "stacked-hbar"):
        return None
    values = [v for series in spec.series for v in series.values if v is not None]
    low, high = min(values), max(values)
    if spec.type in ("bar", "hbar"):
        low, high = min(low, 0), max(high, 0)
    share = _label_share(frame)
    span = (high - low) or abs(high) or 1
    extra = span * share / (1 - 2 * share)
    points = spec.type in ("line", "scatter")
    return [low - (extra if low < 0 or points else 0), high + (extra if high > 0 or points else 0)]


def _label_share(frame: _Frame) -> float:
    """The share of the plot's length along the value axis that one value label takes (at most 0.3)."""
    if frame.horizontal:
        label, plot = _label_px(frame) + 8, frame.width * (2 / 3) - 30
    else:
        label, plot = frame.line_height + 6, frame.height - 60 - 2 * frame.line_height
    return min(0.3, label / max(plot, 1))


def _label_px(frame: _Frame, value: float | None = None) -> float:
    """The estimated width of the value label of `value`, by default of the widest one."""
    if value is None:
        value = max(abs(v) for series in frame.spec.series for v in series.values if v is not None)
    return _text_px(f"{_d3_like(value, frame.spec.number_format)} {frame.spec.unit}", frame.theme.font_size)


def _d3_like(value: float, number_format: str) -> str:
    """About what d3-format prints for the usual formats (`,.0f`, `.1%`, `,d`); generous for the rest."""
    match = re.fullmatch(r"(,?)(?:\.(\d+))?([df%]?)", number_format)
    if match is None:
        return f"{value:,.2f}"
    comma, precision, kind = match[1], int(match[2] or 0), match[3]
    if kind == "%":
        return f"{value * 100:{comma}.{precision}f}%"
    return f"{value:{comma}.{0 if kind == 'd' else precision}f}"


def pixels(spec: ChartSpec) -> tuple[int, int]:
    """A chart's width and height in CSS pixels: the size its labels are laid out for."""
    return round(spec.width_mm * PX_PER_MM), round(spec.height_mm * PX_PER_MM)
