"""Offline plotly set-up: charts survive nbconvert and never reference the network."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from creditlab import figures


def test_renderer_is_offline_html_plus_mimetype(monkeypatch):
    assert pio.renderers.default == "plotly_mimetype+creditlab_html"
    renderer = pio.renderers["creditlab_html"]
    fig = go.Figure(go.Bar(x=["陕西"], y=[1])).to_dict()
    figures.setup()  # a new run: its first chart brings plotly.js once (a plain nbconvert export draws it)
    first, html = renderer.to_mimebundle(fig)["text/html"], renderer.to_mimebundle(fig)["text/html"]
    assert first.startswith(figures.INLINE_BEGIN) and len(first) > 1_000_000
    assert "<script src" not in first.lower() and "cdn" not in figures.strip_inline_plotly(first).lower()
    assert len(figures.strip_inline_plotly(first)) < 20_000
    assert "Plotly.newPlot" in html
    assert "http" not in html.split("Plotly.newPlot")[0].lower().replace("http-equiv", "")
    assert "cdn" not in html.lower() and "mathjax" not in html.lower()
    assert len(html) < 20_000, "no copy of plotly.js in each chart"
    monkeypatch.setenv(figures.PLOTLYJS_ENV, "page")  # the batch's kernels: the page loads it
    figures.setup()
    assert len(renderer.to_mimebundle(fig)["text/html"]) < 20_000


def test_chinese_font_in_template():
    fig = go.Figure()
    fig.update_layout(template="creditlab")
    assert "Noto Sans CJK SC" in fig.layout.template.layout.font.family


def test_shared_plotly_js(tmp_path):
    path = figures.copy_plotly_js(tmp_path)
    assert path.name == "plotly.min.js" and path.stat().st_size > 1_000_000
    assert figures.copy_plotly_js(tmp_path) == path
    assert figures.plotly_script_tag() == '<script src="plotly.min.js" charset="utf-8"></script>'
    with pytest.raises(ValueError):
        figures.plotly_script_tag("https://cdn.plot.ly/plotly.min.js")


def test_chart_text_is_never_markup():
    name = '<a href="x">岐山县</a> & <b>'
    assert figures.chart_text(name) == '&lt;a href="x"&gt;岐山县&lt;/a&gt; &amp; &lt;b&gt;'
    assert figures.chart_texts([name, None, 3]) == [figures.chart_text(name), "", "3"]


def test_shared_plotly_js_is_written_atomically(tmp_path):
    (tmp_path / "plotly.min.js").write_text("truncated", encoding="utf-8")  # e.g. a copy cut short before
    path = figures.copy_plotly_js(tmp_path)
    assert path.stat().st_size == figures.plotly_js_path().stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plotly.min.js"]  # no temporary file left


def test_region_names_are_text_in_sensitivity_and_progress_charts():
    import json

    import pandas as pd

    from creditlab import progress_figures, sensitivity_figures

    evil = '<a href="x">岐山县</a>'
    ev = pd.DataFrame({"region": ["610323", "610324"], "name": [evil, "扶风县"], "rank": [1, 2], "nominal_rank": [1, 2],
                       "score": [90.0, 80.0], "nominal_score": [90.0, 80.0], "verdict": ["certified", "undecided"]})
    summary = ev.assign(median_rank=[1, 2], rank_p05=[1, 1], rank_p95=[2, 2])
    rankings = pd.DataFrame({"tier": ["设区市"] * 2, "months": [1, 2], "city": [evil] * 2,
                             "period": ["2024-01", "2024-02"], "percentile": [10.0, 12.0], "rank": [30, 36],
                             "group_size": [300, 300]})
    figs = [sensitivity_figures.scores_figure(ev, 85, title=evil), sensitivity_figures.rank_band_figure(summary),
            *progress_figures.rank_trend_figures(rankings)]
    for fig in figs:
        text = json.dumps(json.loads(fig.to_json()), ensure_ascii=False)
        assert "<a" not in text and "&lt;a href=" in text
