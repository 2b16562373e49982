"""Tests for creditlab.data, the loaders' public face: the long format, ingest, completeness, the demo data.
Validation, templates, context and zones have their own files (test_validate.py, test_template.py, …)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from creditlab import cli, data
from helpers import ROOT, one, problems_of, row_of, write_csv

DEMO = ROOT / "data" / "demo"


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)
    # These tests read the English messages; the Chinese default is tested in test_indicators.py.
    monkeypatch.setenv("CREDITLAB_LANG", "en")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the long format through the public face (validation: test_validate.py) ----------------------


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


# --- ingest ------------------------------------------------------------------------------------


def _filled_template(folder: Path, code: str, name: str) -> Path:
    path = folder / name
    data.write_template("shaanxi-2020", [code], 2024, path)
    wb = openpyxl.load_workbook(path)
    ws = wb[code]
    ws[f"K{row_of(ws, 'A1.1a')}"] = "是"
    ws[f"K{row_of(ws, 'A2.3a')}"] = 70
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
    assert "files: 1 (1 read completely, 0 in part, 0 left out); rows: 1 (1 with a value, 0 left blank" \
        in capsys.readouterr().out
    write_csv(folder, "bad.csv", "610102,2024,A1.1a,1,", "610103,2024,A9,1,")
    assert cli.main(["ingest", str(folder), "--out", str(out), "--lang", "en"]) == 1
    printed = capsys.readouterr()
    assert "REJECTED bad.csv" in printed.out and "unknown criterion 'A9'" in printed.err  # each problem once
    assert "unknown criterion" not in printed.out


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


# --- demo data -------------------------------------------------------------------------------------


def test_demo_files_load_without_problems():
    shaanxi = data.load_data(DEMO / "shaanxi-2020_indicators.csv")  # rubric inferred
    units = data.assessment_units()
    assert set(shaanxi["region"]) == set(units["code"])
    assert sorted(shaanxi["year"].unique()) == [2020, 2021, 2022, 2023, 2024]
    assert len(shaanxi) == len(units) * 5 * 48
    assert 0 < shaanxi["value"].isna().sum() < 20  # a few criteria not assessed, kept explicit
    linyi = data.load_data(DEMO / "linyi-2019_indicators.csv", "linyi-2019")  # on 临沂市's 12 units
    assert set(linyi["region"]) == set(data.counties("山东").query("city_code == '371300'")["code"])
    assert len(linyi["region"].unique()) == 12
    henan = data.load_data(DEMO / "henan-2021_indicators.csv", "henan-2021")  # on Henan's 157
    assert set(henan["region"]) == set(data.counties("河南")["code"]) and len(set(henan["region"])) == 157
    assert sorted(henan["year"].unique()) == [2021, 2022, 2023]
    hctx = data.load_context(DEMO / "henan-2021_context.csv")
    assert len(hctx) == 157 * 3
    meta = (DEMO / "metadata.yaml").read_text(encoding="utf-8")
    for name in ("linyi-2019_indicators.csv", "henan-2021_indicators.csv", "henan-2021_context.csv"):
        assert f"  - {name}" in meta  # listed among the synthetic files
    context = data.load_context([DEMO / "context.csv", DEMO / "national_npl.csv"])
    assert len(context) == len(units) * 5 and context["national_npl_ratio"].notna().all()
    assert "synthetic: true" in (DEMO / "metadata.yaml").read_text(encoding="utf-8")


# --- other rubrics, corrupt files, CLI errors --------------------------------------------------


def test_metric_and_assessed_rules(tmp_path):
    linyi = write_csv(tmp_path, "linyi.csv", "371302,2024,L1.5-6,是,", "371302,2024,L2.3-2,2,",
                      "371302,2024,L2.2-1,101,", "371302,2024,L1.1-1,-3,", "371302,2024,L6.1-2,2.5,")
    problems = problems_of(data.load_data, linyi, "linyi-2019")
    assert "row 3" in one(problems, "L2.3-2", "not 0/1")  # yes_no metric
    assert "row 4" in one(problems, "L2.2-1", "above 100")  # percent metric
    assert len(problems) == 2  # count and days metrics: any finite number
    henan = write_csv(tmp_path, "henan.csv", "410102,2022,H-01a,88,", "410102,2022,H-02a,100.5,",
                      "410102,2024,H-03a,50,")
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




def test_data_outside_the_rubrics_jurisdiction_is_refused_by_name(tmp_path):
    # 宝鸡市金台区 is a real county, but not one of 临沂市's: the Linyi rubric does not assess it.
    path = write_csv(tmp_path, "mixed.csv", "371302,2024,L1.5-6,1,", "610303,2024,L1.5-6,1,")
    problems = problems_of(data.load_data, path, "linyi-2019")
    assert "row 3" in one(problems, "宝鸡市金台区 (610303)", "outside the jurisdiction of rubric linyi-2019",
                          "Linyi (371300)")
    zh = problems_of(data.load_data, path, "linyi-2019", lang="zh")
    assert any("宝鸡市金台区（610303）不在评估标准 linyi-2019 的适用范围临沂市（371300）内" in p for p in zh)
    # Given the accepted regions explicitly, the caller decides (a national benchmark, say).
    assert len(data.load_data(path, "linyi-2019", regions=["371302", "610303"])) == 2
