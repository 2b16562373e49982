"""Validation of indicator tables read from files: columns, values (vectorised, per rubric kind), years, regions
and duplicates; every problem names the file, sheet, row and column (see :mod:`creditlab.loaders.data`)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError, RubricError
from ..core.problems import MAX_ROWS_SHOWN, Problem, said
from ..core.years import YEAR_MAX, YEAR_MIN, year_mask
from .formats import _NUMBER, _YES_NO, COLUMNS, MAX_GROUPS, _Chunk, _Found
from .rubric import Rubric, list_rubrics, load_rubric
from .zones import _who, jurisdiction_place, jurisdiction_units

# ---------------------------------------------------------------------------------------------
# Rubric helpers


def _as_rubric(rubric: Rubric | str | Path | None) -> Rubric | None:
    if rubric is None or isinstance(rubric, Rubric):
        return rubric
    return load_rubric(rubric)


def value_ids(rubric: Rubric) -> list[str]:
    """The ids indicator data uses for ``rubric``: its criteria, metric criteria replaced by their metrics."""
    crit = rubric.criteria
    ids: list[str] = []
    for cid, rule in zip(crit["id"], crit["rule"], strict=True):
        if rule == "metric":
            ids.extend(rubric.metrics.loc[rubric.metrics["criterion"] == cid, "id"])
        else:
            ids.append(cid)
    return ids


def _value_spec(rubric: Rubric) -> pd.DataFrame:
    """Per value id: the kind of value expected (binary, percent, count, points, score, number),
    its maximum, and the same for the development-zone variant."""
    crit = rubric.criteria.set_index("id")
    rows = []
    for cid in crit.index:
        c = crit.loc[cid]
        if c["rule"] == "metric":
            for m in rubric.metrics[rubric.metrics["criterion"] == cid].itertuples():
                kind = {"percent": "percent", "yes_no": "binary"}.get(m.unit, "number")
                rows.append({"id": m.id, "kind": kind, "max": np.nan, "park_kind": None, "park_max": np.nan,
                             "mandatory": False, "text_zh": m.text_zh, "text_en": m.text_en,
                             "criterion": cid, "metric_unit": m.unit, "direction": m.direction})
            continue
        kind = {"binary": "binary", "per_unit": "count", "discretionary": "points", "graded": "points",
                "assessed": "score"}.get(c["rule"])
        if c["rule"] == "threshold":
            kind = "percent" if c["unit"] == "percent" else "count"
        park_kind = "points" if c["park_rule"] in ("discretionary", "graded") else None
        rows.append({"id": cid, "kind": kind, "max": c["max"], "park_kind": park_kind,
                     "park_max": c["park_max"], "mandatory": bool(c["mandatory"]), "text_zh": c["text_zh"],
                     "text_en": c["text_en"], "criterion": cid, "metric_unit": None, "direction": None})
    return pd.DataFrame(rows).set_index("id")


def _bundled_rubrics() -> list[Rubric]:
    """Every bundled rubric that loads; a broken file (being edited) is skipped, not fatal here."""
    out = []
    for name in list_rubrics():
        try:
            out.append(load_rubric(name))
        except RubricError:
            continue
    return out


def infer_rubric(ids: Iterable[str]) -> tuple[Rubric, list[str]]:
    """The bundled rubric whose ids cover ``ids``; else the closest one and the ids it lacks."""
    ids = {i for i in ids if i}
    candidates = _bundled_rubrics()
    if not candidates:
        raise DataError(said("没有可加载的内置评估标准，无法识别指标编号",
                             "no bundled rubric could be loaded to recognise the criterion ids"))
    scored = [(len(ids & set(value_ids(r))), r) for r in candidates]
    covering = [r for n, r in scored if n == len(ids)]
    if len(covering) > 1:
        raise DataError(said(f"指标编号同时符合多个评估标准（{'、'.join(r.name for r in covering)}）；"
                             "请用 rubric= 指定一个",
                             f"the criterion ids fit several rubrics ({', '.join(r.name for r in covering)}); "
                             "pass rubric= to choose one"))
    if covering:
        return covering[0], []
    best = max(scored, key=lambda t: t[0])[1]
    return best, sorted(ids - set(value_ids(best)))


# ---------------------------------------------------------------------------------------------
# Vectorised validation


def _codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column's codes and distinct values: free for a categorical, else one hash pass (no sorting)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, uniques = s.cat.codes.to_numpy(), np.asarray(s.cat.categories, dtype=object)
        if (codes < 0).any():  # missing cells: one more distinct value, NaN
            codes, uniques = np.where(codes < 0, len(uniques), codes), np.append(uniques, np.nan)
        return codes, uniques
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def _by_unique(s: pd.Series, func: Callable[[pd.Series], Any]) -> pd.Series:
    """``func`` (a vectorised function of a column) applied to the distinct values of ``s`` only, then
    spread back: a column of 1.5 million cells holds a few hundred codes, ids or numbers, so the string
    work is done once per distinct text."""
    codes, uniques = _codes(s)
    done = np.asarray(func(pd.Series(uniques, dtype=object)))
    return pd.Series(done[codes], index=s.index)


def _text_by_unique(s: pd.Series, func: Callable[[pd.Series], Any]) -> pd.Series:
    """Like :func:`_by_unique` for a function giving text; the result is categorical (texts that became
    equal share one category), so the next step on it needs no hashing again."""
    codes, uniques = _codes(s)
    recode, texts = pd.factorize(np.asarray(func(pd.Series(uniques, dtype=object)), dtype=object))
    return pd.Series(pd.Categorical.from_codes(recode[codes], categories=texts), index=s.index)


def _is_blank(u: pd.Series) -> pd.Series:
    """Empty or only white space (no new strings made: cheaper than stripping)."""
    text = u.fillna("").astype(str)
    return (text.str.len() == 0) | text.str.isspace()


def _strip(raw: pd.DataFrame, col: Any) -> pd.Series:
    if col not in raw:
        return pd.Series(pd.Categorical.from_codes(np.zeros(len(raw), dtype=np.int8), categories=[""]),
                         index=raw.index)
    return _text_by_unique(raw[col], lambda u: u.fillna("").astype(str).str.strip())


def _fold_text(u: pd.Series) -> pd.Series:
    wide = ~u.str.isascii().fillna(True).astype(bool)
    if not wide.any():
        return u
    folded = u[wide].str.normalize("NFKC").str.replace("\u2212", "-", regex=False).str.strip()
    return u.where(~wide, folded)


def _fold(text: pd.Series) -> pd.Series:
    """Full-width digits, percent sign, minus and decimal point (８５．５％, －３) as ASCII (NFKC; also the
    minus sign U+2212)."""
    return _text_by_unique(text, _fold_text)


def _parse(u: pd.Series) -> pd.Series:
    ok = u.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    with np.errstate(over="ignore"):
        return pd.to_numeric(u.where(ok), errors="coerce").astype(float)


def _numbers(text: pd.Series, percent_sign: pd.Series | None = None) -> pd.Series:
    """Parse numbers written as numbers (no words, no 'nan'/'inf'); NaN where unparseable or blank.
    ``percent_sign``: rows where "85%" means 85 (a rate in percent)."""
    codes, uniques = _codes(text)
    u = pd.Series(uniques, dtype=object).fillna("").astype(str)
    plain = _parse(u).to_numpy(dtype=float)
    if percent_sign is None:
        return pd.Series(plain[codes], index=text.index)
    ends = u.str.endswith("%").to_numpy(dtype=bool)
    signed = plain.copy()
    if ends.any():
        signed[ends] = _parse(u[ends].str[:-1].str.strip()).to_numpy(dtype=float)
    use = np.asarray(percent_sign, dtype=bool) & ends[codes]
    return pd.Series(np.where(use, signed[codes], plain[codes]), index=text.index)


def _ends_pct(text: pd.Series) -> np.ndarray:
    return _by_unique(text, lambda u: u.str.endswith("%")).to_numpy(dtype=bool)


def _q(value: Any, limit: int = 60) -> str:
    """An untrusted cell value quoted for a message: one line, at most ``limit`` characters."""
    text = str(value).replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


Msg = Callable[[Any], str]

# The kinds of value _value_spec gives ("": an unknown criterion), the categories of the per-row kind.
_KINDS = pd.Index(["", "binary", "percent", "count", "points", "score", "number"], dtype=object)


def _group_ids(columns: Sequence[pd.Series], idx: np.ndarray) -> np.ndarray:
    """Group numbers, in order of first appearance, of the rows ``idx`` by the values of ``columns``:
    the columns' codes combined pairwise and re-factorised (integers only, never a product overflow)."""
    gid = np.zeros(len(idx), dtype=np.int64)
    for col in columns:
        codes, _ = pd.factorize(_codes(col)[0][idx])
        gid, _ = pd.factorize(gid * (codes.max(initial=0) + 1) + codes)
    return gid


