"""Open a generated report and the index in headless Chromium, offline: the charts must draw and
the Chinese title must be there. Screenshots are kept in ``test-artifacts/``.

Skipped only when Chromium is absent and ``CI`` is not set (in CI a missing browser fails).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import ROOT, DemoBatch, demo_batch

ARTIFACTS = ROOT / "test-artifacts"


def _need(thing: str, ok: bool) -> None:
    if not ok:
        message = f"{thing} is not installed (make browser installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    _need("chromium", exe is not None)
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False) \
        if shutil.which("fc-list") else None
    _need("a CJK font (fonts-wqy-microhei)", bool(fonts and fonts.stdout.strip()))
    return str(exe)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> DemoBatch:
    return demo_batch(tmp_path_factory)


def _chromium(exe: str, page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--host-resolver-rules=MAP * ~NOTFOUND",  # no network at all: charts must draw offline
           f"--user-data-dir={profile}", "--virtual-time-budget=8000", *args, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.parametrize("which", ["report", "index"])
def test_charts_draw_and_chinese_shows(which: str, chromium: str, shared: DemoBatch, tmp_path: Path) -> None:
    page = shared.year_dir / ("index.html" if which == "index" else f"{shared.certified}.html")
    source = page.read_text(encoding="utf-8")
    charts = source.count('class="plotly-graph-div"')
    assert charts >= 1
    dom = _chromium(chromium, page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # Plotly.newPlot marks each chart it drew and adds its SVG layers.
    assert len(re.findall(r'class="[^"]*\bjs-plotly-plot\b', html)) == charts
    assert html.count('class="main-svg"') >= charts
    assert "<g class=\"trace bars\"" in html or 'class="bars"' in html
    title = "年度县级社会信用体系建设评估报告汇总" if which == "index" else "年度社会信用体系建设评估报告"
    assert re.search(rf"<h1>[^<]*{title}", html)
    assert "模拟数据" in html
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / (f"report-{shared.certified}.png" if which == "report" else "index.png")
    shot.unlink(missing_ok=True)
    height = 2400 if which == "index" else 5600  # the whole report, rank chart included
    res = _chromium(chromium, page, tmp_path / "profile2", f"--screenshot={shot}", f"--window-size=1280,{height}",
                    "--hide-scrollbars")
    assert res.returncode == 0 and shot.is_file() and shot.stat().st_size > 50_000, res.stderr[-2000:]


def test_a_name_with_markup_is_no_link_in_the_drawn_chart(chromium: str, tmp_path: Path) -> None:
    """plotly.js renders <a href> in chart text as a real link: the index chart must show the name as text."""
    import json

    from creditlab import batch, figures

    year_dir = tmp_path / "2024"
    year_dir.mkdir()
    evil = '<a href="https://example.invalid/x">岐山县</a>'
    doc = {"region": "610323", "name": evil, "name_en": "", "city": "宝鸡市", "city_code": "610300", "year": 2024,
           "total": {"points": 90.0, "max_points": 100.0, "missing_max": 0.0}, "verdict": "certified",
           "unmet_mandatory": [], "previous": None, "synthetic": False,
           "rubric": {"name": "shaanxi-2020", "version": "2020", "title_zh": "标准", "threshold": 85.0},
           "provenance": {"files": [], "creditlab_version": "0"}}
    (year_dir / "610323.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (year_dir / "610323.html").write_text("<html></html>", encoding="utf-8")
    figures.copy_plotly_js(year_dir)
    page = batch.write_index(year_dir)
    dom = _chromium(chromium, page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    svgs = re.findall(r"<svg[^>]*main-svg.*?</svg>", dom.stdout, flags=re.S)
    assert svgs, "the chart was not drawn"
    assert not any(re.search(r"<a[\s>]", s) for s in svgs)  # no link anywhere in the chart
    assert any("岐山县" in s for s in svgs)  # the name is there, as text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_index_fits_a_laptop_screen(lang: str, chromium: str, shared: DemoBatch, tmp_path: Path) -> None:
    """At 1280 px the index neither scrolls sideways nor hides a column of its table (long English names and
    verdicts wrap inside their cells)."""
    from creditlab import batch, figures

    year_dir = tmp_path / "2024"
    year_dir.mkdir()
    for src in shared.year_dir.glob("*.json"):
        shutil.copy(src, year_dir / src.name)
    figures.copy_plotly_js(year_dir)
    page = batch.write_index(year_dir, lang=lang)
    probe = ("<script>window.addEventListener('load', function () { var d = document.documentElement,"
             " t = document.querySelector('.table-scroll');"
             " document.body.setAttribute('data-widths', [d.scrollWidth, d.clientWidth, t.scrollWidth,"
             " t.clientWidth].join(',')); });</script></body>")
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", probe), encoding="utf-8")
    dom = _chromium(chromium, page, tmp_path / "profile", "--window-size=1280,900", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'data-widths="(\d+),(\d+),(\d+),(\d+)"', dom.stdout)
    assert found, "the probe did not run"
    page_w, view_w, table_w, box_w = map(int, found.groups())
    assert page_w <= view_w and table_w <= box_w, found.group(0)
