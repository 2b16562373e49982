"""The command line."""
from __future__ import annotations

import subprocess
import sys

from creditlab.cli import main


def test_rubrics_lists_everything(capsys):
    assert main(["rubrics"]) == 0
    out = capsys.readouterr().out
    assert "shaanxi-2020" in out and "陕西省信用建设示范县" in out and "10 必备条件" in out
    assert "linyi-2019" in out and "henan-2021" in out and "shaanxi-14th-fyp" in out
    titles = ("河南省", "临沂市", "陕西省信用", "陕西省“十四五”")
    starts = {line.index(title) for line, title in zip(out.splitlines(), titles, strict=True)}
    assert len(starts) == 1  # the titles form one column, whatever the longest name


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "creditlab.cli", "rubrics"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "shaanxi-2020" in out.stdout


def test_submodules_reachable_from_package():
    import creditlab

    assert callable(creditlab.sensitivity.monte_carlo)
    assert callable(creditlab.data.write_template)
    assert "sensitivity" in dir(creditlab)


def test_template_takes_a_county_by_name_and_refuses_an_unknown_one(tmp_path):
    import openpyxl

    out = tmp_path / "t.xlsx"
    assert main(["template", "--year", "2024", "--region", "淳化", "--region", "宝鸡市金台区", "--out", str(out)]) == 0
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert "610430" in names and "610303" in names
    res = subprocess.run([sys.executable, "-m", "creditlab.cli", "template", "--year", "2024", "--city", "火星",
                          "--out", str(tmp_path / "x.xlsx")], capture_output=True, text=True)
    assert res.returncode == 2 and "找不到城市 '火星'" in res.stderr and "Traceback" not in res.stderr
