"""Validation of indicator data (creditlab.loaders.validate, through load_data): one test per kind of bad input."""
from __future__ import annotations

import pytest

from creditlab import data
from helpers import ROOT, one, problems_of, write_csv

DEMO = ROOT / "data" / "demo"


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)
    # These tests read the English messages; the Chinese default is tested in test_indicators.py.
    monkeypatch.setenv("CREDITLAB_LANG", "en")


def test_unknown_region(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M1,1,", "619999,2024,M1,1,")
    p = one(problems_of(data.load_data, path, mini), "619999")
    assert str(path) in p and "row 3" in p and "column A (region)" in p and "unknown region" in p


def test_unknown_criterion(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M9,1,")
    p = one(problems_of(data.load_data, path, mini), "M9")
    assert str(path) in p and "row 2" in p and "column C (criterion)" in p and "unknown criterion" in p


def test_value_of_wrong_type(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M2,high,", "610102,2024,M2b,1,")
    p = one(problems_of(data.load_data, path, mini), "'high'")
    assert "row 2" in p and "column D (value)" in p and "not a number" in p and "percent" in p


def test_rate_above_100(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M2,100,", "610103,2024,M2,100.5,")
    p = one(problems_of(data.load_data, path, mini), "above 100")
    assert str(path) in p and "row 3" in p and "column D (value)" in p


def test_negative_count(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M4,-2,")
    p = one(problems_of(data.load_data, path, mini), "negative")
    assert "row 2" in p and "column D (value)" in p and "M4" in p


def test_non_integer_count(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M3,4.5,")
    p = one(problems_of(data.load_data, path, mini), "whole number")
    assert "row 2" in p and "column D (value)" in p and "4.5" in p


def test_binary_not_0_or_1(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M1,2,", "610103,2024,M1,maybe,")
    problems = problems_of(data.load_data, path, mini)
    assert "row 2" in one(problems, "'2' is not 0/1")
    assert "row 3" in one(problems, "'maybe'")


def test_binary_words_accepted_in_csv(tmp_path, mini):
    rows = [f"{code},2024,M1,{word}," for code, word in
            zip(["610102", "610103", "610104", "610111", "610112", "610113"],
                ["是", "否", "YES", "no", "True", "false"], strict=True)]
    out = data.load_data(write_csv(tmp_path, "ok.csv", *rows), mini)
    assert out["value"].tolist() == [1, 0, 1, 0, 1, 0]


def test_discretionary_above_max(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M5,2,", "610102,2024,M6,3.5,")
    p = one(problems_of(data.load_data, path, mini), "maximum")
    assert "row 3" in p and "3.5" in p and "3 points" in p


def test_development_zone_variant(tmp_path, mini):
    # In a zone M4 is the assessor's points (0–2), in a county a count of departments.
    path = write_csv(tmp_path, "bad.csv", "KF610101,2024,M4,1.5,", "610102,2024,M4,1.5,",
                     "KF610101,2024,M3,2,")
    problems = problems_of(data.load_data, path, mini)
    assert "row 3" in one(problems, "not a whole number")
    assert "row 4" in one(problems, "maximum of 1 points")
    assert len(problems) == 2


def test_duplicate_within_file(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M1,1,", "610102,2024,M2,50,", "610102,2024,M1,0,")
    problems = problems_of(data.load_data, path, mini)
    dup = one(problems, "duplicate")  # one grouped line per duplicated key
    assert "rows 2, 4" in dup and "2 rows" in dup and "西安市新城区 (610102)" in dup


def test_year_outside_the_rubric(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2019,M1,1,", "610102,2025,M1,1,", "610102,20x4,M1,1,")
    problems = problems_of(data.load_data, path, mini)
    assert "column B (year)" in one(problems, "row 2", "outside")
    assert "2020–2024" in one(problems, "row 3", "outside")
    assert "not a year" in one(problems, "row 4")


def test_missing_column(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M1", header="region,year,criterion")
    p = one(problems_of(data.load_data, path, mini), "missing")
    assert str(path) in p and "row 1" in p and "value" in p


def test_empty_file(tmp_path, mini):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = write_csv(tmp_path, "header.csv")
    empty_xlsx = tmp_path / "empty.xlsx"
    empty_xlsx.write_bytes(b"")
    problems = problems_of(data.load_data, [empty, header_only, empty_xlsx], mini)
    assert "empty" in one(problems, str(empty) + ":")
    assert "no data rows" in one(problems, str(header_only))
    assert "empty" in one(problems, str(empty_xlsx))


def test_several_problems_all_reported(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "619999,2024,M1,1,", "610102,2024,M2,120,", "610102,2024,M4,-1,",
                     "610102,2024,MX,1,", "610102,2019,M1,2,")
    problems = problems_of(data.load_data, path, mini)
    assert len(problems) == 6  # row 6 has two: the year and the binary value
    for row in (2, 3, 4, 5, 6):
        assert any(f"row {row}:" in p for p in problems)


def test_blank_value_is_not_assessed(tmp_path, mini):
    out = data.load_data(write_csv(tmp_path, "ok.csv", "610102,2024,M1,,", "610102,2024,M2,  ,note"), mini)
    assert len(out) == 2 and out["value"].isna().all()


def test_percent_sign_and_gbk_csv(tmp_path, mini):
    path = write_csv(tmp_path, "gbk.csv", "610102,2024,M2,85%,县信用办报告", encoding="gb18030")
    out = data.load_data(path, mini)
    assert out["value"].tolist() == [85.0] and out["evidence"].tolist() == ["县信用办报告"]


def test_text_starting_like_a_formula_is_data(tmp_path, mini):
    path = write_csv(tmp_path, "ok.csv", '610102,2024,M1,1,"=HYPERLINK(""http://x"",""y"")"',
                     "610103,2024,M1,1,@SUM(A1)", "610104,2024,M1,1,-note")
    out = data.load_data(path, mini)
    assert out["evidence"].tolist() == ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-note"]
