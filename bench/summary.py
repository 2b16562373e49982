"""Bench: the province summary report (``parameterised/summary.ipynb``), against baselines doing the same work.

* in-process: building the whole summary (evaluation, every table and chart, the Excel workbook) against the
  evaluation alone (:func:`creditlab.report.evaluate`, which every summary and county report needs): the ratio
  is what the summary adds on top of scoring and certifying;
* papermill: the summary notebook against a notebook that only starts the kernel and imports
  ``creditlab.views.summary`` (what any run pays before it computes anything).

Repeats are interleaved; min and median are printed, with the sizes of the outputs.

    .venv/bin/python bench/summary.py [--year 2024] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def summary_in_process(year: int, out: Path) -> tuple[float, int, int]:
    from creditlab.views import summary as sm

    t0 = time.perf_counter()
    rep = sm.SummaryReport.from_params(sm.check_summary_params(year=year, output=str(out)))
    html = "".join([rep.header_html(), rep.by_city_html(), rep.changes_html(), rep.near_pass_html(),
                    rep.distribution_html(), rep.units_html(), rep.provenance_html(),
                    rep.by_city_chart().to_json(), rep.distribution_chart().to_json()])
    path = rep.write_excel()
    return time.perf_counter() - t0, len(html.encode()), path.stat().st_size


def evaluation_only() -> float:
    from creditlab import report

    t0 = time.perf_counter()
    report.evaluate(report.resolve_inputs("shaanxi-2020"))
    return time.perf_counter() - t0


def papermill(nb: Path, out: Path, params: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "papermill"), "-k", "creditlab", str(nb), str(out), "--no-progress-bar",
                    "--log-level", "ERROR", *params], check=True, cwd=ROOT)
    return time.perf_counter() - t0


def show(label: str, ours: list[float], base: list[float]) -> None:
    print(f"{label}: summary min {min(ours):.2f} s / median {statistics.median(ours):.2f} s; baseline min "
          f"{min(base):.2f} s / median {statistics.median(base):.2f} s; ratio (min) {min(ours) / min(base):.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-summary-") as tmp:
        tmp = Path(tmp)
        ours, base = [], []
        for _ in range(args.repeats):  # interleaved
            base.append(evaluation_only())
            seconds, html_bytes, xlsx_bytes = summary_in_process(args.year, tmp)
            ours.append(seconds)
        show("in-process (evaluate + every section + workbook vs evaluate)", ours, base)
        print(f"sections' HTML {html_bytes / 1024:.0f} KB (charts as JSON, without plotly.js); workbook "
              f"{xlsx_bytes / 1024:.0f} KB")
        empty = tmp / "imports.ipynb"
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("from creditlab.views import summary")])
        nb.metadata["kernelspec"] = {"name": "creditlab", "display_name": "Python (creditlab)", "language": "python"}
        nbformat.write(nb, empty)
        ours, base = [], []
        for i in range(args.repeats):
            base.append(papermill(empty, tmp / f"e{i}.ipynb", []))
            ours.append(papermill(ROOT / "parameterised" / "summary.ipynb", tmp / f"s{i}.ipynb",
                                  ["-p", "year", str(args.year), "-p", "output", str(tmp)]))
        show("papermill (summary.ipynb vs kernel start + import)", ours, base)
        size = (tmp / f"s{args.repeats - 1}.ipynb").stat().st_size
        print(f"executed notebook {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
