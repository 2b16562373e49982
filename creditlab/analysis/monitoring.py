"""City credit-monitoring rankings (全国城市信用状况监测排名): percentiles, the provincial average
against the plan's path, city trends, quarterly bulletins and persistently low-ranked cities.

The national monitoring ranks cities monthly within three groups whose sizes change over time, so the
group size is a column of the data, never a constant:

* ``capital``: the 36 provincial-capital and sub-provincial cities (省会及副省级城市);
* ``prefecture``: the other prefecture-level cities (地级市, about 261);
* ``county``: the county-level cities (县级市, about 360).

A city's **percentile** is its position from the top of its group in percent, ``100 * rank /
group_size`` (rank 1 of 261 is 0.4 %, the last is 100 %). The plan's “平均水平 前65% → 前40%” is read as the
mean of these percentiles over the province's ranked cities (all three groups; see the plan's choices).
For the bulletins and follow-up talks the province's cities fall into two tiers, as the 2023 work points
name them (“设区市和县级市”): ``设区市`` (the capital and prefecture groups) and ``县级市``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.problems import default_lang, quote, said
from ..core.years import is_year, year_problem
from ..loaders.plan import Plan, load_plan
from ..loaders.rankings import (  # noqa: F401 (re-exported: read here before the loaders split, issue 15)
    _PERIOD,
    GROUP_TYPES,
    GROUPS,
    OPTIONAL,
    REQUIRED,
    TIERS,
    load_rankings,
    province_name,
    rank_percentiles,
    validate_rankings,
)

PLAN_INDICATOR = "city_ranking_percentile"
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$")


def _ensure(rankings: pd.DataFrame) -> pd.DataFrame:
    return rankings if "percentile" in rankings.columns else rank_percentiles(rankings)


# --- periods -------------------------------------------------------------------------------------

# The analyst types these values on the command line: messages in ``lang`` (default: the default language).

_WHAT_ZH = {"period": "期间（period）", "until": "截止月份（until）", "horizon": "预测月份（horizon）"}


def parse_quarter(period: str, lang: str | None = None) -> str:
    """Normalise ``"2024Q4"``, ``"2024-Q4"``, ``"2024q4"`` or a month ``"2024-11"`` to ``"2024Q4"``."""
    text = str(period).strip()
    m = _QUARTER.match(text)
    if m:
        _check_year(m.group(1), "period", period, lang)
        return f"{m.group(1)}Q{m.group(2)}"
    m = _PERIOD.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        _check_year(m.group(1), "period", period, lang)
        return f"{m.group(1)}Q{(int(m.group(2)) - 1) // 3 + 1}"
    raise ValueError(said(f"期间（period）{quote(period)}不是季度（如2024Q4）或月份（如2024-12）",
                          f"period {quote(period)} is not a quarter such as 2024Q4 (or a month such as 2024-12)",
                          lang))


def _check_year(year: str, what: str, text: Any, lang: str | None = None) -> None:
    if not is_year(int(year)):
        lang = lang or default_lang()
        raise ValueError(said(f"{_WHAT_ZH.get(what, what)}{quote(text)}：", f"{what} {quote(text)}: ", lang)
                         + (year_problem(int(year), lang) or ""))


def _month_index(text: Any, what: str) -> int:
    """``YYYY-MM`` as a month counter (``year * 12 + month - 1``); ValueError naming ``what`` unless it is a
    month of a year creditlab accepts (years.py)."""
    m = _PERIOD.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(said(f"{_WHAT_ZH.get(what, what)}{quote(text)}不是月份（如2025-12）",
                              f"{what} {quote(text)} is not a month such as 2025-12"))
    _check_year(m.group(1), what, text)
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def check_quarter(rankings: pd.DataFrame, period: str, lang: str | None = None) -> str:
    """The quarter of ``period`` if the rankings cover it, else ValueError naming the quarters covered (in
    ``lang``, default the default language)."""
    q = parse_quarter(period, lang)
    quarters = sorted(_ensure(rankings)["quarter"].unique())
    if q not in quarters:
        span = f"{quarters[0]}–{quarters[-1]}" if quarters else ""
        raise ValueError(said(f"期间（period）{period!r}：没有{q}的排名；数据覆盖{span or '无'}",
                              f"period {period!r}: no rankings for {q}; the data cover {span or 'none'}", lang))
    return q


def until(rankings: pd.DataFrame, period: str) -> pd.DataFrame:
    """The rankings up to the end of ``period`` (a quarter or a month): a bulletin never sees later data."""
    r = _ensure(rankings)
    return r[r["months"] <= _until_months(r, period)].reset_index(drop=True)


# --- provincial average against the plan path ----------------------------------------------------

def _plan_path(plan: Plan | str | None, indicator: str) -> tuple[int, float, int, float]:
    row = load_plan(plan or "shaanxi-14th-fyp").target(indicator)
    return int(row["baseline_year"]), float(row["baseline"]), int(row["target_year"]), float(row["target"])


def path_value(months: np.ndarray | pd.Series, plan: Plan | str | None = None,
               indicator: str = PLAN_INDICATOR) -> np.ndarray:
    """The plan's straight-line path at a month counter (``year * 12 + month - 1``): from the baseline in
    December of the baseline year to the target in December of the target year; NaN before the baseline."""
    t0, y0, t1, y1 = _plan_path(plan, indicator)
    m0, m1 = t0 * 12 + 11, t1 * 12 + 11
    m = np.asarray(months, dtype=float)
    return np.where(m < m0, np.nan, y0 + (y1 - y0) * (m - m0) / (m1 - m0))


def provincial_average(rankings: pd.DataFrame, plan: Plan | str | None = None,
                       indicator: str = PLAN_INDICATOR) -> pd.DataFrame:
    """The province's mean percentile per month against the plan's straight-line path.

    Columns ``period, year, month, months, mean_percentile, n_cities, path, gap, ahead`` (``gap`` =
    mean − path, so negative is ahead of the path since lower percentiles are better).
    """
    r = _ensure(rankings)
    avg = (r.groupby(["period", "year", "month", "months"], as_index=False)
           .agg(mean_percentile=("percentile", "mean"), n_cities=("city", "nunique")))
    avg["path"] = path_value(avg["months"], plan, indicator)
    avg["gap"] = avg["mean_percentile"] - avg["path"]
    avg["ahead"] = pd.array(np.where(np.isnan(avg["gap"]), None, avg["gap"] <= 0), dtype="boolean")
    return avg.sort_values("months").reset_index(drop=True)


def average_trend(avg: pd.DataFrame, window: int = 24, horizon: str = "2025-12") -> dict[str, Any]:
    """The provincial average's linear trend over the last ``window`` months and its value at ``horizon``
    (clipped to 0–100): ``{"window", "slope_per_year", "projected", "horizon"}``."""
    h = _month_index(horizon, "horizon")
    recent = avg.dropna(subset=["mean_percentile"])
    recent = recent[recent["months"] > recent["months"].max() - window]
    frame = pd.DataFrame({"key": 0, "months": recent["months"], "percentile": recent["mean_percentile"]})
    sl = _slopes(frame, "key").iloc[0] if len(frame) else None
    if sl is None or np.isnan(sl["slope_per_month"]):
        return {"window": window, "slope_per_year": np.nan, "projected": np.nan, "horizon": horizon}
    projected = float(np.clip(sl["mean_pct"] + sl["slope_per_month"] * (h - sl["mean_month"]), 0, 100))
    return {"window": window, "slope_per_year": float(sl["slope_per_month"] * 12), "projected": projected,
            "horizon": horizon}


def yearly_observations(rankings: pd.DataFrame, indicator: str = PLAN_INDICATOR, month: int = 12) -> pd.DataFrame:
    """The provincial average percentile in ``month`` (December: the rolling 12-month ranking at year end)
    of each year, as plan observations ``id, year, value`` (rounded to 0.1)."""
    avg = provincial_average(rankings)
    avg = avg[avg["month"] == month]
    return pd.DataFrame({"id": indicator, "year": avg["year"].to_numpy(int),
                         "value": avg["mean_percentile"].round(1).to_numpy()})


# --- city trends ---------------------------------------------------------------------------------

def _slopes(frame: pd.DataFrame, key: str = "city") -> pd.DataFrame:
    """OLS slope of percentile on the month counter per ``key`` (vectorised through group sums)."""
    g = frame.groupby(key)
    mx = frame[key].map(g["months"].mean())
    my = frame[key].map(g["percentile"].mean())
    dx, dy = frame["months"] - mx, frame["percentile"] - my
    sums = pd.DataFrame({key: frame[key], "sxx": dx * dx, "sxy": dx * dy}).groupby(key).sum()
    out = pd.DataFrame({"n_months": g.size(), "mean_month": g["months"].mean(), "mean_pct": g["percentile"].mean()})
    with np.errstate(divide="ignore", invalid="ignore"):
        out["slope_per_month"] = np.where(sums["sxx"] > 0, sums["sxy"] / sums["sxx"], np.nan)
    return out


def trend_label(slope_per_year: np.ndarray | pd.Series, band: float = 2.0) -> np.ndarray:
    """``improving`` (percentile falling by more than ``band`` points a year), ``worsening`` or ``stable``."""
    s = np.asarray(slope_per_year, dtype=float)
    return np.select([np.isnan(s), s < -band, s > band], ["", "improving", "worsening"], default="stable")


def city_trends(rankings: pd.DataFrame, until: str | None = None, window: int = 24,
                horizon: str = "2025-12", band: float = 2.0) -> pd.DataFrame:
    """Each city's latest position, its trend over the last ``window`` months up to ``until`` (a month or
    quarter; default the latest month) and its projected percentile in ``horizon`` (clipped to 0–100).

    Columns ``city, tier, group, period, rank, group_size, percentile, slope_per_year, trend, projected,
    horizon, n_months``.
    """
    r = _ensure(rankings)
    end = _until_months(r, until)
    r = r[r["months"] <= end]
    latest = r.sort_values("months").groupby("city").last()
    win = r[r["months"] > end - window]
    sl = _slopes(win)
    h = _month_index(horizon, "horizon")
    out = latest[["tier", "group", "period", "rank", "group_size", "percentile"]].copy()
    out["slope_per_year"] = sl["slope_per_month"] * 12
    proj = sl["mean_pct"] + sl["slope_per_month"] * (h - sl["mean_month"])
    out["projected"] = proj.clip(0, 100)
    out["horizon"] = horizon
    out["trend"] = trend_label(out["slope_per_year"], band)
    out["n_months"] = sl["n_months"]
    out = out.reset_index().sort_values(["tier", "percentile"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def _until_months(r: pd.DataFrame, until: str | None) -> int:
    if until is None:
        return int(r["months"].max())
    if _PERIOD.match(str(until).strip()):
        return _month_index(until, "until")
    q = parse_quarter(until)
    return int(q[:4]) * 12 + int(q[-1]) * 3 - 1


# --- quarterly bulletins and persistently low cities ---------------------------------------------

def quarterly(rankings: pd.DataFrame) -> pd.DataFrame:
    """One row per city and quarter: the quarter's last available month (the ranking a bulletin cites),
    with the city's position in its provincial tier (``tier_position`` 1 = best; ``tier_from_bottom``
    1 = last; ties share a position) and the tier's number of cities that quarter."""
    r = _ensure(rankings)
    q = r.sort_values("months").groupby(["city", "quarter"], as_index=False).last()
    grp = q.groupby(["quarter", "tier"])["percentile"]
    q["tier_position"] = grp.rank(method="min", ascending=True).astype(int)
    q["tier_from_bottom"] = grp.rank(method="min", ascending=False).astype(int)
    q["tier_size"] = q.groupby(["quarter", "tier"])["city"].transform("size")
    return q.sort_values(["quarter", "tier", "percentile"], ascending=[True, False, True]).reset_index(drop=True)


