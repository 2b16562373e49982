"""The county report's inputs (``views/report_inputs.py``): one name-or-path rule, the same objects as before."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from creditlab import report
from creditlab.loaders.rubric import rubric_file
from creditlab.views import report_inputs


def test_the_inputs_are_the_same_objects_under_the_old_names() -> None:
    for name in ("Params", "Inputs", "ReportError", "check_params", "check_region_code", "resolve_inputs",
                 "rubric_path", "inputs_key", "code_digest", "sha256_file", "display_path", "scratch_dir",
                 "demo_dir", "PARAMETER_SPEC", "SCOPES", "NOTEBOOK", "RESULTS_SCHEMA"):
        assert getattr(report, name) is getattr(report_inputs, name), name


def test_rubric_path_is_the_loaders_resolution(tmp_path: Path) -> None:
    for name in ("shaanxi-2020", "henan-2021", "linyi-2019"):
        assert report.rubric_path(name) == rubric_file(name).resolve()
    copy = shutil.copy(rubric_file("shaanxi-2020"), tmp_path / "mine.yml")
    assert report.rubric_path(f" {copy} ") == Path(copy).resolve()


@pytest.mark.parametrize(("rubric", "lang", "message"), [
    ("shaanxi-1999", "en", "unknown rubric 'shaanxi-1999'; known rubrics: henan-2021, linyi-2019, shaanxi-2020"),
    ("shaanxi-1999", "zh", "未知的评估标准 'shaanxi-1999'；可用：henan-2021、linyi-2019、shaanxi-2020"),
    ("../rubrics/shaanxi-2020", "en", "unknown rubric '../rubrics/shaanxi-2020'"),  # not a name: never a path
    ("/nonexistent/r.yaml", "en", "rubric file '/nonexistent/r.yaml' not found"),
    ("/nonexistent/r.yaml", "zh", "找不到评估标准文件 '/nonexistent/r.yaml'"),
])
def test_rubric_errors_are_report_errors_in_the_language_asked(rubric: str, lang: str, message: str) -> None:
    with pytest.raises(report.ReportError) as exc:
        report.rubric_path(rubric, lang)
    assert message in str(exc.value)


def test_check_year_the_one_year_check_of_reports_summary_and_sensitivity() -> None:
    """Creditlab's years, the rubric's, the data files' years; without a year, the latest with data."""
    demo = report_inputs.resolve_inputs("shaanxi-2020")
    assert report_inputs.check_year(None, demo, "zh") == (2024, [])
    assert report_inputs.check_year(2022, demo, "en") == (2022, [])
    assert report_inputs.check_year(2030, demo, "zh")[1] == [
        "2030年没有任何县（市、区）的指标数据；有数据的年份：2020、2021、2022、2023、2024"]
    assert report_inputs.check_year(2019, demo, "en")[1] == ["rubric shaanxi-2020 is not used for 2019 (years 2020–)"]
    assert report_inputs.check_year(3000, demo, "en")[1] == [
        "year should be a whole number from 1949 to 2100, got 3000"]
    assert report_inputs.no_data_problem(2024, [2024], "zh") is None
    assert report_inputs.no_data_problem(2024, [], "en") == "no indicator data for 2024; years with data: none"
