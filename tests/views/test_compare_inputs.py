"""The comparison's parameter check: cheap (no plotly), written once for the notebook and the command."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from creditlab.views import compare_figures as cf
from creditlab.views import compare_inputs as ci

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def params(**kw: object) -> dict[str, object]:
    return {"rubric_a": "shaanxi-2020", "rubric_b": "shaanxi-2020", "scenario_a": "", "scenario_b": "results-first",
            "year": None, "data": "", "data_b": "", "context": "", "city": "", "province": "", "language": "zh",
            "output": "", **kw}


def test_the_check_imports_no_plotly() -> None:
    code = ("import sys, creditlab.views.compare_inputs as m\n"
            "p = {'rubric_a': 'shaanxi-2020', 'rubric_b': 'shaanxi-2020', 'scenario_a': '', 'scenario_b': '',"
            " 'year': None, 'data': '', 'data_b': '', 'context': '', 'language': 'zh'}\n"
            "assert set(m.check_compare_params(p)) == {'a', 'b'}\n"
            "assert 'plotly' not in sys.modules and 'creditlab.views.compare_figures' not in sys.modules, "
            "sorted(k for k in sys.modules if k.startswith(('plotly', 'creditlab.views')))\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_figures_module_shows_the_same_names() -> None:
    assert cf.CompareError is ci.CompareError and cf.PARAMETER_SPEC is ci.PARAMETER_SPEC
    assert cf.check_compare_params is ci.check_compare_params and cf.compare_problems is ci.compare_problems


def test_both_sides_checked() -> None:
    sides = ci.check_compare_params(params())
    assert sides["a"].scenario is None and sides["b"].scenario is not None and sides["b"].scenario.id == "results-first"
    assert sides["a"].inputs == sides["b"].inputs and sides["a"].inputs.data[0].parent == DEMO


def test_every_problem_at_once_and_the_notebook_says_the_same(tmp_path: Path) -> None:
    own = tmp_path / "own.csv"
    own.write_bytes((DEMO / "shaanxi-2020_indicators.csv").read_bytes())
    output = tmp_path / "file"
    output.write_text("x")
    p = params(rubric_b="nope", scenario_a="no-such", year=1800, data=str(own), output=str(output), language="fr")
    problems, sides = ci.compare_problems(p)
    assert not sides and len(problems) == 6
    with pytest.raises(ci.CompareError) as checked:
        ci.check_compare_params(p)
    with pytest.raises(cf.CompareError) as notebook:
        cf.CompareReport.from_params(p)
    text = str(checked.value)
    assert str(notebook.value) == text  # one check, one message
    for words in ("language（语言）须为zh、en之一", "year（年度）1800不是合理的评价年度", "是文件，不是文件夹",
                  "B方（另一评估标准）也须用 data_b 指定数据", "A方：评估标准 shaanxi-2020 没有权重方案 'no-such'",
                  "B方：未知的评估标准 'nope'"):
        assert words in text, text


def test_missing_files_are_named_per_side(tmp_path: Path) -> None:
    p = params(rubric_b="linyi-2019", scenario_b="", data=str(tmp_path / "a.csv"), data_b=str(tmp_path / "b.csv"),
               language="en")
    text = str(pytest.raises(ci.CompareError, ci.check_compare_params, p).value)
    assert "side A: data file" in text and "a.csv" in text and "side B: data file" in text and "b.csv" in text
