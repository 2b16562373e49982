"""Generate the SYNTHETIC demo indicator data in data/demo/ (seeded, reproducible).

    .venv/bin/python data/demo/generate_demo.py            # rewrite the CSVs and print a summary
    .venv/bin/python data/demo/generate_demo.py --check    # exit 1 if the committed files would change

Every value is invented. Region names and codes are real (regions.csv, zones.csv); nothing here is
an assessment of any real county. The story: each county (and development zone) has a latent
"capacity" set by its type (urban districts and zones ahead of rural counties), its city (西安 ahead,
the southern mountain cities 安康/商洛 behind) and its own draw, which grows over 2020–2024 for most
and stalls for a few. Every indicator value is derived from that capacity; a few counties miss a
必备条件 (mandatory row) in 2024, a few criteria are not assessed for a couple of counties, and the
2024 totals spread around the 85-point certification mark.

The other two rubrics get demo data on their own jurisdictions, each from its own seed (so that the
Shaanxi files stay exactly as they were): the Linyi 信用县 monitoring metrics on 临沂市's 3 districts and
9 counties (2020–2024), and the Henan guidance's assessment scores on Henan's 157 county-level divisions
(2021–2023) with the context of its five exclusion conditions.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from creditlab.data import assessment_units, load_context, load_data, write_csv  # noqa: E402
from creditlab.loaders.zones import jurisdiction_units  # noqa: E402
from creditlab.rubric import load_rubric  # noqa: E402

SEED = 20200101
YEARS = np.arange(2020, 2025)
HERE = Path(__file__).resolve().parent
OUT_SHAANXI = HERE / "shaanxi-2020_indicators.csv"
OUT_LINYI = HERE / "linyi-2019_indicators.csv"   # the report batch's demo file: <rubric>_indicators.csv
OUT_HENAN = HERE / "henan-2021_indicators.csv"
OUT_HENAN_CONTEXT = HERE / "henan-2021_context.csv"  # a rubric's own demo context: <rubric>_context.csv
OUT_CONTEXT = HERE / "context.csv"
OUT_NATIONAL = HERE / "national_npl.csv"
SEED_LINYI = 20190701    # own seeds: the Shaanxi stream above is untouched
SEED_HENAN = 20210401
YEARS_HENAN = np.arange(2021, 2024)  # the guidance's years, 2021–2023
# Year-end commercial-bank NPL ratios as published by the regulator (rounded); a plausible yardstick.
NATIONAL_NPL = {2020: 1.84, 2021: 1.73, 2022: 1.63, 2023: 1.59, 2024: 1.50}

TYPE_BASE = {"district": 0.43, "county_city": 0.39, "county": 0.33, "zone": 0.45}  # other types: as county
CITY_EFFECT = {  # prefecture city -> capacity shift
    "610100": 0.07, "610200": 0.00, "610300": 0.03, "610400": 0.02, "610500": 0.00,
    "610600": -0.01, "610700": -0.02, "610800": 0.02, "610900": -0.04, "611000": -0.05,
}
# Criterion difficulty by level-1 area: groundwork is easier than innovation; effects in between.
AREA_DIFFICULTY = {"A": 0.34, "B": 0.52, "C": 0.45}


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def capacity(units: pd.DataFrame, rng: np.random.Generator, years: np.ndarray = YEARS) -> np.ndarray:
    """Latent capacity, shape (units, years): type + city + own level + own trend + yearly noise."""
    kind = np.where(units["is_park"], "zone", units["type"])
    city = units["city_code"].map(CITY_EFFECT).fillna(0.0).to_numpy(float)  # no city effect outside Shaanxi
    base = np.array([TYPE_BASE.get(k, TYPE_BASE["county"]) for k in kind]) + city
    own = rng.normal(0.0, 0.05, len(units))
    slope = rng.normal(0.05, 0.018, len(units))
    stalled = rng.random(len(units)) < 0.08  # a few counties do not improve
    slope = np.where(stalled, rng.normal(0.0, 0.01, len(units)), slope)
    t = (years - 2020)[None, :]
    return base[:, None] + own[:, None] + slope[:, None] * t + rng.normal(0, 0.02, (len(units), len(years)))


def shaanxi_values(units: pd.DataFrame, cap: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Values, shape (units, years, criteria), following each rule's value convention."""
    crit = load_rubric("shaanxi-2020").criteria
    n, y, k = len(units), len(YEARS), len(crit)
    diff = crit["id"].str[0].map(AREA_DIFFICULTY).to_numpy(float) + rng.normal(0, 0.06, k)
    diff = np.where(crit["mandatory"], diff - 0.40, diff)  # 必备条件 are basic: almost everyone meets them
    gap = cap[:, :, None] - diff[None, None, :]  # > 0: the county is ahead of the criterion
    noise = rng.normal(0, 1, (n, y, k))
    park = units["is_park"].to_numpy()[:, None, None] & crit["park_rule"].notna().to_numpy()[None, None, :]
    values = np.full((n, y, k), np.nan)
    for j, c in enumerate(crit.itertuples()):
        g, e = gap[:, :, j], noise[:, :, j]
        if c.rule == "binary":
            v = (sigmoid(9 * g + 0.9 * e) > 0.5).astype(float)
        elif c.rule == "threshold" and c.unit == "percent":
            v = np.clip(c.at_least + 70 * g + 9 * e, 0, 100).round(1)
        elif c.rule == "threshold":
            v = np.floor(np.clip(c.at_least * np.exp(2.2 * g + 0.35 * e), 0, 40))
        elif c.rule == "per_unit":
            full = c.cap / c.per_unit
            v = np.floor(np.clip(full * sigmoid(5 * g + 0.6 * e + 0.8), 0, full * 1.3))
        else:  # discretionary, graded: the points awarded, in half points
            v = np.round(c.max * np.clip(sigmoid(5 * g + 0.6 * e + 0.4), 0, 1) * 2) / 2
        if c.park_rule in ("discretionary", "graded"):  # zones: the assessor's points instead of a count
            pv = np.round(c.park_max * np.clip(sigmoid(5 * g + 0.6 * e + 0.6), 0, 1) * 2) / 2
            v = np.where(park[:, :, j], pv, v)
        values[:, :, j] = v
    return values


