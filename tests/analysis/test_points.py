"""Points at the rubric's precision (creditlab.points): the one comparison and the one rank."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creditlab import certify, load_rubric, score
from creditlab import points as P
from creditlab.scoring import rank, totals
from helpers import clean_context, exact_85, full_marks, with_values


@pytest.fixture(scope="module")
def sx():
    return load_rubric("shaanxi-2020")


def test_rubric_steps():
    assert P.points_step(load_rubric("shaanxi-2020")) == pytest.approx(0.1)
    assert P.points_step(load_rubric("linyi-2019")) == 1.0
    assert P.points_step(load_rubric("henan-2021")) == P.DEFAULT_STEP
    for name in ("shaanxi-2020", "linyi-2019", "henan-2021"):
        assert "points-precision" in {c["id"] for c in load_rubric(name).choices}


def test_comparison_in_steps():
    assert 84.99999999999999 < 85  # what floating point gives
    assert P.at_least(84.99999999999999, 85, 0.1) and P.compare(84.99999999999999, "==", 85, 0.1)
    assert P.units(0.1 + 0.2, 0.1) == 3.0
    assert not P.at_least(84.9, 85, 0.1) and not P.at_least(84.96, 85, 0.1)  # off the grid: never rounded up
    assert not P.compare(np.nan, ">=", 85, 0.1) and not P.compare(np.nan, "<", 85, 0.1)
    np.testing.assert_array_equal(P.rank([85.0, 84.99999999999999, 90.0, np.nan, 80.0], 0.1), [2, 2, 1, 5, 4])
    np.testing.assert_array_equal(P.rank([3, 2, 1, 1], 0.1, groups=["a", "a", "b", "b"]), [1, 2, 1, 1])
    np.testing.assert_array_equal(P.is_tied(np.array([1, 2, 2, 4])), [False, True, True, False])
    assert P.rank_words(2, True) == "并列第2名" and P.rank_words(3, False) == "第3名"
    assert P.rank_words(2, True, "en") == "tied #2"
    assert P.population_words(107, False) == "全省107个县（市、区）"
    assert P.population_words(8, True) == "全省8个开发区"
    assert P.population_words(13, False, "西安市") == "西安市13个县（市、区）"
    assert P.top_share(5, 107) == pytest.approx(4.67, abs=0.01)


def test_exact_85_is_certified(sx):
    s = score(sx, exact_85(sx), zones=())
    assert totals(s)["points"].iloc[0] != 85.0  # the profile really is 84.99999999999999
    v = certify(sx, s, clean_context(["610102"])).iloc[0]
    assert v["verdict"] == "certified", v["reasons"]
    assert "综合评分85分（要求≥85）" in v["reasons"][1]


def test_two_counties_on_nominal_85_tie(sx):
    # One adds up to 84.99999999999999, the other to 85.0 (100 − 15); both are 85 points.
    other = with_values(full_marks(sx, "610103"), C1_1a=0, C1_2a=0, C2_3a=0)
    parts = [score(sx, d, zones=()) for d in (exact_85(sx), other, full_marks(sx, "610104"))]
    s = pd.concat([p.astype({"region": str, "level": str, "id": str}) for p in parts], ignore_index=True)
    r = rank(s, step=P.points_step(sx)).set_index("region")
    assert r.loc["610102", "points"] != r.loc["610103", "points"]
    assert r.loc["610102", "rank"] == r.loc["610103", "rank"] == 2 and r.loc["610104", "rank"] == 1
    assert r.loc["610102", "tied"] and not r.loc["610104", "tied"]
    assert r.loc["610102", "top_share"] == pytest.approx(2 / 3 * 100)
    # The default step gives the same ties for a rubric in 0.1 steps.
    assert rank(s).set_index("region").loc["610102", "rank"] == 2


def test_population_words_name_what_is_ranked():
    from creditlab.data import assessment_units

    units = assessment_units()
    counties = units.loc[~units["is_park"], "code"]
    assert P.population_area(counties, units, False) == (None, None)  # every county: 全省
    xian_all = units.loc[(units["city"] == "西安市") & ~units["is_park"], "code"]
    area, area_en = P.population_area(xian_all, units, False)  # one city's units only: named by the city
    assert P.population_words(len(xian_all), False, area) == f"西安市{len(xian_all)}个县（市、区）"
    assert area_en == "Xi'an"
    xian = xian_all.head(3)  # only some of the city's counties reported: not "西安市3个县" (the whole city?)
    area, area_en = P.population_area(xian, units, False)
    assert P.population_words(3, False, area) == "西安市已报送数据的3个县（市、区）"
    assert P.population_words(3, False, area, "en", area_en) == (
        "the 3 counties (cities, districts) of Xi'an that reported data")
    # A city ranking (scope city) says the same when some of its units did not report.
    area, area_en = P.population_area(xian, units, False, "西安市")
    assert P.population_words(3, False, area) == "西安市已报送数据的3个县（市、区）"
    assert P.population_area(xian_all, units, False, "西安市") == ("西安市", "Xi'an")
    some = pd.concat([xian, units.loc[units["city"] == "宝鸡市", "code"].head(2)])
    area, _ = P.population_area(some, units, False)  # a province run where some did not report
    assert P.population_words(5, False, area) == "全省已报送数据的5个县（市、区）"
    assert P.population_words(5, False, area, "en") == (
        "the 5 counties (cities, districts) of the province that reported data")
    # A declared area stands, and reads in English as a found one does (宝鸡市 → Baoji, not 宝鸡市).
    assert P.population_area(xian, units, False, "宝鸡市") == ("宝鸡市", "Baoji")
    assert P.population_area(xian, units, False, "") == ("", "")  # a selection: no area name


def test_a_unit_that_reported_nothing_is_not_ranked_in_the_weight_model(sx):
    from creditlab import sensitivity as S

    blank = full_marks(sx, "610104").assign(value=np.nan)  # returned an empty form
    data = pd.concat([exact_85(sx, "610102"), full_marks(sx, "610103"), blank])
    model = S.prepare(sx, data, clean_context(["610102", "610103", "610104"]), zones=())
    assert list(model.regions) == ["610102", "610103"]
    assert model.evaluate()["peers"].tolist() == [2, 2]


# --- keys: the integer form of units, and ranks from one sort (issue 16) ---------------------------------


@pytest.mark.parametrize("step", [0.1, 0.01, 0.2, 0.25, 1.0, 0.001])
def test_keys_are_numpys_rounding_in_millionths_of_a_step(step):
    rng = np.random.default_rng(3)
    x = rng.uniform(-50, 150, 20_000)
    x = np.concatenate([x, np.round(x, 1), np.round(x, 2) + 1e-14, [84.99999999999999, 0.1 + 0.2, np.nan]])
    k = P.keys(x, step)
    np.testing.assert_array_equal(k / 1e6, np.round(x / step, 6))  # the published rule of units()
    assert np.array_equal(k[np.isfinite(k)], np.floor(k[np.isfinite(k)]))  # whole numbers
    out = np.empty_like(x)
    assert P.keys(x, step, out=out) is out and np.array_equal(out, k, equal_nan=True)


def test_keys_compare_like_points_and_nan_never_matches():
    nan = np.array([np.nan, 85.0])
    for op in ("<", "<=", ">", ">=", "==", "!="):
        assert not P.compare(nan, op, 85.0, 0.1)[0]
    assert P.compare(nan, "!=", 84.9, 0.1).tolist() == [False, True]


def _reference_ranks(scores: np.ndarray, step: float, groups=None) -> np.ndarray:
    """Per row, pandas' "min" rank of the points in steps, descending (the rule in the module docstring)."""
    return np.vstack([P.rank(row, step, groups) for row in scores])


