"""parameterised/weight_sensitivity.ipynb run through papermill on the project kernel (demo data).

nbval runs both sensitivity notebooks with their defaults (the default-run test reads that run when there
is one); these tests add the parameterised runs nbval cannot do: English, a city scope, a misspelled
parameter and a bad value, on one shared warm kernel.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from creditlab import figures
from creditlab.batch import WarmKernel
from helpers import ROOT, nbval_run, run_warm

NOTEBOOK = ROOT / "parameterised" / "weight_sensitivity.ipynb"
DEMO = ROOT / "data" / "demo" / "shaanxi-2020_indicators.csv"
FAST = {"n_draws": 60, "sobol_n": 32}  # seconds, not minutes

pytestmark = pytest.mark.skipif(not DEMO.is_file(), reason="demo data not generated")


def run(tmp_path: Path, kernel: WarmKernel | None = None, **params) -> tuple[str, dict]:
    """Execute the notebook; return its visible text (outputs only) and the output notebook.

    Without ``kernel`` papermill starts a fresh one (the default run); with it, the session's shared kernel.
    """
    import papermill as pm

    out = tmp_path / "out.ipynb"
    if kernel is not None:
        run_warm(kernel, NOTEBOOK, out, {**FAST, **params})
    else:
        pm.execute_notebook(str(NOTEBOOK), str(out), parameters={**FAST, **params}, kernel_name="creditlab",
                            cwd=str(NOTEBOOK.parent), progress_bar=False, start_timeout=120,
                            execution_timeout=300)
    nb = json.loads(out.read_text(encoding="utf-8"))
    return _text(nb), nb


def _text(nb: dict) -> str:
    parts = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            parts.append("".join(data.get("text/html", "")) + "".join(data.get("text/plain", "")))
            parts.append("".join(o.get("text", "")) + "\n".join(o.get("traceback", [])))
    return re.sub(r"<[^>]+>", " ", "\n".join(parts))


def test_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert nb["metadata"]["kernelspec"]["name"] == "creditlab"
    assert "parameters" in code[1]["metadata"].get("tags", [])
    assert "_names_before = set(globals())" in "".join(code[0]["source"])


def test_default_run_in_chinese(tmp_path):
    # nbval's run of the defaults when this session made one (the same checks, on the full sample sizes).
    nb = nbval_run(NOTEBOOK)
    text, nb = (_text(nb), nb) if nb is not None else run(tmp_path)
    assert "模拟数据" in text  # the synthetic banner
    for phrase in ("权重敏感性分析", "平均排名变动", "认定", "Sobol", "临界点", "成效优先", "样本量检验"):
        assert phrase in text, phrase
    # Each chart is in the output, drawn offline (no CDN).
    htmls = [o["data"]["text/html"] for c in nb["cells"] for o in c.get("outputs", [])
             if "text/html" in o.get("data", {}) and "Plotly.newPlot" in "".join(o["data"]["text/html"])]
    assert len(htmls) == 5  # four charts and the map of the probability of certification
    assert sum("creditlab_map" in "".join(h) for h in htmls) == 1
    remote = re.compile(r"<script[^>]*\bsrc\s*=|https?://[^\"'\s]*cdn|cdn\.plot\.ly", re.I)
    joined = ["".join(h) for h in htmls]
    # plotly.js once, inline in the first chart (a plain nbconvert export draws); no chart loads anything
    assert sum(h.count(figures.INLINE_BEGIN) for h in joined) == 1 and joined[0].startswith(figures.INLINE_BEGIN)
    assert not any(remote.search(figures.strip_inline_plotly(h)) for h in joined)


def test_english_for_one_city(tmp_path, warm_kernel):
    text, _ = run(tmp_path, warm_kernel, language="en", scope="西安市", scheme="dirichlet", concentration=80.0)
    assert "synthetic demo data" in text
    for phrase in ("sensitivity to the weights", "mean rank shift", "Scope: Xi&#x27;an", "Dirichlet",
                   "Tipping points", "Results first", "Sample-size check", "Schematic map"):
        assert phrase in text, phrase
    assert "权重敏感性分析" not in text


def test_misspelled_parameter_fails_clearly(tmp_path, warm_kernel):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as exc:
        run(tmp_path, warm_kernel, n_draw=100)
    msg = str(exc.value)
    assert "unknown parameter 'n_draw'" in msg and "did you mean 'n_draws'" in msg


@pytest.mark.parametrize("params, message", [
    ({"scheme": "gaussian"}, "scheme（抽样方案）须为uniform、dirichlet之一，而不是'gaussian'"),  # Chinese by default
    ({"scheme": "gaussian", "language": "en"}, "scheme must be one of uniform, dirichlet"),
    ({"scope": "火星市"}, "未知的范围 '火星市'"),
    ({"year": 2030}, "没有 2030 年的指标数据；数据中的年份：2020、2021"),
    ({"year": 2019}, "评估标准shaanxi-2020不适用于2019年"),
    ({"year": 2019, "language": "en"}, "rubric shaanxi-2020 is not used for 2019"),
])
def test_bad_values_fail_clearly(tmp_path, warm_kernel, params, message):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as exc:
        run(tmp_path, warm_kernel, **params)
    assert message in str(exc.value)


def test_henan_for_its_province_on_the_warm_kernel(tmp_path, warm_kernel):
    # issue 13: the guidance on its own jurisdiction, selected by the province parameter.
    text, _ = run(tmp_path, warm_kernel, rubric="henan-2021", province="河南", year=2023)
    assert "模拟数据" in text and "Scope" not in text
    assert "范围：河南" in text and "157" in text and "符合参评条件" in text


def test_monte_carlo_on_a_dask_cluster_gives_the_same_report(tmp_path, warm_kernel):
    """Issue 13: ``scheduler`` sends the draws to a real cluster's workers (127.0.0.1); the page is the same."""
    from distributed import LocalCluster

    (tmp_path / "local").mkdir()
    (tmp_path / "cluster").mkdir()
    local, _ = run(tmp_path / "local", warm_kernel, scope="宝鸡市")
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    try:
        remote, _ = run(tmp_path / "cluster", warm_kernel, scope="宝鸡市", scheduler=cluster.scheduler_address)
        # Every task the scheduler ever ran is counted by its prefix (states include released/forgotten).
        served = sum(sum(tp.state_counts.values()) for tp in cluster.scheduler.task_prefixes.values())
    finally:
        cluster.close()
    plot_id = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # plotly's div ids
    assert plot_id.sub("", remote) == plot_id.sub("", local)
    assert "Traceback" not in remote
    assert served > 0  # the draws ran on the cluster's worker, not in the kernel


def test_a_malformed_scheduler_is_refused_in_the_notebook(tmp_path, warm_kernel):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as info:
        run(tmp_path, warm_kernel, scope="宝鸡市", scheduler="not an address")
    assert "调度器地址应为 tcp://主机:端口" in str(info.value)
