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
