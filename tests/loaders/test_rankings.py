"""City monitoring rankings in (creditlab.loaders.rankings): validation naming file, line and column, and the
percentiles; the old names in creditlab.analysis.monitoring are the same objects."""
from __future__ import annotations

from pathlib import Path

import pytest

import creditlab
from creditlab.analysis import monitoring
from creditlab.errors import DataError
from creditlab.loaders import rankings as mon
from helpers import rankings_frame


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)


def write(tmp_path: Path, rows: list[str], header: str = "city,group,period,rank,group_size") -> Path:
    path = tmp_path / "rankings.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_reading_moved_to_loaders_and_old_names_still_work():
    for name in ("load_rankings", "validate_rankings", "rank_percentiles", "province_name", "GROUPS", "TIERS",
                 "GROUP_TYPES", "REQUIRED", "OPTIONAL"):
        assert getattr(monitoring, name) is getattr(mon, name), name
    assert creditlab.rank_percentiles is mon.rank_percentiles
    assert mon.province_name("陕西") == "陕西省"


# --- percentiles ---------------------------------------------------------------------------------

def test_percentile_is_position_from_the_top():
    r = creditlab.rank_percentiles(rankings_frame([("宝鸡市", "prefecture", "2024-01", 1, 261),
                                          ("商洛市", "prefecture", "2024-01", 261, 261),
                                          ("西安市", "capital", "2024-01", 9, 36)]))
    pct = r.set_index("city")["percentile"]
    assert pct["宝鸡市"] == pytest.approx(100 / 261)  # rank 1 of 261 is near 0 %
    assert pct["商洛市"] == pytest.approx(100.0)
    assert pct["西安市"] == pytest.approx(25.0)


def test_percentile_uses_the_group_size_of_that_month():
    r = creditlab.rank_percentiles(rankings_frame([("宝鸡市", "prefecture", "2021-12", 131, 261),
                                          ("宝鸡市", "prefecture", "2022-01", 131, 262)]))
    pct = r.set_index("period")["percentile"]
    assert pct["2021-12"] == pytest.approx(100 * 131 / 261) and pct["2022-01"] == pytest.approx(100 * 131 / 262)
    assert pct["2021-12"] != pct["2022-01"]


def test_groups_accept_chinese_names():
    r = creditlab.rank_percentiles(rankings_frame([("韩城市", "县级市", "2024-01", 10, 400)]))
    assert r.loc[0, "group"] == "county" and r.loc[0, "tier"] == "县级市" and r.loc[0, "quarter"] == "2024Q1"


@pytest.mark.parametrize("row,column,problem", [
    ("宝鸡市,prefecture,2024-01,262,261", "rank", "rank 262 is larger than the group size 261"),
    ("宝鸡市,prefecture,2024-01,0,261", "rank", "'0' is not a positive whole number"),
    ("宝鸡市,prefecture,2024-01,12.5,261", "rank", "'12.5' is not a positive whole number"),
    ("宝鸡市,prefecture,2024-01,12,", "group_size", "'' is not a positive whole number"),
    ("宝鸡市,prefecture,2024/01,12,261", "period", "'2024/01' is not a month"),
    ("宝鸡市,prefecture,2024-13,12,261", "period", "'2024-13' is not a month"),
    ("宝鸡市,prefectural,2024-01,12,261", "group", "unknown group 'prefectural'"),
    (",prefecture,2024-01,12,261", "city", "empty city name"),
])
def test_validation_names_file_line_column(tmp_path, row, column, problem):
    path = write(tmp_path, ["韩城市,county,2024-01,100,360", row])
    with pytest.raises(DataError) as exc:
        mon.load_rankings(path, province=None, lang="en")
    assert len(exc.value.problems) == 1, exc.value.problems
    p = exc.value.problems[0]
    letter = "ABCDE"[mon.REQUIRED.index(column)]
    assert p.startswith(f"{path}: row 3: column {letter} ({column})") and problem in p, p


def test_inconsistent_group_size_and_duplicates_all_at_once(tmp_path):
    path = write(tmp_path, ["宝鸡市,prefecture,2024-01,12,261", "咸阳市,prefecture,2024-01,40,262",
                            "宝鸡市,prefecture,2024-01,13,261", "韩城市,county,2024-01,400,360"])
    with pytest.raises(DataError) as exc:
        mon.load_rankings(path, province=None, lang="en")
    probs = exc.value.problems
    assert len(probs) == 3, probs
    assert any("group 'prefecture' has different sizes in 2024-01" in p and "row 3: 262" in p for p in probs)
    assert any("rows 2, 4: column city, period: duplicate ranking of '宝鸡市' in 2024-01" in p for p in probs)
    assert any("row 5: column D (rank)" in p for p in probs)


def test_province_check_of_cities_and_groups(tmp_path):
    path = write(tmp_path, ["宝鸡市,prefecture,2024-01,12,261", "宝季市,prefecture,2024-01,13,261",
                            "杨凌示范区,prefecture,2024-01,20,261", "韩城市,prefecture,2024-01,30,261",
                            "新城区,county,2024-01,30,360"])
    with pytest.raises(DataError) as exc:
        mon.load_rankings(path, province="陕西", lang="en")
    text = "\n".join(exc.value.problems)
    assert "row 3: column A (city): unknown city '宝季市' in 陕西 — did you mean '宝鸡市'?" in text
    assert "row 4: column A (city): '杨凌示范区' is a zone, not a city ranked in the monitoring" in text
    assert "row 5: column B (group): 韩城市 (county_city) cannot be in group 'prefecture'" in text
    assert "row 6: column A (city): '新城区' is a district" in text


def test_city_code_must_match(tmp_path):
    path = write(tmp_path, ["宝鸡市,610300,prefecture,2024-01,12,261", "咸阳市,610300,prefecture,2024-01,13,261"],
                 header="city,city_code,group,period,rank,group_size")
    with pytest.raises(DataError, match=r"row 3: column B \(city_code\): code '610300' is not 咸阳市 \(宝鸡市\)"):
        mon.load_rankings(path, lang="en")


def test_columns_checked(tmp_path):
    path = write(tmp_path, ["宝鸡市,prefecture,2024-01,12"], header="city,group,month,rank,size")
    with pytest.raises(DataError) as exc:
        mon.load_rankings(path, lang="en")
    for part in ("missing column 'period'", "missing column 'group_size'",
                 "unknown column 'size'"):
        assert any(p.split(": ", 1)[1].startswith(part) for p in exc.value.problems), part


def test_years_outside_the_one_range_and_chinese_messages(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    path = write(tmp_path, ["宝鸡市,prefecture,2204-01,12,261", "宝鸡市,prefecture,1900-12,12,261",
                            "宝鸡市,prefecture,2024-01,12,261"])
    with pytest.raises(DataError) as exc:
        mon.load_rankings(path)
    msg = str(exc.value)
    assert "城市信用监测排名：发现 2 个问题" in msg
    assert "第2行，列C (period)：'2204-01'：年份应为 1949–2100 之间的整数，实际为 2204" in msg
    assert "第3行，列C (period)：'1900-12'：年份应为" in msg
