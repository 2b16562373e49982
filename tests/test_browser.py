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
from test_batch import DemoBatch, demo_batch

ROOT = Path(__file__).resolve().parent.parent
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
