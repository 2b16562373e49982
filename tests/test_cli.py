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


def test_names_on_the_command_line_never_resolve_to_another_place(tmp_path, capsys):
    """template: the region and the province outside the jurisdiction, both at once; reports: a county name
    given as --city is refused (exit 2, nothing started or written)."""
    out = tmp_path / "x.xlsx"
    assert main(["template", "--year", "2024", "--province", "江苏", "--region", "鼓楼", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "发现 2 个问题" in err and "省份 '江苏' 不在评估标准 shaanxi-2020 的适用范围陕西省（610000）内" in err
    assert "'鼓楼' 不在评估标准 shaanxi-2020 的适用范围陕西省（610000）内" in err and "南京市鼓楼区（320106）" in err
    assert not out.exists()
    for command in (["reports", "--jobs", "0"], ["summary"]):
        assert main([*command, "--year", "2024", "--city", "宝鸡县", "--out", str(tmp_path / "r")]) == 2
        err = capsys.readouterr().err
        assert "'宝鸡县' 不是城市" in err and "610300" in err and "Traceback" not in err
    assert main(["reports", "--year", "2024", "--region", "高新区", "--jobs", "0", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "'高新区' 不唯一" in err and "高县" not in err
    assert not (tmp_path / "r").exists()


def test_lang_en_puts_every_message_of_the_run_in_english(capsys, monkeypatch):
    """A loader's own message (an unknown province) follows --lang too, and the setting ends with the run."""
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    assert main(["reports", "--year", "2024", "--province", "火星", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "unknown province '火星'" in err and "未知" not in err
    import os

    assert "CREDITLAB_LANG" not in os.environ
