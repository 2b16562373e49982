"""Indicator data: one tidy long format for every rubric, read from CSV or Excel and validated.

The long format has exactly the columns ``region, year, criterion, value, evidence``:

- ``region``: a 6-digit division code from ``data/regions/regions.csv`` or a creditlab zone id
  (``KF`` + 6 digits, ``data/regions/zones.csv``: development zones have no official code);
- ``year``: the evaluation year (int);
- ``criterion``: a criterion id of the rubric (for norm-referenced rubrics such as linyi-2019, a
  metric id);
- ``value``: float; met/not met as 1/0, rates in percent (0–100), counts as whole numbers, and
  discretionary/graded criteria as the points awarded. NaN means "not assessed" (未评估): a blank
  cell is kept as NaN, never scored as zero or dropped;
- ``evidence``: free text ("" if none). Text is data: a cell starting with ``=``, ``+``, ``-`` or
  ``@`` is read literally and written into workbooks as a string, never as a formula.

Reading takes what a person typed and saw, and refuses what cannot be trusted:

- a percent-formatted Excel cell (85.1 % is stored as 0.851) reads as the percent shown, 85.1; a
  value ≤ 1 for a rate in percent from a CSV or an unformatted cell is a warning (0.85 or 85 %?),
  never silently rescaled; full-width digits, ％, － and ． (８５％) are folded, with a warning;
- an unknown or misspelt column (with the closest known name), a repeated column and data under a
  nameless column are errors; CSV files are UTF-8 (with or without BOM), GB18030 or Big5
  (:func:`creditlab.tables.decode_text`), and an ambiguous or garbled decoding is an error;
- years lie in creditlab's one range (:mod:`creditlab.years`) and the rubric's years;
- Excel sheets are read sparsely from their XML with cached values only (a formula Excel never
  calculated is its text, never evaluated); a stray cell far away costs nothing and is ignored
  with a warning.

Every problem is reported at once through :class:`creditlab.problems.Problems` in a
:class:`~creditlab.errors.DataError`, in Chinese by default (``lang="en"``), each naming the file, the
sheet (Excel), the row a person sees (header = row 1), the column, the county by name and code
(宝鸡市金台区（610303）) and what is wrong; the same problem on many rows is one line, and the
lines are capped. Warnings go with the result, ``frame.attrs["warnings"]``, and are issued as one
:class:`DataWarning`.

Excel templates (:func:`write_template`) have one sheet per region, named by the region code, which
is also stored in the sheet (cell A2): :func:`read_workbook` files a sheet's data under that stored
code and rejects a sheet whose name disagrees. A region sheet left completely empty is 未填报 (not
reported): a warning, and the county is left out (``frame.attrs["not_reported"]``), never scored as
zero. A hidden ``_creditlab`` sheet records the rubric, its version, the year and the template format
version, which :func:`read_workbook` checks. When the rubric's certification conditions need context,
a sheet ``认定条件`` (:data:`CONTEXT_SHEET`) has one row per region, which :func:`ingest` turns into a
context file for :func:`load_context`. What :func:`ingest` writes, and when, is described in its
docstring and in the README (partial output, problems file).
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import difflib
import functools
import io
import re
import sys
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..core import __version__, safecells
from ..core.atomic import atomic_path, check_out
from ..core.errors import DataError, RubricError
from ..core.fields import CONTEXT_FIELDS, FIELD_LABELS
from ..core.i18n import check_lang
from ..core.paths import data_dir
from ..core.problems import MAX_ROWS_SHOWN, Problem, Problems, default_lang
from ..core.tables import UndecodableText, decode_text, percent_styles, xml_rows
from ..core.tables import cell_text as _cell_text
from ..core.years import YEAR_MAX, YEAR_MIN, year_mask, year_problem
from .regions import cities, counties, in_city, load_regions, regions_path
from .rubric import Rubric, list_rubrics, load_rubric, rule_words

COLUMNS = ["region", "year", "criterion", "value", "evidence"]
REQUIRED = ["region", "year", "criterion", "value"]
# Other header spellings accepted for the optional evidence column.
EVIDENCE_ALIASES = ("evidence", "source", "佐证材料", "来源")
# Free-text columns a data file may carry for people's benefit (ignored); any other column is an error.
DATA_TEXT = ("name", "city", "note", "notes", "comment")

TEMPLATE_FORMAT = "creditlab-indicator-template"
FORMAT_VERSION = "1"
META_SHEET = "_creditlab"
README_SHEET = "说明"
HEADER_ROW = 4
# Sheets of a template that are not region sheets (everything else must carry a region code in A2).
CONTEXT_SHEET = "认定条件"  # the template's certification-context sheet (one row per region)
TEMPLATE_OTHER_SHEETS = {META_SHEET, README_SHEET, CONTEXT_SHEET}
# Where a template's region sheet stores its code and year (written by _region_sheet into A2).
_STORED_CODE = re.compile(r"region code:\s*([0-9A-Za-z]+)")
_STORED_YEAR = re.compile(r"year:\s*(\d+)")

# creditlab's own ids for development zones: KF + the city's 4-digit prefix + a 2-digit number.
ZONE_CODE = re.compile(r"KF\d{6}")
ZONE_COLUMNS = ["code", "name", "city_code", "city", "type"]
ZONE_TYPES = ("high_tech_zone", "economic_zone")

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_YES_NO = {"是": 1.0, "否": 0.0, "yes": 1.0, "no": 0.0, "true": 1.0, "false": 0.0}
_HAS_NO = {**_YES_NO, "有": 1.0, "无": 0.0, "1": 1.0, "0": 0.0}
_FORMULA_START = safecells.FORMULA_START
MAX_GROUPS = 50        # distinct messages per check; further rows with the same check are summarised
STRAY_GAP = 1000       # empty rows after which a sheet's table has ended (a far stray cell is not data)


# ---------------------------------------------------------------------------------------------
# Problems (``Problem`` is creditlab.problems.Problem, re-exported: file, sheet, row, column, message)


def _raise(problems: list[Problem], what: str, lang: str | None = None) -> None:
    pb = Problems(what, lang=lang or default_lang())
    pb.extend(problems)
    pb.raise_if_any()


class _Found(list):
    """The problems of one validation, and the positions of every row an error is about (``bad``: all of
    them, where a message lists only the first rows), so ingest can leave out exactly the units holding
    one in a single vectorised pass (not by validating each of a million units again)."""

    def __init__(self) -> None:
        super().__init__()
        self.bad: list[np.ndarray] = []


@dataclass
class _Chunk:
    """One table read from a file: a CSV or one sheet, with the labels of its columns."""

    file: str
    sheet: str
    columns: dict[str, str]  # field -> label shown in messages, e.g. "D (value)"
    fixed: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> where it came from (zh, en)


# ---------------------------------------------------------------------------------------------
# Regions and development zones


def zones_path() -> Path:
    """``<data>/regions/zones.csv`` (optional: without it no zones are known)."""
    return data_dir() / "regions" / "zones.csv"


def load_zones() -> pd.DataFrame:
    """Development zones (开发区) with creditlab's ``KF`` ids; empty if ``zones.csv`` is absent."""
    path = zones_path()
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype="str") for c in ZONE_COLUMNS})
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read as UTF-8 CSV: {exc}") from exc
    if list(frame.columns) != ZONE_COLUMNS:
        raise DataError(f"{path}: columns must be exactly {','.join(ZONE_COLUMNS)}; "
                        f"found {','.join(map(str, frame.columns))}")
    frame = frame.apply(lambda col: col.str.strip())
    _raise(_zone_problems(frame, path), "the zones table")
    return frame


def _zone_problems(frame: pd.DataFrame, path: Path) -> list[Problem]:
    known = cities().set_index("code")["name"]
    row = frame.index + 2
    checks = [
        (~frame["code"].str.fullmatch(ZONE_CODE.pattern), "code",
         lambda r: f"code {r.code!r} is not KF + 6 digits"),
        (frame["code"].duplicated(), "code", lambda r: f"duplicate code {r.code!r}"),
        (frame["name"] == "", "name", lambda r: "empty name"),
        (~frame["type"].isin(ZONE_TYPES), "type",
         lambda r: f"type {r.type!r} is not one of {', '.join(ZONE_TYPES)}"),
        (~frame["city_code"].isin(known.index), "city_code",
         lambda r: f"city_code {r.city_code!r} is not a city in regions.csv"),
        (frame["city_code"].isin(known.index)
         & (frame["city"] != frame["city_code"].map(known)), "city",
         lambda r: f"city {r.city!r} does not match city_code {r.city_code}"),
        (frame["code"].str[2:6] != frame["city_code"].str[:4], "code",
         lambda r: f"code {r.code!r} does not start with KF + the city's prefix {r.city_code[:4]}"),
    ]
    return [Problem(str(path), "", int(row[i]), col, fmt(r))
            for mask, col, fmt in checks
            for i, r in zip(np.flatnonzero(mask), frame[mask].itertuples(), strict=True)]


def park_codes() -> set[str]:
    """Region ids scored with the rubric's development-zone (开发区) variants: the zones in zones.csv.

    杨凌示范区 (611100, a city-level ``zone`` row of regions.csv) is *not* included: it is run like a
    city with a full government, so creditlab scores it with the county rules.
    """
    path = zones_path()
    stamp = path.stat().st_mtime_ns if path.is_file() else None
    return set(_park_codes(str(path), stamp))


@functools.lru_cache(maxsize=8)
def _park_codes(path: str, stamp: int | None) -> frozenset[str]:
    # Keyed on the file's path and modification time: scoring asks on every call, the file rarely changes.
    return frozenset(load_zones()["code"])


def assessment_units(province: str = "陕西") -> pd.DataFrame:
    """The units a county-level evaluation covers: county-level divisions plus development zones.

    Columns: code, name, name_en, level, type, city_code, city, is_park, city_en.
    """
    cty = counties(province)[["code", "name", "name_en", "level", "type", "city_code", "city"]]
    zones = load_zones()
    zones = zones[zones["city_code"].str[:2] == cty["city_code"].str[:2].iloc[0]] if len(cty) else zones
    zones = zones.assign(name_en="", level="zone")[cty.columns]
    out = pd.concat([cty.assign(is_park=False), zones.assign(is_park=True)], ignore_index=True)
    city_en = cities(province).set_index("code")["name_en"]
    out["city_en"] = out["city_code"].map(city_en).fillna(out["city"])
    return out.sort_values(["city_code", "is_park", "code"], kind="stable").reset_index(drop=True)


def _known_regions(regions: pd.DataFrame | Iterable[str] | None) -> set[str]:
    if regions is None:
        return set(load_regions()["code"]) | set(load_zones()["code"])
    if isinstance(regions, pd.DataFrame):
        return set(regions["code"].astype(str))
    return {str(r) for r in regions}


