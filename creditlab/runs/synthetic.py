"""A synthetic province of any size for scale tests and benches (seeded, bannered, never the real tables).

:func:`write_scope` writes a complete data folder (use it through ``$CREDITLAB_DATA``): a regions table of
one synthetic province with ``n`` county-level units under synthetic cities (模拟市01 …), indicator and
context files in which each synthetic county carries, for every year, the rows of one demo county drawn
with a seeded generator (so the distribution of scores, verdicts and missing rows is the demo's), the
national yardstick, and a ``metadata.yaml`` that marks it all synthetic (the reports carry the banner).
The rubrics and the other bundled folders are linked from the project's ``data/``.

The province keeps the demo's code and name (610000 陕西省) so that the bundled rubric applies to it; the
codes, names and cities of its counties are invented. Nothing here touches ``data/regions/``.

    .venv/bin/python -m creditlab.runs.synthetic /tmp/scope3000 --regions 3000
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.paths import PROJECT_ROOT
from ..loaders.regions import COLUMNS

SEED = 3000
PER_CITY = 75           # counties per synthetic city (codes 61CC01 … 61CC75)
PROVINCE = "610000"     # the demo's province (陕西省): the bundled rubric's jurisdiction
DEMO = PROJECT_ROOT / "data" / "demo"
INDICATORS = "shaanxi-2020_indicators.csv"
CONTEXT = "context.csv"
NATIONAL = "national_npl.csv"
METADATA = """\
# SYNTHETIC scale data written by creditlab.runs.synthetic (seeded): invented codes, names and cities;
# each county's values are those of a demo county drawn at random. Not an assessment of anything.
synthetic: true
"""


def write_scope(folder: str | Path, n_regions: int = 3000, seed: int = SEED) -> Path:
    """Write a synthetic data folder with ``n_regions`` county-level units into ``folder``; returns it.

    The indicator file is ``<folder>/demo/shaanxi-2020_indicators.csv``, the context
    ``<folder>/demo/context.csv`` and ``national_npl.csv`` (so the bundled-demo defaults find them).
    """
    if not 1 <= n_regions <= 99 * PER_CITY:
        raise ValueError(f"n_regions must be between 1 and {99 * PER_CITY}, got {n_regions}")
    root = Path(folder)
    (root / "regions").mkdir(parents=True, exist_ok=True)
    (root / "demo").mkdir(exist_ok=True)
    for entry in (PROJECT_ROOT / "data").iterdir():  # rubrics, plans, … : the bundled ones
        link = root / entry.name
        if entry.is_dir() and entry.name not in ("regions", "demo") and not link.exists():
            os.symlink(entry, link)

    real = pd.read_csv(PROJECT_ROOT / "data" / "regions" / "regions.csv", dtype=str, keep_default_na=False)
    data = pd.read_csv(DEMO / INDICATORS, dtype=str, keep_default_na=False)
    context = pd.read_csv(DEMO / CONTEXT, dtype=str, keep_default_na=False)
    real = real[real["province_code"] == PROVINCE]  # the table may hold the whole country
    counties = real[real["level"] == "county"]
    templates = sorted(set(counties["code"]) & set(data["region"]))
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(templates), size=n_regions)
    kind = dict(zip(counties["code"], counties["type"], strict=True))

    province = real[real["code"] == PROVINCE].iloc[0]
    rows = [list(province[COLUMNS])]
    codes: list[str] = []
    n_cities = -(-n_regions // PER_CITY)
    for c in range(1, n_cities + 1):
        city_code, city = f"61{c:02d}00", f"模拟市{c:02d}"
        rows.append([city_code, city, f"Synthetic City {c:02d}", "city", "prefecture_city", city_code, city,
                     province["code"], province["name"]])
        for k in range(1, min(PER_CITY, n_regions - len(codes)) + 1):
            code = f"61{c:02d}{k:02d}"
            template = templates[picks[len(codes)]]
            rows.append([code, f"模拟{c:02d}{k:02d}县", f"Synthetic County {c:02d}{k:02d}", "county",
                         kind[template], city_code, city, province["code"], province["name"]])
            codes.append(code)
    pd.DataFrame(rows, columns=COLUMNS).to_csv(root / "regions" / "regions.csv", index=False)

    mapping = pd.DataFrame({"template": [templates[i] for i in picks], "code": codes})
    for name, frame in ((INDICATORS, data), (CONTEXT, context)):
        out = mapping.merge(frame, left_on="template", right_on="region", sort=False)
        out["region"] = out["code"]
        out[list(frame.columns)].to_csv(root / "demo" / name, index=False)
    (root / "demo" / NATIONAL).write_bytes((DEMO / NATIONAL).read_bytes())
    (root / "demo" / "metadata.yaml").write_text(METADATA, encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--regions", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    print(write_scope(args.folder, args.regions, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
