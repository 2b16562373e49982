"""Reading indicator data and context: nothing silently changed, nothing lost, nothing hostile passed on.

Each class of bad input from issue 11 with a real file written here (CSV bytes in a given encoding,
real .xlsx workbooks via openpyxl, a filled template).
"""
from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from creditlab import cli, data
from creditlab.errors import DataError
from creditlab.rubric import load_rubric
from creditlab.scoring import score
from helpers import ROOT, one, problems_of

HEADER = "region,year,criterion,value,evidence"
JINTAI, WEIBIN = "610303", "610302"


# Loaders also issue their warnings as a DataWarning (for notebooks); these tests read result.attrs.
pytestmark = pytest.mark.filterwarnings("ignore::creditlab.data.DataWarning")


@pytest.fixture(autouse=True)
def _chinese_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)


def csv_file(folder: Path, name: str, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path




def row_of(ws, criterion: str) -> int:
    return next(c.row for c in ws["A"] if c.value == criterion)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    data.write_template("shaanxi-2020", [WEIBIN, JINTAI], 2024, path)
    return path


# --- values ------------------------------------------------------------------------------------


def test_percent_formatted_cell_reads_as_percent(template, tmp_path):
    # Typing 85.1% in Excel stores 0.851 with a percent format; a person means 85.1.
    wb = openpyxl.load_workbook(template)
    ws = wb[JINTAI]
    for cid, value, fmt in (("A2.4a", 0.851, "0.0%"), ("A2.3a", 0.5, "0%")):
        ws[f"K{row_of(ws, cid)}"] = value
        ws[f"K{row_of(ws, cid)}"].number_format = fmt
    ws[f"K{row_of(ws, 'A1.1a')}"] = "是"
    path = tmp_path / "pct.xlsx"
    wb.save(path)
    out = data.read_workbook(path).set_index(["region", "criterion"])["value"]
    assert out[(JINTAI, "A2.4a")] == 85.1 and out[(JINTAI, "A2.3a")] == 50.0
    # ... and scores as the 85.1 % it is: A2.4a (at least 80 %) is met.
    scores = score(load_rubric("shaanxi-2020"), data.read_workbook(path))
    row = scores[(scores["region"] == JINTAI) & (scores["id"] == "A2.4a")]
    assert row["points"].item() == 1


def test_percent_format_on_a_count_is_an_error(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["region", "year", "criterion", "value"])
    ws.append([JINTAI, 2024, "A3.1a", 0.05])
    ws["D2"].number_format = "0%"
    path = tmp_path / "long.xlsx"
    wb.save(path)
    p = one(problems_of(data.load_data, path, "shaanxi-2020", lang="en"), "A3.1a")
    assert "'5%' is not a number" in p and "row 2" in p


def test_fraction_for_a_percent_criterion_is_a_named_warning(tmp_path):
    path = csv_file(tmp_path, "f.csv", f"{JINTAI},2024,A2.4a,0.85,", f"{JINTAI},2024,A2.3a,0.5%,",
                    f"{WEIBIN},2024,A2.4a,85,")
    out = data.load_data(path, "shaanxi-2020")
    assert out["value"].tolist() == [0.85, 0.5, 85.0]  # warned about, not coerced
    warning = one(out.attrs["warnings"], "A2.4a")
    assert "宝鸡市金台区（610303）" in warning and "第2行" in warning and "百分数" in warning
    with pytest.warns(data.DataWarning, match="looks like a fraction"):
        en = data.load_data(path, "shaanxi-2020", lang="en").attrs["warnings"]
    assert "looks like a fraction" in one(en, "A2.4a")  # 0.5% was written as a percent: no warning


def test_full_width_digits_are_normalised_with_a_note(tmp_path):
    path = csv_file(tmp_path, "fw.csv", f"{JINTAI},２０２４,A2.4a,８５％,", f"{JINTAI},2024,A2.3a,８５．５,",
                    f"{JINTAI},2024,A3.1a,１２,")
    out = data.load_data(path, "shaanxi-2020")
    assert out["value"].tolist() == [85.0, 85.5, 12.0] and out["year"].tolist() == [2024] * 3
    warnings = out.attrs["warnings"]
    assert any("全角" in w and "８５％" in w for w in warnings)
    assert any("全角" in w and "列B" in w for w in warnings)


# --- columns -----------------------------------------------------------------------------------


def test_misspelt_column_is_an_error_with_a_suggestion(tmp_path):
    path = csv_file(tmp_path, "typo.csv", f"{JINTAI},2024,A1.1a,1,文件", header="region,year,criterion,value,evidense")
    p = one(problems_of(data.load_data, path, "shaanxi-2020", lang="en"), "evidense")
    assert "unknown column" in p and "did you mean 'evidence'" in p and "row 1" in p
    assert "是否应为“evidence”" in one(problems_of(data.load_data, path, "shaanxi-2020"), "evidense")


def test_duplicated_value_column_is_an_error_in_csv_and_excel(tmp_path):
    path = csv_file(tmp_path, "dup.csv", f"{JINTAI},2024,A1.1a,1,0", header="region,year,criterion,value,value")
    p = one(problems_of(data.load_data, path, "shaanxi-2020", lang="en"), "appears 2 times")
    assert "'value'" in p and "D, E" in p
    wb = openpyxl.Workbook()
    wb.active.append(["region", "year", "criterion", "value", "evidence", "来源"])  # 来源 is evidence too
    wb.active.append([JINTAI, 2024, "A1.1a", 1, "a", "b"])
    xlsx = tmp_path / "dup.xlsx"
    wb.save(xlsx)
    p = one(problems_of(data.load_data, xlsx, "shaanxi-2020"), "重复出现")
    assert "evidence" in p and "E、F" in p


def test_data_under_an_unnamed_column_is_an_error(tmp_path):
    path = csv_file(tmp_path, "x.csv", f"{JINTAI},2024,A1.1a,1,,95", header="region,year,criterion,value,evidence,")
    assert "F" in one(problems_of(data.load_data, path, "shaanxi-2020", lang="en"), "has no name")


# --- encodings ---------------------------------------------------------------------------------


def test_big5_csv_is_decoded_as_big5(tmp_path):
    path = csv_file(tmp_path, "big5.csv", f"{JINTAI},2024,A1.1a,1,縣信用辦會議紀錄", encoding="big5")
    assert data.load_data(path, "shaanxi-2020")["evidence"].tolist() == ["縣信用辦會議紀錄"]
    gb = csv_file(tmp_path, "gb.csv", f"{JINTAI},2024,A1.1a,1,鄠邑区信用承诺制度", encoding="gb18030")
    assert data.load_data(gb, "shaanxi-2020")["evidence"].tolist() == ["鄠邑区信用承诺制度"]


def test_ambiguous_or_garbled_encoding_is_an_error(tmp_path):
    # 否 alone is a common character in both GB18030 and Big5: refuse rather than guess.
    path = csv_file(tmp_path, "amb.csv", f"{JINTAI},2024,A1.1a,否,", encoding="gb18030")
    p = one(problems_of(data.load_data, path, "shaanxi-2020"), "编码")
    assert str(path) in p and "gb18030" in p and "big5" in p and "UTF-8" in p
    bad = tmp_path / "bad.csv"
    bad.write_bytes(HEADER.encode() + f"\n{JINTAI},2024,A1.1a,1,\ufffd\n".encode())
    assert "U+FFFD" in one(problems_of(data.load_data, bad, "shaanxi-2020", lang="en"), str(bad))


# --- one year bound ----------------------------------------------------------------------------


def test_year_outside_creditlab_range_is_an_error(tmp_path):
    # shaanxi-2020 has no end year: the bound is creditlab's one range (years.py).
    path = csv_file(tmp_path, "y.csv", f"{JINTAI},2204,A1.1a,1,", f"{JINTAI},1900,A1.2a,1,")
    problems = problems_of(data.load_data, path, "shaanxi-2020", lang="en")
    assert "1949–2100" in one(problems, "2204") and "row 2" in one(problems, "2204")
    ctx = csv_file(tmp_path, "ctx.csv", f"{JINTAI},2204,否", header="region,year,major_incident")
    assert "1949–2100" in one(problems_of(data.load_context, ctx), "2204")


# --- templates: sheets by stored code, empty sheets ---------------------------------------------


def test_sheet_renamed_to_a_neighbours_code_is_an_error(tmp_path):
    path = tmp_path / "t.xlsx"
    data.write_template("shaanxi-2020", [JINTAI], 2024, path)
    wb = openpyxl.load_workbook(path)
    ws = wb[JINTAI]
    ws[f"K{row_of(ws, 'A1.1a')}"] = "是"
    ws.title = "610304"  # 陈仓区's code
    wb.save(path)
    problems = problems_of(data.read_workbook, path)
    p = one(problems, "610304")
    assert "宝鸡市金台区（610303）" in p and "不一致" in p and "第2行" in p


def test_empty_region_sheet_is_not_reported(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb[JINTAI]
    ws[f"K{row_of(ws, 'A1.1a')}"] = "是"  # 渭滨区 left completely empty
    path = tmp_path / "half.xlsx"
    wb.save(path)
    out = data.read_workbook(path)
    assert set(out["region"]) == {JINTAI}  # not 48 rows of NaN, never a zero
    assert out.attrs["not_reported"] == [WEIBIN]
    assert "宝鸡市渭滨区（610302）未填报" in one(out.attrs["warnings"], "未填报")


def test_chinese_message_names_the_county_sheet_row_and_criterion(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb[JINTAI]
    row = row_of(ws, "A2.4a")
    ws[f"K{row}"] = 150
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    p = one(problems_of(data.read_workbook, path), "A2.4a")
    assert f"工作表“{JINTAI}”第{row}行" in p and "宝鸡市金台区（610303）A2.4a：150大于100" in p


def _with_cached_value(path: Path, ref: str, formula: str, value: str) -> None:
    """Excel saves a formula's last value next to it; openpyxl does not: add one as Excel would."""
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    pattern = rf'(<c r="{ref}"[^>]*>)<f>{re.escape(formula)}</f>(<v\s*/>|<v></v>)?'.encode()
    parts[sheet], n = re.subn(pattern, rb"\1<f>" + formula.encode() + b"</f><v>" + value.encode() + b"</v>",
                              parts[sheet])
    assert n == 1
    with zipfile.ZipFile(path, "w") as z:
        for name, raw in parts.items():
            z.writestr(name, raw)


def test_formula_cells_give_values_only(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["region", "year", "criterion", "value", "evidence"])
    ws.append([JINTAI, 2024, "A2.4a", "=170/2", "=A1"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    _with_cached_value(path, "D2", "170/2", "85")
    out = data.load_data(path, "shaanxi-2020")
    assert out["value"].tolist() == [85.0]  # the value Excel calculated
    assert out["evidence"].tolist() == ["=A1"]  # never calculated: its text, as data, never evaluated
    ws.append([JINTAI, 2024, "A2.3a", "=1/0", None])
    wb.save(path)
    p = one(problems_of(data.load_data, path, "shaanxi-2020", lang="en"), "A2.3a")
    assert "'=1/0' is not a number" in p and "row 3" in p


# --- bounded cost ------------------------------------------------------------------------------


def test_stray_far_cell_costs_nothing(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["region", "year", "criterion", "value"])
    ws.append([JINTAI, 2024, "A1.1a", 1])
    ws["XFD1048576"] = "x"
    path = tmp_path / "stray.xlsx"
    wb.save(path)
    assert openpyxl.load_workbook(path, read_only=True).active.max_row == 1048576
    out = data.load_data(path, "shaanxi-2020", lang="en")
    assert out["value"].tolist() == [1.0]
    assert "row 1048576" in one(out.attrs["warnings"], "ignored")  # not part of the table, but said


def test_stray_cell_far_below_in_the_table_columns_is_not_data(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb[JINTAI]
    ws[f"K{row_of(ws, 'A1.1a')}"] = "是"
    ws["A1048576"] = "A1.1a"
    ws["K1048576"] = "否"
    path = tmp_path / "stray.xlsx"
    wb.save(path)
    out = data.read_workbook(path)
    assert out.set_index(["region", "criterion"]).loc[(JINTAI, "A1.1a"), "value"] == 1.0
    assert "第1048576行" in one(out.attrs["warnings"], "已忽略")


def test_1500_identical_rows_give_one_short_message_quickly(tmp_path):
    path = csv_file(tmp_path, "same.csv", *[f"{JINTAI},2024,A1.1a,1,"] * 1500)
    start = time.perf_counter()
    with pytest.raises(DataError) as exc:
        data.load_data(path, "shaanxi-2020")
    elapsed = time.perf_counter() - start
    text = str(exc.value)
    assert len(text.encode("utf-8")) < 5000 and elapsed < 10
    line = one(exc.value.problems, "重复")
    assert "共出现1500次" in line and "第2、3、4" in line and "等共1500行" in line


def test_many_distinct_bad_values_are_capped(tmp_path):
    path = csv_file(tmp_path, "bad.csv", *[f"{JINTAI},{1950 + i % 150},A2.4a,x{i}," for i in range(5000)])
    problems = problems_of(data.load_data, path, "shaanxi-2020", lang="en")
    # Three checks fail on every row (year outside the rubric, not a number, duplicate): each is capped.
    assert len(problems) <= 3 * (data.MAX_GROUPS + 1) and len("\n".join(problems)) < 60_000
    assert any("more rows" in p for p in problems)


# --- context -----------------------------------------------------------------------------------


def test_context_problems_all_at_once_named_and_bilingual(tmp_path):
    ctx = csv_file(tmp_path, "ctx.csv", f"{JINTAI},2024,maybe,０.85,1", f"{WEIBIN},2024,否,85,1",
                   header="region,year,major_incident,rectification_rate,government_debtor")
    problems = problems_of(data.load_context, ctx)
    assert "是否应为“government_debtors”" in one(problems, "government_debtor")
    assert "宝鸡市金台区（610303）" in one(problems, "maybe")
    en = problems_of(data.load_context, ctx, lang="en")
    assert "did you mean 'government_debtors'" in one(en, "government_debtor")
    fixed = csv_file(tmp_path, "ok.csv", f"{JINTAI},2024,否,０.85", header="region,year,major_incident,"
                     "rectification_rate")
    out = data.load_context(fixed)
    assert out["rectification_rate"].tolist() == [0.85]
    assert any("像是小数" in w for w in out.attrs["warnings"]) and any("全角" in w for w in out.attrs["warnings"])


# --- the command line --------------------------------------------------------------------------


def test_cli_ingest_prints_warnings_in_the_chosen_language(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    csv_file(folder, "a.csv", f"{JINTAI},2024,A2.4a,0.85,")
    assert cli.main(["ingest", str(folder), "--out", str(tmp_path / "out.csv"), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "note: " in printed and "a.csv" in printed and "looks like a fraction" in printed
    assert "宝鸡市金台区 (610303)" in printed
    assert cli.main(["ingest", str(folder), "--out", str(tmp_path / "out.csv")]) == 0
    assert "像是小数" in capsys.readouterr().out


def test_context_workbook_percent_cells_and_year_bound(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["region", "year", "rectification_rate", "npl_ratio"])
    ws.append([JINTAI, 2024, 0.85, 0.012])
    ws["C2"].number_format = "0%"
    ws["D2"].number_format = "0.0%"
    path = tmp_path / "ctx.xlsx"
    wb.save(path)
    out = data.load_context(path)
    assert out["rectification_rate"].tolist() == [85.0] and out["npl_ratio"].tolist() == [1.2]
    assert out.attrs["warnings"] == []  # typed as percents: nothing to doubt


def test_ingest_rejects_year_2204_and_garbled_files_with_every_problem(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = csv_file(folder, "a.csv", f"{JINTAI},2024,A1.1a,1,")
    far = csv_file(folder, "b.csv", f"{WEIBIN},2204,A1.1a,1,", f"{WEIBIN},2024,A9,1,")
    amb = csv_file(folder, "c.csv", f"{WEIBIN},2024,A1.1a,否,", encoding="gb18030")
    result = data.ingest(folder, "shaanxi-2020", tmp_path / "out.csv", lang="en")
    assert result.files_read == [good] and set(result.files_rejected) == {far, amb}
    assert "1949–2100" in one(result.files_rejected[far], "year 2204")
    assert "'A9'" in one(result.files_rejected[far], "unknown criterion")
    assert "big5" in one(result.files_rejected[amb], "encoding")


def test_hostile_header_gives_a_short_message(tmp_path):
    names = ",".join(["value"] * 3000 + [f"<b>x{i}</b>" + "y" * 500 for i in range(3000)])
    path = csv_file(tmp_path, "wide.csv", "1", header=f"region,year,criterion,{names}")
    problems = problems_of(data.load_data, path, "shaanxi-2020", lang="en")
    assert len("\n".join(problems)) < 20_000
    assert any("3000 times" in p for p in problems) and any("more unknown columns" in p for p in problems)


def test_small_percent_metrics_are_not_doubted():
    # linyi-2019's blacklist shares (L1.2-2, L1.2-3) are percents well below 1: ordinary values.
    out = data.load_data(ROOT / "data" / "demo" / "linyi-2019_indicators.csv", "linyi-2019")
    assert out.attrs["warnings"] == []


def test_utf16_csv_reads_and_a_binary_file_is_refused(tmp_path):
    path = csv_file(tmp_path, "u16.csv", f"{JINTAI},2024,A1.1a,1,会议纪要", encoding="utf-16")
    assert data.load_data(path, "shaanxi-2020")["evidence"].tolist() == ["会议纪要"]
    wb = openpyxl.Workbook()
    fake = tmp_path / "book.csv"  # a workbook saved under a .csv name
    wb.save(fake)
    assert "not a text file" in one(problems_of(data.load_data, fake, "shaanxi-2020", lang="en"), "book.csv")


def test_an_oversized_data_file_is_refused_and_the_other_files_still_checked(tmp_path, monkeypatch):
    from creditlab.core import tables

    big = tmp_path / "big.csv"
    big.write_text("region,year,criterion,value\n" + "610303,2024,A1.1a,1\n" * 1000, encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text("region,year,criterion,value\n610303,2024,A1.1a,maybe\n", encoding="utf-8")
    monkeypatch.setattr(tables, "MAX_TEXT_BYTES", 5_000)
    found = problems_of(data.load_data, [big, other], rubric=load_rubric("shaanxi-2020"))
    one(found, "big.csv", "超过数据文件的上限", "请按年份或地区拆分")
    one(found, "other.csv", "maybe")  # the other file was read and checked, in the same error


def test_data_years_reads_only_the_years_with_a_value(tmp_path: Path) -> None:
    """The cheap look at a data file's years (commands refuse a year without data before a kernel starts): a
    year whose values are all blank has no data; full-width digits fold; an unreadable file is refused."""
    f = tmp_path / "d.csv"
    f.write_text(f"{HEADER}\n{JINTAI},2022,A1.1a,1,\n{JINTAI},２０２３,A1.1a,1,\n{JINTAI},2024,A1.1a, ,\n",
                 encoding="utf-8")
    assert data.data_years(f) == [2022, 2023]
    assert data.data_years(ROOT / "data" / "demo" / "shaanxi-2020_indicators.csv") == [2020, 2021, 2022, 2023, 2024]
    with pytest.raises(DataError, match="文件不存在"):
        data.data_years([f, tmp_path / "missing.csv"], lang="zh")