def _report(out: list[Problem], t: pd.DataFrame, chunks: list[_Chunk], mask: Any, field_: str,
            zh: Msg, en: Msg, by: Sequence[str] = (), severity: str = "error") -> None:
    """The failing rows of one vectorised check as grouped problems: one per table and distinct ``by``
    values (the fields the message uses), listing the first rows and the count. At most
    :data:`MAX_GROUPS` distinct messages; the remaining rows are summed up per table, so a hostile file
    cannot make the report (or the time to build it) grow with its size."""
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if not len(idx):
        return
    if severity == "error" and isinstance(out, _Found):
        out.bad.append(idx)
    gid = _group_ids([t["_chunk"], *(t[c] for c in by)], idx)
    rows = t["_row"].to_numpy()[idx]
    for g in range(min(int(gid.max()) + 1, MAX_GROUPS)):
        pos = np.flatnonzero(gid == g)
        first = SimpleNamespace(**t.iloc[idx[pos[0]]].to_dict())
        out.append(_problem(chunks, int(first._chunk), field_, zh(first), en(first), rows[pos], severity))
    rest = np.flatnonzero(gid >= MAX_GROUPS)
    chunk_of = t["_chunk"].to_numpy()[idx[rest]]
    for c in pd.unique(chunk_of):
        pos = rest[chunk_of == c]
        first = SimpleNamespace(**t.iloc[idx[pos[0]]].to_dict())
        out.append(_problem(chunks, int(c), field_, f"{zh(first)}（仅举一例：同类问题另有{len(pos)}行，未逐一列出）",
                            f"{en(first)} (one example of {len(pos)} more rows with problems of this kind)",
                            rows[pos], severity))


