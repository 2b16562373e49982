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

Every problem is reported at once in a :class:`~creditlab.errors.DataError`, each naming the file,
the sheet (Excel), the row a person sees in Excel or a CSV editor (header = row 1), the column and
what is wrong.

Excel templates (:func:`write_template`) have one sheet per region, named by the region code, one
row per criterion, and a hidden ``_creditlab`` sheet recording the rubric, its version, the year
and the template format version, which :func:`read_workbook` checks; when the rubric's
certification conditions need context, a sheet ``认定条件`` (:data:`CONTEXT_SHEET`) with one row per
region, which :func:`ingest` turns into a context file for :func:`load_context`. What :func:`ingest`
writes, and when, is described in its docstring and in the README (partial output, problems file).
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from . import safecells
from .atomic import atomic_path, check_out
from .certification import FIELD_LABELS
from .errors import DataError, RubricError
from .paths import data_dir
from .problems import Problem as Issue
from .problems import Problems, default_lang
from .rubric import Rubric, list_rubrics, load_rubric
from .tables import read_csv_text
from .years import year_problem

COLUMNS = ["region", "year", "criterion", "value", "evidence"]
REQUIRED = ["region", "year", "criterion", "value"]
# Other header spellings accepted for the optional evidence column.
EVIDENCE_ALIASES = ("evidence", "source", "佐证材料", "来源")

TEMPLATE_FORMAT = "creditlab-indicator-template"
FORMAT_VERSION = "1"
META_SHEET = "_creditlab"
README_SHEET = "说明"
HEADER_ROW = 4

# creditlab's own ids for development zones: KF + the city's 4-digit prefix + a 2-digit number.
ZONE_CODE = re.compile(r"KF\d{6}")
ZONE_COLUMNS = ["code", "name", "city_code", "city", "type"]
ZONE_TYPES = ("high_tech_zone", "economic_zone")

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_YES_NO = {"是": 1.0, "否": 0.0, "yes": 1.0, "no": 0.0, "true": 1.0, "false": 0.0}
_HAS_NO = {**_YES_NO, "有": 1.0, "无": 0.0, "1": 1.0, "0": 0.0}
_FORMULA_START = safecells.FORMULA_START


# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in an input file; ``str()`` gives ``file: sheet 'S': row N: column C: what``."""

    file: str
    sheet: str = ""
    row: int = 0
    column: str = ""
    message: str = ""

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ": ".join([*parts, self.message])


def _raise(problems: list[Problem], what: str) -> None:
    if problems:
        problems = sorted(set(problems))
        raise DataError(f"{len(problems)} problem(s) in {what}", [str(p) for p in problems])


@dataclass
class _Chunk:
    """One table read from a file: a CSV or one sheet, with the labels of its columns."""

    file: str
    sheet: str
    columns: dict[str, str]  # field -> label shown in messages, e.g. "D (value)"
    fixed: dict[str, str] = field(default_factory=dict)  # field -> where it came from (template)


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
    from .regions import cities

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
    from .regions import cities, counties

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
        from .regions import load_regions

        return set(load_regions()["code"]) | set(load_zones()["code"])
    if isinstance(regions, pd.DataFrame):
        return set(regions["code"].astype(str))
    return {str(r) for r in regions}


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


def _cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0' on integers, booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _table(frame: pd.DataFrame, file: str, sheet: str, required: Sequence[str],
           aliases: dict[str, str]) -> tuple[pd.DataFrame | None, _Chunk, list[Problem]]:
    """Normalise a header-row table: canonical column names, the row numbers a person sees."""
    names = [aliases.get(str(c).strip().casefold(), str(c).strip().casefold()) for c in frame.columns]
    chunk = _Chunk(file, sheet, {n: _col_label(i, n) for i, n in enumerate(names)})
    missing = [c for c in required if c not in names]
    if missing:
        found = ", ".join(str(c) for c in frame.columns) or "nothing"
        return None, chunk, [Problem(file, sheet, 1, "", f"missing required column(s) {', '.join(missing)} "
                                     f"(the header row must name {', '.join(required)}; found {found})")]
    frame = frame.set_axis(names, axis=1)
    frame = frame.loc[:, ~frame.columns.duplicated()].astype(str)
    frame = frame.assign(_row=frame.index + 2)  # header is row 1
    blank = (frame.drop(columns="_row").apply(lambda c: c.str.strip()) == "").all(axis=1)
    frame = frame[~blank]
    if frame.empty:
        return None, chunk, [Problem(file, sheet, 0, "", "no data rows below the header")]
    return frame.reset_index(drop=True), chunk, []


def _read_csv(path: Path, required: Sequence[str], aliases: dict[str, str]
              ) -> tuple[list[tuple[pd.DataFrame, _Chunk]], list[Problem], dict[str, str]]:
    file = str(path)
    try:
        raw = read_csv_text(path)
    except pd.errors.EmptyDataError:
        return [], [Problem(file, message="the file is empty")], {}
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        return [], [Problem(file, message=f"cannot be read as CSV: {exc}")], {}
    frame, chunk, problems = _table(raw, file, "", required, aliases)
    return ([(frame, chunk)] if frame is not None else []), problems, {}


