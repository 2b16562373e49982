"""Generate a SYNTHETIC national year for scale: every county-level division of data/regions/regions.csv.

    .venv/bin/python data/demo/generate_national.py OUT_FOLDER [--regions N] [--years 1] [--seed S]

Writes ``national_indicators.csv`` (shaanxi-2020's 48 rows per county, long format), ``national_context.csv``,
``national_npl.csv``, a ``metadata.yaml`` marking the folder synthetic (outputs made from it carry the banner)
and ``shaanxi-2020.yaml``: the rubric with its jurisdiction set to the whole country (``100000``), since the
bundled one assesses Shaanxi's units only; load the data and run the reports with that file. Prints a one-line
summary. Not a committed data set: the benchmark (``bench/national.py``) makes
it in a temporary folder.

The values come from the very distributions of ``generate_demo.py`` (imported, not copied): each county's
latent capacity by its type and its own level and trend (:func:`generate_demo.capacity`; outside Shaanxi no
city effect), the shaanxi-2020 values derived from it (:func:`generate_demo.shaanxi_values`) and the
certification context (:func:`generate_demo.context_frame`). ``--regions N`` keeps the first N county-level
divisions in code order (all of them by default); ``--years`` the last Y of the demo's years 2020–2024.
Every value is invented; the names and codes are real.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_demo as demo  # noqa: E402  (sets up the import of creditlab from this checkout)

from creditlab.data import write_csv  # noqa: E402
from creditlab.loaders.regions import counties  # noqa: E402
from creditlab.loaders.rubric import rubrics_dir  # noqa: E402
from creditlab.loaders.zones import NATIONAL  # noqa: E402
from creditlab.rubric import load_rubric  # noqa: E402

SEED = demo.SEED + 1  # its own stream: the committed Shaanxi demo is not touched
RUBRIC = "shaanxi-2020"
DATA = "national_indicators.csv"
CONTEXT = "national_context.csv"
NPL = "national_npl.csv"


def national_units(n: int | None = None, lead: str = "") -> pd.DataFrame:
    """Every county-level division of the regions table, all provinces, in code order (the first ``n``), with
    its city and ``is_park`` False (development zones are per province, not part of the national set).

    ``lead``: a code prefix (``"61"``) whose divisions come first, so that every size holds that province."""
    units = counties(None).assign(is_park=False)  # every province's county-level divisions, validated
    units = units.assign(_lead=lambda u: ~u["code"].str.startswith(lead) if lead else False)
    units = units.sort_values(["_lead", "code"], kind="stable").drop(columns="_lead").reset_index(drop=True)
    return units if n is None else units.head(int(n)).reset_index(drop=True)


def generate(n: int | None = None, years: int = 1, seed: int = SEED, lead: str = "") -> dict[str, pd.DataFrame]:
    """The indicator data (long), context and national NPL frames of ``n`` counties (default all; ``lead`` as in
    :func:`national_units`) for the last ``years`` of the demo's years."""
    if not 1 <= years <= len(demo.YEARS):
        raise ValueError(f"years must lie in 1..{len(demo.YEARS)}, got {years}")
    units = national_units(n, lead)
    # The demo's distributions know the Shaanxi unit types; a type they do not know is drawn as a county.
    drawn = units.assign(type=units["type"].where(units["type"].isin(list(demo.TYPE_BASE)), "county"))
    rng = np.random.default_rng(seed)
    cap = demo.capacity(drawn, rng)
    values = demo.shaanxi_values(drawn, cap, rng)
    context = demo.context_frame(drawn, cap, rng)
    keep = demo.YEARS[-years:]
    ids = list(load_rubric(RUBRIC).criteria["id"])
    data = demo.long_frame(units, ids, values)
    data = data[data["year"].isin(keep)].reset_index(drop=True)
    context = context[context["year"].isin(keep)].reset_index(drop=True)
    npl = pd.DataFrame({"year": [int(y) for y in keep],
                        "national_npl_ratio": [demo.NATIONAL_NPL[int(y)] for y in keep]})
    return {DATA: data, CONTEXT: context, NPL: npl}


def write(frames: dict[str, pd.DataFrame], folder: str | Path) -> dict[str, Path]:
    """Write the frames, a ``metadata.yaml`` marking every file synthetic and the national rubric into ``folder``
    (the paths by file name; the rubric's under :data:`RUBRIC`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, frame in frames.items():
        path = folder / name
        if name == DATA:
            write_csv(frame, path)
        else:
            frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
        out[name] = path
    # The rubric for the whole country: the bundled file with only its jurisdiction changed.
    text = (rubrics_dir() / f"{RUBRIC}.yaml").read_text(encoding="utf-8")
    text, n = re.subn(r'(?m)^jurisdiction: "\d{6}".*$', f'jurisdiction: "{NATIONAL}"  # the whole country: '
                      "generate_national.py's variant for the synthetic national year", text)
    if n != 1:
        raise SystemExit(f"{RUBRIC}.yaml: no jurisdiction line to change")
    out[RUBRIC] = folder / f"{RUBRIC}.yaml"
    out[RUBRIC].write_text(text, encoding="utf-8")
    (folder / "metadata.yaml").write_text(
        "synthetic: true\ndescription: synthetic national year made by data/demo/generate_national.py "
        "(values invented; names and codes real)\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder to write into")
    ap.add_argument("--regions", type=int, default=None, help="the first N county-level divisions (default all)")
    ap.add_argument("--years", type=int, default=1, help="the last Y years of 2020-2024 (default 1: 2024)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--lead", default="", help="code prefix of a province listed first (61: Shaanxi)")
    args = ap.parse_args(argv)
    frames = generate(args.regions, args.years, args.seed, args.lead)
    write(frames, args.out)
    d = frames[DATA]
    print(f"{d['region'].nunique()} regions, years {sorted(d['year'].unique().tolist())}, {len(d):,} rows "
          f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
