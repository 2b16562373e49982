"""Bench: regenerate every Shaanxi county report of a year, ``creditlab reports --jobs 2`` against
the naive way, in the same run.

* ours: :func:`creditlab.batch.run_reports` (``--force``) into a temporary folder: the year is
  scored once, two worker processes keep a warm kernel each, HTML is exported in-process;
* naive: a shell loop that runs ``papermill`` and then ``jupyter nbconvert --to html`` per county
  (a new Python process, kernel start, imports and scoring every time), timed on a sample of
  ``--sample`` counties and scaled to all of them.

Prints both, the ratio, the seconds per county and the mean HTML size per report, and checks that
our reports load nothing from the network (their charts draw with the shared local plotly.min.js).

    .venv/bin/python bench/reports.py [--year 2024] [--jobs 2] [--sample 6]
"""
from __future__ import annotations

import argparse
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NETWORK = re.compile(r"<(script|link)[^>]*\b(src|href)\s*=\s*[\"']?\s*(https?:)?//|cdn", re.I)


def ours(year: int, jobs: int, out: Path) -> tuple[float, list[Path]]:
    from creditlab.batch import run_reports

    t0 = time.perf_counter()
    summary = run_reports(year, jobs=jobs, out=out, force=True, progress=False)
    seconds = time.perf_counter() - t0
    if not summary.ok:
        sys.exit(summary.text())
    year_dir = summary.year_dir  # <out>/<rubric>/<year>/<lang>/
    return seconds, [year_dir / f"{code}.html" for code in summary.generated]


def naive(year: int, codes: list[str], out: Path) -> tuple[float, list[Path]]:
    """The obvious shell loop, exactly as one would type it."""
    nb = ROOT / "parameterised" / "county_evaluation.ipynb"
    lines = ["set -e"]
    for code in codes:
        run = out / f"{code}.ipynb"
        lines.append(f"{shlex.quote(str(BIN / 'papermill'))} -k creditlab {shlex.quote(str(nb))} "
                     f"{shlex.quote(str(run))} -r region {code} -p year {year} -p output {shlex.quote(str(out))} "
                     "--no-progress-bar --log-level ERROR")
        lines.append(f"{shlex.quote(str(BIN / 'jupyter'))} nbconvert --to html --log-level ERROR "
                     f"{shlex.quote(str(run))}")
    t0 = time.perf_counter()
    subprocess.run(["bash", "-c", "\n".join(lines)], check=True)
    return time.perf_counter() - t0, [out / f"{code}.html" for code in codes]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sample", type=int, default=6, help="counties timed for the naive loop (then scaled)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="creditlab-bench-") as tmp:
        tmp_path = Path(tmp)
        t_ours, ours_html = ours(args.year, args.jobs, tmp_path / "ours")
        n = len(ours_html)
        codes = sorted(p.stem for p in ours_html)
        sample = sorted(random.Random(args.seed).sample(codes, min(args.sample, n)))
        (tmp_path / "naive").mkdir()
        t_naive_sample, naive_html = naive(args.year, sample, tmp_path / "naive")
        per_naive = t_naive_sample / len(sample)
        per_ours = t_ours / n
        t_naive = per_naive * n

        sizes = [p.stat().st_size for p in ours_html]
        naive_sizes = [p.stat().st_size for p in naive_html]
        year_dir = ours_html[0].parent
        offline = not any(NETWORK.search(p.read_text(encoding="utf-8")) for p in year_dir.glob("*.html"))
        js = year_dir / "plotly.min.js"
        print(f"reports for {n} counties/zones, {args.year}, on {_cpus()} CPU(s)")
        print(f"  naive loop (papermill + nbconvert per county; {len(sample)} timed, scaled to {n}): "
              f"{t_naive:7.1f} s   {per_naive:5.2f} s/county")
        print(f"  creditlab reports --jobs {args.jobs} (all {n}, end to end):                       "
              f"{t_ours:7.1f} s   {per_ours:5.2f} s/county")
        print(f"  ratio naive / ours: {t_naive / t_ours:.1f}x")
        print(f"  mean HTML per report: ours {sum(sizes) / n / 1024:.0f} KB (max {max(sizes) / 1024:.0f} KB) "
              f"+ one shared plotly.min.js of {js.stat().st_size / 1e6:.1f} MB per folder; "
              f"naive {sum(naive_sizes) / len(naive_sizes) / 1024:.0f} KB")
        print(f"  no network references in our HTML (charts draw offline): {'yes' if offline else 'NO'}")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    main()
