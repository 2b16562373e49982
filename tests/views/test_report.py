"""The county report: parameter checks, what it shows, escaping, and the notebook run by papermill."""
from __future__ import annotations

import json
import pickle
import re
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import papermill as pm
import pytest

from creditlab import batch, report
from helpers import ROOT, YEAR, DemoBatch, demo_batch, pick_counties, run_warm


@pytest.fixture(scope="module")
def ev() -> report.Evaluation:
    return report.evaluate(report.resolve_inputs("shaanxi-2020"))


@pytest.fixture(scope="module")
def picks(ev: report.Evaluation) -> tuple[str, str, str]:
    return pick_counties(ev)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> DemoBatch:
    return demo_batch(tmp_path_factory)


def _ns(**kw: object) -> dict[str, object]:
    ns: dict[str, object] = {"region": "610103", "year": YEAR, "rubric": "shaanxi-2020", "data": "", "context": "",
                             "scope": "province", "language": "zh", "output": "", "cache": ""}
    ns.update(kw)
    return ns


def _report(ev: report.Evaluation, **kw: object) -> report.CountyReport:
    return report.CountyReport(ev, report.check_params(_ns(**kw), set()))


def test_parameters_are_checked() -> None:
    params = report.check_params(_ns(region=610103), set())  # papermill's CLI passes digits as an int
    assert params.region == "610103" and params.inputs.data[0].name == "shaanxi-2020_indicators.csv"
    assert [p.name for p in params.inputs.context] == ["context.csv", "national_npl.csv"]
    cases = [
        (_ns(regoin="610103"), "unknown parameter 'regoin' — did you mean 'region'"),
        (_ns(region="61010"), "6-digit code"),
        (_ns(region="../x"), "6-digit code"),
        (_ns(language="fr"), "language"),
        (_ns(scope="county"), "scope"),
        (_ns(rubric="shaanxi-1999"), "unknown rubric"),
        (_ns(data="/nonexistent/data.csv"), "not found"),
        (_ns(year="2024"), "'year' should be int"),
    ]
    for ns, message in cases:
        with pytest.raises(report.ReportError, match=re.escape(message)):
            report.check_params(ns, set())


def test_unknown_region_or_year_stops_with_a_clear_message(ev: report.Evaluation) -> None:
    with pytest.raises(report.ReportError, match="unknown region '610199'"):
        _report(ev, region="610199")
    with pytest.raises(report.ReportError, match=r"碑林区（610103）2019年没有指标数据（未报送）；有数据的年份"):
        _report(ev, year=2019)
    with pytest.raises(report.ReportError, match=r"no data for region 610103 \(碑林区\) in 2019; years with data"):
        _report(ev, year=2019, language="en")
    # IPython shows the message, not a traceback.
    assert report.ReportError("x")._render_traceback_() == ["ReportError: x"]


def test_levels_mandatory_verdict_gaps_change_rank(ev: report.Evaluation, picks: tuple[str, str, str]) -> None:
    certified, failing, _ = picks
    rep = _report(ev, region=certified)
    lv = rep.levels()
    assert list(lv["level"]).count("level1") == 3 and list(lv["level"]).count("level2") == 12
    assert lv.loc[lv["level"] == "total", "max_points"].item() == 100
    l1 = lv[lv["level"] == "level1"]
    assert np.isclose(l1["points"].sum(), rep.total()["points"])
    assert rep.verdict_row["verdict"] == "certified" and rep.mandatory()["met"].all()
    assert set(rep.conditions()["result"]) == {"pass"}
    assert rep.change() is not None and rep.previous_verdict() is not None
    pos = rep.position()
    peers = rep.peers()
    assert pos["peers"] == len(peers) == len(ev.units[~ev.units["is_park"]])
    assert peers["is_self"].sum() == 1 and pos["percentile"] == (pos["rank"] - 1) / pos["peers"] * 100
    city = _report(ev, region=certified, scope="city").peers()
    assert set(ev.units.set_index("code").loc[city["region"], "city_code"]) == {rep.unit["city_code"]}
    gaps = rep.gaps()
    assert (gaps["gap"].diff().dropna() <= 1e-9).all()
    bad = _report(ev, region=failing)
    assert bad.verdict_row["verdict"] == "not_certified"
    assert (bad.mandatory()["met"] == False).any()  # noqa: E712 - nullable boolean
    assert "✗ 不符合" in bad.mandatory_html() and "不符合认定条件" in bad.certification_html()


