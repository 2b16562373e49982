"""data/demo/generate_national.py: a seeded synthetic year for every county-level division of the regions table."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pandas as pd
import pytest

from creditlab import load_rubric
from creditlab.analysis.model import Model
from creditlab.data import load_context, load_data
from creditlab.errors import DataError
from creditlab.views.banner import is_synthetic
from helpers import ROOT

SCRIPT = ROOT / "data" / "demo" / "generate_national.py"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("generate_national", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_county_level_division_once(gen):
    regions = pd.read_csv(ROOT / "data" / "regions" / "regions.csv", dtype=str, keep_default_na=False)
    units = gen.national_units()
    assert len(units) == int((regions["level"] == "county").sum())
    assert units["code"].is_unique and not units["is_park"].any()
    assert list(gen.national_units(5)["code"]) == sorted(units["code"])[:5]


def test_seeded_and_loadable_and_scored(gen, tmp_path):
    frames = gen.generate(40, years=2)
    again = gen.generate(40, years=2)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, again[name])
    other = gen.generate(40, years=2, seed=gen.SEED + 1)[gen.DATA]
    assert not other["value"].equals(frames[gen.DATA]["value"])
    paths = gen.write(frames, tmp_path)
    assert is_synthetic(paths[gen.DATA])  # outputs made from it carry the banner
    sx = load_rubric(paths[gen.RUBRIC])  # shaanxi-2020 for the whole country
    assert sx.jurisdiction == "100000" and sx.name == "shaanxi-2020"
    data = load_data(paths[gen.DATA], rubric=sx)  # the loaders accept it: codes, criteria, values
    assert data["region"].nunique() == 40 and sorted(data["year"].unique()) == [2023, 2024]
    assert len(data) == 40 * 2 * len(sx.criteria)
    ctx = load_context([paths[gen.CONTEXT], paths[gen.NPL]])
    verdicts = Model(sx, data, ctx, year=2024).verdicts
    assert len(verdicts) == 40 and verdicts["verdict"].nunique() >= 2  # a spread, not one verdict


def test_command_line(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "--regions", "12"], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("12 regions, years [2024]")
    assert (tmp_path / "metadata.yaml").is_file()


def test_the_bundled_rubric_refuses_the_country(gen, tmp_path):
    paths = gen.write(gen.generate(3), tmp_path)
    with pytest.raises(DataError, match="610000"):
        load_data(paths[gen.DATA], rubric=load_rubric("shaanxi-2020"))
