"""The province or city summary report: parameters, the one evaluation, 未报送, the rows that close a gap,
the workbook, and the notebook run by papermill on the demo data."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import load_workbook

from creditlab import batch, report
from creditlab.views import summary as sm
from helpers import NB_DIR, ROOT, YEAR, run_warm

NOTEBOOK = NB_DIR / "summary.ipynb"


@pytest.fixture(scope="module")
def ev() -> report.Evaluation:
    return report.evaluate(report.resolve_inputs("shaanxi-2020"))


@pytest.fixture(scope="module")
def rep(ev: report.Evaluation, tmp_path_factory: pytest.TempPathFactory) -> sm.SummaryReport:
    out = tmp_path_factory.mktemp("summary")
    return sm.SummaryReport(ev, sm.check_summary_params(year=YEAR, output=str(out)))


def blank_copy(folder: Path, blank: str) -> Path:
    """The demo values (a 'real' file: no metadata.yaml beside it) with every value of ``blank`` in YEAR removed."""
    frame = pd.read_csv(ROOT / "data" / "demo" / "shaanxi-2020_indicators.csv", dtype=str, keep_default_na=False)
    frame.loc[(frame["region"] == blank) & (frame["year"] == str(YEAR)), "value"] = ""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "indicators.csv"
    frame.to_csv(path, index=False)
    return path


# -- parameters ------------------------------------------------------------------------------


def test_every_bad_parameter_is_named_at_once_in_chinese_by_default() -> None:
    with pytest.raises(sm.SummaryError) as err:
        sm.check_summary_params(rubric="nope", year=1800, city="火星市", language="zh")
    text = str(err.value)
    assert "3 个问题" in text or "发现 3" in text
    assert "火星市" in text and "1800" in text and "nope" in text
    assert "Traceback" not in text


def test_bad_parameters_in_english_with_language_en() -> None:
    with pytest.raises(sm.SummaryError) as err:
        sm.check_summary_params(year=2024, city="Atlantis", language="en")
    text = str(err.value)
    assert "city 'Atlantis' is not a city of the province" in text and "Baoji" in text
    assert not re.search(r"[\u4e00-\u9fff]", text)


def test_good_parameters_accept_city_names_and_codes(tmp_path: Path) -> None:
    for city in ("宝鸡市", "宝鸡", "610300"):
        p = sm.check_summary_params(year=YEAR, city=city, output=str(tmp_path))
        assert p.city == city and p.output == tmp_path.resolve() and p.lang == "zh"
    with pytest.raises(sm.SummaryError, match="language"):
        sm.check_summary_params(language="fr")
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(sm.SummaryError, match="不是文件夹"):
        sm.check_summary_params(output=str(f))


def test_notebook_parameters_are_checked_by_name() -> None:
    ns = {"rubric": "shaanxi-2020", "year": YEAR, "data": "", "context": "", "city": "", "province": "",
          "language": "zh", "output": "", "citty": "宝鸡市"}
    with pytest.raises(sm.SummaryError, match="did you mean 'city'"):
        sm.check_params(ns, set())


# -- one evaluation: the same numbers as the county reports -------------------------------------


def test_each_unit_reads_as_in_its_county_report(ev: report.Evaluation, rep: sm.SummaryReport) -> None:
    now = rep.now.set_index("code")
    for code in ("610430", "610103", "610113", "KF610101"):  # 淳化县 (condition 6), certified, mandatory, a zone
        params = report.check_params({"region": code, "year": YEAR, "rubric": "shaanxi-2020", "data": "",
                                      "context": "", "scope": "province", "language": "zh", "output": "",
                                      "cache": ""}, set())
        doc = report.CountyReport(ev, params).results()
        row = now.loc[code]
        assert row["points"] == pytest.approx(doc["total"]["points"])
        assert row["verdict"] == doc["verdict"] and row["reason_zh"] == doc["reason_zh"]
        assert int(row["rank"]) == doc["rank"]["rank"] and bool(row["tied"]) == doc["rank"]["tied"]
    assert now.loc["610430", "reason_zh"] == "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%"


def test_counts_by_city_add_up_to_the_verdicts(ev: report.Evaluation, rep: sm.SummaryReport) -> None:
    t = rep.by_city()
    total = t[t["city_code"] == ""].iloc[0]
    v = ev.verdicts[ev.verdicts["year"] == YEAR]
    assert total["units"] == len(ev.units) == 115
    for verdict, n in v["verdict"].value_counts().items():
        assert total[verdict] == n == t.loc[t["city_code"] != "", verdict].sum()
    assert total["mean"] == pytest.approx(rep.now["points"].mean())


def test_newly_and_no_longer_certified_with_their_reason(ev: report.Evaluation, rep: sm.SummaryReport) -> None:
    new, lost = rep.changes()
    v = ev.verdicts.set_index(["region", "year"])["verdict"]
    for code in new["code"]:
        assert v[(code, YEAR)] == "certified" and v[(code, YEAR - 1)] != "certified"
    for code in lost["code"]:
        assert v[(code, YEAR)] != "certified" and v[(code, YEAR - 1)] == "certified"
    chunhua = lost.set_index("code").loc["610430"]
    assert chunhua["reason_zh"] == "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%"
    assert (new["reason_before_zh"] != "").all()  # why it failed last year
    html = rep.changes_html()
    assert "淳化县" in html and "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%" in html


def test_near_the_pass_mark_within_five_points_below(rep: sm.SummaryReport) -> None:
    n = rep.near_pass()
    assert len(n) and ((n["points"] < 85) & (n["points"] >= 80)).all()
    assert (n["rows_points"] >= n["gap"] - 1e-9).all()  # the rows chosen close the gap
    others = rep.now[rep.now["submitted"] & (rep.now["points"] >= 80) & (rep.now["points"] < 85)]
    assert set(others["code"]) == set(n["code"])
    assert "得分空间从大到小" in rep.near_pass_html()


def test_closing_rows_most_points_first_then_started_then_id() -> None:
    c = pd.DataFrame({"id": ["A", "B", "C", "D", "E"], "points": [0.0, 1.0, 0.0, 2.9, None],
                      "max_points": [2.0, 3.0, 2.0, 3.0, 9.0],
                      "status": ["none", "partial", "none", "partial", "not_assessed"]})
    # available: A 2, B 2, C 2, D 0.1, E unknown (left out). B is started: first among the 2-point rows.
    got = sm.closing_rows(c, 3.0, 0.1)
    assert list(got["id"]) == ["B", "A"] and list(got["cumulative"]) == [2.0, 4.0]
    assert list(sm.closing_rows(c, 2.0, 0.1)["id"]) == ["B"]  # exactly reached at the rubric's precision
    assert list(sm.closing_rows(c, 0.1 + 0.2 + 1.7, 0.1)["id"]) == ["B"]  # 2.0000000000000004 is 2
    assert list(sm.closing_rows(c, 50, 0.1)["id"]) == ["B", "A", "C", "D"]  # cannot close: every candidate


def test_distribution_and_its_change(rep: sm.SummaryReport) -> None:
    d = rep.distribution()
    assert d["now"].sum() == rep.now["submitted"].sum()
    assert d["before"].sum() == rep.before["submitted"].sum()
    assert "85" in " ".join(d["band"])  # the pass mark is a band edge
    assert (d["change"] == d["now"] - d["before"]).all()


def test_a_unit_that_returned_nothing_is_not_submitted_never_zero(tmp_path: Path) -> None:
    path = blank_copy(tmp_path / "real", "610323")  # 岐山县 returned an empty form
    ev = report.evaluate(report.resolve_inputs("shaanxi-2020", str(path)))
    rep = sm.SummaryReport(ev, sm.check_summary_params(year=YEAR, data=str(path), city="宝鸡市",
                                                       output=str(tmp_path)))
    row = rep.now.set_index("code").loc["610323"]
    assert not row["submitted"] and pd.isna(row["points"]) and pd.isna(row["verdict"])
    t = rep.by_city().iloc[0]
    assert t["not_submitted"] == 1 and t["submitted"] == t["units"] - 1
    reported = rep.now[rep.now["submitted"]]
    assert t["mean"] == pytest.approx(reported["points"].mean())
    assert rep.distribution()["now"].sum() == len(reported)
    html = rep.by_city_html() + rep.units_html()
    assert "未报送" in html and "0.0" not in html.split("岐山县")[1][:80]
    # No demo banner: the data are not the bundled synthetic files.
    assert "模拟数据" not in rep.header_html()


# -- Excel ----------------------------------------------------------------------------------------


def test_the_verdict_map_colours_each_county_by_its_verdict_and_greys_no_data(rep: sm.SummaryReport) -> None:
    fig = rep.verdict_map()
    hover = {str(row[1]): row for t in fig.data if t.customdata is not None for row in t.customdata}
    now = rep.now[~rep.now["is_park"]]
    assert set(hover) == set(now["code"])  # every county of the province, each once
    text = " ".join(a.text for a in fig.layout.annotations)
    assert "示意图" in text
    chunhua = " ".join(map(str, hover["610430"]))
    assert "93.5" in chunhua  # 淳化县's score in its hover, as in its report
    quiet = now[~now["submitted"]]
    for code in quiet["code"]:  # 未报送 is no data, never a score
        assert "得分" not in " ".join(map(str, hover[code]))


def test_workbook_holds_the_same_tables_as_safe_cells(ev: report.Evaluation, tmp_path: Path) -> None:
    units = ev.units.copy()
    units.loc[units["code"] == "610430", "name"] = '=HYPERLINK("http://x","淳化县")'
    from dataclasses import replace

    rep = sm.SummaryReport(replace(ev, units=units), sm.check_summary_params(year=YEAR, output=str(tmp_path)))
    path = rep.write_excel()
    assert path == tmp_path / "summary-shaanxi-2020-2024-province.xlsx" and not list(tmp_path.glob("*.tmp"))
    wb = load_workbook(path)
    assert wb.sheetnames == list(rep.tables())
    ws = wb["全部单位"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["610430"]["县（市、区）"] == '=HYPERLINK("http://x","淳化县")'  # text, never a formula
    cell = next(c for c in ws["C"] if c.value and str(c.value).startswith("="))
    assert cell.data_type == "s" and cell.quotePrefix
    assert rows["610430"]["原因"] == "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%"
    assert isinstance(rows["610430"]["综合评分"], float)
    by_city = [r for r in wb["各市认定结论"].iter_rows(min_row=2, values_only=True)]
    assert by_city[-1][0] == "合计" and by_city[-1][1] == 115
    # Demo data: the workbook opens on the banner, as the page does; scores as the index.xlsx shows them.
    assert wb.sheetnames[0] == "模拟数据" and str(wb["模拟数据"]["A2"].value).startswith("模拟数据 — ")
    assert all(v is None or v == round(v, 6) for v in (r["综合评分"] for r in rows.values()))


def test_a_rubric_without_conditions_shows_no_count_of_certified_units() -> None:
    """linyi-2019 certifies nobody (scores and ranks only): no 符合认定条件 0, for 临沂市 by default."""
    rep = sm.SummaryReport.from_params(sm.check_summary_params(rubric="linyi-2019", year=2024))
    head = rep.header_html()
    assert "临沂市2024年度" in head and "不设认定（仅评分和排名）" in head and "符合认定条件" not in head
    assert "不设认定条件" in rep.changes_html() and len(rep.now) == 12
    assert rep.rank_label == "临沂市内排名" and "临沂市内排名" in rep.units_html()  # ranks among 临沂市's 12


def test_a_score_above_full_marks_stays_in_the_distribution() -> None:
    """henan-2021 scores composite indicators (bonus included): every unit that reported is in a band."""
    rep = sm.SummaryReport.from_params(sm.check_summary_params(rubric="henan-2021", year=2023))
    assert rep.now["points"].max() > rep.now["max_points"].max()  # the case: 102.24 > 100
    d = rep.distribution()
    assert d["now"].sum() == rep.now["submitted"].sum()


# -- the notebook ----------------------------------------------------------------------------------


def test_notebook_is_committed_clean_thin_and_lists_its_parameters() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert all(len(src.splitlines()) <= 8 for src in code)
    help_text = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(NOTEBOOK)],
                               capture_output=True, text=True, check=True).stdout
    for name in sm.PARAMETER_SPEC:
        assert re.search(rf"^\s+{name}: .*\n\s+\S", help_text, re.M), name
    params = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert all("=" not in line.partition("#")[2] for line in params.splitlines())


def test_papermill_runs_on_the_demo_data(tmp_path: Path, warm_kernel: batch.WarmKernel) -> None:
    out = tmp_path / "out"
    nb = run_warm(warm_kernel, NOTEBOOK, tmp_path / "zh.ipynb", {"year": YEAR, "output": str(out)})
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "模拟数据" in html and "陕西省2024年度" in html and "淳化县" in html
    assert "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%" in html
    assert html.count('class="plotly-graph-div"') == 3  # by city, the verdict map, the distribution
    assert (out / "summary-shaanxi-2020-2024-province.xlsx").is_file()
    nb = run_warm(warm_kernel, NOTEBOOK, tmp_path / "en.ipynb",
                  {"year": YEAR, "output": str(out), "city": "宝鸡市", "language": "en"})
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Baoji: summary" in html and "synthetic" in html
    assert (out / "summary-shaanxi-2020-2024-610300-en.xlsx").is_file()  # English: its own name
    json.dumps(nb.metadata.get("papermill", {}), default=str)


def test_the_english_summary_and_workbook_are_english_throughout(ev: report.Evaluation, tmp_path: Path) -> None:
    rep = sm.SummaryReport(ev, sm.check_summary_params(year=YEAR, language="en", output=str(tmp_path)))
    html = "".join([rep.header_html(), rep.by_city_html(), rep.changes_html(), rep.near_pass_html(),
                    rep.distribution_html(), rep.units_html(), rep.provenance_html(),
                    rep.by_city_chart().to_json(), rep.distribution_chart().to_json()])
    assert "模拟数据" in html  # the mandated banner, and nothing else in Chinese
    cjk = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
    assert not cjk.findall(re.sub(r'<div class="creditlab-banner".*?</div>', "", html, flags=re.S))
    wb = load_workbook(rep.write_excel())
    assert wb.sheetnames[:2] == ["synthetic data", "Verdicts by city"]
    assert str(wb["synthetic data"]["A2"].value).startswith("模拟数据 — synthetic demo data")  # the mandated banner
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            text = [v for v in row if isinstance(v, str) and not v.startswith("模拟数据 — ")]
            assert not any(cjk.search(v) for v in text), (ws.title, row)
