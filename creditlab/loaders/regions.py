"""Administrative regions shipped with creditlab: ``data/regions/regions.csv``.

One row per province, city-level unit (prefecture cities, plus 杨凌示范区 as a ``zone``) and
county-level division (district, county, county-level city). Codes are 6-character strings.
How the file was made and the choices behind it: ``data/regions/README.md``.
"""
from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import pandas as pd

from ..core.errors import DataError
from ..core.paths import data_dir
from ..core.problems import Problems, said

COLUMNS = ["code", "name", "name_en", "level", "type", "city_code", "city", "province_code", "province"]
TYPES_BY_LEVEL = {
    "province": ("province", "autonomous_region", "municipality"),
    # prefecture-level units; a municipality's one city row; 省直辖县级行政区划 (xx9000); 杨凌示范区 (zone)
    "city": ("prefecture_city", "prefecture", "autonomous_prefecture", "league", "municipality",
             "province_direct", "zone"),
    "county": ("district", "county", "county_city", "autonomous_county", "banner", "autonomous_banner",
               "special_district", "forestry_district"),
}
_CODE = re.compile(r"\d{6}")
# A unit a report may be made for: a six-digit division code or a development zone (KF + six digits).
REGION_ID = re.compile(r"\d{6}|KF\d{6}")


def regions_path() -> Path:
    """The regions file: ``<data>/regions/regions.csv``, where ``<data>`` honours ``$CREDITLAB_DATA``."""
    return data_dir() / "regions" / "regions.csv"


