"""Why a verdict is what it is, in one line: the one reason text of the report header, the index, the summary
report and the Excel workbooks.

It is made from the short texts of the conditions that decided the verdict (``short_zh``/``short_en`` of
:func:`creditlab.certification.evaluate_conditions`): the failed ones for ``not_certified`` and ``not_eligible``,
the undecidable ones for ``undecided``; nothing for a positive verdict. 条件6：不良贷款率 1.75% ≥ 全国平均 1.50%.
Conditions not assessed for want of certification-condition data are named together
(认定条件3、4、5、6未评估（未提供认定条件数据）).
"""

from __future__ import annotations

import pandas as pd

from ..loaders.rubric import Rubric
from .model import NO_CONTEXT, condition_number

SEPARATOR = {"zh": "；", "en": "; "}
_NEGATIVE = {"not_certified": "fail", "not_eligible": "fail", "undecided": "unknown"}


def verdict_reasons(rubric: Rubric, conditions: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """``region, year, verdict, reason_zh, reason_en`` for every row of ``verdicts`` ("" for a positive verdict)."""
    out = verdicts[["region", "year", "verdict"]].copy()
    out["reason_zh"] = ""
    out["reason_en"] = ""
    if out.empty or conditions.empty:
        return out.reset_index(drop=True)
    nums = {c["id"]: condition_number(c) for c in rubric.certification.get("conditions", [])}
    order = {c["id"]: i for i, c in enumerate(rubric.certification.get("conditions", []))}
    want = out.set_index(["region", "year"])["verdict"].map(_NEGATIVE)
    c = conditions[conditions["result"] != "pass"]
    key = pd.MultiIndex.from_frame(c[["region", "year"]])
    c = c[c["result"].to_numpy() == want.reindex(key).to_numpy()]
    # One pass over the deciding rows, sorted by unit and the rubric's order (no per-group pandas work).
    c = c.assign(_order=c["condition"].map(order)).sort_values(["region", "year", "_order"], kind="stable")
    rows: dict[tuple[str, int], list[tuple[str, str, str]]] = {}
    for r, y, cond, zh, en in zip(c["region"], c["year"], c["condition"], c["short_zh"], c["short_en"],
                                  strict=True):
        rows.setdefault((r, y), []).append((cond, zh, en))
    texts = {k: (_join(v, nums, "zh"), _join(v, nums, "en")) for k, v in rows.items()}
    pairs = [texts.get((r, y), ("", "")) for r, y in zip(out["region"], out["year"], strict=True)]
    out["reason_zh"] = [p[0] for p in pairs]
    out["reason_en"] = [p[1] for p in pairs]
    return out.reset_index(drop=True)


def _join(rows: list[tuple[str, str, str]], nums: dict[str, str], lang: str) -> str:
    """The short texts of one region-year, the conditions lacking context data named together."""
    suffix = NO_CONTEXT[0] if lang == "zh" else " " + NO_CONTEXT[1]
    shown, no_data = [], []
    for cond, zh, en in rows:
        text = zh if lang == "zh" else en
        if isinstance(text, str) and text.endswith(suffix):
            no_data.append(nums.get(cond, cond))
        elif isinstance(text, str) and text:
            shown.append(text)
    if no_data:
        shown.append(
            f"认定条件{'、'.join(no_data)}{NO_CONTEXT[0]}"
            if lang == "zh"
            else f"Condition{'s' if len(no_data) > 1 else ''} {', '.join(no_data)}{suffix}"
        )
    return SEPARATOR[lang].join(shown)


def verdict_reason(
    rubric: Rubric, conditions: pd.DataFrame, verdicts: pd.DataFrame, region: str, year: int, lang: str = "zh"
) -> str:
    """The reason of one region's verdict in ``year`` ("" if positive or unknown region)."""
    c = conditions[(conditions["region"] == region) & (conditions["year"] == year)]
    v = verdicts[(verdicts["region"] == region) & (verdicts["year"] == year)]
    r = verdict_reasons(rubric, c, v)
    return "" if r.empty else str(r["reason_zh" if lang == "zh" else "reason_en"].iloc[0])


__all__ = ["verdict_reason", "verdict_reasons"]
