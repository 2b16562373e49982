"""Tests for creditlab.data: indicator data in, validated long format out; templates; ingest; context."""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from creditlab import cli, data
from creditlab.errors import DataError
from creditlab.rubric import load_rubric
from helpers import ROOT, one, problems_of

DEMO = ROOT / "data" / "demo"
HEADER = "region,year,criterion,value,evidence"

# A small rubric with one criterion per rule type, two with development-zone variants.
MINI_YAML = """\
id: mini-2020
title_zh: 测试标准
title_en: Test rubric
version: "1"
years: [2020, 2024]
max_points: 10
method: absolute
source: {file: none.txt, document: test}
levels:
  - id: A
    name_zh: 基础工作
    name_en: Groundwork
    points: 10
    children:
      - id: A1
        name_zh: 工作机制
        name_en: Mechanisms
        points: 10
        children:
          - id: A1.1
            name_zh: 组织
            name_en: Organisation
            criteria:
              - {id: M1, text_zh: 成立领导小组（1分）, text_en: leading group, points: 1, mandatory: true,
                 note_zh: 必备条件, rule: {type: binary}}
              - {id: M2, text_zh: 比率达到50%（1分）, text_en: rate 50 %, points: 1,
                 rule: {type: threshold, at_least: 50, unit: percent}}
              - {id: M3, text_zh: 5个以上部门（1分）, text_en: five departments, points: 1,
                 rule: {type: threshold, at_least: 5, unit: count},
                 park: {rule: {type: discretionary, max: 1}, note_zh: 开发区酌情计分}}
              - {id: M4, text_zh: 每个部门0.5分（最高2分）, text_en: 0.5 per department, points: 2,
                 rule: {type: per_unit, per_unit: 0.5, cap: 2, unit_zh: 部门, unit_en: department},
                 park: {rule: {type: discretionary, max: 2}, note_zh: 开发区酌情计分}}
              - {id: M5, text_zh: 酌情计分（最高2分）, text_en: discretionary, points: 2,
                 rule: {type: discretionary, max: 2}}
              - {id: M6, text_zh: 综合评判（3分）, text_en: graded, points: 3, rule: {type: graded, max: 3}}
"""


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)
    # These tests read the English messages; the Chinese default is tested in test_data_read.py.
    monkeypatch.setenv("CREDITLAB_LANG", "en")


@pytest.fixture
def mini(tmp_path: Path):
    path = tmp_path / "rubrics" / "mini-2020.yaml"
    path.parent.mkdir()
    path.write_text(MINI_YAML, encoding="utf-8")
    return load_rubric(path)