def test_rank_keys_matches_the_published_rank_on_ties_and_negatives():
    rng = np.random.default_rng(8)
    s = np.round(rng.normal(60, 30, (40, 257)), 1)  # 0.1 steps: many ties, some negative scores
    s[:, 10:15] = s[:, [3]]  # a run of equal scores in every row
    s[5] = 7.0  # a row of one value
    s[:, 20] = s[:, 21] + 1e-13  # equal at the rubric's precision, not in floating point
    np.testing.assert_array_equal(P.rank_draws(s, 0.1), _reference_ranks(s, 0.1))
    groups = np.where(np.arange(257) % 4 == 0, "park", "county")
    np.testing.assert_array_equal(P.rank_draws(s, 0.1, groups), _reference_ranks(s, 0.1, groups))


def test_rank_keys_reuses_its_buffers_and_falls_back_on_keys_too_large_to_pack():
    rng = np.random.default_rng(9)
    s = np.round(rng.uniform(0, 100, (30, 50)), 1)
    ref = _reference_ranks(s, 0.1)
    work = P.RankWork(12, 50)
    for a in range(0, 30, 12):  # chunks of draws through the same buffers, the last one shorter
        k = P.keys(s[a:a + 12], 0.1)
        np.testing.assert_array_equal(P.rank_keys(k, work=work), ref[a:a + 12])
        np.testing.assert_array_equal(P.rank_keys(k, work=work, bound=float(np.abs(k).max())), ref[a:a + 12])
    huge = s * 1e9  # keys beyond 2**53 once packed: the argsort path, same ranks
    np.testing.assert_array_equal(P.rank_draws(huge, 0.1), _reference_ranks(huge, 0.1))


def test_nan_points_rank_after_every_number_in_the_draws_too():
    """rank_draws follows rank(): NaN last, NaNs tied (the fallback path and the packed path alike)."""
    s = np.array([[1.0, np.nan, 3.0, 2.0, np.nan], [np.nan, 5.0, 5.0, 0.5, 7.0]])
    np.testing.assert_array_equal(P.rank_draws(s, 1.0), _reference_ranks(s, 1.0))
    assert P.rank_draws(s, 1.0)[0].tolist() == [3, 4, 1, 2, 4]
    np.testing.assert_array_equal(P.rank_rows(s), _reference_ranks(s, 1.0))
