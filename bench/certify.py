"""Bench: evaluate (score + certify) 3,000 regions × 5 years against shaanxi-2020, vectorised certify vs the old one.

The data are :func:`synthetic`: each synthetic region copies a demo region's indicator rows and certification
context (seeded), with one value in ten taken from another demo region (same criterion and year), so the
verdicts, reasons and missing values follow the demo data's distribution. The rubric assesses the units of its
jurisdiction only (陕西省, 610000), so the synthetic regions are then relabelled onto the counties of a synthetic
province of the same size (:func:`creditlab.runs.synthetic.write_scope`, used through ``$CREDITLAB_DATA``).
Both sides evaluate the same frames in the same run, interleaved, and must give identical verdict frames:

- new: :class:`creditlab.analysis.model.Model` (score, mandatory, conditions once, :func:`certify` vectorised);
- old: the same model's scores, mandatory rows and conditions, then :func:`legacy_certify` (the per-group
  lambdas with ``.loc`` that ``certify`` used before, kept here verbatim as the baseline).

    .venv/bin/python bench/certify.py [--regions 3000] [--years 5] [--repeat 3]

Aim: 3,000 × 5 evaluated in under 4 s.
"""
from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from creditlab.analysis.certification import (  # noqa: E402
    evaluate_conditions,
    positive_verdict,
    three_valued,
    verdict_rule,
)
from creditlab.analysis.model import Model  # noqa: E402
from creditlab.analysis.scoring import mandatory_status  # noqa: E402
from creditlab.data import load_context, load_data  # noqa: E402
from creditlab.rubric import Rubric, load_rubric  # noqa: E402
from creditlab.runs.synthetic import write_scope  # noqa: E402

DEMO = ROOT / "data" / "demo"


def legacy_certify(rubric: Rubric, scores: pd.DataFrame, context: pd.DataFrame | None = None, *,
                   conditions: pd.DataFrame | None = None, mandatory: pd.DataFrame | None = None) -> pd.DataFrame:
    """``certify`` as it was before it was vectorised (two per-group lambdas with ``.loc``): the baseline."""
    if mandatory is None:
        mandatory = mandatory_status(rubric, scores)
    detail = evaluate_conditions(rubric, scores, context, mandatory=mandatory) if conditions is None else conditions
    if detail.empty:
        return pd.DataFrame(columns=["region", "year", "verdict", "reasons", "reasons_en", "failed",
                                     "unknown", "unmet_mandatory"])
    g = detail.groupby(["region", "year"], sort=True)
    out = g.agg(
        reasons=("reason_zh", list), reasons_en=("reason_en", list),
        failed=("condition", lambda s: list(s[detail.loc[s.index, "result"] == "fail"])),
        unknown=("condition", lambda s: list(s[detail.loc[s.index, "result"] == "unknown"])),
    ).reset_index()
    n_fail = out["failed"].str.len()
    n_unknown = out["unknown"].str.len()
    excluded = detail[(detail["kind"] == "exclusion") & (detail["result"] == "fail")]
    n_excluded = out.set_index(["region", "year"]).index.isin(
        excluded.set_index(["region", "year"]).index)
    ok = positive_verdict(rubric)
    out["verdict"] = verdict_rule(three_valued(n_fail > 0, n_unknown > 0), n_excluded, ok)
    mand = mandatory
    unmet = (mand[mand["met"].fillna(True) == False]  # noqa: E712 - nullable boolean
             .groupby(["region", "year"])["id"].agg(list))
    out = out.merge(unmet.rename("unmet_mandatory").reset_index(), on=["region", "year"], how="left")
    out["unmet_mandatory"] = out["unmet_mandatory"].apply(lambda v: v if isinstance(v, list) else [])
    return out[["region", "year", "verdict", "reasons", "reasons_en", "failed", "unknown", "unmet_mandatory"]]


