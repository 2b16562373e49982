"""Development zones (creditlab.loaders.zones): the bundled zones file and its validation."""
from __future__ import annotations

import pytest

from creditlab import data
from helpers import ROOT, problems_of

DEMO = ROOT / "data" / "demo"


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)
    # These tests read the English messages; the Chinese default is tested in test_indicators.py.
    monkeypatch.setenv("CREDITLAB_LANG", "en")


def test_zones_file():
    zones = data.load_zones()
    assert list(zones.columns) == data.ZONE_COLUMNS and len(zones) >= 5
    assert zones["code"].str.fullmatch(r"KF\d{6}").all()
    assert "杨凌" not in "".join(zones["name"])  # 杨凌示范区 is a city-level row of regions.csv
    assert data.park_codes() == set(zones["code"])


def test_zones_file_is_validated(tmp_path, monkeypatch):
    import shutil

    (tmp_path / "regions").mkdir()
    shutil.copy(ROOT / "data" / "regions" / "regions.csv", tmp_path / "regions" / "regions.csv")
    (tmp_path / "regions" / "zones.csv").write_text(
        "code,name,city_code,city,type\nKF610101,甲,610100,西安市,high_tech_zone\n"
        "610199,乙,610100,西安市,park\n", encoding="utf-8")
    monkeypatch.setenv("CREDITLAB_DATA", str(tmp_path))
    problems = problems_of(data.load_zones)
    assert any("line" not in p and "row 3" in p and "KF + 6 digits" in p for p in problems)
    assert any("row 3" in p and "type" in p for p in problems)


def test_region_names_across_the_country() -> None:
    from creditlab.loaders.zones import _who

    assert _who("371302") == ("临沂市兰山区（371302）", "临沂市兰山区 (371302)")
    assert _who("419001")[0] == "河南省济源市（419001）"  # directly under the province: named by the province
    assert _who("110105")[0] == "北京市朝阳区（110105）"