def _problem(chunks: list[_Chunk], chunk: int, field_: str, zh: str, en: str, rows: np.ndarray,
             severity: str = "error") -> Problem:
    ch = chunks[chunk]
    where = ch.fixed.get(field_)
    column = ch.columns.get(field_, field_) if where is None else ""
    if where is not None:
        zh, en = f"{zh}（来自{where[0]}）", f"{en} (from {where[1]})"
    shown = tuple(int(r) for r in rows[:MAX_ROWS_SHOWN])
    return Problem(ch.file, ch.sheet, shown[0], column, zh, en, severity=severity, rows=shown, count=len(rows))


_KIND_TEXT = {
    "binary": ("是否符合：1或0（是/否、yes/no、true/false）", "met/not met: 1 or 0 (是/否, yes/no, true/false)"),
    "percent": ("比率（%），0–100", "a rate in percent, 0–100"),
    "count": ("个数，不小于0的整数", "a count, a whole number ≥ 0"),
    "points": ("所得分数，0–{max:g}", "the points awarded, 0–{max:g}"),
    "score": ("评估得分，0–100", "an assessment score, 0–100"),
    "number": ("数值", "a number"),
}


def _kind_text(kind: str, mx: float, lang: str = "en") -> str:
    zh, en = _KIND_TEXT.get(kind, ("数值", "a value"))
    return (zh if lang == "zh" else en).format(max=mx if pd.notna(mx) else 0)


def _differs(before: pd.Series, after: pd.Series) -> np.ndarray:
    """``before != after`` row by row (as object arrays), compared once per distinct pair of values: the
    columns are categoricals of a few hundred texts over up to millions of rows."""
    cb, ub = _codes(before)
    ca, ua = _codes(after)
    to = np.full(len(ub), -1, dtype=np.int64)
    to[cb] = ca
    if (to[cb] == ca).all():  # after is a function of before (a fold of its texts): compare the texts once
        return np.asarray(ub != ua[to], dtype=bool)[cb] if len(ua) else np.zeros(len(cb), bool)
    pair, first = pd.factorize(cb.astype(np.int64) * (len(ua) + 1) + ca)
    b, a = np.divmod(np.asarray(first, dtype=np.int64), len(ua) + 1)
    return np.asarray(ub[b] != ua[a], dtype=bool)[pair]


