"""Import cost (issue 16): no creditlab process compiles grammars or imports what it does not use.

Each check imports modules in a fresh interpreter and looks at ``sys.modules``. Optional heavy packages (dask,
distributed, voila, openpyxl, SALib, scipy) are imported inside the functions that need them, never when a
module loads; the layers below the views (core, loaders, analysis) load no plotting or notebook machinery.
``rfc3987_syntax`` (which compiles 38 lark grammars: 1-6 s in every process that imports nbformat) stays out
because jsonschema is pinned below 4.25 in pyproject.toml; this test fails if that pin or the laziness goes.
The time itself is measured by bench/imports.py (no timed assertion here).
"""
from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys

import creditlab
from helpers import ROOT

NEVER_AT_IMPORT = ("lark", "rfc3987_syntax", "dask", "distributed", "voila", "openpyxl", "SALib", "scipy")
NOT_BELOW_VIEWS = ("plotly", "ipywidgets", "nbformat", "jsonschema", "IPython", "papermill", "nbconvert",
                   "jupyter_client")
MODULES = ["creditlab", *sorted(m.name for m in pkgutil.walk_packages(creditlab.__path__, "creditlab."))]


def loaded_after_importing(modules: list[str]) -> set[str]:
    """The top-level packages in ``sys.modules`` of a fresh interpreter after importing ``modules``."""
    code = ("import importlib, json, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
            + "print(json.dumps(sorted({k.partition('.')[0] for k in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout))


def test_every_module_imports_without_grammars_or_optional_heavy_packages():
    assert len(MODULES) > 40
    loaded = loaded_after_importing(MODULES)
    assert "pandas" in loaded and "plotly" in loaded  # the check sees real imports
    assert not loaded & set(NEVER_AT_IMPORT), sorted(loaded & set(NEVER_AT_IMPORT))


def test_core_loaders_and_analysis_load_no_plotting_or_notebook_machinery():
    below = [m for m in MODULES if m.split(".")[1:2] and m.split(".")[1] in ("core", "loaders", "analysis")]
    assert "creditlab.analysis.sensitivity" in below and "creditlab.loaders.data" in below
    loaded = loaded_after_importing(below)
    bad = loaded & set(NEVER_AT_IMPORT + NOT_BELOW_VIEWS)
    assert not bad, sorted(bad)