@dataclass(frozen=True)
class LowRankRule:
    """When a city counts as persistently low: ``kind="bottom"``: among the last ``n`` of its provincial tier
    (设区市 or 县级市); ``kind="percentile"``: percentile at or above ``threshold`` in its national group —
    in each of ``quarters`` consecutive quarters up to the bulletin's quarter."""

    kind: str = "bottom"
    n: int = 1
    threshold: float = 80.0
    quarters: int = 3

    def __post_init__(self) -> None:
        # A dataclass takes no language: the default one (CREDITLAB_LANG), as the loaders' messages.
        if self.kind not in ("bottom", "percentile"):
            raise ValueError(said(f"低排名规则（low_rank_rule）的类型须为bottom或percentile，而不是{self.kind!r}",
                                  f"low-rank rule kind must be 'bottom' or 'percentile', got {self.kind!r}"))
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ValueError(said(f"低排名规则（low_rank_rule）的名次数n须为正整数，而不是{self.n!r}",
                                  f"low-rank rule n must be a positive whole number, got {self.n!r}"))
        if isinstance(self.quarters, bool) or not isinstance(self.quarters, int) or self.quarters < 1:
            raise ValueError(said(f"低排名规则（low_rank_rule）的季度数须为正整数，而不是{self.quarters!r}",
                                  f"low-rank rule quarters must be a positive whole number, got {self.quarters!r}"))
        if not 0 <= float(self.threshold) <= 100:
            raise ValueError(said(f"低排名规则（low_rank_rule）的百分位阈值须在0–100之间，而不是{self.threshold!r}",
                                  f"low-rank rule threshold must be a percentile 0–100, got {self.threshold!r}"))

    @classmethod
    def from_param(cls, value: LowRankRule | Mapping[str, Any] | str | None, lang: str | None = None
                   ) -> LowRankRule:
        """From a dict (``{"kind": "bottom", "n": 1, "quarters": 3}``) or a string ``"bottom:1:3"`` /
        ``"percentile:80:2"`` (kind : n or threshold : quarters); ValueError in ``lang`` (default: the default
        language) if it is not a rule."""
        if value is None:
            return cls()
        if isinstance(value, LowRankRule):
            return value
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(":")]
            if len(parts) != 3 or parts[0] not in ("bottom", "percentile"):
                raise ValueError(said(f"低排名规则（low_rank_rule）{value!r}：应为“bottom:名次数:季度数”或"
                                      f"“percentile:百分位阈值:季度数”",
                                      f"low-rank rule {value!r}: expected 'bottom:N:QUARTERS' or "
                                      f"'percentile:THRESHOLD:QUARTERS'", lang))
            try:
                first, quarters = float(parts[1]), int(parts[2])
            except ValueError:
                raise ValueError(said(f"低排名规则（low_rank_rule）{value!r}：应为数字",
                                      f"low-rank rule {value!r}: numbers expected", lang)) from None
            if parts[0] == "bottom":
                if first != int(first):
                    raise ValueError(said(f"低排名规则（low_rank_rule）{value!r}：名次数须为整数",
                                          f"low-rank rule {value!r}: N must be a whole number", lang))
                return cls("bottom", n=int(first), quarters=quarters)
            return cls("percentile", threshold=first, quarters=quarters)
        if isinstance(value, Mapping):
            unknown = set(value) - {"kind", "n", "threshold", "quarters"}
            if unknown:
                raise ValueError(said(f"低排名规则（low_rank_rule）：未知的键 {sorted(unknown)}"
                                      f"（可用：kind、n、threshold、quarters）",
                                      f"low-rank rule: unknown key(s) {sorted(unknown)} "
                                      f"(expected kind, n, threshold, quarters)", lang))
            return cls(**dict(value))
        raise ValueError(said(f"低排名规则（low_rank_rule）须为字典或字符串，而不是{value!r}",
                              f"low-rank rule should be a dict or a string, got {value!r}", lang))

    def describe(self, lang: str = "zh") -> str:
        """The rule in words."""
        if self.kind == "bottom":
            if lang == "zh":
                last = "末位" if self.n == 1 else f"后{self.n}位"
                return f"连续{self.quarters}个季度位列全省同类城市（设区市或县级市）{last}"
            last = "last" if self.n == 1 else f"among the last {self.n}"
            return f"{last} of the province's cities of its tier (prefecture- or county-level) " \
                   f"in {self.quarters} consecutive quarters"
        if lang == "zh":
            return f"连续{self.quarters}个季度在全国分组中位于后{100 - self.threshold:g}%（百分位≥{self.threshold:g}）"
        return f"in the bottom {100 - self.threshold:g}% of its national group (percentile ≥ " \
               f"{self.threshold:g}) in {self.quarters} consecutive quarters"