def _region_names() -> dict[str, str]:
    """code -> the name a person recognises: 宝鸡市金台区 for a county (city + county), the name otherwise."""
    paths = (regions_path(), zones_path())
    stamps = tuple(p.stat().st_mtime_ns if p.is_file() else None for p in paths)
    return _region_names_cached(tuple(map(str, paths)), stamps)


@functools.lru_cache(maxsize=8)
def _region_names_cached(paths: tuple[str, ...], stamps: tuple[int | None, ...]) -> dict[str, str]:
    try:
        regions, zones = load_regions(), load_zones()
    except DataError:  # a broken regions file is reported by the region check; names are a courtesy
        return {}
    county = regions["level"] == "county"
    names = regions["name"].where(~county, regions["city"] + regions["name"])
    out = dict(zip(regions["code"], names, strict=True))
    out.update(zip(zones["code"], zones["name"], strict=True))
    return out


def _who(code: Any) -> tuple[str, str]:
    """A region for a message, by name and code: 宝鸡市金台区（610303） / 宝鸡市金台区 (610303)."""
    code = str(code)
    name = _region_names().get(code)
    return (f"{name}（{code}）", f"{name} ({code})") if name else (code, code)


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
        raise DataError("no bundled rubric could be loaded to recognise the criterion ids")
    scored = [(len(ids & set(value_ids(r))), r) for r in candidates]
    covering = [r for n, r in scored if n == len(ids)]
    if len(covering) > 1:
        raise DataError(f"the criterion ids fit several rubrics ({', '.join(r.name for r in covering)}); "
                        "pass rubric= to choose one")
    if covering:
        return covering[0], []
    best = max(scored, key=lambda t: t[0])[1]
    return best, sorted(ids - set(value_ids(best)))


# ---------------------------------------------------------------------------------------------
# Reading files into raw string tables


def _col_label(index: int, name: str) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(index + 1)} ({name})"


def _header_name(value: Any) -> str:
    """A header cell as a column name: full-width letters folded (NFKC), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", _cell_text(value)).strip().casefold()


def _table(frame: pd.DataFrame, header: Sequence[Any], file: str, sheet: str, required: Sequence[str],
           aliases: dict[str, str], known: Sequence[str] | None = None, first_row: int = 2,
           rows: Sequence[int] | None = None) -> tuple[pd.DataFrame | None, _Chunk, list[Problem]]:
    """Check a header-row table's columns by their *raw* header (pandas would rename a second ``value`` to
    ``value.1``) and normalise it: canonical column names, the row numbers a person sees.

    ``frame``: the body, one column per header cell, by position. ``known``: the accepted column names
    (None: any); an unknown one is an error, with the closest known name when there is one.
    """
    names = [aliases.get(n, n) for n in map(_header_name, header)]
    chunk = _Chunk(file, sheet, {})
    for i, n in enumerate(names):
        if n:
            chunk.columns.setdefault(n, _col_label(i, n))
    p: list[Problem] = []
    frame = frame.set_axis(range(len(names)), axis=1)
    for i, n in enumerate(names):
        if not n and not _by_unique(frame[i], _is_blank).all():
            col = _col_label(i, "")[:-3]
            p.append(Problem(file, sheet, first_row - 1, col, f"列{col}没有列名，但下面有数据",
                             f"column {col} has no name in the header row but holds data"))
    positions: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        if n:
            positions.setdefault(n, []).append(i)
    repeated = [(n, where) for n, where in positions.items() if len(where) > 1]
    if len(repeated) > MAX_ROWS_SHOWN:
        more = len(repeated) - MAX_ROWS_SHOWN
        p.append(Problem(file, sheet, first_row - 1, "", f"另有{more}个列名重复出现",
                         f"and {more} more repeated columns"))
    for n, where in repeated[:MAX_ROWS_SHOWN]:
        if len(where) > 1:
            cols = [_col_label(i, n)[:-len(n) - 3] for i in where]
            p.append(Problem(file, sheet, first_row - 1, "",
                             f"列名“{_q(n)}”重复出现（列{'、'.join(cols[:MAX_ROWS_SHOWN])}），无法确定用哪一列",
                             f"the column '{_q(n)}' appears {len(where)} times (columns "
                             f"{', '.join(cols[:MAX_ROWS_SHOWN])}); keep one"))
    known_set = set(known) if known is not None else None
    unknown = [n for n in positions if known_set is not None and n not in known_set]
    listing = ", ".join(known or ())
    for n in unknown[:MAX_ROWS_SHOWN]:
        close = difflib.get_close_matches(n, sorted(known_set or ()), n=1, cutoff=0.6)
        hint_zh = f"，是否应为“{close[0]}”？" if close else ""
        hint_en = f"; did you mean {close[0]!r}?" if close else ""
        p.append(Problem(file, sheet, first_row - 1, _q(chunk.columns[n]),
                         f"未知列名“{_q(n)}”{hint_zh}（可用的列：{listing}）",
                         f"unknown column '{_q(n)}'{hint_en} (known columns: {listing})"))
    if len(unknown) > MAX_ROWS_SHOWN:
        more = len(unknown) - MAX_ROWS_SHOWN
        p.append(Problem(file, sheet, first_row - 1, "", f"另有{more}个未知列名", f"and {more} more unknown columns"))
    missing = [c for c in required if c not in positions]
    if missing:
        found = _q(", ".join(str(_cell_text(c)) for c in header if _cell_text(c).strip()) or "nothing", 200)
        p.append(Problem(file, sheet, first_row - 1, "",
                         f"缺少必填列 {', '.join(missing)}（表头行应包括 {', '.join(required)}；实际为 {found}）",
                         f"missing required column(s) {', '.join(missing)} "
                         f"(the header row must name {', '.join(required)}; found {found})"))
    if missing or repeated:
        return None, chunk, p
    keep = {n: w[0] for n, w in positions.items() if n not in unknown}
    frame = frame[list(keep.values())].set_axis(list(keep), axis=1)
    frame = frame.assign(_row=np.asarray(rows) if rows is not None else np.arange(len(frame)) + first_row)
    blank = np.ones(len(frame), dtype=bool)
    for n in keep:
        blank &= _by_unique(frame[n], _is_blank).to_numpy(dtype=bool)
    frame = frame[~blank]
    if frame.empty:
        p.append(Problem(file, sheet, 0, "", "表头下面没有数据行", "no data rows below the header"))
        return None, chunk, p
    return frame.reset_index(drop=True), chunk, p


def _lines(text: str) -> Iterator[str]:
    """Lines of ``text`` one at a time (the csv module reads the header without copying the whole text)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _read_csv(path: Path, required: Sequence[str], aliases: dict[str, str], known: Sequence[str] | None = None
              ) -> tuple[list[tuple[pd.DataFrame, _Chunk]], list[Problem], dict[str, str]]:
    file = str(path)
    raw = path.read_bytes()
    if not raw or raw.isspace():
        return [], [Problem(file, message="文件是空的", message_en="the file is empty")], {}
    try:
        text, encoding = decode_text(raw, file)
    except UndecodableText as exc:
        return [], [Problem(file, message=exc.message_zh.removeprefix(f"{file}："),
                            message_en=exc.message_en.removeprefix(f"{file}: "))], {}
    header = next(csv.reader(_lines(text)), [])
    del text  # pandas decodes the bytes itself (the same strict decode): no second copy of a large file
    try:
        body = _csv_body(raw, len(header), "utf-8-sig" if encoding == "utf-8" else encoding)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        return [], [Problem(file, message=f"无法按CSV读取：{exc}", message_en=f"cannot be read as CSV: {exc}")], {}
    del raw
    frame, chunk, problems = _table(body, header, file, "", required, aliases, known)
    return ([(frame, chunk)] if frame is not None else []), problems, {}


def _csv_body(raw: bytes, width: int, encoding: str, chunk_rows: int = 250_000) -> pd.DataFrame:
    """The rows below the header, every cell as text, by column position. Read in chunks, each made
    categorical: a large file repeats a few hundred codes, ids and values, so one copy of each text is
    kept instead of millions (a 50 MB file stays well under 1 GB)."""
    names = list(range(width))
    reader = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, na_filter=False, header=None,
                         skiprows=1, names=names, index_col=False, skip_blank_lines=False, encoding=encoding,
                         chunksize=chunk_rows)
    try:
        parts = [[pd.factorize(chunk[i].fillna(""), use_na_sentinel=False) for i in names] for chunk in reader]
    except pd.errors.EmptyDataError:
        parts = []
    columns = {}
    for i in names:
        # One dictionary of texts per column over all chunks (a hash pass, no sorting of categories).
        uniques = [np.asarray(p[i][1], dtype=object) for p in parts]
        offsets = np.cumsum([0, *map(len, uniques)])[:-1]
        recode, texts = pd.factorize(np.concatenate(uniques) if uniques else np.array([], dtype=object))
        codes = np.concatenate([recode[p[i][0] + off] for p, off in zip(parts, offsets, strict=True)]) \
            if parts else np.array([], dtype=np.int64)
        columns[i] = pd.Categorical.from_codes(codes, categories=texts)
    return pd.DataFrame(columns)


def _split_stray(rows: list[tuple[int, dict[int, str]]]) -> tuple[list[tuple[int, dict[int, str]]], list[int]]:
    """The rows of a table and the row numbers of stray cells: anything after a gap of more than
    :data:`STRAY_GAP` empty rows (a cell typed at row 1048576 by accident) is not part of the table."""
    for k in range(1, len(rows)):
        if rows[k][0] - rows[k - 1][0] > STRAY_GAP:
            return rows[:k], [i for i, _r in rows[k:]]
    return rows, []


def _stray_problems(file: str, sheet: str, stray: list[int], width: int | None,
                    body: list[tuple[int, dict[int, str]]]) -> list[Problem]:
    """Warnings (the load goes on) for cells outside the table: far below it, or right of its header."""
    out = []
    if stray:
        out.append(Problem(file, sheet, stray[0], "", f"与表格相隔{STRAY_GAP}多个空行的单元格不属于表格，已忽略",
                           f"cells more than {STRAY_GAP} empty rows below the table are not part of it; ignored",
                           severity="warning", rows=tuple(stray[:MAX_ROWS_SHOWN]), count=len(stray)))
    if width is not None:
        beyond = [(i, min(j for j in r if j >= width)) for i, r in body if max(r) >= width]
        if beyond:
            col = _col_label(beyond[0][1], "")[:-3]
            out.append(Problem(file, sheet, beyond[0][0], col, "表头以外的列有内容，不属于表格，已忽略",
                               "cells right of the header's columns are not part of the table; ignored",
                               severity="warning", rows=tuple(i for i, _j in beyond[:MAX_ROWS_SHOWN]),
                               count=len(beyond)))
    return out


def _frame_of(rows: list[tuple[int, dict[int, str]]], columns: Sequence[int]) -> pd.DataFrame:
    return pd.DataFrame({j: [r.get(j, "") for _i, r in rows] for j in columns}, dtype=str)


