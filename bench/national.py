"""Bench: creditlab at national scale — time and peak memory as the synthetic national year grows.

    .venv/bin/python bench/national.py [--sizes 100,1000,2875] [--draws 1000] [--sample 6] [--jobs 2]

For each size N (county-level divisions of ``data/regions/regions.csv``, Shaanxi's first so that every size
holds the province whose reports are timed; sizes above the table's count are cut to it), a fresh Python
process (``--child``) generates the synthetic year with ``data/demo/generate_national.py`` into a temporary
folder (not timed) and measures, each stage on its own:

* **load**: :func:`creditlab.data.load_data` of the CSV (validated);
* **scoring**: the evaluated model's ``scores`` (:func:`creditlab.scoring.score`);
* **verdicts**: its ``conditions`` and ``verdicts`` (certification with every reason);
* **monte carlo**: the weight view and ``--draws`` uniform draws (±25 %) of the 12 level-2 weights;
* **reports**: the county-report batch (:func:`creditlab.batch.run_reports`, ``--jobs`` workers) of a
  sample of ``--sample`` counties (seconds per report: the median without each worker's first report, which
  also pays the kernel's imports) of the largest province the batch can report on, with the whole national
  file as its data; the batch of the whole province is **extrapolated** from the sample (batch set-up —
  evaluating the data, starting the kernels — plus the median seconds per report × the province's counties ÷
  jobs), not run: at 2,875 regions it would take minutes per size.

Time is wall-clock (``perf_counter``), best of ``--repeat`` runs for the in-process stages. Peak memory of
the in-process stages is ``tracemalloc``'s peak during a separate traced run of the stage (numpy's buffers
included); the process's ``ru_maxrss`` and the largest child's (the report kernels) are printed too.
Every figure is printed against the **linear extrapolation from the first (100-region) point**,
``t(N) / (t(100) · N / 100)``: 1.0 is linear, above 1 worse than linear. A county report should not grow
with the data around it at all: its ratio to the 100-region report is printed as well (1.0 is the aim).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEAD = "61"  # Shaanxi, the default province: its counties are in every size


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_national", ROOT / "data" / "demo" / "generate_national.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _peak(fn: Callable[[], Any]) -> float:
    """MiB allocated at the peak of ``fn`` beyond what was allocated before it (tracemalloc)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - before) / 2**20


