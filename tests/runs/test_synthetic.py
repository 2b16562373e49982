"""The synthetic province for scale tests and benches: valid tables, the demo's distribution, seeded."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from creditlab.loaders.regions import counties
from creditlab.runs.synthetic import write_scope
from creditlab.views.banner import is_synthetic
from helpers import DEMO


def test_a_synthetic_province_is_valid_seeded_and_replicates_the_demo(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_scope(tmp_path / "a", 160, seed=7)
    monkeypatch.setenv("CREDITLAB_DATA", str(folder))
    units = counties("陕西")  # the loader's own validation of the table passes
    assert len(units) == 160 and units["code"].is_unique and units["name"].str.startswith("模拟").all()
    assert units["city_code"].nunique() == 3  # 75 counties per synthetic city
    data = pd.read_csv(folder / "demo" / "shaanxi-2020_indicators.csv", dtype=str, keep_default_na=False)
    assert set(data["region"]) == set(units["code"])
    demo = pd.read_csv(DEMO / "shaanxi-2020_indicators.csv", dtype=str, keep_default_na=False)
    # Every synthetic county carries one demo county's rows, values and all.
    per_demo = {code: sorted(map(tuple, rows[["year", "criterion", "value"]].to_numpy()))
                for code, rows in demo.groupby("region")}
    for _, rows in data.groupby("region"):
        assert sorted(map(tuple, rows[["year", "criterion", "value"]].to_numpy())) in per_demo.values()
    assert is_synthetic(folder / "demo" / "shaanxi-2020_indicators.csv")
    again = write_scope(tmp_path / "b", 160, seed=7)
    for name in ("regions/regions.csv", "demo/shaanxi-2020_indicators.csv", "demo/context.csv"):
        assert (folder / name).read_bytes() == (again / name).read_bytes()
    with pytest.raises(ValueError, match="n_regions"):
        write_scope(tmp_path / "c", 0)
