"""Apply a rubric's certification (认定条件) or exclusion conditions to scores and context.

Every check is three-valued: met, not met, or unknown (data missing). A condition fails if any of
its checks fails, is unknown if none fails but one is unknown, and holds otherwise. The verdict:

* ``not_eligible``: an exclusion condition applies (henan-2021: 三年内发生重特大安全生产事故 …): the region
  may not take part in the evaluation at all — 不具备推荐资格, not "not certified";
* ``not_certified``: some requirement fails (every failing condition is listed, not just the first);
* ``undecided``: none fails but some cannot be decided (data missing);
* ``certified``: every condition holds — for rubrics with requirements (shaanxi-2020);
* ``eligible``: for rubrics whose conditions are only exclusions (henan-2021): nothing excludes the
  region from evaluation; the certification itself is a separate provincial decision.

A total that is incomplete (criteria not assessed) can still decide the score condition: if the
points already earned reach the threshold it holds; if even full marks on the unassessed criteria
could not reach it, it fails; otherwise it is unknown. Totals are compared at the rubric's own
precision (:mod:`creditlab.points`): a total of exactly 85 built from 0.1 steps reaches 85.

Exclusion conditions read as the source does: 三年内未发生重特大安全生产事故 ✓ when nothing happened,
三年内发生重特大安全生产事故 ✗ when something did (the YAML's ``text_clear_*`` / ``text_excluded_*``).
"""
from __future__ import annotations

import operator
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.fields import CONTEXT_FIELDS as CONTEXT_KIND
from ..core.fields import FIELD_LABELS, SCORE_FIELDS
from ..core.problems import said
from ..loaders.rubric import Rubric
from .points import compare_keys, keys, points_step
from .scoring import mandatory_status, totals

VERDICTS = ("certified", "not_certified", "undecided", "eligible", "not_eligible", "no_certification")
# The verdict of every unit under a rubric without certification conditions (linyi-2019): it scores and
# ranks, and says no more.
NO_CERTIFICATION = "no_certification"
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq, "!=": operator.ne}

_SCORE_FIELDS = set(SCORE_FIELDS)

# A check's or condition's result, three-valued (the codes the verdict rule works on).
PASS, FAIL, UNKNOWN = 1, 0, -1


# --------------------------------------------------------------------------------------------
# The verdict rule, once: vectorised, used here and by the weight-sensitivity draws.


