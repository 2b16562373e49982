from pathlib import Path

import pytest

from creditlab.core.paths import PROJECT_ROOT, data_dir, report_folder, reports_dir


def test_project_root_is_the_checkout_whatever_the_layer_depth():
    assert (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "creditlab" / "__init__.py").is_file()
    assert Path(__file__).resolve().is_relative_to(PROJECT_ROOT)


def test_folders_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)
    monkeypatch.delenv("CREDITLAB_REPORTS", raising=False)
    assert data_dir() == PROJECT_ROOT / "data" and reports_dir() == PROJECT_ROOT / "reports"
    monkeypatch.setenv("CREDITLAB_DATA", str(tmp_path / "d"))
    monkeypatch.setenv("CREDITLAB_REPORTS", str(tmp_path / "r"))
    assert data_dir() == (tmp_path / "d").resolve() and reports_dir() == (tmp_path / "r").resolve()


def test_one_folder_per_rubric_year_and_language(tmp_path):
    assert report_folder(tmp_path, "shaanxi-2020", 2024, "zh") == tmp_path / "shaanxi-2020" / "2024" / "zh"
    assert report_folder(tmp_path, "shaanxi-2020", 2024, "en") == tmp_path / "shaanxi-2020" / "2024" / "en"
    henan = report_folder(tmp_path, "/x/data/rubrics/henan-2021.yaml", 2024, "zh")
    assert henan == tmp_path / "henan-2021" / "2024" / "zh"
    for bad in ("../etc", "a/b", ".hidden", "", "名字"):
        with pytest.raises(ValueError):
            report_folder(tmp_path, bad, 2024, "zh")
    with pytest.raises(ValueError):
        report_folder(tmp_path, "shaanxi-2020", 2024, "fr")
    with pytest.raises(ValueError):
        report_folder(tmp_path, "shaanxi-2020", "2024/../x", "zh")  # type: ignore[arg-type]


def test_slug_makes_a_file_name_never_a_path():
    from creditlab.core.paths import slug

    assert slug("a/../b", "宝鸡 市") == "a-..-b_宝鸡-市" and "/" not in slug("../../etc/passwd")
    assert slug("", None, []) == "analysis" and len(slug("x" * 500)) == 120


def test_each_comparison_has_its_own_output_name():
    from creditlab.views.compare_inputs import compare_stem

    base = {"rubric_a": "shaanxi-2020", "scenario_a": "", "rubric_b": "data/x/linyi-var.yaml", "scenario_b": "",
            "year": None, "city": "", "province": ""}
    assert compare_stem(base) == "compare_shaanxi-2020_weights_linyi-var_weights_latest"
    names = {compare_stem({**base, **change}) for change in
             ({}, {"scenario_b": "results-first"}, {"year": 2024}, {"city": "610300"}, {"province": "陕西"},
              {"rubric_a": "henan-2021"})}
    assert len(names) == 6 and not any("/" in n for n in names)

