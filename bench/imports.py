"""Bench: the import cost of creditlab's modules, each in a fresh interpreter, against ``python -c pass``.

Every figure is a fresh process (``python -c "import X"``), run interleaved with the baseline (``pass``) and
with ``import pandas`` (what any creditlab process needs at least), ``--repeat`` times; min and median wall
time, and the cost above the bare interpreter. ``every module`` imports all of creditlab's modules in one
process (the aim: under 2 s). The heavy packages each import pulls in are listed: none of dask, distributed,
voila, openpyxl, SALib, scipy, lark, rfc3987_syntax may appear (they are imported inside the functions that use
them; tests/test_imports.py holds that line).

    .venv/bin/python bench/imports.py [--repeat 5] [--all]
"""
from __future__ import annotations

import argparse
import os
import pkgutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEAVY = ("lark", "rfc3987_syntax", "dask", "distributed", "voila", "openpyxl", "SALib", "scipy",
         "plotly", "nbformat", "jsonschema", "ipywidgets", "papermill", "nbconvert", "IPython")
KEY_MODULES = ("creditlab", "creditlab.core.problems", "creditlab.loaders.data", "creditlab.analysis.model",
               "creditlab.analysis.sensitivity", "creditlab.views.figures", "creditlab.views.report",
               "creditlab.views.scenario_explorer", "creditlab.runs.batch", "creditlab.cli")


def every_module() -> list[str]:
    """Every module of the creditlab package (found on disk, nothing imported)."""
    sys.path.insert(0, str(ROOT))
    import creditlab

    return ["creditlab", *sorted(m.name for m in pkgutil.walk_packages(creditlab.__path__, "creditlab."))]


def import_code(modules: list[str]) -> str:
    return ("import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
            + f"print(','.join(k for k in {HEAVY!r} if k in sys.modules))")


def run(code: str) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return time.perf_counter() - t0, out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--all", action="store_true", help="time every module, not only the key ones")
    args = ap.parse_args()
    modules = every_module()
    cases: dict[str, str] = {"python -c pass": "pass", "import pandas": "import pandas"}
    for m in (modules if args.all else KEY_MODULES):
        cases[m] = import_code([m])
    cases[f"every module ({len(modules)})"] = import_code(modules)
    times: dict[str, list[float]] = {k: [] for k in cases}
    heavy: dict[str, str] = {}
    for _ in range(args.repeat):  # interleaved: each round runs every case once
        for name, code in cases.items():
            t, out = run(code)
            times[name].append(t)
            heavy[name] = out
    base = min(times["python -c pass"])
    print(f"{'import':40s} {'min s':>7s} {'median s':>9s} {'above pass':>11s} {'× pass':>7s}  heavy packages loaded")
    for name, ts in times.items():
        lo = min(ts)
        print(f"{name:40s} {lo:7.3f} {statistics.median(ts):9.3f} {lo - base:11.3f} {lo / base:7.1f}  "
              f"{heavy.get(name, '')}")
    every = min(times[f"every module ({len(modules)})"])
    print(f"every creditlab module in one process: {every:.2f} s (min of {args.repeat}; aim under 2 s), "
          f"{every - min(times['import pandas']):.2f} s above importing pandas alone")


if __name__ == "__main__":
    main()
