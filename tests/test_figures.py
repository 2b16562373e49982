"""Offline plotly set-up: charts survive nbconvert and never reference the network."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from creditlab import figures


def test_renderer_is_offline_html_plus_mimetype():
    assert pio.renderers.default == "plotly_mimetype+creditlab_html"
    bundle = pio.renderers["creditlab_html"].to_mimebundle(go.Figure(go.Bar(x=["陕西"], y=[1])).to_dict())
    html = bundle["text/html"]
    assert "Plotly.newPlot" in html
    assert "http" not in html.split("Plotly.newPlot")[0].lower().replace("http-equiv", "")
    assert "cdn" not in html.lower() and "mathjax" not in html.lower()
    assert len(html) < 20_000, "no copy of plotly.js in each chart"


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