def child(n: int, draws: int, sample: int, jobs: int, repeat: int) -> dict[str, Any]:
    """Measure every stage for a synthetic national year of ``n`` counties (run in its own process)."""
    import pandas as pd

    from creditlab.analysis.model import Model
    from creditlab.analysis.sens_model import weight_view
    from creditlab.batch import BatchError, run_reports
    from creditlab.data import load_context, load_data
    from creditlab.rubric import load_rubric

    gen = _generator()
    tmp = Path(tempfile.mkdtemp(prefix=f"creditlab-national-{n}-"))
    frames = gen.generate(n, years=1, lead=LEAD)
    paths = gen.write(frames, tmp / "data")
    units = gen.national_units(n, LEAD)
    rub = load_rubric("shaanxi-2020")
    year = int(frames[gen.DATA]["year"].max())
    out: dict[str, Any] = {"n": int(frames[gen.DATA]["region"].nunique()), "rows": len(frames[gen.DATA]),
                           "seconds": {}, "mib": {}}

    def load() -> pd.DataFrame:
        return load_data(paths[gen.DATA], rubric=rub)

    out["seconds"]["load"], data = _timed(load, repeat)
    ctx = load_context([paths[gen.CONTEXT], paths[gen.NPL]])

    def fresh() -> Model:
        return Model(rub, data, ctx, year=year)

    def scoring() -> Model:
        m = fresh()
        m.scores  # noqa: B018 - the stage is computed when read
        return m

    out["seconds"]["scoring"], scored = _timed(scoring, repeat)

    def verdicts() -> Any:
        m = scoring()
        t = time.perf_counter()
        m.verdicts  # noqa: B018
        return time.perf_counter() - t

    out["seconds"]["verdicts"] = min(verdicts() for _ in range(repeat))

    def monte_carlo() -> Any:
        return weight_view(scored.with_(level="level2")).monte_carlo("uniform", 0.25, draws, 1, keep_draws=False)

    scored.verdicts  # noqa: B018 - the weight view reads them (computed above, untimed here)
    out["seconds"]["monte_carlo"], mc = _timed(monte_carlo, repeat)
    out["certified"] = int((scored.verdicts["verdict"] == "certified").sum())
    out["rank_shift"] = round(float(mc.rank_shift), 3)
    out["mib"]["load"] = _peak(load)
    out["mib"]["scoring"] = _peak(scoring)
    m = scoring()
    out["mib"]["verdicts"] = _peak(lambda: m.verdicts)
    out["mib"]["monte_carlo"] = _peak(monte_carlo)

    # The report batch: the largest province in the data the batch accepts, a sample of its counties.
    provinces = units.groupby("province_code")["code"].apply(list).sort_values(key=lambda s: -s.str.len())
    shaanxi = ("610000", list(units.loc[units["code"].str.startswith(LEAD), "code"]))
    for prov, codes in [next(iter(provinces.items())), shaanxi]:  # the largest, else the default province
        pick = codes[:: max(1, len(codes) // sample)][:sample]
        try:
            t = time.perf_counter()
            summary = run_reports(year, pick, data=str(paths[gen.DATA]),
                                  context=[str(paths[gen.CONTEXT]), str(paths[gen.NPL])], jobs=jobs,
                                  out=tmp / "reports", force=True, progress=False)
            wall = time.perf_counter() - t
        except BatchError as exc:
            out.setdefault("batch_refused", []).append(f"{prov}: {str(exc).splitlines()[0][:160]}")
            continue
        if not summary.ok:
            out.setdefault("batch_refused", []).append(f"{prov}: {summary.text().splitlines()[-1][:160]}")
            continue
        per = sorted(o.seconds for o in summary.outcomes if o.status == "generated")
        # Each worker's first report also pays its kernel's imports: the `jobs` slowest are left out.
        steady = per[:-jobs] if len(per) > jobs else per
        median = steady[len(steady) // 2]
        sizes = sorted(o.html_bytes for o in summary.outcomes if o.status == "generated")
        setup = max(0.0, wall - sum(per) / jobs)  # evaluating the data, kernels, index: once per batch
        out["report"] = {"province": prov, "province_counties": len(codes), "sample": len(pick),
                         "median_s": median, "first_s": per[-1], "html_kib": sizes[len(sizes) // 2] / 1024,
                         "sample_wall_s": wall,
                         "setup_s": setup, "batch_extrapolated_s": setup + median * len(codes) / jobs}
        break
    out["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["children_maxrss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def _ratio(value: float, base: float, n: int, n0: int) -> str:
    linear = base * n / n0
    return f"{value / linear:5.2f}" if linear > 0 else "  —  "


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,2875", help="comma-separated region counts")
    ap.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws per size")
    ap.add_argument("--sample", type=int, default=8, help="county reports run per size (the batch is extrapolated)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs of each in-process stage")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.draws, args.sample, args.jobs, args.repeat)))
        return

    total = len(_generator().national_units())
    sizes = []
    for s in (int(x) for x in args.sizes.split(",")):
        if min(s, total) not in sizes:
            sizes.append(min(s, total))
    if any(int(x) > total for x in args.sizes.split(",")):
        print(f"note: the regions table holds {total} county-level divisions; larger sizes are cut to it")
    results = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--child", str(n), "--draws", str(args.draws), "--sample", str(args.sample),
               "--jobs", str(args.jobs), "--repeat", str(args.repeat)]
        t = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            sys.exit(f"size {n} failed:\n{res.stderr[-3000:]}")
        results.append(json.loads(res.stdout.strip().splitlines()[-1]))
        print(f"size {n}: measured in {time.perf_counter() - t:.0f} s", flush=True)

    base = results[0]
    n0 = base["n"]
    print(f"\nsynthetic national year (shaanxi-2020 rubric, one year), {args.draws:,} Monte Carlo draws, "
          f"{args.jobs} report workers; ratio = actual / linear extrapolation from the {n0}-region point")
    print(f"{'stage':<14}" + "".join(f"{r['n']:>10,} reg  ratio" for r in results))
    for stage in ("load", "scoring", "verdicts", "monte_carlo"):
        cells = [f"{r['seconds'][stage]:>12.3f} s {_ratio(r['seconds'][stage], base['seconds'][stage], r['n'], n0)}"
                 for r in results]
        print(f"{stage:<14}" + "".join(cells))
    print("peak memory added by the stage (tracemalloc, MiB):")
    for stage in ("load", "scoring", "verdicts", "monte_carlo"):
        cells = [f"{r['mib'][stage]:>10.1f} MiB {_ratio(r['mib'][stage], base['mib'][stage], r['n'], n0)}"
                 for r in results]
        print(f"  {stage:<12}" + "".join(cells))
    print("process peak RSS (ru_maxrss): " + ", ".join(f"{r['n']:,}: {r['maxrss_mib']:.0f} MiB (largest child "
                                                       f"{r['children_maxrss_mib']:.0f} MiB)" for r in results))
    if all("report" in r for r in results):
        r0 = base["report"]
        print("county reports (a sample run, the whole province's batch extrapolated):")
        for r in results:
            rep = r["report"]
            print(f"  {r['n']:>6,} regions: {rep['province']} ({rep['province_counties']} counties), "
                  f"{rep['sample']} reports run: median {rep['median_s']:.2f} s per report (first in a kernel "
                  f"{rep['first_s']:.1f} s) "
                  f"(× {rep['median_s'] / r0['median_s']:.2f} the {n0}-region report; aim 1.0), "
                  f"{rep['html_kib']:.0f} KiB per page (× {rep['html_kib'] / r0['html_kib']:.2f}); "
                  f"batch set-up {rep['setup_s']:.1f} s; whole province ≈ {rep['batch_extrapolated_s']:.0f} s "
                  f"(extrapolated)")
    for r in results:
        for line in r.get("batch_refused", []):
            print(f"  note ({r['n']:,} regions): the batch refused province {line}")
    print("certified / R̄S: " + ", ".join(f"{r['n']:,}: {r['certified']} / {r['rank_shift']}" for r in results))


if __name__ == "__main__":
    main()