def check_bounds(lo: np.ndarray, hi: np.ndarray, op: str, rhs: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A check on the total, on :func:`~creditlab.points.keys` of its two bounds (not-assessed criteria at 0:
    ``lo``, at full marks: ``hi``, the same array when nothing is missing): (holds, fails) — decided where both
    bounds agree, neither where they do not."""
    a = compare_keys(lo, op, rhs)
    if hi is lo:
        return a, ~a
    b = compare_keys(hi, op, rhs)
    return a & b, ~(a | b)


def check_total(lo: np.ndarray, hi: np.ndarray, op: str, rhs: float | np.ndarray, step: float) -> np.ndarray:
    """A check on the total whose not-assessed criteria count 0 (``lo``) or full marks (``hi``): decided
    (:data:`PASS`/:data:`FAIL`) where both bounds agree, else :data:`UNKNOWN`. Any shape (regions, or
    draws × regions); compared at the rubric's points ``step``."""
    k_lo = keys(lo, step)
    holds, fails = check_bounds(k_lo, k_lo if hi is lo else keys(hi, step), op, keys(rhs, step))
    return three_valued(fails, ~holds)


def three_valued(failed: np.ndarray | bool, unknown: np.ndarray | bool) -> np.ndarray:
    """The result of a conjunction: FAIL if something fails, else UNKNOWN if something is unknown, else PASS."""
    return np.where(failed, FAIL, np.where(unknown, UNKNOWN, PASS)).astype(np.int8)


def decide(parts: Iterable[tuple[np.ndarray | bool, np.ndarray | bool]]) -> tuple[np.ndarray, np.ndarray]:
    """The three-valued AND as two booleans: (every part holds, some part fails) from each part's (holds, fails)
    — neither: unknown. Parts broadcast together (checks per draw and region, conditions per region)."""
    holds: np.ndarray | bool = True
    fails: np.ndarray | bool = False
    for i, (h, f) in enumerate(parts):
        holds, fails = (h, f) if i == 0 else (holds & h, fails | f)
    return np.asarray(holds), np.asarray(fails)


def combine(results: Iterable[np.ndarray]) -> np.ndarray:
    """Three-valued AND of check (or condition) results that broadcast together (:func:`three_valued`)."""
    holds, fails = decide((r == PASS, r == FAIL) for r in map(np.asarray, results))
    return three_valued(fails, ~holds)


def result_words(codes: np.ndarray) -> np.ndarray:
    """PASS/FAIL/UNKNOWN codes as the words of :func:`evaluate_conditions` (``pass``/``fail``/``unknown``)."""
    return np.where(codes == FAIL, "fail", np.where(codes == UNKNOWN, "unknown", "pass"))


def result_codes(words: np.ndarray | pd.Series) -> np.ndarray:
    """``pass``/``fail``/``unknown`` as codes (anything else: unknown)."""
    w = np.asarray(words, dtype=object)
    return three_valued(w == "fail", w != "pass")


def verdict_rule(result: np.ndarray, excluded: np.ndarray | bool, positive: str) -> np.ndarray:
    """The verdict from the combined result of every condition: ``not_eligible`` where an exclusion
    applies, else ``not_certified`` (something fails), ``undecided`` (something unknown), else ``positive``
    (:func:`positive_verdict`)."""
    result = np.asarray(result)
    excluded = np.broadcast_to(np.asarray(excluded, bool), result.shape)
    return np.select([excluded, result == FAIL, result == UNKNOWN], ["not_eligible", "not_certified", "undecided"],
                     default=positive)


def certify(rubric: Rubric, scores: pd.DataFrame, context: pd.DataFrame | None = None, *,
            conditions: pd.DataFrame | None = None, mandatory: pd.DataFrame | None = None) -> pd.DataFrame:
    """Verdict per region and year with every reason.

    Returns ``region, year, verdict, reasons, reasons_en, failed, unknown, unmet_mandatory``:
    ``reasons`` is a list of short Chinese sentences (one per condition), ``reasons_en`` the English
    equivalents, ``failed``/``unknown`` the condition ids, ``unmet_mandatory`` the 必备条件 ids not met.
    ``context`` has one row per region and year with the columns the conditions use
    (see ``creditlab.rubric.CHECK_FIELDS``); ``national_npl_ratio`` may instead come per year.
    ``conditions`` / ``mandatory``: :func:`evaluate_conditions` / :func:`~creditlab.scoring.mandatory_status`
    of these very scores and context when already computed (the evaluated model's stages), so nothing is
    evaluated twice.
    """
    if mandatory is None:
        mandatory = mandatory_status(rubric, scores)
    detail = evaluate_conditions(rubric, scores, context, mandatory=mandatory) if conditions is None else conditions
    if not has_certification(rubric):
        return no_certification(scores)
    if detail.empty:
        return pd.DataFrame(columns=["region", "year", "verdict", "reasons", "reasons_en", "failed",
                                     "unknown", "unmet_mandatory"])
    # Vectorised: each group's rows are one slice of the rows sorted (stably) by group id, so every list keeps
    # the conditions' order, as groupby().agg(list) did (0.6 ms per region-year with a lambda per group).
    g = detail.groupby(["region", "year"], sort=True)
    ids = g.ngroup().to_numpy()
    out = g.size().index.to_frame(index=False)
    n = len(out)
    result = detail["result"].to_numpy(object)
    fail, unknown = result == "fail", result == "unknown"
    condition = detail["condition"].to_numpy(object)
    out["reasons"] = _lists(detail["reason_zh"].to_numpy(object), ids, n)
    out["reasons_en"] = _lists(detail["reason_en"].to_numpy(object), ids, n)
    out["failed"] = _lists(condition[fail], ids[fail], n)
    out["unknown"] = _lists(condition[unknown], ids[unknown], n)
    n_excluded = np.zeros(n, bool)
    n_excluded[ids[fail & (detail["kind"].to_numpy(object) == "exclusion")]] = True
    ok = positive_verdict(rubric)
    out["verdict"] = verdict_rule(three_valued(np.bincount(ids[fail], minlength=n) > 0,
                                               np.bincount(ids[unknown], minlength=n) > 0), n_excluded, ok)
    mand = mandatory
    unmet_rows = mand[mand["met"].fillna(True) == False]  # noqa: E712 - nullable boolean
    gm = unmet_rows.groupby(["region", "year"])
    unmet = pd.Series(_lists(unmet_rows["id"].to_numpy(object), gm.ngroup().to_numpy(), gm.ngroups),
                      index=gm.size().index, dtype=object)
    out = out.merge(unmet.rename("unmet_mandatory").reset_index(), on=["region", "year"], how="left")
    out["unmet_mandatory"] = [v if isinstance(v, list) else [] for v in out["unmet_mandatory"]]
    return out[["region", "year", "verdict", "reasons", "reasons_en", "failed", "unknown", "unmet_mandatory"]]


def has_certification(rubric: Rubric) -> bool:
    """Whether the rubric has certification (or eligibility) conditions at all; linyi-2019 has none."""
    return bool(rubric.certification.get("conditions"))


def no_certification(scores: pd.DataFrame) -> pd.DataFrame:
    """The verdicts under a rubric without conditions: ``no_certification`` for every scored region and year,
    no reasons (the report shows scores and ranks, and no verdict)."""
    keys = scores[["region", "year"]].drop_duplicates().sort_values(["region", "year"]).reset_index(drop=True)
    n = len(keys)
    return keys.assign(verdict=NO_CERTIFICATION, reasons=[[] for _ in range(n)], reasons_en=[[] for _ in range(n)],
                       failed=[[] for _ in range(n)], unknown=[[] for _ in range(n)],
                       unmet_mandatory=[[] for _ in range(n)])


def _lists(values: np.ndarray, ids: np.ndarray, n: int) -> list[list]:
    """``values`` gathered into one list per group id ``0..n-1`` (in their order; ``[]`` for a group without any)."""
    order = np.argsort(ids, kind="stable")
    ends = np.cumsum(np.bincount(ids, minlength=n)).tolist()
    items = values[order].tolist()
    return [items[a:b] for a, b in zip([0, *ends][:-1], ends, strict=True)]


def pass_mark(rubric: Rubric) -> float | None:
    """The total the certification conditions require (the first ``total >=`` check; shaanxi-2020: 85), if any.
    One reading for the county report, the index and the summary."""
    for cond in rubric.certification.get("conditions", []):
        for chk in cond["checks"]:
            if chk["field"] == "total" and chk["op"] in (">=", ">") and "value" in chk:
                return float(chk["value"])
    return None


def exclusions_only(rubric: Rubric) -> bool:
    """Whether the rubric's conditions are all exclusions (henan-2021): its verdicts are about
    eligibility (eligible / not_eligible), not certification."""
    conds = rubric.certification.get("conditions") or []
    return bool(conds) and all(c.get("kind", "requirement") == "exclusion" for c in conds)


def positive_verdict(rubric: Rubric) -> str:
    """The verdict when every condition holds: ``eligible`` for exclusion-only rubrics, else ``certified``."""
    return "eligible" if exclusions_only(rubric) else "certified"


def evaluate_conditions(rubric: Rubric, scores: pd.DataFrame, context: pd.DataFrame | None, *,
                        mandatory: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per region, year and condition: ``result`` (pass/fail/unknown) and the reason texts.

    Also ``line_zh``/``line_en`` (the condition as it reads for this result, with ✓/✗/? for
    exclusions) and ``detail_zh``/``detail_en`` (the values compared). ``mandatory``: the scores'
    :func:`~creditlab.scoring.mandatory_status` when already computed."""
    conditions = rubric.certification["conditions"]
    base = _fields(rubric, scores, context, mandatory)
    step = points_step(rubric)
    rows = []
    for cond in conditions:
        results = []
        details_zh, details_en = [], []
        shorts = []
        for chk in cond["checks"]:
            res, dz, de = _check(base, chk, step)
            results.append(res)
            details_zh.append(dz)
            details_en.append(de)
            shorts.append(_short(base, chk, res))
        combined = combine(results)
        result = result_words(combined)
        label_zh = {"pass": "符合", "fail": "不符合", "unknown": "无法判断（数据缺失）"}
        label_en = {"pass": "met", "fail": "not met", "unknown": "cannot decide (data missing)"}
        num = str(cond.get("number") or cond["id"]).strip().rstrip(".．、")
        det_zh = ["；".join(d[i] for d in details_zh) for i in range(len(base))]
        det_en = ["; ".join(d[i] for d in details_en) for i in range(len(base))]
        kind = cond.get("kind", "requirement")
        if kind == "exclusion":
            words_zh, words_en = _exclusion_lines(cond)
            line_zh = [words_zh[r] for r in result]
            line_en = [words_en[r] for r in result]
            reason_zh = [f"{x}：{d}" for x, d in zip(line_zh, det_zh, strict=True)]
            reason_en = [f"{x}: {d}" for x, d in zip(line_en, det_en, strict=True)]
        else:
            line_zh = [f"条件{num}「{cond['text_zh'].rstrip('。')}」{label_zh[r]}" for r in result]
            line_en = [f"Condition {num} ({cond['text_en'].rstrip('.')}) {label_en[r]}" for r in result]
            reason_zh = [f"{x}：{d}" for x, d in zip(line_zh, det_zh, strict=True)]
            reason_en = [f"{x}: {d}" for x, d in zip(line_en, det_en, strict=True)]
        short_zh, short_en = _short_condition(num, kind, combined, results, shorts, line_zh, line_en)
        rows.append(pd.DataFrame({
            "region": base["region"], "year": base["year"], "condition": cond["id"],
            "kind": kind, "result": result, "reason_zh": reason_zh, "reason_en": reason_en,
            "line_zh": line_zh, "line_en": line_en, "detail_zh": det_zh, "detail_en": det_en,
            "short_zh": short_zh, "short_en": short_en,
        }))
    if not rows:
        return pd.DataFrame(columns=["region", "year", "condition", "kind", "result", "reason_zh", "reason_en",
                                     "line_zh", "line_en", "detail_zh", "detail_en", "short_zh", "short_en"])
    return pd.concat(rows, ignore_index=True)


# The failed comparison, said the way round it holds: "<" failed means "≥".
_NEGATED = {"<": "≥", "<=": ">", ">": "≤", ">=": "<", "==": "≠", "!=": "="}
_OPS_TXT = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
_UNIT = {"percent": "%", "per_10000": "‱"}


def _short_label(fld: str, lang: str) -> str:
    """A field's label without its unit (the unit goes with the number): 不良贷款率, 全国平均不良贷款率 → 全国平均."""
    zh, en = FIELD_LABELS.get(fld, (fld, fld))
    text = zh.split("（")[0] if lang == "zh" else en.split(" (")[0]
    if fld == "national_npl_ratio":
        return "全国平均" if lang == "zh" else "national average"
    return text


def _short_value(x: float, fld: str, like: object, decimals: int) -> tuple[str, str]:
    """(zh, en) of a compared value with its unit: 1.75%, 0.82‱, 是/yes, 84.5分."""
    if isinstance(like, bool) or CONTEXT_KIND.get(fld) == "bool":
        return _fmt(x, True), _fmt(x, True, "en")
    if x is None or np.isnan(x):
        return "未知", "unknown"
    num = f"{float(x):.{decimals}f}"
    unit = _UNIT.get(CONTEXT_KIND.get(fld, ""), "")
    return num + unit, num + unit


def _decimals_of(*values: float) -> int:
    """Decimals to show both sides of a comparison alike (1.75 vs 1.5 → 1.75 vs 1.50), at most 2."""
    out = 0
    for v in values:
        if v is not None and not np.isnan(v):
            out = max(out, min(2, len(f"{round(float(v), 2):g}".partition(".")[2])))
    return out


def _short(base: pd.DataFrame, chk: dict, res: np.ndarray) -> tuple[list[str], list[str]]:
    """Per row, the check in a few words where it did not pass (else ""): 不良贷款率 1.75% ≥ 全国平均 1.50%
    (failed: the relation that holds instead), 不良贷款率 未知 (unknown)."""
    fld, op = chk["field"], chk["op"]
    lhs = base[fld] if fld in base.columns else pd.Series(np.nan, index=base.index)
    if isinstance(chk.get("value"), bool):
        lhs = lhs.map({True: 1.0, False: 0.0})
    lhs = pd.to_numeric(lhs, errors="coerce").to_numpy(float)
    if "ref" in chk:
        rhs = pd.to_numeric(base[chk["ref"]], errors="coerce").to_numpy(float)
        ref_zh, ref_en = _short_label(chk["ref"], "zh"), _short_label(chk["ref"], "en")
        rfld = chk["ref"]
    else:
        rhs = np.full(len(base), float(chk["value"]))
        ref_zh = ref_en = ""
        rfld = fld
    lab_zh, lab_en = _short_label(fld, "zh"), _short_label(fld, "en")
    out_zh, out_en = [], []
    for x, y, r in zip(lhs, rhs, res, strict=True):
        if r == PASS:
            out_zh.append("")
            out_en.append("")
            continue
        if fld == "mandatory_unmet":
            out_zh.append(f"{int(x)}项必备条件未达到" if r == FAIL else "必备条件有未评估项")
            out_en.append(f"{int(x)} mandatory condition(s) not met" if r == FAIL
                          else "mandatory conditions not assessed")
            continue
        if fld == "total":
            xz, xe = _fmt(x) + "分", _fmt(x)
            yz, ye = _fmt(y) + "分", _fmt(y)
            if r == UNKNOWN:
                miss = _fmt(float(base["missing_max"].iloc[len(out_zh)]))
                out_zh.append(f"{lab_zh} {xz}，另有{miss}分未评估（要求{_OPS_TXT[op]}{yz}）")
                out_en.append(f"{lab_en} {xe}, {miss} points not assessed (required {_OPS_TXT[op]} {ye})")
            else:
                out_zh.append(f"{lab_zh} {xz} {_NEGATED[op]} {yz}")
                out_en.append(f"{lab_en} {xe} {_NEGATED[op]} {ye}")
            continue
        d = _decimals_of(x, y)
        xz, xe = _short_value(x, fld, chk.get("value"), d)
        if r == FAIL and (isinstance(chk.get("value"), bool) or CONTEXT_KIND.get(fld) == "bool"):
            out_zh.append(f"{lab_zh}：{xz}")  # 一年内违法失信重大事件：是
            out_en.append(f"{lab_en}: {xe}")
            continue
        if r == UNKNOWN:
            out_zh.append(f"{lab_zh} 未知" if xz == "未知" else f"{lab_zh} {xz}（{ref_zh or '要求'}未知）")
            out_en.append(f"{lab_en} unknown" if xe == "unknown" else f"{lab_en} {xe} ({ref_en or 'required'} "
                          "unknown)")
            continue
        yz, ye = _short_value(y, rfld, chk.get("value"), d)
        neg = _NEGATED[op]
        out_zh.append(f"{lab_zh} {xz} {neg} {ref_zh + ' ' if ref_zh else ''}{yz}")
        out_en.append(f"{lab_en} {xe} {neg} {ref_en + ' ' if ref_en else ''}{ye}")
    return out_zh, out_en


def _short_condition(num: str, kind: str, combined: np.ndarray, results: list[np.ndarray],
                     shorts: list[tuple[list[str], list[str]]], line_zh: list[str],
                     line_en: list[str]) -> tuple[list[str], list[str]]:
    """Per row, why the condition did not pass, in a few words (else ""): 条件6：不良贷款率 1.75% ≥ 全国平均
    1.50% — only the checks that decided it (failed ones when it failed, unknown ones when unknown). An
    exclusion that applies reads as the source words it (三年内发生重特大安全生产事故)."""
    out_zh, out_en = [], []
    for i, c in enumerate(combined):
        if c == PASS:
            out_zh.append("")
            out_en.append("")
            continue
        if kind == "exclusion":
            out_zh.append(line_zh[i].rstrip(" ✗"))
            out_en.append(line_en[i].rstrip(" ✗"))
            continue
        # checks joined by a comma: the semicolon separates conditions (creditlab.analysis.reasons)
        zh = "，".join(s[0][i] for s, r in zip(shorts, results, strict=True) if r[i] == c and s[0][i])
        en = ", ".join(s[1][i] for s, r in zip(shorts, results, strict=True) if r[i] == c and s[1][i])
        out_zh.append(f"条件{num}：{zh}")
        out_en.append(f"Condition {num}: {en}")
    return out_zh, out_en


def _exclusion_lines(cond: dict) -> tuple[dict[str, str], dict[str, str]]:
    """How an exclusion reads per result, as the source words it: 未发生…事故 ✓ / 发生…事故 ✗.

    From the YAML's ``text_clear_zh/_en`` (the case does not apply) and ``text_excluded_zh/_en`` (it
    does); without them, the condition's text with 不存在 / 存在 (no such case / the case applies)."""
    text_zh, text_en = cond["text_zh"].rstrip("。"), cond["text_en"].rstrip(".")
    clear_zh = cond.get("text_clear_zh") or f"不存在「{text_zh}」情形"
    clear_en = cond.get("text_clear_en") or f"no case of: {text_en}"
    excl_zh = cond.get("text_excluded_zh") or f"存在「{text_zh}」情形"
    excl_en = cond.get("text_excluded_en") or f"case applies: {text_en}"
    return ({"pass": f"{clear_zh} ✓", "fail": f"{excl_zh} ✗", "unknown": f"{clear_zh}？无法判断（数据缺失）"},
            {"pass": f"{clear_en} ✓", "fail": f"{excl_en} ✗",
             "unknown": f"{clear_en}? cannot decide (data missing)"})


def _fields(rubric: Rubric, scores: pd.DataFrame, context: pd.DataFrame | None,
            mandatory: pd.DataFrame | None = None) -> pd.DataFrame:
    t = totals(scores).rename(columns={"points": "total"})
    mand = mandatory_status(rubric, scores) if mandatory is None else mandatory
    counts = mand.assign(
        unmet=(mand["met"] == False).fillna(False).astype(int),  # noqa: E712 - nullable boolean
        unknown=mand["met"].isna().astype(int),
    ).groupby(["region", "year"], as_index=False)[["unmet", "unknown"]].sum()
    base = t.merge(counts, on=["region", "year"], how="left")
    base["mandatory_unmet"] = base["unmet"].fillna(0)
    base["mandatory_unknown"] = base["unknown"].fillna(0)
    needed = {c["field"] for cond in rubric.certification["conditions"] for c in cond["checks"]}
    needed |= {c["ref"] for cond in rubric.certification["conditions"] for c in cond["checks"] if "ref" in c}
    needed -= _SCORE_FIELDS
    if needed:
        if context is None:
            raise DataError(said(f"评估标准 {rubric.name} 需要认定情况数据（context），"
                                 f"包含列：{'、'.join(sorted(needed))}",
                                 f"rubric {rubric.name} needs a certification context with columns "
                                 f"{', '.join(sorted(needed))}"))
        ctx = context.copy()
        ctx["region"] = ctx["region"].astype(str)
        ctx["year"] = ctx["year"].astype(int)
        if ctx.duplicated(["region", "year"]).any():
            dups = ctx.loc[ctx.duplicated(["region", "year"]), ["region", "year"]].head(10)
            raise DataError(said("认定情况数据（context）中有重复的区县-年份行",
                                 "context has duplicate region-year rows"),
                            [said(f"区县 {r.region}、{r.year} 年出现不止一次",
                                  f"region {r.region}, year {r.year} appears more than once")
                             for r in dups.itertuples()])
        cols = [c for c in needed if c in ctx.columns]
        base = base.merge(ctx[["region", "year", *cols]], on=["region", "year"], how="left")
        for c in needed - set(cols):
            base[c] = np.nan  # a column nobody supplied: every check on it is unknown
    return base


def _check(base: pd.DataFrame, chk: dict, step: float) -> tuple[np.ndarray, list[str], list[str]]:
    """Evaluate one check: array of PASS/FAIL/UNKNOWN and the per-row detail texts.

    Checks on the total compare at the rubric's points ``step`` (see :mod:`creditlab.points`)."""
    fld, op = chk["field"], chk["op"]
    lz, le = FIELD_LABELS.get(fld, (fld, fld))
    fn = _OPS[op]
    if "ref" in chk:
        rhs = pd.to_numeric(base[chk["ref"]], errors="coerce").to_numpy(float)
        rz, re_ = FIELD_LABELS.get(chk["ref"], (chk["ref"], chk["ref"]))
        rhs_txt_zh = [f"{rz}{_fmt(v)}" for v in rhs]
        rhs_txt_en = [f"{re_} {_fmt(v)}" for v in rhs]
    else:
        rhs = np.full(len(base), float(chk["value"]))
        rhs_txt_zh = [_fmt(chk["value"])] * len(base)
        rhs_txt_en = [_fmt(chk["value"], lang="en")] * len(base)
    if fld == "total":
        lo = base["total"].to_numpy(float)
        hi = lo + base["missing_max"].to_numpy(float)
        res = check_total(lo, hi, op, rhs, step)  # decidable despite unassessed criteria when both bounds agree
        lhs_zh = [f"{lz}{_fmt(x)}分" + (f"（另有{_fmt(h - x)}分未评估）" if h > x else "")
                  for x, h in zip(lo, hi, strict=True)]
        lhs_en = [f"{le} {_fmt(x)}" + (f" ({_fmt(h - x)} points not assessed)" if h > x else "")
                  for x, h in zip(lo, hi, strict=True)]
    elif fld == "mandatory_unmet":
        unmet = base["mandatory_unmet"].to_numpy(float)
        unknown = base["mandatory_unknown"].to_numpy(float)
        ok = fn(unmet, rhs)
        res = three_valued(~ok, unknown > 0)
        lhs_zh = [f"{lz}{int(u)}" + (f"，{int(k)}项未评估" if k else "") for u, k in zip(unmet, unknown, strict=True)]
        lhs_en = [f"{le} {int(u)}" + (f", {int(k)} not assessed" if k else "")
                  for u, k in zip(unmet, unknown, strict=True)]
    else:
        raw = base[fld]
        if isinstance(chk.get("value"), bool):
            lhs = raw.map({True: 1.0, False: 0.0}).astype(float).to_numpy()  # 1/0 hash as True/False
        else:
            lhs = pd.to_numeric(raw, errors="coerce").to_numpy(float)
        missing = np.isnan(lhs) | np.isnan(rhs)
        with np.errstate(invalid="ignore"):
            res = np.where(missing, UNKNOWN, fn(lhs, rhs).astype(int))
        lhs_zh = [f"{lz}{_fmt(x, chk.get('value'))}" for x in lhs]
        lhs_en = [f"{le} {_fmt(x, chk.get('value'), 'en')}" for x in lhs]
    op_txt = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}[op]
    det_zh = [f"{lh}（要求{op_txt}{r}）" for lh, r in zip(lhs_zh, rhs_txt_zh, strict=True)]
    det_en = [f"{lh} (required {op_txt} {r})" for lh, r in zip(lhs_en, rhs_txt_en, strict=True)]
    return res, det_zh, det_en


def _fmt(x, like=None, lang: str = "zh") -> str:
    if isinstance(like, bool) or isinstance(x, bool):
        if x is None or (isinstance(x, float) and np.isnan(x)):
            return "未知" if lang == "zh" else "unknown"
        yes = bool(x)
        return ("是" if yes else "否") if lang == "zh" else ("yes" if yes else "no")
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "未知" if lang == "zh" else "unknown"
    return f"{float(x):g}" if float(x) != round(float(x), 2) else f"{round(float(x), 2):g}"
