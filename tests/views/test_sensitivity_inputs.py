"""The sensitivity report's parameter checks: every problem at once, and cheap enough for the command line."""
from __future__ import annotations

import subprocess
import sys

import pytest

from creditlab.views import sensitivity_figures, sensitivity_inputs
from creditlab.views.sensitivity_inputs import SensitivityError, parameter_problems

GOOD = {"rubric": "shaanxi-2020", "year": None, "scope": "province", "level": "level2", "scheme": "uniform",
        "spread": 0.25, "concentration": 100.0, "n_draws": 500, "seed": 2020, "sobol_n": 4096,
        "sobol_output": "n_certified", "bounds": 0.5, "data": "", "context": "", "language": "zh", "province": "",
        "scheduler": ""}


def test_the_defaults_have_no_problem() -> None:
    parameter_problems(GOOD).raise_if_any()


def test_every_bad_value_is_named_at_once() -> None:
    bad = {**GOOD, "scheme": "x", "spread": 0, "n_draws": 0, "sobol_n": 1000, "bounds": 2}
    with pytest.raises(SensitivityError) as zh:
        parameter_problems(bad).raise_if_any()
    for word in ("scheme（抽样方案）", "spread", "n_draws", "sobol_n（Sobol样本量）须为2的幂", "bounds"):
        assert word in str(zh.value), word
    with pytest.raises(SensitivityError, match="sobol_n must be a power of two"):
        parameter_problems({**bad, "language": "en"}).raise_if_any()


def test_the_report_module_reads_the_same_checks() -> None:
    assert sensitivity_figures.parameter_problems is parameter_problems
    assert sensitivity_figures.PARAMETER_SPEC is sensitivity_inputs.PARAMETER_SPEC


def test_checking_parameters_imports_no_plotting() -> None:
    code = ("import sys; import creditlab.views.sensitivity_inputs; "
            "print(sorted(m for m in ('plotly', 'nbformat', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"
