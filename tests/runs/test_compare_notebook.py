"""parameterised/compare.ipynb run through papermill on the project kernel: the demo data under two weightings,
two rubrics on a small data set, English, a bad parameter; the page's charts drawn in chromium, offline."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import papermill as pm
import pytest
from openpyxl import load_workbook

from helpers import DEMO, ROOT, rubric_variant, run_warm

NOTEBOOK = ROOT / "parameterised" / "compare.ipynb"

pytestmark = pytest.mark.skipif(not (DEMO / "shaanxi-2020_indicators.csv").is_file(), reason="demo data not generated")


def _text(nb: dict) -> str:
    parts = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            parts.append("".join(data.get("text/html", "")) + "".join(data.get("text/plain", "")))
            parts.append("".join(o.get("text", "")) + "\n".join(o.get("traceback", [])))
    return re.sub(r"<[^>]+>", " ", "\n".join(parts))


def run(kernel, tmp_path: Path, **params) -> str:
    out = tmp_path / "out.ipynb"
    run_warm(kernel, NOTEBOOK, out, params)
    return _text(json.loads(out.read_text(encoding="utf-8")))


def test_committed_without_outputs_and_parameters_documented():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert "parameters" in code[1]["metadata"].get("tags", [])
    params = "".join(code[1]["source"])
    for line in params.splitlines():
        name, _, comment = line.partition("#")
        assert comment.strip() and "=" not in comment, line  # papermill parses every parameter's comment
    from creditlab.views.compare_figures import PARAMETER_SPEC

    assert {ln.split("=")[0].strip() for ln in params.splitlines()} == set(PARAMETER_SPEC)


def test_demo_two_weightings_page_and_workbook(warm_kernel, tmp_path):
    out = tmp_path / "cmp"
    text = run(warm_kernel, tmp_path, scenario_b="results-first", year=2024, output=str(out))
    assert "模拟数据" in text and "成效优先" in text and "斯皮尔曼" in text
    stem = "compare_shaanxi-2020_weights_shaanxi-2020_results-first_2024"
    assert sorted(f.name for f in out.iterdir()) == [f"{stem}.html", f"{stem}.xlsx", "plotly.min.js"]
    page = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "模拟数据" in page and page.count('class="plotly-graph-div"') == 2
    assert (out / "plotly.min.js").is_file()
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*\"(?!plotly\.min\.js)", page)  # one local script, no CDN
    wb = load_workbook(out / f"{stem}.xlsx")
    ws = wb["比较"]
    assert ws.max_row == 116  # 107 counties and 8 zones
    changed = [r[14].value for r in ws.iter_rows(min_row=2)]
    assert changed.count("是") == 6  # 4 counties and 2 zones change verdict under 成效优先 (as the explorer says)


def test_two_rubrics_on_a_small_data_set_in_english(warm_kernel, tmp_path):
    # Three Xi'an districts under shaanxi-2020 and the Linyi indicators applied to 西安市 (the demo's Linyi values
    # of three regions, relabelled): the bundled rubrics' jurisdictions do not overlap.
    codes = ["610102", "610103", "610104"]
    sx = pd.read_csv(DEMO / "shaanxi-2020_indicators.csv", dtype={"region": str})
    sx = sx[sx["region"].isin(codes) & (sx["year"] == 2024)]
    ly = pd.read_csv(DEMO / "linyi-2019_indicators.csv", dtype={"region": str})
    ly = ly[ly["year"] == 2024]
    src = sorted(ly["region"].unique())[:3]
    ly = ly[ly["region"].isin(src)].assign(region=lambda d: d["region"].map(dict(zip(src, codes, strict=True))))
    (tmp_path / "a.csv").write_text(sx.to_csv(index=False), encoding="utf-8")
    (tmp_path / "b.csv").write_text(ly.to_csv(index=False), encoding="utf-8")
    out = tmp_path / "cmp"
    variant = rubric_variant(tmp_path, "linyi-2019", "610100")  # the Linyi indicators applied to 西安市
    text = run(warm_kernel, tmp_path, rubric_b=str(variant), scenario_b="", data=str(tmp_path / "a.csv"),
               data_b=str(tmp_path / "b.csv"), city="西安市", language="en", output=str(out))
    assert "3 counties" in text and "no conditions" in text and "模拟数据" not in text  # not demo files
    assert "Not submitted under either" in text  # the rest of 西安市: listed, never zero
    wb = load_workbook(next(out.glob("compare_shaanxi-2020_weights_*_latest_西安市_en.xlsx")))
    rows = list(wb["comparison"].iter_rows(min_row=2, values_only=True))
    compared = [r for r in rows if r[4] == "yes"]
    assert sorted(r[0] for r in compared) == codes
    assert all(r[5] is None and r[6] is None for r in rows if r[4] == "no")  # no score, not 0
    assert sorted(r[9] for r in compared) == [1, 2, 3] and sorted(r[10] for r in compared) == [1, 2, 3]


def test_bad_parameters_are_one_clear_message(warm_kernel, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as exc:
        run(warm_kernel, tmp_path, scenario_b="no-such", rubric_a="nope", language="en")
    msg = str(exc.value)
    assert "CompareError" in msg and "unknown rubric 'nope'" in msg and "no scenario 'no-such'" in msg
    with pytest.raises(pm.PapermillExecutionError) as exc:
        run(warm_kernel, tmp_path, scenaro_b="x")
    assert "did you mean 'scenario_b'" in str(exc.value)


def test_page_charts_draw_offline_in_chromium(warm_kernel, tmp_path):
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("chromium is not installed")
    out = tmp_path / "cmp"
    run(warm_kernel, tmp_path, city="宝鸡市", output=str(out))
    page = out / "compare_shaanxi-2020_weights_shaanxi-2020_results-first_latest_宝鸡市.html"
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp_path / 'p'}",
           "--virtual-time-budget=8000", "--dump-dom", page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert len(re.findall(r'class="[^"]*\bjs-plotly-plot\b', dom.stdout)) == 2
    assert re.search(r'class="ytick"[^>]*>.{0,300}金台区', dom.stdout)  # county names on the rank chart's axis
