"""Certification: each 认定条件 failing alone, undecided verdicts, Henan exclusions."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creditlab import DataError, certify, load_rubric, score
from creditlab import points as P
from creditlab import sensitivity as S
from creditlab.certification import (
    FAIL,
    PASS,
    UNKNOWN,
    check_bounds,
    check_total,
    combine,
    decide,
    pass_mark,
    result_words,
    verdict_rule,
)
from creditlab.data import load_context, load_data
from helpers import DEMO, full_marks, with_values


@pytest.fixture(scope="module")
def sx():
    return load_rubric("shaanxi-2020")


GOOD = {"major_incident": False, "debtor_share_legal": 0.4, "debtor_share_natural": 0.2, "government_debtors": 0,
        "rectification_rate": 92.0, "government_rectification_rate": 96.0, "npl_ratio": 1.2,
        "national_npl_ratio": 1.59}


def context(region="610102", year=2024, **changes) -> pd.DataFrame:
    return pd.DataFrame([{"region": region, "year": year, **GOOD, **changes}])


def verdict(sx, data, ctx):
    v = certify(sx, score(sx, data), ctx)
    assert len(v) == 1
    return v.iloc[0]


def test_all_conditions_met(sx):
    v = verdict(sx, full_marks(sx), context())
    assert v["verdict"] == "certified"
    assert v["failed"] == [] and v["unknown"] == [] and v["unmet_mandatory"] == []
    assert len(v["reasons"]) == 6 and len(v["reasons_en"]) == 6
    assert all("符合" in r for r in v["reasons"])


# Each condition failing alone: (data change, context change, failing condition).
CASES = {
    "mandatory": ({"A3_2a": 0}, {}, "C1"),
    "score_below_85": ({"C1_1a": 0, "C1_2a": 0, "C1_3a": 0, "C2_1a": 1}, {}, "C2"),   # 100 − 5 − 5 − 5 − 4 = 81
    "major_incident": ({}, {"major_incident": True}, "C3"),
    "debtors_legal": ({}, {"debtor_share_legal": 1.0}, "C4"),
    "debtors_natural": ({}, {"debtor_share_natural": 1.3}, "C4"),
    "government_debtor": ({}, {"government_debtors": 1}, "C4"),
    "rectification": ({}, {"rectification_rate": 79.9}, "C5"),
    "government_rectification": ({}, {"government_rectification_rate": 89.0}, "C5"),
    "npl": ({}, {"npl_ratio": 1.59}, "C6"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_condition_failing_alone(sx, case):
    values, ctx_change, failing = CASES[case]
    v = verdict(sx, with_values(full_marks(sx), **values), context(**ctx_change))
    assert v["verdict"] == "not_certified"
    assert v["failed"] == [failing]
    reason = next(r for r in v["reasons"] if r.startswith(f"条件{failing[1]}"))
    assert "不符合" in reason


def test_score_threshold_inclusive(sx):
    # exactly 85 points: 85分以上 includes 85
    v = verdict(sx, with_values(full_marks(sx), C1_1a=0, C1_2a=0, C1_3a=0), context())
    assert v["verdict"] == "certified"
    assert "综合评分85分" in v["reasons"][1]


def test_all_failures_listed(sx):
    v = verdict(sx, with_values(full_marks(sx), A1_1a=0, C1_1a=0, C1_2a=0, C1_3a=0, C2_1a=0),
                context(major_incident=True, npl_ratio=2.0))
    assert v["failed"] == ["C1", "C2", "C3", "C6"]
    assert v["unmet_mandatory"] == ["A1.1a"]


def test_missing_context_is_undecided(sx):
    v = verdict(sx, full_marks(sx), context(debtor_share_natural=np.nan))
    assert v["verdict"] == "undecided" and v["unknown"] == ["C4"]
    assert "无法判断" in v["reasons"][3] and "cannot decide" in v["reasons_en"][3]


def test_missing_region_in_context_is_undecided(sx):
    v = verdict(sx, full_marks(sx), context(region="610122"))
    assert v["verdict"] == "undecided"
    assert set(v["unknown"]) == {"C3", "C4", "C5", "C6"}


def test_incomplete_total_decided_when_bounds_agree(sx):
    # C2.3a (5 points) not assessed: 95 assessed points already reach 85 → condition 2 holds
    v = verdict(sx, with_values(full_marks(sx), C2_3a=np.nan), context())
    assert v["verdict"] == "certified"
    # 81 assessed + 5 unassessed could reach 85 → undecided
    v = verdict(sx, with_values(full_marks(sx), C1_1a=0, C1_2a=0, C1_3a=1, C2_1a=np.nan), context())
    assert v["verdict"] == "undecided" and v["unknown"] == ["C2"]
    assert "未评估" in v["reasons"][1]
    # 70 assessed + 5 unassessed cannot reach 85 → fails
    v = verdict(sx, with_values(full_marks(sx), C1_1a=0, C1_2a=0, C1_3a=0, C2_2a=0, C2_1a=np.nan), context())
    assert v["verdict"] == "not_certified" and v["failed"] == ["C2"]


def test_unassessed_mandatory_is_undecided_unless_another_fails(sx):
    v = verdict(sx, with_values(full_marks(sx), A2_1a=np.nan), context())
    assert v["verdict"] == "undecided" and v["unknown"] == ["C1"]
    v = verdict(sx, with_values(full_marks(sx), A2_1a=np.nan, A3_2a=0), context())
    assert v["verdict"] == "not_certified" and v["failed"] == ["C1"]


def test_national_average_from_context(sx):
    v = verdict(sx, full_marks(sx), context(national_npl_ratio=np.nan))
    assert v["verdict"] == "undecided" and v["unknown"] == ["C6"]


def test_context_required(sx):
    with pytest.raises(DataError, match="需要认定情况数据"):
        certify(sx, score(sx, full_marks(sx)), None)


def test_duplicate_context_rows(sx):
    with pytest.raises(DataError, match="重复的区县-年份行"):
        certify(sx, score(sx, full_marks(sx)), pd.concat([context(), context()]))


def test_many_regions(sx):
    data = pd.concat([full_marks(sx, "610102"), with_values(full_marks(sx, "610122"), A1_1a=0)])
    ctx = pd.concat([context("610102"), context("610122")])
    v = certify(sx, score(sx, data), ctx).set_index("region")
    assert v.loc["610102", "verdict"] == "certified" and v.loc["610122", "verdict"] == "not_certified"


# --- Henan: exclusion conditions ---------------------------------------------------------------

HN_FLAGS = ["major_safety_accident_3y", "major_pollution_accident_3y", "energy_target_missed",
            "statistical_fraud", "government_is_debtor"]


def henan_case(**flags):
    hn = load_rubric("henan-2021")
    data = pd.DataFrame({"region": "410102", "year": 2022, "criterion": hn.criteria["id"], "value": 70.0})
    ctx = pd.DataFrame([{"region": "410102", "year": 2022, **{f: False for f in HN_FLAGS}, **flags}])
    return certify(hn, score(hn, data), ctx).iloc[0]


def test_henan_no_exclusion_is_eligible():
    v = henan_case()
    assert v["verdict"] == "eligible" and v["failed"] == []


@pytest.mark.parametrize("flag, cond", list(zip(HN_FLAGS, ["E1", "E2", "E3", "E4", "E5"], strict=True)))
def test_henan_each_exclusion(flag, cond):
    # 不得参与示范县评价认定: not eligible for recommendation, a verdict of its own (not "not certified").
    v = henan_case(**{flag: True})
    assert v["verdict"] == "not_eligible" and v["failed"] == [cond]


def test_henan_exclusion_lines_read_as_the_source():
    clear = henan_case()["reasons"]
    assert clear[0].startswith("三年内未发生重特大安全生产事故 ✓")
    assert clear[1].startswith("三年内未发生重特大环境污染事故 ✓")
    assert clear[4].startswith("县（市、区）人民政府未被各级法院列为失信被执行人 ✓")
    assert not any("符合" in r for r in clear)  # no "accident happened: met"
    hit = henan_case(major_safety_accident_3y=True, government_is_debtor=True)
    assert hit["reasons"][0].startswith("三年内发生重特大安全生产事故 ✗")
    assert hit["reasons"][4].startswith("县（市、区）人民政府被法院列为失信被执行人 ✗")
    assert hit["reasons_en"][0].startswith("a major or especially serious work-safety accident within three years ✗")
    unknown = henan_case(statistical_fraud=None)["reasons"][3]
    assert unknown.startswith("三年内无统计造假、弄虚作假？无法判断")


def test_henan_unknown_flag():
    v = henan_case(statistical_fraud=None)
    assert v["verdict"] == "undecided" and v["unknown"] == ["E4"]


# --- issue 15: the verdict rule once (certification and the sensitivity draws) ----------------------


def test_the_verdict_rule_is_one_vectorised_function():
    res = np.array([[PASS, FAIL, UNKNOWN, PASS], [PASS, PASS, PASS, UNKNOWN]])
    got = verdict_rule(combine(res), np.array([False, False, False, True]), "certified")
    assert list(got) == ["certified", "not_certified", "undecided", "not_eligible"]
    assert list(verdict_rule(np.array([PASS, FAIL]), False, "eligible")) == ["eligible", "not_certified"]
    # The total at both bounds (not-assessed criteria at 0 / at full marks): decided only where they agree;
    # compared in the rubric's points steps (84.99999999999999 reaches 85).
    lo, hi = np.array([[86.0, 80.0, 80.0, 84.99999999999999]]), np.array([[90.0, 84.0, 88.0, 84.99999999999999]])
    assert check_total(lo, hi, ">=", 85.0, 0.01).tolist() == [[PASS, FAIL, UNKNOWN, PASS]]
    # A FAIL anywhere wins over an UNKNOWN; broadcasting per-region results against draws × regions.
    assert combine([np.array([[UNKNOWN, PASS]]), np.array([FAIL, PASS])]).tolist() == [[FAIL, PASS]]
    assert list(result_words(np.array([PASS, FAIL, UNKNOWN]))) == ["pass", "fail", "unknown"]


def test_sensitivity_draws_apply_certifys_rule():
    """Every region's verdict from the weight model at nominal weights is certify()'s, through the one rule."""
    model = S.prepare(load_rubric("shaanxi-2020"), *_demo())
    w = model.nominal.to_numpy(float)[None, :]
    res = model.results_for(w)
    assert res.shape == (1, model.n_regions)
    nominal = model.verdicts.set_index("region")["verdict"].reindex(model.regions).to_numpy()
    assert list(verdict_rule(res[0], model.excluded, model.passing)) == list(nominal)
    assert {"certified", "not_certified"} <= set(nominal)
    cert, fail = model.certification_for(w)
    assert (cert[0] == (nominal == "certified")).all() and (fail[0] == (nominal == "not_certified")).all()


def _demo() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (load_data(DEMO / "shaanxi-2020_indicators.csv", rubric=load_rubric("shaanxi-2020")),
            load_context([DEMO / "context.csv", DEMO / "national_npl.csv"]))


# --- issue 16: certify vectorised, identical to the per-group implementation it replaced -------------------


def _legacy():
    """bench/certify.py's ``legacy_certify`` (the old implementation, the bench's baseline): kept once, there."""
    import importlib.util

    from helpers import ROOT

    spec = importlib.util.spec_from_file_location("bench_certify", ROOT / "bench" / "certify.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def legacy():
    return _legacy()


def _same_as_legacy(legacy, rubric, scores, ctx):
    new = certify(rubric, scores, ctx)
    pd.testing.assert_frame_equal(new, legacy.legacy_certify(rubric, scores, ctx))
    return new


def test_vectorised_certify_matches_the_old_one_on_the_demo(sx, legacy):
    data, ctx = _demo()
    v = _same_as_legacy(legacy, sx, score(sx, data), ctx)
    assert len(v) == 575 and {"certified", "not_certified", "undecided"} <= set(v["verdict"])
    assert any(v["unmet_mandatory"].str.len() > 0) and any(v["unknown"].str.len() > 0)


def test_vectorised_certify_matches_on_a_synthetic_sample(sx, legacy):
    data, ctx, zones = legacy.synthetic(150, 2, seed=3)
    _same_as_legacy(legacy, sx, score(sx, data, zones), ctx)


def test_vectorised_certify_matches_on_edge_cases(sx, legacy):
    # Missing rows (a region without context, a region with rows missing), unknown context values, a failed
    # mandatory row, a region-year twice in the scores' years; order of regions not sorted in the input.
    data = pd.concat([
        with_values(full_marks(sx, "610122", 2023), A1_1a=0, A3_2a=0),
        full_marks(sx, "610102", 2024),
        full_marks(sx, "610102", 2023).iloc[5:],
        with_values(full_marks(sx, "610103", 2024), C2_3a=np.nan, A2_1a=np.nan),
    ], ignore_index=True)
    ctx = pd.concat([context("610102", 2024), context("610102", 2023, npl_ratio=np.nan, major_incident=True),
                     context("610103", 2024, debtor_share_natural=np.nan)])
    v = _same_as_legacy(legacy, sx, score(sx, data), ctx)
    assert v[["region", "year"]].values.tolist() == [["610102", 2023], ["610102", 2024], ["610103", 2024],
                                                     ["610122", 2023]]
    assert v.loc[3, "unmet_mandatory"] == ["A1.1a", "A3.2a"] and v.loc[1, "unmet_mandatory"] == []
    assert v.loc[0, "failed"] == ["C3"] and v.loc[0, "unknown"] == ["C1", "C6"]  # rows missing: not assessed
    # Nothing unmet anywhere (no mandatory list to merge) and no context at all for one region.
    _same_as_legacy(legacy, sx, score(sx, full_marks(sx, "610102")), context("610104"))


def test_vectorised_certify_matches_on_exclusions(legacy):
    hn = load_rubric("henan-2021")
    data = pd.concat([pd.DataFrame({"region": r, "year": y, "criterion": hn.criteria["id"], "value": 70.0})
                      for r in ("410102", "410103", "410104") for y in (2021, 2022)], ignore_index=True)
    ctx = pd.DataFrame([{"region": r, "year": y, **{f: False for f in HN_FLAGS}} for r in ("410102", "410103")
                        for y in (2021, 2022)]).astype({f: "boolean" for f in HN_FLAGS})
    ctx.loc[1, "statistical_fraud"] = True
    ctx.loc[2, "energy_target_missed"] = None
    ctx.loc[3, "government_is_debtor"] = True
    ctx.loc[3, "major_safety_accident_3y"] = True
    v = _same_as_legacy(legacy, hn, score(hn, data), ctx)
    assert v["verdict"].tolist() == ["eligible", "not_eligible", "undecided", "not_eligible", "undecided",
                                     "undecided"]
    assert v.loc[3, "failed"] == ["E1", "E5"]


def test_pass_mark_is_the_first_check_on_the_total() -> None:
    assert pass_mark(load_rubric("shaanxi-2020")) == 85.0  # 条件2: 综合评分85分以上
    assert pass_mark(load_rubric("linyi-2019")) is None  # scores and ranks only: no pass mark


def test_decide_is_the_three_valued_and():
    """The boolean form the draws use gives combine()'s result for every mix of codes, and check_bounds gives
    check_total's."""
    codes = np.array([PASS, FAIL, UNKNOWN])
    a, b, c = np.meshgrid(codes, codes, codes, indexing="ij")
    parts = [a.ravel(), b.ravel(), c.ravel()]
    holds, fails = decide((p == PASS, p == FAIL) for p in parts)
    np.testing.assert_array_equal(np.where(fails, FAIL, np.where(holds, PASS, UNKNOWN)), combine(parts))
    lo = np.array([86.0, 80.0, 80.0, 84.99999999999999, np.nan])
    hi = np.array([90.0, 84.0, 88.0, 84.99999999999999, 90.0])
    ok, bad = check_bounds(P.keys(lo, 0.1), P.keys(hi, 0.1), ">=", P.keys(85.0, 0.1))
    assert ok.tolist() == [True, False, False, True, False] and bad.tolist() == [False, True, False, False, False]
    assert check_total(lo, hi, ">=", 85.0, 0.1).tolist() == [PASS, FAIL, UNKNOWN, PASS, UNKNOWN]