def synthetic(n_regions: int, n_years: int = 5, seed: int = 16) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``(data, context, zones)`` for ``n_regions`` synthetic regions over the demo's last ``n_years`` years.

    Each region copies a demo region (drawn with ``seed``): its indicator values, with one in ten replaced by
    another demo region's value of the same criterion and year, and its certification context. A region that
    copies a development zone is a zone (``zones``). Codes ``S00000``, ``S00001``, …; same seed, same frames."""
    rubric = load_rubric("shaanxi-2020")
    data = load_data(DEMO / "shaanxi-2020_indicators.csv", rubric=rubric)
    ctx = load_context([DEMO / "context.csv", DEMO / "national_npl.csv"])
    rng = np.random.default_rng(seed)
    demo_regions = np.asarray(sorted(data["region"].astype(str).unique()), dtype=object)
    years = sorted(int(y) for y in data["year"].unique())[-n_years:]
    crits = rubric.criteria["id"].to_numpy(object)
    cube = (data.astype({"region": str, "criterion": str}).set_index(["region", "year", "criterion"])["value"]
            .reindex(pd.MultiIndex.from_product([demo_regions, years, crits])).to_numpy(float)
            .reshape(len(demo_regions), len(years), len(crits)))
    pick = rng.integers(0, len(demo_regions), n_regions)
    values = cube[pick]
    swap = rng.random(values.shape) < 0.1
    # The replacing value comes from a demo region of the same kind (a zone's rows are scored as a zone's).
    is_zone = np.char.startswith(demo_regions.astype(str), "KF")
    pools = [np.flatnonzero(~is_zone), np.flatnonzero(is_zone)]
    donor = np.empty(values.shape, dtype=np.int64)
    for kind, pool in enumerate(pools):
        rows = is_zone[pick] == bool(kind)
        donor[rows] = pool[rng.integers(0, len(pool), (int(rows.sum()), *values.shape[1:]))]
    other = cube[donor, np.arange(len(years))[None, :, None], np.arange(len(crits))[None, None, :]]
    values = np.where(swap, other, values)
    codes = np.asarray([f"S{i:05d}" for i in range(n_regions)], dtype=object)
    out = pd.DataFrame({
        "region": np.repeat(codes, len(years) * len(crits)),
        "year": np.tile(np.repeat(np.asarray(years, dtype=np.int64), len(crits)), n_regions),
        "criterion": np.tile(crits, n_regions * len(years)), "value": values.ravel(),
    }).astype({"region": "category", "criterion": "category"})  # the dtypes load_data returns
    c = ctx.assign(region=ctx["region"].astype(str)).set_index("region")
    src = pd.DataFrame({"region": codes, "source": demo_regions[pick]})
    context = (src.merge(c.reset_index().rename(columns={"region": "source"}), on="source", how="inner")
               .drop(columns="source"))
    context = context[context["year"].isin(years)].sort_values(["region", "year"]).reset_index(drop=True)
    zones = [str(code) for code, p in zip(codes, demo_regions[pick], strict=True) if p.startswith("KF")]
    return out, context, zones


def relabel(data: pd.DataFrame, context: pd.DataFrame, zones: list[str], folder: Path
            ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The frames of :func:`synthetic` with ``S00000``, ``S00001``, … renamed to the counties of the synthetic
    province written by :func:`write_scope` into ``folder`` (in its order: one county per synthetic region)."""
    regions = pd.read_csv(folder / "regions" / "regions.csv", dtype=str, keep_default_na=False)
    counties = regions.loc[regions["level"] == "county", "code"].tolist()
    names = sorted(data["region"].astype(str).unique())
    if len(counties) != len(names):
        raise SystemExit(f"the synthetic province has {len(counties)} counties for {len(names)} regions")
    code = dict(zip(names, counties, strict=True))
    data = data.assign(region=data["region"].astype(str).map(code).astype("category"))
    context = context.assign(region=context["region"].map(code))
    return data, context, [code[z] for z in zones]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, default=3000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rubric = load_rubric("shaanxi-2020")
    data, context, zones = synthetic(args.regions, args.years)
    # From here on the regions table is the synthetic province's (the loaders' caches are keyed on the file).
    scope = Path(tempfile.mkdtemp(prefix="creditlab-bench-certify-"))
    atexit.register(shutil.rmtree, scope, ignore_errors=True)
    write_scope(scope, args.regions)
    os.environ["CREDITLAB_DATA"] = str(scope)
    data, context, zones = relabel(data, context, zones, scope)
    print(f"data: {args.regions:,} regions × {args.years} years = {len(data):,} indicator rows, "
          f"{len(context):,} context rows, {len(zones)} zones")

    def new() -> tuple[pd.DataFrame, dict[str, float]]:
        m = Model(rubric, data, context, zones=zones)
        t0 = time.perf_counter()
        m.mandatory  # noqa: B018 - scores and mandatory rows
        t1 = time.perf_counter()
        m.conditions  # noqa: B018
        t2 = time.perf_counter()
        v = m.verdicts
        t3 = time.perf_counter()
        return v, {"score+mandatory": t1 - t0, "conditions": t2 - t1, "certify": t3 - t2}

    def old() -> tuple[pd.DataFrame, dict[str, float]]:
        m = Model(rubric, data, context, zones=zones)
        t0 = time.perf_counter()
        m.mandatory  # noqa: B018
        t1 = time.perf_counter()
        m.conditions  # noqa: B018
        t2 = time.perf_counter()
        v = legacy_certify(rubric, m.scores, context, conditions=m.conditions, mandatory=m.mandatory)
        t3 = time.perf_counter()
        return v, {"score+mandatory": t1 - t0, "conditions": t2 - t1, "certify": t3 - t2}

    times: dict[str, list[float]] = {"new": [], "old": []}
    parts: dict[str, dict[str, list[float]]] = {"new": {}, "old": {}}
    results: dict[str, pd.DataFrame] = {}
    for _ in range(args.repeat):   # interleaved: new, old, new, old, ...
        for name, fn in (("new", new), ("old", old)):
            t, (v, split) = timed(fn)
            times[name].append(t)
            for k, x in split.items():
                parts[name].setdefault(k, []).append(x)
            results[name] = v
    pd.testing.assert_frame_equal(results["new"], results["old"])
    counts = results["new"]["verdict"].value_counts().to_dict()
    print(f"identical verdict frames ({len(results['new']):,} region-years; {counts})")
    for name in ("new", "old"):
        split = ", ".join(f"{k} {min(v):.2f}" for k, v in parts[name].items())
        print(f"{name}: evaluate min {min(times[name]):6.2f} s, median {statistics.median(times[name]):6.2f} s "
              f"(min per stage: {split})")
    print(f"certify alone: old/new = {min(parts['old']['certify']) / min(parts['new']['certify']):.1f}×; "
          f"whole evaluation: old/new = {min(times['old']) / min(times['new']):.1f}× "
          f"(aim: new under 4 s at 3,000 × 5)")


if __name__ == "__main__":
    main()
