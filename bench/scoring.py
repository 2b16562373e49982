"""Bench: score 3,000 regions × 5 years against shaanxi-2020, vectorised vs a per-row Python loop.

Both sides score the same synthetic long-format data in the same run, interleaved ``--repeat`` times (min and
median). The loop side is the straightforward way (iterate over rows, apply each criterion's rule, accumulate
per region-year and per node); it runs on the data as loaded (categorical columns) and on plain string
columns, and its best case is whichever of the two is faster in this run. Every output is compared: points,
maximum points and points not assessed of every node at every level (criterion, level3, level2, level1,
total) for every region and year, not only the totals.

    .venv/bin/python bench/scoring.py [--regions 3000] [--years 5] [--repeat 3]
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import numpy as np
import pandas as pd

import creditlab
from creditlab.scoring import totals


def synthetic(rubric, n_regions: int, n_years: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    c = rubric.criteria
    regions = np.array([f"{610000 + i:06d}" for i in range(n_regions)])
    years = np.arange(2020, 2020 + n_years)
    reg = np.repeat(regions, n_years * len(c))
    yr = np.tile(np.repeat(years, len(c)), n_regions)
    crit = np.tile(c["id"].to_numpy(object), n_regions * n_years)
    k = len(reg)
    rule = np.tile(c["rule"].to_numpy(object), n_regions * n_years)
    unit = np.tile(c["unit"].to_numpy(object), n_regions * n_years)
    pts = np.tile(c["points"].to_numpy(float), n_regions * n_years)
    value = np.select(
        [rule == "binary", (rule == "threshold") & (unit == "percent"), rule == "threshold", rule == "per_unit"],
        [rng.integers(0, 2, k), rng.uniform(0, 100, k).round(1), rng.integers(0, 10, k), rng.integers(0, 30, k)],
        default=(rng.uniform(0, 1, k) * pts).round(1),
    ).astype(float)
    value[rng.uniform(size=k) < 0.01] = np.nan   # some criteria not assessed
    # The dtypes creditlab.load_data returns (region and criterion categorical).
    return pd.DataFrame({"region": reg, "year": yr, "criterion": crit, "value": value}).astype(
        {"region": "category", "criterion": "category"})


def loop_score(rubric, data: pd.DataFrame) -> dict:
    """The straightforward way: a Python loop over rows. Per (region, year, node): [points, max, not assessed,
    number of assessed rows] (a criterion not assessed has no points: NaN, as score() says; a node above it
    sums what was assessed)."""
    crit = rubric.criteria.set_index("id").to_dict("index")
    out: dict = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for region, year, cid, value in data[["region", "year", "criterion", "value"]].itertuples(index=False):
        c = crit[cid]
        mx = c["max"] if c["max"] == c["max"] else c["points"]  # NaN max: the row's points
        nodes = (cid, c["level3"], c["level2"], c["level1"], "total")
        if value != value:  # not assessed
            for node in nodes:
                acc = out[(region, year, node)]
                acc[1] += mx
                acc[2] += mx
            continue
        rule = c["rule"]
        if rule == "binary":
            p = c["points"] if value >= 1 else 0.0
        elif rule == "threshold":
            p = c["points"] if value >= c["at_least"] else 0.0
        elif rule == "per_unit":
            p = min(value * c["per_unit"], c["cap"])
        else:
            p = value
        for node in nodes:
            acc = out[(region, year, node)]
            acc[0] += p
            acc[1] += mx
            acc[3] += 1
    return out


def compare_all(scores: pd.DataFrame, loop: dict) -> int:
    """Every node's points, maximum and not-assessed points against the loop's; the number of rows compared."""
    keys = zip(scores["region"].astype(str), scores["year"], scores["id"].astype(str), strict=True)
    got = np.array([loop[k] for k in keys])
    got[(got[:, 3] == 0) & (scores["level"] == "criterion").to_numpy(), 0] = np.nan  # a row not assessed
    got = got[:, :3]
    want = scores[["points", "max_points", "missing_max"]].to_numpy(float)
    bad = ~np.isclose(got, want, atol=1e-9, equal_nan=True).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SystemExit(f"vectorised and loop differ at {scores.iloc[i].to_dict()}: loop {got[i]}")
    if len(loop) != len(scores):
        raise SystemExit(f"the loop has {len(loop)} nodes, score() {len(scores)} rows")
    return len(scores)


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, default=3000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rubric = creditlab.load_rubric("shaanxi-2020")
    data = synthetic(rubric, args.regions, args.years)
    plain = data.astype({"region": str, "criterion": str})
    print(f"data: {args.regions} regions × {args.years} years × {len(rubric.criteria)} criteria = {len(data):,} rows")
    sides = {"vectorised creditlab.score": lambda: creditlab.score(rubric, data),
             "loop, categorical columns": lambda: loop_score(rubric, data),
             "loop, str columns": lambda: loop_score(rubric, plain)}
    times: dict[str, list[float]] = {k: [] for k in sides}
    results: dict[str, object] = {}
    for _ in range(args.repeat):  # interleaved
        for name, fn in sides.items():
            t, results[name] = timed(fn)
            times[name].append(t)
    scores = results["vectorised creditlab.score"]
    n = compare_all(scores, results["loop, categorical columns"])
    compare_all(scores, results["loop, str columns"])
    assert np.allclose(totals(scores)["points"], scores.loc[scores["level"] == "total", "points"])
    for name, ts in times.items():
        print(f"{name:28s} min {min(ts):8.3f} s, median {statistics.median(ts):8.3f} s")
    loops = {k: min(v) for k, v in times.items() if k.startswith("loop")}
    best = min(loops, key=loops.get)
    t_vec = min(times["vectorised creditlab.score"])
    print(f"all {n:,} output rows identical (points, max_points, missing_max at every level)")
    print(f"speed-up: {loops[best] / t_vec:.1f}× against the loop's best case ({best}), "
          f"{max(loops.values()) / t_vec:.1f}× against the slower loop   (aim: under 0.5 s and at least 20×)")


if __name__ == "__main__":
    main()
