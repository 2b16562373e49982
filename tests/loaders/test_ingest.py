"""Ingest, template and output side of creditlab.data (issue 11): nothing silently changed, nothing
lost, nothing hostile passed on. Every case uses real files: CSVs, workbooks written with openpyxl."""
from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import creditlab
from creditlab import cli, data
from creditlab.errors import DataError
from creditlab.problems import LANG_ENV
from helpers import HEADER, ROOT, row_of

EVIL = '=HYPERLINK("http://evil.example","点击")'


@pytest.fixture(autouse=True)
def _defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)
    monkeypatch.delenv(LANG_ENV, raising=False)


@pytest.fixture(scope="module")
def city_template(tmp_path_factory) -> Path:
    """A fresh template for three counties of 西安 (one workbook for the city), made once."""
    path = tmp_path_factory.mktemp("tpl") / "xian.xlsx"
    data.write_template("shaanxi-2020", ["610102", "610103", "610104"], 2024, path)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def csv_file(folder: Path, name: str, *rows: str, header: str = HEADER) -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def fill(template: Path, target: Path, values: dict[str, dict[str, object]],
         context: dict[str, dict[str, object]] | None = None) -> Path:
    """Copy ``template`` to ``target``, filling region sheet values {code: {criterion: value}} and
    context rows {code: {field: value}}."""
    wb = openpyxl.load_workbook(template)
    for code, cells in values.items():
        ws = wb[code]
        for cid, value in cells.items():
            ws[f"K{row_of(ws, cid)}"] = value
    if context:
        ws = wb[data.CONTEXT_SHEET]
        header = {str(c.value).split("\n")[-1]: c.column_letter for c in ws[data.HEADER_ROW] if c.value}
        rows = {c.value: c.row for c in ws["A"] if c.row > data.HEADER_ROW}
        for code, cells in context.items():
            for name, value in cells.items():
                ws[f"{header[name]}{rows[code]}"] = value
    wb.save(target)
    return target


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "returned"
    path.mkdir()
    return path


# --- a run with problems never replaces the last complete output ---------------------------------


def test_rejected_file_leaves_the_complete_output_untouched(folder, tmp_path, capsys):
    csv_file(folder, "a.csv", "610102,2024,A1.1a,1,", "610102,2024,A2.3a,70,")
    csv_file(folder, "b.csv", "610103,2024,A1.1a,1,")
    out = tmp_path / "data-2024.csv"
    assert run(capsys, "ingest", str(folder), "--out", str(out))[0] == 0
    before = sha(out)
    csv_file(folder, "b.csv", "610103,2024,A1.1a,1,", "610103,2024,A2.3a,130,")  # a typo comes back
    code, _out, err = run(capsys, "ingest", str(folder), "--out", str(out))
    assert code == 1 and sha(out) == before
    partial, problems = tmp_path / "data-2024.partial.csv", tmp_path / "data-2024.problems.csv"
    assert set(data.load_data(partial)["region"]) == {"610102"}  # the valid part, beside it
    assert "发现 1 个问题" in err and str(partial) in err and str(problems) in err
    assert "Traceback" not in err
    table = pd.read_csv(problems, dtype=str, keep_default_na=False, encoding="utf-8")
    assert problems.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Notepad and WPS show the Chinese
    assert list(table.columns) == ["\ufeff文件", "工作表", "行", "列", "县（市、区）", "问题", "类型"] \
        or list(table.columns) == data.PROBLEM_COLUMNS["zh"]
    assert table.iloc[0, 0] == "b.csv" and table.iloc[0, 2] == "3" and "新城区（610102）" not in table.iloc[0, 4]
    assert table.iloc[0, 4] == "西安市碑林区（610103）" and "130" in table.iloc[0, 5] and table.iloc[0, 6] == "错误"
    # Fixed: the complete output is written again and the stale partial files go.
    csv_file(folder, "b.csv", "610103,2024,A1.1a,1,", "610103,2024,A2.3a,80,")
    assert run(capsys, "ingest", str(folder), "--out", str(out))[0] == 0
    assert sha(out) != before and not partial.exists() and not problems.exists()
    assert set(data.load_data(out)["region"]) == {"610102", "610103"}


