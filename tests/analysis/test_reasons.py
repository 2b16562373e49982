"""The one reason text of a verdict: the conditions that decided it, in a few words."""

from __future__ import annotations

import pandas as pd
import pytest

from creditlab import report
from creditlab.analysis.reasons import verdict_reason, verdict_reasons
from helpers import YEAR


@pytest.fixture(scope="module")
def ev() -> report.Evaluation:
    return report.evaluate(report.resolve_inputs("shaanxi-2020"))


def test_chunhua_fails_condition_6_on_its_npl_ratio(ev: report.Evaluation) -> None:
    # 淳化县 (610430) 2024 in the demo: 93.5 points, every condition met but the NPL ratio.
    zh = verdict_reason(ev.rubric, ev.conditions, ev.verdicts, "610430", YEAR, "zh")
    en = verdict_reason(ev.rubric, ev.conditions, ev.verdicts, "610430", YEAR, "en")
    assert zh == "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%"
    assert en == "Condition 6: non-performing-loan ratio 1.75% ≥ national average 1.50%"


def test_every_negative_verdict_has_a_reason_and_every_positive_none(ev: report.Evaluation) -> None:
    r = verdict_reasons(ev.rubric, ev.conditions, ev.verdicts)
    assert len(r) == len(ev.verdicts)
    positive = r["verdict"].isin(["certified", "eligible"])
    assert (r.loc[positive, "reason_zh"] == "").all()
    assert (r.loc[~positive, "reason_zh"] != "").all() and (r.loc[~positive, "reason_en"] != "").all()
    # Each reason names exactly the failed conditions (undecided: the unknown ones), in the rubric's order.
    nums = {c["id"]: str(c["number"]).rstrip(".．") for c in ev.rubric.certification["conditions"]}
    v = ev.verdicts.set_index(["region", "year"])
    for row in r[~positive].itertuples():
        vr = v.loc[(row.region, row.year)]
        ids = vr["failed"] if row.verdict == "not_certified" else vr["unknown"]
        named = [p.split("：")[0] for p in row.reason_zh.split("；")]
        assert named == [f"条件{nums[i]}" for i in ids]


def test_a_failed_total_and_unmet_mandatory_rows_read_plainly(ev: report.Evaluation) -> None:
    r = verdict_reasons(ev.rubric, ev.conditions, ev.verdicts)
    texts = " ".join(r["reason_zh"])
    assert "条件2：综合评分 " in texts and "分 < 85分" in texts
    assert "项必备条件未达到" in texts


def test_without_context_the_conditions_needing_it_are_named_together(tmp_path) -> None:
    data = tmp_path / "real.csv"
    data.write_bytes((report.demo_dir() / "shaanxi-2020_indicators.csv").read_bytes())
    ev = report.evaluate(report.resolve_inputs("shaanxi-2020", str(data)))
    r = verdict_reasons(ev.rubric, ev.conditions, ev.verdicts)
    undecided = r[r["verdict"] == "undecided"]
    assert len(undecided)
    assert (undecided["reason_zh"] == "认定条件3、4、5、6未评估（未提供认定条件数据）").all()
    assert (
        undecided["reason_en"] == "Conditions 3, 4, 5, 6 not assessed (no certification-condition data supplied)"
    ).all()


def test_empty_inputs_give_empty_reasons(ev: report.Evaluation) -> None:
    assert verdict_reasons(ev.rubric, ev.conditions.iloc[:0], ev.verdicts).shape[0] == len(ev.verdicts)
    assert verdict_reason(ev.rubric, ev.conditions, ev.verdicts, "999999", YEAR) == ""
    assert isinstance(verdict_reasons(ev.rubric, ev.conditions, ev.verdicts.iloc[:0]), pd.DataFrame)
