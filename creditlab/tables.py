"""Read a user's table (CSV or Excel) as text, naming the file in every error."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import DataError


def read_csv_text(path: Path) -> pd.DataFrame:
    """CSV as strings; UTF-8 (with or without BOM), else GB18030 as saved by Chinese Excel."""
    last: Exception | None = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                               skip_blank_lines=False, encoding=encoding)
        except UnicodeDecodeError as exc:
            last = exc
    raise last  # type: ignore[misc]


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """A ``.csv`` or ``.xlsx`` table as text with stripped header names.

    ``sheet``: the Excel sheet to read if the workbook has it, else the first sheet.
    Raises :class:`DataError` naming the file for a missing, unreadable or unsupported file.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            sheets = pd.ExcelFile(path, engine="openpyxl").sheet_names
            name = sheet if sheet in sheets else sheets[0]
            frame = pd.read_excel(path, sheet_name=name, dtype=str, engine="openpyxl", keep_default_na=False)
        elif suffix == ".csv":
            frame = read_csv_text(path)
        else:
            raise DataError(f"{path}: expected a .csv or .xlsx file")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise DataError(f"{path}: cannot be read as a table: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
