"""The synthetic-data banner."""
from __future__ import annotations

import pytest

from creditlab import banner
from creditlab.errors import DataError
from creditlab.paths import data_dir


def test_demo_data_is_synthetic():
    assert banner.is_synthetic(data_dir() / "demo" / "shaanxi-2020_indicators.csv")
    assert banner.is_synthetic([data_dir() / "rubrics" / "x.csv", data_dir() / "demo"])
    assert not banner.is_synthetic(data_dir() / "rubrics" / "shaanxi-2020.yaml")


def test_real_data_folder_without_metadata(tmp_path):
    f = tmp_path / "data.csv"
    f.write_text("x\n", encoding="utf-8")
    assert not banner.is_synthetic(f)
    (tmp_path / "metadata.yaml").write_text("synthetic: false\n", encoding="utf-8")
    assert not banner.is_synthetic(f)
    (tmp_path / "metadata.yaml").write_text("synthetic: true\n", encoding="utf-8")
    assert banner.is_synthetic(f)


def test_banner_text():
    assert banner.banner_text("zh").startswith("模拟数据")
    assert "synthetic demo data, not an assessment of any real county" in banner.banner_text("en")
    assert "模拟数据" in banner.banner_html("zh") and "<div" in banner.banner_html("zh")


def test_banner_names_the_synthetic_inputs(tmp_path):
    demo = data_dir() / "demo"
    real = tmp_path / "real.csv"
    real.write_text("region,year\n", encoding="utf-8")
    files = [("rubric", data_dir() / "rubrics" / "shaanxi-2020.yaml"), ("data", real),
             ("context", demo / "context.csv"), ("context", demo / "national_npl.csv")]
    assert banner.synthetic_roles(files) == ["context"]
    assert banner.synthetic_roles([("data", demo / "shaanxi-2020_indicators.csv"), *files[2:]]) == ["data", "context"]
    assert banner.synthetic_roles(files[:2]) == []
    zh = banner.banner_text("zh", ["context"])
    assert zh.startswith("模拟数据") and "认定条件数据" in zh and "指标数据" not in zh
    assert "indicator data and certification-condition data" in banner.banner_text("en", ["data", "context"])
    # metadata.yaml may list the synthetic files of a folder; the others are real.
    (tmp_path / "metadata.yaml").write_text("synthetic: true\nsynthetic_files: [context.csv]\n", encoding="utf-8")
    (tmp_path / "context.csv").write_text("region,year\n", encoding="utf-8")
    assert not banner.is_synthetic(real) and banner.is_synthetic(tmp_path / "context.csv")


def test_an_unreadable_metadata_file_is_an_error_not_a_guess(tmp_path):
    (tmp_path / "metadata.yaml").write_text("a: &a [1, 2]\nb: [*a, *a, *a]\nsynthetic: true\n", encoding="utf-8")
    (tmp_path / "x.csv").write_text("region,year,criterion,value\n", encoding="utf-8")
    with pytest.raises(DataError, match="metadata.yaml"):
        banner.is_synthetic(tmp_path / "x.csv")


def test_a_workbook_of_synthetic_data_opens_on_the_banner() -> None:
    banner_sheet, banner_text = banner.banner_sheet, banner.banner_text
    assert banner_sheet("") == {}  # real data: no sheet
    zh = banner_sheet(banner_text("zh", ("data",)), "zh")
    assert list(zh) == ["模拟数据"] and zh["模拟数据"].iloc[0, 0].startswith("模拟数据 — 本报告的指标数据")
    en = banner_sheet(banner_text("en"), "en")
    assert list(en) == ["synthetic data"] and list(en["synthetic data"].columns) == ["note"]
