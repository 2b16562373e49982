"""Bench: creditlab at national scale — time and peak memory as the synthetic national year grows.

    .venv/bin/python bench/national.py [--sizes 100,1000,2875] [--draws 1000] [--sample 8] [--jobs 2]

For each size N (county-level divisions of ``data/regions/regions.csv``, Shaanxi's first so that every size holds
the demo's province; a size above the table's count is cut to it) the synthetic year is made once by
``data/demo/generate_national.py`` in a temporary folder (not timed), with its variant of shaanxi-2020 whose
jurisdiction is the whole country (the bundled rubric assesses Shaanxi's units only). Measured per size:

* **load**: :func:`creditlab.data.load_data` of the CSV (validated) and the context;
* **scoring**: the evaluated model's ``scores`` (:func:`creditlab.scoring.score`);
* **verdicts**: its ``conditions`` and ``verdicts`` (certification with every reason);
* **monte carlo**: the weight view and ``--draws`` uniform draws (±25 %) of the 12 level-2 weights;
* **reports**: the county-report batch (:func:`creditlab.batch.run_reports`, ``--jobs`` workers) of a sample of
  ``--sample`` counties of the largest province the batch accepts (else Shaanxi), with the whole national file as
  its data. The batch of the whole province is **extrapolated**, not run (minutes per size): batch set-up
  (evaluating the data, starting the kernels, the index) + median seconds per report × its counties ÷ jobs. The
  median leaves out each kernel's first report, which also pays the kernel's imports.

Times are wall-clock, rounds **interleaved** over the sizes (``--repeat``; min and median), so that the load of
a shared machine hits every size alike. Peak memory per stage is ``tracemalloc``'s peak during the stage (numpy's
buffers included) in one process per size, whose peak resident memory (VmHWM) is printed too. Every figure is
printed against the **linear extrapolation from the first (100-region) point**: ``t(N) / (t(100) · N / 100)``;
1.00 is linear, above 1 worse. A county report should not grow with the data around it at all: its ratio to
the first size's report is printed (aim 1.00).
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


def _peak(fn: Callable[[], Any]) -> float:
    """MiB allocated at the peak of ``fn`` beyond what was allocated before it (tracemalloc)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - before) / 2**20


class Size:
    """One national size: its synthetic files and the stages measured on them (in this process)."""

    def __init__(self, n: int, folder: Path, draws: int) -> None:
        from creditlab.rubric import load_rubric

        gen = _generator()
        frames = gen.generate(n, years=1, lead=LEAD)
        self.paths = gen.write(frames, folder)
        self.gen = gen
        self.units = gen.national_units(n, LEAD)
        self.n = int(frames[gen.DATA]["region"].nunique())
        self.year = int(frames[gen.DATA]["year"].max())
        self.rubric = load_rubric(self.paths[gen.RUBRIC])  # shaanxi-2020 with the whole country as jurisdiction
        self.draws = draws
        self.data: Any = None
        self.context: Any = None
        self.scored: Any = None

    def load(self) -> Any:
        from creditlab.data import load_context, load_data

        self.data = load_data(self.paths[self.gen.DATA], rubric=self.rubric)
        self.context = load_context([self.paths[self.gen.CONTEXT], self.paths[self.gen.NPL]])
        return self.data

    def scoring(self) -> Any:
        from creditlab.analysis.model import Model

        self.scored = Model(self.rubric, self.data, self.context, year=self.year)
        return self.scored.scores

    def verdicts(self) -> Any:
        return self.scored.verdicts  # the scores are the previous stage's (kept), the conditions computed now

    def monte_carlo(self) -> Any:
        from creditlab.analysis.sens_model import weight_view

        view = weight_view(self.scored.with_(level="level2"))
        return view.monte_carlo("uniform", 0.25, self.draws, 1, keep_draws=False)

    def stages(self) -> dict[str, Callable[[], Any]]:
        return {"load": self.load, "scoring": self.scoring, "verdicts": self.verdicts,
                "monte_carlo": self.monte_carlo}