def _normalised(out: list[Problem], t: pd.DataFrame, chunks: list[_Chunk], before: pd.Series,
                after: pd.Series, field_: str) -> None:
    """Warn (not reject) where full-width characters were folded: the person sees the change."""
    t = t.assign(_before=before, _after=after)
    by = ["region"] if "region" in t else []

    def who(r: Any, lang: str) -> str:
        code = getattr(r, "region", "")
        if not isinstance(code, str) or not code:
            return ""
        return _who(code)[0] + "：" if lang == "zh" else _who(code)[1] + ": "

    changed = _differs(before, after)
    _report(out, t, chunks, changed, field_,
            lambda r: f"{who(r, 'zh')}全角字符已转换为半角：“{_q(r._before)}”读作“{_q(r._after)}”",
            lambda r: f"{who(r, 'en')}full-width characters normalised: '{_q(r._before)}' read as '{_q(r._after)}'",
            by=by, severity="warning")


def _years(out: list[Problem], t: pd.DataFrame, chunks: list[_Chunk], year_text: pd.Series,
           rubric: Rubric | None = None) -> tuple[pd.Series, pd.Series]:
    """The year column parsed and checked against creditlab's one year range (and the rubric's years)."""
    year = _numbers(year_text)
    # Per distinct year (a handful over up to millions of rows): float % is slow.
    whole = _by_unique(year, lambda u: u.notna() & (u % 1 == 0)).astype(bool)
    ok = _by_unique(year, year_mask).astype(bool)
    t = t.assign(year_text=year_text)
    _report(out, t, chunks, year_text == "", "year", lambda r: "年份为空", lambda r: "the year is blank")
    _report(out, t, chunks, (year_text != "") & ~whole, "year",
            lambda r: f"“{_q(r.year_text)}”不是年份（应为整数，如2024）",
            lambda r: f"'{_q(r.year_text)}' is not a year (a whole number such as 2024)", by=["year_text"])
    _report(out, t, chunks, whole & ~ok, "year",
            lambda r: f"年份{_q(r.year_text)}超出 {YEAR_MIN}–{YEAR_MAX} 的范围",
            lambda r: f"year {_q(r.year_text)} is outside {YEAR_MIN}–{YEAR_MAX}", by=["year_text"])
    if rubric is not None:
        first, last = rubric.years
        in_rubric = ok & (year >= (first or -np.inf)) & (year <= (last if last is not None else np.inf))
        span = f"{first or '…'}–{last or ''}"
        _report(out, t, chunks, ok & ~in_rubric, "year",
                lambda r: f"年份{_q(r.year_text)}不在评估标准{rubric.name}的适用年份（{span}）内",
                lambda r: f"year {_q(r.year_text)} is outside the years rubric {rubric.name} is used for ({span})",
                by=["year_text"])
    return year, ok


def _regions(out: list[Problem], t: pd.DataFrame, chunks: list[_Chunk], known: set[str],
             applies: pd.Series | None = None) -> pd.Series:
    """The region column (an Excel number 610102.0 read as its code), checked against the known codes."""
    raw_region = _strip(t, "region")
    region = _fold(raw_region)
    _normalised(out, t, chunks, raw_region, region, "region")
    region = _text_by_unique(region, lambda u: u.str.replace(r"^(\d{6})\.0+$", r"\1", regex=True))
    applies = pd.Series(True, index=t.index) if applies is None else applies
    t = t.assign(region=region)
    _report(out, t, chunks, applies & (region == ""), "region", lambda r: "区划代码为空",
            lambda r: "the region code is blank")
    _report(out, t, chunks, applies & (region != "") & ~region.isin(known), "region",
            lambda r: f"未知区划代码“{_q(r.region)}”（不在 regions.csv 或 zones.csv 中）",
            lambda r: f"unknown region code '{_q(r.region)}' (not in regions.csv or zones.csv)", by=["region"])
    return region


def _outside(out: list[Problem], t: pd.DataFrame, chunks: list[_Chunk], region: pd.Series, known: set[str],
             rubric: Rubric) -> None:
    """Rows of a known region outside the rubric's jurisdiction (宝鸡市金台区 in data for linyi-2019)."""
    inside = set(jurisdiction_units(rubric.jurisdiction)["code"])
    mask = region.isin(known) & ~region.isin(inside)
    if not mask.any():
        return
    place = jurisdiction_place(rubric.jurisdiction)
    _report(out, t.assign(region=region), chunks, mask, "region",
            lambda r: f"{_who(r.region)[0]}不在评估标准 {rubric.name} 的适用范围{place['name']}（{place['code']}）内",
            lambda r: f"{_who(r.region)[1]} is outside the jurisdiction of rubric {rubric.name}, "
                      f"{place['name_en'] or place['name']} ({place['code']})", by=["region"])