def _read_xlsx(path: Path, required: Sequence[str], aliases: dict[str, str], known: Sequence[str] | None = None
               ) -> tuple[list[tuple[pd.DataFrame, _Chunk]], list[Problem], dict[str, str]]:
    """A workbook: a creditlab template if it has the metadata sheet, else one long table per sheet."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    file = str(path)
    if path.stat().st_size == 0:
        return [], [Problem(file, message="文件是空的", message_en="the file is empty")], {}
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return [], [Problem(file, message=f"无法作为Excel .xlsx工作簿读取：{exc}",
                            message_en=f"cannot be read as an Excel .xlsx workbook: {exc}")], {}
    try:
        percent = percent_styles(wb)
        if META_SHEET in wb.sheetnames:
            meta = _read_meta(wb, wb[META_SHEET])
            tables, problems = _read_template_sheets(wb, file, meta, percent)
            return tables, problems, meta
        tables, problems = [], []
        for ws in wb.worksheets:
            rows = list(xml_rows(wb, ws, percent))
            if not rows:
                continue  # Excel's empty Sheet2/Sheet3
            head_row, head = rows[0]
            width = max(head) + 1
            header = [head.get(j, "") for j in range(width)]
            body, stray = _split_stray(rows[1:])
            problems += _stray_problems(file, ws.title, stray, width, body)
            frame, chunk, probs = _table(_frame_of(body, range(width)), header, file, ws.title, required,
                                         aliases, known, first_row=head_row + 1, rows=[i for i, _r in body])
            problems += probs
            if frame is not None:
                tables.append((frame, chunk))
        if not tables and not problems:
            problems.append(Problem(file, message="文件是空的（没有任何工作表有数据）",
                                    message_en="the file is empty (no sheet has any data)"))
        return tables, problems, {}
    finally:
        wb.close()


def _read_meta(wb: Any, ws: Any) -> dict[str, str]:
    return {r[0].strip(): r.get(1, "").strip() for _i, r in xml_rows(wb, ws, frozenset()) if 0 in r}


def _read_template_sheets(wb: Any, file: str, meta: dict[str, str], percent: frozenset[int] = frozenset()
                          ) -> tuple[list[tuple[pd.DataFrame, _Chunk]], list[Problem]]:
    """A filled template's region sheets. Each sheet is matched to its region by the code stored in the
    sheet (cell A2), not by its name; a sheet left completely empty is 未填报 (not reported): a warning,
    and no rows, so the county stays out of the results rather than scoring zero."""
    problems: list[Problem] = []
    if meta.get("format") != TEMPLATE_FORMAT or meta.get("format_version") != FORMAT_VERSION:
        found = f"format {meta.get('format')!r}, version {meta.get('format_version')!r}"
        return [], [Problem(file, META_SHEET, 0, "", f"不是第{FORMAT_VERSION}版creditlab模板（实际为 {found}）",
                            f"not a creditlab template of format version {FORMAT_VERSION} (found {found})")]
    cols = {k: meta.get(f"{k}_column", "") for k in ("id", "value", "evidence")}
    header_row = meta.get("header_row", "")
    if not header_row.isdigit() or int(header_row) < 1:
        return [], [Problem(file, META_SHEET, 0, "", f"header_row {header_row!r} 不是行号",
                            f"header_row {header_row!r} is not a row number")]
    header_row = int(header_row)
    labels = _template_labels()
    idx = {k: _col_index(c) for k, c in cols.items()}
    tables = []
    for ws in wb.worksheets:
        if ws.title in TEMPLATE_OTHER_SHEETS:
            continue
        rows = list(xml_rows(wb, ws, percent, {0, *idx.values()}))
        cell = {(i, j): v for i, r in rows if i <= header_row for j, v in r.items()}
        stored = _STORED_CODE.search(cell.get((2, 0), ""))
        if stored is None:
            problems.append(Problem(file, ws.title, 0, "", "不是区县工作表：A2单元格里没有区划代码（请使用新模板）",
                                    "not a region sheet: no region code stored in cell A2 (use a fresh "
                                    "template)"))
            continue
        code = _q(stored.group(1), 12)  # a region code is 6 digits or KF + 6: anything longer is reported
        who = _who(code)
        if ws.title != code:
            problems.append(Problem(file, ws.title, 2, "A", f"工作表名“{ws.title}”与表内记录的区划代码不一致："
                                    f"该表是{who[0]}的数据（A2），请恢复原工作表名",
                                    f"the sheet's name {ws.title!r} does not match the region code stored in "
                                    f"the sheet: it holds the data of {who[1]} (cell A2); restore the name"))
        year = _STORED_YEAR.search(cell.get((2, 0), ""))
        if year and year.group(1) != meta.get("year", ""):
            problems.append(Problem(file, ws.title, 2, "A", f"表内年度{year.group(1)}与模板年度"
                                    f"{meta.get('year')}不一致", f"the year stored in the sheet ({year.group(1)}) "
                                    f"differs from the template's ({meta.get('year')})"))
        header = [cell.get((header_row, j), "").strip() for j in range(max(idx.values()) + 1)]
        bad = [k for k, i in idx.items() if i >= len(header) or header[i] != labels[k]]
        if bad:
            k = bad[0]
            found = header[idx[k]] if idx[k] < len(header) else ""
            problems.append(Problem(file, ws.title, header_row, cols[k],
                                    f"表头被改动：应为“{labels[k]}”，实际为“{found}”；请使用新模板",
                                    f"the header row was changed: expected {labels[k]!r}, found {found!r}; "
                                    "use a fresh template"))
            continue
        body, stray = _split_stray([(i, r) for i, r in rows if i > header_row])
        problems += _stray_problems(file, ws.title, stray, None, [])
        frame = _frame_of(body, [idx["id"], idx["value"], idx["evidence"]])
        frame = frame.set_axis(["criterion", "value", "evidence"], axis=1)
        frame = frame.assign(region=code, year=meta.get("year", ""), _row=[i for i, _r in body])
        stripped = frame[["criterion", "value", "evidence"]].apply(lambda c: c.str.strip())
        orphan = (stripped["criterion"] == "") & ((stripped["value"] != "") | (stripped["evidence"] != ""))
        if orphan.any():
            problems.append(Problem(file, ws.title, int(frame.loc[orphan, "_row"].iloc[0]), cols["value"],
                                    f"有填报值或佐证材料但没有指标编号（列{cols['id']}）",
                                    f"a value or evidence without a criterion id in column {cols['id']}",
                                    rows=tuple(frame.loc[orphan, "_row"].iloc[:MAX_ROWS_SHOWN]),
                                    count=int(orphan.sum())))
        frame = frame[stripped["criterion"] != ""].reset_index(drop=True)
        if not (stripped[["value", "evidence"]] != "").any().any():
            problems.append(Problem(file, ws.title, 0, "", f"{who[0]}未填报：工作表没有任何填报值或佐证材料，"
                                    "该区县不参加评估（不计为0分）",
                                    f"{who[1]} not reported (未填报): the sheet has no value and no evidence; "
                                    "the county is left out (not scored as zero)", region=code,
                                    severity="warning"))
            continue
        chunk = _Chunk(file, ws.title, {
            "criterion": f"{cols['id']} ({labels['id']})", "value": f"{cols['value']} ({labels['value']})",
            "evidence": f"{cols['evidence']} ({labels['evidence']})"},
            fixed={"region": ("工作表A2单元格的区划代码", "the region code in cell A2"),
                   "year": (f"{META_SHEET}工作表", f"the {META_SHEET} sheet")})
        tables.append((frame, chunk))
    if not tables and not problems:
        problems.append(Problem(file, message="工作簿里没有区县工作表", message_en="the workbook has no region sheet"))
    return tables, problems


def _col_index(letter: str) -> int:
    from openpyxl.utils import column_index_from_string

    try:
        return column_index_from_string(letter) - 1
    except ValueError:
        return 10**6


def _read_files(paths: Sequence[Path], required: Sequence[str], aliases: dict[str, str],
                known: Sequence[str] | None = None
                ) -> tuple[pd.DataFrame, list[_Chunk], list[Problem], dict[str, dict[str, str]]]:
    """Every table of every file, concatenated as strings with ``_chunk`` and ``_row``; the problems
    include warnings (``severity="warning"``)."""
    frames, chunks, problems, metas = [], [], [], {}
    for path in paths:
        path = Path(path)
        if not path.is_file():
            problems.append(Problem(str(path), message="文件不存在", message_en="file not found"))
            continue
        reader = _read_xlsx if path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv
        try:
            tables, probs, meta = reader(path, required, aliases, known)
        except Exception as exc:  # a corrupt file must not stop the other files from being read
            tables, meta = [], {}
            probs = [Problem(str(path), message=f"无法读取：{type(exc).__name__}: {exc}",
                             message_en=f"cannot be read: {type(exc).__name__}: {exc}")]
        problems += probs
        if meta:
            metas[str(path)] = meta
        for frame, chunk in tables:
            frames.append(frame.assign(_chunk=len(chunks)))
            chunks.append(chunk)
    if len(frames) == 1:
        raw = frames[0]
    elif frames:
        raw = pd.concat(frames, ignore_index=True)
    else:
        raw = pd.DataFrame({c: pd.Series(dtype="str") for c in required}).assign(_chunk=0, _row=0)
    return raw, chunks, problems, metas


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

    changed = before.astype(object).to_numpy() != after.astype(object).to_numpy()
    _report(out, t, chunks, changed, field_,
            lambda r: f"{who(r, 'zh')}全角字符已转换为半角：“{_q(r._before)}”读作“{_q(r._after)}”",
            lambda r: f"{who(r, 'en')}full-width characters normalised: '{_q(r._before)}' read as '{_q(r._after)}'",
            by=by, severity="warning")


def _years(out: list[Problem], t: pd.DataFrame, chunks: list[_Chunk], year_text: pd.Series,
           rubric: Rubric | None = None) -> tuple[pd.Series, pd.Series]:
    """The year column parsed and checked against creditlab's one year range (and the rubric's years)."""
    year = _numbers(year_text)
    whole = year.notna() & (year % 1 == 0)
    ok = pd.Series(year_mask(year), index=year.index)
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


def _validate(raw: pd.DataFrame, chunks: list[_Chunk], rubric: Rubric, known: set[str],
              parks: set[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Check every row at once; return the typed frame (with _chunk/_row) and the problems (errors and
    warnings, each naming the county by name and code)."""
    spec = _value_spec(rubric)
    p = _Found()
    t = raw
    region = _regions(p, t, chunks, known)
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
    kind = _by_unique(crit, lambda u: u.map(spec["kind"])).astype(object)
    park_kind = _by_unique(crit, lambda u: u.map(spec["park_kind"])).astype(object)
    use_park = is_park & park_kind.notna()
    kind = kind.where(~use_park, park_kind).fillna("")
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
        (num & (kind == "count") & (v >= 0) & finite & (v % 1 != 0),
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
    dup = frame.duplicated(keys, keep=False)
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
        used = out[col].cat.remove_unused_categories()
        out[col] = used.cat.reorder_categories(sorted(used.cat.categories))
    return out


# ---------------------------------------------------------------------------------------------
# Public loaders

_DATA_ALIASES = {a: "evidence" for a in EVIDENCE_ALIASES}
DATA_COLUMNS = (*COLUMNS, *EVIDENCE_ALIASES[1:], *DATA_TEXT)  # every column name a data file may have


def _as_paths(path_or_paths: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(path_or_paths, str | Path):
        return [Path(path_or_paths)]
    return [Path(p) for p in path_or_paths]


def _load(paths: list[Path], rubric: Rubric | str | Path | None, regions: Any
          ) -> tuple[pd.DataFrame, list[_Chunk], list[Problem], Rubric | None]:
    """Read and validate; the frame keeps ``_chunk``/``_row`` for cross-file checks. The problems include
    warnings (``severity == "warning"``)."""
    raw, chunks, problems, metas = _read_files(paths, REQUIRED, _DATA_ALIASES, DATA_COLUMNS)
    rub = _as_rubric(rubric)
    for file, meta in metas.items():
        problems += _meta_problems(file, meta, rub)
        if rub is None and meta.get("rubric") in list_rubrics():
            rub = load_rubric(meta["rubric"])
    if rub is None:
        if raw.empty:
            return raw, chunks, problems, None
        ids = _fold(_strip(raw, "criterion")).cat.categories  # unknown ids are reported row by row
        rub, _unknown = infer_rubric(ids)
    if raw.empty:
        return raw, chunks, problems, rub
    frame, vprobs = _validate(raw, chunks, rub, _known_regions(regions), park_codes())
    return frame, chunks, problems + vprobs, rub


def _meta_problems(file: str, meta: dict[str, str], rubric: Rubric | None) -> list[Problem]:
    out = []
    made = meta.get("rubric")
    if rubric is not None and made != rubric.name:
        out.append(Problem(file, META_SHEET, 0, "", f"该模板是为评估标准 {made!r} 制作的，不是 {rubric.name!r}",
                           f"the template was made for rubric {made!r}, not {rubric.name!r}"))
    elif rubric is not None and meta.get("rubric_version") != rubric.version:
        version = meta.get("rubric_version")
        out.append(Problem(file, META_SHEET, 0, "", f"该模板是为 {rubric.name} 的 {version!r} 版制作的，"
                           f"评估标准现为 {rubric.version!r} 版：请使用新模板",
                           f"the template was made for version {version!r} of {rubric.name}; the rubric is now "
                           f"version {rubric.version!r}: use a fresh template"))
    elif rubric is None and made not in list_rubrics():
        out.append(Problem(file, META_SHEET, 0, "", f"未知评估标准 {made!r}", f"unknown rubric {made!r}"))
    return out


class DataWarning(UserWarning):
    """Data were read, but a value was changed (full-width digits) or is doubtful (0.85 for 85 %)."""


def _finish(frame: pd.DataFrame, problems: list[Problem], what: str, lang: str | None) -> pd.DataFrame:
    """Raise every error at once; otherwise attach the warnings to the frame (``attrs``) and also issue
    them as one :class:`DataWarning`, so that a notebook shows them."""
    pb = Problems(what, lang=lang or default_lang())
    pb.extend(problems)
    pb.raise_if_any()
    lines = pb.lines(severity="warning")
    frame.attrs["warnings"] = lines
    frame.attrs["not_reported"] = sorted({p.region for p in pb.warnings if p.region})
    if lines:
        head = f"{what}：{len(lines)} 条提醒" if pb.lang == "zh" else f"{len(lines)} warning(s) in {what}"
        warnings.warn(DataWarning("\n".join([head, *(f"- {line}" for line in lines)])), stacklevel=3)
    return frame


def load_data(path_or_paths: str | Path | Iterable[str | Path], rubric: Rubric | str | None = None,
              regions: pd.DataFrame | Iterable[str] | None = None, lang: str | None = None) -> pd.DataFrame:
    """Read indicator data (CSV, long-format Excel or filled templates) into the long format.

    ``rubric``: a :class:`Rubric` or name; None infers it (the template's, else the bundled rubric
    whose ids cover the data). ``regions``: the region codes accepted (DataFrame with ``code`` or
    codes); None means regions.csv plus zones.csv. ``lang``: ``zh`` or ``en`` for messages (default
    :func:`creditlab.problems.default_lang`). Raises :class:`DataError` listing every problem.

    Changes made while reading (full-width digits folded) and doubts (0.85 for a rate in percent)
    do not stop the load: they are in ``result.attrs["warnings"]`` (grouped lines in ``lang``, also
    issued as one :class:`DataWarning`), and the codes of template sheets left empty (未填报, not in
    the result) in ``attrs["not_reported"]``.
    """
    lang = check_lang(lang or default_lang())
    paths = _as_paths(path_or_paths)
    frame, _chunks, problems, _rub = _load(paths, rubric, regions)
    failed = any(p.severity == "error" for p in problems)  # then _finish raises: no result to build
    out = _public(frame) if len(frame) and not failed else _public(pd.DataFrame(columns=COLUMNS))
    return _finish(out, problems, ", ".join(map(str, paths)), lang)


def read_workbook(path: str | Path, rubric: Rubric | str | None = None, lang: str | None = None) -> pd.DataFrame:
    """Read a filled template (:func:`write_template`) back into the long format, validated."""
    lang = check_lang(lang or default_lang())
    path = Path(path)
    if path.is_file() and path.stat().st_size:
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True)
            has_meta = META_SHEET in wb.sheetnames
            wb.close()
        except Exception:  # the loader below reports unreadable files properly
            has_meta = True
        if not has_meta:
            _raise([Problem(str(path), message=f"不是creditlab模板（没有{META_SHEET}工作表）；其他工作簿请用 "
                            "creditlab.load_data 读取",
                            message_en=f"not a creditlab template (no {META_SHEET} sheet); use "
                            "creditlab.load_data for other workbooks")], str(path), lang)
    return load_data(path, rubric, lang=lang)


def completeness(rubric: Rubric | str, data: pd.DataFrame) -> pd.DataFrame:
    """Per region and year in ``data``, the criteria without a value: not assessed (未评估).

    ``reason`` is ``blank`` (a row with an empty value) or ``absent`` (no row at all).
    Columns: region, year, criterion, mandatory, text_zh, reason, status, status_zh.
    """
    rub = _as_rubric(rubric)
    spec = _value_spec(rub).reset_index()[["id", "mandatory", "text_zh"]].rename(columns={"id": "criterion"})
    spec = spec.assign(_order=np.arange(len(spec)))
    units = data[["region", "year"]].drop_duplicates()
    grid = units.merge(spec, how="cross")
    merged = grid.merge(data[["region", "year", "criterion", "value"]], on=["region", "year", "criterion"],
                        how="left", indicator=True)
    missing = merged[merged["value"].isna()]
    out = missing.assign(reason=np.where(missing["_merge"] == "both", "blank", "absent"),
                         status="not assessed", status_zh="未评估")
    out = out.sort_values(["region", "year", "_order"])
    cols = ["region", "year", "criterion", "mandatory", "text_zh", "reason", "status", "status_zh"]
    return out[cols].reset_index(drop=True)


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


# ---------------------------------------------------------------------------------------------
# Excel template

_MANDATORY_FILL = "FCE4D6"   # light orange: 必备条件 rows
_INPUT_FILL = "FFF9C4"       # light yellow: cells the county fills in
_HEADER_FILL = "D9E1F2"
_TEMPLATE_COLUMNS = [        # (key, header label, width)
    ("id", "编号 id", 9),
    ("level1", "", 12),
    ("level2", "", 16),
    ("level3", "", 16),
    ("text_zh", "计分标准", 48),
    ("text_en", "criterion (English)", 44),
    ("rule_zh", "计分规则", 22),
    ("rule_en", "rule", 22),
    ("points", "分值 points", 8),
    ("mandatory", "必备条件 mandatory", 11),
    ("value", "填报值 value", 12),
    ("evidence", "佐证材料/来源 evidence", 36),
    ("howto", "填写说明 how to fill in", 26),
]


def _template_labels() -> dict[str, str]:
    return {k: lbl for k, lbl, _ in _TEMPLATE_COLUMNS if lbl}


def _letter(key: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter([k for k, _, _ in _TEMPLATE_COLUMNS].index(key) + 1)


def _put(ws: Any, ref: str, value: Any) -> Any:
    """Write a cell; text is always a string cell, and text that Excel would read as a formula
    (=, +, -, @, tab, CR) also gets the quote prefix so that editing it keeps it text."""
    return safecells.put(ws, ref, value)


def _raw_rules(rubric: Rubric) -> dict[str, dict[str, Any]]:
    """criterion id -> its ``rule`` mapping in the YAML (for unit_en, which the frame drops)."""
    out: dict[str, dict[str, Any]] = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for n in nodes or []:
            for c in n.get("criteria") or []:
                out[c["id"]] = c.get("rule") or {}
            walk(n.get("children") or [])

    walk(rubric.raw.get("levels") or [])
    return out


_HOWTO = {
    "binary": "选择“是”或“否” / choose yes (是) or no (否)",
    "percent": "比率（%），0–100 / rate in percent, 0–100",
    "count": "个数，整数≥0 / count, whole number ≥ 0",
    "points": "得分，0–{max:g} / points awarded, 0–{max:g}",
    "score": "评估得分，0–100 / score, 0–100",
    "number": "数值 / a number",
}


def _validation_key(kind: str, mx: float) -> tuple[str, str, str, str]:
    """(type, operator, formula1, formula2) of the Excel data validation for an input cell."""
    if kind == "binary":
        return ("list", "", '"是,否"', "")
    if kind in ("percent", "score"):
        return ("decimal", "between", "0", "100")
    if kind == "count":
        return ("whole", "greaterThanOrEqual", "0", "")
    if kind == "points":
        return ("decimal", "between", "0", f"{mx:g}")
    return ("decimal", "between", "-1000000000", "1000000000")


def _template_rows(rubric: Rubric) -> pd.DataFrame:
    """One row per value id, with level names, texts, points and the rule frame's columns."""
    spec = _value_spec(rubric)
    crit = rubric.criteria.set_index("id")
    rows = []
    for vid, s in spec.iterrows():
        c = crit.loc[s["criterion"]]
        metric = vid != s["criterion"]
        rows.append({
            "id": vid, "level1": c["level1_zh"], "level2": c["level2_zh"], "level3": c["level3_zh"],
            "text_zh": s["text_zh"], "text_en": s["text_en"], "points": np.nan if metric else c["points"],
            "mandatory": bool(s["mandatory"]), "kind": s["kind"], "max": s["max"],
            "park_kind": s["park_kind"], "park_max": s["park_max"], "criterion": s["criterion"],
            "metric": metric, "direction": s["direction"],
        })
    return pd.DataFrame(rows)


def write_template(rubric: Rubric | str, regions: pd.DataFrame | Iterable[str] | str, year: int,
                   path: str | Path, *, lang: str | None = None) -> Path:
    """Write an Excel workbook for counties to fill in: one sheet per region (named by its code).

    ``regions``: codes, or a DataFrame with ``code`` and ``name``. Input cells carry data
    validation, 必备条件 rows are highlighted, the sheets are protected except the input and
    evidence columns, and a hidden ``_creditlab`` sheet records rubric, version, year and format.
    If the rubric's certification conditions need context (重大事件, 失信主体占比, 整改率, 不良贷款率 …),
    a sheet :data:`CONTEXT_SHEET` asks for it, one row per region (read by :func:`ingest`).
    ``lang``: language of error messages (default Chinese, ``CREDITLAB_LANG=en`` for English).
    """
    from openpyxl import Workbook
    from openpyxl.workbook.protection import WorkbookProtection

    lang = lang or default_lang()
    bad_year = year_problem(year, lang)
    if bad_year:
        raise DataError(bad_year)
    rub = _as_rubric(rubric)
    if not rub.uses_year(int(year)):
        first, last = rub.years
        span = f"{first or '…'}–{last or ''}"
        raise DataError(f"年度 {year} 不在评估标准 {rub.name} 的适用年度（{span}）内" if lang == "zh"
                        else f"year {year} is outside the years rubric {rub.name} is used for ({span})")
    units = _template_units(regions, lang)
    rows = _template_rows(rub)
    raw_rules = _raw_rules(rub)
    parks = park_codes()
    wb = Workbook()
    _readme_sheet(wb.active, rub, int(year))
    for unit in units.itertuples():
        _region_sheet(wb.create_sheet(unit.code), unit, rub, int(year), rows, raw_rules, unit.code in parks)
    fields = context_fields(rub)
    if fields:
        _context_sheet(wb.create_sheet(CONTEXT_SHEET), units, int(year), fields)
    _meta_sheet(wb.create_sheet(META_SHEET), rub, int(year), list(units["code"]), fields)
    wb.security = WorkbookProtection(lockStructure=True)  # no adding, renaming or deleting sheets
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def _template_units(regions: pd.DataFrame | Iterable[str] | str, lang: str = "zh") -> pd.DataFrame:
    zh = lang == "zh"
    if isinstance(regions, pd.DataFrame):
        units = regions[["code", "name"]].astype(str)
    else:
        codes = [regions] if isinstance(regions, str) else [str(c) for c in regions]
        names = _region_names()
        unknown = ", ".join(c for c in codes if c not in names)
        if unknown:
            raise DataError(f"未知的区划代码 {unknown}（不在 regions.csv 或 zones.csv 中）" if zh
                            else f"unknown region code(s) {unknown} (not in regions.csv or zones.csv)")
        units = pd.DataFrame({"code": codes, "name": [names[c] for c in codes]})
    bad = ", ".join(units.loc[~units["code"].str.fullmatch(r"\d{6}|KF\d{6}"), "code"])
    if bad:
        raise DataError(f"区划代码 {bad} 不是6位数字或 KF + 6位数字" if zh
                        else f"region code(s) {bad} are not 6 digits or KF + 6 digits")
    dup = ", ".join(units.loc[units["code"].duplicated(), "code"])
    if dup:
        raise DataError(f"区划代码重复：{dup}" if zh else f"duplicate region codes: {dup}")
    if units.empty:
        raise DataError("没有选中任何区县" if zh else "no regions selected for the template")
    return units.reset_index(drop=True)


def _readme_sheet(ws: Any, rub: Rubric, year: int) -> None:
    from openpyxl.styles import Alignment, Font

    ws.title = README_SHEET
    lines = [
        f"{rub.title_zh}（{year}年度）数据填报模板",
        f"{rub.title_en} — data template for {year}",
        "",
        "每个区县（开发区）一张工作表，表名为区划代码。只填写黄色的“填报值”和“佐证材料/来源”两列。",
        "One sheet per county (zone), named by its code. Fill in only the yellow value and evidence columns.",
        "是/否：选择“是”或“否”；比率填百分数（85表示85%）；个数填整数；酌情计分和综合评判填所得分数。",
        "Yes/no: choose 是 or 否; rates in percent (85 means 85 %); counts as whole numbers; "
        "discretionary and graded rows: the points awarded.",
        "留空表示“未评估”，不会按0分计。",
        "Leave a cell blank if the row was not assessed: it is not scored as 0.",
        "橙色行为必备条件。Orange rows are mandatory conditions (必备条件).",
    ]
    for i, line in enumerate(lines, start=1):
        _put(ws, f"A{i}", line)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    ws.protection.sheet = True


def _meta_sheet(ws: Any, rub: Rubric, year: int, codes: list[str], fields: Sequence[str] = ()) -> None:
    items = [
        ("format", TEMPLATE_FORMAT), ("format_version", FORMAT_VERSION), ("rubric", rub.name),
        ("rubric_version", rub.version), ("year", str(year)), ("header_row", str(HEADER_ROW)),
        ("id_column", _letter("id")), ("value_column", _letter("value")),
        ("evidence_column", _letter("evidence")), ("regions", ",".join(codes)),
        ("creditlab_version", __version__),
    ]
    if fields:  # older templates have no context sheet; ingest reads one only where these keys say so
        items += [("context_sheet", CONTEXT_SHEET), ("context_fields", ",".join(fields))]
    for i, (k, v) in enumerate(items, start=1):
        _put(ws, f"A{i}", k)
        _put(ws, f"B{i}", v)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _region_sheet(ws: Any, unit: Any, rub: Rubric, year: int, rows: pd.DataFrame,
                  raw_rules: dict[str, dict[str, Any]], park: bool) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    crit = rub.criteria.set_index("id")
    names = rub.level_names or {}
    cols = list(_TEMPLATE_COLUMNS)
    for n in (1, 2, 3):
        label = (names.get(f"level{n}") or {}).get("zh") or f"第{n}级"
        cols[n] = (f"level{n}", label, cols[n][2])
    kind_note = "（开发区）" if park else ""
    _put(ws, "A1", f"{unit.name}{kind_note} {year}年度 {rub.title_zh}")
    ws["A1"].font = Font(bold=True, size=13)
    _put(ws, "A2", f"区划代码 region code: {unit.code}    年度 year: {year}    "
                   f"评估标准 rubric: {rub.name} (version {rub.version})")
    _put(ws, "A3", "只填写黄色两列；留空表示未评估。Fill in the yellow columns only; blank = not assessed.")
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    for j, (_key, label, width) in enumerate(cols, start=1):
        cell = _put(ws, f"{_col(j)}{HEADER_ROW}", label)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[_col(j)].width = width

    mand_fill = PatternFill("solid", fgColor=_MANDATORY_FILL)
    input_fill = PatternFill("solid", fgColor=_INPUT_FILL)
    validations: dict[tuple[str, str, str, str], list[str]] = {}
    value_col, evidence_col = _letter("value"), _letter("evidence")
    for i, r in enumerate(rows.itertuples(), start=HEADER_ROW + 1):
        c = crit.loc[r.criterion]
        use_park = park and r.park_kind is not None and not pd.isna(r.park_kind)
        kind, mx = (r.park_kind, r.park_max) if use_park else (r.kind, r.max)
        if r.metric:
            arrow = "越高越好" if r.direction == "higher" else "越低越好"
            rule_zh, rule_en = f"监测指标（{arrow}）", f"monitoring metric ({r.direction} is better)"
        else:
            rule_zh, rule_en = rule_words(c, use_park, raw_rules.get(r.criterion, {}))
        values = {
            "id": r.id, "level1": r.level1, "level2": r.level2, "level3": r.level3, "text_zh": r.text_zh,
            "text_en": r.text_en, "rule_zh": rule_zh, "rule_en": rule_en,
            "points": None if pd.isna(r.points) else float(r.points),
            "mandatory": "必备条件" if r.mandatory else "", "value": None, "evidence": None,
            "howto": _HOWTO.get(kind, "").format(max=mx if pd.notna(mx) else 0),
        }
        for j, (key, _label, _w) in enumerate(cols, start=1):
            v = values[key]
            missing = v is None or (isinstance(v, float) and pd.isna(v))
            cell = _put(ws, f"{_col(j)}{i}", None if missing else v)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r.mandatory:
                cell.fill = mand_fill
        if r.mandatory:
            ws[f"{_letter('mandatory')}{i}"].font = Font(bold=True, color="C00000")
        for col in (value_col, evidence_col):
            cell = ws[f"{col}{i}"]
            cell.protection = Protection(locked=False)
            cell.fill = input_fill
        ws[f"{value_col}{i}"].number_format = {"count": "0", "binary": "@"}.get(kind, "General")
        ws[f"{evidence_col}{i}"].number_format = "@"  # typed text stays text
        validations.setdefault(_validation_key(kind, mx), []).append(f"{value_col}{i}")
    for (vtype, op, f1, f2), cells in validations.items():
        dv = DataValidation(type=vtype, operator=op or None, formula1=f1, formula2=f2 or None,
                            allow_blank=True, showErrorMessage=True, showInputMessage=True,
                            errorTitle="填报值无效 invalid value",
                            error=_validation_error(vtype, f1, f2))
        for ref in cells:
            dv.add(ref)
        ws.add_data_validation(dv)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.protection.sheet = True
    # Light protection, no password: people may resize and format, not edit the rubric text.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False


# The national NPL average is one national figure per year (national_npl.csv, supplied centrally), not
# something a hundred county offices should each type in: the context sheet does not ask for it.
_NATIONAL_FIELDS = ("national_npl_ratio",)
_CONTEXT_KEYS = [("region", "区划代码 region", 12), ("name", "名称 name", 20), ("year", "年度 year", 8)]
_CONTEXT_VALIDATION = {
    "bool": ("list", "", '"是,否"', ""),
    "per_10000": ("decimal", "between", "0", "10000"),
    "count": ("whole", "greaterThanOrEqual", "0", ""),
    "percent": ("decimal", "between", "0", "100"),
}
_CONTEXT_HOWTO = {
    "bool": "是/否", "per_10000": "万分之几，0–10000", "count": "个数，整数≥0", "percent": "百分数，0–100",
}


def context_fields(rubric: Rubric) -> list[str]:
    """The context fields the rubric's certification conditions check (national figures excepted),
    in :data:`CONTEXT_FIELDS` order: the columns of the template's context sheet."""
    conditions = (rubric.certification or {}).get("conditions") or []
    checks = [c for cond in conditions for c in cond["checks"]]
    needed = {c["field"] for c in checks} | {c["ref"] for c in checks if "ref" in c}
    return [f for f in CONTEXT_FIELDS if f in needed and f not in _NATIONAL_FIELDS]


def _context_labels(fields: Sequence[str]) -> list[str]:
    """Header labels of the context sheet: the keys, then each field's Chinese label and its id."""
    return [lbl for _, lbl, _ in _CONTEXT_KEYS] + [f"{FIELD_LABELS[f][0]}\n{f}" for f in fields]


def _context_sheet(ws: Any, units: pd.DataFrame, year: int, fields: Sequence[str]) -> None:
    """One row per region for the certification context; yes/no lists and ranges validated."""
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    _put(ws, "A1", f"认定条件所需情况（{year}年度） certification context for {year}")
    ws["A1"].font = Font(bold=True, size=13)
    _put(ws, "A2", "每个区县（开发区）一行，只填写黄色单元格；是/否请选择；失信主体占比填万分之几；"
                   "比率填百分数（85表示85%）；留空表示情况不明（认定结论为“无法判断”）。全国平均不良贷款率由省里统一提供，不在此填写。")
    _put(ws, "A3", "One row per county (zone); fill in the yellow cells only. Yes/no: choose 是 or 否; debtor "
                   "shares per 10,000; rates in percent. Blank means unknown. The national NPL average is "
                   "supplied centrally, not here.")
    header_fill, input_fill = PatternFill("solid", fgColor=_HEADER_FILL), PatternFill("solid", fgColor=_INPUT_FILL)
    widths = [w for _, _, w in _CONTEXT_KEYS] + [18] * len(fields)
    for j, (label, width) in enumerate(zip(_context_labels(fields), widths, strict=True), start=1):
        cell = _put(ws, f"{_col(j)}{HEADER_ROW}", label)
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[_col(j)].width = width
    first, last = HEADER_ROW + 1, HEADER_ROW + len(units)
    for i, unit in enumerate(units.itertuples(), start=first):
        for j, v in enumerate((unit.code, unit.name, year), start=1):
            _put(ws, f"{_col(j)}{i}", v)
    for j, name in enumerate(fields, start=len(_CONTEXT_KEYS) + 1):
        kind = CONTEXT_FIELDS[name]
        letter = _col(j)
        vtype, op, f1, f2 = _CONTEXT_VALIDATION[kind]
        dv = DataValidation(type=vtype, operator=op or None, formula1=f1, formula2=f2 or None, allow_blank=True,
                            showErrorMessage=True, showInputMessage=True, errorTitle="填报值无效 invalid value",
                            error=_validation_error(vtype, f1, f2), promptTitle=FIELD_LABELS[name][0][:32],
                            prompt=_CONTEXT_HOWTO[kind])
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)
        for i in range(first, last + 1):
            cell = ws[f"{letter}{i}"]
            cell.protection = Protection(locked=False)
            cell.fill = input_fill
            cell.number_format = "@" if kind == "bool" else "General"
    ws.freeze_panes = f"D{first}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False


def _read_context_sheet(path: Path, meta: dict[str, str], chunk: int
                        ) -> tuple[pd.DataFrame | None, _Chunk, list[Problem]]:
    """The context sheet of a filled template as raw strings (``region, year, <fields>, _chunk, _row``),
    rows left entirely blank dropped; ``chunk`` is the index its :class:`_Chunk` will have. Read as the
    region sheets are: sparse XML rows, cached values only, percent cells as the percent shown."""
    from openpyxl import load_workbook

    file, sheet = str(path), meta.get("context_sheet", "")
    fields = [f for f in meta.get("context_fields", "").split(",") if f]
    ch = _Chunk(file, sheet, {"region": f"A ({_CONTEXT_KEYS[0][1]})"},
                fixed={"year": (f"{META_SHEET}工作表", f"the {META_SHEET} sheet")})
    unknown = [f for f in fields if f not in CONTEXT_FIELDS]
    if sheet != CONTEXT_SHEET or unknown or not fields:
        listed = ",".join(fields)
        return None, ch, [Problem(file, META_SHEET, 0, "",
                                  f"本版本creditlab不认识认定条件工作表 {_q(sheet)}（字段 {_q(listed)}）",
                                  f"the context sheet {_q(sheet)} with fields {_q(listed)} is not one this "
                                  "version of creditlab knows")]
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet not in wb.sheetnames:
            return None, ch, [Problem(file, sheet, 0, "", "缺少认定条件工作表：请使用新模板",
                                      "the context sheet is missing; use a fresh template")]
        labels = _context_labels(fields)
        width = len(labels)
        rows = list(xml_rows(wb, wb[sheet], percent_styles(wb), range(width)))
    finally:
        wb.close()
    head = dict(next((r for i, r in rows if i == HEADER_ROW), {}))
    changed = [j for j, lbl in enumerate(labels) if head.get(j, "").strip() != lbl.strip()]
    if changed:
        j = changed[0]
        return None, ch, [Problem(file, sheet, HEADER_ROW, _col(j + 1),
                                  f"表头被改动：应为 {_q(labels[j])}，实际为 {_q(head.get(j, ''))}；请使用新模板",
                                  f"the header row was changed: expected {_q(labels[j])}, found "
                                  f"{_q(head.get(j, ''))}; use a fresh template")]
    body, _stray = _split_stray([(i, r) for i, r in rows if i > HEADER_ROW])
    cols = {"region": 0, **{f: j for j, f in enumerate(fields, start=len(_CONTEXT_KEYS))}}
    raw = pd.DataFrame({k: [r.get(j, "").strip() for _i, r in body] for k, j in cols.items()}, dtype=str)
    raw = raw.assign(year=meta.get("year", ""), _chunk=chunk, _row=np.array([i for i, _r in body], dtype=int))
    ch.columns.update({f: f"{_col(j + 1)} ({f})" for f, j in cols.items() if f != "region"})
    filled = (raw[fields] != "").any(axis=1) if len(raw) else pd.Series(dtype=bool)
    # Rows are matched to regions by the code in column A, which a person can overtype: a code that is
    # not one of this template's regions, or that no longer matches the row's name (column B), would file
    # one county's context under another (as a renamed region sheet would), so the row is left out.
    names = pd.Series([r.get(1, "").strip() for _i, r in body], dtype=str)
    expected = raw["region"].map(_region_names())
    listed = {c for c in meta.get("regions", "").split(",") if c}
    renamed = (names != "") & expected.notna() & (names != expected)
    foreign = (raw["region"] != "") & ~raw["region"].isin(listed) if listed else pd.Series(False, index=raw.index)
    wrong = filled & (renamed | foreign)
    problems = [Problem(file, sheet, int(raw.at[i, "_row"]), f"A ({_CONTEXT_KEYS[0][1]})",
                        f"区划代码“{_q(raw.at[i, 'region'])}”" + (f"与本行名称“{_q(names[i])}”不一致" if renamed[i]
                                                            else "不是本模板的区县")
                        + "：请勿改动A、B两列（该行的认定条件未读入）",
                        f"the region code {_q(raw.at[i, 'region'])} " + (
                            f"does not match the row's name {_q(names[i])}" if renamed[i]
                            else "is not one of this template's regions")
                        + ": do not change columns A and B (the row's context was not read)",
                        region=_who(raw.at[i, "region"])[0])
                for i in raw.index[wrong]]
    return raw[filled & ~wrong].reset_index(drop=True), ch, problems


def _validation_error(vtype: str, f1: str, f2: str) -> str:
    if vtype == "list":
        return "请选择“是”或“否”。Choose 是 (yes) or 否 (no)."
    if vtype == "whole":
        return "请填写不小于0的整数。Enter a whole number ≥ 0."
    return f"请填写{f1}到{f2}之间的数。Enter a number from {f1} to {f2}."


def _col(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


# ---------------------------------------------------------------------------------------------
# Ingest a folder

DATA_SUFFIXES = (".xlsx", ".xlsm", ".csv")  # .xlsm: read like .xlsx (cell values only; macros never run)
# Spreadsheet formats a county may send back that creditlab cannot read: each is named ("save as .xlsx")
# and makes the run incomplete, never skipped in silence.
FOREIGN_SUFFIXES = (".xls", ".xlsb", ".xlt", ".xltx", ".xltm", ".et", ".ett", ".ods", ".numbers", ".wps")
OUT_SUFFIXES = (".csv", ".xlsx")
# Exit codes of ``creditlab ingest`` (and ``template``): 0 all went in; 1 problems in the data (the
# valid part and a problems file were written, the previous complete output is untouched); 2 the
# command itself cannot run (bad --out, no such folder, unknown rubric, year out of range).
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
_UNIT = ["_chunk", "region"]  # what is accepted or left out as a whole: one region in one sheet (or CSV)
_SHOWN = 10  # problems printed per file (all of them go to the problems file)


def output_paths(out: str | Path) -> dict[str, Path]:
    """Every file an ingest to ``out`` may write: the complete data and context, or, when there were
    problems, the ``.partial`` versions beside them, and the ``.problems.csv`` list."""
    out = Path(out)
    stem, ext = out.stem, out.suffix
    return {"data": out, "context": out.with_name(f"{stem}.context{ext}"),
            "partial": out.with_name(f"{stem}.partial{ext}"),
            "context_partial": out.with_name(f"{stem}.context.partial{ext}"),
            "problems": out.with_name(f"{stem}.problems.csv")}


@dataclass
class IngestResult:
    """What :func:`ingest` did: the data that went in and every problem.

    ``files_read``: files that went in completely; ``files_rejected``: files with a problem (left out
    wholly or in part: a sheet or a region with a problem is left out, the file's other sheets go in)
    and the problems; ``out``: the data file written (``x.partial.csv`` when ``partial``); ``units``:
    per file, sheet and region the rows found and whether they went in.
    """

    data: pd.DataFrame
    files_read: list[Path]
    files_rejected: dict[Path, list[str]]
    out: Path | None
    partial: bool = False
    problems_file: Path | None = None
    context: pd.DataFrame | None = None
    context_out: Path | None = None
    units: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["file", "sheet", "region",
                                                                              "rows", "accepted"]))
    problems: Problems = field(default_factory=Problems)

    @property
    def ok(self) -> bool:
        """True when everything went in (and there was at least one file)."""
        return bool(self.files_read) and not self.problems

    @property
    def rows(self) -> int:
        return len(self.data)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_PROBLEMS

    def summary(self, lang: str | None = None) -> str:
        """What was read and written, per file; the problems of each file with one."""
        lang = lang or default_lang()
        zh = lang == "zh"
        n_ctx = 0 if self.context is None else len(self.context)
        lines = [f"读取文件 {len(self.files_read)} 个，数据 {self.rows} 行，认定条件 {n_ctx} 行；"
                 f"有问题的文件 {len(self.files_rejected)} 个" if zh else
                 f"files read: {len(self.files_read)}, rows: {self.rows}, "
                 f"files rejected: {len(self.files_rejected)}, context rows: {n_ctx}"]
        lines += [f"  已读取 {p.name}" if zh else f"  read: {p.name}" for p in self.files_read]
        for p, probs in self.files_rejected.items():
            lines.append(f"  有问题 {p.name}：{len(probs)} 个问题" if zh
                         else f"  REJECTED {p.name}: {len(probs)} problem(s)")
            lines += [f"    - {m}" for m in probs[:_SHOWN]]
            if len(probs) > _SHOWN:
                more = len(probs) - _SHOWN
                lines.append(f"    ……另有 {more} 个问题（见问题清单）" if zh else f"    ... and {more} more")
        lines += [f"  提示：{w}" if zh else f"  note: {w}" for w in self.problems.lines(lang, severity="warning")]
        lines.append(self._written(lang))
        return "\n".join(lines)

    def _written(self, lang: str) -> str:
        zh = lang == "zh"
        written = [p for p in (self.out, self.context_out, self.problems_file) if p is not None]
        if not written:
            return "未写出任何文件" if zh else "nothing written"
        return ("已写出：" if zh else "written: ") + ", ".join(map(str, written))

    def message(self, lang: str | None = None, limit: int = 20) -> str:
        """The short account for stderr when something was left out (empty when all went in)."""
        if self.ok:
            return ""
        lang = lang or default_lang()
        n = self.problems.count()
        if lang == "zh":
            head = [f"creditlab：发现 {n} 个问题，数据不完整，完整结果文件未更新。"]
            if self.out is not None:
                head.append(f"可用部分已写入 {self.out}。")
            if self.problems_file is not None:
                head.append(f"问题清单：{self.problems_file}（请转交相关区县修改后重新提交）。")
        else:
            head = [f"creditlab: {n} problem(s); the data is incomplete and the complete output was not updated."]
            if self.out is not None:
                head.append(f"The valid part was written to {self.out}.")
            if self.problems_file is not None:
                head.append(f"Problems listed in {self.problems_file}.")
        sep = "" if lang == "zh" else " "
        return "\n".join([sep.join(head), *(f"- {x}" for x in self.problems.lines(lang, limit=limit))])


