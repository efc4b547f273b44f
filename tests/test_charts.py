"""Charts: figures from specs, rendering through one browser, the cache, a missing browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuepdf.content.chartspec import ChartSpec, Series
from issuepdf.content.errors import ChartError
from issuepdf.content.theme import Theme
from issuepdf.pipeline.charts import chart_job, find_browser, render_missing
from issuepdf.pipeline.figures import figure_for

FOUNDED = {
    "categories": ["3년 이내", "4~5년", "6~7년", "8년 이상"],
    "series": [Series(name="기업 수", values=[29, 42, 54, 46])],
    "unit": "개",
}


@pytest.mark.parametrize(
    ("kind", "trace_type", "extra"),
    [
        ("bar", "bar", {"orientation": "v"}),
        ("hbar", "bar", {"orientation": "h"}),
        ("stacked", "bar", {"textposition": "inside"}),
        ("line", "scatter", {"mode": "lines+markers+text"}),
        ("scatter", "scatter", {"mode": "markers+text"}),
        ("pie", "pie", {"hole": 0}),
        ("donut", "pie", {"hole": 0.45}),
    ],
)
def test_each_chart_type_makes_its_trace(kind: str, trace_type: str, extra: dict[str, object]) -> None:
    figure = figure_for(ChartSpec(type=kind, **FOUNDED), Theme())
    (trace,) = figure["data"]
    assert trace["type"] == trace_type
    for key, value in extra.items():
        assert trace[key] == value
    assert figure["layout"]["font"]["family"] == "Noto Sans CJK KR"
    assert "title" not in figure["layout"], "titles belong in the HTML, never in the SVG"


def test_stacked_bars_use_theme_colours_in_order() -> None:
    spec = ChartSpec(
        type="stacked",
        categories=["2020", "2021"],
        series=[Series(name="A", values=[1, 2]), Series(name="B", values=[3, 4])],
    )
    figure = figure_for(spec, Theme(palette=["#111111", "#222222"]))
    assert [t["marker"]["color"] for t in figure["data"]] == ["#111111", "#222222"]
    assert figure["layout"]["barmode"] == "stack"
    assert figure["layout"]["showlegend"] is True


def test_raw_figure_keeps_its_data_under_the_theme_layout() -> None:
    spec = ChartSpec(figure={"data": [{"type": "funnel", "x": [3, 2]}], "layout": {"bargap": 0.1}})
    figure = figure_for(spec, Theme())
    assert figure["data"] == [{"type": "funnel", "x": [3, 2]}]
    assert figure["layout"]["bargap"] == 0.1
    assert figure["layout"]["font"]["family"] == "Noto Sans CJK KR"


def test_renders_vector_svg_once_then_hits_the_cache(tmp_path: Path) -> None:
    job = chart_job(ChartSpec(type="bar", **FOUNDED), Theme(), "fonts-id", tmp_path)
    assert render_missing([job]) == 1
    svg = job.path.read_text(encoding="utf-8")
    assert "<text" in svg and "3년 이내" in svg and "54 개" in svg  # labels are text, not outlines
    assert "Noto Sans CJK KR" in svg
    assert render_missing([job]) == 0


def test_cache_key_changes_with_fonts_and_spec(tmp_path: Path) -> None:
    spec = ChartSpec(type="bar", **FOUNDED)
    base = chart_job(spec, Theme(), "fonts-a", tmp_path).path
    assert chart_job(spec, Theme(), "fonts-b", tmp_path).path != base
    assert chart_job(spec.model_copy(update={"unit": "곳"}), Theme(), "fonts-a", tmp_path).path != base
    assert chart_job(spec, Theme(), "fonts-a", tmp_path).path == base


def test_missing_browser_names_the_install_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    with pytest.raises(ChartError, match="apt-get install chromium"):
        find_browser()
