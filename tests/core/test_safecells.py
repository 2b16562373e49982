"""Every CSV and XLSX creditlab writes keeps text as text: no formula reaches Excel or WPS."""
from __future__ import annotations

import dataclasses
import zipfile

import openpyxl
import pandas as pd

from creditlab import plan as cplan
from creditlab import safecells

EVIL = '=HYPERLINK("http://evil.example","点击")'


def test_risky_text_prefixed_numbers_left_alone():
    frame = pd.DataFrame({"n": [-3.5, 2.0], "t": ["-3.5", "-x"], "c": pd.Categorical(["=a", "b"]),
                          "w": ["\tx", "\r=1"], "o": [None, "@a"]})
    out = safecells.neutralise_frame(frame)
    assert out["n"].tolist() == [-3.5, 2.0] and out["t"].tolist() == ["-3.5", "'-x"]
    assert out["w"].tolist() == ["'\tx", "'\r=1"] and out["c"].tolist() == ["'=a", "b"]
    assert pd.isna(out["o"][0]) and out["o"][1] == "'@a"
    assert frame["t"].tolist() == ["-3.5", "-x"]  # the caller's frame is not changed


def test_csv_and_xlsx_round_trip(tmp_path):
    frame = pd.DataFrame({"text": [EVIL, "+1 555", "plain"], "value": [-1.5, 2.0, None]})
    csv = safecells.write_table(frame, tmp_path / "t.csv", bom=True)
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert back["text"].tolist() == ["'" + EVIL, "'+1 555", "plain"] and back["value"].tolist() == ["-1.5", "2", ""]
    xlsx = safecells.write_table(frame, tmp_path / "t.xlsx", sheet="s")
    ws = openpyxl.load_workbook(xlsx)["s"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells) and ws["A2"].value == EVIL and ws["A2"].quotePrefix
    assert ws["B2"].value == -1.5 and ws["B4"].value is None


def test_plan_template_is_formula_safe(tmp_path):
    plan = cplan.load_plan("shaanxi-14th-fyp")
    targets = plan.targets.copy()
    targets.loc[targets.index[0], "name_zh"] = EVIL
    hostile = dataclasses.replace(plan, targets=targets)
    csv = cplan.write_template(hostile, tmp_path / "plan.csv")
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert "'" + EVIL in set(frame["name_zh"]) and EVIL not in set(frame["name_zh"])
    xlsx = cplan.write_template(hostile, tmp_path / "plan.xlsx")
    with zipfile.ZipFile(xlsx) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    ws = openpyxl.load_workbook(xlsx)["observations"]
    assert EVIL in [c.value for c in ws["G"]] or EVIL in [c.value for row in ws.iter_rows() for c in row]
