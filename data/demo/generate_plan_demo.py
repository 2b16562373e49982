"""Generate the SYNTHETIC demo data for plan progress and city rankings (seeded, reproducible).

    .venv/bin/python data/demo/generate_plan_demo.py            # rewrite the two CSVs, print a summary
    .venv/bin/python data/demo/generate_plan_demo.py --check    # exit 1 if the committed files would change

Every value is invented; city names and codes are real (data/regions/regions.csv). Nothing here is an
assessment of any real city or of Shaanxi. The story:

* ``city_rankings.csv``: monthly national city credit-monitoring ranks 2020-01 to 2024-12 for Xi'an (in the
  36-city group), the nine other prefecture cities (prefecture-level group, 261–263 cities) and the seven
  county-level cities (county-level group, 360–375 cities; 杨凌示范区 is not ranked as a city). Most cities
  climb; 商洛市 and 子长市 stay last in their tiers. The provincial average percentile falls from about
  65 in December 2020 to about 49 in December 2024 — progress, but behind the plan's straight-line path
  to 40 in 2025.
* ``plan_observations.csv``: yearly province values 2020–2024 for the 13 plan indicators (indicator 10 is the
  December average of the rankings above), values for the milestones of other documents, and city-level
  blacklist shares for the ten prefecture cities. Most indicators improve; the blacklist share (约束性)
  falls far too slowly; the records total beats its 2025 target early; 秦信融 loans miss their 2023
  milestone.
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

from creditlab.monitoring import load_rankings, yearly_observations  # noqa: E402
from creditlab.plan import assess_progress, check_milestones, load_observations, load_plan  # noqa: E402
from creditlab.regions import load_regions  # noqa: E402

SEED = 20210804  # the plan's date
HERE = Path(__file__).resolve().parent
OUT_RANKINGS = HERE / "city_rankings.csv"
OUT_OBSERVATIONS = HERE / "plan_observations.csv"
YEARS = np.arange(2020, 2025)
# National group sizes by year (invented, close to the published ~36 / ~261 / ~360; they change a little).
GROUP_SIZES = {
    "capital": {2020: 36, 2021: 36, 2022: 36, 2023: 36, 2024: 36},
    "prefecture": {2020: 261, 2021: 261, 2022: 262, 2023: 262, 2024: 263},
    "county": {2020: 360, 2021: 364, 2022: 368, 2023: 371, 2024: 375},
}
# Latent percentile in December 2020 and December 2024 per city (the story; noise is added monthly).
CITY_PATH = {
    "西安市": (30, 14), "铜川市": (72, 56), "宝鸡市": (47, 26), "咸阳市": (57, 41), "渭南市": (70, 50),
    "延安市": (52, 30), "汉中市": (67, 53), "榆林市": (50, 34), "安康市": (74, 62), "商洛市": (89, 87),
    "兴平市": (72, 56), "彬州市": (77, 61), "韩城市": (52, 36), "华阴市": (80, 63), "子长市": (92, 90),
    "神木市": (42, 23), "旬阳市": (82, 71),
}
# Yearly province values 2020-2024 before noise (None: not observed; 2020 = the plan's baseline).
PROVINCE_PATH = {
    "credit_records": [3, 4.6, 7.1, 10.3, 12.0],
    "sharing_coverage": [80, 83, 86, 89, 91.5],
    "agri_credit_db": [16.8, 31, 49, 66, 81],
    "local_credit_platforms": [63.6, 72.7, 81.8, 81.8, 90.9],  # 7/11 ... 10/11 of the cities
    "commitment_coverage": [None, 34, 47, 56, 63],
    "double_publicity": [70, 78, 85, 91, 96],
    "credit_service_firms": [3, 3, 4, 4, 4],
    "new_scenarios": [None, 4, 9, 14, 18],
    "credit_managers": [None, 360, 810, 1240, 1590],
    "blacklist_share": [1.3, 1.26, 1.19, 1.13, 1.09],
    "demo_counties": [None, 4, 4, 9, 9],  # first and second batches
    "credit_towns": [18.8, 24, 29.5, 34, 38.5],
}
NOISY = {"sharing_coverage", "agri_credit_db", "commitment_coverage", "double_publicity", "credit_managers",
         "blacklist_share", "credit_towns", "credit_records"}
DIGITS = {"credit_records": 1, "blacklist_share": 2, "credit_managers": 0}
MILESTONE_VALUES = [  # id, region, year, value
    ("wp2023_qxr_enterprises", "陕西省", 2021, 6.1), ("wp2023_qxr_enterprises", "陕西省", 2022, 11.2),
    ("wp2023_qxr_enterprises", "陕西省", 2023, 16.4),
    ("wp2023_qxr_loans", "陕西省", 2021, 180), ("wp2023_qxr_loans", "陕西省", 2022, 420),
    ("wp2023_qxr_loans", "陕西省", 2023, 655),
    ("wp2023_gov_integrity_good", "陕西省", 2022, 84.5), ("wp2023_gov_integrity_good", "陕西省", 2023, 91.2),
    ("plan_local_service_firms_2025", "陕西省", 2021, 1), ("plan_local_service_firms_2025", "陕西省", 2023, 2),
    ("yanan_uscc_error_rate", "延安市", 2021, 0.008), ("yanan_sgs_reporting", "延安市", 2021, 100),
    ("yanan_sgs_quality", "延安市", 2021, 99.2), ("yanan_sgs_timeliness", "延安市", 2021, 100),
    ("yanan_gov_rectification", "延安市", 2021, 100),
]


def ranked_cities() -> pd.DataFrame:
    """Shaanxi's prefecture cities and county-level cities with their national group."""
    reg = load_regions("陕西")
    cities = reg[reg["type"].isin(["prefecture_city", "county_city"])].copy()
    cities["group"] = np.where(cities["type"] == "county_city", "county",
                               np.where(cities["name"] == "西安市", "capital", "prefecture"))
    missing = set(cities["name"]) ^ set(CITY_PATH)
    if missing:
        raise SystemExit(f"regions.csv and CITY_PATH disagree on: {sorted(missing)}")
    return cities[["name", "code", "group"]].rename(columns={"name": "city", "code": "city_code"})


