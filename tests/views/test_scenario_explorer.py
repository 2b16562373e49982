"""The scenario explorer on the real demo data for one city, its widgets moved as a person would."""
import json

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

import creditlab
from creditlab.analysis.weights import load_scenarios
from creditlab.views import scenario_explorer as se
from creditlab.views import sensitivity_figures as sf
from creditlab.views.scenario_explorer import PLOTLY_MIME, ScenarioExplorer


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return tmp_path_factory.mktemp("scenarios"), tmp_path_factory.mktemp("exports")


@pytest.fixture(scope="module")
def explorer(folders):
    return ScenarioExplorer.from_params("shaanxi-2020", scope="西安市", language="en", scenario_dir=folders[0],
                                        export_dir=folders[1])


def _html(out) -> str:
    return "".join(o["data"].get("text/html", "") for o in out.outputs)


def _figures(out) -> list[dict]:
    return [o["data"][PLOTLY_MIME] for o in out.outputs if PLOTLY_MIME in o["data"]]


def test_steps_ranges_and_snapped_presets():
    rubric = creditlab.load_rubric("shaanxi-2020")
    steps = se.indicator_steps(rubric, ["A1", "A2", "C1"])
    assert steps.to_dict() == {"A1": 0.5, "A2": 1.0, "C1": 1.0}  # A1 has half-point rows
    assert se.slider_max(15, 1.0) == 30 and se.slider_max(5, 0.5) == 10 and se.slider_max(2.5, 1.0) == 5
    raw = pd.Series({"a": 5.333, "b": 2.667, "c": 92.0})
    snapped = se.snap(raw, pd.Series({"a": 0.5, "b": 0.5, "c": 1.0}), 100)
    assert snapped.to_dict() == {"a": 5.5, "b": 2.5, "c": 92.0} and snapped.sum() == 100
    thirds = se.snap(pd.Series({"a": 100 / 3, "b": 100 / 3, "c": 100 / 3}), pd.Series(1.0, index=list("abc")), 100)
    assert sorted(thirds) == [33, 33, 34]


def test_drawn_from_one_evaluation_and_redrawn_on_change(explorer, monkeypatch):
    ui = explorer.show_widgets()
    m = explorer.model
    assert list(ui.sliders) == list(m.ids)
    assert [s.value for s in ui.sliders.values()] == list(m.nominal)
    assert ui.sliders["A1"].step == 0.5 and ui.sliders["C1"].max == 30
    assert _html(ui.out).startswith(sf.explorer_html(m, m.weights_vector(None), "en"))
    # the sentence, then the scores, the county map and the weights
    assert [list(o["data"]) for o in ui.out.outputs] == [["text/html"], [PLOTLY_MIME], [PLOTLY_MIME], [PLOTLY_MIME]]
    calls = []
    real = type(m).evaluate
    monkeypatch.setattr(type(m), "evaluate", lambda self, w=None: calls.append(1) or real(self, w))
    ui.boxes["C1"].value = 0.0  # a typed value moves the slider and redraws once
    assert ui.sliders["C1"].value == 0.0 and len(calls) == 1
    monkeypatch.undo()
    score = _figures(ui.out)[0]
    names = score["layout"]["yaxis"]["ticktext"]
    assert len(names) == m.n_regions and set(names) == set(m.names.reindex(m.regions))  # counties by name
    assert {t["name"] for t in score["data"] if t["type"] == "bar"} <= {"certified", "not certified", "undecided"}
    assert all(isinstance(t["marker"]["color"], str) for t in score["data"])  # one colour per trace
    title, legend = score["layout"]["title"], score["layout"]["legend"]
    assert title["yref"] == legend["yref"] == "container" and legend["y"] < 1 - 30 / score["layout"]["height"]
    first = explorer.scenarios[0]
    ui.preset.value = first.id  # one redraw, the preset snapped to the steps
    snapped = explorer.preset_weights(first.id)
    assert [s.value for s in ui.sliders.values()] == list(snapped) and snapped.sum() == m.total
    assert all(abs(v / s.step - round(v / s.step)) < 1e-9 for v, s in zip(snapped, ui.sliders.values(), strict=True))
    for s in ui.sliders.values():
        s.value = 0.0
    assert "at least one weight must be above 0" in _html(ui.out)