def scan_folder(folder: str | Path, exclude: Iterable[str | Path] = (), lang: str | None = None
                ) -> tuple[list[Path], Problems]:
    """The data files of ``folder`` (``.xlsx``, ``.xlsm``, ``.csv``), sorted, and a note on everything
    else: other spreadsheet formats and sub-folders holding spreadsheets are errors (not read, so the
    run is incomplete); lock files, other files and empty sub-folders are warnings. Hidden files and
    ``exclude`` (creditlab's own outputs) are passed over."""
    lang = lang or default_lang()
    skip = {Path(p).resolve() for p in exclude}
    notes = Problems(what=str(folder), lang=lang)
    files = []
    for p in sorted(Path(folder).iterdir()):
        if p.name.startswith(".") or p.resolve() in skip:
            continue
        suffix = p.suffix.lower()
        if p.is_dir():
            inner = sorted(q for q in p.rglob("*") if q.suffix.lower() in DATA_SUFFIXES + FOREIGN_SUFFIXES
                           and not q.name.startswith(("~$", ".")) and q.is_file())
            if inner:
                notes.add(f"子文件夹中的 {len(inner)} 个表格文件（如 {inner[0].relative_to(p)}）不会被读取："
                          f"请把要汇总的文件直接放在 {folder} 中",
                          f"a sub-folder: its {len(inner)} spreadsheet(s) (e.g. {inner[0].relative_to(p)}) are "
                          f"not read; put the files to consolidate directly in {folder}", file=str(p))
            else:
                notes.warn("子文件夹，已跳过（其中没有表格文件）", "a sub-folder without spreadsheets: skipped",
                           file=str(p))
        elif p.name.startswith("~$"):
            notes.warn("Excel/WPS 的临时锁定文件（原文件可能仍在打开），已跳过",
                       "an Excel/WPS lock file (the workbook may still be open): skipped", file=str(p))
        elif not p.is_file():
            notes.warn("不是普通文件，已跳过", "not a regular file: skipped", file=str(p))
        elif suffix in DATA_SUFFIXES:
            files.append(p)
        elif suffix in FOREIGN_SUFFIXES:
            notes.add(f"无法读取 {suffix} 格式的文件：请用 Excel 或 WPS 打开后“另存为” .xlsx 格式，再放回此文件夹",
                      f"cannot read {suffix} files: open it in Excel or WPS, save it as .xlsx and put that "
                      "in the folder instead", file=str(p))
        else:
            notes.warn("不是数据文件（只读取 .xlsx、.xlsm 和 .csv），已跳过",
                       "not a data file (only .xlsx, .xlsm and .csv are read): skipped", file=str(p))
    return files, notes