def _validate(raw: pd.DataFrame, chunks: list[_Chunk], rubric: Rubric, known: set[str],
              parks: set[str], jurisdiction: bool = True) -> tuple[pd.DataFrame, list[Problem]]:
    """Check every row at once; return the typed frame (with _chunk/_row) and the problems (errors and
    warnings, each naming the county by name and code). ``jurisdiction``: also refuse regions outside the
    rubric's jurisdiction (not when the caller gave the accepted regions)."""
    spec = _value_spec(rubric)
    p = _Found()
    t = raw
    region = _regions(p, t, chunks, known)
    if jurisdiction:
        _outside(p, t, chunks, region, known, rubric)
    year_raw = _strip(raw, "year")
    year_text = _fold(year_raw)
    crit_raw = _strip(raw, "criterion")
    crit = _fold(crit_raw)
    value_raw = _strip(raw, "value")
    text = _fold(value_raw)
    t = raw.assign(region=region, criterion=crit, value_text=text)
    _normalised(p, t, chunks, year_raw, year_text, "year")
    _normalised(p, t, chunks, crit_raw, crit, "criterion")
    _normalised(p, t, chunks, value_raw, text, "value")
    year, year_ok = _years(p, t, chunks, year_text, rubric)

    crit_ok = crit.isin(spec.index)
    is_park = region.isin(parks)
    # The kind of value per row as a categorical of the few kinds: every comparison below is on small codes.
    plain_kind = _by_unique(crit, lambda u: _KINDS.get_indexer(u.map(spec["kind"]).fillna(""))).to_numpy()
    park_kind = _by_unique(crit, lambda u: _KINDS.get_indexer(u.map(spec["park_kind"]).fillna(""))).to_numpy()
    use_park = is_park & (park_kind > 0)
    kind = pd.Series(pd.Categorical.from_codes(np.where(use_park, park_kind, plain_kind), categories=_KINDS),
                     index=crit.index)
    mx = _by_unique(crit, lambda u: u.map(spec["max"])).astype(float).where(
        ~use_park, _by_unique(crit, lambda u: u.map(spec["park_max"])).astype(float))
    t = t.assign(kind=kind, max=mx)

    blank = text == ""
    words = _by_unique(text, lambda u: u.str.casefold().map(_YES_NO)).astype(float)
    value = _numbers(text, percent_sign=kind == "percent")
    value = value.where(~((kind == "binary") & words.notna()), words).astype(float)
    t = t.assign(value=value.where(~blank))

    _report(p, t, chunks, crit == "", "criterion", lambda r: "指标编号为空", lambda r: "the criterion id is blank")
    ids = list(spec.index)

    def hint(r: Any, lang: str) -> str:
        close = difflib.get_close_matches(str(r.criterion), ids, n=1, cutoff=0.7)
        if not close:
            return ""
        return f"，是否应为“{close[0]}”？" if lang == "zh" else f"; did you mean {close[0]!r}?"

    _report(p, t, chunks, (crit != "") & ~crit_ok, "criterion",
            lambda r: f"未知指标编号“{_q(r.criterion)}”（评估标准{rubric.name}中没有）{hint(r, 'zh')}",
            lambda r: f"unknown criterion '{_q(r.criterion)}' (not in rubric {rubric.name}){hint(r, 'en')}",
            by=["criterion"])

    def who(r: Any, lang: str) -> str:
        zh, en = _who(r.region)
        return f"{zh}{r.criterion}：" if lang == "zh" else f"{en} {r.criterion}: "

    present = crit_ok & ~blank
    unparsed = present & value.isna()
    by = ["region", "criterion", "value_text", "kind", "max"]
    _report(p, t, chunks, unparsed & (kind == "binary"), "value",
            lambda r: f"{who(r, 'zh')}“{_q(r.value_text)}”不是1/0、是/否、yes/no或true/false（该项为是否符合）",
            lambda r: f"{who(r, 'en')}'{_q(r.value_text)}' is not 1/0, 是/否, yes/no or true/false "
                      f"(criterion {r.criterion} is met/not met)", by=by)
    _report(p, t, chunks, unparsed & (kind != "binary"), "value",
            lambda r: f"{who(r, 'zh')}“{_q(r.value_text)}”不是数字（该项应填{_kind_text(r.kind, r.max, 'zh')}）",
            lambda r: f"{who(r, 'en')}'{_q(r.value_text)}' is not a number "
                      f"(criterion {r.criterion} expects {_kind_text(r.kind, r.max)})", by=by)
    v = value
    num = present & v.notna()
    finite = np.isfinite(v)
    checks = [
        (num & ~finite, lambda r: f"{who(r, 'zh')}{_q(r.value_text)}不是有限的数",
         lambda r: f"{who(r, 'en')}{_q(r.value_text)} is not a finite number"),
        (num & (kind == "binary") & ~v.isin([0.0, 1.0]),
         lambda r: f"{who(r, 'zh')}“{_q(r.value_text)}”不是0/1（该项为是否符合：1或0、是/否）",
         lambda r: f"{who(r, 'en')}'{_q(r.value_text)}' is not 0/1 (criterion {r.criterion} is met/not met: "
                   "1 or 0, 是/否, yes/no, true/false)"),
        (num & kind.isin(["percent", "score"]) & (v > 100),
         lambda r: f"{who(r, 'zh')}{r.value:g}大于100（该项应填{_kind_text(r.kind, r.max, 'zh')}）",
         lambda r: f"{who(r, 'en')}{r.value:g} is above 100 (criterion {r.criterion} expects "
                   f"{_kind_text(r.kind, r.max)})"),
        (num & kind.isin(["percent", "score", "count", "points"]) & (v < 0),
         lambda r: f"{who(r, 'zh')}{r.value:g}是负数（该项应填{_kind_text(r.kind, r.max, 'zh')}）",
         lambda r: f"{who(r, 'en')}{r.value:g} is negative (criterion {r.criterion} expects "
                   f"{_kind_text(r.kind, r.max)})"),
        (num & (kind == "count") & (v >= 0) & finite & _by_unique(v, lambda u: u % 1 != 0).astype(bool),
         lambda r: f"{who(r, 'zh')}{r.value:g}不是整数（该项为个数）",
         lambda r: f"{who(r, 'en')}{r.value:g} is not a whole number (criterion {r.criterion} expects a count)"),
        (num & (kind == "points") & (v > mx + 1e-9),
         lambda r: f"{who(r, 'zh')}{r.value:g}超过该项最高分{r.max:g}分",
         lambda r: f"{who(r, 'en')}{r.value:g} is above the maximum of {r.max:g} points for criterion "
                   f"{r.criterion}"),
    ]
    for mask, zh, en in checks:
        _report(p, t, chunks, mask, "value", zh, en, by=by)
    # 0.85 for a rate a criterion asks to reach (50 %, 80 %) is most likely 85 % typed as a fraction: say
    # so, change nothing. Not for monitoring metrics: a blacklist share of 0.08 % is an ordinary value.
    threshold = _by_unique(crit, lambda u: u.map(spec["metric_unit"]).isna()).astype(bool)
    fraction = num & (kind == "percent") & threshold & (v > 0) & (v <= 1) & ~_ends_pct(text)
    _report(p, t, chunks, fraction, "value",
            lambda r: f"{who(r, 'zh')}{r.value:g}像是小数而不是百分数：该项按百分数（0–100）填报，85%应填85；"
                      f"已按{r.value:g}%读入，请核对",
            lambda r: f"{who(r, 'en')}{r.value:g} looks like a fraction, not a percent: criterion "
                      f"{r.criterion} takes 0–100 (85 % is 85); read as {r.value:g} %, please check",
            by=by, severity="warning")

    keys_ok = (region != "") & region.isin(known) & year_ok & crit_ok
    out = t.assign(year=year.where(year_ok, 0).astype("int64"), evidence=_strip(raw, "evidence"))
    dups = _duplicates(out[keys_ok], chunks)
    if dups:
        p += dups
        p.bad.append(np.flatnonzero(keys_ok.to_numpy())[
            out[keys_ok].duplicated(["region", "year", "criterion"], keep=False).to_numpy()])
    return out[[*COLUMNS, "_chunk", "_row"]], p


