"""City credit-monitoring rankings (全国城市信用状况监测排名) in: a rankings CSV or Excel file read and
validated into one tidy frame with percentiles (what :mod:`creditlab.analysis.monitoring` computes on).

The national monitoring ranks cities monthly within three groups (:data:`GROUPS`) whose sizes change over time,
so the group size is a column of the data, never a constant. A city's **percentile** is its position from the
top of its group in percent, ``100 * rank / group_size`` (rank 1 of 261 is 0.4 %, the last is 100 %).
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.problems import MAX_ROWS_SHOWN, Problems, default_lang, quote
from ..core.tables import read_table
from ..core.years import year_mask, year_problem
from .plan import RowReporter, check_columns, resolve_path
from .regions import load_regions

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