def input_files(folder: str | Path, exclude: Iterable[str | Path] = ()) -> list[Path]:
    """The data files of ``folder`` (*.xlsx, *.xlsm, *.csv; not sub-folders), sorted; see :func:`scan_folder`."""
    return scan_folder(folder, exclude)[0]


def ingest(folder: str | Path, rubric: Rubric | str, out: str | Path | None, *,
           lang: str | None = None) -> IngestResult:
    """Read every workbook and CSV in ``folder`` into one dataset (and the templates' certification
    context into a context file); inputs are only read, outputs written atomically.

    What goes in or stays out is one region in one sheet (or CSV): a problem there leaves that region's
    rows of that sheet out, and the other sheets of the same workbook still go in. A duplicate of a row
    in another file leaves both regions' sheets out (neither can be trusted); a file that cannot be
    read, or a template for another rubric, is left out whole.

    With no problem at all, ``out`` (``.csv`` or ``.xlsx``) and ``<out>.context.<ext>`` are written
    and stale ``.partial``/``.problems`` files of an earlier run removed. With any problem, ``out`` is
    left untouched (the last complete output stays as it was); the valid part goes to
    ``<out>.partial.<ext>`` (and ``<out>.context.partial.<ext>``) and every problem, one per line, to
    ``<out>.problems.csv`` (UTF-8 with BOM: 文件, 工作表, 行, 列, 县（市、区）, 问题, 类型).
    """
    lang = lang or default_lang()
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}：不是文件夹（或不存在）" if lang == "zh" else f"{folder}: not a folder")
    paths = output_paths(check_out(out, OUT_SUFFIXES, lang=lang, create_parents=True)) if out is not None else {}
    rub = _as_rubric(rubric)
    files, issues = scan_folder(folder, exclude=paths.values(), lang=lang)
    known, parks, names = _known_regions(None), park_codes(), _region_names()
    chunks: list[_Chunk] = []
    kept, ctx_raw, found = [], [], []
    for path in files:
        frame, ctx, seen = _ingest_file(path, rub, known, parks, names, chunks, issues)
        kept.append(frame)
        found.append(seen)
        if ctx is not None:
            ctx_raw.append(ctx)
    if not files and not issues:
        issues.add(f"文件夹中没有可读取的数据文件（{'、'.join(DATA_SUFFIXES)}）",
                   f"no data files ({', '.join(DATA_SUFFIXES)}) in the folder", file=str(folder))
    allrows = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=[*COLUMNS, "_chunk", "_row"])
    allrows = _drop_duplicated_units(allrows, chunks, names, issues)
    context = _ingest_context(ctx_raw, chunks, known, names, issues)
    units = _unit_table(found, allrows, chunks)
    data = _public(allrows) if len(allrows) else _public(pd.DataFrame(columns=COLUMNS))
    result = IngestResult(data, [], {}, None, context=context, units=units, problems=issues)
    bad_files = {Path(p.file) for p in issues.errors if p.file}
    result.files_read = [p for p in files if p not in bad_files]
    result.files_rejected = {p: [x.text(lang) for x in issues.errors if Path(x.file) == p]
                             for p in sorted(bad_files)}
    if paths:
        _write_outputs(result, paths, lang)
    return result


