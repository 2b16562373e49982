"""The parameterised plan-progress and city-ranking notebooks, really executed through papermill."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from creditlab.batch import WarmKernel
from helpers import NB_DIR, ROOT, nbval_run, run_warm

PLAN_NB = NB_DIR / "plan_progress.ipynb"
RANK_NB = NB_DIR / "city_rankings.ipynb"


def run(notebook: Path, out: Path, kernel: WarmKernel | None = None, **params) -> str:
    """Execute ``notebook`` with the project kernel (cwd = its folder, as nbval does); return its output text.

    Without ``kernel`` papermill starts a fresh one (the default runs); with it, the session's shared kernel.
    """
    if kernel is not None:
        run_warm(kernel, notebook, out, params)
    else:
        pm.execute_notebook(str(notebook), str(out), parameters=params, kernel_name="creditlab", cwd=str(NB_DIR),
                            progress_bar=False, start_timeout=120, execution_timeout=300)
    return outputs(out)


def outputs(path: Path | nbformat.NotebookNode) -> str:
    nb = nbformat.read(path, as_version=4) if isinstance(path, Path) else path
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            parts.append(o.get("text", ""))
            data = o.get("data", {})
            parts += [str(data.get(k, "")) for k in ("text/html", "text/plain")]
            parts.append(o.get("evalue", ""))
    return "\n".join(parts)


def failure(notebook: Path, out: Path, kernel: WarmKernel, **params) -> str:
    with pytest.raises(pm.PapermillExecutionError) as exc:
        run(notebook, out, kernel, **params)
    return str(exc.value)


def default_run(notebook: Path, out: Path) -> str:
    """The output text of the notebook run with its defaults: nbval's run of this session, else papermill's."""
    nb = nbval_run(notebook)
    return outputs(nb) if nb is not None else run(notebook, out)


@pytest.fixture(scope="module")
def plan_zh(tmp_path_factory) -> str:
    return default_run(PLAN_NB, tmp_path_factory.mktemp("nb") / "plan_zh.ipynb")


@pytest.fixture(scope="module")
def rank_zh(tmp_path_factory) -> str:
    return default_run(RANK_NB, tmp_path_factory.mktemp("nb") / "rank_zh.ipynb")


def test_committed_without_outputs_and_with_parameters_cell():
    for path in (PLAN_NB, RANK_NB):
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "creditlab"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path
        assert "import creditlab" in code[0].source and "_names_before = set(globals())" in code[0].source
        assert "parameters" in code[1].metadata.get("tags", [])
        assert "check_parameters" in code[2].source
        assert not [c for c in nb.cells if c.cell_type == "markdown"]  # text comes from code outputs


def test_plan_progress_default_run(plan_zh):
    assert "模拟数据" in plan_zh  # the synthetic banner
    assert "进展不足" in plan_zh and "需要采取措施的指标" in plan_zh
    assert "被列入失信联合惩戒对象名单企业占比" in plan_zh and "【约束性】" in plan_zh
    assert "其他文件中的阶段性目标" in plan_zh and "未实现" in plan_zh
    assert plan_zh.count("plotly") > 10  # one chart per indicator
    assert "Traceback" not in plan_zh


def test_plan_progress_english_linear(tmp_path, warm_kernel):
    text = run(PLAN_NB, tmp_path / "plan_en.ipynb", warm_kernel, language="en", method="linear", as_of=2023)
    assert "模拟数据" in text and "synthetic demo data" in text
    assert "Indicators needing action" in text and "progress as of 2023" in text
    assert "absolute change per year" in text and "进展不足" not in text


def test_plan_progress_misspelled_parameter(tmp_path, warm_kernel):
    msg = failure(PLAN_NB, tmp_path / "typo.ipynb", warm_kernel, languag="en")
    assert "ParameterError" in msg and "unknown parameter 'languag' — did you mean 'language'?" in msg


@pytest.mark.parametrize("params,expected", [
    ({"plan": "shaanxi-15th-fyp"}, "没有名为 'shaanxi-15th-fyp' 的规划——是否应为 'shaanxi-14th-fyp'？"),
    ({"plan": "shaanxi-15th-fyp", "language": "en"}, "no plan named 'shaanxi-15th-fyp'"),
    ({"as_of": 2019}, "截至年份（as_of）2019早于规划的基期年份2020"),
    ({"as_of": 2030}, "截至年份（as_of）2030晚于观测数据的最新年份2024"),
    ({"as_of": 2019, "language": "en"}, "as_of 2019 is before the plan's baseline year 2020"),
    ({"method": "cagr"}, "method must be one of compound, linear"),
    ({"as_of": "2024"}, "parameter 'as_of' should be int"),
    ({"data": "data/demo/missing.csv"}, "missing.csv：找不到文件"),
])
def test_plan_progress_bad_values(tmp_path, warm_kernel, params, expected):
    assert expected in failure(PLAN_NB, tmp_path / "bad.ipynb", warm_kernel, **params)


def test_plan_progress_real_data_has_no_banner(tmp_path, warm_kernel):
    data = tmp_path / "observations.csv"
    shutil.copyfile(ROOT / "data" / "demo" / "plan_observations.csv", data)
    text = run(PLAN_NB, tmp_path / "real.ipynb", warm_kernel, data=str(data))
    assert "模拟数据" not in text and "进展不足" in text


def test_city_rankings_default_run(rank_zh):
    assert "模拟数据" in rank_zh
    assert "陕西省城市信用状况监测排名 2024Q4 季度通报" in rank_zh
    assert "长期排名靠后城市" in rank_zh and "商洛市" in rank_zh and "子长市" in rank_zh
    assert "规划直线路径" in rank_zh and "2025-12预计" in rank_zh
    assert rank_zh.count('"creditlab_map":"city"') == 1  # the cities' latest rank on the 示意图
    assert "Traceback" not in rank_zh


def test_city_rankings_english_percentile_rule_earlier_quarter(tmp_path, warm_kernel):
    text = run(RANK_NB, tmp_path / "rank_en.ipynb", warm_kernel, language="en", period="2022-06",
               low_rank_rule="percentile:85:4")
    assert "模拟数据" in text and "bulletin 2022Q2" in text
    assert "percentile ≥ 85" in text and "Persistently low-ranked cities" in text
    assert "2024-12" not in text  # a bulletin never sees later months
    assert "credit-monitoring rank (2022-06)" in text and "Schematic map" in text


def test_city_rankings_misspelled_parameter(tmp_path, warm_kernel):
    msg = failure(RANK_NB, tmp_path / "typo.ipynb", warm_kernel, perod="2024Q3")
    assert "unknown parameter 'perod' — did you mean 'period'?" in msg


@pytest.mark.parametrize("params,expected", [
    ({"period": "2019Q4"}, "期间（period）'2019Q4'：没有2019Q4的排名；数据覆盖2020Q1–2024Q4"),
    ({"period": "2019Q4", "language": "en"}, "no rankings for 2019Q4; the data cover 2020Q1–2024Q4"),
    ({"province": "火星"}, "未知的省份 '火星'"),
    ({"low_rank_rule": "worst:3"}, "低排名规则（low_rank_rule）'worst:3'"),
])
def test_city_rankings_bad_values(tmp_path, warm_kernel, params, expected):
    assert expected in failure(RANK_NB, tmp_path / "bad.ipynb", warm_kernel, **params)