def make_rankings(rng: np.random.Generator) -> pd.DataFrame:
    cities = ranked_cities()
    months = pd.period_range("2020-01", "2024-12", freq="M")
    t = (np.arange(len(months)) - 11) / 48.0  # 0 in December 2020, 1 in December 2024
    start = cities["city"].map(lambda c: CITY_PATH[c][0]).to_numpy(float)
    end = cities["city"].map(lambda c: CITY_PATH[c][1]).to_numpy(float)
    latent = start[:, None] + (end - start)[:, None] * t[None, :]
    # AR(1) monthly noise: the rolling 12-month window makes ranks sticky from one month to the next
    noise = np.zeros_like(latent)
    shocks = rng.normal(0, 2.2, latent.shape)
    for m in range(1, latent.shape[1]):  # 60 steps over all cities at once
        noise[:, m] = 0.7 * noise[:, m - 1] + shocks[:, m]
    pct = np.clip(latent + noise, 0.5, 100)
    frame = pd.DataFrame({
        "city": np.repeat(cities["city"].to_numpy(), len(months)),
        "city_code": np.repeat(cities["city_code"].to_numpy(), len(months)),
        "group": np.repeat(cities["group"].to_numpy(), len(months)),
        "period": np.tile(months.astype(str), len(cities)),
        "year": np.tile(months.year, len(cities)),
        "pct": pct.ravel(),
    })
    frame["group_size"] = [GROUP_SIZES[g][y] for g, y in zip(frame["group"], frame["year"], strict=True)]
    frame["rank"] = np.clip(np.round(frame["pct"] / 100 * frame["group_size"]), 1, frame["group_size"]).astype(int)
    # two cities of one group cannot share a rank in a month: push later ones down a place
    frame = frame.sort_values(["period", "group", "rank", "city_code"]).reset_index(drop=True)
    for _ in range(len(CITY_PATH)):
        clash = frame.duplicated(["period", "group", "rank"])
        if not clash.any():
            break
        frame.loc[clash, "rank"] += 1
    frame = frame.sort_values(["period", "group", "rank"]).reset_index(drop=True)
    return frame[["city", "city_code", "group", "period", "rank", "group_size"]]