def _where(chunks: list[_Chunk], rows: pd.DataFrame, lang: str) -> str:
    """Where rows are, by table: 'a.csv第2、5行' / 'a.csv, rows 2, 5' (first rows only)."""
    parts = []
    for c, part in rows.groupby("_chunk", sort=True):
        ch = chunks[int(c)]
        shown = [str(int(r)) for r in part["_row"].iloc[:MAX_ROWS_SHOWN]]
        more = len(part) - len(shown)
        if lang == "zh":
            sheet = f"工作表“{ch.sheet}”" if ch.sheet else ""
            parts.append(f"{ch.file}{sheet}第{'、'.join(shown)}行" + (f"等{len(part)}行" if more else ""))
        else:
            sheet = f", sheet '{ch.sheet}'" if ch.sheet else ""
            rows_ = "row" if len(part) == 1 else "rows"
            parts.append(f"{ch.file}{sheet}, {rows_} {', '.join(shown)}" + (f" ({len(part)} rows)" if more else ""))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _key_text(key: dict[str, Any], lang: str) -> str:
    parts = []
    for k, v in key.items():
        if k == "region":
            parts.append(_who(v)[0] if lang == "zh" else f"region {_who(v)[1]}")
        elif k == "year":
            parts.append(f"{v}年" if lang == "zh" else f"year {v}")
        else:
            parts.append(f"{v}" if lang == "zh" else f"{k} {v}")
    return "".join(parts) if lang == "zh" else ", ".join(parts)


