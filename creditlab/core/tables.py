"""Read a user's table (CSV or Excel) as text, naming the file in every error.

CSV files come from Excel on Chinese Windows (GB18030), from Taiwan or Hong Kong sources (Big5), or
from anything modern (UTF-8, with or without BOM). :func:`decode_text` tells them apart by strict
decoding plus a plausibility check, and refuses rather than guesses when the bytes fit more than
one encoding equally well or decode to garbled text.
"""
from __future__ import annotations

import codecs
import functools
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import DataError
from .problems import default_lang, said

ENCODINGS = ("utf-8", "gb18030", "big5")
# A decoding is plausible when nearly all its non-ASCII characters are common characters or
# punctuation of that encoding's script; decoding with the wrong one of GB18030/Big5 gives about
# half rare characters, symbols or kana (measured: 0.2–0.6 on real place names and evidence text).
PLAUSIBLE = 0.8
MARGIN = 0.25


class UndecodableText(DataError):
    """A file whose bytes are not text in a supported encoding, or not unambiguously so."""

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_zh if default_lang() == "zh" else message_en)


def _chars(encoding: str, leads: range, trails: list[range]) -> frozenset[str]:
    out = set()
    for lead in leads:
        for trail in (t for r in trails for t in r):
            try:
                out.add(bytes([lead, trail]).decode(encoding))
            except UnicodeDecodeError:
                continue
    return frozenset(out)


@functools.cache
def _common(encoding: str) -> frozenset[str]:
    """Common characters and punctuation: GB2312 level 1 plus rows A1–A3; Big5 level 1 plus symbols."""
    if encoding == "gb18030":
        hanzi = _chars("gb2312", range(0xB0, 0xD8), [range(0xA1, 0xFF)])
        return hanzi | _chars("gb2312", range(0xA1, 0xA4), [range(0xA1, 0xFF)])
    trails = [range(0x40, 0x7F), range(0xA1, 0xFF)]
    return _chars("big5", range(0xA4, 0xC7), trails) | _chars("big5", range(0xA1, 0xA4), trails)


def plausibility(text: str, encoding: str) -> float:
    """Share of the distinct non-ASCII characters of ``text`` that are common in ``encoding``'s script (1 if none)."""
    # Distinct characters, not occurrences: a column of 否 repeated a thousand times is one character.
    wide = {c for c in set(text) if ord(c) > 127}
    if not wide:
        return 1.0
    return len(wide & _common(encoding)) / len(wide)


def decode_text(raw: bytes, name: str = "") -> tuple[str, str]:
    """The text of a file's bytes and the encoding used: UTF-8 (BOM or not), GB18030 or Big5 (and UTF-16
    with its BOM, as Excel saves "Unicode text").

    Raises :class:`UndecodableText` naming the file and the encodings tried when none decodes
    cleanly, when the result holds replacement characters, or when GB18030 and Big5 both give
    plausible text (then the file must be saved as UTF-8).
    """
    tried = "、".join(ENCODINGS)
    tried_en = ", ".join(ENCODINGS)
    if "\x00" in raw[:4096].decode("latin-1") and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UndecodableText(f"{name}：不是文本文件（含有空字节），请另存为 UTF-8 CSV",
                              f"{name}: not a text file (it holds NUL bytes); save it as UTF-8 CSV")
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))  # Excel's "Unicode text"
    try:
        text = raw.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if "\ufffd" in text:
            raise UndecodableText(f"{name}：文件含有乱码（替换字符 U+FFFD），请检查来源后另存为 UTF-8",
                                  f"{name}: the text holds replacement characters (U+FFFD, garbled earlier); "
                                  "check the source and save it again as UTF-8")
        return text, "utf-16" if utf16 else "utf-8"
    decoded = {}
    for enc in ENCODINGS[1:]:
        try:
            decoded[enc] = raw.decode(enc)
        except UnicodeDecodeError:
            continue
    if not decoded:
        raise UndecodableText(f"{name}：无法识别文件编码（已尝试 {tried}），请另存为 UTF-8 CSV",
                              f"{name}: cannot decode the file (tried {tried_en}); save it as UTF-8 CSV")
    scores = sorted(((plausibility(t, enc), enc) for enc, t in decoded.items()), reverse=True)
    best, enc = scores[0]
    second = scores[1][0] if len(scores) > 1 else 0.0
    if best < PLAUSIBLE or best - second < MARGIN:
        found = "; ".join(f"{e} {s:.0%}" for s, e in scores)
        raise UndecodableText(
            f"{name}：无法可靠判断文件编码（已尝试 {tried}；常用字比例 {found}），"
            "解码结果可能是乱码，请另存为 UTF-8 CSV",
            f"{name}: the encoding is ambiguous or the text garbled (tried {tried_en}; share of common "
            f"characters {found}); save the file as UTF-8 CSV")
    return decoded[enc], enc


