"""Benchmark creditlab.sensitivity: Monte Carlo over weights against bare numpy, its peak memory, and Sobol.

    .venv/bin/python bench/sensitivity.py [--regions 3000] [--draws 10000] [--memory-regions 3000,10000]
        [--sobol-n 1024] [--repeat 3]

1. ``WeightModel.monte_carlo`` with 10,000 uniform weight draws (±25 %) for 3,000 synthetic regions
   scored with shaanxi-2020: per draw the scores (a matrix product), the ranks (ties shared), the
   certification, and the accumulated rank/score histograms, rank shifts and certification counts,
   in tasks and chunks of draws so memory stays bounded.
2. The bare numpy cost on the same arrays, in the same run, interleaved with 1: the same matrix product plus
   ranks by a double argsort per row, chunk by chunk (nothing accumulated, ties ignored). Wall and CPU
   seconds, min and median of ``--repeat``; the ratio of the minima (aim: within 1.5×).
3. Peak memory the Monte Carlo adds (tracemalloc: numpy's allocations are traced) at 3,000 and 10,000
   regions, against what the draws × regions scores and ranks alone would take, and against the
   regions × regions rank histogram of the earlier implementation (quadratic: 900 MiB at 10,000).
4. Sobol indices (SALib) of the 12 level-2 weights on the number of certified regions, N=1024, with
   the convergence check against 2N (one more run of N base points).

The evaluated model assesses only the units of the rubric's jurisdiction, so each size has its own synthetic
regions table (through ``$CREDITLAB_DATA``): :func:`creditlab.runs.synthetic.write_scope`'s province of N
counties inside 610000 (shaanxi-2020 as it is) up to its 7,425; above that (10,000) the rest are the counties of
a second synthetic province (甘肃省's code, 62CC01 …) appended to that table, scored with shaanxi-2020's
variant whose jurisdiction is the whole country (100000). Only the codes are synthetic: the values are drawn
here, as before.
"""
from __future__ import annotations

import argparse
import atexit
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from creditlab.rubric import Rubric, load_rubric  # noqa: E402
from creditlab.runs.synthetic import PER_CITY, write_scope  # noqa: E402
from creditlab.sensitivity import _CHUNK_CELLS, prepare  # noqa: E402
from creditlab.weights import draw_weights  # noqa: E402

SCOPE_MAX = 99 * PER_CITY  # the most counties write_scope's one province holds
SECOND = ("620000", "甘肃省", "Gansu")  # the province of the counties above SCOPE_MAX


