"""Bench: county reports, ``creditlab reports --jobs N`` against the naive loop, at 107 regions and at 3,000.

For each scope (the bundled demo province, 107 counties and 8 zones; a synthetic province of 3,000 counties
made by :func:`creditlab.runs.synthetic.write_scope`, used through ``$CREDITLAB_DATA``) the same sample of
counties is reported both ways, with the same parallelism, pairs interleaved, ``--repeats`` times:

* ours: :func:`creditlab.batch.run_reports` (``force``) into a fresh folder: the year scored once, each worker
  keeps a warm kernel that reads only its county's rows and the shared parts, HTML exported in-process;
* naive: ``papermill`` then ``jupyter nbconvert --to html`` per county, ``--jobs`` of them at a time
  (``xargs -P``): a new Python process, kernel start, imports and scoring of the whole scope per county.

Both write the county's results file; they are compared (everything but the time of the run and the batch's
own provenance entries) and the bench stops if they differ. Printed: min / median seconds per batch and the
ratio; the median seconds per county inside a worker (the batch's own figure; the target is <= 0.25 s at both
scopes, kernel start excluded) and the mean page size at each scope (must not grow with the scope); then an
unchanged re-run of a complete 3,000-county folder (the sample's outputs copied under every other code, their
digests in the manifest) — it must not score anything.

    .venv/bin/python bench/reports.py [--year 2024] [--jobs 2] [--sample 8] [--repeats 3] [--regions 3000]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Entries the batch adds to a results file, and the time of the run: everything else must be equal.
VOLATILE = ("run_at", "run_date", "notebook", "parameters", "digest")


def ours(year: int, codes: list[str], jobs: int, out: Path) -> tuple[float, list[float], Path]:
    from creditlab.batch import run_reports

    t0 = time.perf_counter()
    summary = run_reports(year, codes, jobs=jobs, out=out, force=True, progress=False)
    seconds = time.perf_counter() - t0
    if not summary.ok or sorted(summary.generated) != sorted(codes):
        sys.exit(summary.text())
    # Per county inside a worker; the first county of each worker also starts its kernel: left out.
    per = sorted(o.seconds for o in summary.outcomes)[: max(1, len(codes) - jobs)]
    return seconds, per, summary.year_dir  # the batch's folder for the year, whatever the layout


def naive(year: int, codes: list[str], jobs: int, out: Path) -> float:
    """The obvious loop, ``jobs`` counties at a time: papermill, then nbconvert, per county."""
    nb = ROOT / "parameterised" / "county_evaluation.ipynb"
    q = shlex.quote
    one = (f"{q(str(BIN / 'papermill'))} -k creditlab {q(str(nb))} {q(str(out))}/$0.ipynb -r region $0 "
           f"-p year {year} -p output {q(str(out))} --no-progress-bar --log-level ERROR && "
           f"{q(str(BIN / 'jupyter'))} nbconvert --to html --log-level ERROR {q(str(out))}/$0.ipynb")
    t0 = time.perf_counter()
    subprocess.run(["xargs", "-P", str(jobs), "-n", "1", "bash", "-c", one], input="\n".join(codes), text=True,
                   check=True)
    return time.perf_counter() - t0


def comparable(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8"))
    for key in VOLATILE:
        doc["provenance"].pop(key, None)
    return doc


def scope(label: str, year: int, codes: list[str], jobs: int, repeats: int, tmp: Path) -> dict[str, Any]:
    t_ours, t_naive, per, folders = [], [], [], []
    for i in range(repeats):  # interleaved pairs: the machine's load falls on both alike
        a, b = tmp / f"{label}-ours-{i}", tmp / f"{label}-naive-{i}"
        b.mkdir(parents=True)
        seconds, county, year_dir = ours(year, codes, jobs, a)
        folders.append(year_dir)
        t_ours.append(seconds)
        per.extend(county)
        t_naive.append(naive(year, codes, jobs, b))
        for code in codes:
            if comparable(year_dir / f"{code}.json") != comparable(b / f"{code}.json"):
                sys.exit(f"{label}: the results of {code} differ between the batch and the naive loop")
    pages = [(folders[0] / f"{c}.html").stat().st_size for c in codes]
    naive_pages = [(tmp / f"{label}-naive-0" / f"{c}.html").stat().st_size for c in codes]
    print(f"{label}: {len(codes)} counties, --jobs {jobs}, {repeats} interleaved pairs; results files identical")
    print(f"  naive loop  min {min(t_naive):6.1f} s  median {statistics.median(t_naive):6.1f} s   "
          f"({statistics.median(t_naive) / len(codes):.2f} s/county)")
    print(f"  ours        min {min(t_ours):6.1f} s  median {statistics.median(t_ours):6.1f} s   "
          f"({statistics.median(t_ours) / len(codes):.2f} s/county, scoring and kernel start included)")
    print(f"  ratio naive / ours (medians): {statistics.median(t_naive) / statistics.median(t_ours):.1f}x")
    print(f"  per county inside a worker (kernel start excluded): median {statistics.median(per):.2f} s, "
          f"min {min(per):.2f} s")
    print(f"  page size: ours {statistics.mean(pages) / 1024:.0f} KB (max {max(pages) / 1024:.0f} KB), "
          f"naive {statistics.mean(naive_pages) / 1024:.0f} KB")
    return {"per_county": statistics.median(per), "page": statistics.mean(pages), "out": tmp / f"{label}-ours-0",
            "year_dir": folders[0]}


SECTIONS = ("header_html", "levels_html", "levels_chart", "mandatory_html", "certification_html", "gaps_html",
            "change_html", "rank_html", "rank_chart", "criteria_html", "provenance_html")


def kernel_work(year: int, scopes: dict[str, tuple[Path, list[str]]], tmp: Path, repeats: int) -> None:
    """CPU seconds of what a kernel does per county (the notebook's calls: parameters, the county's parts,
    every section and chart as HTML, the results file), in this process, the scopes interleaved county by
    county. CPU time, not wall time: the figure of the work itself, whatever else loads the machine."""
    from creditlab import report
    from creditlab.views.figures import figure_html

    prepared = {}
    for label, (data, codes) in scopes.items():
        os.environ["CREDITLAB_DATA"] = str(data)
        ev = report.evaluate(report.resolve_inputs("shaanxi-2020"))
        prepared[label] = (data, codes, report.save_county_parts(ev, year, "province", codes, tmp / f"parts-{label}"))
        del ev
    cpu: dict[str, list[float]] = {label: [] for label in scopes}
    for _ in range(repeats):
        for i in range(max(len(c) for _, c, _ in prepared.values())):
            for label, (data, codes, cache) in prepared.items():
                os.environ["CREDITLAB_DATA"] = str(data)
                ns = {"region": codes[i % len(codes)], "year": year, "rubric": "shaanxi-2020", "data": "",
                      "context": "", "scope": "province", "language": "zh", "output": str(tmp / f"json-{label}"),
                      "cache": str(cache)}
                t0 = time.process_time()
                params = report.check_params(ns, set())
                rep = report.CountyReport(report.load_evaluation(params.inputs, params.cache, params), params)
                for name in SECTIONS:
                    out = getattr(rep, name)()
                    if name.endswith("chart"):
                        figure_html(out)
                rep.write_results()
                cpu[label].append(time.process_time() - t0)
    figures = {label: statistics.median(v) for label, v in cpu.items()}
    first, last = list(figures)
    print("kernel work per county (CPU, in-process, scopes interleaved): "
          + "; ".join(f"{label} median {v * 1000:.0f} ms (min {min(cpu[label]) * 1000:.0f} ms)"
                      for label, v in figures.items())
          + f"; {last} / {first}: {figures[last] / figures[first]:.2f}x")


def full_scope_rerun(year: int, codes: list[str], done: Path, year_dir: Path) -> None:
    """An unchanged re-run of every county of the scope: the sample's outputs copied under every other code
    (the manifest records their digests, as after a complete run), then ``run_reports`` without force."""
    from creditlab import report
    from creditlab.batch import load_manifest, run_reports, save_manifest, task_digest

    manifest = load_manifest(year_dir)
    entries = manifest["regions"]
    inputs = report.resolve_inputs("shaanxi-2020")
    key = report.inputs_key(inputs)
    nb_sha = report.sha256_file(report.NOTEBOOK)
    base = {"year": year, "rubric": "shaanxi-2020", "scope": "province", "language": "zh"}
    every = manifest["evaluated"]["regions_with_data"]  # as recorded by the run that scored them
    for n, code in enumerate(every):
        if code in codes:
            continue
        src = codes[n % len(codes)]
        doc = json.loads((year_dir / f"{src}.json").read_text(encoding="utf-8"))
        doc["region"] = code
        (year_dir / f"{code}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        shutil.copyfile(year_dir / f"{src}.html", year_dir / f"{code}.html")
        entries[code] = {**entries[src], "digest": task_digest(key, nb_sha, {**base, "region": code})}
    save_manifest(year_dir, manifest)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        summary = run_reports(year, out=done, progress=False)
        times.append(time.perf_counter() - t0)
        if summary.generated or len(summary.skipped) != len(every):
            sys.exit(f"the unchanged re-run regenerated something: {summary.text()}")
    print(f"unchanged re-run of all {len(every)} counties: min {min(times):.1f} s, median "
          f"{statistics.median(times):.1f} s (nothing scored; index rebuilt from {len(every)} results files)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sample", type=int, default=8, help="counties reported both ways at each scope")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--regions", type=int, default=3000, help="size of the synthetic province")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    import pandas as pd

    from creditlab import report
    from creditlab.runs.synthetic import write_scope

    print(f"on {len(os.sched_getaffinity(0))} CPU(s)")
    with tempfile.TemporaryDirectory(prefix="creditlab-bench-") as tmp:
        tmp_path = Path(tmp)
        rng = random.Random(args.seed)
        demo = report.evaluate(report.resolve_inputs("shaanxi-2020")).regions(args.year)
        demo_codes = sorted(rng.sample(demo, args.sample))
        small = scope("107 regions", args.year, demo_codes, args.jobs, args.repeats,
                      tmp_path)
        os.environ["CREDITLAB_DATA"] = str(write_scope(tmp_path / "data", args.regions))
        rows = pd.read_csv(tmp_path / "data" / "demo" / "shaanxi-2020_indicators.csv", dtype=str,
                           keep_default_na=False)
        reported = sorted(set(rows.loc[(rows["year"] == str(args.year)) & (rows["value"] != ""), "region"]))
        big_codes = sorted(rng.sample(reported, args.sample))
        big = scope(f"{args.regions} regions", args.year, big_codes, args.jobs, args.repeats, tmp_path)
        print(f"per county {args.regions} / 107: {big['per_county'] / small['per_county']:.2f}x; "
              f"page size {args.regions} / 107: {big['page'] / small['page']:.2f}x")
        full_scope_rerun(args.year, big_codes, big["out"], big["year_dir"])
        kernel_work(args.year, {"107 regions": (ROOT / "data", demo_codes),
                                f"{args.regions} regions": (tmp_path / "data", big_codes)}, tmp_path, args.repeats)


if __name__ == "__main__":
    main()
