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