def _region_label(code: str, names: dict[str, str]) -> str:
    return f"{names[code]}（{code}）" if code in names else code


def _issue(p: Problem, region: str = "") -> Problem:
    """A reader's problem with the region it concerns (for the problems file's county column)."""
    return p if p.region or not region else dataclasses.replace(p, region=region)


def _with_regions(problems: list[Any], rows: pd.DataFrame, chunks: list[_Chunk], names: dict[str, str]
                  ) -> list[Problem]:
    """Problems about some of ``rows`` (duplicates, a value's warning), each with the region of the row it
    names; only the rows the problems name are looked at (a warning about one row of a 50 MB file)."""
    if not problems:
        return []
    rows = rows[rows["_row"].isin({p.row for p in problems})]
    region_at = {(chunks[c].file, chunks[c].sheet, int(r)): g
                 for c, r, g in rows[["_chunk", "_row", "region"]].itertuples(index=False)}
    return [_issue(p, _region_label(region_at.get((p.file, p.sheet, p.row), ""), names)) for p in problems]


def _ingest_file(path: Path, rub: Rubric, known: set[str], parks: set[str], names: dict[str, str],
                 chunks: list[_Chunk], issues: Problems) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    """One file: its valid regions' rows (with ``_chunk``), its context rows, and every unit found."""
    raw, fchunks, probs, metas = _read_files([path], REQUIRED, _DATA_ALIASES, DATA_COLUMNS)
    base = len(chunks)
    chunks += fchunks
    raw = raw.assign(_chunk=raw["_chunk"] + base)
    meta = metas.get(str(path), {})
    probs = probs + (_meta_problems(str(path), meta, rub) if meta else [])
    # Warnings (values normalised, a sheet left empty: 未填报, stray cells) are said, and leave nothing out.
    # (未填报 carries its bare code, for attrs["not_reported"]: the problems file names the county.)
    issues.extend(dataclasses.replace(p, region=_region_label(p.region, names)) if p.region in names
                  else _issue(p, _region_label(p.sheet, names) if p.sheet in names else "")
                  for p in probs if p.severity != "error")
    probs = [p for p in probs if p.severity == "error"]
    empty = raw.iloc[:0].assign(region="")
    seen = raw.assign(region=_strip(raw, "region"))[_UNIT] if len(raw) else pd.DataFrame(columns=_UNIT)
    if any(p.sheet in ("", META_SHEET) for p in probs):  # unreadable, another rubric's template: all out
        issues.extend(_issue(p) for p in probs)
        return empty, None, seen
    bad_sheets = {p.sheet for p in probs}
    issues.extend(_issue(p, _region_label(p.sheet, names) if p.sheet in names else "") for p in probs)
    sheet_of = pd.Series([c.sheet for c in chunks])
    raw = raw[~raw["_chunk"].map(sheet_of).isin(bad_sheets)] if len(raw) else raw
    ctx = None
    if meta.get("context_sheet"):
        ctx, cchunk, cprobs = _read_context_sheet(path, meta, len(chunks))
        chunks.append(cchunk)
        issues.extend(_issue(p) for p in cprobs)
    if raw.empty:
        return empty, ctx, seen
    frame, found = _validate(raw, chunks, rub, known, parks)
    region = _strip(raw, "region")
    located = raw[["_chunk", "_row"]].assign(region=region)  # for the county column of the problems file
    issues.extend(_with_regions([p for p in found if p.severity != "error"], located, chunks, names))
    vprobs = _errors(found)
    if not vprobs:
        return frame, ctx, seen
    del frame
    # The units (region of a sheet) holding a row an error is about go, the rest is validated once more.
    if getattr(found, "bad", None):
        chunk = raw["_chunk"].to_numpy(np.int64)
        gid = pd.factorize(region)[0].astype(np.int64) * (int(chunk.max()) + 1) + chunk
        keep = ~np.isin(gid, np.unique(gid[np.concatenate(found.bad)]))
        del gid, chunk
        part, rprobs = _validate(raw[keep], chunks, rub, known, parks) if keep.any() else (empty, [])
        if not _errors(rprobs):
            issues.extend(_with_regions(vprobs, located, chunks, names))
            return part, ctx, seen
    # Otherwise (not expected): the units the problems point at are validated one by one so that only
    # those go; the rest is validated again as a whole, and if the problems did not point at every bad
    # row (a problem listing only its first rows), every unit is validated on its own.
    groups = raw.groupby([raw["_chunk"], region], sort=False).indices
    where = raw["_chunk"].map(lambda c: (chunks[c].file, chunks[c].sheet))
    unit_of_row = {(w, int(r)): (c, g) for w, r, c, g in zip(where, raw["_row"], raw["_chunk"], region, strict=True)}
    suspect = {unit_of_row.get(((p.file, p.sheet), int(r)))
               for p in vprobs for r in (*getattr(p, "rows", ()), p.row)}
    rest = np.concatenate([pos for key, pos in groups.items() if key not in suspect] or [np.array([], int)])
    parts = []
    if len(rest):
        part, rprobs = _validate(raw.iloc[rest], chunks, rub, known, parks)
        if _errors(rprobs):
            suspect = set(groups)
        else:
            parts.append(part)
    for key, pos in groups.items():
        if key not in suspect:
            continue
        part, pprobs = _validate(raw.iloc[pos], chunks, rub, known, parks)
        pprobs = _errors(pprobs)
        if pprobs:
            issues.extend(_issue(p, _region_label(key[1], names)) for p in pprobs)
        else:
            parts.append(part)
    return (pd.concat(parts) if parts else empty), ctx, seen


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _drop_duplicated_units(allrows: pd.DataFrame, chunks: list[_Chunk], names: dict[str, str],
                           issues: Problems) -> pd.DataFrame:
    """Rows given twice (across files or sheets) leave out every unit holding one of them."""
    keys = ["region", "year", "criterion"]
    allrows = allrows.reset_index(drop=True)
    dup = allrows.duplicated(keys, keep=False) if len(allrows) else pd.Series(False, index=allrows.index)
    if not dup.any():
        return allrows
    issues.extend(_with_regions(_duplicates(allrows, chunks), allrows[dup], chunks, names))
    bad = allrows.loc[dup, _UNIT].drop_duplicates().assign(_bad=True)
    flagged = allrows[_UNIT].merge(bad, on=_UNIT, how="left")["_bad"].fillna(False).to_numpy(bool)
    return allrows[~flagged].reset_index(drop=True)