def cell_text(value: Any, percent: bool = False) -> str:
    """A cell as text: numbers without a spurious '.0' on integers, booleans as true/false.

    ``percent``: the cell has a percent number format, so Excel stores 85.1 % as 0.851 and shows
    "85.1%"; the text is what the person typed and sees, "85.1%".
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if percent and isinstance(value, int | float):
        return f"{value * 100:.12g}%"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


@functools.cache
def _cell_parser() -> type:
    """The sheet parser class, made on first use: openpyxl is imported only by what reads or writes Excel."""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    row_tag, sheet_data_tag = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}sheetData"

    class _CellParser(WorkSheetParser):
        """openpyxl's sheet parser with ``data_only``: a formula cell gives the value Excel last calculated;
        one Excel never calculated (no cached value) gives its formula text, read as data, never evaluated."""

        wanted: frozenset[int] | None = None  # 1-based columns to read; None: all

        def parse_cell(self, element: Any) -> dict[str, Any]:
            if self.wanted is not None:  # skip the text of columns nobody reads (a template's rubric text)
                ref = element.get("r")
                column = coordinate_to_tuple(ref)[1] if ref else self.col_counter + 1
                if column not in self.wanted:
                    self.col_counter = column
                    return {"row": self.row_counter, "column": column, "value": None, "style_id": 0}
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = "=" + (element.findtext(FORMULA_TAG) or "")
            return cell

        def rows(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
            """Only the cell rows: stop at the end of ``sheetData`` (data validations, protection and the
            like that follow are not parsed: they cost more than the cells in a template)."""
            for _event, element in iterparse(self.source):
                if element.tag == row_tag:
                    yield self.parse_row(element)
                    element.clear()
                elif element.tag == sheet_data_tag:
                    break

    return _CellParser


def percent_styles(wb: Any) -> frozenset[int]:
    """Style ids whose number format shows a percent (Excel stores 85.1 % as 0.851)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    out = set()
    for i, style in enumerate(wb._cell_styles):
        fid = style.numFmtId
        fmt = BUILTIN_FORMATS.get(fid, "") if fid < BUILTIN_FORMATS_MAX_SIZE \
            else wb._number_formats[fid - BUILTIN_FORMATS_MAX_SIZE]
        if "%" in re.sub(r'"[^"]*"|\\.', "", str(fmt)):  # a quoted or escaped % is just text
            out.add(i)
    return frozenset(out)


def xml_rows(wb: Any, ws: Any, percent: frozenset[int], columns: Iterable[int] | None = None
             ) -> Iterator[tuple[int, dict[int, str]]]:
    """The rows the sheet's XML holds (sparse, so a stray cell at XFD1048576 costs one row, not a million),
    as (row number, {0-based column: cell text}) with empty cells left out; ``columns``: only these
    (0-based) columns."""
    with ws._get_source() as src:
        parser = _cell_parser()(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                             date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        if columns is not None:
            parser.wanted = frozenset(j + 1 for j in columns)
        for idx, cells in parser.rows():
            row = {}
            for c in cells:
                if c["value"] is not None:
                    text = cell_text(c["value"], c["style_id"] in percent)
                    if text.strip():
                        row[c["column"] - 1] = text
            if row:
                yield idx, row


def read_csv_text(path: Path) -> pd.DataFrame:
    """CSV as strings; the encoding found by :func:`decode_text`."""
    path = Path(path)
    text, _enc = decode_text(path.read_bytes(), str(path))
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                       skip_blank_lines=False)