def _low_flags(q: pd.DataFrame, rule: LowRankRule) -> pd.Series:
    if rule.kind == "bottom":
        return q["tier_from_bottom"] <= rule.n
    return q["percentile"] >= rule.threshold - 1e-9


def _streaks(q: pd.DataFrame, rule: LowRankRule) -> pd.DataFrame:
    """Per city and quarter, the number of consecutive low quarters ending there (a missing quarter breaks
    the streak)."""
    quarters = sorted(q["quarter"].unique())
    grid = pd.MultiIndex.from_product([sorted(q["city"].unique()), quarters], names=["city", "quarter"])
    flag = _low_flags(q, rule).set_axis(pd.MultiIndex.from_frame(q[["city", "quarter"]]))
    flag = flag.reindex(grid, fill_value=False).astype(bool)
    frame = flag.rename("low").reset_index()
    # run id increases at every non-low quarter; the cumulative count within a run is the streak length
    run = (~frame["low"]).groupby(frame["city"]).cumsum()
    frame["streak"] = frame["low"].astype(int).groupby([frame["city"], run]).cumsum()
    return frame


def persistently_low(rankings: pd.DataFrame, rule: LowRankRule | Mapping[str, Any] | str | None = None,
                     quarter: str | None = None) -> pd.DataFrame:
    """Cities that meet ``rule`` in at least ``rule.quarters`` consecutive quarters ending at ``quarter``
    (default: the latest) — the list for the follow-up talks (约谈) of the 2023 work points (十九).

    Columns ``city, tier, group, streak, since, quarter, rank, group_size, percentile, tier_from_bottom``.
    """
    rule = LowRankRule.from_param(rule)
    r = _ensure(rankings)
    q = quarterly(r)
    quarter = check_quarter(r, quarter) if quarter is not None else max(q["quarter"])
    st = _streaks(q, rule)
    now = st[(st["quarter"] == quarter) & (st["streak"] >= rule.quarters)]
    quarters = sorted(q["quarter"].unique())
    pos = quarters.index(quarter)
    out = now.merge(q[q["quarter"] == quarter], on=["city", "quarter"])
    out["since"] = [quarters[pos - s + 1] for s in out["streak"]]
    cols = ["city", "tier", "group", "streak", "since", "quarter", "period", "rank", "group_size", "percentile",
            "tier_from_bottom", "tier_size"]
    out = out[cols].sort_values(["tier", "percentile"], ascending=[False, False], kind="stable")
    out.attrs["rule"] = rule
    return out.reset_index(drop=True)