def points(values: np.ndarray, crit: pd.DataFrame, is_park: np.ndarray) -> np.ndarray:
    """Points by the rule formulas of SCHEMA.md (park variant for zones); NaN stays NaN."""
    out = np.full(values.shape, np.nan)
    for j, c in enumerate(crit.itertuples()):
        v = values[..., j]
        if c.rule == "binary":
            p = np.where(v >= 1, c.points, 0.0)
        elif c.rule == "threshold":
            p = np.where(v >= c.at_least, c.points, 0.0)
        elif c.rule == "per_unit":
            p = np.minimum(c.per_unit * v, c.cap)
        else:
            p = v
        if c.park_rule in ("discretionary", "graded"):
            p = np.where(is_park[:, None], v, p)
        out[..., j] = np.where(np.isnan(v), np.nan, p)
    return out


def shape_story(units: pd.DataFrame, values: np.ndarray, rng: np.random.Generator) -> dict[str, list[str]]:
    """Mandatory failures in 2024 and a few criteria not assessed; returns who was touched."""
    crit = load_rubric("shaanxi-2020").criteria
    mand = np.flatnonzero(crit["mandatory"].to_numpy())
    pts = points(values, crit, units["is_park"].to_numpy())
    total24 = np.nansum(pts[:, -1, :], axis=1)
    last = len(YEARS) - 1
    # Four strong counties lose one 必备条件 in 2024 (a score ≥ 85 that still cannot be certified),
    # two weaker ones never met one.
    strong = np.flatnonzero(~units["is_park"].to_numpy() & (total24 >= 86))
    weak = np.flatnonzero(~units["is_park"].to_numpy() & (total24 < 70))
    chosen_strong = rng.choice(strong, size=min(4, len(strong)), replace=False)
    chosen_weak = rng.choice(weak, size=min(2, len(weak)), replace=False)
    for i in chosen_strong:
        values[i, last, rng.choice(mand)] = 0.0
    for i in chosen_weak:
        values[i, :, rng.choice(mand)] = 0.0
    # Not assessed: two counties had no survey for the 建设成效 items in 2024, one lacks a rate in 2022.
    graded = np.flatnonzero(crit["rule"].to_numpy() == "graded")
    rates = np.flatnonzero((crit["rule"] == "threshold").to_numpy() & (crit["unit"] == "percent").to_numpy())
    others = np.setdiff1d(np.arange(len(units)), np.concatenate([chosen_strong, chosen_weak]))
    na_units = rng.choice(others, size=3, replace=False)
    values[na_units[0], last, graded[:3]] = np.nan
    values[na_units[1], last, graded[3:]] = np.nan
    values[na_units[2], 2, rates[0]] = np.nan
    code = units["code"].to_numpy()
    return {"mandatory_2024": list(code[chosen_strong]), "mandatory_always": list(code[chosen_weak]),
            "not_assessed": list(code[na_units])}


