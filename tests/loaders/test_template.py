"""The Excel fill-in templates (creditlab.loaders.template): layout, validations, round trip, bad sheets, CLI."""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from creditlab import cli, data
from creditlab.errors import DataError
from creditlab.rubric import load_rubric
from helpers import ROOT, one, problems_of, row_of

DEMO = ROOT / "data" / "demo"


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)
    # These tests read the English messages; the Chinese default is tested in test_indicators.py.
    monkeypatch.setenv("CREDITLAB_LANG", "en")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    data.write_template("shaanxi-2020", ["610102", "KF610101"], 2024, path)
    return path


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
    row = row_of(ws, "A2.3a")
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
    binary = _validation_for(ws, f"K{row_of(ws, 'A1.1a')}")
    assert binary.type == "list" and binary.formula1 == '"是,否"'
    rate = _validation_for(ws, f"K{row_of(ws, 'A2.3a')}")
    assert (rate.type, rate.formula1, rate.formula2) == ("decimal", "0", "100")
    count = _validation_for(ws, f"K{row_of(ws, 'A3.1a')}")
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    disc = _validation_for(ws, f"K{row_of(ws, 'A2.2c')}")
    assert (disc.type, disc.formula1, disc.formula2) == ("decimal", "0", "2")
    graded = _validation_for(ws, f"K{row_of(ws, 'C1.1a')}")
    assert (graded.type, graded.formula2) == ("decimal", "5")
    # In a development zone the department count becomes the assessor's points (开发区酌情计分).
    zone = wb["KF610101"]
    park = _validation_for(zone, f"K{row_of(zone, 'A3.1a')}")
    assert (park.type, park.formula1, park.formula2) == ("decimal", "0", "3")
    assert "开发区" in zone[f"G{row_of(zone, 'A3.1a')}"].value


def test_template_mandatory_rows_highlighted(template):
    ws = openpyxl.load_workbook(template)["610102"]
    rub = load_rubric("shaanxi-2020")
    for cid, mandatory in zip(rub.criteria["id"], rub.criteria["mandatory"], strict=True):
        row = row_of(ws, cid)
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
        ws[f"K{row_of(ws, cid)}"] = value
    ws[f"L{row_of(ws, 'A1.1a')}"] = "领导小组文件 2024-3号"
    zone = wb["KF610101"]
    zone[f"K{row_of(zone, 'A3.1a')}"] = 2.5
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
    r1, r2 = row_of(ws, "A1.1a"), row_of(ws, "A2.3a")
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
    ws[f"L{row_of(ws, 'A1.1a')}"] = "=1+1"
    ws[f"L{row_of(ws, 'A1.2a')}"] = "+86 29 1234"
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


def test_cli_template_unknown_region(tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert cli.main(["template", "--year", "2024", "--region", "619999", "--out", str(out)]) == 2
    assert "619999" in capsys.readouterr().err and not out.exists()


# --- issue 13: each rubric's template on its own jurisdiction ------------------------------------------

def test_henan_template_round_trip_on_henans_counties(tmp_path):
    out = tmp_path / "zhengzhou.xlsx"
    assert cli.main(["template", "--rubric", "henan-2021", "--year", "2022", "--city", "郑州市",
                     "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    codes = [s for s in wb.sheetnames if s.isdigit()]
    assert len(codes) == 12 and all(c.startswith("4101") for c in codes)
    ws = wb["410102"]
    ws[f"K{row_of(ws, 'H-01a')}"] = 88
    ws[f"K{row_of(ws, 'H-02a')}"] = 61.5
    wb.save(tmp_path / "filled.xlsx")
    with pytest.warns(data.DataWarning):  # the 11 sheets left empty are said to be 未填报
        out = data.read_workbook(tmp_path / "filled.xlsx")
    got = out.set_index(["region", "criterion"])["value"]
    assert got[("410102", "H-01a")] == 88 and got[("410102", "H-02a")] == 61.5
    assert set(out["region"]) == {"410102"} and "410103" in out.attrs["not_reported"]  # never scored as zero


def test_template_default_and_province_follow_the_rubrics_jurisdiction(tmp_path, capsys):
    linyi = tmp_path / "linyi.xlsx"  # no selection: 临沂市's 3 districts and 9 counties
    assert cli.main(["template", "--rubric", "linyi-2019", "--year", "2024", "--out", str(linyi)]) == 0
    sheets = [s for s in openpyxl.load_workbook(linyi, read_only=True).sheetnames if s.isdigit()]
    assert len(sheets) == 12 and all(s.startswith("3713") for s in sheets)
    henan = tmp_path / "henan.xlsx"
    assert cli.main(["template", "--rubric", "henan-2021", "--year", "2022", "--province", "河南",
                     "--out", str(henan)]) == 0
    assert len([s for s in openpyxl.load_workbook(henan, read_only=True).sheetnames if s.isdigit()]) == 157
    bad = tmp_path / "bad.xlsx"
    assert cli.main(["template", "--rubric", "henan-2021", "--year", "2022", "--province", "陕西",
                     "--out", str(bad)]) == 2
    assert "outside the jurisdiction of rubric henan-2021" in capsys.readouterr().err
    assert cli.main(["template", "--rubric", "linyi-2019", "--year", "2024", "--region", "610303",
                     "--out", str(bad)]) == 2
    assert "宝鸡市金台区 (610303): outside the jurisdiction of rubric linyi-2019, Linyi (371300)" \
        in capsys.readouterr().err
    assert not bad.exists()