def _duplicates(frame: pd.DataFrame, chunks: list[_Chunk], keys: Sequence[str] = ("region", "year", "criterion")
                ) -> list[Problem]:
    """Rows sharing ``keys``: one ``duplicated(keep=False)`` pass, then one problem per duplicated key and
    table (a file must know about its own rows), naming the rows elsewhere; at most :data:`MAX_GROUPS`
    keys spelt out, the rest counted per table. Linear in the number of rows."""
    keys = list(keys)
    # Duplicated keys by the columns' combined codes (categoricals: free), as frame.duplicated(keep=False).
    dup = pd.Series(_group_ids([frame[k] for k in keys], np.arange(len(frame))), index=frame.index
                    ).duplicated(keep=False)
    if not dup.any():
        return []
    d = frame.loc[dup, [*keys, "_chunk", "_row"]]
    gid = _group_ids([d[k] for k in keys], np.arange(len(d)))
    out = []
    for g in range(min(int(gid.max()) + 1, MAX_GROUPS)):
        grp = d.iloc[np.flatnonzero(gid == g)]
        key = {k: grp[k].iloc[0] for k in keys}
        n = len(grp)
        for c, part in grp.groupby("_chunk", sort=True):
            others = grp[grp["_chunk"] != c]
            zh = f"重复：{_key_text(key, 'zh')} 共出现{n}次"
            en = f"duplicate entry for {_key_text(key, 'en')}: {n} rows"
            if len(others):
                zh += f"（另见{_where(chunks, others, 'zh')}）"
                en += f" (also in {_where(chunks, others, 'en')})"
            out.append(_problem(chunks, int(c), keys[-1], zh, en, part["_row"].to_numpy()))
    rest = d[gid >= MAX_GROUPS]
    for c, part in rest.groupby("_chunk", sort=True):
        n_keys = int(pd.unique(gid[gid >= MAX_GROUPS][(rest["_chunk"] == c).to_numpy()]).size)
        out.append(_problem(chunks, int(c), keys[-1], f"重复：另有{n_keys}组重复的记录（共{len(part)}行），未逐一列出",
                            f"duplicate entries: {n_keys} more duplicated keys ({len(part)} rows), not listed",
                            part["_row"].to_numpy()))
    return out


def _public(frame: pd.DataFrame) -> pd.DataFrame:
    # Region and criterion as categoricals: a few hundred distinct codes over up to millions of rows,
    # and scoring factorises them for free. Categories sorted and only those used, as astype gives.
    out = frame[COLUMNS].reset_index(drop=True)
    out = out.astype({"region": "category", "year": "int64", "criterion": "category", "value": "float64",
                      "evidence": "str"})
    for col in ("region", "criterion"):
        cat = out[col].array
        codes = np.asarray(cat.codes, dtype=np.int64)
        used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(cat.categories)))  # no sort of rows
        names = sorted(cat.categories[used])
        new = np.full(len(cat.categories) + 1, -1, dtype=np.int64)
        new[used[np.argsort(np.asarray(cat.categories[used], dtype=object), kind="stable")]] = np.arange(len(used))
        out[col] = pd.Categorical.from_codes(new[codes], dtype=pd.CategoricalDtype(pd.Index(names)))
    return out