def scope(n_regions: int) -> tuple[Rubric, list[str]]:
    """Point ``$CREDITLAB_DATA`` at a fresh synthetic data folder of ``n_regions`` counties (see the module
    docstring); the rubric that assesses them and their codes."""
    folder = Path(tempfile.mkdtemp(prefix=f"creditlab-bench-sensitivity-{n_regions}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    write_scope(folder, min(n_regions, SCOPE_MAX))
    table = folder / "regions" / "regions.csv"
    regions = pd.read_csv(table, dtype=str, keep_default_na=False)
    rubric = load_rubric("shaanxi-2020")
    rest = n_regions - SCOPE_MAX
    if rest > 0:
        code, name, name_en = SECOND
        rows = [[code, name, name_en, "province", "province", "", "", code, name]]
        for c in range(1, -(-rest // 99) + 1):
            city_code, city = f"{code[:2]}{c:02d}00", f"模拟市{code[:2]}{c:02d}"
            rows.append([city_code, city, f"Synthetic City {code[:2]}{c:02d}", "city", "prefecture_city",
                         city_code, city, code, name])
            rows += [[f"{code[:2]}{c:02d}{k:02d}", f"模拟{code[:2]}{c:02d}{k:02d}县",
                      f"Synthetic County {code[:2]}{c:02d}{k:02d}", "county", "county", city_code, city, code, name]
                     for k in range(1, min(99, rest - (c - 1) * 99) + 1)]
        regions = pd.concat([regions, pd.DataFrame(rows, columns=regions.columns)], ignore_index=True)
        regions.to_csv(table, index=False)
        rubric = dataclasses.replace(rubric, jurisdiction="100000")
    os.environ["CREDITLAB_DATA"] = str(folder)
    codes = regions.loc[regions["level"] == "county", "code"].tolist()
    assert len(codes) == n_regions, (len(codes), n_regions)
    return rubric, codes


def synthetic(codes: list[str], seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicator values for every criterion of shaanxi-2020 (a quality per region and level-2
    indicator drives every row) and a context where most regions meet the other conditions; one region per
    code (the values do not depend on the codes)."""
    n_regions = len(codes)
    rubric = load_rubric("shaanxi-2020")
    rng = np.random.default_rng(seed)
    c = rubric.criteria
    k2 = pd.factorize(c["level2"])[0]
    quality = np.clip(rng.beta(8, 1.6, size=(n_regions, 1)) + rng.normal(0, 0.12, (n_regions, k2.max() + 1)), 0, 1)
    q = quality[:, k2]  # regions × criteria
    u = rng.random(q.shape)
    rule = c["rule"].to_numpy(object)
    pts = c["points"].to_numpy(float)
    percent = c["unit"].to_numpy(object) == "percent"
    per_unit = np.nan_to_num(c["per_unit"].to_numpy(float), nan=1.0)
    values = np.select(
        [c["mandatory"].to_numpy(bool), rule == "binary", (rule == "threshold") & percent, rule == "threshold",
         rule == "per_unit"],
        [(u < 0.995).astype(float), (u < q).astype(float), np.where(u < q, 100.0, 40.0), np.where(u < q, 10.0, 2.0),
         np.ceil(pts / per_unit * q)],
        default=np.round(pts * q, 1))
    codes = np.asarray(codes, dtype=object)
    data = pd.DataFrame({
        "region": np.repeat(codes, len(c)), "year": 2024,
        "criterion": np.tile(c["id"].to_numpy(object), n_regions), "value": values.ravel(),
    })
    context = pd.DataFrame({
        "region": codes, "year": 2024, "major_incident": rng.random(n_regions) < 0.03, "debtor_share_legal": 0.5,
        "debtor_share_natural": 0.5, "government_debtors": 0, "rectification_rate": 90.0,
        "government_rectification_rate": 95.0, "npl_ratio": rng.uniform(0.8, 2.2, n_regions), "national_npl_ratio": 1.8,
    })
    return data, context


def bare(f: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Matrix product plus double-argsort ranks, in the same chunks of draws: (wall, CPU) seconds."""
    chunk = max(1, _CHUNK_CELLS // f.shape[0])
    ft = f.T
    t, c = time.perf_counter(), time.process_time()
    for a in range(0, len(weights), chunk):
        s = weights[a:a + chunk] @ ft
        np.argsort(np.argsort(-s, axis=1), axis=1)
    return time.perf_counter() - t, time.process_time() - c


def timed_mc(model, n: int) -> tuple[float, float, object]:
    t, c = time.perf_counter(), time.process_time()
    res = model.monte_carlo("uniform", 0.25, n, 1, keep_draws=False)
    return time.perf_counter() - t, time.process_time() - c, res


def peak_mib(model, n: int) -> float:
    """Peak memory (MiB) traced while the Monte Carlo runs (the model itself already built)."""
    tracemalloc.start()
    model.monte_carlo("uniform", 0.25, n, 1, keep_draws=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, default=3000)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--memory-regions", default="3000,10000", help="region counts for the peak-memory figures")
    ap.add_argument("--sobol-n", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3, help="interleaved runs of each side")
    args = ap.parse_args()

    t0 = time.perf_counter()
    rubric, codes = scope(args.regions)
    data, context = synthetic(codes)
    model = prepare(rubric, data, context)
    print(f"setup: {args.regions} regions scored and model built in {time.perf_counter() - t0:.2f} s; "
          f"{int((model.verdicts['verdict'] == 'certified').sum())} certified at nominal weights")

    weights = draw_weights("uniform", model.nominal.to_numpy(float), 0.25, args.draws, 1)
    runs: dict[str, list[tuple[float, float]]] = {"mc": [], "bare": []}
    for _ in range(args.repeat):  # interleaved: bare, mc, bare, mc, ...
        runs["bare"].append(bare(model.f_lo, weights))
        wall, cpu, res = timed_mc(model, args.draws)
        runs["mc"].append((wall, cpu))

    def line(name: str) -> str:
        wall = [w for w, _ in runs[name]]
        cpu = [c for _, c in runs[name]]
        return f"wall min {min(wall):6.2f} s, median {statistics.median(wall):6.2f} s; CPU min {min(cpu):6.2f} s"

    print(f"monte carlo: {args.draws:,} draws × {args.regions:,} regions (rank resolution "
          f"{res.params['rank_resolution']} rank{'s' if res.params['rank_resolution'] > 1 else ''})")
    print(f"  creditlab.sensitivity  {line('mc')}  (scores, tie-aware ranks, certification, histograms; "
          f"R̄S = {res.rank_shift:.2f})")
    print(f"  bare numpy             {line('bare')}  (matrix product + double argsort)")
    print(f"  ratio                  wall {min(w for w, _ in runs['mc']) / min(w for w, _ in runs['bare']):.2f} ×, "
          f"CPU {min(c for _, c in runs['mc']) / min(c for _, c in runs['bare']):.2f} ×  (aim: within 1.5 ×)")
    for m in (int(x) for x in args.memory_regions.split(",") if x):
        if m == args.regions:
            mm = model
        else:
            rub, cs = scope(m)
            mm = prepare(rub, *synthetic(cs))
        peak = peak_mib(mm, args.draws)
        full = args.draws * m * (4 + 4) / 2**20
        print(f"  peak memory added at {m:,} regions: {peak:7.1f} MiB  (every draw's float32 scores and int32 ranks: "
              f"{full:,.0f} MiB; a regions × regions int32 rank histogram alone: {m * m * 4 / 2**20:,.0f} MiB)")

    t = time.perf_counter()
    sob = model.sobol("n_certified", N=args.sobol_n, spread=0.5, seed=1)
    t_sobol = time.perf_counter() - t
    conv = sob.convergence
    print(f"sobol: N={args.sobol_n}, {len(model.ids)} level-2 weights, {sob.n_evaluations:,} evaluations "
          f"of the number certified over {args.regions:,} regions, plus {conv.n_evaluations:,} for the check "
          f"against N={conv.N2}: {t_sobol:.2f} s")
    print(f"  convergence: largest change {conv.max_change:.3f} (tolerance {conv.tol:g}), order changed: "
          f"{conv.order_changed} -> {'stable' if conv.stable else f'not yet stable, raise N to {conv.recommended_N}'}")
    top = sob.indices.sort_values("ST", ascending=False).head(3)
    print("  largest total indices: " + ", ".join(f"{r.id} ST={r.ST:.2f}±{r.ST_conf:.2f}" for r in top.itertuples()))


if __name__ == "__main__":
    main()