def make_observations(rng: np.random.Generator, rankings: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for ind, values in PROVINCE_PATH.items():
        for year, v in zip(YEARS, values, strict=True):
            if v is None:
                continue
            if ind in NOISY and year > 2020:
                v = v * (1 + rng.normal(0, 0.01))
            rows.append((ind, "陕西省", int(year), round(float(v), DIGITS.get(ind, 1))))
    ranking = yearly_observations(rankings)
    rows += [(r.id, "陕西省", int(r.year), float(r.value)) for r in ranking.itertuples()]
    rows += MILESTONE_VALUES
    # city-level blacklist shares: the province's path shifted per city (better in Xi'an and Yan'an)
    shift = {"西安市": -0.25, "铜川市": 0.2, "宝鸡市": -0.1, "咸阳市": 0.0, "渭南市": 0.1, "延安市": -0.15,
             "汉中市": 0.05, "榆林市": -0.05, "安康市": 0.25, "商洛市": 0.35}
    base = np.array(PROVINCE_PATH["blacklist_share"])
    for city, s in shift.items():
        vals = np.maximum(base + s + rng.normal(0, 0.03, len(base)), 0.1)
        rows += [("blacklist_share", city, int(y), round(float(v), 2)) for y, v in zip(YEARS, vals, strict=True)]
    out = pd.DataFrame(rows, columns=["id", "region", "year", "value"])
    plan = load_plan("shaanxi-14th-fyp")
    order = {k: i for i, k in enumerate(plan.ids)}
    out["_o"] = out["id"].map(order)
    out["_p"] = out["region"] != "陕西省"
    return out.sort_values(["_p", "region", "_o", "year"]).drop(columns=["_o", "_p"]).reset_index(drop=True)


def build() -> tuple[str, str]:
    rng = np.random.default_rng(SEED)
    rankings = make_rankings(rng)
    tidy = load_rankings_frame(rankings)
    obs = make_observations(rng, tidy)
    return rankings.to_csv(index=False, lineterminator="\n"), obs.to_csv(index=False, lineterminator="\n")


def load_rankings_frame(rankings: pd.DataFrame) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.csv"
        path.write_text(rankings.to_csv(index=False), encoding="utf-8")
        return load_rankings(path)


def summary() -> None:
    from creditlab.monitoring import bulletin, persistently_low, provincial_average

    plan = load_plan("shaanxi-14th-fyp")
    obs = load_observations(OUT_OBSERVATIONS, plan)
    res = assess_progress(plan, obs, 2024)
    print(res[["number", "id", "binding", "latest", "ratio", "category", "projected_year"]].to_string(index=False))
    ms = check_milestones(plan, obs, 2024)
    print(ms[["id", "observed", "status", "category"]].to_string(index=False))
    r = load_rankings(OUT_RANKINGS)
    avg = provincial_average(r, plan)
    print(avg[avg["month"] == 12][["period", "mean_percentile", "path", "gap"]].round(1).to_string(index=False))
    print(bulletin(r, "2024Q4")[["tier", "city", "rank", "change", "percentile", "trend", "low_streak"]]
          .round(1).to_string(index=False))
    print("persistently low (bottom:1:3):", ", ".join(persistently_low(r, "bottom:1:3")["city"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files would change")
    args = parser.parse_args(argv)
    rankings, obs = build()
    targets = {OUT_RANKINGS: rankings, OUT_OBSERVATIONS: obs}
    if args.check:
        stale = [p.name for p, text in targets.items()
                 if not p.exists() or p.read_text(encoding="utf-8") != text]
        if stale:
            print("out of date:", ", ".join(stale))
            return 1
        print("demo plan data up to date")
        return 0
    from creditlab.atomic import write_text

    for path, text in targets.items():
        write_text(path, text)
        print(f"wrote {path.relative_to(ROOT)} ({text.count(chr(10)) - 1} rows)")
    summary()
    return 0


if __name__ == "__main__":
    sys.exit(main())
