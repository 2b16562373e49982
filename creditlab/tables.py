"""Read a user's table (CSV or Excel) as text, naming the file in every error.

CSV files come from Excel on Chinese Windows (GB18030), from Taiwan or Hong Kong sources (Big5), or
from anything modern (UTF-8, with or without BOM). :func:`decode_text` tells them apart by strict
decoding plus a plausibility check, and refuses rather than guesses when the bytes fit more than
one encoding equally well or decode to garbled text.
"""
from __future__ import annotations

import functools
import io
from pathlib import Path

import pandas as pd

from .errors import DataError
from .problems import default_lang

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
    """The text of a file's bytes and the encoding used: UTF-8 (BOM or not), GB18030 or Big5.

    Raises :class:`UndecodableText` naming the file and the encodings tried when none decodes
    cleanly, when the result holds replacement characters, or when GB18030 and Big5 both give
    plausible text (then the file must be saved as UTF-8).
    """
    tried = "、".join(ENCODINGS)
    tried_en = ", ".join(ENCODINGS)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if "\ufffd" in text:
            raise UndecodableText(f"{name}：文件含有乱码（替换字符 U+FFFD），请检查来源后另存为 UTF-8",
                                  f"{name}: the text holds replacement characters (U+FFFD, garbled earlier); "
                                  "check the source and save it again as UTF-8")
        return text, "utf-8"
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


def read_csv_text(path: Path) -> pd.DataFrame:
    """CSV as strings; the encoding found by :func:`decode_text`."""
    path = Path(path)
    text, _enc = decode_text(path.read_bytes(), str(path))
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                       skip_blank_lines=False)


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
