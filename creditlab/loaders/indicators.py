"""Indicator data in: CSV/XLSX files read into raw string tables (sparse XML for Excel, decoded CSV), then
validated into the long format by :func:`load_data` / :func:`read_workbook` (see :mod:`creditlab.loaders.data`)."""

from __future__ import annotations

import csv
import difflib
import io
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.i18n import check_lang
from ..core.problems import MAX_ROWS_SHOWN, Problem, Problems, default_lang
from ..core.tables import UndecodableText, decode_text, oversize, percent_styles, xml_rows
from ..core.tables import cell_text as _cell_text
from ..core.years import is_year
from .formats import (
    _STORED_CODE,
    _STORED_YEAR,
    COLUMNS,
    DATA_TEXT,
    EVIDENCE_ALIASES,
    FORMAT_VERSION,
    META_SHEET,
    REQUIRED,
    STRAY_GAP,
    TEMPLATE_FORMAT,
    TEMPLATE_OTHER_SHEETS,
    _Chunk,
    _raise,
    _template_labels,
)
from .rubric import Rubric, list_rubrics, load_rubric
from .validate import (
    _as_rubric,
    _by_unique,
    _fold,
    _is_blank,
    _public,
    _q,
    _strip,
    _validate,
    _value_spec,
    infer_rubric,
)
from .zones import _known_regions, _who, park_codes

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
        parts = [[pd.factorize(chunk[i], use_na_sentinel=False) for i in names] for chunk in reader]
    except pd.errors.EmptyDataError:
        parts = []
    columns = {}
    for i in names:
        # One dictionary of texts per column over all chunks (a hash pass, no sorting of categories). A cell
        # missing from a short row is "" (set on the few distinct values, not on every cell).
        uniques = [_blank_na(np.asarray(p[i][1], dtype=object)) for p in parts]
        offsets = np.cumsum([0, *map(len, uniques)])[:-1]
        recode, texts = pd.factorize(np.concatenate(uniques) if uniques else np.array([], dtype=object))
        codes = np.concatenate([recode[p[i][0] + off] for p, off in zip(parts, offsets, strict=True)]) \
            if parts else np.array([], dtype=np.int64)
        columns[i] = pd.Categorical.from_codes(codes, categories=texts)
    return pd.DataFrame(columns)


def _blank_na(values: np.ndarray) -> np.ndarray:
    values[pd.isna(values)] = ""
    return values


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
        too_big = oversize(path)
        if too_big:
            problems.append(Problem(str(path), message=too_big[0], message_en=too_big[1]))
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
    frame, vprobs = _validate(raw, chunks, rub, _known_regions(regions), park_codes(), jurisdiction=regions is None)
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
    codes); None means the units of the rubric's jurisdiction (a known region outside it is a problem).
    ``lang``: ``zh`` or ``en`` for messages (default
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


def data_years(path_or_paths: str | Path | Iterable[str | Path], lang: str | None = None,
               regions: Iterable[str] | None = None) -> list[int]:
    """The years in which some row of the indicator data has a value (not blank), read cheaply: the files' cells
    as text, nothing validated, no rubric, no scoring, so that a command refuses a year without data before it
    starts a kernel. A year the full load would refuse (not a whole number, outside creditlab's range) is left
    out; a file that cannot be read (missing, undecodable, a bad header) raises :class:`DataError` with every such
    problem, in ``lang``. ``regions``: only these units' rows count (a city's, for an analysis of that city)."""
    lang = check_lang(lang or default_lang())
    paths = _as_paths(path_or_paths)
    raw, _chunks, problems, _metas = _read_files(paths, REQUIRED, _DATA_ALIASES, DATA_COLUMNS)
    pb = Problems(", ".join(map(str, paths)), lang=lang)
    pb.extend(p for p in problems if p.severity == "error")  # what the full load would refuse too; no warnings
    pb.raise_if_any()
    if raw.empty or "year" not in raw or "value" not in raw:
        return []
    with_value = ~_by_unique(raw["value"], _is_blank).to_numpy(dtype=bool)
    if regions is not None and "region" in raw:
        wanted = {str(r).strip().upper() for r in regions}
        with_value &= _by_unique(_strip(raw, "region"), lambda u: u.astype(str).str.upper().isin(wanted)).to_numpy(
            dtype=bool)
    years = pd.to_numeric(_fold(_strip(raw, "year")[with_value]).astype(str).unique(), errors="coerce")
    return sorted({int(y) for y in years if is_year(y)})


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
