"""The evaluated model (creditlab.analysis.model): one specification, stages computed once, with_()."""
from __future__ import annotations

import pandas as pd
import pytest

from creditlab import load_rubric, report
from creditlab import sensitivity as S
from creditlab.analysis import certification, scoring
from creditlab.analysis import model as model_module
from creditlab.analysis.model import STAGES, Evaluation, Model
from creditlab.data import load_context, load_data, park_codes
from creditlab.errors import DataError
from helpers import DEMO

YEAR = 2024


@pytest.fixture(scope="module")
def inputs():
    sx = load_rubric("shaanxi-2020")
    return (sx, load_data(DEMO / "shaanxi-2020_indicators.csv", rubric=sx),
            load_context([DEMO / "context.csv", DEMO / "national_npl.csv"]))


class Counter:
    """Counts calls of a function in a module while the test runs (a real call, only counted)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
        self.n = 0
        real = getattr(module, name)

        def counted(*a, **k):
            self.n += 1
            return real(*a, **k)
        monkeypatch.setattr(module, name, counted)


def test_stages_are_computed_once_and_match_the_functions(inputs, monkeypatch):
    sx, data, ctx = inputs
    model = Model(sx, data, ctx, zones=park_codes())
    scored = Counter(monkeypatch, model_module, "score")
    conds = Counter(monkeypatch, certification, "_fields")
    for _ in range(2):
        model.verdicts, model.conditions, model.mandatory, model.submitted()  # noqa: B018
    assert scored.n == 1  # scored once
    assert conds.n == 1   # the conditions evaluated once: certify() reads the conditions stage
    scores = scoring.score(sx, data, park_codes())
    pd.testing.assert_frame_equal(model.scores, scores)
    pd.testing.assert_frame_equal(model.verdicts, certification.certify(sx, scores, ctx))
    pd.testing.assert_frame_equal(model.conditions, certification.evaluate_conditions(sx, scores, ctx))


def test_with_keeps_what_a_choice_does_not_reach(inputs):
    sx, data, ctx = inputs
    model = Model(sx, data, ctx, year=YEAR)
    view = S.weight_view(model)
    shifted = dict(view.nominal)
    shifted[view.ids[0]] += 5
    other = model.with_(weights=shifted)
    assert other.scores is model.scores and other.verdicts is model.verdicts
    assert S.weight_view(other) is view  # the weight view depends on the level, not on the weights
    pd.testing.assert_frame_equal(other.results, view.evaluate(shifted))
    assert not other.results["score"].equals(model.with_(weights=None).results["score"])
    # A choice the scores depend on: computed afresh, and the old model is unchanged.
    city = model.with_(scope="西安市")
    assert "scores" not in city._stages and set(city.scores["region"]) < set(model.scores["region"])
    assert model.spec.scope is None
    model.units  # noqa: B018
    assert set(model.with_(context=None)._stages) == {"frame", "scores", "submitted", "mandatory", "units"}
    with pytest.raises(TypeError, match="colour"):
        model.with_(colour="red")
    assert set(STAGES) >= {"scores", "conditions", "verdicts", "mandatory", "submitted", "weight_model", "results"}


def test_prepare_is_the_weight_view_of_the_model(inputs):
    sx, data, ctx = inputs
    model = Model(sx, data, ctx, year=YEAR)
    view = S.weight_view(model)
    prepared = S.prepare(sx, data, ctx, year=YEAR)
    assert (view.nominal_scores == prepared.nominal_scores).all()
    pd.testing.assert_frame_equal(view.verdicts, prepared.verdicts)
    with pytest.raises(ValueError, match="one year"):
        S.weight_view(Model(sx, data, ctx))
    with pytest.raises(DataError, match="2019"):
        Model(sx, data, ctx, year=2019).scores  # noqa: B018


def test_the_reports_evaluation_shows_the_models_stages_and_pickles(tmp_path):
    inputs = report.resolve_inputs("shaanxi-2020")
    ev = report.evaluate(inputs)
    assert report.Evaluation is Evaluation and isinstance(ev.model, Model)
    for name in ("scores", "verdicts", "conditions", "mandatory", "units"):
        assert getattr(ev, name) is getattr(ev.model, name), name  # the model's stage objects, not copies
    assert ev.submitted() is ev.model.submitted()
    path = report.save_evaluation(ev, tmp_path / "ev.pkl")
    loaded = report.load_evaluation(inputs, path)
    assert loaded.computed_at == ev.computed_at and loaded.key == ev.key
    assert loaded.scores is loaded.model.scores  # shared after the round trip too
    pd.testing.assert_frame_equal(loaded.verdicts, ev.verdicts)
    # Regenerated with one choice changed: a plain model (no longer the files' evaluation: its key would lie).
    city = ev.with_(scope="西安市", year=YEAR)
    assert type(city) is Model and set(city.scores["region"]) < set(ev.scores["region"])


def test_without_context_the_conditions_needing_it_say_so():
    inputs = report.resolve_inputs("shaanxi-2020")
    ev = report.evaluate(report.Inputs(inputs.rubric, inputs.data, ()))
    c = ev.conditions
    hit = c[c["condition"].isin(ev.context_conditions)]
    assert len(hit) and hit["reason_zh"].str.contains("未提供认定条件数据").all()
    v = ev.verdicts.iloc[0]
    assert any("未提供认定条件数据" in r for r in v["reasons"])


def test_ranks_are_one_stage_shared_by_every_county_report(inputs, monkeypatch):
    sx, data, ctx = inputs
    model = Model(sx, data, ctx, zones=park_codes())
    ev = Evaluation.of(model, key="k")
    ranked = Counter(monkeypatch, model_module, "rank")
    codes = ["610102", "610430", "KF610801"]
    for code in codes:
        for scope in ("province", "city"):
            ns = {"region": code, "year": 2024, "rubric": "shaanxi-2020", "data": "", "context": "", "scope": scope,
                  "language": "zh", "output": "", "cache": ""}
            peers = report.CountyReport(ev, report.check_params(ns, set())).peers()
            # the same as ranking this unit's own population on its own (kind, and city for a city scope)
            units = model.units.set_index("code")
            me = units.loc[code]
            pop = units[(units["is_park"] == me["is_park"])
                        & ((units["city_code"] == me["city_code"]) if scope == "city" else True)].index
            t = model.scores[(model.scores["year"] == 2024) & model.scores["region"].isin(pop)
                             & model.scores["region"].isin(ev.regions(2024))]
            alone = scoring.rank(t, step=0.1).sort_values(["rank", "region"]).reset_index(drop=True)
            pd.testing.assert_series_equal(peers["rank"], alone["rank"], check_names=False)
            assert list(peers["region"]) == list(alone["region"])
    assert ranked.n == 2  # one ranking per scope, for all three reports


def test_scoring_options_are_choices_of_the_model():
    hn = load_rubric("henan-2021")
    codes = ["410102", "410103"]
    data = pd.DataFrame([(c, 2022, cid, 60.0 + 10 * i) for i, c in enumerate(codes) for cid in hn.criteria["id"]],
                        columns=["region", "year", "criterion", "value"])
    model = Model(hn, data, None, has_context=False, zones=())
    first = hn.criteria["id"].iloc[0]
    weighted = model.with_(scoring={"weights": {first: 5.0}})
    pd.testing.assert_frame_equal(weighted.scores, scoring.score(hn, data, (), weights={first: 5.0}))
    assert not weighted.scores.equals(model.scores)  # the choice reached the scores
    with pytest.raises(TypeError, match="unknown scoring option"):
        model.with_(scoring={"weigths": {first: 5.0}})


# --- issue 13: each rubric on its own jurisdiction ----------------------------------------------------

def test_the_models_units_and_default_scope_are_the_rubrics_jurisdiction():
    linyi = load_rubric("linyi-2019")
    data = load_data(DEMO / "linyi-2019_indicators.csv", linyi)
    m = Model(linyi, data, year=2024)
    assert len(m.units) == 12 and set(m.units["city"]) == {"临沂市"}
    assert sorted(m.frame["region"].unique()) == sorted(m.units["code"])
    assert set(m.verdicts["verdict"]) == {"no_certification"}  # no conditions: scores and ranks only
    assert m.ranks()["peers"].eq(12).all()
    henan = load_rubric("henan-2021")
    hdata = load_data(DEMO / "henan-2021_indicators.csv", henan)
    hm = Model(henan, hdata, year=2023, scope="河南")  # a province by name ...
    assert hm.frame["region"].nunique() == 157
    assert hm.with_(scope="410000").frame["region"].nunique() == 157  # ... or code
    assert set(hm.with_(scope="郑州市").frame["region"].str[:4]) == {"4101"}
    with pytest.raises(DataError, match="未知的范围 '陕西'"):
        hm.with_(scope="陕西").frame  # noqa: B018 - a province outside the jurisdiction is no scope of it


def test_a_region_outside_the_jurisdiction_is_named(monkeypatch):
    monkeypatch.setenv("CREDITLAB_LANG", "zh")
    linyi = load_rubric("linyi-2019")
    data = pd.DataFrame({"region": ["371302", "610303", "610430"], "year": 2024, "criterion": "L1.1-1",
                         "value": 1.0})
    with pytest.raises(DataError) as err:
        Model(linyi, data).scores  # noqa: B018
    assert str(err.value) == ("宝鸡市金台区（610303）、咸阳市淳化县（610430）不在评估标准 linyi-2019 的适用范围"
                              "临沂市（371300）内")


def test_data_errors_in_chinese_by_default_english_on_request(monkeypatch):
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    linyi = load_rubric("linyi-2019")
    data = pd.DataFrame({"region": ["371302"], "year": 2024, "criterion": "L1.1-1", "value": 1.0})
    with pytest.raises(DataError) as err:
        Model(linyi, data, year=2023).frame  # noqa: B018
    assert str(err.value) == "没有 2023 年的指标数据；数据中的年份：2024"
    with pytest.raises(DataError) as err:
        Model(linyi, data, year=2024, scope=["371302", "371399"]).frame  # noqa: B018
    assert err.value.problems == ["区县 371399 不在数据中"] and str(err.value).startswith("范围内有1个区县")
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(DataError) as err:
        Model(linyi, data, year=2023).frame  # noqa: B018
    assert str(err.value) == "no indicator data for year 2023; years in the data: 2024"
    with pytest.raises(DataError) as err:
        Model(linyi, data, year=2024, scope=["371302", "371399"]).frame  # noqa: B018
    assert err.value.problems == ["region 371399 is not in the data"]


def test_conditions_evaluated_once_for_the_reports_and_every_sensitivity_method(inputs, monkeypatch):
    """Issue 16: the county report and the weight view's methods read the model's conditions and verdicts."""
    sx, data, ctx = inputs
    model = Model(sx, data, ctx, zones=park_codes(), year=YEAR)
    evaluated = Counter(monkeypatch, certification, "_fields")
    certified = Counter(monkeypatch, model_module, "certify")
    view = S.weight_view(model)
    view.monte_carlo("uniform", 0.25, 64, seed=1)
    view.local_sensitivity()
    view.tipping_table()
    view.sobol(N=64, seed=1)
    view.compare_scenarios([])
    ev = Evaluation.of(model, key="k")
    ns = {"region": "610102", "year": YEAR, "rubric": "shaanxi-2020", "data": "", "context": "",
          "scope": "province", "language": "zh", "output": "", "cache": ""}
    page = report.CountyReport(ev, report.check_params(ns, set()))
    page.header_html(), page.certification_html()
    assert evaluated.n == 1 and certified.n == 1