def bulletin(rankings: pd.DataFrame, quarter: str, rule: LowRankRule | Mapping[str, Any] | str | None = None,
             window: int = 12, band: float = 2.0) -> pd.DataFrame:
    """The quarterly bulletin table the provincial office circulates, one row per city.

    Columns ``tier, city, group, group_size, rank, rank_prev, change (places up, positive is better),
    percentile, percentile_prev, percentile_change, slope_per_year (over the last window months), trend,
    tier_position, tier_size, low_streak, persistently_low`` — sorted by tier, then best first.
    """
    rule = LowRankRule.from_param(rule)
    r = _ensure(rankings)
    quarter = check_quarter(r, quarter)
    q = quarterly(r)
    quarters = sorted(q["quarter"].unique())
    prev_q = quarters[quarters.index(quarter) - 1] if quarters.index(quarter) > 0 else None
    now = q[q["quarter"] == quarter].set_index("city")
    prev = q[q["quarter"] == prev_q].set_index("city") if prev_q else now.iloc[0:0]
    end = int(now["months"].max())
    sl = _slopes(r[(r["months"] <= end) & (r["months"] > end - window)])
    st = _streaks(q, rule)
    st = st[st["quarter"] == quarter].set_index("city")["streak"]
    out = now[["tier", "group", "period", "group_size", "rank", "percentile", "tier_position", "tier_size"]].copy()
    out["rank_prev"] = prev["rank"].reindex(out.index).astype("Int64")
    out["change"] = out["rank_prev"] - out["rank"]
    out["percentile_prev"] = prev["percentile"].reindex(out.index)
    out["percentile_change"] = out["percentile"] - out["percentile_prev"]
    out["slope_per_year"] = sl["slope_per_month"].reindex(out.index) * 12
    out["trend"] = trend_label(out["slope_per_year"], band)
    out["low_streak"] = st.reindex(out.index).fillna(0).astype(int)
    out["persistently_low"] = out["low_streak"] >= rule.quarters
    out = out.reset_index().sort_values(["tier", "percentile"], ascending=[False, True], kind="stable")
    out.attrs.update(quarter=quarter, previous=prev_q, rule=rule)
    cols = ["tier", "city", "group", "period", "group_size", "rank", "rank_prev", "change", "percentile",
            "percentile_prev", "percentile_change", "slope_per_year", "trend", "tier_position", "tier_size",
            "low_streak", "persistently_low"]
    return out[cols].reset_index(drop=True)
