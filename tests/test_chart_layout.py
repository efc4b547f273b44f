"""Every chart kind keeps its text inside the figure and off other text, with long Korean labels and big values.

The SVGs are measured by a headless Chromium (one page, one browser for all kinds): the box of every
<text> must lie inside the figure and touch no other box (1 px of tolerance). Rows C9-C12 of
docs/hostile-inputs.md.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import typing
from pathlib import Path
from typing import Any

import pytest

from issuepdf.content.chartspec import ChartSpec, ChartType, Series
from issuepdf.content.theme import Theme
from issuepdf.pipeline.charts import ChartJob, chart_job, find_browser, render_missing
from issuepdf.pipeline.figures import figure_for

REGIONS = [
    "베이징 중관촌 과학기술 혁신 단지",
    "상하이 푸둥 신구 창업 생태계",
    "선전 난산구 하드웨어 클러스터",
    "기타 지역",
]
BIG = [1234567.0, 987654.0, 2345678.0, 456789.0]
TOLERANCE = 1.0

MEASURE = """
const figures = [];
for (const figure of document.querySelectorAll('div.figure')) {
  const frame = figure.querySelector('svg').getBoundingClientRect();
  const boxes = [];
  for (const text of figure.querySelectorAll('text')) {
    const box = text.getBoundingClientRect();
    if (box.width < 0.5 || box.height < 0.5 || !text.textContent.trim()) continue;
    boxes.push([text.textContent, box.left - frame.left, box.top - frame.top, box.right - frame.left,
                box.bottom - frame.top]);
  }
  figures.push({kind: figure.id, width: frame.width, height: frame.height, boxes: boxes});
}
document.body.textContent = JSON.stringify(figures);
"""


def _spec(kind: str) -> ChartSpec:
    """A chart of `kind` with long Korean categories, big values and three series where it takes several."""
    many = kind not in ("hbar", "bar", "pie", "donut")
    series = [Series(name="기존 가젤 기업 수 합계", values=BIG)]
    if many:
        series += [
            Series(name="신규 가젤 기업 수", values=[v * 0.9 for v in BIG]),
            Series(name="유니콘 전환 기업", values=[v / 20 for v in BIG]),
        ]
    years = kind in ("line", "scatter")
    categories: list[str | float] = [2018.0, 2019.0, 2020.0, 2021.0] if years else list(REGIONS)
    horizontal = kind.endswith("hbar")
    return ChartSpec(
        type=kind,
        categories=categories,
        series=series,
        unit="억 위안",
        x_title="투자 유치 금액 (억 위안)" if horizontal else "연도" if years else "지역",
        y_title="지역" if horizontal else "투자 유치 금액 (억 위안)",
    )


def _measure(jobs: dict[str, ChartJob], tmp_path: Path) -> list[dict[str, Any]]:
    """The box of every text of every chart, measured in one headless Chromium."""
    figures = "".join(f"<div class=figure id={kind}>{_svg_element(job.path)}</div>" for kind, job in jobs.items())
    page = tmp_path / "measure.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><body>{figures}<script>{MEASURE}</script>", encoding="utf-8")
    command = [find_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    body = re.search(r"<body>(.*)</body>", dom, re.S)
    assert body, dom[:500]
    return json.loads(html.unescape(body[1]))


def _svg_element(path: Path) -> str:
    """An SVG file as an element to put in a page (without its XML declaration)."""
    return re.sub(r"^<\?xml[^>]*>", "", path.read_text(encoding="utf-8"))


def _problems(figure: dict[str, Any]) -> list[str]:
    """Texts outside the figure and pairs of texts that overlap, beyond the tolerance."""
    width, height, boxes = figure["width"], figure["height"], figure["boxes"]
    problems = [
        f"{text!r} leaves the figure ({left:.0f}, {top:.0f}, {right:.0f}, {bottom:.0f})"
        for text, left, top, right, bottom in boxes
        if left < -TOLERANCE or top < -TOLERANCE or right > width + TOLERANCE or bottom > height + TOLERANCE
    ]
    for i, (text, left, top, right, bottom) in enumerate(boxes):
        for other, left2, top2, right2, bottom2 in boxes[i + 1 :]:
            across, down = min(right, right2) - max(left, left2), min(bottom, bottom2) - max(top, top2)
            if across > TOLERANCE and down > TOLERANCE:
                problems.append(f"{text!r} overlaps {other!r} by {across:.0f} × {down:.0f} px")
    return problems


def _crowded(kind: str) -> ChartSpec:
    """Twelve months of values around zero in a small chart: more categories than room for their labels."""
    values = [120.0, -45.0, 300.0, 80.0, 95.0, 210.0, -10.0, 0.0, 55.0, 400.0, 150.0, 20.0]
    months = [f"{month}월 매출" for month in range(1, 13)]
    return ChartSpec(type=kind, categories=months, series=[Series(values=values)], width_mm=90, height_mm=60)


CASES = {kind: _spec(kind) for kind in typing.get_args(ChartType)} | {
    f"crowded-{kind}": _crowded(kind) for kind in ("bar", "hbar", "line")
}


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("layout")
    jobs = {kind: chart_job(spec, Theme(), "layout-test", tmp_path) for kind, spec in CASES.items()}
    render_missing(list(jobs.values()))
    return {figure["kind"]: figure for figure in _measure(jobs, tmp_path)}


@pytest.mark.parametrize("kind", CASES)
def test_no_text_leaves_the_figure_or_touches_other_text(measured: dict[str, dict[str, Any]], kind: str) -> None:
    figure = measured[kind]
    assert len(figure["boxes"]) >= len(REGIONS), figure["boxes"]  # the labels were drawn, not all hidden
    assert _problems(figure) == []


def test_axis_titles_sit_on_the_axis_they_name(measured: dict[str, dict[str, Any]]) -> None:
    """`x_title` is the horizontal axis' title, also when that is the value axis of a horizontal bar chart."""
    texts = {text: (left, top, right, bottom) for text, left, top, right, bottom in measured["hbar"]["boxes"]}
    left, top, right, bottom = texts["투자 유치 금액 (억 위안)"]
    assert right - left > bottom - top, "written across, under the bars"
    assert top > measured["hbar"]["height"] * 0.7


def test_years_print_as_years_and_number_format_shapes_only_values(measured: dict[str, dict[str, Any]]) -> None:
    texts = [box[0] for box in measured["scatter"]["boxes"]]
    assert {"2018", "2019", "2020", "2021"} <= set(texts), texts
    assert "2,345,678 억 위안" in texts and "2,000,000" in texts


def test_no_value_label_is_turned_and_line_labels_stay_off_their_points() -> None:
    for kind in ("stacked", "stacked-hbar", "bar", "hbar"):
        assert all(trace["textangle"] == 0 for trace in figure_for(_spec(kind), Theme())["data"])
    line = figure_for(_spec("line"), Theme())["data"]
    positions = {position for trace in line for position in trace["textposition"]}
    assert positions and not any(position.startswith("middle") for position in positions)