def _ingest_context(ctx_raw: list[pd.DataFrame], chunks: list[_Chunk], known: set[str],
                    names: dict[str, str], issues: Problems) -> pd.DataFrame | None:
    """The templates' context rows, validated as :func:`load_context` does; a wrong or duplicated row
    is left out (that region's context is then unknown) and reported."""
    if not ctx_raw:
        return None
    raw = pd.concat(ctx_raw, ignore_index=True)
    frame, probs = _validate_context(raw, chunks, known)
    issues.extend(_with_regions([p for p in probs if p.severity != "error"], raw.assign(region=_strip(raw, "region")),
                                chunks, names))
    if _errors(probs):  # find the rows at fault: only here, one row at a time
        good = np.ones(len(raw), dtype=bool)
        for i in range(len(raw)):
            _f, rprobs = _validate_context(raw.iloc[[i]], chunks, known)
            rprobs = _errors(rprobs)
            if rprobs:
                good[i] = False
                issues.extend(_issue(p, _region_label(raw.at[i, "region"], names)) for p in rprobs)
        frame = frame[good]
    frame = frame.reset_index(drop=True)
    dup = frame.duplicated(["region", "year"], keep=False)
    if dup.any():
        issues.extend(_with_regions(_duplicates(frame, chunks, ["region", "year"]), frame[dup], chunks, names))
        frame = frame[~dup]
    fields = [f for f in CONTEXT_FIELDS if any(f in chunks[c].columns for c in raw["_chunk"].unique())]
    return frame[["region", "year", *fields]].sort_values(["region", "year"]).reset_index(drop=True)


