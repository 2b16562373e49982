"""Cross-rubric and cross-weighting comparison (creditlab.analysis.compare)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from creditlab import load_rubric
from creditlab.analysis import compare as C
from creditlab.analysis.model import Evaluation, Model, unit_table
from creditlab.analysis.sens_model import weight_view
from creditlab.analysis.weights import ScenarioError
from creditlab.data import load_context, load_data
from creditlab.errors import DataError
from helpers import DEMO, rubric_variant

YEAR = 2024
# Four Xi'an districts and one zone: real codes, hand-made outcomes.
C1, C2, C3, C4, C5, Z1 = "610102", "610103", "610104", "610111", "610112", "KF610101"


@pytest.fixture(scope="module")
def sx():
    return load_rubric("shaanxi-2020")


def side(rubric, rows: dict[str, tuple[float | None, str]], missing: dict[str, float] | None = None) -> C.Outcome:
    """A hand-made outcome: code → (score or None for 未报送, verdict)."""
    missing = missing or {}
    table = pd.DataFrame([{"region": r, "submitted": s is not None, "score": np.nan if s is None else s,
                           "missing": np.nan if s is None else missing.get(r, 0.0),
                           "verdict": C.NOT_SUBMITTED if s is None else v} for r, (s, v) in rows.items()])
    totals = pd.DataFrame([{"region": r, "year": YEAR, "level": "total", "id": "total", "points": s,
                            "max_points": 100.0, "status": "complete", "missing_max": missing.get(r, 0.0)}
                           for r, (s, _) in rows.items() if s is not None])
    return C.Outcome(rubric=rubric, year=YEAR, table=table, totals=totals, units=unit_table())


def test_hand_checked_ranks_spearman_and_verdict_changes(sx):
    # A ranks C1 > C2 > C3 > C4; B ties C1 and C3 (79.99999999999999 is 80 at the rubric's 0.1 step) below C2.
    a = side(sx, {C1: (90.0, "certified"), C2: (85.0, "certified"), C3: (80.0, "not_certified"),
                  C4: (70.0, "not_certified"), C5: (None, "")})
    b = side(sx, {C1: (80.0, "not_certified"), C2: (88.0, "certified"), C3: (79.99999999999999, "not_certified"),
                  C4: (None, ""), C5: (60.0, "not_certified")})
    comp = C.compare_outcomes(a, b)
    t = comp.table.set_index("region")
    assert comp.counts() == {"units": 5, "a": 4, "b": 4, "compared": 3, "only_a": 1, "only_b": 1, "neither": 0}
    # Ranks among the three compared units only.
    assert t.loc[[C1, C2, C3], "rank_a"].tolist() == [1, 2, 3]
    assert t.loc[[C1, C2, C3], "rank_b"].tolist() == [2, 1, 2]
    assert t.loc[[C1, C3], "tied_b"].all() and not t.loc[C2, "tied_b"]
    assert t.loc[[C1, C2, C3], "rank_change"].tolist() == [-1, 1, 1]
    # No data is not zero: C4 (nothing under B) and C5 (nothing under A) keep no score, no rank, 未报送.
    assert t.loc[C4, "verdict_b"] == C.NOT_SUBMITTED and np.isnan(t.loc[C4, "score_b"])
    assert t.loc[C5, "verdict_a"] == C.NOT_SUBMITTED and np.isnan(t.loc[C5, "score_a"])
    assert t.loc[[C4, C5], "rank_a"].isna().all() and t.loc[[C4, C5], "rank_b"].isna().all()
    assert t.loc[[C4, C5], "verdict_changed"].isna().all() and not t.loc[[C4, C5], "compared"].any()
    # By hand: mean ranks A (1, 2, 3), B (2.5, 1, 2.5): deviations (−1, 0, 1) · (0.5, −1, 0.5) sum to 0 → ρ = 0.
    s = comp.summary.set_index("population").loc["county"]
    assert s["n"] == 3 and s["spearman"] == pytest.approx(0.0, abs=1e-12)
    assert s["mean_rank_shift"] == pytest.approx(1.0)  # (|1−2| + |2−1| + |3−2|) / 3
    assert s["max_rank_shift"] == 1
    assert s["verdicts_compared"] == 3 and s["verdict_changes"] == 1  # C1: certified → not certified
    assert t.loc[C1, "verdict_changed"] and not t.loc[C2, "verdict_changed"] and not t.loc[C3, "verdict_changed"]


def test_spearman_against_scipy_and_the_formula_without_ties():
    ra, rb = np.array([1, 2, 3, 4]), np.array([2, 1, 4, 3])
    d2 = ((ra - rb) ** 2).sum()
    assert C.spearman(ra, rb) == pytest.approx(1 - 6 * d2 / (4 * (16 - 1)))  # 0.6
    rng = np.random.default_rng(1)
    for _ in range(20):
        x, y = rng.integers(1, 6, 12), rng.integers(1, 6, 12)  # many ties
        if len(set(x)) > 1 and len(set(y)) > 1:
            assert C.spearman(x, y) == pytest.approx(spearmanr(x, y).statistic)
    assert np.isnan(C.spearman([1], [1])) and np.isnan(C.spearman([1, 1, 1], [1, 2, 3]))
    assert C.mean_rank_shift([1, 2, 3], [3, 2, 1]) == pytest.approx(4 / 3)


def test_zones_are_ranked_among_zones_and_verdict_words_compare_by_outcome(sx):
    a = side(sx, {C1: (90.0, "certified"), C2: (85.0, "undecided"), Z1: (95.0, "certified")})
    b = side(sx, {C1: (90.0, "eligible"), C2: (85.0, "not_eligible"), Z1: (50.0, "eligible")})
    comp = C.compare_outcomes(a, b)
    t = comp.table.set_index("region")
    assert t.loc[Z1, "rank_a"] == 1 and t.loc[Z1, "rank_b"] == 1 and t.loc[Z1, "peers"] == 1
    assert list(comp.summary["population"]) == ["county", "zone"]
    # certified and eligible both pass; undecided → not eligible is a change.
    assert not t.loc[C1, "verdict_changed"] and t.loc[C2, "verdict_changed"]
    no_cond = side(sx, {C1: (90.0, C.NO_CONDITIONS), C2: (85.0, C.NO_CONDITIONS)})
    s = C.compare_outcomes(a, no_cond).summary.set_index("population").loc["county"]
    assert s["verdicts_compared"] == 0 and s["verdict_changes"] == 0


def test_listed_regions_without_data_stay_not_submitted_in_both(sx):
    a = side(sx, {C1: (90.0, "certified"), C2: (80.0, "not_certified")})
    comp = C.compare_outcomes(a, a, regions=[C1, C2, C3])
    row = comp.table.set_index("region").loc[C3]
    assert row["verdict_a"] == row["verdict_b"] == C.NOT_SUBMITTED
    assert np.isnan(row["score_a"]) and pd.isna(row["rank_a"])
    assert comp.counts()["neither"] == 1


# ---------------------------------------------------------------------------------------------
# Real evaluations


@pytest.fixture(scope="module")
def demo(sx):
    data = load_data(DEMO / "shaanxi-2020_indicators.csv", rubric=sx)
    ctx = load_context([DEMO / "context.csv", DEMO / "national_npl.csv"])
    return Evaluation.of(Model(sx, data, ctx), key="demo")


def test_two_weightings_match_the_reports_and_the_weight_view(demo):
    sc = C.find_scenario(demo.rubric, "results-first")
    comp = C.compare(demo, demo, YEAR, weights_b=sc)
    t = comp.table.set_index("region")
    # Side A is the county reports' ranking (same population, same rank function).
    r = demo.ranks("province")
    r = r[r["year"] == YEAR].set_index("region")
    assert t["compared"].all() and len(t) == len(r)
    assert (t["rank_a"].astype(int) == r["rank"].reindex(t.index)).all()
    # Side B is the weight view's evaluation of the scenario (the explorer's numbers).
    view = weight_view(demo.with_(year=YEAR, level=sc.level))
    e = view.evaluate(sc).set_index("region")
    np.testing.assert_allclose(t["score_b"], e["score"].reindex(t.index))
    assert (t["rank_b"].astype(int) == e["rank"].reindex(t.index)).all()
    assert (t["verdict_b"] == e["verdict"].reindex(t.index)).all()
    assert int(comp.summary["verdict_changes"].sum()) == int(e["verdict_changed"].sum())
    assert (comp.summary["verdict_changes"] > 0).any()
    # The rubric against itself: nothing moves.
    same = C.compare(demo, demo, YEAR).summary
    assert (same["spearman"] == 1).all() and (same["mean_rank_shift"] == 0).all()
    assert (same["verdict_changes"] == 0).all()


def test_find_scenario(sx):
    assert C.find_scenario(sx, "") is None
    assert C.find_scenario(sx, "equal-areas").level == "level1"
    with pytest.raises(ScenarioError, match="results-first"):
        C.find_scenario(sx, "no-such", lang="en")
    with pytest.raises(ScenarioError, match="没有权重方案"):
        C.find_scenario(sx, "no-such", lang="zh")


@pytest.fixture(scope="module")
def cross(sx, tmp_path_factory):
    """Four Xi'an districts under shaanxi-2020 and under the Linyi indicators applied to 西安市 (the bundled
    rubrics' jurisdictions do not overlap, so the second is a variant with its jurisdiction changed): three with
    data under both, one blank county.

    The Linyi metrics are the demo's values of four Linyi regions relabelled to these codes (the Linyi rubric is
    norm-referenced: its scores are relative to the units scored together)."""
    data = load_data(DEMO / "shaanxi-2020_indicators.csv", rubric=sx)
    data = data[data["region"].isin([C1, C2, C3, C5]) & (data["year"] == YEAR)].copy()
    data.loc[data["region"] == C5, "value"] = np.nan  # C5 submitted nothing under shaanxi-2020
    ly = load_rubric(rubric_variant(tmp_path_factory.mktemp("rubric"), "linyi-2019", "610100"))
    raw = pd.read_csv(DEMO / "linyi-2019_indicators.csv", dtype={"region": str})
    raw = raw[raw["year"] == YEAR]
    codes = sorted(raw["region"].unique())[:4]
    raw = raw[raw["region"].isin(codes)].copy()
    raw["region"] = raw["region"].map(dict(zip(codes, [C1, C2, C4, C5], strict=True)))
    ctx = load_context([DEMO / "context.csv", DEMO / "national_npl.csv"])
    a = Evaluation.of(Model(sx, data, ctx), key="a")
    b = Evaluation.of(Model(ly, raw[["region", "year", "criterion", "value"]]), key="b")
    return a, b


def test_cross_rubric_matches_units_with_data_under_both(cross):
    a, b = cross
    comp = C.compare(a, b)
    t = comp.table.set_index("region")
    assert comp.a.year == comp.b.year == YEAR
    assert sorted(comp.compared["region"]) == [C1, C2]   # C3: shaanxi only; C4: linyi only; C5: blank under A
    assert comp.counts() == {"units": 5, "a": 3, "b": 4, "compared": 2, "only_a": 1, "only_b": 2, "neither": 0}
    assert t.loc[C5, "verdict_a"] == C.NOT_SUBMITTED and np.isnan(t.loc[C5, "score_a"])
    assert not np.isnan(t.loc[C5, "score_b"]) and pd.isna(t.loc[C5, "rank_b"])  # listed, not compared
    assert (t.loc[[C1, C2], "verdict_b"] == C.NO_CONDITIONS).all()
    # Ranks by the scores of the two compared units under each rubric.
    for key in ("a", "b"):
        hi = t.loc[[C1, C2], f"score_{key}"].idxmax()
        assert t.loc[hi, f"rank_{key}"] == 1
    s = comp.summary.iloc[0]
    assert s["n"] == 2 and abs(s["spearman"]) == pytest.approx(1.0)
    assert s["verdicts_compared"] == 0


def test_no_common_unit_is_an_error(cross, sx):
    a, b = cross
    only_a = a.with_(scope=[C3])
    with pytest.raises(DataError, match="没有哪个单位在两边都有数据"):
        C.compare(only_a, b, YEAR)


def test_units_outside_the_evaluations_tables_are_named_from_the_country(sx):
    # 临沂市's 兰山区 and 罗庄区: not in the Shaanxi units of the evaluation, named by the national regions table.
    a = side(sx, {"371302": (90.0, "certified"), "371311": (80.0, "not_certified")})
    t = C.compare_outcomes(a, a).table.set_index("region")
    assert t.loc["371302", "name"] == "兰山区" and t.loc["371302", "city"] == "临沂市"
    assert t.loc[["371302", "371311"], "rank_a"].tolist() == [1, 2]


def test_points_not_assessed_follow_the_weights(demo):
    sc = C.find_scenario(demo.rubric, "results-first")
    comp = C.compare(demo, demo, YEAR, weights_b=sc)
    t = comp.table.set_index("region")
    gaps = t[t["missing_a"] > 0]
    assert len(gaps) >= 1  # the demo leaves some 建设成效 rows not assessed in 2024
    view = weight_view(demo.with_(year=YEAR, level=sc.level))
    w = view.weights_vector(sc).to_numpy(float)
    upper = pd.Series(view.scores_for(w, upper=True)[0], index=view.regions)
    np.testing.assert_allclose(gaps["score_b"] + gaps["missing_b"], upper.reindex(gaps.index))
    assert (t.loc[t["missing_a"] == 0, "missing_b"].abs() < 1e-9).all()


def test_the_bundled_rubrics_jurisdictions_do_not_overlap(sx):
    # Why the cross-rubric tests use a variant: linyi-2019 refuses Shaanxi counties.
    raw = pd.read_csv(DEMO / "shaanxi-2020_indicators.csv", dtype={"region": str}).head(48)
    with pytest.raises(DataError, match="371300"):
        Model(load_rubric("linyi-2019"), raw.assign(criterion="L1.1-1")).scores  # noqa: B018
