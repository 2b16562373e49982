import subprocess
import sys

import nbformat

from creditlab.core.paths import PROJECT_ROOT
from creditlab.nbstrip import has_outputs, main, strip


def _dirty(path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1")
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    cell.execution_count = 1
    nb.cells.append(cell)
    nb.metadata["papermill"] = {"duration": 1.0}
    nbformat.write(nb, path)


def test_strip_and_check(tmp_path):
    path = tmp_path / "a.ipynb"
    _dirty(path)
    assert has_outputs(nbformat.read(path, as_version=4))
    assert main([str(path), "--check"]) == 1
    assert main([str(path)]) == 0
    nb = nbformat.read(path, as_version=4)
    assert not has_outputs(nb) and "papermill" not in nb.metadata
    assert main([str(path), "--check"]) == 0
    assert not has_outputs(strip(nb))


def test_runs_as_a_module(tmp_path):
    path = tmp_path / "b.ipynb"
    _dirty(path)
    out = subprocess.run([sys.executable, "-m", "creditlab.nbstrip", "--check", str(path)], capture_output=True,
                         text=True, cwd=PROJECT_ROOT, env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": ""})
    assert out.returncode == 1 and "has outputs" in out.stdout