def test_ab_comparison(explorer):
    ui = explorer.show_widgets(pickers=False)
    ui.compare.value = explorer.scenarios[0].id
    assert "A/B comparison" in _html(ui.out) and f"scenario B ({explorer.scenarios[0].name_en})" in _html(ui.out)
    ui.sliders["C1"].value = 0.0
    ui.pin.click()
    assert "scenario B (pinned weights)" in _html(ui.out)
    a = explorer.model.evaluate(None)
    html = se.compare_html(explorer.model, a, a, "x", "y", "en")
    assert "0 verdicts and 0 ranks or verdicts differ" in html and "<table" not in html


def test_pickers_reload_scope(explorer):
    ui = explorer.show_widgets()
    assert ui.year.options == tuple(explorer.years) and 2024 in explorer.years
    assert ("西安市", "西安市") in ui.scope.options or ui.scope.options[0][1] == "province"
    ui.scope.value = "宝鸡市"
    ui.year.value = 2022  # the scope stays
    assert explorer.model.year == 2022 and explorer.model.area == "宝鸡市" and ui.scope.value == "宝鸡市"
    ui.rubric.value = "henan-2021"  # its own jurisdiction's demo (Henan's counties), the whole province
    assert explorer.model.rubric.name == "henan-2021" and list(explorer.model.ids)[0] == "H1.1"
    assert set(explorer.model.evaluate(None)["region"].str[:2]) == {"41"} and ui.scope.value == "province"
    ui.rubric.value = "shaanxi-2020"  # and back, for the tests that follow
    assert explorer.model.rubric.name == "shaanxi-2020" and explorer.model.n_regions > 100


def test_save_export_and_reload(explorer, folders):
    m = explorer.model
    w = explorer.preset_weights("nominal").copy()
    w["C1"] = 0.0
    path = se.save_scenario("no-c1", m, w, folders[0], lang="en")
    assert path == folders[0] / "no-c1.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["rubric"] == "shaanxi-2020" and doc["scenarios"][0]["id"] == "no-c1"
    (loaded,) = load_scenarios(m.rubric, path, lang="en")
    assert loaded.weights.sum() == pytest.approx(m.total) and loaded.weights["C1"] == 0
    assert [s.id for s in se.saved_scenarios(m.rubric, folders[0])] == ["no-c1"]
    for bad in ("../evil", "a/b", ".hidden", "", "x" * 61, "shaanxi-2020", "名字"):
        with pytest.raises(se.ExplorerError):
            se.save_scenario(bad, m, w, folders[0])
    with pytest.raises(se.ExplorerError, match="exists already"):
        se.save_scenario("no-c1", m, w, folders[0], lang="en")
    assert sorted(p.name for p in folders[0].iterdir()) == ["no-c1.yaml"]  # nothing else written
    xlsx = se.export_results("no-c1", m, w, folders[1], lang="en", synthetic=True)
    with pytest.raises(se.ExplorerError, match="exists already"):  # an earlier export is never replaced
        se.export_results("no-c1", m, w, folders[1], lang="en", synthetic=True)
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["results", "weights", "about"]
    rows = list(wb["results"].iter_rows(values_only=True))
    assert rows[0][:3] == ("code", "region", "score") and len(rows) == m.n_regions + 1
    assert ("data", "synthetic demo data") in list(wb["about"].iter_rows(values_only=True))
    # The widgets: a saved scenario becomes a preset; a bad name is said, not raised.
    ui = explorer.show_widgets(pickers=False)
    assert "no-c1" in [v for _, v in ui.preset.options]
    ui.name.value = "../x"
    ui.save.click()
    assert "not valid" in ui.status.value
    ui.name.value = "typed"
    ui.export.click()
    assert "exported" in ui.status.value and (folders[1] / "typed.xlsx").is_file()


