"""The comparison's chart, sentences, workbook and page (creditlab.views.compare_figures)."""
from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import load_workbook

from creditlab import load_rubric
from creditlab.analysis import compare as C
from creditlab.analysis.model import Evaluation, Model
from creditlab.data import load_context, load_data
from creditlab.views import compare_figures as cf
from helpers import DEMO

YEAR = 2024


@pytest.fixture(scope="module")
def comp() -> C.Comparison:
    sx = load_rubric("shaanxi-2020")
    data = load_data(DEMO / "shaanxi-2020_indicators.csv", rubric=sx)
    ctx = load_context([DEMO / "context.csv", DEMO / "national_npl.csv"])
    ev = Evaluation.of(Model(sx, data, ctx), key="demo")
    return C.compare(ev, ev, YEAR, weights_b=C.find_scenario(sx, "results-first"))


def test_rank_chart_names_every_compared_unit(comp):
    fig = cf.rank_shift_figure(comp, "zh")
    lines, a, b = fig.data
    n = len(comp.compared)
    assert list(fig.layout.yaxis.ticktext) == list(a.text) and len(a.text) == n
    assert "灞桥区" in a.text and any(t.endswith("（开发区）") for t in a.text)
    # One segment per unit from rank A to rank B (NaN between segments), best at the top.
    assert len(lines.x) == 3 * n
    first = comp.compared.sort_values(["is_park", "rank_a", "rank_b", "region"]).iloc[0]
    assert a.x[0] == first["rank_a"] and b.x[0] == first["rank_b"]
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]  # reversed
    en = cf.rank_shift_figure(comp, "en")
    assert "rank" in en.layout.title.text.lower() and "(zone)" in "".join(en.data[1].text)


def test_sentences_say_the_figures_in_both_languages(comp):
    s = comp.summary.set_index("population").loc["county"]
    zh = cf.summary_sentence(comp, "zh")
    assert f"ρ={s['spearman']:.3f}" in zh and f"R̄S={s['mean_rank_shift']:.2f}位" in zh
    assert f"{int(s['verdict_changes'])}个结论改变" in zh
    en = cf.summary_sentence(comp, "en")
    assert "Spearman" in en and f"{int(s['verdict_changes'])} change" in en and not re.search(r"[\u4e00-\u9fff]{2}", en)
    assert "按行政区划代码匹配" in cf.matching_sentence(comp, "zh")
    assert "matched by division code" in cf.matching_sentence(comp, "en")


def test_changes_table_lists_every_verdict_change(comp):
    html = cf.changes_table(comp, "zh")
    for name in comp.compared[comp.compared["verdict_changed"].fillna(False).astype(bool)]["name"]:
        assert f"<td>{name}</td>" in html
    assert "排名变动" in html


def test_workbook_is_the_table_with_safe_cells(comp, tmp_path):
    t = comp.table.copy()
    t.loc[0, "name"] = '=HYPERLINK("http://x.invalid","点击")'  # a hostile name stays text
    hostile = replace(comp, table=t)
    path = tmp_path / "c.xlsx"
    from creditlab.core.safecells import write_xlsx

    write_xlsx(cf.workbook_frames(hostile, "zh"), path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["比较", "汇总", "说明"]
    ws = wb["比较"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["代码", "地区", "所属市"]
    assert ws.max_row == len(t) + 1
    cell = ws.cell(2, 2)
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    scores = pd.to_numeric(pd.Series([r[5].value for r in ws.iter_rows(min_row=2)]))
    assert scores.notna().all()  # every unit has data here: numbers, not text
    summary = wb["汇总"]
    assert summary.cell(2, 3).value == pytest.approx(comp.summary["spearman"].iloc[0])
    en = cf.workbook_frames(comp, "en")
    assert list(en) == ["comparison", "summary", "sides"]


def test_not_submitted_reads_as_words_not_zero(comp):
    t = comp.table.copy()
    t.loc[0, ["score_b", "rank_b", "verdict_b", "compared"]] = [float("nan"), pd.NA, C.NOT_SUBMITTED, False]
    cols, rows = cf._rows(t.head(1), "zh")
    assert rows[0][3] == "—" and rows[0][5] == "—" and rows[0][8] == "未报送"
    assert cf.verdict_words(C.NO_CONDITIONS, "en") == "no conditions"


def test_own_data_on_one_side_is_never_compared_with_demo_data_on_the_other(tmp_path):
    own = tmp_path / "own.csv"
    own.write_bytes((DEMO / "shaanxi-2020_indicators.csv").read_bytes())
    params = {"rubric_a": "shaanxi-2020", "rubric_b": "linyi-2019", "scenario_a": "", "scenario_b": "",
              "year": None, "data": str(own), "data_b": "", "context": "", "city": "", "province": "",
              "language": "en", "output": ""}
    with pytest.raises(cf.CompareError, match="give side B's .* with data_b"):
        cf.CompareReport.from_params(params)
