"""The certification context (one row per region and year: the fields certification conditions check), read
and validated by :func:`load_context`, merged with the national NPL average."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.fields import CONTEXT_FIELDS
from ..core.i18n import check_lang
from ..core.problems import Problem, default_lang
from .formats import _HAS_NO, _Chunk
from .indicators import _as_paths, _finish, _read_files
from .validate import (
    _by_unique,
    _duplicates,
    _ends_pct,
    _fold,
    _normalised,
    _numbers,
    _q,
    _regions,
    _report,
    _strip,
    _years,
)
from .zones import _known_regions, _who

# ---------------------------------------------------------------------------------------------
# Certification context

# Free-text columns a context file may carry for people's benefit; other unknown columns are errors
# (a misspelt field would otherwise silently read as "unknown").
CONTEXT_TEXT = ("name", "city", "note", "notes", "source", "evidence", "comment")
_CONTEXT_TEXT_ = {
    "bool": ("是/否（有/无、true/false、1/0）", "yes/no (是/否, 有/无, true/false, 1/0)"),
    "per_10000": ("万分比，0–10000", "a share per 10,000, 0–10000"),
    "count": ("个数（不小于0的整数）", "a count, a whole number ≥ 0"),
    "percent": ("百分比，0–100", "a percentage, 0–100"),
}


def load_context(path_or_paths: str | Path | Iterable[str | Path],
                 regions: pd.DataFrame | Iterable[str] | None = None, lang: str | None = None) -> pd.DataFrame:
    """Certification context per region and year; blank cells are unknown (NA), kept explicit.

    Files with a ``region`` column give per-region values; a file with only ``year`` and
    ``national_npl_ratio`` gives the national NPL average, merged in by year. Columns: region, year
    and every field of :data:`CONTEXT_FIELDS` (booleans as pandas ``boolean``, numbers as float).
    Every problem at once in a :class:`DataError` (``lang`` as in :func:`load_data`); warnings in
    ``result.attrs["warnings"]``.
    """
    lang = check_lang(lang or default_lang())
    paths = _as_paths(path_or_paths)
    known_cols = ("region", "year", *CONTEXT_FIELDS, *CONTEXT_TEXT)
    raw, chunks, problems, _ = _read_files(paths, ["year"], {}, known_cols)
    national_chunks = [i for i, c in enumerate(chunks) if "region" not in c.columns]
    problems += [Problem(chunks[i].file, chunks[i].sheet, 1, "",
                         "没有region列的文件必须有 year、national_npl_ratio 两列",
                         "a file without a region column must have the columns year, national_npl_ratio")
                 for i in national_chunks if "national_npl_ratio" not in chunks[i].columns]
    is_nat = raw["_chunk"].isin(national_chunks)
    frame, vprobs = _validate_context(raw, chunks, _known_regions(regions))
    problems += vprobs
    local, national = frame[~is_nat], frame[is_nat]
    year_ok = frame["year"] > 0
    problems += _duplicates(local[(local["region"] != "") & year_ok[~is_nat]], chunks, ["region", "year"])
    problems += _duplicates(national[year_ok[is_nat]], chunks, ["year"])
    merged, mprobs = _merge_national(local, national.drop_duplicates("year"), chunks)
    problems += mprobs
    out = merged.drop(columns=["_chunk", "_row"]).reset_index(drop=True)
    return _finish(out, problems, ", ".join(map(str, paths)), lang)


# Rates that are large in practice: 0.85 there is most likely 85 % typed as a fraction (unlike an NPL
# ratio, where 0.85 % is an ordinary value).
_CONTEXT_FRACTION_SUSPECT = ("rectification_rate", "government_rectification_rate")


def _validate_context(raw: pd.DataFrame, chunks: list[_Chunk], known: set[str]
                      ) -> tuple[pd.DataFrame, list[Problem]]:
    p: list[Problem] = []
    has_region = raw["_chunk"].isin([i for i, c in enumerate(chunks) if "region" in c.columns])
    region = _regions(p, raw, chunks, known, applies=has_region)
    year_raw = _strip(raw, "year")
    year_text = _fold(year_raw)
    _normalised(p, raw, chunks, year_raw, year_text, "year")
    year, year_ok = _years(p, raw, chunks, year_text)
    out = pd.DataFrame({"region": region.astype(object).where(has_region, ""),
                        "year": year.where(year_ok, 0).astype("int64"),
                        "_chunk": raw["_chunk"], "_row": raw["_row"]})
    t = raw.assign(region=region)
    for name, kind in CONTEXT_FIELDS.items():
        before = _strip(raw, name)
        text = _fold(before)
        _normalised(p, t, chunks, before, text, name)
        blank = text == ""
        if kind == "bool":
            val = _by_unique(text, lambda u: u.str.casefold().map(_HAS_NO)).astype(float)
            bad = ~blank & val.isna()
            out[name] = pd.array(np.where(val.isna(), None, val == 1), dtype="boolean")
        else:
            val = _numbers(text, percent_sign=pd.Series(kind == "percent", index=text.index))
            upper = {"percent": 100, "per_10000": 10000}.get(kind, np.inf)
            bad = ~blank & (val.isna() | ~np.isfinite(val) | (val < 0) | (val > upper)
                            | ((kind == "count") & (val % 1 != 0)))
            out[name] = val.where(~blank)
        zh_kind, en_kind = _CONTEXT_TEXT_[kind]
        tt = t.assign(_text=text, _val=val)
        _report(p, tt, chunks, bad, name,
                lambda r, k=zh_kind: f"{_who(r.region)[0] + '：' if r.region else ''}“{_q(r._text)}”不是{k}",
                lambda r, k=en_kind: f"{_who(r.region)[1] + ': ' if r.region else ''}'{_q(r._text)}' is not {k}",
                by=["region", "_text"])
        if name in _CONTEXT_FRACTION_SUSPECT:
            frac = ~blank & ~bad & (val > 0) & (val <= 1) & ~_ends_pct(text)
            _report(p, tt, chunks, frac, name,
                    lambda r, n=name: f"{_who(r.region)[0]}：{n} 为{r._val:g}，像是小数而不是百分数（85%应填85）；"
                                      f"已按{r._val:g}%读入，请核对",
                    lambda r, n=name: f"{_who(r.region)[1]}: {n} {r._val:g} looks like a fraction, not a percent "
                                      f"(85 % is 85); read as {r._val:g} %, please check",
                    by=["region", "_text"], severity="warning")
    return out, p


def _merge_national(local: pd.DataFrame, national: pd.DataFrame, chunks: list[_Chunk]
                    ) -> tuple[pd.DataFrame, list[Problem]]:
    nat = national.set_index("year")["national_npl_ratio"]
    from_file = local["year"].map(nat).astype(float)
    own = local["national_npl_ratio"]
    conflict = own.notna() & from_file.notna() & ((own - from_file).abs() > 1e-9)
    t = local.assign(_file_value=from_file)
    problems: list[Problem] = []
    _report(problems, t, chunks, conflict, "national_npl_ratio",
            lambda r: f"{_who(r.region)[0]}：{r.national_npl_ratio:g}与全国文件中{r.year}年的"
                      f"{r._file_value:g}不一致",
            lambda r: f"{_who(r.region)[1]}: {r.national_npl_ratio:g} differs from the national file's "
                      f"{r._file_value:g} for {r.year}", by=["region", "year"])
    return local.assign(national_npl_ratio=own.fillna(from_file)), problems
