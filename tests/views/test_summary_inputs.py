"""The summary report's parameter check: cheap (no plotly, no scoring), so a command can call it first."""
from __future__ import annotations

import subprocess
import sys

import pytest

from creditlab.views import summary, summary_inputs


def test_the_check_imports_no_plotly_and_scores_nothing() -> None:
    code = ("import sys, creditlab.views.summary_inputs as m\n"
            "p = m.check_summary_params(year=2024)\n"
            "assert 'plotly' not in sys.modules and 'creditlab.analysis.scoring' not in sys.modules, "
            "sorted(k for k in sys.modules if k.startswith(('plotly', 'creditlab.analysis')))\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_summary_module_shows_the_same_names() -> None:
    assert summary.check_summary_params is summary_inputs.check_summary_params
    assert summary.SummaryError is summary_inputs.SummaryError


def test_a_bad_year_type_is_named() -> None:
    with pytest.raises(summary_inputs.SummaryError, match="year"):
        summary_inputs.check_summary_params(year="2024", language="en")  # type: ignore[arg-type]


def test_the_output_name_is_known_before_the_run(tmp_path) -> None:
    for city in ("宝鸡市", "宝鸡", "610300"):
        p = summary_inputs.check_summary_params(year=2024, city=city, output=str(tmp_path))
        assert summary_inputs.summary_stem(p) == "summary-shaanxi-2020-2024-610300"
    p = summary_inputs.check_summary_params(year=2023, output=str(tmp_path))
    assert summary_inputs.summary_stem(p) == "summary-shaanxi-2020-2023-province"
    assert summary_inputs.NOTEBOOK.name == "summary.ipynb" and summary_inputs.NOTEBOOK.is_file()