def test_facts_and_page_are_split(ev: report.Evaluation, picks: tuple[str, str, str]) -> None:
    """The county's facts are computed without any HTML; the page shows those very facts."""
    params = report.check_params(_ns(region=picks[0]), set())
    facts, page = report.CountyFacts(ev, params), report.CountyReport(ev, params)
    assert isinstance(page, report.CountyFacts)
    assert not [m for m in dir(facts) if m.endswith(("_html", "_chart")) or m in ("results", "write_results")]
    assert facts.total() == page.total() and facts.position() == page.position()
    for name in ("levels", "criteria", "mandatory", "conditions", "peers"):
        assert getattr(facts, name)().equals(getattr(page, name)()), name


def test_not_assessed_is_never_zero(ev: report.Evaluation, picks: tuple[str, str, str]) -> None:
    rep = _report(ev, region=picks[2])
    na = rep.not_assessed()
    assert len(na) and na["points"].isna().all() and na["gap"].isna().all()
    assert rep.total()["status"] == "incomplete" and rep.total()["missing_max"] == na["max_points"].sum()
    html = rep.criteria_html()
    assert html.count("未评估") >= 2 * len(na)  # the points cell and the status cell of each row
    assert "按未评估列示，不计为0分" in rep.levels_html()
    assert set(rep.gaps()["id"]).isdisjoint(set(na["id"]))
    doc = rep.results()
    json.dumps(doc, allow_nan=False)
    assert all(c["points"] is None for c in doc["criteria"] if c["status"] == "not_assessed")


def test_everything_from_data_files_is_escaped(ev: report.Evaluation) -> None:
    units = ev.units.copy()
    units.loc[units["code"] == "610103", "name"] = '<script>alert("x")</script>'
    units.loc[units["code"] == "610103", "city"] = "<img src=x onerror=alert(1)>"
    rep = report.CountyReport(replace(ev, units=units), report.check_params(_ns(), set()))
    html = "".join([rep.header_html(), rep.levels_html(), rep.rank_html(), rep.provenance_html()])
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert report.check_region_code("KF610101") == "KF610101"
    with pytest.raises(report.ReportError):
        report.check_region_code("610103/../../x")


def test_english_report(ev: report.Evaluation) -> None:
    rep = _report(ev, language="en")
    html = rep.header_html() + rep.certification_html()
    assert "Beilin District" in html and "social-credit-system construction evaluation 2024" in html
    assert "Condition 1" in html