def write_csv(folder: Path, name: str, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- one test per kind of bad input ------------------------------------------------------------


def test_good_csv_gives_the_long_format(tmp_path, mini):
    path = write_csv(tmp_path, "ok.csv", "610102,2024,M1,是,会议纪要", "610102,2024,M2,62.5,",
                     "610102,2024,M3,7,", "610102,2024,M4,3,", "610102,2024,M5,1.5,", "610102,2024,M6,",
                     "KF610101,2024,M4,1.5,开发区")
    out = data.load_data(path, mini)
    assert list(out.columns) == data.COLUMNS
    assert out["region"].tolist()[0] == "610102" and out["year"].dtype == "int64"
    assert out["value"].dtype == "float64"
    assert out["value"].tolist()[:5] == [1.0, 62.5, 7.0, 3.0, 1.5]
    assert np.isnan(out["value"].iloc[5])
    assert out["evidence"].tolist()[0] == "会议纪要" and out["evidence"].iloc[1] == ""


def test_unknown_region(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M1,1,", "619999,2024,M1,1,")
    p = one(problems_of(data.load_data, path, mini), "619999")
    assert str(path) in p and "row 3" in p and "column A (region)" in p and "unknown region" in p


def test_unknown_criterion(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M9,1,")
    p = one(problems_of(data.load_data, path, mini), "M9")
    assert str(path) in p and "row 2" in p and "column C (criterion)" in p and "unknown criterion" in p


def test_value_of_wrong_type(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M2,high,", "610102,2024,M2b,1,")
    p = one(problems_of(data.load_data, path, mini), "'high'")
    assert "row 2" in p and "column D (value)" in p and "not a number" in p and "percent" in p


def test_rate_above_100(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M2,100,", "610103,2024,M2,100.5,")
    p = one(problems_of(data.load_data, path, mini), "above 100")
    assert str(path) in p and "row 3" in p and "column D (value)" in p


def test_negative_count(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M4,-2,")
    p = one(problems_of(data.load_data, path, mini), "negative")
    assert "row 2" in p and "column D (value)" in p and "M4" in p


def test_non_integer_count(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M3,4.5,")
    p = one(problems_of(data.load_data, path, mini), "whole number")
    assert "row 2" in p and "column D (value)" in p and "4.5" in p


def test_binary_not_0_or_1(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M1,2,", "610103,2024,M1,maybe,")
    problems = problems_of(data.load_data, path, mini)
    assert "row 2" in one(problems, "'2' is not 0/1")
    assert "row 3" in one(problems, "'maybe'")


def test_binary_words_accepted_in_csv(tmp_path, mini):
    rows = [f"{code},2024,M1,{word}," for code, word in
            zip(["610102", "610103", "610104", "610111", "610112", "610113"],
                ["是", "否", "YES", "no", "True", "false"], strict=True)]
    out = data.load_data(write_csv(tmp_path, "ok.csv", *rows), mini)
    assert out["value"].tolist() == [1, 0, 1, 0, 1, 0]


def test_discretionary_above_max(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M5,2,", "610102,2024,M6,3.5,")
    p = one(problems_of(data.load_data, path, mini), "maximum")
    assert "row 3" in p and "3.5" in p and "3 points" in p


def test_development_zone_variant(tmp_path, mini):
    # In a zone M4 is the assessor's points (0–2), in a county a count of departments.
    path = write_csv(tmp_path, "bad.csv", "KF610101,2024,M4,1.5,", "610102,2024,M4,1.5,",
                     "KF610101,2024,M3,2,")
    problems = problems_of(data.load_data, path, mini)
    assert "row 3" in one(problems, "not a whole number")
    assert "row 4" in one(problems, "maximum of 1 points")
    assert len(problems) == 2


def test_duplicate_within_file(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M1,1,", "610102,2024,M2,50,", "610102,2024,M1,0,")
    problems = problems_of(data.load_data, path, mini)
    dup = one(problems, "duplicate")  # one grouped line per duplicated key
    assert "rows 2, 4" in dup and "2 rows" in dup and "西安市新城区 (610102)" in dup


def test_year_outside_the_rubric(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2019,M1,1,", "610102,2025,M1,1,", "610102,20x4,M1,1,")
    problems = problems_of(data.load_data, path, mini)
    assert "column B (year)" in one(problems, "row 2", "outside")
    assert "2020–2024" in one(problems, "row 3", "outside")
    assert "not a year" in one(problems, "row 4")


def test_missing_column(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "610102,2024,M1", header="region,year,criterion")
    p = one(problems_of(data.load_data, path, mini), "missing")
    assert str(path) in p and "row 1" in p and "value" in p


def test_empty_file(tmp_path, mini):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = write_csv(tmp_path, "header.csv")
    empty_xlsx = tmp_path / "empty.xlsx"
    empty_xlsx.write_bytes(b"")
    problems = problems_of(data.load_data, [empty, header_only, empty_xlsx], mini)
    assert "empty" in one(problems, str(empty) + ":")
    assert "no data rows" in one(problems, str(header_only))
    assert "empty" in one(problems, str(empty_xlsx))


def test_several_problems_all_reported(tmp_path, mini):
    path = write_csv(tmp_path, "bad.csv", "619999,2024,M1,1,", "610102,2024,M2,120,", "610102,2024,M4,-1,",
                     "610102,2024,MX,1,", "610102,2019,M1,2,")
    problems = problems_of(data.load_data, path, mini)
    assert len(problems) == 6  # row 6 has two: the year and the binary value
    for row in (2, 3, 4, 5, 6):
        assert any(f"row {row}:" in p for p in problems)


def test_blank_value_is_not_assessed(tmp_path, mini):
    out = data.load_data(write_csv(tmp_path, "ok.csv", "610102,2024,M1,,", "610102,2024,M2,  ,note"), mini)
    assert len(out) == 2 and out["value"].isna().all()


def test_percent_sign_and_gbk_csv(tmp_path, mini):
    path = write_csv(tmp_path, "gbk.csv", "610102,2024,M2,85%,县信用办报告", encoding="gb18030")
    out = data.load_data(path, mini)
    assert out["value"].tolist() == [85.0] and out["evidence"].tolist() == ["县信用办报告"]


def test_text_starting_like_a_formula_is_data(tmp_path, mini):
    path = write_csv(tmp_path, "ok.csv", '610102,2024,M1,1,"=HYPERLINK(""http://x"",""y"")"',
                     "610103,2024,M1,1,@SUM(A1)", "610104,2024,M1,1,-note")
    out = data.load_data(path, mini)
    assert out["evidence"].tolist() == ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-note"]


def test_rubric_inferred_from_ids(tmp_path):
    path = write_csv(tmp_path, "ok.csv", "610102,2024,A1.1a,1,", "610102,2024,A2.3a,55,")
    assert data.load_data(path)["criterion"].tolist() == ["A1.1a", "A2.3a"]
    bad = write_csv(tmp_path, "bad.csv", "610102,2024,A1.1a,1,", "610102,2024,ZZ9,1,")
    p = one(problems_of(data.load_data, bad), "ZZ9")
    assert "row 3" in p and "shaanxi-2020" in p


def test_long_format_excel(tmp_path, mini):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    for row in (["region", "year", "criterion", "value", "evidence"], [610102, 2024, "M1", True, None],
                ["610102", 2024.0, "M2", 77.5, "=A1"]):
        ws.append(row)
    wb.create_sheet("empty")
    path = tmp_path / "long.xlsx"
    wb.save(path)
    out = data.load_data(path, mini)
    assert out["region"].tolist() == ["610102", "610102"] and out["value"].tolist() == [1.0, 77.5]
    assert out["evidence"].tolist() == ["", "=A1"]  # a formula cell is data, never evaluated


def test_bad_excel_sheet(tmp_path, mini):
    wb = openpyxl.Workbook()
    wb.active.title = "good"
    wb.active.append(["region", "year", "criterion", "value"])
    wb.active.append(["610102", 2024, "M1", 1])
    bad = wb.create_sheet("bad")
    bad.append(["region", "year", "criterion", "wert"])
    bad.append(["610102", 2024, "M2", 50])
    path = tmp_path / "sheets.xlsx"
    wb.save(path)
    p = one(problems_of(data.load_data, path, mini), "missing")
    assert str(path) in p and "sheet 'bad'" in p and "row 1" in p and "value" in p


# --- templates ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    data.write_template("shaanxi-2020", ["610102", "KF610101"], 2024, path)
    return path


def _row_of(ws, criterion: str) -> int:
    return next(c.row for c in ws["A"] if c.value == criterion)


def test_template_layout_and_metadata(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [data.README_SHEET, "610102", "KF610101", data.CONTEXT_SHEET, data.META_SHEET]
    meta = wb[data.META_SHEET]
    assert meta.sheet_state == "hidden"
    info = {r[0]: r[1] for r in meta.iter_rows(values_only=True)}
    assert info["rubric"] == "shaanxi-2020" and info["rubric_version"] == "2020"
    assert info["year"] == "2024" and info["format_version"] == data.FORMAT_VERSION
    ws = wb["610102"]
    assert "新城区" in ws["A1"].value
    rub = load_rubric("shaanxi-2020")
    ids = [ws.cell(r, 1).value for r in range(data.HEADER_ROW + 1, ws.max_row + 1)]
    assert ids == list(rub.criteria["id"])
    row = _row_of(ws, "A2.3a")
    assert ws[f"G{row}"].value == "达到50%得1分" and ws[f"H{row}"].value == "1 point at ≥ 50 %"
    assert ws[f"E{row}"].value.startswith("自信用信息产生之日起")
    assert wb.security.lockStructure
    assert ws.protection.sheet and ws[f"K{row}"].protection.locked is False
    assert ws[f"L{row}"].protection.locked is False and ws[f"E{row}"].protection.locked is True


def _validation_for(ws, ref: str):
    hits = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
    assert len(hits) == 1, ref
    return hits[0]


def test_template_data_validations(template):
    wb = openpyxl.load_workbook(template)
    ws = wb["610102"]
    binary = _validation_for(ws, f"K{_row_of(ws, 'A1.1a')}")
    assert binary.type == "list" and binary.formula1 == '"是,否"'
    rate = _validation_for(ws, f"K{_row_of(ws, 'A2.3a')}")
    assert (rate.type, rate.formula1, rate.formula2) == ("decimal", "0", "100")
    count = _validation_for(ws, f"K{_row_of(ws, 'A3.1a')}")
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    disc = _validation_for(ws, f"K{_row_of(ws, 'A2.2c')}")
    assert (disc.type, disc.formula1, disc.formula2) == ("decimal", "0", "2")
    graded = _validation_for(ws, f"K{_row_of(ws, 'C1.1a')}")
    assert (graded.type, graded.formula2) == ("decimal", "5")
    # In a development zone the department count becomes the assessor's points (开发区酌情计分).
    zone = wb["KF610101"]
    park = _validation_for(zone, f"K{_row_of(zone, 'A3.1a')}")
    assert (park.type, park.formula1, park.formula2) == ("decimal", "0", "3")
    assert "开发区" in zone[f"G{_row_of(zone, 'A3.1a')}"].value


def test_template_mandatory_rows_highlighted(template):
    ws = openpyxl.load_workbook(template)["610102"]
    rub = load_rubric("shaanxi-2020")
    for cid, mandatory in zip(rub.criteria["id"], rub.criteria["mandatory"], strict=True):
        row = _row_of(ws, cid)
        colour = ws[f"A{row}"].fill.fgColor.rgb
        if mandatory:
            assert colour.endswith(data._MANDATORY_FILL) and ws[f"J{row}"].value == "必备条件"
        else:
            assert not str(colour).endswith(data._MANDATORY_FILL) and ws[f"J{row}"].value is None


def test_template_round_trip(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb["610102"]
    fills = {"A1.1a": "是", "A1.2a": "否", "A2.3a": 65.5, "A3.1a": 12, "A2.2c": 1.5, "C1.1a": 4}
    for cid, value in fills.items():
        ws[f"K{_row_of(ws, cid)}"] = value
    ws[f"L{_row_of(ws, 'A1.1a')}"] = "领导小组文件 2024-3号"
    zone = wb["KF610101"]
    zone[f"K{_row_of(zone, 'A3.1a')}"] = 2.5
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    out = data.read_workbook(filled)
    assert list(out.columns) == data.COLUMNS and len(out) == 2 * 48
    got = out[out["region"] == "610102"].set_index("criterion")["value"]
    assert got[list(fills)].tolist() == [1.0, 0.0, 65.5, 12.0, 1.5, 4.0]
    assert got.drop(list(fills)).isna().all()  # blank = not assessed, kept as NaN
    assert out.set_index(["region", "criterion"]).loc[("KF610101", "A3.1a"), "value"] == 2.5
    assert out["year"].eq(2024).all()
    assert out.loc[(out["region"] == "610102") & (out["criterion"] == "A1.1a"), "evidence"].item() \
        == "领导小组文件 2024-3号"


def test_template_filled_with_bad_values(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb["610102"]
    r1, r2 = _row_of(ws, "A1.1a"), _row_of(ws, "A2.3a")
    ws[f"K{r1}"] = "可能"
    ws[f"K{r2}"] = 150
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    problems = problems_of(data.read_workbook, path)
    p = one(problems, f"row {r2}:")
    assert str(path) in p and "sheet '610102'" in p and "column K (填报值 value)" in p and "above 100" in p
    assert "sheet '610102'" in one(problems, f"row {r1}:", "'可能'")


def test_bad_template_sheet_and_metadata(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    wb["KF610101"].title = "my notes"
    path = tmp_path / "renamed.xlsx"
    wb.save(path)
    p = one(problems_of(data.read_workbook, path), "my notes")
    assert str(path) in p and "does not match the region code stored in the sheet" in p and "KF610101" in p
    p = one(problems_of(data.read_workbook, template, "linyi-2019"), "made for rubric")
    assert str(template) in p and data.META_SHEET in p
    wb = openpyxl.load_workbook(template)
    wb["610102"]["K4"] = "value"  # a county edited the header
    changed = tmp_path / "header.xlsx"
    wb.save(changed)
    p = one(problems_of(data.read_workbook, changed), "header row was changed")
    assert "sheet '610102'" in p and "row 4" in p


def test_read_workbook_rejects_non_templates(tmp_path):
    wb = openpyxl.Workbook()
    path = tmp_path / "plain.xlsx"
    wb.save(path)
    with pytest.raises(DataError, match="not a creditlab template"):
        data.read_workbook(path)


def test_template_neutralises_formula_injection(tmp_path):
    evil = '=HYPERLINK("http://evil.example","点击")'
    regions = pd.DataFrame({"code": ["610102"], "name": [evil]})
    path = tmp_path / "evil.xlsx"
    data.write_template("shaanxi-2020", regions, 2024, path)
    ws = openpyxl.load_workbook(path)["610102"]
    assert ws["A1"].value.startswith(evil) and ws["A1"].data_type == "s" and ws["A1"].quotePrefix
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    # Evidence typed as a formula by a county is read back as its literal text.
    wb = openpyxl.load_workbook(path)
    ws = wb["610102"]
    ws[f"L{_row_of(ws, 'A1.1a')}"] = "=1+1"
    ws[f"L{_row_of(ws, 'A1.2a')}"] = "+86 29 1234"
    wb.save(path)
    out = data.read_workbook(path).set_index("criterion")["evidence"]
    assert out["A1.1a"] == "=1+1" and out["A1.2a"] == "+86 29 1234"


def test_template_year_outside_rubric(tmp_path):
    with pytest.raises(DataError, match="2021–2023"):
        data.write_template("henan-2021", ["610102"], 2019, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_template_for_a_city(tmp_path):
    out = tmp_path / "tongchuan.xlsx"
    assert cli.main(["template", "--rubric", "shaanxi-2020", "--year", "2024", "--city", "铜川市",
                     "--out", str(out)]) == 0
    sheets = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert sheets == [data.README_SHEET, "610202", "610203", "610204", "610222", data.CONTEXT_SHEET,
                      data.META_SHEET]


# --- ingest ------------------------------------------------------------------------------------


def _filled_template(folder: Path, code: str, name: str) -> Path:
    path = folder / name
    data.write_template("shaanxi-2020", [code], 2024, path)
    wb = openpyxl.load_workbook(path)
    ws = wb[code]
    ws[f"K{_row_of(ws, 'A1.1a')}"] = "是"
    ws[f"K{_row_of(ws, 'A2.3a')}"] = 70
    wb.save(path)
    return path


def test_ingest_keeps_good_files_and_reports_bad_ones(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good_csv = write_csv(folder, "a_good.csv", "610103,2024,A1.1a,1,", "610103,2024,A2.3a,,")
    good_xlsx = _filled_template(folder, "610104", "b_good.xlsx")
    bad = write_csv(folder, "c_bad.csv", "610111,2024,A1.1a,1,", "610111,2024,A2.3a,130,")
    hashes = {p: sha(p) for p in folder.iterdir()}
    out = tmp_path / "out" / "consolidated.csv"
    result = data.ingest(folder, "shaanxi-2020", out, lang="en")
    assert result.files_read == [good_csv, good_xlsx]
    assert list(result.files_rejected) == [bad]
    assert "row 3" in one(result.files_rejected[bad], "above 100")
    partial = out.with_name("consolidated.partial.csv")
    assert not result.ok and result.partial and result.out == partial and not out.exists()
    consolidated = data.load_data(partial, "shaanxi-2020")
    assert set(consolidated["region"]) == {"610103", "610104"} and len(consolidated) == 2 + 48
    assert consolidated.set_index(["region", "criterion"])["value"].isna().sum() == 1 + 46
    assert {p: sha(p) for p in folder.iterdir()} == hashes  # inputs untouched
    # no temporary files left
    assert sorted(p.name for p in out.parent.iterdir()) == ["consolidated.partial.csv", "consolidated.problems.csv"]
    assert "REJECTED c_bad.csv" in result.summary("en")


def test_ingest_duplicates_across_files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    a = write_csv(folder, "a.csv", "610102,2024,A1.1a,1,")
    b = write_csv(folder, "b.csv", "610103,2024,A1.1a,1,", "610102,2024,A1.1a,0,")
    c = write_csv(folder, "c.csv", "610104,2024,A1.1a,1,")
    result = data.ingest(folder, "shaanxi-2020", tmp_path / "out.csv", lang="en")
    assert result.files_read == [c] and set(result.files_rejected) == {a, b}
    pa, pb = one(result.files_rejected[a], "duplicate"), one(result.files_rejected[b], "duplicate")
    assert "row 2" in pa and f"{b}, row 3" in pa
    assert "row 3" in pb and f"{a}, row 2" in pb


def test_ingest_with_no_good_file_keeps_the_old_output(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder, "bad.csv", "619999,2024,A1.1a,1,")
    out = tmp_path / "consolidated.csv"
    out.write_text("previous consolidated data\n", encoding="utf-8")
    result = data.ingest(folder, "shaanxi-2020", out)
    assert result.out is None and not result.files_read
    assert out.read_text(encoding="utf-8") == "previous consolidated data\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["consolidated.csv", "consolidated.problems.csv", "in"]


def test_cli_ingest_exit_codes(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder, "good.csv", "610102,2024,A1.1a,1,")
    out = tmp_path / "out.csv"
    assert cli.main(["ingest", str(folder), "--out", str(out), "--lang", "en"]) == 0
    assert "files read: 1, rows: 1, files rejected: 0" in capsys.readouterr().out
    write_csv(folder, "bad.csv", "610102,2024,A1.1a,1,", "610103,2024,A9,1,")
    assert cli.main(["ingest", str(folder), "--out", str(out), "--lang", "en"]) == 1
    printed = capsys.readouterr().out
    assert "REJECTED bad.csv" in printed and "unknown criterion 'A9'" in printed


# --- completeness ------------------------------------------------------------------------------


def test_completeness_lists_not_assessed(tmp_path, mini):
    frame = data.load_data(write_csv(tmp_path, "ok.csv", "610102,2024,M1,1,", "610102,2024,M2,,",
                                     "610103,2024,M1,0,"), mini)
    gaps = data.completeness(mini, frame)
    assert set(gaps.columns) >= {"region", "year", "criterion", "reason", "status", "status_zh"}
    a = gaps[gaps["region"] == "610102"]
    assert a["criterion"].tolist() == ["M2", "M3", "M4", "M5", "M6"]
    assert a["reason"].tolist() == ["blank", "absent", "absent", "absent", "absent"]
    assert (gaps["status_zh"] == "未评估").all() and len(gaps[gaps["region"] == "610103"]) == 5


# --- certification context ---------------------------------------------------------------------

CONTEXT_HEADER = ("region,year,major_incident,debtor_share_legal,debtor_share_natural,government_debtors,"
                  "rectification_rate,government_rectification_rate,npl_ratio")


def test_context_loads_and_merges_national_npl(tmp_path):
    ctx = write_csv(tmp_path, "ctx.csv", "610102,2024,否,0.3,0.5,0,85,95,1.2",
                    "610103,2024,是,,0.4,1,,92.5,2.1", header=CONTEXT_HEADER)
    nat = write_csv(tmp_path, "nat.csv", "2024,1.50", header="year,national_npl_ratio")
    out = data.load_context([ctx, nat])
    assert list(out.columns[:2]) == ["region", "year"] and set(data.CONTEXT_FIELDS) <= set(out.columns)
    assert out["major_incident"].tolist() == [False, True] and out["major_incident"].dtype == "boolean"
    assert out["national_npl_ratio"].tolist() == [1.5, 1.5]
    assert pd.isna(out.loc[1, "debtor_share_legal"]) and pd.isna(out.loc[1, "rectification_rate"])
    assert out["statistical_fraud"].isna().all()  # Henan fields absent: unknown, not False


def test_context_validation(tmp_path):
    ctx = write_csv(tmp_path, "ctx.csv", "610102,2024,maybe,0.3,-1,0.5,120,95,1.2",
                    "619999,2024,否,0.3,0.5,0,85,95,1.2", "610102,2024,否,0.3,0.5,0,85,95,1.2",
                    "610103,2024,否,0.3,0.5,0,85,95,1.2,1.7", header=CONTEXT_HEADER + ",national_npl_ratio")
    nat = write_csv(tmp_path, "nat.csv", "2024,1.50", header="year,national_npl_ratio")
    typo = write_csv(tmp_path, "typo.csv", "610102,2023,1.5", header="region,year,npl_ration")
    problems = problems_of(data.load_context, [ctx, nat, typo])
    assert "column C (major_incident)" in one(problems, "row 2", "'maybe'")
    assert "column E (debtor_share_natural)" in one(problems, "row 2", "'-1'")
    assert "column F (government_debtors)" in one(problems, "row 2", "'0.5'")
    assert "column G (rectification_rate)" in one(problems, "row 2", "'120'")
    assert "unknown region" in one(problems, "row 3")
    assert "rows 2, 4" in one(problems, "duplicate")
    assert "differs from the national file" in one(problems, "row 5")
    assert str(typo) in one(problems, "npl_ration")


# --- zones and demo data -----------------------------------------------------------------------


def test_zones_file():
    zones = data.load_zones()
    assert list(zones.columns) == data.ZONE_COLUMNS and len(zones) >= 5
    assert zones["code"].str.fullmatch(r"KF\d{6}").all()
    assert "杨凌" not in "".join(zones["name"])  # 杨凌示范区 is a city-level row of regions.csv
    assert data.park_codes() == set(zones["code"])


def test_zones_file_is_validated(tmp_path, monkeypatch):
    import shutil

    (tmp_path / "regions").mkdir()
    shutil.copy(ROOT / "data" / "regions" / "regions.csv", tmp_path / "regions" / "regions.csv")
    (tmp_path / "regions" / "zones.csv").write_text(
        "code,name,city_code,city,type\nKF610101,甲,610100,西安市,high_tech_zone\n"
        "610199,乙,610100,西安市,park\n", encoding="utf-8")
    monkeypatch.setenv("CREDITLAB_DATA", str(tmp_path))
    problems = problems_of(data.load_zones)
    assert any("line" not in p and "row 3" in p and "KF + 6 digits" in p for p in problems)
    assert any("row 3" in p and "type" in p for p in problems)


def test_demo_files_load_without_problems():
    shaanxi = data.load_data(DEMO / "shaanxi-2020_indicators.csv")  # rubric inferred
    units = data.assessment_units()
    assert set(shaanxi["region"]) == set(units["code"])
    assert sorted(shaanxi["year"].unique()) == [2020, 2021, 2022, 2023, 2024]
    assert len(shaanxi) == len(units) * 5 * 48
    assert 0 < shaanxi["value"].isna().sum() < 20  # a few criteria not assessed, kept explicit
    linyi = data.load_data(DEMO / "linyi-2019_metrics.csv", "linyi-2019")
    assert set(linyi["region"]) == set(units.loc[~units["is_park"], "code"])
    context = data.load_context([DEMO / "context.csv", DEMO / "national_npl.csv"])
    assert len(context) == len(units) * 5 and context["national_npl_ratio"].notna().all()
    assert "synthetic: true" in (DEMO / "metadata.yaml").read_text(encoding="utf-8")


# --- other rubrics, corrupt files, CLI errors --------------------------------------------------


def test_metric_and_assessed_rules(tmp_path):
    linyi = write_csv(tmp_path, "linyi.csv", "610102,2024,L1.5-6,是,", "610102,2024,L2.3-2,2,",
                      "610102,2024,L2.2-1,101,", "610102,2024,L1.1-1,-3,", "610102,2024,L6.1-2,2.5,")
    problems = problems_of(data.load_data, linyi, "linyi-2019")
    assert "row 3" in one(problems, "L2.3-2", "not 0/1")  # yes_no metric
    assert "row 4" in one(problems, "L2.2-1", "above 100")  # percent metric
    assert len(problems) == 2  # count and days metrics: any finite number
    henan = write_csv(tmp_path, "henan.csv", "610102,2022,H-01a,88,", "610102,2022,H-02a,100.5,",
                      "610102,2024,H-03a,50,")
    problems = problems_of(data.load_data, henan)  # rubric inferred from the H- ids
    assert "row 3" in one(problems, "above 100") and "row 4" in one(problems, "outside", "2021–2023")


def test_ingest_survives_a_corrupt_workbook(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    good = write_csv(folder, "good.csv", "610102,2024,A1.1a,1,")
    result = data.ingest(folder, "shaanxi-2020", tmp_path / "out.csv")
    assert result.files_read == [good]
    assert "cannot be read" in result.files_rejected[folder / "broken.xlsx"][0]


def test_cli_template_unknown_region(tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert cli.main(["template", "--year", "2024", "--region", "619999", "--out", str(out)]) == 2
    assert "619999" in capsys.readouterr().err and not out.exists()
