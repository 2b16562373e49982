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

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.problems import MAX_ROWS_SHOWN, Problems, default_lang, quote
from ..core.tables import read_table
from ..core.years import is_year, year_mask, year_problem
from ..loaders.plan import Plan, RowReporter, check_columns, load_plan, resolve_path
from ..loaders.regions import load_regions

GROUPS: dict[str, tuple[str, str]] = {
    "capital": ("省会及副省级城市", "provincial capitals and sub-provincial cities"),
    "prefecture": ("地级市", "prefecture-level cities"),
    "county": ("县级市", "county-level cities"),
}
TIERS: dict[str, tuple[str, str]] = {
    "capital": ("设区市", "prefecture-level"), "prefecture": ("设区市", "prefecture-level"),
    "county": ("县级市", "county-level"),
}
# which regions.csv types may appear in which group (杨凌示范区, a zone, is not ranked as a city)
GROUP_TYPES = {"capital": "prefecture_city", "prefecture": "prefecture_city", "county": "county_city"}
REQUIRED = ("city", "group", "period", "rank", "group_size")
OPTIONAL = ("city_code", "province", "score", "note")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$")
PLAN_INDICATOR = "city_ranking_percentile"


# --- loading -------------------------------------------------------------------------------------

def load_rankings(path: str | Path, province: str | None = "陕西", lang: str | None = None) -> pd.DataFrame:
    """Read a rankings CSV or Excel file (``city, group, period, rank, group_size``) and validate it.

    With ``province``, a ``province`` column (if any) selects that province's rows, and every city must be
    one of its prefecture cities or county-level cities in ``regions.csv``. Returns the tidy frame of
    :func:`validate_rankings` with percentiles (:func:`rank_percentiles`).
    """
    path = resolve_path(path)
    frame = read_table(path)
    frame.index = pd.RangeIndex(2, len(frame) + 2)  # line numbers: the header is line 1
    return rank_percentiles(validate_rankings(frame, province=province, source=str(path), lines=True, lang=lang))


def _regions(province: str) -> pd.DataFrame:
    return load_regions(province)


def province_name(province: str, lang: str = "zh") -> str:
    """The province's name as regions.csv spells it (``"陕西"`` -> ``"陕西省"`` or ``"Shaanxi"``)."""
    row = _regions(province).query("level == 'province'").iloc[0]
    return str(row["name"] if lang == "zh" else row["name_en"])