def _read_sheet(path: Path, sheet: str | None) -> pd.DataFrame:
    """One sheet as text (``sheet`` if the workbook has it, else the first), read sparse from its XML:
    a stray cell at XFD1048576 costs one cell, not a million empty rows. The first non-empty row is
    the header; a column without a name is "Unnamed: N" and a repeated name gets ".1" (as pandas)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet] if sheet in wb.sheetnames else wb.worksheets[0]
        rows = list(xml_rows(wb, ws, frozenset()))
    finally:
        wb.close()
    if not rows:
        raise pd.errors.EmptyDataError("the sheet is empty")
    (_, head), body = rows[0], rows[1:]
    columns = sorted({j for _i, r in rows for j in r})
    names: list[str] = []
    for j in columns:
        name = head.get(j, "").strip() or f"Unnamed: {j}"
        base, k = name, 0
        while name in names:
            k += 1
            name = f"{base}.{k}"
        names.append(name)
    return pd.DataFrame({n: [r.get(j, "") for _i, r in body] for n, j in zip(names, columns, strict=True)},
                        dtype=str)


# The largest data file read: five years of national indicator data (2,846 counties × 5 years × 48 criteria, with
# evidence text) is about 25 MB as CSV (bench/load_data.py's 50mb case: 6,500 regions, 51.5 MB), its workbook's
# sheets a few times that once unzipped. Reading costs
# about 16 times the text in memory when every cell differs (bench/load_data.py's 50mb-garbage: 57 MB → 942 MB),
# so a cap keeps a wrong or hostile file from taking the machine's memory; a larger real file is split by year
# or province and the parts loaded together.
MAX_TEXT_BYTES = 128 * 2**20  # a CSV file
MAX_WORKBOOK_BYTES = 512 * 2**20  # a workbook's parts, unzipped (a zip bomb is refused before it is opened)


def oversize(path: Path) -> tuple[str, str] | None:
    """(zh, en) why ``path`` is too large to read, or None: a CSV over :data:`MAX_TEXT_BYTES`, a workbook whose
    parts unzip to more than :data:`MAX_WORKBOOK_BYTES` (what its zip directory declares; an unreadable workbook
    is left to the reader's own error)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            with zipfile.ZipFile(path) as zf:
                size = sum(info.file_size for info in zf.infolist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        limit, zh_what, en_what = MAX_WORKBOOK_BYTES, "Excel工作簿解压后", "the workbook unzips to"
    else:
        size, limit, zh_what, en_what = path.stat().st_size, MAX_TEXT_BYTES, "文件", "the file has"
    if size <= limit:
        return None
    mb, cap = size / 2**20, limit / 2**20
    return (f"{zh_what}有 {mb:,.0f} MB，超过数据文件的上限 {cap:,.0f} MB"
            "（全国2,846个县5年的指标数据含佐证说明约 25 MB），未读取：请按年份或地区拆分成几个文件后一起导入",
            f"{en_what} {mb:,.0f} MB, over the {cap:,.0f} MB limit of a data file (five years of indicator data of "
            "all 2,846 counties, with evidence, is about 25 MB); not read: split it by year or region and load the "
            "parts together")


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """A ``.csv`` or ``.xlsx`` table as text with stripped header names.

    ``sheet``: the Excel sheet to read if the workbook has it, else the first sheet.
    Raises :class:`DataError` naming the file for a missing, unreadable or unsupported file.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(said(f"{path}：找不到文件", f"{path}: file not found"))
    too_big = oversize(path)
    if too_big:
        raise DataError(said(f"{path}：{too_big[0]}", f"{path}: {too_big[1]}"))
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = _read_sheet(path, sheet)
        elif suffix == ".csv":
            frame = read_csv_text(path)
        else:
            raise DataError(said(f"{path}：应为 .csv 或 .xlsx 文件", f"{path}: expected a .csv or .xlsx file"))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, OSError,
            KeyError, zipfile.BadZipFile) as exc:
        raise DataError(said(f"{path}：无法作为表格读取：{exc}", f"{path}: cannot be read as a table: {exc}")) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
