"""Reading users' tables."""
from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from creditlab import DataError
from creditlab.tables import read_table


def test_csv_utf8_and_gb18030(tmp_path):
    for enc in ("utf-8-sig", "gb18030"):
        p = tmp_path / f"t-{enc}.csv"
        p.write_bytes(" 指标 ,值\n信用,1\n".encode(enc))
        frame = read_table(p)
        assert list(frame.columns) == ["指标", "值"] and frame.iloc[0, 0] == "信用"


def test_excel_prefers_named_sheet(tmp_path):
    p = tmp_path / "t.xlsx"
    with pd.ExcelWriter(p) as xl:
        pd.DataFrame({"a": [1]}).to_excel(xl, sheet_name="readme", index=False)
        pd.DataFrame({"id": ["x"], "value": [2]}).to_excel(xl, sheet_name="observations", index=False)
    assert list(read_table(p, sheet="observations").columns) == ["id", "value"]
    assert list(read_table(p).columns) == ["a"]


def test_errors_name_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(DataError, match="missing.csv: file not found"):
        read_table(tmp_path / "missing.csv")
    bad = tmp_path / "x.txt"
    bad.write_text("a", encoding="utf-8")
    with pytest.raises(DataError, match=r"x\.txt: expected a \.csv or \.xlsx file"):
        read_table(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="empty.csv: cannot be read as a table"):
        read_table(empty)


@pytest.mark.parametrize(("lang", "not_found", "not_a_table"), [
    (None, "{}：找不到文件", "{}：应为 .csv 或 .xlsx 文件"),  # Chinese by default
    ("en", "{}: file not found", "{}: expected a .csv or .xlsx file"),
])
def test_errors_in_chinese_by_default_english_on_request(tmp_path, monkeypatch, lang, not_found, not_a_table):
    if lang is None:
        monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    else:
        monkeypatch.setenv("CREDITLAB_LANG", lang)
    missing, bad = tmp_path / "缺失.csv", tmp_path / "x.txt"
    bad.write_text("a", encoding="utf-8")
    for path, expected in ((missing, not_found), (bad, not_a_table)):
        with pytest.raises(DataError) as err:
            read_table(path)
        assert str(err.value) == expected.format(path)


def test_csv_big5_and_refusals(tmp_path):
    p = tmp_path / "big5.csv"
    p.write_bytes("指標,值\n臺北市信用報告,1\n".encode("big5"))
    assert read_table(p).iloc[0, 0] == "臺北市信用報告"
    amb = tmp_path / "amb.csv"
    amb.write_bytes("a,b\n否,1\n".encode("gb18030"))  # fits GB18030 and Big5 equally well
    with pytest.raises(DataError, match=r"amb\.csv.*gb18030.*big5"):
        read_table(amb)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a,b\n\xe9t\xe9,1\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin\.csv"):
        read_table(latin)


def test_excel_stray_far_cell_costs_nothing(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["id", "value"])
    wb.active.append(["x", 2])
    wb.active["XFD1048576"] = " "  # formatted-looking stray cell: max_row/max_column are huge
    p = tmp_path / "stray.xlsx"
    wb.save(p)
    frame = read_table(p)
    assert list(frame.columns) == ["id", "value"] and frame.values.tolist() == [["x", "2"]]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """A wrong or hostile file cannot take the machine's memory: a CSV over the cap, or a workbook whose parts
    unzip to more than its cap (a zip bomb: a few KB on disk), is refused with the sizes and what to do."""
    from creditlab.core import tables

    big = tmp_path / "大文件.csv"
    big.write_text("region,year\n" + "610303,2024\n" * 2000, encoding="utf-8")
    monkeypatch.setattr(tables, "MAX_TEXT_BYTES", 10_000)
    with pytest.raises(DataError, match=r"大文件\.csv：文件有 0 MB，超过数据文件的上限 0 MB.*请按年份或地区拆分"):
        read_table(big)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * 3_000_000)
    assert bomb.stat().st_size < 20_000
    monkeypatch.setattr(tables, "MAX_WORKBOOK_BYTES", 2 * 2**20)
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(DataError, match=r"bomb\.xlsx: the workbook unzips to 3 MB, over the 2 MB limit"):
        read_table(bomb)
    small = tmp_path / "small.csv"
    small.write_text("a\n1\n", encoding="utf-8")
    assert tables.oversize(small) is None and list(read_table(small).columns) == ["a"]