def test_results_file_is_written_atomically(ev: report.Evaluation, tmp_path: Path) -> None:
    rep = _report(ev, output=str(tmp_path))
    path = rep.write_results()
    assert path == tmp_path / "610103.json" and [p.name for p in tmp_path.iterdir()] == ["610103.json"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["provenance"]["run_date"] == doc["provenance"]["run_at"][:10]
    assert doc["rubric"]["threshold"] == 85


def test_cached_evaluation_is_used_only_for_the_same_inputs(ev: report.Evaluation, tmp_path: Path) -> None:
    inputs = report.resolve_inputs("shaanxi-2020")
    cache = report.save_evaluation(ev, tmp_path / "ev.pkl")
    assert report.load_evaluation(inputs, cache).computed_at == ev.computed_at
    stale = replace(ev, key="0" * 64, computed_at="stale")
    with open(tmp_path / "stale.pkl", "wb") as fh:
        pickle.dump(stale, fh)
    assert report.load_evaluation(inputs, tmp_path / "stale.pkl").computed_at != "stale"


def test_notebook_is_committed_clean_and_thin() -> None:
    nb = nbformat.read(str(report.NOTEBOOK), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert nb.metadata.kernelspec.name == "creditlab"
    tags = [c.metadata.get("tags", []) for c in code]
    i = next(i for i, t in enumerate(tags) if "parameters" in t)
    assert "_names_before = set(globals())" in code[i - 1].source
    assert "report.check_params(globals(), _names_before)" in code[i + 1].source
    def statements(c) -> int:  # comments say why; they are not code
        return len([x for x in c.source.splitlines() if x.strip() and not x.lstrip().startswith("#")])
    assert all(statements(c) <= 4 for j, c in enumerate(code) if j != i)


def test_misspelled_parameter_stops_the_papermill_run(tmp_path: Path, warm_kernel: batch.WarmKernel) -> None:
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as info:
        run_warm(warm_kernel, report.NOTEBOOK, out, {"regoin": "610103", "output": str(tmp_path)})
    assert info.value.ename == "ReportError"
    assert "unknown parameter 'regoin' — did you mean 'region'?" in info.value.evalue
    assert not list(tmp_path.glob("*.json"))


def test_warm_kernel_gives_the_same_report_as_a_fresh_papermill_run(shared: DemoBatch, tmp_path: Path) -> None:
    """The batch ran ``shared.missing`` third on its worker's warm kernel; papermill starts a new one."""
    code = shared.missing
    out = tmp_path / f"{code}.ipynb"
    nb = pm.execute_notebook(str(report.NOTEBOOK), str(out), kernel_name="creditlab", progress_bar=False,
                             parameters={"region": code, "year": YEAR, "output": str(tmp_path), **shared.inputs()})
    fresh = json.loads((tmp_path / f"{code}.json").read_text(encoding="utf-8"))
    warm = json.loads((shared.year_dir / f"{code}.json").read_text(encoding="utf-8"))
    for doc in (fresh, warm):
        for key in ("run_at", "run_date", "notebook", "parameters", "digest"):
            doc["provenance"].pop(key, None)
    assert fresh == warm

    def normalise(html: str) -> str:
        html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", html)
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", "TIME", html)

    assert normalise(batch.export_html(nb, fresh)) == normalise(
        (shared.year_dir / f"{code}.html").read_text(encoding="utf-8"))
    # The project's kernel, inside this venv, ran it.
    assert nb.metadata.kernelspec.name == "creditlab"
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("creditlab")
    assert Path(spec.resource_dir).resolve().is_relative_to(Path(sys.prefix).resolve())
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()


def test_a_county_has_the_same_rank_in_every_output(ev: report.Evaluation, shared: DemoBatch) -> None:
    """Report, index, scenario explorer and sensitivity report: one rank over one population."""
    from creditlab import htmlpage
    from creditlab import sensitivity_figures as sf

    model, _, _ = sf.load_model("shaanxi-2020", year=YEAR)
    explorer = model.evaluate().set_index("region")
    summary = model.monte_carlo("uniform", 0.1, 20, seed=1).summary.set_index("region")
    fig = sf.scores_figure(model.evaluate(), 85.0)
    hover = dict(zip(fig.data[0].x, fig.data[0].customdata[:, 1], strict=True))
    tied = explorer[explorer["tied"] & ~explorer["is_park"]].index[0]  # 米脂县 is one, at 第82名 (not 91 or 90)
    codes = [tied, *shared.codes]
    docs = [_report(ev, region=c).results() for c in codes]
    index = htmlpage.index_page(docs, YEAR)
    for code, doc in zip(codes, docs, strict=True):
        pos = doc["rank"]
        assert pos["population_zh"] == "全省107个县（市、区）" and pos["peers"] == 107
        assert explorer.loc[code, "nominal_rank"] == summary.loc[code, "nominal_rank"] == pos["rank"]
        assert explorer.loc[code, "peers"] == pos["peers"] and explorer.loc[code, "nominal_tied"] == pos["tied"]
        assert hover[explorer.loc[code, "name"]] == pos["rank_zh"]
        assert re.search(f'<td class="num"[^>]*>{pos["rank_zh"]}</td><td>{code}</td>', index)
    assert docs[0]["rank"]["rank_zh"].startswith("并列第")
    assert "范围：全省107个县（市、区）" in index
    rep = _report(ev, region=tied)
    assert f"在全省107个县（市、区）中综合评分排{docs[0]['rank']['rank_zh']}" in rep.rank_html()
    assert "百分位" not in rep.rank_html().split("</h2>")[1] and "位于前" in rep.rank_html()
    # The reports the batch made with papermill say the same.
    for code in shared.codes:
        doc = json.loads((shared.year_dir / f"{code}.json").read_text(encoding="utf-8"))
        assert doc["rank"]["rank"] == explorer.loc[code, "nominal_rank"]
        assert doc["rank"]["rank_zh"] in (shared.year_dir / "index.html").read_text(encoding="utf-8")
    # A city scope: the city's counties, named.
    city = _report(ev, region=tied, scope="city").position()
    cmodel = sf.load_model("shaanxi-2020", year=YEAR, scope=city["population_zh"][:3])[0]
    assert cmodel.evaluate().set_index("region").loc[tied, "nominal_rank"] == city["rank"]
    assert cmodel.population(False) == city["population_zh"]


def test_every_label_table_knows_every_verdict() -> None:
    from creditlab import htmlpage
    from creditlab import sensitivity_figures as sf
    from creditlab.certification import VERDICTS

    assert "not_eligible" in VERDICTS
    for v in VERDICTS:
        assert v in report.VERDICT_LABELS and v in htmlpage.VERDICT_COLORS and v in sf.VERDICT_WORDS
        assert f".verdict.{v}" in htmlpage.COMPONENT_CSS
    assert report.VERDICT_LABELS["not_eligible"] == ("不具备推荐资格", "not eligible for recommendation")
    assert sf.VERDICT_WORDS["not_eligible"][0] == "不具备推荐资格"


def test_henan_exclusion_reads_as_the_source_in_the_report(tmp_path: Path) -> None:
    import pandas as pd

    from creditlab import load_rubric

    hn = load_rubric("henan-2021")
    codes = ["410103", "410104"]  # in the guidance's jurisdiction, 河南省
    pd.DataFrame([(c, 2022, cid, 70.0) for c in codes for cid in hn.criteria["id"]],
                 columns=["region", "year", "criterion", "value"]).to_csv(tmp_path / "d.csv", index=False)
    flags = ["major_safety_accident_3y", "major_pollution_accident_3y", "energy_target_missed",
             "statistical_fraud", "government_is_debtor"]
    ctx = pd.DataFrame([{"region": c, "year": 2022, **{f: "否" for f in flags}} for c in codes])
    ctx.loc[1, "major_safety_accident_3y"] = "是"
    ctx.to_csv(tmp_path / "c.csv", index=False)
    ev = report.evaluate(report.resolve_inputs("henan-2021", str(tmp_path / "d.csv"), str(tmp_path / "c.csv")))
    ok, hit = (report.CountyReport(ev, report.check_params(
        _ns(region=c, year=2022, rubric="henan-2021", data=str(tmp_path / "d.csv"), context=str(tmp_path / "c.csv")),
        set())).certification_html() for c in codes)
    assert "符合参评条件" in ok and "三年内未发生重特大安全生产事故 ✓" in ok and "符合</span>" not in ok
    assert "不具备推荐资格" in hit and "三年内发生重特大安全生产事故 ✗" in hit and "不符合认定条件" not in hit
    en = report.CountyReport(ev, report.check_params(
        _ns(region=codes[1], year=2022, rubric="henan-2021", data=str(tmp_path / "d.csv"),
            context=str(tmp_path / "c.csv"), language="en"), set())).certification_html()
    assert "not eligible for recommendation" in en
    assert "work-safety accident within three years ✗</span>: major safety accident" in en and "：" not in en


# --- issue 11: real and synthetic never mix; no data is not zero; chart text is text ----------------

def real_copy(folder: Path, city: str = "6102", blank: str | None = None) -> Path:
    """A 'real' data file (no metadata.yaml beside it): the demo values of one city's units, with every
    value of ``blank`` in YEAR removed (a county that returned an empty form)."""
    import pandas as pd

    frame = pd.read_csv(ROOT / "data" / "demo" / "shaanxi-2020_indicators.csv", dtype=str, keep_default_na=False)
    frame = frame[frame["region"].str.removeprefix("KF").str.startswith(city)].copy()
    if blank:
        frame.loc[(frame["region"] == blank) & (frame["year"] == str(YEAR)), "value"] = ""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "indicators.csv"
    frame.to_csv(path, index=False)
    return path


def test_real_data_without_context_never_takes_the_demo_context(tmp_path: Path) -> None:
    path = real_copy(tmp_path / "real")
    inputs = report.resolve_inputs("shaanxi-2020", str(path))
    assert inputs.context == ()  # the old code silently added data/demo/context.csv and national_npl.csv
    ev = report.evaluate(inputs)
    assert not ev.synthetic and ev.synthetic_inputs == () and not ev.has_context
    assert ev.context_conditions == ("C3", "C4", "C5", "C6")
    cond = ev.conditions[ev.conditions["condition"].isin(ev.context_conditions)]
    assert set(cond["result"]) == {"unknown"}  # never decided by someone else's context
    assert cond["reason_zh"].str.endswith("未评估（未提供认定条件数据）").all()
    assert set(ev.verdicts["verdict"]) <= {"undecided", "not_certified"}
    rep = _report(ev, region="610202", data=str(path))
    html = rep.header_html() + rep.certification_html()
    assert "模拟数据" not in html and "creditlab-banner" not in html
    assert "认定条件3、4、5、6未评估（未提供认定条件数据）" in html
    doc = rep.results()
    assert doc["context_supplied"] is False and doc["synthetic"] is False and doc["synthetic_inputs"] == []
    assert doc["not_assessed_conditions"] == ["C3", "C4", "C5", "C6"]
    assert doc["verdict_note_zh"] == "认定条件3、4、5、6未评估（未提供认定条件数据）"
    assert all(r.endswith("未评估（未提供认定条件数据）") for r in doc["reasons"][2:])
    en = _report(ev, region="610202", data=str(path), language="en")
    assert "not assessed (no certification-condition data supplied)" in en.certification_html()
    # The bundled demo data (no --data) still comes with its demo context.
    assert [p.name for p in report.resolve_inputs("shaanxi-2020").context] == ["context.csv", "national_npl.csv"]


def test_banner_names_exactly_the_synthetic_inputs(tmp_path: Path) -> None:
    path = real_copy(tmp_path / "real")
    demo = ROOT / "data" / "demo"
    mixed = report.evaluate(report.resolve_inputs("shaanxi-2020", str(path), [str(demo / "context.csv"),
                                                                              str(demo / "national_npl.csv")]))
    assert mixed.synthetic and mixed.synthetic_inputs == ("context",)
    header = _report(mixed, region="610202", data=str(path)).header_html()
    assert "模拟数据 — 本报告的认定条件数据为程序生成的模拟数据" in header and "指标数据" not in header
    both = report.evaluate(report.resolve_inputs("shaanxi-2020"))
    assert both.synthetic_inputs == ("data", "context")
    assert "本报告的指标数据和认定条件数据为程序生成的模拟数据" in _report(both).header_html()
    assert _report(both).results()["synthetic_inputs"] == ["data", "context"]
    assert _report(both).results()["banner"].startswith("模拟数据 — 本报告的指标数据和认定条件数据")
    real = report.evaluate(report.resolve_inputs("shaanxi-2020", str(path)))
    assert _report(real, region="610202", data=str(path)).results()["banner"] == ""


def test_a_county_that_returned_nothing_has_no_score_and_no_rank(tmp_path: Path) -> None:
    path = real_copy(tmp_path / "real", city="6103", blank="610323")  # 岐山县 returned an empty form
    ev = report.evaluate(report.resolve_inputs("shaanxi-2020", str(path)))
    assert "610323" not in ev.regions(YEAR) and YEAR not in ev.years("610323") and ev.has_rows("610323", YEAR)
    rep = _report(ev, region="610323", data=str(path), scope="city")
    assert rep.submitted is False and rep.position() is None
    html = rep.header_html()
    assert "未报送" in html and "0.0 / 100" not in html and "不计入平均分" in html
    assert rep.levels_html() == "" and rep.rank_html() == "" and rep.rank_chart() is None
    doc = rep.results()
    assert doc["submitted"] is False and doc["total"]["points"] is None and doc["verdict"] is None
    assert doc["rank"] is None and doc["verdict_zh"] == "未报送"
    json.dumps(doc, allow_nan=False)
    # Its peers rank among the 11 counties that reported, not 12 (it is no 0-point last place).
    peer = _report(ev, region="610324", data=str(path), scope="city")
    assert peer.position()["peers"] == 11 and "610323" not in set(peer.peers()["region"])
    # A unit not in the data at all is still an error, not a report.
    with pytest.raises(report.ReportError, match="（610102）2024年没有指标数据"):
        _report(ev, region="610102", data=str(path))


def test_region_names_are_text_in_charts(ev: report.Evaluation) -> None:
    units = ev.units.copy()
    units.loc[units["code"] == "610103", "name"] = '<a href="x">岐山县</a>'
    units.loc[units["code"] == "610103", "city"] = '<a href="y">西安市</a>'
    rep = report.CountyReport(replace(ev, units=units), report.check_params(_ns(scope="city"), set()))
    for fig in (rep.rank_chart(), rep.levels_chart()):
        assert "<a" not in chart_strings(fig)
    text = chart_strings(rep.rank_chart())
    assert '&lt;a href=\\"x\\"&gt;岐山县&lt;/a&gt;' in text  # shown as written, not as a link
    assert '&lt;a href=\\"y\\"&gt;西安市&lt;/a&gt;' in text  # the city in the title


def chart_strings(fig) -> str:
    """Every string of a figure as plotly.js receives it (JSON decoded: no \\u003c escapes)."""
    return json.dumps(json.loads(fig.to_json()), ensure_ascii=False)


# --- issue 13: each rubric on its own jurisdiction ---------------------------------------------------

def test_linyi_report_gives_scores_and_ranks_and_no_verdict() -> None:
    ev = report.evaluate(report.resolve_inputs("linyi-2019"))  # the demo: 临沂市's 3 districts and 9 counties
    assert set(ev.units["code"]) == {"371302", "371311", "371312", *(f"3713{n}" for n in range(21, 30))}
    rep = _report(ev, region="371302", year=2024, rubric="linyi-2019")
    header = rep.header_html()
    assert "不设认定（仅评分和排名）" in header and "在临沂市12个县（市、区）中" in header and "兰山区" in header
    assert "不设认定条件" in rep.certification_html() and "未提供认定条件数据" not in rep.certification_html()
    assert rep.mandatory_html() == ""  # the rubric has no 必备条件
    results = rep.results()
    assert results["verdict"] == "no_certification" and results["rank"]["peers"] == 12
    en = _report(ev, region="371302", year=2024, rubric="linyi-2019", language="en")
    assert "no certification path" in en.header_html() and "among the 12 counties (cities, districts) of Linyi" \
        in en.header_html()


def test_henan_demo_report_on_henans_counties() -> None:
    ev = report.evaluate(report.resolve_inputs("henan-2021"))
    assert len(ev.units) == 157 and set(ev.verdicts["verdict"]) <= {"eligible", "not_eligible", "undecided"}
    rep = _report(ev, region="419001", year=2023, rubric="henan-2021")  # 济源市, directly under the province
    assert "济源市" in rep.header_html() and "在全省157个县（市、区）中" in rep.header_html()
    assert "不得参与示范县" in rep.certification_html()


def test_the_header_gives_the_verdict_with_its_reason(ev: report.Evaluation) -> None:
    rep = _report(ev, region="610430")  # 淳化县: 93.5 points, not certified for its NPL ratio
    head = rep.header_html()
    line = "淳化县 93.5 / 100 · 不符合认定条件 — 条件6：不良贷款率 1.75% ≥ 全国平均 1.50%"
    assert f'<p class="headline">{line}</p>' in head
    assert head.index("条件6") < head.index('class="cards"')  # at the top, before the key figures
    res = rep.results()
    assert res["reason_zh"] == rep.reason("zh") == "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%"
    assert res["reason_en"].startswith("Condition 6: non-performing-loan ratio 1.75%")


CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _without_banner(html: str) -> str:
    """The page without the synthetic-data banner, which always starts with 模拟数据 (the brief's wording)."""
    html = re.sub(r'<div class="creditlab-banner".*?</div>', "", html, flags=re.S)
    return re.sub(r'content:\s*"模拟数据[^"]*"', "", html)  # the same banner repeated on every printed page


def test_english_report_and_index_are_english_throughout(ev: report.Evaluation) -> None:
    from creditlab import htmlpage

    docs = []
    for code in ("610430", "610103", "KF610101", "KF610701"):  # counties and development zones
        rep = _report(ev, region=code, language="en")
        html = "".join([rep.header_html(), rep.levels_html(), rep.mandatory_html(), rep.certification_html(),
                        rep.gaps_html(), rep.change_html(), rep.rank_html(), rep.criteria_html(),
                        rep.provenance_html(), rep.levels_chart().to_json(), rep.rank_chart().to_json()])
        assert "模拟数据" in html  # the banner is there ...
        hits = CJK.findall(_without_banner(html))
        assert not hits, (code, "".join(hits)[:80])  # ... and nothing else in Chinese
        docs.append(rep.results())
    assert docs[2]["name_en"] == "Xi'an High-tech Industrial Development Zone"
    missing = [{"region": "610323", "name": "岐山县", "name_en": "Qishan County", "city": "宝鸡市", "city_en": "Baoji",
                "city_code": "610300"}]
    index = htmlpage.index_page(docs, YEAR, "en", scope=batch.index_scope("*", ev.units), not_submitted=missing)
    hits = CJK.findall(_without_banner(index))
    assert not hits, "".join(hits)[:80]
    assert "Chunhua County" in index and "Condition 6: non-performing-loan ratio 1.75%" in index


def _sections(rep: report.CountyReport) -> dict[str, object]:
    doc = rep.results()
    doc["provenance"].pop("run_at"), doc["provenance"].pop("run_date")
    html = [getattr(rep, m)() for m in ("header_html", "levels_html", "mandatory_html", "certification_html",
                                       "gaps_html", "change_html", "rank_html", "criteria_html")]
    return {"results": doc, "html": html, "charts": [rep.levels_chart().to_json(), rep.rank_chart().to_json()]}


@pytest.mark.parametrize("scope", ["province", "city"])
def test_a_countys_parts_give_the_same_report_as_the_whole_evaluation(ev: report.Evaluation,
                                                                      picks: tuple[str, str, str], scope: str,
                                                                      tmp_path: Path) -> None:
    codes = [*picks, "KF610801"]
    cache = report.save_county_parts(ev, YEAR, scope, codes, tmp_path)
    parts = sorted(p.name for p in (tmp_path / report.COUNTY_DIR).iterdir())
    assert parts == sorted(f"{c}.pkl" for c in codes)
    for code in codes:
        params = report.check_params(_ns(region=code, scope=scope, cache=str(cache)), set())
        part = report.load_evaluation(params.inputs, params.cache, params)
        assert isinstance(part, report.CountyEvaluation) and set(part.scores["region"].astype(str)) == {code}
        assert _sections(report.CountyReport(part, params)) == _sections(report.CountyReport(ev, params))
    # Another year, scope or county than the parts hold: computed afresh, never the wrong rows.
    spare = next(c for c in ev.units["code"] if c not in codes and ev.has_rows(c, YEAR))
    params = report.check_params(_ns(region=spare, scope=scope, cache=str(cache)), set())
    assert not isinstance(report.load_evaluation(params.inputs, cache, params), report.CountyEvaluation)
    other = "city" if scope == "province" else "province"
    params = report.check_params(_ns(region=codes[0], scope=other, cache=str(cache)), set())
    assert not isinstance(report.load_evaluation(params.inputs, cache, params), report.CountyEvaluation)


def test_the_rank_chart_does_not_grow_with_the_scope(ev: report.Evaluation, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from creditlab.runs.synthetic import write_scope

    small = _report(ev, region="610103").rank_chart()
    assert [len(t.x) for t in small.data] == [len(ev.units[~ev.units["is_park"]]) - 1, 1]  # peers, and this county
    assert all(isinstance(t.marker.color, str) for t in small.data)  # one colour per trace, not per bar
    monkeypatch.setenv("CREDITLAB_DATA", str(write_scope(tmp_path / "data", 400)))
    big_ev = report.evaluate(report.resolve_inputs("shaanxi-2020"))
    big = report.CountyReport(big_ev, report.check_params(_ns(region="610101"), set()))
    fig = big.rank_chart()
    assert big.position()["peers"] == 400 and len(fig.data) == 1 and len(fig.data[0].x) <= 101
    assert sum(fig.data[0].y) == 400  # every peer counted once in the distribution
    mine = big.total()["points"]
    assert any(s.type == "line" and s.x0 == mine for s in fig.layout.shapes)  # this county marked
    assert len(fig.to_json()) < len(small.to_json())