def long_frame(units: pd.DataFrame, ids: list[str], values: np.ndarray,
               evidence: dict[tuple[int, int, int], str] | None = None, years: np.ndarray = YEARS) -> pd.DataFrame:
    n, y, k = values.shape
    frame = pd.DataFrame({
        "region": np.repeat(units["code"].to_numpy(), y * k),
        "year": np.tile(np.repeat(years, k), n),
        "criterion": np.tile(np.asarray(ids, dtype=object), n * y),
        "value": values.ravel(),
        "evidence": "",
    })
    for (i, t, j), text in (evidence or {}).items():
        frame.loc[(i * y + t) * k + j, "evidence"] = text
    return frame


def context_frame(units: pd.DataFrame, cap: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Certification context: defaulter shares, rectification rates and NPL ratios track capacity."""
    n, y = cap.shape
    t = (YEARS - 2020)[None, :]
    rural = (units["type"] == "county").to_numpy()[:, None]
    legal = np.exp(rng.normal(-0.9, 0.55, (n, y)) - 2.0 * (cap - 0.6)).round(2)
    natural = np.exp(rng.normal(-0.7, 0.5, (n, y)) - 2.0 * (cap - 0.6)).round(2)
    gov = rng.poisson(0.04 + 0.25 * np.clip(0.5 - cap, 0, None), (n, y)).astype(float)
    rect = np.clip(78 + 30 * (cap - 0.5) + 1.5 * t + rng.normal(0, 4, (n, y)), 40, 100).round(1)
    grect = np.clip(88 + 20 * (cap - 0.5) + 1.0 * t + rng.normal(0, 3, (n, y)), 50, 100).round(1)
    npl = np.clip(np.exp(rng.normal(0.25, 0.3, (n, y)) - 1.2 * (cap - 0.6) + 0.25 * rural - 0.05 * t),
                  0.3, 9).round(2)
    incident = rng.random((n, y)) < 0.015
    frame = pd.DataFrame({
        "region": np.repeat(units["code"].to_numpy(), y),
        "year": np.tile(YEARS, n),
        "major_incident": np.where(incident.ravel(), "是", "否"),
        "debtor_share_legal": legal.ravel(),
        "debtor_share_natural": natural.ravel(),
        "government_debtors": gov.ravel(),
        "rectification_rate": rect.ravel(),
        "government_rectification_rate": grect.ravel(),
        "npl_ratio": npl.ravel(),
    })
    # Unknown is explicit: two counties have not reported their 2024 rectification rates yet.
    missing = rng.choice(n, size=2, replace=False)
    rows = missing * y + (y - 1)
    frame.loc[rows, ["rectification_rate", "government_rectification_rate"]] = np.nan
    return frame


LINYI_BASE = {  # metric id -> typical level at average capacity (else by unit, below)
    "L1.2-1": None,  # share of the city's entries: computed so the city's counties add up to 100
    "L1.2-2": 1.2, "L1.2-3": 0.08, "L1.2-4": 18.0, "L1.3-1": 12.0, "L1.4-1": 0.3, "L1.4-2": 3.0,
    "L1.6-1": 0.4, "L1.6-2": 1.5, "L1.6-3": 1.0, "L1.6-4": 1.2, "L1.6-5": 0.3, "L6.1-2": 3.5,
    "L6.1-3": 260.0,
}
UNIT_BASE = {"count": 25.0, "percent": 70.0, "score": 75.0, "days": 4.0}


def linyi_values(units: pd.DataFrame, cap: np.ndarray, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Monitoring metrics for the counties: better values where capacity is higher, with noise."""
    metrics = load_rubric("linyi-2019").metrics
    n, y = cap.shape
    size = np.where(units["type"] == "district", 1.4, np.where(units["type"] == "county_city", 1.1, 0.8))
    g = (cap - 0.55)[:, :, None]
    e = rng.normal(0, 1, (n, y, len(metrics)))
    out = np.full((n, y, len(metrics)), np.nan)
    for j, m in enumerate(metrics.itertuples()):
        sign = 1.0 if m.direction == "higher" else -1.0
        base = LINYI_BASE.get(m.id, UNIT_BASE.get(m.unit, 10.0))
        gj, ej = g[:, :, 0], e[:, :, j]
        if m.id == "L1.2-1":
            w = np.exp(-1.5 * gj + 0.3 * ej) * size[:, None]
            city = units["city_code"].to_numpy()
            tot = pd.DataFrame(w).groupby(city).transform("sum").to_numpy()
            v = (100 * w / tot).round(2)
        elif m.unit == "yes_no":
            v = (sigmoid(8 * (gj + 0.15) + ej) > 0.5).astype(float)
        elif m.unit == "percent" and base >= 30:
            v = np.clip(100 * sigmoid(np.log(base / (100 - base)) + sign * 3 * gj + 0.4 * ej), 0, 100).round(1)
        elif m.unit == "percent":
            v = np.clip(base * np.exp(sign * 2 * gj + 0.3 * ej), 0, 100).round(2)
        elif m.unit == "count":
            lam = base * np.exp(sign * 2 * gj + 0.25 * ej) * (size[:, None] if base > 2 else 1.0)
            v = rng.poisson(lam).astype(float)
        elif m.unit == "days":
            v = np.clip(base * np.exp(sign * 1.5 * gj + 0.2 * ej), 0.5, 30).round(1)
        else:  # score given by the monitoring platform, 0–100
            v = np.clip(base + sign * 60 * gj + 6 * ej, 0, 100).round(1)
        out[:, :, j] = v
    return list(metrics["id"]), out


def henan_values(units: pd.DataFrame, cap: np.ndarray, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """The guidance's assessment scores (0–100 per 三级指标): higher where capacity is higher, each indicator
    with its own difficulty; a few not assessed (blank)."""
    crit = load_rubric("henan-2021").criteria
    n, y, k = len(units), cap.shape[1], len(crit)
    diff = rng.normal(0.40, 0.06, k)
    gap = cap[:, :, None] - diff[None, None, :]
    values = np.clip(100 * sigmoid(4 * gap + 0.35 * rng.normal(0, 1, (n, y, k)) + 1.0), 0, 100).round(1)
    blank = rng.random((n, y, k)) < 0.004  # an indicator the provincial team did not assess
    return list(crit["id"]), np.where(blank, np.nan, values)


def henan_context(units: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The five exclusion facts (是/否) per county and year: rare; two not yet known (blank)."""
    n, y = len(units), len(YEARS_HENAN)
    frame = pd.DataFrame({"region": np.repeat(units["code"].to_numpy(), y), "year": np.tile(YEARS_HENAN, n)})
    rates = {"major_safety_accident_3y": 0.015, "major_pollution_accident_3y": 0.01, "energy_target_missed": 0.03,
             "statistical_fraud": 0.005, "government_is_debtor": 0.01}
    for name, rate in rates.items():
        frame[name] = np.where(rng.random(n * y) < rate, "是", "否")
    unknown = rng.choice(n * y, size=2, replace=False)
    frame.loc[unknown, "energy_target_missed"] = ""
    return frame


def generate() -> tuple[dict[Path, pd.DataFrame], dict[str, list[str]]]:
    rng = np.random.default_rng(SEED)
    units = assessment_units().sort_values("code", kind="stable").reset_index(drop=True)
    cap = capacity(units, rng)
    values = shaanxi_values(units, cap, rng)
    story = shape_story(units, values, rng)
    crit = load_rubric("shaanxi-2020").criteria
    ids = list(crit["id"])
    code = list(units["code"])
    note = {}
    for c in story["not_assessed"][:2]:
        j = ids.index("C1.1a")
        note[(code.index(c), len(YEARS) - 1, j)] = "问卷调查尚未开展，待第三方评估 (survey not yet done)"
    shaanxi = long_frame(units, ids, values, note)
    counties = units[~units["is_park"]].reset_index(drop=True)
    # The former demo drew Linyi metrics for Shaanxi's counties here; the draws are kept (and dropped) so
    # that context.csv, drawn next from the same stream, stays byte-for-byte what it was.
    linyi_values(counties, cap[~units["is_park"].to_numpy()], rng)
    context = context_frame(units, cap, rng)
    national = pd.DataFrame({"year": list(NATIONAL_NPL), "national_npl_ratio": list(NATIONAL_NPL.values())})
    # Linyi: the rubric's own jurisdiction, 临沂市 (371300).
    rng_l = np.random.default_rng(SEED_LINYI)
    lunits = jurisdiction_units(load_rubric("linyi-2019").jurisdiction).sort_values("code").reset_index(drop=True)
    lids, lvalues = linyi_values(lunits, capacity(lunits, rng_l), rng_l)
    linyi = long_frame(lunits, lids, lvalues)
    # Henan: the guidance's jurisdiction, 河南省 (410000), 2021–2023.
    rng_h = np.random.default_rng(SEED_HENAN)
    hunits = jurisdiction_units(load_rubric("henan-2021").jurisdiction).sort_values("code").reset_index(drop=True)
    hids, hvalues = henan_values(hunits, capacity(hunits, rng_h, YEARS_HENAN), rng_h)
    henan = long_frame(hunits, hids, hvalues, years=YEARS_HENAN)
    hcontext = henan_context(hunits, rng_h)
    return ({OUT_SHAANXI: shaanxi, OUT_LINYI: linyi, OUT_CONTEXT: context, OUT_NATIONAL: national,
             OUT_HENAN: henan, OUT_HENAN_CONTEXT: hcontext}, story)


def write(frames: dict[Path, pd.DataFrame], folder: Path) -> dict[Path, Path]:
    out = {}
    for path, frame in frames.items():
        target = folder / path.name
        if list(frame.columns) == ["region", "year", "criterion", "value", "evidence"]:
            write_csv(frame, target)
        else:
            frame.to_csv(target, index=False, lineterminator="\n", float_format="%.10g")
        out[path] = target
    return out


def summary(folder: Path, story: dict[str, list[str]]) -> str:
    """Load the written files back with creditlab's loaders and describe the distribution."""
    rub = load_rubric("shaanxi-2020")
    data = load_data(folder / OUT_SHAANXI.name, rub)
    linyi = load_data(folder / OUT_LINYI.name, "linyi-2019")
    henan = load_data(folder / OUT_HENAN.name, "henan-2021")
    load_context(folder / OUT_HENAN_CONTEXT.name)
    context = load_context([folder / OUT_CONTEXT.name, folder / OUT_NATIONAL.name])
    units = assessment_units().sort_values("code", kind="stable").reset_index(drop=True)
    wide = data.pivot_table(index=["region", "year"], columns="criterion", values="value", dropna=False)
    wide = wide.reindex(columns=rub.criteria["id"])
    park = wide.index.get_level_values("region").isin(units.loc[units["is_park"], "code"])
    pts = points(wide.to_numpy()[:, None, :], rub.criteria, park)[:, 0, :]
    tot = pd.Series(np.nansum(pts, axis=1), index=wide.index)
    mand = rub.criteria["mandatory"].to_numpy()
    unmet = pd.Series(((wide.to_numpy()[:, mand] == 0)).sum(axis=1), index=wide.index)
    lines = ["year  mean  min   max   >=85  84-86  mandatory-unmet"]
    for year in YEARS:
        t, u = tot.xs(year, level="year"), unmet.xs(year, level="year")
        lines.append(f"{year}  {t.mean():5.1f} {t.min():5.1f} {t.max():5.1f} {(t >= 85).sum():4d}  "
                     f"{((t >= 84) & (t <= 86)).sum():5d}  {(u > 0).sum():5d}")
    t24 = tot.xs(2024, level="year")
    t20 = tot.xs(2020, level="year")
    kind = units.set_index("code").pipe(lambda u: u["type"].where(~u["is_park"], "zone"))
    by_type = t24.groupby(t24.index.map(kind)).mean().round(1).to_dict()
    lines.append(f"2024 mean by type: {by_type}; improved 2020→2024: {int((t24 > t20).sum())} of {len(t24)}")
    lines.append(f"units: {len(units)} ({int(units['is_park'].sum())} zones); rows: shaanxi {len(data)}, "
                 f"not assessed {int(data['value'].isna().sum())}")
    ok24 = (t24 >= 85) & (unmet.xs(2024, level="year") == 0)
    lines.append(f"2024 >=85 and every mandatory met: {int(ok24.sum())}")
    lines.append(f"story: {story}")
    lines.append(f"context rows {len(context)}; 2024 npl above national: "
                 f"{int((context.query('year == 2024').eval('npl_ratio >= national_npl_ratio')).sum())}")
    lines.append(_cross_check(rub, data, units, tot))
    lines.append(f"linyi-2019: {linyi['region'].nunique()} units of 临沂市, {len(linyi)} rows; henan-2021: "
                 f"{henan['region'].nunique()} units of 河南省, {len(henan)} rows "
                 f"({int(henan['value'].isna().sum())} not assessed)")
    return "\n".join(lines)


def _cross_check(rub, data: pd.DataFrame, units: pd.DataFrame, tot: pd.Series) -> str:
    """Compare the totals with creditlab.scoring.score, if the module is there."""
    try:
        from creditlab.scoring import score, totals
    except ImportError:
        return "cross-check: creditlab.scoring not available"
    s = totals(score(rub, data, zones=list(units.loc[units["is_park"], "code"])))
    theirs = s.set_index(["region", "year"])["points"].reindex(tot.index)
    diff = float((theirs - tot).abs().max())
    if diff > 1e-9:
        raise SystemExit(f"cross-check with creditlab.scoring.score FAILED: max difference {diff}")
    return f"cross-check with creditlab.scoring.score: totals agree (max difference {diff:g})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files would change")
    args = parser.parse_args(argv)
    frames, story = generate()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            written = write(frames, Path(tmp))
            changed = [p.name for p, w in written.items()
                       if not p.exists() or p.read_bytes() != w.read_bytes()]
        print("up to date" if not changed else f"would change: {', '.join(changed)}")
        return 1 if changed else 0
    write(frames, HERE)
    print(summary(HERE, story))
    return 0


if __name__ == "__main__":
    sys.exit(main())