def _sheet_rows(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _read_xlsx(path: Path, required: Sequence[str], aliases: dict[str, str]
               ) -> tuple[list[tuple[pd.DataFrame, _Chunk]], list[Problem], dict[str, str]]:
    """A workbook: a creditlab template if it has the metadata sheet, else one long table per sheet."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    file = str(path)
    if path.stat().st_size == 0:
        return [], [Problem(file, message="the file is empty")], {}
    try:
        # data_only=False: a formula cell is read as its text and treated as data, never evaluated.
        wb = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return [], [Problem(file, message=f"cannot be read as an Excel .xlsx workbook: {exc}")], {}
    try:
        if META_SHEET in wb.sheetnames:
            meta = _read_meta(wb[META_SHEET])
            tables, problems = _read_template_sheets(wb, file, meta)
            return tables, problems, meta
        tables, problems = [], []
        for ws in wb.worksheets:
            rows = _sheet_rows(ws)
            while rows and all(_cell_text(v).strip() == "" for v in rows[-1]):
                rows.pop()
            if not rows:
                continue  # Excel's empty Sheet2/Sheet3
            header = [_cell_text(v) for v in rows[0]]
            body = pd.DataFrame([[_cell_text(v) for v in r] for r in rows[1:]], columns=header, dtype=str) \
                if len(rows) > 1 else pd.DataFrame(columns=header, dtype=str)
            frame, chunk, probs = _table(body, file, ws.title, required, aliases)
            problems += probs
            if frame is not None:
                tables.append((frame, chunk))
        if not tables and not problems:
            problems.append(Problem(file, message="the file is empty (no sheet has any data)"))
        return tables, problems, {}
    finally:
        wb.close()


def _read_meta(ws: Any) -> dict[str, str]:
    return {_cell_text(r[0]).strip(): _cell_text(r[1]).strip()
            for r in ws.iter_rows(values_only=True) if len(r) >= 2 and r[0] is not None}


def _read_template_sheets(wb: Any, file: str, meta: dict[str, str]
                          ) -> tuple[list[tuple[pd.DataFrame, _Chunk]], list[Problem]]:
    problems: list[Problem] = []
    if meta.get("format") != TEMPLATE_FORMAT or meta.get("format_version") != FORMAT_VERSION:
        return [], [Problem(file, META_SHEET, 0, "", f"not a creditlab template of format version "
                            f"{FORMAT_VERSION} (found format {meta.get('format')!r}, "
                            f"version {meta.get('format_version')!r})")]
    cols = {k: meta.get(f"{k}_column", "") for k in ("id", "value", "evidence")}
    header_row = meta.get("header_row", "")
    if not header_row.isdigit() or int(header_row) < 1:
        return [], [Problem(file, META_SHEET, 0, "", f"header_row {header_row!r} is not a row number")]
    header_row = int(header_row)
    labels = _template_labels()
    tables = []
    for ws in wb.worksheets:
        if ws.title in (META_SHEET, README_SHEET, CONTEXT_SHEET):
            continue
        rows = _sheet_rows(ws)
        if not (re.fullmatch(r"\d{6}", ws.title) or ZONE_CODE.fullmatch(ws.title)):
            problems.append(Problem(file, ws.title, 0, "", "not a region sheet: a sheet's name must be the "
                                    "region code it reports on (6 digits, or KF + 6 digits for a zone)"))
            continue
        header = [_cell_text(v).strip() for v in rows[header_row - 1]] if len(rows) >= header_row else []
        idx = {k: _col_index(c) for k, c in cols.items()}
        bad = [k for k, i in idx.items() if i >= len(header) or header[i] != labels[k]]
        if bad:
            k = bad[0]
            found = header[idx[k]] if idx[k] < len(header) else ""
            problems.append(Problem(file, ws.title, header_row, f"{cols[k]}", f"the header row was changed: "
                                    f"expected {labels[k]!r}, found {found!r}; use a fresh template"))
            continue
        body = rows[header_row:]
        width = max(idx.values()) + 1
        body = [tuple(r) + (None,) * (width - len(r)) for r in body]
        frame = pd.DataFrame({
            "criterion": [_cell_text(r[idx["id"]]) for r in body],
            "value": [_cell_text(r[idx["value"]]) for r in body],
            "evidence": [_cell_text(r[idx["evidence"]]) for r in body],
        }, dtype=str)
        frame = frame.assign(region=ws.title, year=meta.get("year", ""),
                             _row=np.arange(header_row + 1, header_row + 1 + len(frame)))
        stripped = frame[["criterion", "value", "evidence"]].apply(lambda c: c.str.strip())
        orphan = (stripped["criterion"] == "") & ((stripped["value"] != "") | (stripped["evidence"] != ""))
        problems += [Problem(file, ws.title, int(r), f"{cols['value']}", "a value or evidence without a "
                             "criterion id in column " + cols["id"]) for r in frame.loc[orphan, "_row"]]
        frame = frame[stripped["criterion"] != ""].reset_index(drop=True)
        chunk = _Chunk(file, ws.title, {
            "criterion": f"{cols['id']} ({labels['id']})", "value": f"{cols['value']} ({labels['value']})",
            "evidence": f"{cols['evidence']} ({labels['evidence']})"},
            fixed={"region": "the sheet name", "year": f"the {META_SHEET} sheet"})
        tables.append((frame, chunk))
    if not tables and not problems:
        problems.append(Problem(file, message="the workbook has no region sheet"))
    return tables, problems


def _col_index(letter: str) -> int:
    from openpyxl.utils import column_index_from_string

    try:
        return column_index_from_string(letter) - 1
    except ValueError:
        return 10**6


def _read_files(paths: Sequence[Path], required: Sequence[str], aliases: dict[str, str]
                ) -> tuple[pd.DataFrame, list[_Chunk], list[Problem], dict[str, dict[str, str]]]:
    """Every table of every file, concatenated as strings with ``_chunk`` and ``_row``."""
    frames, chunks, problems, metas = [], [], [], {}
    for path in paths:
        path = Path(path)
        if not path.is_file():
            problems.append(Problem(str(path), message="file not found"))
            continue
        reader = _read_xlsx if path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv
        try:
            tables, probs, meta = reader(path, required, aliases)
        except Exception as exc:  # a corrupt file must not stop the other files from being read
            tables, meta = [], {}
            probs = [Problem(str(path), message=f"cannot be read: {type(exc).__name__}: {exc}")]
        problems += probs
        if meta:
            metas[str(path)] = meta
        for frame, chunk in tables:
            frames.append(frame.assign(_chunk=len(chunks)))
            chunks.append(chunk)
    if frames:
        raw = pd.concat(frames, ignore_index=True)
    else:
        raw = pd.DataFrame({c: pd.Series(dtype="str") for c in required}).assign(_chunk=0, _row=0)
    return raw, chunks, problems, metas


# ---------------------------------------------------------------------------------------------
# Vectorised validation


def _strip(raw: pd.DataFrame, col: str) -> pd.Series:
    if col not in raw:
        return pd.Series("", index=raw.index, dtype="str")
    return raw[col].fillna("").astype(str).str.strip()


def _numbers(text: pd.Series, percent_sign: pd.Series | None = None) -> pd.Series:
    """Parse numbers written as numbers (no words, no 'nan'/'inf'); NaN where unparseable or blank."""
    if percent_sign is not None:  # "85%" in a percent column means 85
        text = text.where(~(percent_sign & text.str.endswith("%")), text.str[:-1].str.strip())
    ok = text.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    with np.errstate(over="ignore"):
        return pd.to_numeric(text.where(ok), errors="coerce").astype(float)


def _messages(raw: pd.DataFrame, chunks: list[_Chunk], mask: pd.Series | np.ndarray, field_: str,
              fmt: Callable[[Any], str]) -> list[Problem]:
    """Turn the failing rows of one check into problems (the only per-row loop: failing rows only)."""
    mask = np.asarray(mask, dtype=bool)
    out = []
    # SimpleNamespace, not itertuples: namedtuples rename fields such as _chunk and _row.
    for r in map(lambda rec: SimpleNamespace(**rec), raw[mask].to_dict("records")):
        ch = chunks[r._chunk]
        where = ch.fixed.get(field_)
        column = ch.columns.get(field_, field_) if where is None else ""
        msg = fmt(r) if where is None else f"{fmt(r)} (from {where})"
        out.append(Problem(ch.file, ch.sheet, int(r._row), column, msg))
    return out


def _where(raw: pd.DataFrame, chunks: list[_Chunk], i: int) -> str:
    ch = chunks[int(raw.at[i, "_chunk"])]
    sheet = f", sheet '{ch.sheet}'" if ch.sheet else ""
    return f"{ch.file}{sheet}, row {int(raw.at[i, '_row'])}"


_KIND_TEXT = {
    "binary": "met/not met: 1 or 0 (是/否, yes/no, true/false)",
    "percent": "a rate in percent, 0–100",
    "count": "a count, a whole number ≥ 0",
    "points": "the points awarded, 0–{max:g}",
    "score": "an assessment score, 0–100",
    "number": "a number",
}


def _kind_text(kind: str, mx: float) -> str:
    return _KIND_TEXT.get(kind, "a value").format(max=mx if pd.notna(mx) else 0)


def _validate(raw: pd.DataFrame, chunks: list[_Chunk], rubric: Rubric, known: set[str],
              parks: set[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Check every row at once; return the typed frame (with _chunk/_row) and the problems."""
    spec = _value_spec(rubric)
    region = _strip(raw, "region").str.replace(r"^(\d{6})\.0+$", r"\1", regex=True)
    year_text = _strip(raw, "year")
    crit = _strip(raw, "criterion")
    text = _strip(raw, "value")
    t = raw.assign(region=region, year_text=year_text, criterion=crit, value_text=text)

    year = _numbers(year_text)
    year_ok = year.notna() & (year % 1 == 0)
    first, last = rubric.years
    in_years = year_ok & (year >= (first or -np.inf)) & (year <= (last if last is not None else np.inf))

    crit_ok = crit.isin(spec.index)
    is_park = region.isin(parks)
    kind = crit.map(spec["kind"])
    park_kind = crit.map(spec["park_kind"])
    use_park = is_park & park_kind.notna()
    kind = kind.where(~use_park, park_kind).fillna("")
    mx = crit.map(spec["max"]).where(~use_park, crit.map(spec["park_max"])).astype(float)
    t = t.assign(kind=kind, max=mx)

    blank = text == ""
    words = text.str.casefold().map(_YES_NO)
    value = _numbers(text, percent_sign=kind == "percent")
    value = value.where(~((kind == "binary") & words.notna()), words).astype(float)
    t = t.assign(value=value.where(~blank))

    p: list[Problem] = []
    msg = _messages
    p += msg(t, chunks, region == "", "region", lambda r: "the region code is blank")
    p += msg(t, chunks, (region != "") & ~region.isin(known), "region",
             lambda r: f"unknown region code '{r.region}' (not in regions.csv or zones.csv)")
    p += msg(t, chunks, year_text == "", "year", lambda r: "the year is blank")
    p += msg(t, chunks, (year_text != "") & ~year_ok, "year",
             lambda r: f"'{r.year_text}' is not a year (a whole number such as 2024)")
    span = f"{first or '…'}–{last or ''}"
    p += msg(t, chunks, year_ok & ~in_years, "year",
             lambda r: f"year {r.year_text} is outside the years rubric {rubric.name} is used for ({span})")
    p += msg(t, chunks, crit == "", "criterion", lambda r: "the criterion id is blank")
    p += msg(t, chunks, (crit != "") & ~crit_ok, "criterion",
             lambda r: f"unknown criterion '{r.criterion}' (not in rubric {rubric.name})")

    present = crit_ok & ~blank
    unparsed = present & value.isna()
    p += msg(t, chunks, unparsed & (kind == "binary"), "value",
             lambda r: f"'{r.value_text}' is not 1/0, 是/否, yes/no or true/false "
                       f"(criterion {r.criterion} is met/not met)")
    p += msg(t, chunks, unparsed & (kind != "binary"), "value",
             lambda r: f"'{r.value_text}' is not a number "
                       f"(criterion {r.criterion} expects {_kind_text(r.kind, r.max)})")
    v = value
    num = present & v.notna()
    checks = [
        (num & ~np.isfinite(v), lambda r: f"{r.value_text} is not a finite number"),
        (num & (kind == "binary") & ~v.isin([0.0, 1.0]),
         lambda r: f"'{r.value_text}' is not 0/1 (criterion {r.criterion} is met/not met: "
                   "1 or 0, 是/否, yes/no, true/false)"),
        (num & kind.isin(["percent", "score"]) & (v > 100),
         lambda r: f"{r.value:g} is above 100 (criterion {r.criterion} expects {_kind_text(r.kind, r.max)})"),
        (num & kind.isin(["percent", "score", "count", "points"]) & (v < 0),
         lambda r: f"{r.value:g} is negative (criterion {r.criterion} expects {_kind_text(r.kind, r.max)})"),
        (num & (kind == "count") & (v >= 0) & np.isfinite(v) & (v % 1 != 0),
         lambda r: f"{r.value:g} is not a whole number (criterion {r.criterion} expects a count)"),
        (num & (kind == "points") & (v > mx + 1e-9),
         lambda r: f"{r.value:g} is above the maximum of {r.max:g} points for criterion {r.criterion}"),
    ]
    for mask, fmt in checks:
        p += msg(t, chunks, mask, "value", fmt)

    keys_ok = (region != "") & region.isin(known) & year_ok & crit_ok
    out = t.assign(year=year.where(year_ok, 0).astype("int64"), evidence=_strip(raw, "evidence"))
    p += _duplicates(out[keys_ok], chunks)
    return out[[*COLUMNS, "_chunk", "_row"]], p


def _duplicates(frame: pd.DataFrame, chunks: list[_Chunk]) -> list[Problem]:
    """Rows sharing (region, year, criterion); each problem names the other rows, file and sheet."""
    keys = ["region", "year", "criterion"]
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return []
    d = frame[dup]
    where = {i: _where(frame, chunks, i) for i in d.index}
    out = []
    for idx in _groups(d, keys):
        key = tuple(d.loc[idx[0], keys])
        for i in idx:
            others = "; ".join(where[j] for j in idx if j != i)
            ch = chunks[int(frame.at[i, "_chunk"])]
            out.append(Problem(ch.file, ch.sheet, int(frame.at[i, "_row"]), ch.columns.get("criterion", ""),
                               f"duplicate entry for region {key[0]}, year {key[1]}, criterion {key[2]} "
                               f"(also in {others})"))
    return out


def _groups(frame: pd.DataFrame, keys: list[str]) -> list[pd.Index]:
    """Index labels of each group of rows sharing ``keys``, in order of first appearance."""
    gid = frame.groupby(keys, sort=False).ngroup()
    return list(frame.index.groupby(gid).values())


def _public(frame: pd.DataFrame) -> pd.DataFrame:
    # Region and criterion as categoricals: a few hundred distinct codes over up to millions of rows,
    # and scoring factorises them for free.
    out = frame[COLUMNS].reset_index(drop=True)
    return out.astype({"region": "category", "year": "int64", "criterion": "category", "value": "float64",
                       "evidence": "str"})


# ---------------------------------------------------------------------------------------------
# Public loaders

_DATA_ALIASES = {a: "evidence" for a in EVIDENCE_ALIASES}


def _as_paths(path_or_paths: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(path_or_paths, str | Path):
        return [Path(path_or_paths)]
    return [Path(p) for p in path_or_paths]


def _load(paths: list[Path], rubric: Rubric | str | Path | None, regions: Any
          ) -> tuple[pd.DataFrame, list[_Chunk], list[Problem], Rubric | None]:
    """Read and validate; the frame keeps ``_chunk``/``_row`` for cross-file checks."""
    raw, chunks, problems, metas = _read_files(paths, REQUIRED, _DATA_ALIASES)
    rub = _as_rubric(rubric)
    for file, meta in metas.items():
        problems += _meta_problems(file, meta, rub)
        if rub is None and meta.get("rubric") in list_rubrics():
            rub = load_rubric(meta["rubric"])
    if rub is None:
        if raw.empty:
            return raw, chunks, problems, None
        rub, _unknown = infer_rubric(_strip(raw, "criterion"))  # unknown ids are reported row by row
    if raw.empty:
        return raw, chunks, problems, rub
    frame, vprobs = _validate(raw, chunks, rub, _known_regions(regions), park_codes())
    return frame, chunks, problems + vprobs, rub


def _meta_problems(file: str, meta: dict[str, str], rubric: Rubric | None) -> list[Problem]:
    out = []
    if rubric is not None and meta.get("rubric") != rubric.name:
        out.append(Problem(file, META_SHEET, 0, "", f"the template was made for rubric "
                           f"{meta.get('rubric')!r}, not {rubric.name!r}"))
    elif rubric is not None and meta.get("rubric_version") != rubric.version:
        out.append(Problem(file, META_SHEET, 0, "", f"the template was made for version "
                           f"{meta.get('rubric_version')!r} of {rubric.name}; the rubric is now version "
                           f"{rubric.version!r}: use a fresh template"))
    elif rubric is None and meta.get("rubric") not in list_rubrics():
        out.append(Problem(file, META_SHEET, 0, "", f"unknown rubric {meta.get('rubric')!r}"))
    return out


def load_data(path_or_paths: str | Path | Iterable[str | Path], rubric: Rubric | str | None = None,
              regions: pd.DataFrame | Iterable[str] | None = None) -> pd.DataFrame:
    """Read indicator data (CSV, long-format Excel or filled templates) into the long format.

    ``rubric``: a :class:`Rubric` or name; None infers it (the template's, else the bundled rubric
    whose ids cover the data). ``regions``: the region codes accepted (DataFrame with ``code`` or
    codes); None means regions.csv plus zones.csv. Raises :class:`DataError` listing every problem.
    """
    paths = _as_paths(path_or_paths)
    frame, _chunks, problems, _rub = _load(paths, rubric, regions)
    _raise(problems, ", ".join(map(str, paths)))
    return _public(frame)


def read_workbook(path: str | Path, rubric: Rubric | str | None = None) -> pd.DataFrame:
    """Read a filled template (:func:`write_template`) back into the long format, validated."""
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
            raise DataError(f"{path}: not a creditlab template (no {META_SHEET} sheet); "
                            "use creditlab.load_data for other workbooks")
    return load_data(path, rubric)


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

CONTEXT_FIELDS = {
    "major_incident": "bool",
    "debtor_share_legal": "per_10000",
    "debtor_share_natural": "per_10000",
    "government_debtors": "count",
    "rectification_rate": "percent",
    "government_rectification_rate": "percent",
    "npl_ratio": "percent",
    "national_npl_ratio": "percent",
    "major_safety_accident_3y": "bool",
    "major_pollution_accident_3y": "bool",
    "energy_target_missed": "bool",
    "statistical_fraud": "bool",
    "government_is_debtor": "bool",
}
# Free-text columns a context file may carry for people's benefit; other unknown columns are errors
# (a misspelt field would otherwise silently read as "unknown").
CONTEXT_TEXT = ("name", "city", "note", "notes", "source", "evidence", "comment")
_CONTEXT_TEXT_ = {
    "bool": "yes/no (是/否, 有/无, true/false, 1/0)",
    "per_10000": "a share per 10,000, 0–10000",
    "count": "a count, a whole number ≥ 0",
    "percent": "a percentage, 0–100",
}


def load_context(path_or_paths: str | Path | Iterable[str | Path],
                 regions: pd.DataFrame | Iterable[str] | None = None) -> pd.DataFrame:
    """Certification context per region and year; blank cells are unknown (NA), kept explicit.

    Files with a ``region`` column give per-region values; a file with only ``year`` and
    ``national_npl_ratio`` gives the national NPL average, merged in by year. Columns: region, year
    and every field of :data:`CONTEXT_FIELDS` (booleans as pandas ``boolean``, numbers as float).
    """
    paths = _as_paths(path_or_paths)
    raw, chunks, problems, _ = _read_files(paths, ["year"], {})
    problems += [Problem(c.file, c.sheet, 1, lbl, f"unknown column '{name}' (known: region, year, "
                         f"{', '.join(CONTEXT_FIELDS)}; free text: {', '.join(CONTEXT_TEXT)})")
                 for c in chunks for name, lbl in c.columns.items()
                 if name not in ("region", "year", *CONTEXT_FIELDS, *CONTEXT_TEXT)]
    national_chunks = [i for i, c in enumerate(chunks) if "region" not in c.columns]
    problems += [Problem(chunks[i].file, chunks[i].sheet, 1, "", "a file without a region column must have "
                         "the columns year, national_npl_ratio")
                 for i in national_chunks if "national_npl_ratio" not in chunks[i].columns]
    is_nat = raw["_chunk"].isin(national_chunks)
    frame, vprobs = _validate_context(raw, chunks, _known_regions(regions))
    problems += vprobs
    local, national = frame[~is_nat], frame[is_nat]
    problems += _context_duplicates(local, chunks, ["region", "year"])
    problems += _context_duplicates(national, chunks, ["year"])
    merged, mprobs = _merge_national(local, national.drop_duplicates("year"), chunks)
    problems += mprobs
    _raise(problems, ", ".join(map(str, paths)))
    return merged.drop(columns=["_chunk", "_row"]).reset_index(drop=True)


def _validate_context(raw: pd.DataFrame, chunks: list[_Chunk], known: set[str]
                      ) -> tuple[pd.DataFrame, list[Problem]]:
    p: list[Problem] = []
    region = _strip(raw, "region").str.replace(r"^(\d{6})\.0+$", r"\1", regex=True)
    year_text = _strip(raw, "year")
    year = _numbers(year_text)
    year_ok = year.notna() & (year % 1 == 0) & (year >= 1949) & (year <= 2100)
    has_region = raw["_chunk"].map(lambda i: "region" in chunks[i].columns) if len(raw) else raw["_chunk"]
    t = raw.assign(region=region, year_text=year_text)
    p += _messages(t, chunks, has_region & (region == ""), "region", lambda r: "the region code is blank")
    p += _messages(t, chunks, has_region & (region != "") & ~region.isin(known), "region",
                   lambda r: f"unknown region code '{r.region}' (not in regions.csv or zones.csv)")
    p += _messages(t, chunks, ~year_ok, "year", lambda r: f"'{r.year_text}' is not a year")
    out = pd.DataFrame({"region": region, "year": year.where(year_ok, 0).astype("int64"),
                        "_chunk": raw["_chunk"], "_row": raw["_row"]})
    for name, kind in CONTEXT_FIELDS.items():
        text = _strip(raw, name)
        blank = text == ""
        if kind == "bool":
            val = text.str.casefold().map(_HAS_NO).astype(float)
            bad = ~blank & val.isna()
            out[name] = pd.array(np.where(val.isna(), None, val == 1), dtype="boolean")
        else:
            val = _numbers(text, percent_sign=pd.Series(kind == "percent", index=text.index))
            upper = {"percent": 100, "per_10000": 10000}.get(kind, np.inf)
            bad = ~blank & (val.isna() | ~np.isfinite(val) | (val < 0) | (val > upper)
                            | ((kind == "count") & (val % 1 != 0)))
            out[name] = val.where(~blank)
        t = t.assign(_text=text)
        p += _messages(t, chunks, bad, name,
                       lambda r, k=kind: f"'{r._text}' is not {_CONTEXT_TEXT_[k]}")
    return out, p


def _context_duplicates(frame: pd.DataFrame, chunks: list[_Chunk], keys: list[str]) -> list[Problem]:
    dup = frame.duplicated(keys, keep=False)
    out = []
    for idx in _groups(frame[dup], keys):
        for i in idx:
            ch = chunks[int(frame.at[i, "_chunk"])]
            others = "; ".join(_where(frame, chunks, j) for j in idx if j != i)
            out.append(Problem(ch.file, ch.sheet, int(frame.at[i, "_row"]), "",
                               f"duplicate entry for {', '.join(f'{k} {frame.at[i, k]}' for k in keys)} "
                               f"(also in {others})"))
    return out


def _merge_national(local: pd.DataFrame, national: pd.DataFrame, chunks: list[_Chunk]
                    ) -> tuple[pd.DataFrame, list[Problem]]:
    nat = national.set_index("year")["national_npl_ratio"]
    from_file = local["year"].map(nat).astype(float)
    own = local["national_npl_ratio"]
    conflict = own.notna() & from_file.notna() & ((own - from_file).abs() > 1e-9)
    t = local.assign(_file_value=from_file)
    problems = _messages(t, chunks, conflict, "national_npl_ratio",
                         lambda r: f"{r.national_npl_ratio:g} differs from the national file's "
                                   f"{r._file_value:g} for {r.year}")
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


def _rule_words(c: pd.Series, park: bool, raw_rule: dict[str, Any]) -> tuple[str, str]:
    """The scoring rule in words, Chinese and English: 达到50%得1分 / 1 point at ≥ 50 %."""
    pts = c["points"]
    p = f"{pts:g}" if pd.notna(pts) else ""
    pl = "point" if pd.notna(pts) and pts == 1 else "points"
    if park and c["park_rule"] in ("discretionary", "graded"):
        mx = c["park_max"]
        return f"开发区酌情计分，最高{mx:g}分", f"development zone: at discretion, up to {mx:g} {pl}"
    rule = c["rule"]
    if rule == "binary":
        return f"符合得{p}分", f"{p} {pl} if met"
    if rule == "threshold":
        if c["unit"] == "percent":
            return f"达到{c['at_least']:g}%得{p}分", f"{p} {pl} at ≥ {c['at_least']:g} %"
        return f"达到{c['at_least']:g}个得{p}分", f"{p} {pl} at ≥ {c['at_least']:g}"
    if rule == "per_unit":
        unit_en = raw_rule.get("unit_en") or "unit"
        return (f"每个{c['unit'] or ''}得{c['per_unit']:g}分，最高{c['cap']:g}分",
                f"{c['per_unit']:g} per {unit_en}, at most {c['cap']:g}")
    if rule == "discretionary":
        return f"酌情计分，最高{c['max']:g}分", f"at the assessor's discretion, up to {c['max']:g}"
    if rule == "graded":
        return f"综合评判，最高{c['max']:g}分", f"overall judgement, up to {c['max']:g}"
    if rule == "assessed":
        return "评估得分0–100", "assessment score 0–100"
    return "", ""


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
        _shareable(tmp)
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
    from . import __version__

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
            rule_zh, rule_en = _rule_words(c, use_park, raw_rules.get(r.criterion, {}))
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


CONTEXT_SHEET = "认定条件"
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
    rows left entirely blank dropped; ``chunk`` is the index its :class:`_Chunk` will have."""
    from openpyxl import load_workbook

    file, sheet = str(path), meta.get("context_sheet", "")
    fields = [f for f in meta.get("context_fields", "").split(",") if f]
    ch = _Chunk(file, sheet, {"region": f"A ({_CONTEXT_KEYS[0][1]})"}, fixed={"year": f"the {META_SHEET} sheet"})
    unknown = [f for f in fields if f not in CONTEXT_FIELDS]
    if sheet != CONTEXT_SHEET or unknown or not fields:
        return None, ch, [Problem(file, META_SHEET, 0, "", f"the context sheet {sheet!r} with fields "
                                  f"{','.join(fields)!r} is not one this version of creditlab knows")]
    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        if sheet not in wb.sheetnames:
            return None, ch, [Problem(file, sheet, 0, "", "the context sheet is missing; use a fresh template")]
        rows = _sheet_rows(wb[sheet])
    finally:
        wb.close()
    labels = _context_labels(fields)
    header = [_cell_text(v).strip() for v in rows[HEADER_ROW - 1]] if len(rows) >= HEADER_ROW else []
    header += [""] * (len(labels) - len(header))
    changed = [j for j, lbl in enumerate(labels) if header[j] != lbl.strip()]
    if changed:
        j = changed[0]
        return None, ch, [Problem(file, sheet, HEADER_ROW, _col(j + 1), f"the header row was changed: expected "
                                  f"{labels[j]!r}, found {header[j]!r}; use a fresh template")]
    width = len(labels)
    body = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows[HEADER_ROW:]]
    cols = {"region": 0, **{f: j for j, f in enumerate(fields, start=len(_CONTEXT_KEYS))}}
    raw = pd.DataFrame({k: [_cell_text(r[j]).strip() for r in body] for k, j in cols.items()}, dtype=str)
    raw = raw.assign(year=meta.get("year", ""), _chunk=chunk,
                     _row=np.arange(HEADER_ROW + 1, HEADER_ROW + 1 + len(raw)))
    ch.columns.update({f: f"{_col(j + 1)} ({f})" for f, j in cols.items() if f != "region"})
    filled = (raw[fields] != "").any(axis=1)
    return raw[filled].reset_index(drop=True), ch, []


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


def _region_names() -> dict[str, str]:
    """region code -> name, for regions.csv and zones.csv."""
    from .regions import load_regions

    table = pd.concat([load_regions()[["code", "name"]], load_zones()[["code", "name"]]])
    return dict(zip(table["code"], table["name"], strict=True))


def _region_label(code: str, names: dict[str, str]) -> str:
    return f"{names[code]}（{code}）" if code in names else code


def _issue(p: Any, region: str = "") -> Issue:
    """A problem of the readers (their own Problem class or problems.Problem) as a problems.Problem
    with the region it concerns."""
    if isinstance(p, Issue):
        return p if p.region or not region else dataclasses.replace(p, region=region)
    return Issue(p.file, p.sheet, p.row, p.column, p.message, "", region)


def _with_regions(problems: list[Any], rows: pd.DataFrame, chunks: list[_Chunk], names: dict[str, str]
                  ) -> list[Issue]:
    """Problems about some of ``rows`` (duplicates), each with the region of the row it names."""
    region_at = {(chunks[c].file, chunks[c].sheet, int(r)): g
                 for c, r, g in rows[["_chunk", "_row", "region"]].itertuples(index=False)}
    return [_issue(p, _region_label(region_at.get((p.file, p.sheet, p.row), ""), names)) for p in problems]


def _ingest_file(path: Path, rub: Rubric, known: set[str], parks: set[str], names: dict[str, str],
                 chunks: list[_Chunk], issues: Problems) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    """One file: its valid regions' rows (with ``_chunk``), its context rows, and every unit found."""
    raw, fchunks, probs, metas = _read_files([path], REQUIRED, _DATA_ALIASES)
    base = len(chunks)
    chunks += fchunks
    raw = raw.assign(_chunk=raw["_chunk"] + base)
    meta = metas.get(str(path), {})
    probs = probs + (_meta_problems(str(path), meta, rub) if meta else [])
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
    frame, vprobs = _validate(raw, chunks, rub, known, parks)
    if not vprobs:
        return frame, ctx, seen
    # Some rows are wrong: the units (region of a sheet) the problems point at are validated one by one
    # so that only those go; the rest is validated again as a whole, and if the problems did not point
    # at every bad row (a problem listing only its first rows), every unit is validated on its own.
    region = _strip(raw, "region")
    groups = raw.groupby([raw["_chunk"], region], sort=False).indices
    where = raw["_chunk"].map(lambda c: (chunks[c].file, chunks[c].sheet))
    unit_of_row = {(w, int(r)): (c, g) for w, r, c, g in zip(where, raw["_row"], raw["_chunk"], region, strict=True)}
    suspect = {unit_of_row.get(((p.file, p.sheet), int(r)))
               for p in vprobs for r in (*getattr(p, "rows", ()), p.row)}
    rest = np.concatenate([pos for key, pos in groups.items() if key not in suspect] or [np.array([], int)])
    parts = []
    if len(rest):
        part, rprobs = _validate(raw.iloc[rest], chunks, rub, known, parks)
        if rprobs:
            suspect = set(groups)
        else:
            parts.append(part)
    for key, pos in groups.items():
        if key not in suspect:
            continue
        part, pprobs = _validate(raw.iloc[pos], chunks, rub, known, parks)
        if pprobs:
            issues.extend(_issue(p, _region_label(key[1], names)) for p in pprobs)
        else:
            parts.append(part)
    return (pd.concat(parts) if parts else empty), ctx, seen


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
    if probs:  # find the rows at fault: only here, one row at a time
        good = np.ones(len(raw), dtype=bool)
        for i in range(len(raw)):
            _f, rprobs = _validate_context(raw.iloc[[i]], chunks, known)
            if rprobs:
                good[i] = False
                issues.extend(_issue(p, _region_label(raw.at[i, "region"], names)) for p in rprobs)
        frame = frame[good]
    frame = frame.reset_index(drop=True)
    dup = frame.duplicated(["region", "year"], keep=False)
    if dup.any():
        issues.extend(_with_regions(_context_duplicates(frame, chunks, ["region", "year"]), frame[dup], chunks,
                                    names))
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

    def rows_text(p: Issue) -> str:
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


def _shareable(tmp: Path) -> None:
    """Give an atomically written file the usual rw-r--r-- (mkstemp makes it owner-only); a fixed mode,
    since reading the umask means changing it, which is not thread-safe."""
    os.chmod(tmp, 0o644)


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
        sel = units[(units["city"] == city) | (units["city"].str.removesuffix("市") == city)
                    | (units["city_code"] == city)]
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
