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


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "creditlab.cli", "rubrics"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "shaanxi-2020" in out.stdout


def test_submodules_reachable_from_package():
    import creditlab

    assert callable(creditlab.sensitivity.monte_carlo)
    assert callable(creditlab.data.write_template)
    assert "sensitivity" in dir(creditlab)