def _unit_table(found: list[pd.DataFrame], allrows: pd.DataFrame, chunks: list[_Chunk]) -> pd.DataFrame:
    """Per file, sheet and region: the rows found and whether they went in."""
    seen = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=_UNIT)
    seen = seen.assign(region=seen["region"].astype(str).str.replace(r"^(\d{6})\.0+$", r"\1", regex=True))
    counts = seen.groupby(_UNIT, sort=False).size().rename("rows").reset_index()
    went = allrows[_UNIT].astype({"region": str}).drop_duplicates().assign(accepted=True)
    out = counts.merge(went, on=_UNIT, how="left")
    out["accepted"] = out["accepted"].fillna(False).astype(bool)
    out.insert(0, "file", out["_chunk"].map(lambda c: chunks[c].file))
    out.insert(1, "sheet", out["_chunk"].map(lambda c: chunks[c].sheet))
    return out.drop(columns="_chunk")


def _context_table(context: pd.DataFrame) -> pd.DataFrame:
    """Context as :func:`load_context` reads it: yes/no as 是/否, unknown as a blank cell."""
    out = context.copy()
    for name in out.columns:
        if CONTEXT_FIELDS.get(name) == "bool":
            out[name] = out[name].map({True: "是", False: "否"}).astype(object).where(out[name].notna(), "")
    return out


def _write_outputs(result: IngestResult, paths: dict[str, Path], lang: str) -> None:
    """Complete run: the data and context files, stale partial files removed. Otherwise: never touch
    the complete files; the valid part and the problems file beside them."""
    ctx = result.context
    if not result.problems:
        result.out = _write_data(result.data, paths["data"])
        if ctx is not None and len(ctx):  # a context file without rows would not load
            result.context_out = safecells.write_table(_context_table(ctx), paths["context"], sheet="context")
        for key in ("partial", "context_partial", "problems"):
            paths[key].unlink(missing_ok=True)
        return
    result.partial = True
    for key, frame, writer in (("partial", result.data, _write_data),
                               ("context_partial", ctx, lambda f, p: safecells.write_table(
                                   _context_table(f), p, sheet="context"))):
        if frame is not None and len(frame):
            written = writer(frame, paths[key])
            if key == "partial":
                result.out = written
            else:
                result.context_out = written
        else:
            paths[key].unlink(missing_ok=True)  # an earlier run's partial file would mislead
    result.problems_file = write_problems(result.problems, paths["problems"], lang)


PROBLEM_COLUMNS = {"zh": ["文件", "工作表", "行", "列", "县（市、区）", "问题", "类型"],
                   "en": ["file", "sheet", "row", "column", "county", "problem", "type"]}


def write_problems(problems: Problems, path: str | Path, lang: str | None = None) -> Path:
    """Every problem (errors first, then warnings) one per row, as a CSV a county office opens in
    Excel, WPS or Notepad (UTF-8 with BOM); cell text is formula-safe."""
    lang = lang or default_lang()
    zh = lang == "zh"
    items = sorted(problems.items, key=lambda p: (p.severity != "error", p.file, p.sheet, p.row))

    def rows_text(p: Problem) -> str:
        if len(p.rows) > 1:
            more = p.count > len(p.rows)
            return ("、" if zh else ", ").join(map(str, p.rows)) + (f" 等共{p.count}行" if zh and more else
                                                                      f" … ({p.count})" if more else "")
        return str(p.row) if p.row else ""

    table = pd.DataFrame([[Path(p.file).name if p.file else "", p.sheet, rows_text(p), p.column, p.region,
                           p.message if zh or not p.message_en else p.message_en,
                           ("错误" if zh else "error") if p.severity == "error" else ("提示" if zh else "note")]
                          for p in items], columns=PROBLEM_COLUMNS["zh" if zh else "en"], dtype=object)
    return safecells.write_csv(table, path, bom=True)


def _write_data(data: pd.DataFrame, path: Path) -> Path:
    return write_csv(data, path)


def write_csv(data: pd.DataFrame, out: str | Path) -> Path:
    """Write long-format data as UTF-8 CSV, atomically; a blank value stays blank (not assessed), and
    evidence a spreadsheet would take for a formula gets a leading apostrophe (:mod:`creditlab.safecells`).
    A path ending in ``.xlsx`` gets a real workbook (sheet ``data``), never CSV text under that name."""
    return safecells.write_table(data[COLUMNS], out, sheet="data")


# ---------------------------------------------------------------------------------------------
# Command line


def _cli_lang(args: argparse.Namespace) -> str:
    return getattr(args, "lang", None) or default_lang()


def _select_regions(args: argparse.Namespace) -> pd.DataFrame:
    units = assessment_units()
    if args.region:
        return pd.DataFrame({"code": list(args.region)})
    if args.city:
        city = args.city.strip()
        sel = units[in_city(units, city)]
        if sel.empty:
            zh = _cli_lang(args) == "zh"
            raise DataError(f"找不到城市 {city!r} 的区县" if zh else f"no counties found for city {city!r}")
        return sel
    return units


def cli_template(args: argparse.Namespace) -> int:
    """``creditlab template``: write a fill-in workbook; returns the exit code."""
    lang = _cli_lang(args)
    bad_year = year_problem(args.year, lang)
    if bad_year:
        raise DataError(bad_year)
    out = check_out(args.out, (".xlsx",), lang=lang)
    units = _select_regions(args)
    codes = list(units["code"])
    path = write_template(args.rubric, codes, args.year, out, lang=lang)
    print(f"已写出 {path}：{len(codes)} 个区县工作表，评估标准 {args.rubric}，{args.year} 年度" if lang == "zh"
          else f"wrote {path}: {len(codes)} region sheet(s), rubric {args.rubric}, year {args.year}")
    return EXIT_OK


def cli_ingest(args: argparse.Namespace) -> int:
    """``creditlab ingest``: consolidate a folder; exit 1 (and a short account on stderr) if anything
    was left out, 2 if the command cannot run."""
    lang = _cli_lang(args)
    out = check_out(args.out, OUT_SUFFIXES, lang=lang)
    result = ingest(args.folder, args.rubric, out, lang=lang)
    print(result.summary(lang))
    if not result.ok:
        print(result.message(lang), file=sys.stderr)
    return result.exit_code
