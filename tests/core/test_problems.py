"""The problem collector: every problem at once, located, grouped, capped, in Chinese or English."""
import numpy as np
import pytest

from creditlab.errors import DataError, RubricError
from creditlab.problems import MAX_LINES, Problems


def test_raises_all_problems_in_chinese_by_default(monkeypatch):
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    pb = Problems("指标数据")
    pb.add("数值超出范围", "out of range", file="b.xlsx", sheet="610303", row=12, column="D (value)")
    pb.add("缺少年份", "year missing", file="a.csv", row=3, column="B (year)")
    with pytest.raises(DataError) as info:
        pb.raise_if_any()
    text = str(info.value)
    assert "发现 2 个问题" in text
    assert "b.xlsx：工作表“610303”第12行，列D (value)：数值超出范围" in text
    assert "a.csv：第3行，列B (year)：缺少年份" in text
    assert len(info.value.problems) == 2


def test_english_on_request():
    pb = Problems("indicator data", lang="en")
    pb.add("数值超出范围", "out of range", file="b.xlsx", sheet="610303", row=12, column="D")
    with pytest.raises(DataError, match="b.xlsx: sheet '610303': row 12: column D: out of range"):
        pb.raise_if_any()


def test_same_problem_on_many_rows_is_one_capped_line():
    pb = Problems("data", lang="en")
    pb.add_rows("重复", "duplicate row", np.arange(2, 200_002), file="a.csv")
    for r in range(5):
        pb.add("重复", "duplicate row", file="a.csv", row=300_000 + r)
    lines = pb.lines()
    assert len(lines) == 1 and "200005 rows" in lines[0] and len(lines[0]) < 300
    assert pb.count() == 200_005


def test_number_of_lines_is_capped():
    pb = Problems("data", lang="en")
    for i in range(MAX_LINES + 50):
        pb.add(f"问题{i}", f"problem {i}", file="a.csv", row=i + 2)
    lines = pb.lines()
    assert len(lines) == MAX_LINES + 1 and "50 more" in lines[-1]


def test_warnings_do_not_raise_and_other_error_classes_keep_problems():
    pb = Problems("rubric", error=RubricError, lang="en")
    pb.warn("全角数字已转换", "full-width digits normalised", file="r.yaml")
    pb.raise_if_any()  # a warning alone is no error
    pb.add("缺少字段", "missing field 'points'", file="r.yaml", column="A1")
    with pytest.raises(RubricError) as info:
        pb.raise_if_any()
    assert info.value.problems and info.value.warnings[0].message_en == "full-width digits normalised"
