"""Charts too big to draw are refused at `check`; a chart that still runs out of time is named.

Rows C5-C7 of docs/hostile-inputs.md.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from issuepdf.content.chartspec import MAX_CHART_POINTS
from issuepdf.content.errors import ChartError
from issuepdf.content.problems import Problems
from issuepdf.content.project import Project
from issuepdf.content.validate import check
from issuepdf.pipeline.charts import ChartJob, render_missing

from .support.issues import MakeIssue
from .test_hostile import problems_of, with_body

TOO_MANY = f"points; the limit is {MAX_CHART_POINTS:,}"


def _csv(rows: int) -> str:
    return "날짜,건수\n" + "".join(f"{i},{i % 97}\n" for i in range(rows))


def test_a_million_point_csv_is_refused_at_check_in_seconds(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": with_body("          - chart: charts/daily.yaml\n"),
            "charts/daily.yaml": "type: line\ncsv: daily.csv\n",
            "charts/daily.csv": _csv(1_000_000),
        }
    )
    start = time.perf_counter()
    problems = problems_of(issue)
    assert time.perf_counter() - start < 20
    assert any("charts/daily.yaml:1" in p and f"the chart has 1,000,000 {TOO_MANY}" in p for p in problems), problems


HALF = MAX_CHART_POINTS // 2 + 1
"""Half the limit and one: the YAML files of an issue hold 20,000 values at most, so the limit is
crossed by two series of this many values, or by a grid of two rows."""


@pytest.mark.parametrize(
    ("spec", "points"),
    [
        ("categories: {xs}\n              series: [{{values: {xs}}}, {{values: {xs}}}]", 2 * HALF),
        ("figure: {{data: [{{type: scatter, x: {xs}}}, {{type: scatter, x: {xs}}}]}}", 2 * HALF),
        ("figure: {{data: [{{type: heatmap, z: [{xs}, {xs}]}}]}}", 2 * HALF),
    ],
)
def test_series_and_raw_figures_over_the_limit_are_refused_at_their_place(
    make_issue: MakeIssue, spec: str, points: int
) -> None:
    block = "          - chart:\n              " + spec.format(xs=list(range(HALF))) + "\n"
    problems = problems_of(make_issue({"issue.yaml": with_body(block)}))
    assert any(
        "issue.yaml:" in p and "body.2.chart" in p and f"the chart has {points:,} {TOO_MANY}" in p for p in problems
    ), problems


def test_a_chart_at_the_limit_passes_check(make_issue: MakeIssue) -> None:
    issue = make_issue(
        {
            "issue.yaml": with_body("          - chart: charts/daily.yaml\n"),
            "charts/daily.yaml": "type: line\nvalue_labels: false\ncsv: daily.csv\n",
            "charts/daily.csv": _csv(MAX_CHART_POINTS),
        }
    )
    problems = Problems()
    assert check(Project.of(issue), problems) is not None, [str(p) for p in problems]


def test_a_chart_that_times_out_is_named_with_the_time_and_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("issuepdf.pipeline.charts.RENDER_TIMEOUT_S", 5.0)
    slow = {"data": [{"type": "bar", "x": list(range(300_000)), "y": list(range(300_000))}]}
    quick = ChartJob({"data": [{"type": "bar", "y": [1]}]}, 200, 100, tmp_path / "quick.svg", "chart '빠른 차트'")
    job = ChartJob(slow, 400, 300, tmp_path / "slow.svg", "chart '일별 건수'")
    start = time.perf_counter()
    with pytest.raises(ChartError, match=r"^chart '일별 건수': timed out after 5 s \("):
        render_missing([quick, job])
    assert time.perf_counter() - start < 25, "a timeout is not retried"
    assert quick.path.is_file() and not job.path.exists()