def test_formula_like_names_are_text_in_excel(explorer, tmp_path):
    ev = explorer.model.evaluate(None)
    ev.loc[0, "name"] = "=HYPERLINK(\"http://x\")"
    frame = se.results_frame(explorer.model, ev, "en")
    from creditlab.core.safecells import write_xlsx

    wb = load_workbook(write_xlsx({"r": frame}, tmp_path / "r.xlsx"))
    cell = wb["r"]["B2"]
    assert cell.data_type == "s"


def test_language_from_the_environment(monkeypatch):
    """creditlab app --lang en sets CREDITLAB_LANG for the kernels; the notebooks' LANGUAGE is empty."""
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    ex = ScenarioExplorer.from_params("shaanxi-2020", scope="西安市", language="")
    assert ex.lang == "en"


def test_app_mode_draws_into_standing_divs(explorer, monkeypatch):
    monkeypatch.setenv(se.PLOTLY_URL_ENV, "/voila/static/plotly.min.js")
    ui = explorer.show_widgets(pickers=False)
    ids = ui.chart_ids
    assert all(f'id="{i}"' in ui.charts.value for i in ids.values())
    names = explorer.model.names.reindex(explorer.model.regions)
    assert "creditlab-names" in ui.charts.value and all(n in ui.charts.value for n in names)  # drawn once, HTML
    script = ui.out.outputs[-1]["data"]["text/html"]
    assert script.startswith("<script>") and "Plotly.react" in script and "/voila/static/plotly.min.js" in script
    assert not any(PLOTLY_MIME in o["data"] for o in ui.out.outputs)  # each figure sent once, inside the script
    before = ui.charts.value
    ui.sliders["C1"].value = 0.0
    assert ui.charts.value == before  # the names column stays; only the script output changes
    evil = se.charts_script({"x": {"data": [{"type": "bar", "name": "</script><b>"}]}}, "/p.js")
    assert "</script><b>" not in evil and evil.count("</script>") == 1


def test_header_and_scenarios(explorer):
    assert "synthetic" in explorer.banner_html().lower()  # the bundled demo data
    assert explorer.summary().endswith(f"weights {', '.join(explorer.model.ids)}")
    assert explorer.scenarios_html() == sf.scenarios_html(explorer.model, explorer.scenarios, "en")
    with pytest.raises(ValueError, match="language must be one of zh, en"):
        ScenarioExplorer.from_params("shaanxi-2020", language="fr")


def test_many_regions_named_in_the_hover():
    ev = pd.DataFrame({"region": [str(i) for i in range(200)], "name": [f"县{i}" for i in range(200)],
                       "score": range(200), "rank": range(1, 201), "tied": False, "nominal_score": range(200),
                       "nominal_rank": range(1, 201), "nominal_tied": False, "verdict": "certified"})
    fig = se.score_chart(ev, 85.0, "zh")
    assert fig["layout"]["yaxis"]["ticktext"] == [] and "县7" in fig["data"][0]["hovertext"]
    assert fig["data"][0]["hovertemplate"].startswith("%{hovertext}：%{x:.1f}分")
    assert json.dumps(fig)  # plain JSON, as sent


def test_switching_rubrics_and_back_keeps_the_analysts_own_data(tmp_path):
    """A → B → A: A's files come back (B, seen first here, shows its bundled demo data)."""
    own = tmp_path / "2024_indicators.csv"
    own.write_bytes((creditlab.paths.data_dir() / "demo" / "shaanxi-2020_indicators.csv").read_bytes())
    ex = ScenarioExplorer.from_params("shaanxi-2020", str(own), "", language="en")
    assert not ex.synthetic  # a copy without the demo's metadata is the analyst's own file
    ui = ex.show_widgets()
    ui.rubric.value = "henan-2021"
    assert ex.model.rubric.name == "henan-2021" and ex.synthetic
    ui.rubric.value = "shaanxi-2020"
    assert ex.data == str(own) and not ex.synthetic
