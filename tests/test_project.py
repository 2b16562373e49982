"""Project promises: dependencies in step, notebooks committed clean, CI runs make test, kernel registered."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

from creditlab import nbstrip
from helpers import ROOT


def _names(specs):
    return {re.split(r"[<>=!~ \[]", s, maxsplit=1)[0].strip().lower().replace("_", "-") for s in specs}


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    py = _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = _names(d for d in env["dependencies"] if isinstance(d, str)) - {"python", "pip"}
    assert py == conda


def test_dependencies_have_lower_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert all(">=" in d for d in project["dependencies"]), project["dependencies"]
    assert project["requires-python"] == ">=3.11"


def tracked_notebooks() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    return [ROOT / p for p in out.stdout.split()]


def test_committed_notebooks_have_no_outputs():
    nbs = tracked_notebooks()
    assert nbs, "no notebooks tracked"
    dirty = [str(p) for p in nbs if nbstrip.has_outputs(nbformat.read(p, as_version=4))]
    assert not dirty, f"strip outputs with `make strip`: {dirty}"


def test_notebooks_use_project_kernel():
    for p in tracked_notebooks():
        nb = json.loads(p.read_text(encoding="utf-8"))
        assert nb["metadata"]["kernelspec"]["name"] == "creditlab", p


def test_parameterised_notebooks_have_parameters_cell():
    for p in (ROOT / "parameterised").glob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), p


def test_ci_runs_make_test():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = [line for line in readme.splitlines() if line.startswith("make ")][:2]
    assert first == ["make demo", "make test"]


def test_reports_folder_is_ignored():
    ignore = (ROOT / ".gitignore").read_text(encoding="utf-8")
    assert "reports/*" in ignore and "!reports/README.md" in ignore


def test_kernel_is_registered_in_the_venv():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("creditlab")
    exe = Path(spec.argv[0])
    # the kernel runs this environment's python, not a machine-wide one
    assert exe.resolve() == Path(sys.executable).resolve() or str(exe).startswith(sys.prefix)


def test_strip_removes_outputs(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)]
    cell.execution_count = 1
    nb.cells = [cell]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert nbstrip.main([str(path), "--check"]) == 1
    assert nbstrip.main([str(path)]) == 0
    assert not nbstrip.has_outputs(nbformat.read(path, as_version=4))
    assert nbstrip.main([str(path), "--check"]) == 0


def test_ruff_clean():
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff not installed in this environment")
    out = subprocess.run([str(ruff), "check", "creditlab", "tests", "bench", "data", "parameterised", "notebooks"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]


def test_importing_creditlab_compiles_no_grammar():
    """jsonschema >= 4.25 imports rfc3987-syntax (38 lark grammars, seconds per process) when it is
    installed; pyproject keeps jsonschema below 4.25, and nothing creditlab imports may bring lark back."""
    code = ("import importlib, pkgutil, sys, creditlab, plotly.io, nbformat, papermill\n"
            "for m in pkgutil.iter_modules(creditlab.__path__):\n"
            "    importlib.import_module('creditlab.' + m.name)\n"
            "print(sorted(n for n in sys.modules if n.split('.')[0] in ('lark', 'rfc3987_syntax')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_parameter_comments_papermill_can_parse():
    """papermill gives up on a parameter line with '=' in its comment (and drops the parameter)."""
    bad = []
    for path in tracked_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                bad += [f"{path.name}: {line}" for line in "".join(cell["source"]).splitlines()
                        if "#" in line and "=" in line.split("#", 1)[1]]
    assert not bad, bad