def memory_child(n: int, folder: str, draws: int) -> dict[str, Any]:
    """Peak memory of each stage for one size (a process of its own, so that ru_maxrss is this size's)."""
    size = Size(n, Path(folder), draws)
    out: dict[str, Any] = {"mib": {}}
    for fn in size.stages().values():  # first calls import and cache what every later call reuses
        fn()
    for name, fn in size.stages().items():
        out["mib"][name] = _peak(fn)
    out["maxrss_mib"] = _hwm_mib()
    return out


def _hwm_mib() -> float:
    """This process's peak resident memory (VmHWM). Not ``ru_maxrss``: Linux carries that over from the parent
    across fork and exec, so a child would report at least its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report_sample(size: Size, sample: int, jobs: int, out: Path) -> dict[str, Any]:
    """A sample of county reports of the largest province the batch accepts (else Shaanxi), with the size's
    whole national file as the data; the province's batch extrapolated from it."""
    from creditlab.batch import BatchError, run_reports

    gen, units = size.gen, size.units
    provinces = units.groupby("province_code")["code"].apply(list).sort_values(key=lambda s: -s.str.len())
    shaanxi = ("610000", list(units.loc[units["code"].str.startswith(LEAD), "code"]))
    refused = []
    for prov, codes in [next(iter(provinces.items())), shaanxi]:  # the largest, else the default province
        pick = codes[:: max(1, len(codes) // sample)][:sample]
        try:
            t = time.perf_counter()
            summary = run_reports(size.year, pick, rubric=str(size.paths[gen.RUBRIC]), data=str(size.paths[gen.DATA]),
                                  context=[str(size.paths[gen.CONTEXT]), str(size.paths[gen.NPL])], jobs=jobs,
                                  out=out, force=True, progress=False)
            wall = time.perf_counter() - t
        except BatchError as exc:
            refused.append(f"{prov}: {str(exc).splitlines()[0][:160]}")
            continue
        if not summary.ok:
            refused.append(f"{prov}: {summary.text().splitlines()[-1][:160]}")
            continue
        per = sorted(o.seconds for o in summary.outcomes if o.status == "generated")
        # Each worker's first report also pays its kernel's imports: the `jobs` slowest are left out.
        steady = per[:-jobs] if len(per) > jobs else per
        median = steady[len(steady) // 2]
        sizes = sorted(o.html_bytes for o in summary.outcomes if o.status == "generated")
        setup = max(0.0, wall - sum(per) / jobs)  # evaluating the data, starting kernels, the index: once
        return {"province": prov, "province_counties": len(codes), "sample": len(pick), "median_s": median,
                "first_s": per[-1], "html_kib": sizes[len(sizes) // 2] / 1024, "setup_s": setup,
                "batch_extrapolated_s": setup + median * len(codes) / jobs, "refused": refused}
    return {"refused": refused}


def _ratio(value: float, base: float, n: int, n0: int) -> str:
    linear = base * n / n0
    return f"{value / linear:5.2f}" if linear > 0 else "  —  "


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,2875", help="comma-separated region counts")
    ap.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws per size")
    ap.add_argument("--sample", type=int, default=8, help="county reports run per size (the batch is extrapolated)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="interleaved rounds of the in-process stages")
    ap.add_argument("--report-repeat", type=int, default=2, help="interleaved rounds of the report sample")
    ap.add_argument("--memory-child", nargs=2, metavar=("N", "FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        print(json.dumps(memory_child(int(args.memory_child[0]), args.memory_child[1], args.draws)))
        return

    total = len(_generator().national_units())
    wanted = [int(x) for x in args.sizes.split(",")]
    ns = list(dict.fromkeys(min(s, total) for s in wanted))
    if max(wanted) > total:
        print(f"note: the regions table holds {total:,} county-level divisions; larger sizes are cut to it")
    tmp = Path(tempfile.mkdtemp(prefix="creditlab-national-"))
    sizes = [Size(n, tmp / f"data-{n}", args.draws) for n in ns]
    n0 = sizes[0].n

    # 1. Time: every stage, rounds interleaved over the sizes (the machine's load hits them alike).
    seconds: dict[int, dict[str, list[float]]] = {s.n: {} for s in sizes}
    for fn in sizes[0].stages().values():  # warm-up: first calls import and cache (not timed)
        fn()
    for _ in range(args.repeat):
        for s in sizes:
            for name, fn in s.stages().items():
                t = time.perf_counter()
                fn()
                seconds[s.n].setdefault(name, []).append(time.perf_counter() - t)
    mc = {s.n: s.monte_carlo() for s in sizes}
    certified = {s.n: int((s.scored.verdicts["verdict"] == "certified").sum()) for s in sizes}

    # 2. Memory: one process per size.
    memory = {}
    for s in sizes:
        cmd = [sys.executable, __file__, "--memory-child", str(s.n), str(tmp / f"mem-{s.n}"), "--draws",
               str(args.draws)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            sys.exit(f"memory of size {s.n} failed:\n{res.stderr[-3000:]}")
        memory[s.n] = json.loads(res.stdout.strip().splitlines()[-1])

    # 3. County reports: a sample per size, rounds interleaved; the best round's median per size.
    reports: dict[int, dict[str, Any]] = {}
    for r in range(args.report_repeat):
        for s in sizes:
            rep = report_sample(s, args.sample, args.jobs, tmp / f"reports-{s.n}-{r}")
            best = reports.get(s.n)
            if best is None or ("median_s" in rep and rep["median_s"] < best.get("median_s", float("inf"))):
                reports[s.n] = rep
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"\nsynthetic national year (shaanxi-2020 rubric, one year, data made by data/demo/generate_national.py), "
          f"{args.draws:,} Monte Carlo draws, {args.jobs} report workers.\nTimes: min of {args.repeat} rounds "
          f"interleaved over the sizes (median in brackets); ratio = actual / linear extrapolation from the "
          f"{n0}-region point (1.00 linear, < 1 better than linear)")
    print(f"{'stage':<13}" + "".join(f"{s.n:>19,} regions ratio" for s in sizes))
    base = seconds[n0]
    for stage in ("load", "scoring", "verdicts", "monte_carlo"):
        cells = []
        for s in sizes:
            v = seconds[s.n][stage]
            ratio = _ratio(min(v), min(base[stage]), s.n, n0)
            cells.append(f"{min(v):>9.3f} s ({sorted(v)[len(v) // 2]:6.3f}) {ratio}")
        print(f"{stage:<13}" + "".join(cells))
    print("peak memory added by the stage (tracemalloc, one process per size):")
    for stage in ("load", "scoring", "verdicts", "monte_carlo"):
        m0 = memory[n0]["mib"][stage]
        cells = [f"{memory[s.n]['mib'][stage]:>17.1f} MiB {_ratio(memory[s.n]['mib'][stage], m0, s.n, n0)}"
                 for s in sizes]
        print(f"  {stage:<11}" + "".join(cells))
    print("process peak RSS (VmHWM of the memory process): "
          + ", ".join(f"{s.n:,} regions {memory[s.n]['maxrss_mib']:.0f} MiB" for s in sizes)
          + f"; largest child of this process (report workers and kernels, ru_maxrss) {children_rss:.0f} MiB")
    r0 = reports[n0]
    if "median_s" in r0:
        print(f"county reports: {args.sample} per size in {args.report_repeat} interleaved rounds (the best "
              "round's median, each kernel's first report left out); the province's batch is extrapolated")
        for s in sizes:
            rep = reports[s.n]
            if "median_s" not in rep:
                continue
            print(f"  {s.n:>6,} regions: province {rep['province']} ({rep['province_counties']} counties): "
                  f"{rep['median_s']:.2f} s per report (× {rep['median_s'] / r0['median_s']:.2f} the {n0}-region "
                  f"report, aim 1.00; first in a kernel {rep['first_s']:.1f} s), {rep['html_kib']:.0f} KiB per page "
                  f"(× {rep['html_kib'] / r0['html_kib']:.2f}); batch set-up {rep['setup_s']:.1f} s "
                  f"(ratio to linear {_ratio(rep['setup_s'], r0['setup_s'], s.n, n0).strip()}); whole province "
                  f"≈ {rep['batch_extrapolated_s']:.0f} s (extrapolated)")
    for s in sizes:
        for line in reports[s.n].get("refused", []):
            print(f"  note ({s.n:,} regions): the batch refused province {line}")
    print("certified / mean rank shift R̄S: " + ", ".join(f"{s.n:,}: {certified[s.n]} / {mc[s.n].rank_shift:.2f}"
                                                       for s in sizes))


if __name__ == "__main__":
    main()
