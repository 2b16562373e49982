"""Weights: renormalisation, random schemes, nominal weights and named scenario files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creditlab import load_rubric
from creditlab.weights import (
    ScenarioError,
    check_weights,
    draw_weights,
    expansion,
    load_scenarios,
    nominal_weights,
    renormalise,
    scenarios_path,
)

W0 = np.array([5.0, 10, 10, 6, 5, 4, 12, 8, 4, 6, 15, 15])


@pytest.fixture(scope="module")
def sx():
    return load_rubric("shaanxi-2020")


def test_renormalise_keeps_totals():
    rng = np.random.default_rng(0)
    w = rng.uniform(0.1, 3, size=(50, 12))
    out = renormalise(w, 100.0)
    np.testing.assert_allclose(out.sum(axis=1), 100.0)
    # Proportions are unchanged: only the scale moves.
    np.testing.assert_allclose(out / out[:, :1], w / w[:, :1])


@pytest.mark.parametrize("bad", [np.array([[1.0, -1.0, 2.0]]), np.zeros((1, 3))])
def test_renormalise_rejects_negative_or_zero(bad):
    with pytest.raises(ValueError):
        renormalise(bad, 100.0)


@pytest.mark.parametrize("scheme, param", [("uniform", 0.25), ("dirichlet", 50.0)])
def test_draws_sum_to_total_and_are_seeded(scheme, param):
    a = draw_weights(scheme, W0, param, 400, seed=11)
    b = draw_weights(scheme, W0, param, 400, seed=11)
    c = draw_weights(scheme, W0, param, 400, seed=12)
    np.testing.assert_allclose(a.sum(axis=1), W0.sum())
    assert (a >= 0).all()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_uniform_noise_stays_within_the_band():
    spread = 0.2
    w = draw_weights("uniform", W0, spread, 2000, seed=1)
    ratio = w / W0
    # Before renormalisation each weight lies in w0·[1−x, 1+x]; the common scale cancels in ratios.
    assert (ratio.max(axis=1) / ratio.min(axis=1) <= (1 + spread) / (1 - spread) + 1e-9).all()
    # And the band is actually used (not a degenerate draw).
    assert (ratio.max(axis=1) / ratio.min(axis=1)).max() > 1.3


def test_dirichlet_centred_and_tighter_with_concentration():
    loose = draw_weights("dirichlet", W0, 20.0, 20000, seed=3)
    tight = draw_weights("dirichlet", W0, 500.0, 20000, seed=3)
    np.testing.assert_allclose(loose.mean(axis=0), W0, atol=0.25)
    np.testing.assert_allclose(tight.mean(axis=0), W0, atol=0.06)
    assert (tight.std(axis=0) < loose.std(axis=0)).all()
    p = W0 / W0.sum()
    np.testing.assert_allclose(tight.std(axis=0), 100 * np.sqrt(p * (1 - p) / 501), rtol=0.05)


def test_zero_nominal_weight_stays_zero():
    w0 = np.array([50.0, 0.0, 50.0])
    for scheme, param in (("uniform", 0.5), ("dirichlet", 10.0)):
        w = draw_weights(scheme, w0, param, 100, seed=0)
        assert (w[:, 1] == 0).all()
        np.testing.assert_allclose(w.sum(axis=1), 100.0)


@pytest.mark.parametrize("scheme, param, match", [
    ("uniform", 0.0, "spread"), ("uniform", 1.5, "spread"), ("dirichlet", 0.0, "concentration"),
    ("gaussian", 0.1, "unknown weighting scheme"),
])
def test_bad_scheme_parameters(scheme, param, match):
    with pytest.raises(ValueError, match=match):
        draw_weights(scheme, W0, param, 10, seed=0)


def test_nominal_weights_and_expansion(sx):
    w2 = nominal_weights(sx, "level2")
    w1 = nominal_weights(sx, "level1")
    assert list(w2.index) == ["A1", "A2", "A3", "A4", "A5", "A6", "B1", "B2", "B3", "B4", "C1", "C2"]
    assert w2.sum() == 100 and w1.to_dict() == {"A": 40.0, "B": 30.0, "C": 30.0}
    e = expansion(sx, w2)
    np.testing.assert_allclose(w1.to_numpy() @ e.to_numpy(), w2.to_numpy())
    np.testing.assert_allclose(e.sum(axis=1), 1.0)


def test_bundled_scenarios(sx):
    scen = {s.id: s for s in load_scenarios(sx)}
    assert {"results-first", "groundwork-first", "equal-areas"} <= set(scen)
    assert scen["results-first"].name_zh == "成效优先" and scen["results-first"].weights["C"] == 50
    for s in scen.values():
        assert s.weights.sum() == pytest.approx(100.0)
        w2 = s.weights_at(sx, "level2")
        assert w2.sum() == pytest.approx(100.0)
        # Spreading level-1 weights keeps each area's total and the rubric's proportions inside it.
        back = w2.groupby(sx.levels.set_index("id").loc[w2.index, "parent"].to_numpy()).sum()
        if s.level == "level1":
            np.testing.assert_allclose(back.reindex(s.weights.index), s.weights)
            a = w2[["A1", "A2"]]
            assert a["A2"] / a["A1"] == pytest.approx(2.0)
    eq = scen["equal-areas"].weights
    np.testing.assert_allclose(eq.to_numpy(), 100 / 3)


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "scen.yaml"
    p.write_text(body, encoding="utf-8")
    return p


HEAD = "rubric: shaanxi-2020\nscenarios:\n"


@pytest.mark.parametrize("item, problem", [
    ("  - {id: s1, name_zh: x, name_en: x, level: level1, weights: {A: 40, B: 30, D: 30}}", "unknown level1 id(s) 'D'"),
    ("  - {id: s1, name_zh: x, name_en: x, level: level1, weights: {A: 40, B: 30, C: 20}}", "sum to 90"),
    ("  - {id: s1, name_zh: x, name_en: x, level: level1, weights: {A: 70, B: 30}}", "no weight for C"),
    ("  - {id: s1, name_zh: x, name_en: x, level: level1, weights: {A: 110, B: 30, C: -40}}", "non-negative"),
    ("  - {id: s1, name_zh: x, name_en: x, level: level3, weights: equal}", "level must be"),
    ("  - {id: s1, name_zh: x, level: level1, weights: equal}", "missing field 'name_en'"),
    ("  - {id: s1, name_zh: x, name_en: x, weights: equal}", "missing field 'level'"),
])
def test_scenario_errors_name_file_and_item(sx, tmp_path, item, problem):
    path = _write(tmp_path, HEAD + item + "\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenarios(sx, path, lang="en")
    msg = str(exc.value)
    assert str(path) in msg and "scenario s1" in msg and problem in msg


def test_scenario_file_for_another_rubric(sx, tmp_path):
    path = _write(tmp_path, "rubric: henan-2021\nscenarios: []\n")
    with pytest.raises(ScenarioError, match="not 'shaanxi-2020'"):
        load_scenarios(sx, path, lang="en")


def test_duplicate_scenario_id(sx, tmp_path):
    item = "  - {id: s1, name_zh: x, name_en: x, level: level1, weights: equal}\n"
    with pytest.raises(ScenarioError, match="scenario s1: duplicate id"):
        load_scenarios(sx, _write(tmp_path, HEAD + item + item), lang="en")


def test_a_duplicate_key_is_reported_with_every_other_scenario_problem(sx, tmp_path):
    item = "  - {id: s1, name_zh: x, name_en: x, level: level1, level: level9, weights: {A: 1, Z: 99}}\n"
    with pytest.raises(ScenarioError) as exc:
        load_scenarios(sx, _write(tmp_path, HEAD + item), lang="en")
    msg = str(exc.value)
    assert "duplicate key 'level'" in msg and "level9" in msg


def test_every_scenario_problem_at_once_in_chinese(sx, tmp_path, monkeypatch):
    """A non-text id, a duplicate id, unknown and missing weights, bad values: all named, no traceback."""
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    body = HEAD + (
        "  - {id: [a, b], name_zh: x, name_en: x, level: level1, weights: equal}\n"
        "  - {id: s1, name_zh: x, name_en: x, level: level1, weights: {A: 40, B: 30, C: 30}}\n"
        "  - {id: s1, name_zh: x, name_en: x, level: level1, weights: {A: forty, B: -5, C: .nan, Z: 3}}\n"
        "  - {id: s3, name_zh: '', name_en: x, level: level2, weights: [1, 2], colour: red}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenarios(sx, _write(tmp_path, body))
    msg = str(exc.value)
    assert "权重情景 scen.yaml：发现 9 个问题" in msg
    for part in ("第1个情景：id 应为由字母、数字、'-'、'_' 组成的文本，实际为 <list of 2>", "情景 s1：id 重复",
                 "情景 s1：未知的 level1 指标 id：'Z'", "情景 s1：'A' 的权重应为非负数，实际为 'forty'",
                 "'B' 的权重应为非负数，实际为 -5", "'C' 的权重应为非负数，实际为 nan",
                 "情景 s3：未知字段 'colour'", "情景 s3：字段 'name_zh' 应为非空文本", "情景 s3：'weights' 应为"):
        assert part in msg, part


def test_scenario_file_that_is_not_yaml_is_named(sx, tmp_path):
    with pytest.raises(ScenarioError, match="duplicate key 'rubric'"):
        load_scenarios(sx, _write(tmp_path, "rubric: shaanxi-2020\nrubric: henan-2021\nscenarios: []\n"),
                       lang="en")
    with pytest.raises(ScenarioError, match="anchors and aliases"):
        load_scenarios(sx, _write(tmp_path, HEAD + "  - &s {id: s1}\n  - *s\n"), lang="en")


def test_scenarios_for_a_rubric_without_points(tmp_path):
    hn = load_rubric("henan-2021")
    body = "rubric: henan-2021\nscenarios:\n  - {id: s1, name_zh: x, name_en: x, level: level1, weights: equal}\n"
    with pytest.raises(ScenarioError, match="gives no points for its level1 indicators"):
        load_scenarios(hn, _write(tmp_path, body), lang="en")


def test_bundled_scenarios_path(sx):
    assert scenarios_path(sx).name == "shaanxi-2020.yaml" and scenarios_path(sx).is_file()


def test_check_weights_fills_and_renormalises():
    nominal = pd.Series({"A": 40.0, "B": 30.0, "C": 30.0})
    w = check_weights({"C": 60.0}, nominal)
    assert w.sum() == pytest.approx(100.0)
    assert w["A"] / w["B"] == pytest.approx(40 / 30) and w["C"] / w["A"] == pytest.approx(60 / 40)
    with pytest.raises(ScenarioError, match="unknown id"):
        check_weights({"Z": 1.0}, nominal)
    with pytest.raises(ScenarioError, match="non-negative"):
        check_weights({"A": -1.0}, nominal)