def test_problems_file_names_the_county_of_every_note_by_name_and_code(city_template, folder, tmp_path):
    # A fraction for a rate, full-width digits (CSV), a sheet left empty (workbook): notes, each with its county.
    csv_file(folder, "a.csv", "610102,2024,A2.3a,0.85,", "610102,2024,A2.4a,８５,")
    fill(city_template, folder / "xian.xlsx", {"610103": {"A1.1a": "是"}, "610104": {}})
    csv_file(folder, "b.csv", "610111,2024,A2.3a,130,")  # one error: the problems file is written
    out = tmp_path / "out.csv"
    data.ingest(folder, "shaanxi-2020", out, lang="zh")
    table = pd.read_csv(tmp_path / "out.problems.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    notes = table[table["类型"] == "提示"].set_index("列")["县（市、区）"]
    assert notes["D (value)"].tolist() == ["西安市新城区（610102）"] * 2
    empty = table[table["工作表"] == "610104"]
    assert empty["县（市、区）"].tolist() == ["西安市莲湖区（610104）"] and "未填报" in empty["问题"].iloc[0]


def test_a_file_of_garbage_rows_is_rejected_in_one_pass_and_its_valid_county_kept(folder, tmp_path):
    """20,000 rows of random codes: one unit each. Leaving out the bad units used to validate every one of
    them again (minutes here; a 50 MB file of such rows ran for hours): now one vectorised pass."""
    rng = np.random.default_rng(0)
    n = 20_000
    junk = pd.DataFrame({"region": rng.integers(10**8, 10**9, n).astype(str), "year": "2024",
                         "criterion": np.char.add("X", rng.integers(0, 10**6, n).astype(str)), "value": "1",
                         "evidence": ""})
    good = pd.DataFrame({"region": "610102", "year": "2024", "criterion": ["A1.1a", "A2.3a"], "value": ["1", "70"],
                         "evidence": ""})
    pd.concat([good, junk]).to_csv(folder / "big.csv", index=False)
    start = time.perf_counter()
    result = data.ingest(folder, "shaanxi-2020", tmp_path / "out.csv", lang="en")
    assert time.perf_counter() - start < 20
    assert not result.ok and set(result.data["region"]) == {"610102"} and len(result.data) == 2
    assert len(result.problems.errors) <= 2 * data.MAX_GROUPS + 10  # grouped and capped


def test_one_countys_typo_loses_only_its_sheet(city_template, folder, tmp_path):
    wb = fill(city_template, folder / "xian.xlsx",
              {"610102": {"A1.1a": "是"}, "610103": {"A1.1a": "是", "A2.3a": 130}, "610104": {"A1.1a": "否"}})
    out = tmp_path / "out.csv"
    result = data.ingest(folder, "shaanxi-2020", out)
    assert not result.ok and result.partial and not out.exists()
    assert set(result.data["region"]) == {"610102", "610104"} and len(result.data) == 2 * 48
    units = result.units.set_index("region")
    assert units.loc["610103", "accepted"] == False and units.loc["610102", "accepted"] == True  # noqa: E712
    assert list(result.files_rejected) == [wb]
    assert result.problems.errors[0].region == "西安市碑林区（610103）"


def test_one_countys_typo_in_a_city_csv_loses_only_that_county(folder, tmp_path):
    csv_file(folder, "city.csv", "610102,2024,A1.1a,1,", "610103,2024,A1.1a,x,", "610103,2024,A1.2a,1,",
             "610104,2024,A1.1a,0,")
    result = data.ingest(folder, "shaanxi-2020", tmp_path / "out.csv", lang="en")
    assert sorted(result.data["region"].astype(str)) == ["610102", "610104"]
    assert "row 3" in result.files_rejected[folder / "city.csv"][0]


def test_a_workbook_for_another_rubric_is_left_out_whole(folder, tmp_path):
    path = folder / "henan.xlsx"
    data.write_template("henan-2021", ["410102"], 2022, path)  # a Henan county, the guidance's own
    csv_file(folder, "ok.csv", "610103,2024,A1.1a,1,")
    result = data.ingest(folder, "shaanxi-2020", tmp_path / "out.csv", lang="en")
    assert set(result.data["region"]) == {"610103"}
    assert "made for rubric 'henan-2021'" in result.files_rejected[path][0]


# --- every file in the folder is accounted for -----------------------------------------------------


@pytest.mark.parametrize("name", ["宝鸡.xls", "铜川.et", "延安.ods"])
def test_unreadable_spreadsheet_formats_are_named(folder, tmp_path, capsys, name):
    csv_file(folder, "ok.csv", "610102,2024,A1.1a,1,")
    (folder / name).write_bytes(b"\xd0\xcf\x11\xe0 legacy workbook")
    out = tmp_path / "out.csv"
    code, _o, err = run(capsys, "ingest", str(folder), "--out", str(out))
    assert code == 1 and not out.exists() and (tmp_path / "out.partial.csv").exists()
    assert name in err and "另存为" in err and ".xlsx" in err


def test_sub_folders_and_other_files(folder, tmp_path, capsys):
    csv_file(folder, "ok.csv", "610102,2024,A1.1a,1,")
    (folder / "附件").mkdir()
    (folder / "附件" / "说明.pdf").write_bytes(b"%PDF")
    (folder / "~$ok.xlsx").write_bytes(b"lock")
    (folder / "readme.txt").write_text("notes", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, printed, _e = run(capsys, "ingest", str(folder), "--out", str(out))
    assert code == 0 and out.exists()  # notes only: nothing that holds data was left out
    assert all(n in printed for n in ("附件", "~$ok.xlsx", "readme.txt"))
    shutil.copy(out, folder / "附件" / "县里.csv")  # a spreadsheet hidden in a sub-folder is not read
    code, _p, err = run(capsys, "ingest", str(folder), "--out", str(out))
    assert code == 1 and "附件" in err and "县里.csv" in err


def test_xlsm_is_read(folder, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(HEADER.split(","))
    wb.active.append(["610102", 2024, "A1.1a", 1, "文件"])
    wb.save(folder / "county.xlsm")
    result = data.ingest(folder, "shaanxi-2020", tmp_path / "out.csv")
    assert result.ok and result.files_read == [folder / "county.xlsm"] and len(result.data) == 1


def test_empty_folder_is_a_problem(folder, tmp_path, capsys):
    code, _o, err = run(capsys, "ingest", str(folder), "--out", str(tmp_path / "out.csv"))
    assert code == 1 and "没有可读取的数据文件" in err


# --- nothing hostile passed on -----------------------------------------------------------------------


def test_formula_text_is_neutralised_in_the_consolidated_csv(folder, tmp_path):
    csv_file(folder, "a.csv", f'610102,2024,A1.1a,1,"{EVIL.replace(chr(34), chr(34) * 2)}"',
             "610102,2024,A1.2a,0,+86 29 1234", "610102,2024,A1.3a,1,-1+2", "610102,2024,A2.3a,70,@SUM(A1)",
             "610102,2024,A3.1a,3,普通文字 =不在开头")
    out = tmp_path / "out.csv"
    assert data.ingest(folder, "shaanxi-2020", out).ok
    raw = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("criterion")["evidence"]
    assert raw["A1.1a"] == "'" + EVIL and raw["A1.2a"] == "'+86 29 1234" and raw["A1.3a"] == "'-1+2"
    assert raw["A2.3a"] == "'@SUM(A1)" and raw["A3.1a"] == "普通文字 =不在开头"


def test_out_xlsx_is_a_real_workbook_without_formulas(folder, tmp_path):
    csv_file(folder, "a.csv", f'610102,2024,A1.1a,1,"{EVIL.replace(chr(34), chr(34) * 2)}"',
             "610102,2024,A2.3a,70.5,", "610102,2024,A1.2a,,")
    out = tmp_path / "out.xlsx"
    assert data.ingest(folder, "shaanxi-2020", out).ok
    ws = openpyxl.load_workbook(out)["data"]
    assert [c.value for c in ws[1]] == data.COLUMNS
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    evil = next(c for c in cells if c.value == EVIL)  # the text itself, kept exactly, as a text cell
    assert evil.data_type == "s" and evil.quotePrefix
    assert 70.5 in [c.value for c in cells]  # numbers are numbers
    back = data.load_data(out, "shaanxi-2020").set_index("criterion")
    assert back.loc["A1.1a", "evidence"] == EVIL and pd.isna(back.loc["A1.2a", "value"])


def test_problems_file_is_formula_safe(folder, tmp_path):
    csv_file(folder, "=cmd.csv", "610102,2024,A1.1a,=1+1,")
    out = tmp_path / "out.csv"
    data.ingest(folder, "shaanxi-2020", out)
    text = (tmp_path / "out.problems.csv").read_text(encoding="utf-8-sig")
    cells = [c for line in text.splitlines()[1:] for c in line.split(",")]
    assert "'=cmd.csv" in cells and not any(c.startswith(("=", "+", "-", "@")) for c in cells)


# --- --out checked before any work -------------------------------------------------------------------


@pytest.mark.parametrize("case", ["folder", "extension", "missing_parent", "under_a_file"])
def test_bad_out_is_a_named_error(folder, tmp_path, capsys, case):
    csv_file(folder, "ok.csv", "610102,2024,A1.1a,1,")
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    out, words = {
        "folder": (tmp_path, "文件夹"),
        "extension": (tmp_path / "out.txt", "扩展名"),
        "missing_parent": (tmp_path / "no" / "such" / "out.csv", "不存在"),
        "under_a_file": (tmp_path / "file.txt" / "out.csv", "不是文件夹"),
    }[case]
    listing = sorted(p.name for p in tmp_path.iterdir())
    code, printed, err = run(capsys, "ingest", str(folder), "--out", str(out))
    assert code == 2 and words in err and "Traceback" not in err and printed == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # nothing written anywhere


def test_bad_out_in_english(folder, tmp_path, capsys):
    code, _o, err = run(capsys, "ingest", str(folder), "--out", str(tmp_path), "--lang", "en")
    assert code == 2 and "is a folder" in err


def test_an_unwritable_place_is_one_line_not_a_traceback(folder, capsys):
    csv_file(folder, "ok.csv", "610102,2024,A1.1a,1,")
    code, _o, err = run(capsys, "ingest", str(folder), "--out", "/proc/creditlab-out.csv")
    assert code == 2 and "creditlab" in err and "Traceback" not in err


def test_template_out_is_checked(tmp_path, capsys):
    for out in (tmp_path / "t.csv", tmp_path, tmp_path / "no" / "t.xlsx"):
        code, _o, err = run(capsys, "template", "--year", "2024", "--region", "610102", "--out", str(out))
        assert code == 2 and "Traceback" not in err
    assert sorted(tmp_path.iterdir()) == []


# --- one year range -------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["99999", "1900", "-1"])
def test_template_year_outside_the_one_range(tmp_path, capsys, year):
    out = tmp_path / "t.xlsx"
    code, _o, err = run(capsys, "template", "--year", year, "--region", "610102", "--out", str(out))
    assert code == 2 and "1949" in err and "2100" in err and not out.exists()
    with pytest.raises(DataError, match="2100"):
        data.write_template("shaanxi-2020", ["610102"], int(year), out)


# --- the certification context sheet ------------------------------------------------------------------


def test_template_context_sheet_asks_what_the_rubric_needs(city_template, tmp_path):
    wb = openpyxl.load_workbook(city_template)
    ws = wb[data.CONTEXT_SHEET]
    fields = data.context_fields(creditlab.load_rubric("shaanxi-2020"))
    assert fields == ["major_incident", "debtor_share_legal", "debtor_share_natural", "government_debtors",
                      "rectification_rate", "government_rectification_rate", "npl_ratio"]
    header = [c.value for c in ws[data.HEADER_ROW]]
    assert header[:3] == ["区划代码 region", "名称 name", "年度 year"]
    assert [h.split("\n")[-1] for h in header[3:]] == fields and "重大事件" in header[3]
    assert [ws.cell(r, 1).value for r in range(data.HEADER_ROW + 1, data.HEADER_ROW + 4)] == \
        ["610102", "610103", "610104"]
    rules = {str(dv.sqref)[0]: (dv.type, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation}
    assert rules["D"] == ("list", '"是,否"', None) and rules["E"] == ("decimal", "0", "10000")
    assert rules["G"] == ("whole", "0", None) and rules["H"] == ("decimal", "0", "100")
    assert ws.protection.sheet and not ws["D5"].protection.locked and ws["A5"].protection.locked
    assert data.context_fields(creditlab.load_rubric("henan-2021"))[0] == "major_safety_accident_3y"
    path = tmp_path / "linyi.xlsx"
    data.write_template("linyi-2019", ["371302"], 2020, path)  # no conditions: no context sheet
    assert data.CONTEXT_SHEET not in openpyxl.load_workbook(path, read_only=True).sheetnames


def test_context_round_trip_to_certify(city_template, folder, tmp_path):
    ctx = {"610102": {"major_incident": "否", "debtor_share_legal": 0.3, "debtor_share_natural": 0.5,
                      "government_debtors": 0, "rectification_rate": 85, "government_rectification_rate": 95,
                      "npl_ratio": 1.2},
           "610103": {"major_incident": "是", "npl_ratio": 2.0}}
    # 610103 fills one row (a sheet left wholly empty is 未填报: no rows, nothing to certify)
    fill(city_template, folder / "xian.xlsx", {"610102": {"A1.1a": "是"}, "610103": {"A1.1a": "否"}}, ctx)
    out = tmp_path / "data-2024.csv"
    result = data.ingest(folder, "shaanxi-2020", out)
    assert result.ok and result.context_out == tmp_path / "data-2024.context.csv", result.summary("en")
    root = ROOT
    context = data.load_context([result.context_out, root / "data" / "demo" / "national_npl.csv"])
    assert context["region"].tolist() == ["610102", "610103"]  # 610104 left blank: no row
    assert context["major_incident"].tolist() == [False, True]
    assert pd.isna(context.loc[1, "debtor_share_legal"]) and context.loc[0, "npl_ratio"] == 1.2
    rubric = creditlab.load_rubric("shaanxi-2020")
    scores = creditlab.score(rubric, data.load_data(out, rubric))
    detail = creditlab.certification.evaluate_conditions(rubric, scores, context).set_index(["region", "condition"])
    assert detail.loc[("610102", "C3"), "result"] == "pass" and detail.loc[("610103", "C3"), "result"] == "fail"
    assert detail.loc[("610102", "C4"), "result"] == "pass" and detail.loc[("610103", "C4"), "result"] == "unknown"
    verdicts = creditlab.certify(rubric, scores, context).set_index("region")
    assert "C3" in verdicts.loc["610103", "failed"]


@pytest.mark.parametrize(("code", "name", "words"), [("610104", "西安市碑林区", "与本行名称“西安市碑林区”不一致"),
                                                     ("610111", None, "不是本模板的区县")])
def test_a_context_row_whose_code_was_overtyped_is_not_filed_under_another_county(
        city_template, folder, tmp_path, code, name, words):
    ctx = {"610102": {"major_incident": "否"}, "610103": {"major_incident": "是"}}
    path = fill(city_template, folder / "xian.xlsx", {"610102": {"A1.1a": "是"}, "610103": {"A1.1a": "否"}}, ctx)
    wb = openpyxl.load_workbook(path)
    ws = wb[data.CONTEXT_SHEET]
    row = next(c.row for c in ws["A"] if c.value == "610103")
    ws.protection.sheet = False  # the county unprotects the sheet and overtypes 碑林区's code
    ws[f"A{row}"], ws[f"B{row}"] = code, name
    wb.save(path)
    out = tmp_path / "data-2024.csv"
    result = data.ingest(folder, "shaanxi-2020", out, lang="zh")
    assert not result.ok and not (tmp_path / "data-2024.context.csv").exists()
    bad = next(p.text("zh") for p in result.problems.errors if "认定条件" in p.text("zh"))
    assert f"第{row}行" in bad and words in bad
    partial = pd.read_csv(tmp_path / "data-2024.context.partial.csv", dtype=str)
    assert partial["region"].tolist() == ["610102"]  # 碑林区's context filed under nobody else


def test_bad_context_value_is_reported_and_left_out(city_template, folder, tmp_path):
    fill(city_template, folder / "xian.xlsx", {"610102": {"A1.1a": "是"}},
         {"610102": {"npl_ratio": 1.1}, "610103": {"rectification_rate": 120}})
    out = tmp_path / "out.csv"
    result = data.ingest(folder, "shaanxi-2020", out, lang="en")
    assert not result.ok and not out.exists()
    assert result.context["region"].tolist() == ["610102"]
    assert result.context_out == tmp_path / "out.context.partial.csv"
    problem = result.problems.errors[0]
    assert problem.sheet == data.CONTEXT_SHEET and problem.region == "西安市碑林区（610103）"
    assert "'120'" in problem.message_en and "“120”" in problem.message


def test_write_csv_to_an_xlsx_name_writes_a_workbook(tmp_path):
    frame = pd.DataFrame({"region": ["610102"], "year": [2024], "criterion": ["A1.1a"], "value": [1.0],
                          "evidence": ["@x"]})
    path = data.write_csv(frame, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path)["data"]
    assert ws["E2"].value == "@x" and ws["E2"].data_type == "s" and ws["D2"].value == 1


# --- the summary says what went in, each problem once (the 宝鸡 newcomer's run) ------------------------------


def test_summary_counts_a_partly_read_file_and_the_rows_left_blank(city_template, folder, tmp_path, capsys):
    # One county's typo leaves its sheet out; the file's other county goes in: read in part, not "0 files read".
    fill(city_template, folder / "xian.xlsx", {"610102": {"A1.1a": "是", "A1.2a": "是"}, "610103": {"A2.3a": 130}})
    (folder / "old.xls").write_bytes(b"not a workbook")
    code, out, err = run(capsys, "ingest", str(folder), "--out", str(tmp_path / "d.csv"))
    assert code == 1
    head = out.splitlines()[0]
    assert head.startswith("文件 2 个：完整读入 0 个，部分读入 1 个，未读入 1 个；"), head
    assert "数据 48 行（有填报值 2 行，留空即未评估 46 行）" in head, head  # 48 rows of the sheet, 2 typed
    assert "部分读入 xian.xlsx：1 个问题" in out and "未读入 old.xls：1 个问题" in out
    for words in ("130", "另存为"):  # each problem said once: on stderr, not again in the summary
        assert (out + err).count(words) == 1, (words, out, err)
    result = data.ingest(folder, "shaanxi-2020", None, lang="en")
    assert result.files_partial == [folder / "xian.xlsx"] and (result.rows, result.filled) == (48, 2)
    assert result.summary("en").startswith("files: 2 (0 read completely, 1 in part, 1 left out); rows: 48 (2 with")


def test_a_complete_run_without_context_rows_leaves_no_context_file(city_template, folder, tmp_path):
    """Exit 0 without 认定条件 rows: no context file (one without rows would not load with --context), and an
    earlier run's is removed: old conditions never go with new data."""
    out = tmp_path / "data-2024.csv"
    fill(city_template, folder / "xian.xlsx", {"610102": {"A1.1a": "是"}}, {"610102": {"npl_ratio": 1.1}})
    assert data.ingest(folder, "shaanxi-2020", out).context_out == tmp_path / "data-2024.context.csv"
    fill(city_template, folder / "xian.xlsx", {"610102": {"A1.1a": "否"}})  # this year: no context typed
    result = data.ingest(folder, "shaanxi-2020", out, lang="zh")
    assert result.ok and result.exit_code == 0 and out.exists()
    assert result.context_out is None and not (tmp_path / "data-2024.context.csv").exists()
    assert "没有认定条件行：未写出认定条件文件" in result.summary("zh")
