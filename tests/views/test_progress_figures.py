"""The plan-progress and city-rankings pieces on the real demo data (what plan_progress.ipynb and
city_rankings.ipynb show, without a kernel)."""
import creditlab
import creditlab.plan as cplan
import creditlab.progress_figures as pf
from creditlab import htmlpage
from creditlab.analysis import monitoring
from creditlab.core.paths import PROJECT_ROOT
from creditlab.htmlpage import esc


def test_progress_pages_escape_and_render():
    assert pf.esc is esc  # one HTML escaper
    plan = creditlab.load_plan("shaanxi-14th-fyp")
    obs = cplan.load_observations(PROJECT_ROOT / "data" / "demo" / "plan_observations.csv", plan)
    result = creditlab.assess_progress(plan, obs, 2024, method="compound")
    header = pf.plan_header_html(plan, 2024, "compound", "en", data_source="<script>x</script>")
    assert "<script>x" not in header and "&lt;script&gt;" in header
    for lang in ("zh", "en"):
        for html in (pf.summary_html(result, lang), pf.dashboard_html(result, lang), pf.action_list_html(result, lang),
                     pf.milestones_html(cplan.check_milestones(plan, obs, 2024, method="compound"), lang)):
            assert html.startswith("<") and "<script" not in html
    figs = pf.indicator_figures(result, obs, "en")
    assert figs and all(f.data for f in figs)
    assert pf.fmt_value(None) == "—" and pf.fmt_value(12.345) == "12.3" and pf.fmt_value(250.4) == "250"


def test_rankings_pieces_use_the_shared_table_and_heading():
    rankings = monitoring.load_rankings(PROJECT_ROOT / "data" / "demo" / "city_rankings.csv")
    quarter = max(rankings["quarter"])
    bulletin = monitoring.bulletin(rankings, quarter)
    trends = monitoring.city_trends(rankings)
    for lang in ("zh", "en"):
        for html in (pf.bulletin_html(bulletin, lang), pf.city_trends_html(trends, lang)):
            assert html.startswith('<h3 style="margin:18px 0 6px">')
            assert f'<table class="creditlab-table" {htmlpage.INLINE_TABLE}>' in html and "<script" not in html


PLAN_DEFAULTS = {"plan": "shaanxi-14th-fyp", "as_of": 2024, "data": "data/demo/plan_observations.csv",
                 "language": "en", "method": "linear"}
RANKINGS_DEFAULTS = {"province": "陕西", "period": "2022-06", "data": "data/demo/city_rankings.csv",
                     "low_rank_rule": "percentile:85:4", "language": "en", "plan": "shaanxi-14th-fyp"}


def test_plan_progress_report_is_what_the_notebook_shows():
    # plan_progress.ipynb builds this once from its parameters; each display cell calls one method.
    assert set(PLAN_DEFAULTS) == set(pf.PLAN_PARAMETERS)
    rep = pf.PlanProgressReport.from_params(PLAN_DEFAULTS)
    plan = creditlab.load_plan("shaanxi-14th-fyp", lang="en")
    obs = cplan.load_observations(PROJECT_ROOT / "data" / "demo" / "plan_observations.csv", plan, lang="en")
    result = creditlab.assess_progress(plan, obs, 2024, method="linear")
    assert rep.header_html().startswith('<div class="creditlab-banner"')  # demo data: the synthetic banner
    assert rep.header_html().endswith(pf.plan_header_html(plan, 2024, "linear", "en",
                                                          data_source=PLAN_DEFAULTS["data"]))
    assert rep.dashboard_html() == pf.dashboard_html(result, "en")
    assert rep.milestones_html() == (pf.milestones_heading_html("en")
                                     + pf.milestones_html(cplan.check_milestones(plan, obs, 2024, "linear"), "en"))
    assert len(rep.indicator_figures()) == len(pf.indicator_figures(result, obs, "en"))


def test_city_rankings_report_is_what_the_notebook_shows():
    assert set(RANKINGS_DEFAULTS) == set(pf.RANKINGS_PARAMETERS)
    rep = pf.CityRankingsReport.from_params(RANKINGS_DEFAULTS)
    assert rep.quarter == "2022Q2" and rep.province == "Shaanxi"
    assert rep.rankings["period"].max() <= "2022-06"  # a bulletin never sees later months
    assert "bulletin 2022Q2" in rep.header_html() and "creditlab-banner" in rep.header_html()
    assert "percentile ≥ 85" in rep.low_rank_html() and rep.average_figure().data
    assert rep.bulletin_html() == pf.bulletin_html(monitoring.bulletin(rep.rankings, "2022Q2", rep.rule), "en")
    assert rep.rank_trend_figures() and rep.city_trends_html().startswith("<h3")
    fig = rep.city_map()  # the prefecture cities' rank share in 2022-06 on the city 示意图
    rows = {r[1]: r for r in fig.data[-1].customdata}
    latest = rep.rankings[(rep.rankings["period"] == "2022-06") & (rep.rankings["group"] != "county")]
    assert set(rows) == set(latest["city_code"]) and len(rows) == 10
    xian = latest[latest["city_code"] == "610100"].iloc[0]
    assert rows["610100"][0] == "Xi'an" and rows["610100"][2] == f"top {xian['rank'] / xian['group_size']:.0%}"
    assert rows["610100"][3].startswith(f"rank {xian['rank']} of {xian['group_size']}, trend: ")
    assert "unit(s) without a shape" not in " ".join(a.text for a in fig.layout.annotations)  # no 神木市




def _trend(fig):
    return next(t for t in fig.data if "trend" in (t.name or "") or "趋势" in (t.name or ""))


def test_charts_honour_as_of_no_later_observation_is_drawn():
    rep = pf.PlanProgressReport.from_params({**PLAN_DEFAULTS, "as_of": 2022})
    assert rep.observations["year"].max() > 2022  # the file has later years: they must not show
    for fig in rep.indicator_figures():
        observed = [t for t in fig.data if t.name == "observed"]
        assert observed and max(observed[0].x) <= 2022
        assert any(s.type == "line" and s.x0 == 2022 for s in fig.layout.shapes)  # the as-of line
        assert any("as of 2022" in (a.text or "") for a in fig.layout.annotations)
    # The figures the assessment was computed from: the same as_of by default.
    figs = pf.indicator_figures(rep.assessment, rep.observations, "en")
    assert all(max(next(t for t in f.data if t.name == "observed").x) <= 2022 for f in figs)


def test_a_percent_trend_never_runs_above_100_and_says_so():
    rep = pf.PlanProgressReport.from_params({**PLAN_DEFAULTS, "as_of": 2022, "method": "compound"})
    rows = rep.assessment.sort_values("number")
    capped = 0
    for fig, (_, row) in zip(rep.indicator_figures(), rows.iterrows(), strict=True):
        trend = _trend(fig)
        if pf.is_percent(row):
            assert max(trend.y) <= 100 and min(trend.y) >= 0
            if "capped at 100 %" in trend.name:
                capped += 1
                assert max(trend.y) == 100
    assert capped >= 1  # the demo has shares whose straight trend would pass 100 %
    # An indicator that is not a share keeps its trend as fitted (credit_managers grows past any cap).
    managers = next(f for f, (_, r) in zip(rep.indicator_figures(), rows.iterrows(), strict=True)
                    if r["id"] == "credit_managers")
    assert max(_trend(managers).y) > 100 and "capped" not in _trend(managers).name