def validate_rankings(frame: pd.DataFrame, province: str | None = None, source: str | None = None,
                      lines: bool = False, lang: str | None = None) -> pd.DataFrame:
    """Check a rankings table and return it tidy, every problem at once in one :class:`DataError`.

    Checks: required columns; known group; period ``YYYY-MM`` in a year creditlab accepts (years.py);
    rank and group size whole numbers with ``1 <= rank <= group_size``; one group size per group and month;
    one row per city and month; with ``province``, cities known for that province and in a group that fits
    their type. ``lines``: the frame's index holds the file's line numbers (header = 1). Messages in
    Chinese unless ``lang="en"`` (default: ``$CREDITLAB_LANG``).
    """
    lang = lang or default_lang()
    source = source or frame.attrs.get("source") or "<rankings>"
    pb = Problems("城市信用监测排名" if lang == "zh" else "rankings", error=DataError, lang=lang)
    cols = [str(c).strip() for c in frame.columns]
    check_columns(pb, source, cols, REQUIRED, OPTIONAL)
    pb.raise_if_any()
    raw = frame.copy()
    raw.columns = cols
    txt = {c: raw[c].astype("string").fillna("").str.strip() for c in cols}
    rows = raw.index.to_numpy()

    if province is not None and "province" in txt:
        names = set(load_regions(province).query("level == 'province'")["name"]) | {province}
        keep = txt["province"].isin(names | {n.removesuffix("省") for n in names}).to_numpy()
        raw, rows = raw[keep], rows[keep]
        txt = {c: v[keep] for c, v in txt.items()}
        if not keep.any():
            pb.add(f"没有省份 {quote(province)} 的行", f"no rows for province {quote(province)}", file=source)
            pb.raise_if_any()
    report = RowReporter(pb, source, cols, rows, lines)
    city = txt["city"].to_numpy(object)
    report(city == "", "city", lambda i: "城市名称为空", lambda i: "empty city name")
    aliases = {k: code for code, (zh, en) in GROUPS.items() for k in (code, zh, en)}
    group = txt["group"].map(lambda g: aliases.get(g, aliases.get(g.lower()))).to_numpy(object)
    report(pd.isna(group), "group",
           lambda i: f"未知的组别 {quote(txt['group'].iloc[i])}（可选：{', '.join(GROUPS)}）",
           lambda i: f"unknown group {quote(txt['group'].iloc[i])} (expected one of {', '.join(GROUPS)})")
    m = txt["period"].str.extract(_PERIOD)
    year = pd.to_numeric(m[0], errors="coerce").to_numpy(float)
    month = pd.to_numeric(m[1], errors="coerce").to_numpy(float)
    bad_period = np.isnan(year) | ~((month >= 1) & (month <= 12))
    report(bad_period, "period", lambda i: f"{quote(txt['period'].iloc[i])} 不是月份（应如 2024-03）",
           lambda i: f"{quote(txt['period'].iloc[i])} is not a month such as 2024-03")
    bad_year = ~bad_period & ~year_mask(year)
    report(bad_year, "period", lambda i: f"{quote(txt['period'].iloc[i])}：{year_problem(int(year[i]), 'zh')}",
           lambda i: f"{quote(txt['period'].iloc[i])}: {year_problem(int(year[i]), 'en')}")
    bad_period = bad_period | bad_year

    def whole(col: str) -> np.ndarray:
        v = pd.to_numeric(txt[col], errors="coerce").to_numpy(float)
        bad = ~np.isfinite(v) | (np.round(v) != v) | (v < 1)
        report(bad, col, lambda i: f"{quote(txt[col].iloc[i])} 不是正整数",
               lambda i: f"{quote(txt[col].iloc[i])} is not a positive whole number")
        return np.where(bad, np.nan, v)

    rank, size = whole("rank"), whole("group_size")
    report(rank > size, "rank", lambda i: f"名次 {rank[i]:g} 大于组内城市数 {size[i]:g}",
           lambda i: f"rank {rank[i]:g} is larger than the group size {size[i]:g}")

    if province is not None:
        regions = _regions(province)
        types = dict(zip(regions["name"], regions["type"], strict=True))
        codes = dict(zip(regions["code"], regions["name"], strict=True))
        known = {n for n, t in types.items() if t in ("prefecture_city", "county_city")}

        def city_msg(i: int, lng: str) -> str:
            if types.get(city[i]) is not None:
                if lng == "zh":
                    return f"{quote(city[i])} 是 {types[city[i]]}，不是参加监测排名的城市"
                return f"{quote(city[i])} is a {types[city[i]]}, not a city ranked in the monitoring"
            close = difflib.get_close_matches(city[i], sorted(known), n=1)
            if lng == "zh":
                return f"{province}没有城市 {quote(city[i])}" + (f"（是否应为 {close[0]!r}？）" if close else "")
            return f"unknown city {quote(city[i])} in {province}" + (f" — did you mean {close[0]!r}?" if close else "")

        report((city != "") & ~np.isin(city, list(known)), "city", lambda i: city_msg(i, "zh"),
               lambda i: city_msg(i, "en"))
        ok = np.isin(city, list(known)) & ~pd.isna(group)
        fits = pd.Series(group).map(GROUP_TYPES).to_numpy(object) == pd.Series(city).map(types).to_numpy(object)
        report(ok & ~fits, "group", lambda i: f"{city[i]}（{types[city[i]]}）不能属于组别 {group[i]!r}",
               lambda i: f"{city[i]} ({types[city[i]]}) cannot be in group {group[i]!r}")
        if "city_code" in txt:
            code = txt["city_code"].to_numpy(object)
            wrong = (code != "") & np.array([codes.get(c, c_) != c_ for c, c_ in zip(code, city, strict=True)])
            report(wrong, "city_code",
                   lambda i: f"代码 {quote(code[i])} 不是{city[i]}（是{codes.get(code[i], '未知代码')}）",
                   lambda i: f"code {quote(code[i])} is not {city[i]} ({codes.get(code[i], 'unknown code')})")

    tidy = pd.DataFrame({"city": city, "group": group, "period": txt["period"].to_numpy(object),
                         "year": year, "month": month, "rank": rank, "group_size": size, "row": rows})
    if "city_code" in txt:
        tidy.insert(1, "city_code", txt["city_code"].to_numpy(object))
    is_valid = ~(pd.isna(group) | bad_period | np.isnan(rank) | np.isnan(size) | (city == ""))
    valid = tidy[is_valid].assign(_pos=np.flatnonzero(is_valid))
    dup = valid.duplicated(["city", "period"], keep=False)
    for (c, p), grp in valid[dup].groupby(["city", "period"], sort=False):
        report.rows_problem(grp["_pos"], "city, period", f"{quote(c, 60)} 在 {p} 的排名重复",
                            f"duplicate ranking of {quote(c, 60)} in {p}")
    sizes = valid.groupby(["group", "period"])["group_size"].nunique()
    for (g, p) in sizes[sizes > 1].index:
        grp = valid[(valid["group"] == g) & (valid["period"] == p)]
        shown = list(zip(grp["row"], grp["group_size"], strict=True))[:MAX_ROWS_SHOWN]
        more = "" if len(grp) <= MAX_ROWS_SHOWN else f" … ({len(grp)})"
        report.rows_problem(grp["_pos"], "group_size",
                            f"组别 {g!r} 在 {p} 的组内城市数不一致（"
                            + "，".join(f"第{r}行：{s:g}" for r, s in shown) + more + "）",
                            f"group {g!r} has different sizes in {p} ("
                            + ", ".join(f"row {r}: {s:g}" for r, s in shown) + more + ")")
    pb.raise_if_any()
    tidy = tidy.astype({"year": int, "month": int, "rank": int, "group_size": int})
    tidy["tier"] = tidy["group"].map(lambda g: TIERS[g][0])
    tidy["quarter"] = tidy["year"].astype(str) + "Q" + ((tidy["month"] - 1) // 3 + 1).astype(str)
    tidy = tidy.sort_values(["period", "group", "rank"], kind="stable").reset_index(drop=True)
    tidy.attrs["source"] = source
    return tidy


def rank_percentiles(rankings: pd.DataFrame) -> pd.DataFrame:
    """Add ``percentile`` = 100 × rank / group_size: the position from the top of the city's group in that
    month (rank 1 of 261 ≈ 0.4 %; the last city of a group is 100 %).

    ``rankings`` needs ``city, group, period, rank, group_size``; an unvalidated frame is validated first
    (without the province check), so a bad rank or an inconsistent group size raises :class:`DataError`.
    """
    if "tier" not in rankings.columns or "quarter" not in rankings.columns:
        rankings = validate_rankings(rankings)
    out = rankings.copy()
    out["percentile"] = 100.0 * out["rank"].to_numpy(float) / out["group_size"].to_numpy(float)
    out["months"] = out["year"] * 12 + out["month"] - 1  # a month counter for trends and paths
    return out


def _ensure(rankings: pd.DataFrame) -> pd.DataFrame:
    return rankings if "percentile" in rankings.columns else rank_percentiles(rankings)


# --- periods -------------------------------------------------------------------------------------

def parse_quarter(period: str) -> str:
    """Normalise ``"2024Q4"``, ``"2024-Q4"``, ``"2024q4"`` or a month ``"2024-11"`` to ``"2024Q4"``."""
    text = str(period).strip()
    m = _QUARTER.match(text)
    if m:
        _check_year(m.group(1), "period", period)
        return f"{m.group(1)}Q{m.group(2)}"
    m = _PERIOD.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        _check_year(m.group(1), "period", period)
        return f"{m.group(1)}Q{(int(m.group(2)) - 1) // 3 + 1}"
    raise ValueError(f"period {quote(period)} is not a quarter such as 2024Q4 (or a month such as 2024-12)")


def _check_year(year: str, what: str, text: Any) -> None:
    if not is_year(int(year)):
        raise ValueError(f"{what} {quote(text)}: {year_problem(int(year), 'en')}")


def _month_index(text: Any, what: str) -> int:
    """``YYYY-MM`` as a month counter (``year * 12 + month - 1``); ValueError naming ``what`` unless it is a
    month of a year creditlab accepts (years.py)."""
    m = _PERIOD.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"{what} {quote(text)} is not a month such as 2025-12")
    _check_year(m.group(1), what, text)
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def check_quarter(rankings: pd.DataFrame, period: str) -> str:
    """The quarter of ``period`` if the rankings cover it, else ValueError naming the quarters covered."""
    q = parse_quarter(period)
    quarters = sorted(_ensure(rankings)["quarter"].unique())
    if q not in quarters:
        span = f"{quarters[0]}–{quarters[-1]}" if quarters else "none"
        raise ValueError(f"period {period!r}: no rankings for {q}; the data cover {span}")
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
        if self.kind not in ("bottom", "percentile"):
            raise ValueError(f"low-rank rule kind must be 'bottom' or 'percentile', got {self.kind!r}")
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"low-rank rule n must be a positive whole number, got {self.n!r}")
        if isinstance(self.quarters, bool) or not isinstance(self.quarters, int) or self.quarters < 1:
            raise ValueError(f"low-rank rule quarters must be a positive whole number, got {self.quarters!r}")
        if not 0 <= float(self.threshold) <= 100:
            raise ValueError(f"low-rank rule threshold must be a percentile 0–100, got {self.threshold!r}")

    @classmethod
    def from_param(cls, value: LowRankRule | Mapping[str, Any] | str | None) -> LowRankRule:
        """From a dict (``{"kind": "bottom", "n": 1, "quarters": 3}``) or a string ``"bottom:1:3"`` /
        ``"percentile:80:2"`` (kind : n or threshold : quarters)."""
        if value is None:
            return cls()
        if isinstance(value, LowRankRule):
            return value
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(":")]
            if len(parts) != 3 or parts[0] not in ("bottom", "percentile"):
                raise ValueError(f"low-rank rule {value!r}: expected 'bottom:N:QUARTERS' or "
                                 f"'percentile:THRESHOLD:QUARTERS'")
            try:
                first, quarters = float(parts[1]), int(parts[2])
            except ValueError:
                raise ValueError(f"low-rank rule {value!r}: numbers expected") from None
            if parts[0] == "bottom":
                if first != int(first):
                    raise ValueError(f"low-rank rule {value!r}: N must be a whole number")
                return cls("bottom", n=int(first), quarters=quarters)
            return cls("percentile", threshold=first, quarters=quarters)
        if isinstance(value, Mapping):
            unknown = set(value) - {"kind", "n", "threshold", "quarters"}
            if unknown:
                raise ValueError(f"low-rank rule: unknown key(s) {sorted(unknown)} "
                                 f"(expected kind, n, threshold, quarters)")
            return cls(**dict(value))
        raise ValueError(f"low-rank rule should be a dict or a string, got {value!r}")

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
