"""Bench: each analysis command (and a county-report batch) per document, each output form's size and the
charts a real browser draws in it, against the do-it-yourself way measured in the same run.

* ours: ``creditlab <command> --quiet [--standalone | --pdf]`` (a new process each time, as a user runs it);
* baseline: the same notebook with the same parameters through ``papermill`` and then
  ``jupyter nbconvert --to html`` (what a user without the command would type; the export it gives
  draws its charts thanks to the plotly.js the first chart carries).

Repeats are interleaved (ours, baseline, ours, baseline, ...); min and median are printed, and the ratio of
the medians. For each form: the bytes written (folder: the page, and the shared plotly.min.js once per
folder) and the charts drawn in headless chromium (``.main-svg`` inside each ``.plotly-graph-div``) against
the chart divs. The county batch: ``creditlab reports --city`` per county and per batch, and its standalone
and PDF exports.

    .venv/bin/python bench/commands.py [--repeats 2] [--skip-pdf]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# command, its options, notebook, the same parameters for papermill (-p / -r)
CASES = [
    ("progress", [], "plan_progress.ipynb", []),
    ("rankings", [], "city_rankings.ipynb", []),
    ("sensitivity", ["--city", "宝鸡", "--draws", "200", "--sobol-n", "256"], "weight_sensitivity.ipynb",
     ["-r", "scope", "610300", "-p", "n_draws", "200", "-p", "sobol_n", "256"]),
    ("summary", ["--city", "宝鸡"], "summary.ipynb", ["-r", "city", "610300"]),
    ("compare", [], "compare.ipynb", []),
]


def run(cmd: list[str], cwd: Path = ROOT) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stderr[-3000:]}")
    return time.perf_counter() - t0


def ours(command: str, options: list[str], out: Path, form: str = "") -> float:
    extra = [f"--{form}"] if form else []
    return run([str(BIN / "creditlab"), command, *options, "--quiet", "--out", str(out), *extra])


def baseline(notebook: str, params: list[str], out: Path) -> float:
    executed = out / notebook
    t0 = time.perf_counter()
    run([str(BIN / "papermill"), "-k", "creditlab", str(ROOT / "parameterised" / notebook), str(executed), *params,
         "--no-progress-bar", "--log-level", "ERROR"], cwd=ROOT / "parameterised")
    run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--log-level", "ERROR", str(executed)])
    return time.perf_counter() - t0


BAD = [  # a bad parameter: refused by the command before any kernel, by papermill only in the notebook's check cell
    ("progress", ["--method", "x"], "plan_progress.ipynb", ["-p", "method", "x"]),
    ("rankings", ["--period", "2030Q1"], "city_rankings.ipynb", ["-p", "period", "2030Q1"]),
    ("sensitivity", ["--scheme", "x"], "weight_sensitivity.ipynb", ["-p", "scheme", "x"]),
    ("summary", ["--year", "1800"], "summary.ipynb", ["-p", "year", "1800"]),
    ("compare", ["--scenario-b", "nope"], "compare.ipynb", ["-p", "scenario_b", "nope"]),
]


def refused(cmd: list[str], cwd: Path = ROOT) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    if res.returncode == 0:
        sys.exit(f"not refused: {' '.join(cmd)}")
    return time.perf_counter() - t0


def bad_parameters(repeats: int, tmp: Path) -> None:
    for command, options, notebook, params in BAD:
        mine, base = [], []
        for _ in range(repeats):
            mine.append(refused([str(BIN / "creditlab"), command, *options, "--out", str(tmp / "bad")]))
            base.append(refused([str(BIN / "papermill"), "-k", "creditlab", str(ROOT / "parameterised" / notebook),
                                 str(tmp / "bad.ipynb"), *params, "--no-progress-bar", "--log-level", "ERROR"],
                                cwd=ROOT / "parameterised"))
        print(f"== bad parameter, creditlab {command} {' '.join(options)}: refused in {stats(mine)}; "
              f"papermill fails in the notebook in {stats(base)}; ratio "
              f"{statistics.median(mine) / statistics.median(base):.2f}")


def charts(page: Path) -> str:
    from helpers import chromium_dom, drawn_charts

    if not shutil.which("chromium"):
        return "chromium not installed"
    with tempfile.TemporaryDirectory() as profile:
        n, drawn = drawn_charts(chromium_dom(page, Path(profile)))
    return f"{drawn}/{n} charts drawn"


def pages_of(pdf: Path) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def stats(xs: list[float]) -> str:
    return f"min {min(xs):.2f} s, median {statistics.median(xs):.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--skip-pdf", action="store_true")
    ap.add_argument("--city", default="铜川", help="the city of the county-report batch")
    ap.add_argument("--only-bad", action="store_true", help="only the bad-parameter timings")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as tmp:
        tmp = Path(tmp)
        bad_parameters(args.repeats, tmp)
        if args.only_bad:
            return
        for command, options, notebook, params in CASES:
            mine, base = [], []
            for i in range(args.repeats):  # interleaved: the same load on both
                mine.append(ours(command, options, tmp / f"{command}-{i}"))
                base.append(baseline(notebook, params, tmp / f"{command}-{i}"))
            page = next(p for p in (tmp / f"{command}-0").glob("*.html") if p.name != Path(notebook).stem + ".html")
            nbc = tmp / f"{command}-0" / (Path(notebook).stem + ".html")
            print(f"== creditlab {command} {' '.join(options)}")
            print(f"  per document: ours {stats(mine)}; papermill + nbconvert {stats(base)}; "
                  f"ratio {statistics.median(mine) / statistics.median(base):.2f}")
            plotly_js = (tmp / f"{command}-0" / "plotly.min.js").stat().st_size
            print(f"  folder:     {kb(page.stat().st_size)} page + {kb(plotly_js)} plotly.min.js shared per folder; "
                  f"{charts(page)}")
            t = ours(command, options, tmp / f"{command}-sa", "standalone")
            alone = tmp / f"{command}-mailed"
            alone.mkdir()
            sa = next((tmp / f"{command}-sa").glob("*.html"))
            shutil.copy(sa, alone)
            print(f"  standalone: {kb(sa.stat().st_size)} in {t:.2f} s; copied alone: {charts(alone / sa.name)}")
            print(f"  nbconvert:  {kb(nbc.stat().st_size)}; {charts(nbc)}")
            if not args.skip_pdf:
                t = ours(command, options, tmp / f"{command}-pdf", "pdf")
                pdf = next((tmp / f"{command}-pdf").glob("*.pdf"))
                print(f"  pdf:        {kb(pdf.stat().st_size)}, {pages_of(pdf)} A4 pages in {t:.2f} s")

        # A county-report batch (one city), then its other forms.
        out = tmp / "reports"
        t = run([str(BIN / "creditlab"), "reports", "--year", "2024", "--city", args.city, "--out", str(out),
                 "--force"])
        from creditlab.core.paths import report_folder
        from creditlab.core.problems import default_lang

        lang = default_lang()  # the command's, which inherits this environment
        year_dir = report_folder(out, "shaanxi-2020", 2024, lang)  # <out>/<rubric>/<year>/<lang>/
        pages = sorted(p for p in year_dir.glob("6*.html") if not p.name.endswith(".standalone.html"))
        if not pages:
            sys.exit(f"creditlab reports --city {args.city} wrote no county page in {year_dir}")
        print(f"== creditlab reports --city {args.city}: {len(pages)} counties in {t:.2f} s "
              f"({t / max(1, len(pages)):.2f} s per county, process start and scoring included)")
        sizes = [p.stat().st_size for p in pages]
        print(f"  folder:     median {kb(int(statistics.median(sizes)))} per report + "
              f"{kb((year_dir / 'plotly.min.js').stat().st_size)} plotly.min.js shared; {charts(pages[0])}")
        from creditlab.runs.export import export_reports

        t0 = time.perf_counter()
        sa = export_reports(year_dir, [p.stem for p in pages], "standalone", lang)
        t = time.perf_counter() - t0
        alone = tmp / "report-mailed"
        alone.mkdir()
        shutil.copy(sa[0], alone)
        print(f"  standalone: median {kb(int(statistics.median(p.stat().st_size for p in sa)))} per report, "
              f"{t / len(sa):.2f} s each; copied alone: {charts(alone / sa[0].name)}")
        if not args.skip_pdf:
            t0 = time.perf_counter()
            pdfs = export_reports(year_dir, [p.stem for p in pages[:2]], "pdf", lang)
            t = time.perf_counter() - t0
            print(f"  pdf:        median {kb(int(statistics.median(p.stat().st_size for p in pdfs)))}, "
                  f"{pages_of(pdfs[0])} A4 pages, {t / len(pdfs):.2f} s each")


if __name__ == "__main__":
    main()
