"""Scoring: every rule type with hand-computed points, park variants, missing data, aggregation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creditlab import DataError, load_rubric, score, scoring
from creditlab.normalise import NormalisationError
from creditlab.scoring import mandatory_status, published_targets, rank, totals
from helpers import full_marks, with_values


@pytest.fixture(scope="module")
def sx():
    return load_rubric("shaanxi-2020")


def crit_points(scores, cid, region="610102"):
    row = scores[(scores["level"] == "criterion") & (scores["id"] == cid) & (scores["region"] == region)]
    assert len(row) == 1
    return row.iloc[0]


def test_full_marks_total_100(sx):
    s = score(sx, full_marks(sx))
    t = totals(s)
    assert t["points"].tolist() == [100.0] and t["status"].tolist() == ["complete"]
    assert set(s["level"]) == {"criterion", "level3", "level2", "level1", "total"}
    lvl2 = s[s["level"] == "level2"].set_index("id")["points"].to_dict()
    assert lvl2["A1"] == 5 and lvl2["B1"] == 12 and lvl2["C2"] == 15


@pytest.mark.parametrize("value, expected", [(1, 1.0), (0, 0.0)])
def test_binary(sx, value, expected):
    s = score(sx, with_values(full_marks(sx), A1_2a=value))
    r = crit_points(s, "A1.2a")
    assert r["points"] == expected and r["max_points"] == 1
    assert r["status"] == ("full" if expected else "none")


@pytest.mark.parametrize("rate, expected", [(49.9, 0.0), (50, 1.0), (73.5, 1.0), (0, 0.0)])
def test_threshold_rate(sx, rate, expected):
    # 自信用信息产生之日起7个工作日内报送…的比率达到50%（1分）
    assert crit_points(score(sx, with_values(full_marks(sx), A2_3a=rate)), "A2.3a")["points"] == expected


@pytest.mark.parametrize("count, expected", [(4, 0.0), (5, 1.0), (9, 1.0)])
def test_threshold_count(sx, count, expected):
    # 有5个以上行业主管部门引入第三方机构…（1分）
    assert crit_points(score(sx, with_values(full_marks(sx), B1_2b=count)), "B1.2b")["points"] == expected


@pytest.mark.parametrize("count, expected", [(0, 0.0), (7, 0.7), (30, 3.0), (45, 3.0)])
def test_per_unit_with_cap(sx, count, expected):
    # 每个部门得0.1分（最高3分）
    r = crit_points(score(sx, with_values(full_marks(sx), A3_1a=count)), "A3.1a")
    assert r["points"] == pytest.approx(expected)
    assert r["status"] == {0.0: "none", 0.7: "partial", 3.0: "full"}[expected]


def test_per_unit_application(sx):
    # 每个应用0.5分（最高2分）: 3 applications → 1.5
    assert crit_points(score(sx, with_values(full_marks(sx), B2_1b=3)), "B2.1b")["points"] == 1.5


@pytest.mark.parametrize("cid, value", [("A2.2c", 1.5), ("B1.4a", 0.0), ("C1.1a", 3.5), ("C2.3a", 5.0)])
def test_discretionary_and_graded_are_the_points_awarded(sx, cid, value):
    assert crit_points(score(sx, with_values(full_marks(sx), **{cid.replace(".", "_"): value})), cid)["points"] == value


def test_out_of_range_values_refused(sx):
    with pytest.raises(DataError, match="A2.2c"):
        score(sx, with_values(full_marks(sx), A2_2c=2.5))   # discretionary max 2
    with pytest.raises(DataError, match="A2.3a"):
        score(sx, with_values(full_marks(sx), A2_3a=120))   # a rate above 100 %
    with pytest.raises(DataError, match="A1.1a"):
        score(sx, with_values(full_marks(sx), A1_1a=0.5))   # binary must be 0/1
    with pytest.raises(DataError, match="A3.1a"):
        score(sx, with_values(full_marks(sx), A3_1a=2.5))   # a count must be whole


def test_unknown_criterion_and_duplicates(sx):
    bad = pd.concat([full_marks(sx), pd.DataFrame([{"region": "610102", "year": 2024, "criterion": "Z9", "value": 1}])])
    with pytest.raises(DataError, match="指标「Z9」不在评估标准 shaanxi-2020 中"):
        score(sx, bad)
    dup = pd.concat([full_marks(sx), full_marks(sx).head(1)])
    with pytest.raises(DataError, match="出现不止一次"):
        score(sx, dup)


def test_park_variant_discretionary(sx):
    # For a development zone, 每个部门得0.1分 becomes 开发区酌情计分 (max 3): the value is the points.
    assert totals(score(sx, full_marks(sx, "KF610101"), zones=["KF610101"]))["points"].iloc[0] == 100
    data = pd.concat([with_values(full_marks(sx, "610102"), A3_1a=2),
                      with_values(full_marks(sx, "KF610101"), A3_1a=2)])
    s = score(sx, data, zones=["KF610101"])
    assert crit_points(s, "A3.1a", "610102")["points"] == pytest.approx(0.2)   # 2 departments × 0.1
    assert crit_points(s, "A3.1a", "KF610101")["points"] == 2.0              # 2 points awarded
    with pytest.raises(DataError):
        score(sx, with_values(full_marks(sx, "KF610101"), A3_1a=4), zones=["KF610101"])  # above max 3


def test_known_zones_are_zones_by_default(sx):
    # KF610101 is listed in data/regions/zones.csv; scoring knows it without being told
    s = score(sx, with_values(full_marks(sx, "KF610101"), A3_1a=2))
    assert crit_points(s, "A3.1a", "KF610101")["points"] == 2.0
    s = score(sx, with_values(full_marks(sx, "610102"), A3_1a=2), zones=())
    assert crit_points(s, "A3.1a")["points"] == pytest.approx(0.2)


def test_park_threshold_becomes_discretionary(sx):
    data = with_values(full_marks(sx, "KF610101"), B1_2b=0.5)
    assert crit_points(score(sx, data, zones=["KF610101"]), "B1.2b", "KF610101")["points"] == 0.5


def test_not_assessed_is_explicit(sx):
    data = with_values(full_marks(sx), A2_3a=np.nan, C1_1a=np.nan)
    s = score(sx, data)
    r = crit_points(s, "A2.3a")
    assert r["status"] == "not_assessed" and np.isnan(r["points"]) and r["max_points"] == 1
    t = totals(s).iloc[0]
    assert t["points"] == 94 and t["status"] == "incomplete" and t["missing_max"] == 6
    lvl = s[s["level"] == "level2"].set_index("id")
    assert lvl.loc["A2", "status"] == "incomplete" and lvl.loc["A1", "status"] == "complete"


def test_missing_rows_are_not_assessed(sx):
    data = full_marks(sx)
    data = data[data["criterion"] != "B4.1a"]
    s = score(sx, data)
    assert crit_points(s, "B4.1a")["status"] == "not_assessed"
    assert totals(s)["missing_max"].iloc[0] == 2


def test_many_regions_and_years_at_once(sx):
    parts = [with_values(full_marks(sx, code, year), A1_2a=(year + i) % 2)
             for i, code in enumerate(["610102", "610122", "610481"]) for year in (2022, 2023, 2024)]
    s = score(sx, pd.concat(parts))
    t = totals(s)
    assert len(t) == 9
    assert sorted(t["points"].unique()) == [99.0, 100.0]
    assert len(s) == 9 * (48 + 34 + 12 + 3 + 1)


def test_mandatory_status_lists_unmet(sx):
    s = score(sx, with_values(full_marks(sx), A2_1a=0, B3_1a=np.nan))
    m = mandatory_status(sx, s).set_index("id")
    assert len(m) == 10
    assert m.loc["A2.1a", "met"] is False or m.loc["A2.1a", "met"] == False  # noqa: E712
    assert pd.isna(m.loc["B3.1a", "met"])
    assert m["met"].sum() == 8


def test_rank_and_percentile(sx):
    data = pd.concat([with_values(full_marks(sx, "610102"), C1_1a=0),
                      full_marks(sx, "610122"), with_values(full_marks(sx, "610481"), C1_1a=0)])
    r = rank(score(sx, data)).set_index("region")
    assert r.loc["610122", "rank"] == 1 and r.loc["610102", "rank"] == 2 and r.loc["610481", "rank"] == 2
    assert r.loc["610122", "percentile"] == 0
    assert r.loc["610102", "peers"] == 3


# --- norm-referenced (Linyi) -------------------------------------------------------------------

def linyi_data(values: dict[str, list[float]], regions=("A00001", "A00002", "A00003")) -> pd.DataFrame:
    rows = [(r, 2024, mid, v) for mid, vs in values.items() for r, v in zip(regions, vs, strict=True)]
    return pd.DataFrame(rows, columns=["region", "year", "criterion", "value"])


def test_linyi_minmax_respects_direction():
    ly = load_rubric("linyi-2019")
    m = ly.metrics
    item = m[m["criterion"] == "L1.1a"]  # 6 points, one metric (higher is better)
    assert len(item) == 1 and item["direction"].iloc[0] == "higher"
    s = score(ly, linyi_data({"L1.1-1": [10, 20, 30]}))
    pts = s[(s["level"] == "criterion") & (s["id"] == "L1.1a")].set_index("region")["points"]
    assert pts.to_dict() == {"A00001": 0.0, "A00002": 3.0, "A00003": 6.0}
    # a lower-is-better metric reverses: L1.2-1 (blacklist share) is one of five metrics of a 10-point item
    s = score(ly, linyi_data({"L1.2-1": [1.0, 2.0, 3.0]}))
    pts = s[(s["level"] == "criterion") & (s["id"] == "L1.2a")].set_index("region")["points"]
    assert pts.to_dict() == pytest.approx({"A00001": 2.0, "A00002": 1.0, "A00003": 0.0})
    row = s[(s["level"] == "criterion") & (s["id"] == "L1.2a")].iloc[0]
    assert row["status"] == "partial" and row["missing_max"] == pytest.approx(8.0)


def test_linyi_total_is_150_when_best_everywhere():
    ly = load_rubric("linyi-2019")
    m = ly.metrics
    good = np.where(m["direction"] == "higher", 10.0, 1.0)
    bad = np.where(m["direction"] == "higher", 1.0, 10.0)
    data = linyi_data({mid: [g, b] for mid, g, b in zip(m["id"], good, bad, strict=True)}, regions=("A00001", "A00002"))
    t = totals(score(ly, data)).set_index("region")["points"]
    assert t["A00001"] == pytest.approx(150) and t["A00002"] == pytest.approx(0)


def test_linyi_compare_within_groups():
    ly = load_rubric("linyi-2019")
    data = linyi_data({"L1.1-1": [10, 20, 30]})
    s = score(ly, data, compare_within={"A00001": "x", "A00002": "x", "A00003": "y"})
    pts = s[(s["level"] == "criterion") & (s["id"] == "L1.1a")].set_index("region")["points"]
    # A00003 is alone in its group: all-equal → best
    assert pts.to_dict() == {"A00001": 0.0, "A00002": 6.0, "A00003": 6.0}


@pytest.mark.parametrize("method", ["minmax", "zscore", "percentile", "distance"])
def test_linyi_methods_order_regions(method):
    ly = load_rubric("linyi-2019")
    s = score(ly, linyi_data({"L1.1-1": [10, 20, 30], "L1.2-5": [3, 2, 1]}), normalisation=method)
    t = totals(s).set_index("region")["points"]
    assert t["A00001"] < t["A00002"] < t["A00003"]


def _item_points(s, cid):
    return s[(s["level"] == "criterion") & (s["id"] == cid)].set_index("region")["points"]


def test_linyi_published_target():
    ly = load_rubric("linyi-2019")
    targets = published_targets(ly)
    assert targets == {"L5.1-1": 50.0}  # 建档率达 50%以上
    share = 16 / int((ly.metrics["criterion"] == "L5.1a").sum())  # 16 points shared by its metrics
    data = linyi_data({"L5.1-1": [20.0, 35.0, 80.0]})
    # Distance to the target: (x − min)/(50 − min), capped at 1 (min-max would give 0, 0.25, 1).
    got = _item_points(score(ly, data, targets=targets), "L5.1a")
    assert got.to_dict() == pytest.approx({"A00001": 0.0, "A00002": 0.5 * share, "A00003": share})
    assert _item_points(score(ly, data), "L5.1a")["A00002"] == pytest.approx(0.25 * share)


def test_linyi_goalposts_per_metric():
    ly = load_rubric("linyi-2019")
    data = linyi_data({"L1.1-1": [10, 20, 50], "L1.2-1": [1.0, 2.0, 3.0]})
    s = score(ly, data, goalposts={"L1.1-1": (0, 40), "L1.2-1": (0, 4)})
    # L1.1a (6 points, one metric, higher): x/40 cut at 1; L1.2a (10 points, five metrics, lower): (4 − x)/4.
    assert _item_points(s, "L1.1a").to_dict() == pytest.approx({"A00001": 1.5, "A00002": 3.0, "A00003": 6.0})
    assert _item_points(s, "L1.2a").to_dict() == pytest.approx({"A00001": 1.5, "A00002": 1.0, "A00003": 0.5})


def test_linyi_normalisation_parameters_checked():
    ly = load_rubric("linyi-2019")
    data = linyi_data({"L1.1-1": [10, 20, 30]})
    with pytest.raises(NormalisationError, match="L9.9-9"):
        score(ly, data, targets={"L9.9-9": 1.0})
    with pytest.raises(ValueError, match="needs goalposts or targets"):
        score(ly, data, normalisation="target")
    with pytest.raises(NormalisationError, match="L1.2-1"):  # every other metric lacks a target
        score(ly, data, normalisation="target", targets={"L1.1-1": 25.0})


# --- weighted (Henan) --------------------------------------------------------------------------

def test_henan_equal_weights_and_bonus():
    hn = load_rubric("henan-2021")
    ids = hn.criteria["id"]
    data = pd.DataFrame({"region": "410102", "year": 2022, "criterion": ids,
                         "value": np.where(hn.criteria["bonus"], 50.0, 80.0)})
    s = score(hn, data)
    t = totals(s).iloc[0]
    # 18 ordinary items at 80 → 80 of 100; 2 bonus items at 50 % of one item's weight each on top
    assert (~hn.criteria["bonus"]).sum() == 18
    assert t["max_points"] == pytest.approx(100)
    assert t["points"] == pytest.approx(80 + 2 * 0.5 * 100 / 18)


def test_henan_user_weights():
    hn = load_rubric("henan-2021")
    ids = hn.criteria["id"]
    data = pd.DataFrame({"region": "410102", "year": 2022, "criterion": ids,
                         "value": np.where(ids == "H-01a", 100.0, 0.0)})
    weights = {cid: 0.0 for cid in ids}
    weights.update({"H-01a": 1.0, "H-02a": 1.0})
    t = totals(score(hn, data, weights=weights)).iloc[0]
    assert t["points"] == pytest.approx(50)


def test_henan_bonus_items_count_by_default_as_documented():
    hn = load_rubric("henan-2021")
    ids = hn.criteria["id"]
    bonus = hn.criteria["bonus"].to_numpy()
    data = pd.DataFrame({"region": "410102", "year": 2022, "criterion": ids, "value": np.where(bonus, 90.0, 100.0)})
    # By default each bonus item adds on top with one ordinary item's weight (choice bonus-on-top) …
    default = totals(score(hn, data)).iloc[0]["points"]
    assert default == pytest.approx(100 + 2 * 0.9 * 100 / 18)
    # … and weight 0 leaves it out.
    zero = totals(score(hn, data, weights={cid: 0.0 for cid in ids[bonus]})).iloc[0]["points"]
    assert zero == pytest.approx(100)
    doc = " ".join(scoring.__doc__.split())
    assert "only add to the total where the user gives them a weight" not in doc
    assert "added on top of that 0–100 score **by default**" in doc and "bonus-on-top" in doc
