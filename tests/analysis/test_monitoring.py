"""City credit-monitoring rankings (creditlab.monitoring)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creditlab import monitoring as mon
from helpers import ROOT, rankings_frame

DEMO = ROOT / "data" / "demo" / "city_rankings.csv"


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return mon.load_rankings(DEMO)


# --- provincial average and the plan path --------------------------------------------------------

def test_path_from_65_to_40():
    months = np.array([2020 * 12 + 11, 2022 * 12 + 11, 2023 * 12 + 5, 2025 * 12 + 11, 2020 * 12 + 5])
    path = mon.path_value(months)
    assert path[:4] == pytest.approx([65, 55, 52.5, 40])  # Dec 2020, Dec 2022, Jun 2023 (half way), Dec 2025
    assert np.isnan(path[4])  # before the baseline


def test_provincial_average_against_path():
    r = rankings_frame([("西安市", "capital", "2022-12", 9, 36), ("宝鸡市", "prefecture", "2022-12", 130, 260),
               ("韩城市", "county", "2022-12", 300, 400), ("西安市", "capital", "2023-01", 20, 36)])
    avg = mon.provincial_average(r).set_index("period")
    # (25 + 50 + 75) / 3 = 50 against the path's 55 in December 2022: 5 points ahead
    assert avg.loc["2022-12", "mean_percentile"] == pytest.approx(50)
    assert avg.loc["2022-12", "n_cities"] == 3
    assert avg.loc["2022-12", "path"] == pytest.approx(55) and avg.loc["2022-12", "gap"] == pytest.approx(-5)
    assert avg.loc["2022-12", "ahead"]
    # January 2023: the path is 65 - 25 * 25/60 = 54.58; 20/36 = 55.6 is behind
    assert avg.loc["2023-01", "path"] == pytest.approx(65 - 25 * 25 / 60)
    assert avg.loc["2023-01", "mean_percentile"] == pytest.approx(100 * 20 / 36) and not avg.loc["2023-01", "ahead"]
    yearly = mon.yearly_observations(r)
    assert yearly.to_dict("records") == [{"id": "city_ranking_percentile", "year": 2022, "value": 50.0}]


def test_average_trend():
    rows = [("宝鸡市", "prefecture", f"2024-{m:02d}", 100 - 2 * m, 200) for m in range(1, 13)]
    avg = mon.provincial_average(rankings_frame(rows))
    t = mon.average_trend(avg, window=12, horizon="2025-12")
    # percentile 50 - m: one point a month, so -12 a year; December 2024 is 38, December 2025 is 26
    assert t["slope_per_year"] == pytest.approx(-12) and t["projected"] == pytest.approx(26)


# --- city trends, quarters, bulletins, persistently low ------------------------------------------

def test_city_trend_and_projection():
    rows = [("宝鸡市", "prefecture", f"2024-{m:02d}", 200 - 4 * m, 400) for m in range(1, 13)]
    rows += [("韩城市", "county", f"2024-{m:02d}", 20, 400) for m in range(1, 13)]
    rows += [("神木市", "county", f"2024-{m:02d}", 4 * m, 400) for m in range(1, 13)]
    t = mon.city_trends(rankings_frame(rows), window=12, horizon="2025-12").set_index("city")
    # 宝鸡市: 50 - m points, -12 a year: 38 in December 2024, 26 a year later
    assert t.loc["宝鸡市", "slope_per_year"] == pytest.approx(-12) and t.loc["宝鸡市", "trend"] == "improving"
    assert t.loc["宝鸡市", "projected"] == pytest.approx(26) and t.loc["宝鸡市", "percentile"] == pytest.approx(38)
    assert t.loc["韩城市", "trend"] == "stable" and t.loc["韩城市", "projected"] == pytest.approx(5)
    assert t.loc["神木市", "trend"] == "worsening" and t.loc["神木市", "projected"] == pytest.approx(24)
    # clipped to 0-100
    fast = [("宝鸡市", "prefecture", f"2024-{m:02d}", 100 - 8 * m, 400) for m in range(1, 13)]
    assert mon.city_trends(rankings_frame(fast), horizon="2025-12").loc[0, "projected"] == 0


def test_quarter_uses_its_last_month():
    rows = [("宝鸡市", "prefecture", "2024-01", 10, 100), ("宝鸡市", "prefecture", "2024-03", 30, 100),
            ("宝鸡市", "prefecture", "2024-02", 20, 100)]
    q = mon.quarterly(rankings_frame(rows))
    assert q.loc[0, "period"] == "2024-03" and q.loc[0, "rank"] == 30


def ladder(low_city_quarters: dict[str, list[int]], quarters: int = 4) -> pd.DataFrame:
    """Three prefecture cities at percentiles 30 (宝鸡市), 20, 10 (渭南市); a city listed for a quarter drops to 90
    that quarter (so 宝鸡市 is last in the quarters where nobody is listed)."""
    cities = ["宝鸡市", "咸阳市", "渭南市"]
    rows = []
    for qi in range(quarters):
        month = f"2024-{3 * qi + 3:02d}"
        for ci, city in enumerate(cities):
            last = qi in low_city_quarters.get(city, [])
            rows.append((city, "prefecture", month, 90 if last else 30 - 10 * ci, 100))
    return rankings_frame(rows)


def test_persistently_low_needs_consecutive_quarters():
    r = ladder({"渭南市": [1, 2, 3], "宝鸡市": [0]})
    low = mon.persistently_low(r, {"kind": "bottom", "n": 1, "quarters": 3})
    assert low["city"].tolist() == ["渭南市"]
    row = low.iloc[0]
    assert (row["streak"], row["since"], row["quarter"], row["tier_from_bottom"]) == (3, "2024Q2", "2024Q4", 1)
    assert mon.persistently_low(r, "bottom:1:4").empty
    # a quarter that is not low in between breaks the streak
    assert mon.persistently_low(ladder({"渭南市": [0, 1, 3]}), "bottom:1:3").empty
    # a city missing in a quarter breaks it too
    gap = ladder({"渭南市": [0, 1, 2, 3]})
    gap = gap[~((gap["city"] == "渭南市") & (gap["period"] == "2024-06"))]
    assert mon.persistently_low(gap, "bottom:1:2")["city"].tolist() == ["渭南市"]
    assert mon.persistently_low(gap, "bottom:1:3").empty
    # as of an earlier quarter
    assert mon.persistently_low(r, "bottom:1:2", quarter="2024Q3")["city"].tolist() == ["渭南市"]


def test_bottom_n_and_percentile_rules():
    r = ladder({"渭南市": [0, 1, 2, 3]})
    # 宝鸡市 (percentile 30) is second from the bottom among the three
    assert sorted(mon.persistently_low(r, "bottom:2:4")["city"]) == ["宝鸡市", "渭南市"]
    assert mon.persistently_low(r, "percentile:90:4")["city"].tolist() == ["渭南市"]
    assert mon.persistently_low(r, "percentile:95:1").empty


def test_tiers_are_ranked_separately():
    rows = [("宝鸡市", "prefecture", "2024-03", 200, 261), ("咸阳市", "prefecture", "2024-03", 100, 261),
            ("韩城市", "county", "2024-03", 10, 400), ("华阴市", "county", "2024-03", 20, 400)]
    low = mon.persistently_low(rankings_frame(rows), "bottom:1:1")
    assert sorted(low["city"]) == ["华阴市", "宝鸡市"]  # the last of each tier, though 华阴市 is at 5 %


def test_bulletin_changes_and_flags():
    r = ladder({"渭南市": [1, 2, 3]})
    b = mon.bulletin(r, "2024Q4", "bottom:1:3").set_index("city")
    assert b.attrs["previous"] == "2024Q3"
    assert b.loc["渭南市", "rank"] == 90 and b.loc["渭南市", "rank_prev"] == 90 and b.loc["渭南市", "change"] == 0
    assert bool(b.loc["渭南市", "persistently_low"]) and b.loc["渭南市", "low_streak"] == 3
    assert not b.loc["宝鸡市", "persistently_low"] and b.loc["宝鸡市", "low_streak"] == 0
    b3 = mon.bulletin(r, "2024Q2", "bottom:1:3").set_index("city")
    # 渭南市 fell from 10 to 90: 80 places down; its percentile rose 80 points
    assert b3.loc["渭南市", "change"] == -80 and b3.loc["渭南市", "percentile_change"] == pytest.approx(80)
    assert b3.loc["宝鸡市", "change"] == 0 and b3.loc["渭南市", "tier_position"] == 3
    first = mon.bulletin(r, "2024Q1")
    assert first["rank_prev"].isna().all()
    assert list(first["city"]) == ["渭南市", "咸阳市", "宝鸡市"]  # best first within the tier


def test_periods_and_horizons_outside_the_one_year_range(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    r = ladder({"渭南市": [1, 2, 3]})
    for call in (lambda: mon.parse_quarter("2204Q1"), lambda: mon.parse_quarter("2204-03"),
                 lambda: mon.city_trends(r, horizon="2204-12"), lambda: mon.until(r, "2204-12"),
                 lambda: mon.average_trend(mon.provincial_average(r), horizon="1900-12")):
        with pytest.raises(ValueError, match="year should be a whole number from 1949 to 2100"):
            call()
    assert mon.parse_quarter("2024-11") == "2024Q4" and mon.parse_quarter("2024q4") == "2024Q4"


def test_low_rank_rule_parameters(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    assert mon.LowRankRule.from_param({"kind": "bottom", "n": 2, "quarters": 3}) == mon.LowRankRule("bottom", 2,
                                                                                                  quarters=3)
    assert mon.LowRankRule.from_param("percentile:80:2") == mon.LowRankRule("percentile", threshold=80, quarters=2)
    assert mon.LowRankRule.from_param(None) == mon.LowRankRule()
    for bad, msg in [("last:3", "expected 'bottom:N:QUARTERS'"), ({"kind": "bottom", "quaters": 3}, "unknown key"),
                     ({"kind": "worst"}, "must be 'bottom' or 'percentile'"), ("bottom:0:3", "positive whole"),
                     ("percentile:120:3", "0–100"), ("bottom:x:3", "numbers expected"), (3, "dict or a string")]:
        with pytest.raises(ValueError, match=msg):
            mon.LowRankRule.from_param(bad)
    assert "连续3个季度" in mon.LowRankRule().describe("zh") and "3 consecutive" in mon.LowRankRule().describe("en")


def test_periods(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    assert {mon.parse_quarter(p) for p in ("2024Q4", "2024-Q4", "2024q4", "2024-11")} == {"2024Q4"}
    for bad in ("2024Q5", "Q4 2024", "2024-13"):
        with pytest.raises(ValueError, match="not a quarter"):
            mon.parse_quarter(bad)
    r = ladder({})
    assert mon.check_quarter(r, "2024-12") == "2024Q4"
    with pytest.raises(ValueError, match=r"no rankings for 2019Q4; the data cover 2024Q1–2024Q4"):
        mon.check_quarter(r, "2019Q4")
    assert mon.until(r, "2024Q2")["period"].max() == "2024-06"


def test_period_and_rule_messages_are_chinese_by_default(monkeypatch: pytest.MonkeyPatch):
    """What an analyst types on the command line is refused in the default language (zh), or in ``lang``."""
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    r = ladder({})
    cases = [(lambda: mon.check_quarter(r, "2030Q1"),
              "期间（period）'2030Q1'：没有2030Q1的排名；数据覆盖2024Q1–2024Q4"),
             (lambda: mon.parse_quarter("Q4 2024"), "不是季度（如2024Q4）或月份（如2024-12）"),
             (lambda: mon.parse_quarter("2204Q1"), "期间（period）'2204Q1'：年份应为 1949–2100 之间的整数"),
             (lambda: mon.until(r, "2024-13"), "截止月份（until）'2024-13'不是月份"),
             (lambda: mon.LowRankRule.from_param("worst:1"), "低排名规则（low_rank_rule）'worst:1'：应为"),
             (lambda: mon.LowRankRule.from_param("bottom:x:3"), "应为数字"),
             (lambda: mon.LowRankRule.from_param("bottom:0:3"), "名次数n须为正整数"),
             (lambda: mon.LowRankRule.from_param({"kind": "bottom", "quaters": 3}), "未知的键"),
             (lambda: mon.LowRankRule.from_param(3), "须为字典或字符串")]
    for call, text in cases:
        with pytest.raises(ValueError) as exc:
            call()
        assert text in str(exc.value), str(exc.value)
    with pytest.raises(ValueError, match=r"period '2030Q1': no rankings for 2030Q1; the data cover 2024Q1–2024Q4"):
        mon.check_quarter(r, "2030Q1", lang="en")  # the command's --lang, whatever CREDITLAB_LANG says
    with pytest.raises(ValueError, match="low-rank rule 'worst:1': expected"):
        mon.LowRankRule.from_param("worst:1", lang="en")


# --- demo data -----------------------------------------------------------------------------------

def test_demo_rankings_cover_the_cities_and_months(demo):
    from creditlab.regions import load_regions

    reg = load_regions("陕西")
    county_cities = set(reg.loc[reg["type"] == "county_city", "name"])
    prefectures = set(reg.loc[reg["type"] == "prefecture_city", "name"])
    assert set(demo["city"]) == county_cities | prefectures and "杨凌示范区" not in set(demo["city"])
    assert demo.groupby("city")["period"].nunique().eq(60).all()
    assert (demo["period"].min(), demo["period"].max()) == ("2020-01", "2024-12")
    assert set(demo.loc[demo["city"] == "西安市", "group"]) == {"capital"}
    assert set(demo.loc[demo["group"] == "capital", "group_size"]) == {36}
    assert set(demo.loc[demo["city"].isin(county_cities), "group"]) == {"county"}
    assert demo[demo["group"] == "prefecture"]["group_size"].nunique() > 1  # sizes are data, not constants
    assert demo[demo["group"] == "county"]["group_size"].between(340, 400).all()
    assert not demo.duplicated(["group", "period", "rank"]).any()


def test_demo_story(demo):
    avg = mon.provincial_average(demo)
    dec = avg[avg["month"] == 12].set_index("year")
    assert dec.loc[2020, "mean_percentile"] == pytest.approx(65, abs=3)
    assert dec.loc[2024, "mean_percentile"] < dec.loc[2020, "mean_percentile"] - 10  # improving
    assert dec.loc[2024, "gap"] > 0  # but behind the straight-line path to 40
    low = mon.persistently_low(demo, "bottom:1:3")
    assert set(low["city"]) == {"商洛市", "子长市"}
    b = mon.bulletin(demo, "2024Q4", "bottom:1:3")
    assert len(b) == 17 and b["persistently_low"].sum() == 2
    assert set(mon.city_trends(demo)["trend"]) >= {"improving"}
