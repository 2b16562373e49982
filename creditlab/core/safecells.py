"""Cells that stay data: every CSV and XLSX creditlab writes goes through here.

Text from data files is untrusted. A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read by Excel and WPS as a formula when the file is opened (CSV injection, OWASP), e.g.
``=HYPERLINK("http://…","点击")``. So:

- in CSV such text gets a leading apostrophe (``'=HYPERLINK(…)``), the OWASP remedy: the
  spreadsheet shows it as text; a program reading the CSV sees the apostrophe;
- in XLSX the text is stored as a string cell with Excel's quote prefix: the text is unchanged and
  stays text even when someone edits the cell.

Numbers stay numbers: a numeric cell, or text that is a plain number such as ``-3.5``, is left alone.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .atomic import atomic_path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_risky(value: Any) -> bool:
    """True for text a spreadsheet could take as a formula (not for numbers, nor text that is a number)."""
    return (isinstance(value, str) and value.startswith(FORMULA_START)
            and not _PLAIN_NUMBER.fullmatch(value))


def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is risky text; anything else unchanged."""
    return "'" + value if is_risky(value) else value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every risky text cell prefixed (vectorised over the text columns only)."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        values = s.to_numpy(dtype=object)
        is_str = np.fromiter((type(v) is str for v in values), bool, len(values))
        if not is_str.any():
            continue
        text = pd.Series(np.where(is_str, values, ""), index=s.index, dtype=object).astype(str)
        risky = (is_str & text.str.startswith(FORMULA_START) & ~text.str.fullmatch(_PLAIN_NUMBER.pattern)).to_numpy()
        if risky.any():
            out[col] = pd.Series(np.where(risky, "'" + text, values), index=s.index, dtype=object)
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, *, bom: bool = False, **to_csv: Any) -> Path:
    """Write ``frame`` as UTF-8 CSV atomically, risky text neutralised; ``bom`` for Excel/WPS/Notepad."""
    kwargs = {"index": False, "lineterminator": "\n", "float_format": "%.10g", **to_csv}
    with atomic_path(path) as tmp:
        neutralise_frame(frame).to_csv(tmp, encoding="utf-8-sig" if bom else "utf-8", **kwargs)
    return Path(path)


def put(ws: Any, ref: str, value: Any) -> Any:
    """Write one openpyxl cell so that text stays text: a string cell, quote-prefixed when risky."""
    return set_cell(ws[ref], value)


def set_cell(cell: Any, value: Any) -> Any:
    """:func:`put` for a cell already at hand."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        if is_risky(value):
            cell.quotePrefix = True
    return cell


def neutralise_sheet(ws: Any) -> None:
    """Make every text cell of a sheet written by someone else (pandas ``to_excel``) a safe string cell."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                set_cell(cell, cell.value)


def _cell_value(value: Any) -> Any:
    """A pandas value as an openpyxl value: missing as an empty cell, numpy scalars as Python ones."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write each frame as one sheet (header row, then data) atomically; text cells safe, numbers numbers."""
    from openpyxl import Workbook  # here: only what writes Excel pays for openpyxl

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(name)
        for j, col in enumerate(frame.columns, start=1):
            set_cell(ws.cell(1, j), str(col))
            for i, value in enumerate(frame[col].astype(object).tolist(), start=2):
                v = _cell_value(value)
                if v is not None:
                    set_cell(ws.cell(i, j), v)
        ws.freeze_panes = "A2"
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_table(frame: pd.DataFrame, path: str | Path, *, sheet: str = "data", bom: bool = False) -> Path:
    """CSV or XLSX by the extension of ``path`` (the caller has checked it: see ``atomic.check_out``)."""
    if Path(path).suffix.lower() == ".xlsx":
        return write_xlsx({sheet: frame}, path)
    return write_csv(frame, path, bom=bom)