def _read(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """The table as strings (cells stripped) and each row's line number in the file."""
    if not path.is_file():
        raise DataError(said(f"{path}：找不到区划文件", f"{path}: regions file not found"))
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[str] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [cell.strip() for cell in next(reader, [])]
            if header != COLUMNS:
                raise DataError(said(f"{path}：第1行：列应恰为 {','.join(COLUMNS)}；"
                                     f"实为 {','.join(header) or '（空）'}",
                                     f"{path}: line 1: columns must be exactly {','.join(COLUMNS)}; "
                                     f"found {','.join(header) or 'nothing'}"))
            for record in reader:
                if not any(cell.strip() for cell in record):
                    continue  # blank line
                if len(record) != len(COLUMNS):
                    problems.append(said(f"{path}：第{reader.line_num}行：有{len(record)}个字段，应为{len(COLUMNS)}个",
                                         f"{path}: line {reader.line_num}: {len(record)} fields, "
                                         f"expected {len(COLUMNS)}"))
                    continue
                rows.append([cell.strip() for cell in record])
                lines.append(reader.line_num)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(said(f"{path}：无法作为 UTF-8 CSV 读取：{exc}",
                             f"{path}: cannot be read as UTF-8 CSV: {exc}")) from exc
    if problems:
        raise DataError(said(f"{path}：有{len(problems)}行格式有误", f"{path}: {len(problems)} malformed row(s)"),
                        problems)
    return pd.DataFrame(rows, columns=COLUMNS, dtype=str), lines


def _problems(frame: pd.DataFrame, lines: list[int], path: Path) -> list[str]:
    """Every problem in the table, each naming the file and the CSV line (header = line 1)."""
    problems: list[str] = []
    line = dict(zip(frame.index, lines, strict=True))
    first_line: dict[str, int] = {}

    def add(row_index: object, code: str, zh: str, en: str) -> None:
        problems.append(said(f"{path}：第{line[row_index]}行（代码 {code!r}）：{zh}",
                             f"{path}: line {line[row_index]} (code {code!r}): {en}"))

    for i, row in frame.iterrows():
        code = row["code"]
        if not _CODE.fullmatch(code):
            add(i, code, "代码不是6位数字", "code is not 6 digits")
        elif code in first_line:
            add(i, code, f"代码重复，首次出现在第{first_line[code]}行",
                f"duplicate code, first on line {first_line[code]}")
        else:
            first_line[code] = line[i]
        if not row["name"]:
            add(i, code, "名称为空", "empty name")
        if row["level"] not in TYPES_BY_LEVEL:
            add(i, code, f"未知的级别 {row['level']!r}（应为 {list(TYPES_BY_LEVEL)} 之一）",
                f"unknown level {row['level']!r} (expected one of {list(TYPES_BY_LEVEL)})")
        elif row["type"] not in TYPES_BY_LEVEL[row["level"]]:
            allowed = list(TYPES_BY_LEVEL[row["level"]])
            add(i, code, f"类型 {row['type']!r} 不适用于级别 {row['level']!r}（应为 {allowed} 之一）",
                f"type {row['type']!r} is not allowed for level {row['level']!r} (expected one of {allowed})")

    def names(level: str) -> dict[str, str]:
        rows = frame[frame["level"] == level]
        return dict(zip(rows["code"], rows["name"], strict=True))

    cities, provinces = names("city"), names("province")
    city_rows = frame[frame["level"] == "city"]
    city_province = dict(zip(city_rows["code"], city_rows["province_code"], strict=True))
    for i, row in frame.iterrows():
        code, pcode, ccode = row["code"], row["province_code"], row["city_code"]
        if pcode not in provinces:
            add(i, code, f"province_code {pcode!r} 不是省级行", f"province_code {pcode!r} is not a province row")
        elif row["province"] != provinces[pcode]:
            add(i, code, f"省份 {row['province']!r} 与 {provinces[pcode]}（{pcode}）不符",
                f"province {row['province']!r} does not match {pcode} {provinces[pcode]}")
        if row["level"] == "county":
            if ccode not in cities:
                add(i, code, f"city_code {ccode!r} 不是市级行", f"city_code {ccode!r} is not a city row")
            elif row["city"] != cities[ccode]:
                add(i, code, f"城市 {row['city']!r} 与 {cities[ccode]}（{ccode}）不符",
                    f"city {row['city']!r} does not match {ccode} {cities[ccode]}")
            elif city_province[ccode] != pcode:
                add(i, code, f"city_code {ccode} 属于省份 {city_province[ccode]}，而不是 {pcode}",
                    f"city_code {ccode} is in province {city_province[ccode]}, not {pcode}")
    return problems


# What a province's short name drops: 河南省 -> 河南, 北京市 -> 北京, 广西壮族自治区 -> 广西, 内蒙古自治区 -> 内蒙古.
_PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$")


def _valid(frame: pd.DataFrame) -> bool:
    """Whether :func:`_problems` would find nothing, checked column-wise (the row-by-row check, which names
    each problem, then runs only on a broken table: it costs 0.3 s on the national table)."""
    level, code = frame["level"], frame["code"]
    if not (code.str.fullmatch(r"\d{6}").all() and code.is_unique and (frame["name"] != "").all()):
        return False
    if not all(frame.loc[level == lv, "type"].isin(types).all() for lv, types in TYPES_BY_LEVEL.items()):
        return False
    if not level.isin(list(TYPES_BY_LEVEL)).all():
        return False
    provinces = frame[level == "province"].set_index("code")["name"]
    if not frame["province_code"].map(provinces).eq(frame["province"]).all():
        return False
    cities = frame[level == "city"].set_index("code")
    county = frame[level == "county"]
    return bool(county["city_code"].map(cities["name"]).eq(county["city"]).all()
                and county["city_code"].map(cities["province_code"]).eq(county["province_code"]).all())


def _province_aliases(frame: pd.DataFrame) -> dict[str, str]:
    """Accepted spellings (case-folded) -> province code: name, short name, English, code, 2 digits."""
    aliases: dict[str, str] = {}
    for _, row in frame[frame["level"] == "province"].iterrows():
        code, name = row["code"], row["name"]
        for alias in (name, _PROVINCE_SUFFIX.sub("", name), row["name_en"], code, code[:2]):
            if alias:
                aliases[alias.casefold()] = code
    return aliases


@functools.lru_cache(maxsize=4)
def _validated(path: str, stamp: tuple[int, int]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The whole validated table and its province aliases, read once per file version (the national table
    has ~3,200 rows and is asked for by every loader; the key holds the file's mtime and size)."""
    frame, lines = _read(Path(path))
    problems = [] if _valid(frame) else _problems(frame, lines, Path(path))
    if problems:
        raise DataError(said(f"{path}：区划表中有{len(problems)}处问题",
                             f"{path}: {len(problems)} problem(s) in the regions table"), problems)
    return frame, _province_aliases(frame)


def province_code(province: str) -> str:
    """The 6-digit code of a province given as in :func:`load_regions` (``"河南"`` -> ``"410000"``)."""
    path = regions_path()
    frame, aliases = _table(path)
    code = aliases.get(str(province).strip().casefold())
    if code is None:
        known = frame[frame["level"] == "province"]
        listing = "; ".join(f"{r.name} ({r.name_en}, {r.code})" for r in known.itertuples())
        listing_zh = "、".join(f"{r.name}（{r.code}）" for r in known.itertuples())
        raise DataError(said(f"{path}：未知的省份 {province!r}；已知省份：{listing_zh or '无'}",
                             f"{path}: unknown province {province!r}; known: {listing or 'none'}"))
    return code


def _table(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    if not path.is_file():
        raise DataError(said(f"{path}：找不到区划文件", f"{path}: regions file not found"))
    stat = path.stat()
    return _validated(str(path), (stat.st_mtime_ns, stat.st_size))


def load_regions(province: str | None = "陕西") -> pd.DataFrame:
    """All rows of one province (province, cities, counties), validated; codes are strings.

    ``province`` may be the Chinese name with or without 省/市/自治区, the English name, the 6-digit code
    or its 2-digit prefix (``"陕西"``, ``"陕西省"``, ``"Shaanxi"``, ``"610000"``, ``"61"``); ``None`` gives
    the whole country (31 provinces). Shaanxi is the default: the demo's province.
    Raises :class:`~creditlab.errors.DataError` if the file is broken or the province unknown.
    """
    frame, _ = _table(regions_path())
    if province is None:
        return frame.copy()
    code = province_code(province)
    return frame[frame["province_code"] == code].reset_index(drop=True)


def counties(province: str | None = "陕西") -> pd.DataFrame:
    """County-level divisions (``level == "county"``): districts, counties and county-level cities."""
    frame = load_regions(province)
    return frame[frame["level"] == "county"].reset_index(drop=True)


def cities(province: str | None = "陕西") -> pd.DataFrame:
    """City-level units (``level == "city"``): prefecture cities and zones such as 杨凌示范区."""
    frame = load_regions(province)
    return frame[frame["level"] == "city"].reset_index(drop=True)


def in_city(units: pd.DataFrame, city: str) -> pd.Series:
    """Mask of the ``units`` (rows with ``city`` and ``city_code``) in ``city``: its name with or without 市, or
    its code. The one city matcher of the CLI, the batch runner and the sensitivity scope."""
    key = str(city).strip()
    names = units["city"].astype(str)
    return (names == key) | (names.str.removesuffix("市") == key.removesuffix("市")) | (units["city_code"] == key)


# ---------------------------------------------------------------------------------------------
# Names or codes on the command line: one resolver for --region and --city everywhere

# Endings a person may leave out (淳化 for 淳化县, 宝鸡 for 宝鸡市); longest first.
_SUFFIXES = ("自治县", "自治旗", "自治州", "示范区", "林区", "特区", "新区", "地区", "县", "区", "市", "旗", "盟")
# The English ending a person may leave out (Chunhua for Chunhua County).
_EN_SUFFIX = r" (county|district|city|banner|new district|autonomous county)$"
# A development zone's kind as people shorten it (西安高新技术产业开发区 -> 西安高新区).
_ZONE_SHORT = {"高新技术产业开发区": "高新区", "经济技术开发区": "经开区"}


def _stem(name: str) -> str | None:
    """A unit's own short name: its name without its own ending (淳化县 -> 淳化, 宝鸡市 -> 宝鸡, 清新区 -> 清新,
    滨海新区 -> 滨海); ``None`` if at most one character would be left: 眉县 and 高县 are never said 眉, 高
    (so 高新区 is not 高 + 新区)."""
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return None


def _loose(key: str) -> str:
    """``key`` without any ending: only to suggest a unit (宝鸡县 -> 宝鸡: did you mean 宝鸡市?), never to
    resolve one."""
    for s in _SUFFIXES:
        if key.endswith(s) and len(key) > len(s):
            return key[: -len(s)]
    return key


def _parent_forms(parent: str, level: str) -> set[str]:
    """The ways a unit's city (or a city's province) may be written before its name: 咸阳市, 咸阳."""
    short = _PROVINCE_SUFFIX.sub("", parent) if level == "province" else _stem(parent)
    return {p for p in (parent, short) if p}


def _short_forms(row: pd.Series, parent: str) -> set[str]:
    """A unit's own short names: its stem; for a development zone also its kind shortened and its name
    without its city (西安高新技术产业开发区 -> 西安高新区, 高新技术产业开发区, 高新区)."""
    name = str(row["name"])
    stem = _stem(name)
    forms = {stem} if stem else set()
    if bool(row.get("is_park", False)) or row.get("level") == "zone":
        long = {name}
        city = str(row.get("city", "") or "")
        for prefix in sorted(_parent_forms(city, "city"), key=len, reverse=True):
            if prefix and name.startswith(prefix) and len(name) > len(prefix):
                long.add(name[len(prefix):])
                break
        for text in list(long):
            forms |= {text} | {text.replace(k, v) for k, v in _ZONE_SHORT.items() if k in text}
    forms.discard(name)
    return forms


def _matches(table: pd.DataFrame, key: str, parent: str = "city") -> pd.DataFrame:
    """Rows of ``table`` that ``key`` names, in this order: its code; its name or English name; its name after
    its city's (咸阳市淳化县, 咸阳淳化县); one of its own short names (:func:`_short_forms`), alone or after its
    city's. A key is never cut to fit a unit: 宝鸡县 does not name 宝鸡市, 高新区 not 高县."""
    key = key.strip()
    folded = key.casefold()
    hit = table[table["code"].astype(str).str.casefold() == folded]
    if len(hit):
        return hit
    names = table["name"].astype(str)
    same = names == key
    if "name_en" in table.columns:  # Chunhua County, Chunhua, Baoji
        english = table["name_en"].fillna("").astype(str).str.casefold().str.split().str.join(" ")
        spaced = " ".join(folded.split())
        if spaced:
            same |= (english == spaced) | (english.str.replace(_EN_SUFFIX, "", regex=True) == spaced)
    if same.any():
        return table[same]
    parents = (table[parent].fillna("").astype(str) if parent in table.columns
               else pd.Series("", index=table.index))
    qualified = [key in {p + n for p in _parent_forms(par, parent)} for n, par in zip(names, parents, strict=True)]
    if any(qualified):
        return table[qualified]
    own = []
    for (_, row), par in zip(table.iterrows(), parents, strict=True):
        forms = _short_forms(row, parent)
        own.append(key in forms or key in {p + f for p in _parent_forms(par, parent) for f in forms})
    return table[own]


def _describe(row: pd.Series, lang: str) -> str:
    """A unit by its (Chinese) name and code, as in every message: 江苏省南京市鼓楼区（320106）."""
    parts = [str(row.get(c, "") or "") for c in ("province", "city") if c in row.index]
    where = "".join(p for p in parts if p and p != row["name"])
    return f"{where}{row['name']}（{row['code']}）" if lang == "zh" else f"{where}{row['name']} ({row['code']})"


def _listed(hit: pd.DataFrame) -> tuple[str, str]:
    """The candidates by name and code (the first 20), in Chinese and English."""
    shown = [r for _, r in hit.head(20).iterrows()]
    more = len(hit) > len(shown)
    return ("、".join(_describe(r, "zh") for r in shown) + ("等" if more else ""),
            "; ".join(_describe(r, "en") for r in shown) + (" …" if more else ""))


def _example(table: pd.DataFrame, what: str) -> tuple[str, ...]:
    """An example of a name, a short name and a code from ``table`` itself (its first county with a short
    name): the jurisdiction's own units, not Shaanxi's whatever the rubric."""
    rows = table
    if what != "city" and "level" in table.columns and (table["level"] == "county").any():
        rows = table[table["level"] == "county"]
    for _, row in rows.iterrows():
        stem = _stem(str(row["name"]))
        if stem:
            return str(row["name"]), stem, str(row["code"])
    return (str(rows["name"].iloc[0]), str(rows["code"].iloc[0])) if len(rows) else ()


def _suggested(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """Units whose short name is ``key`` without its ending (宝鸡县 -> 宝鸡市): a hint, never a match."""
    loose = _loose(key)
    if len(loose) < 2:
        return table.iloc[0:0]
    return table[table["name"].astype(str).map(lambda n: _stem(n) == loose or n == loose)]


def resolve_units(keys: list[str] | tuple[str, ...], table: pd.DataFrame, *, lang: str = "zh",
                  what: str = "region", elsewhere: pd.DataFrame | None = None,
                  scope: tuple[str, str] = ("适用范围", "the jurisdiction"),
                  problems: Problems | None = None) -> list[str]:
    """The codes of ``keys`` (codes or names: 淳化县, 淳化, 咸阳市淳化县, 610430) among ``table``'s rows.

    ``table``: any frame with ``code`` and ``name`` (and ``city``, ``province`` for the messages), e.g. the
    county-level divisions plus zones of a rubric's jurisdiction, or the city rows (``what="city"``).
    ``elsewhere``: the rest of the country, searched for a key ``table`` does not know: one unit there resolves
    to it (the run then names it as outside the jurisdiction), several are listed as outside ``scope``
    (Chinese, English words for the jurisdiction). Every unknown or ambiguous key is one problem, with its
    candidates or a hint; all are raised at once as a :class:`DataError`, or added to ``problems``.
    """
    own = problems is None
    if problems is None:
        problems = Problems(what="--city" if what == "city" else "--region", lang=lang)
    parent = "province" if what == "city" else "city"
    if elsewhere is not None:
        elsewhere = elsewhere[~elsewhere["code"].isin(table["code"])]
    out: list[str] = []
    for key in keys:
        key = str(key).strip()
        hit = _matches(table, key, parent).drop_duplicates("code")
        if hit.empty and elsewhere is not None:
            hit = _matches(elsewhere, key, parent).drop_duplicates("code")
            if len(hit) > 1:
                zh, en = _listed(hit)
                problems.add(f"{key!r} 不在{scope[0]}内；全国其他地方有{len(hit)}个：{zh}",
                             f"{key!r} is outside {scope[1]}; {len(hit)} units elsewhere in the country: {en}")
                continue
            if len(hit) == 1 and what == "city":  # nothing downstream names a city as outside: say it here
                zh, en = _listed(hit)
                problems.add(f"{zh}不在{scope[0]}内", f"{en} is outside {scope[1]}")
                continue
        if len(hit) == 1:
            code = str(hit["code"].iloc[0])
            if code not in out:
                out.append(code)
            continue
        if hit.empty:
            zh_what, en_what = ("城市", "city") if what == "city" else ("县（市、区）或开发区", "county or zone")
            eg = _example(table, what)
            eg_zh = f"，如 {'、'.join(eg[:-1])} 或 {eg[-1]}" if eg else ""
            eg_en = f", e.g. {', '.join(eg[:-1])} or {eg[-1]}" if eg else ""
            near = _suggested(table, key)
            if near.empty and elsewhere is not None:
                near = _suggested(elsewhere, key)
            hint_zh, hint_en = _listed(near) if len(near) else ("", "")
            if what == "city" and hint_zh:
                problems.add(f"{key!r} 不是城市（城市可用名称、简称或代码{eg_zh}）；是否指 {hint_zh}？",
                             f"{key!r} is not a city (a city is given by its name, short name or code{eg_en}); "
                             f"did you mean {hint_en}?")
                continue
            problems.add(f"找不到{zh_what} {key!r}（可用名称或代码{eg_zh}）"
                         + (f"；是否指 {hint_zh}？" if hint_zh else ""),
                         f"unknown {en_what} {key!r} (a name or a code{eg_en})"
                         + (f"; did you mean {hint_en}?" if hint_en else ""))
            continue
        zh, en = _listed(hit)
        problems.add(f"{key!r} 不唯一，有{len(hit)}个候选：{zh}；请用代码或全称",
                     f"{key!r} is ambiguous, {len(hit)} candidates: {en}; give the code or the full name")
    if own:
        problems.raise_if_any()
    return out


def _city_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The city rows of ``table`` (``level == "city"`` when it has levels, else its distinct ``city_code``/``city``
    pairs)."""
    if "level" in table.columns and (table["level"] == "city").any():
        return table[table["level"] == "city"]
    return (table[["city_code", "city", *[c for c in ("province", "city_en") if c in table.columns]]]
            .dropna(subset=["city_code"]).drop_duplicates("city_code")
            .rename(columns={"city_code": "code", "city": "name", "city_en": "name_en"}))


def resolve_city(key: str, table: pd.DataFrame, *, lang: str = "zh", elsewhere: pd.DataFrame | None = None,
                 scope: tuple[str, str] = ("适用范围", "the jurisdiction"),
                 problems: Problems | None = None) -> str | None:
    """The city code of ``key`` (宝鸡市, 宝鸡, 610300) among the city rows of ``table`` (:func:`resolve_units`,
    whose rules and arguments it shares); ``None`` when the problem went to ``problems``."""
    found = resolve_units([key], _city_rows(table), lang=lang, what="city", scope=scope, problems=problems,
                          elsewhere=None if elsewhere is None else _city_rows(elsewhere))
    return found[0] if found else None
