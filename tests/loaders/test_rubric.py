"""The rubric files: structure, points, mandatory marks, numbering, verbatim text, malformed files."""
from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import creditlab
from creditlab import RubricError, load_rubric
from creditlab import rubric as crubric
from creditlab.paths import data_dir
from creditlab.rubric import RULE_TYPES
from helpers import ROOT, squash


@pytest.fixture(scope="module")
def sx():
    return load_rubric("shaanxi-2020")


@pytest.fixture(scope="module")
def ly():
    return load_rubric("linyi-2019")


@pytest.fixture(scope="module")
def hn():
    return load_rubric("henan-2021")


def test_list_rubrics():
    assert set(creditlab.list_rubrics()) >= {"shaanxi-2020", "linyi-2019", "henan-2021"}


def test_api_columns(sx):
    for col in ("id", "level1", "level2", "level3", "text_zh", "text_en", "points", "mandatory", "rule"):
        assert col in sx.criteria.columns
    assert sx.max_points == 100
    assert sx.source["file"] == "000_cd23d3e54a2b93d6.txt"
    assert sx.version == "2020"
    assert len(sx.certification["conditions"]) == 6


# --- Shaanxi: every level's point sums -------------------------------------------------------

SX_LEVEL2 = {"A1": 5, "A2": 10, "A3": 10, "A4": 6, "A5": 5, "A6": 4,
             "B1": 12, "B2": 8, "B3": 4, "B4": 6, "C1": 15, "C2": 15}
SX_LEVEL1 = {"A": 40, "B": 30, "C": 30}


def test_shaanxi_level_sums(sx):
    c = sx.criteria
    assert c.groupby("level2")["points"].sum().to_dict() == SX_LEVEL2
    assert c.groupby("level1")["points"].sum().to_dict() == SX_LEVEL1
    assert c["points"].sum() == 100
    lv = sx.levels.set_index("id")["points"]
    assert {k: lv[k] for k in SX_LEVEL2} == SX_LEVEL2
    assert {k: lv[k] for k in SX_LEVEL1} == SX_LEVEL1
    # level 3 nodes carry the sum of their rows
    l3 = sx.levels[sx.levels["depth"] == 3].set_index("id")["points"]
    assert (c.groupby("level3")["points"].sum() == l3.reindex(c.groupby("level3").size().index)).all()


def test_shaanxi_counts(sx):
    assert (sx.levels["depth"] == 1).sum() == 3
    assert (sx.levels["depth"] == 2).sum() == 12
    assert (sx.levels["depth"] == 3).sum() == 34
    assert len(sx.criteria) == 48


def test_shaanxi_percent_in_source_text(sx):
    lv = sx.levels.set_index("id")
    assert lv.loc["A", "source_text"].replace(" ", "") .startswith("基础工作")
    for lid, pts in {**SX_LEVEL1, **SX_LEVEL2}.items():
        assert f"（{pts}%）" in lv.loc[lid, "source_text"], lid


def test_shaanxi_points_match_text(sx):
    # every row's points are printed in its own text: （1分） or （最高3分）
    for row in sx.criteria.itertuples():
        found = re.findall(r"（(?:最高)?(\d+(?:\.\d+)?)分）", row.text_zh)
        assert found and float(found[-1]) == row.points, row.id


# --- Shaanxi: mandatory marks exactly where the source puts them -------------------------------

SX_MANDATORY = {"A1.1a", "A2.1a", "A3.2a", "A4.1a", "A6.1a", "B1.1a", "B1.2a", "B1.3a", "B2.1a", "B3.1a"}


def test_shaanxi_mandatory_marks(sx):
    assert set(sx.mandatory["id"]) == SX_MANDATORY
    assert (sx.mandatory["note_zh"] == "必备条件").all()
    # only the first row of 信用建设宣传 is mandatory
    a61 = sx.criteria[sx.criteria["level3"] == "A6.1"].sort_values("order")
    assert a61["mandatory"].tolist() == [True, False, False]


def test_shaanxi_mandatory_rows_precede_note_in_source(sx, source_text):
    """In the source, each 必备条件 cell directly follows the text of its row."""
    src = squash((creditlab.paths.data_dir() / "sources" / sx.source["file"]).read_text(encoding="utf-8"))
    for row in sx.criteria.itertuples():
        pos = src.find(squash(row.text_zh))
        assert pos >= 0, row.id
        follows = src[pos + len(squash(row.text_zh)):][:4]
        assert (follows == "必备条件") == row.mandatory, row.id


# --- Shaanxi: rule types ------------------------------------------------------------------------

def test_shaanxi_rules(sx):
    c = sx.criteria.set_index("id")
    assert c.loc["A2.3a", "rule"] == "threshold" and c.loc["A2.3a", "at_least"] == 50
    assert c.loc["A2.4a", "at_least"] == 80 and c.loc["A2.4a", "unit"] == "percent"
    assert c.loc["B1.2b", "rule"] == "threshold" and c.loc["B1.2b", "unit"] == "count"
    assert c.loc["A3.1a", "rule"] == "per_unit" and c.loc["A3.1a", "per_unit"] == 0.1 and c.loc["A3.1a", "cap"] == 3
    assert c.loc["A3.1b", "per_unit"] == 0.2
    assert c.loc["A2.2c", "rule"] == "discretionary" and c.loc["A2.2c", "max"] == 2
    assert (c.loc[["C1.1a", "C1.2a", "C1.3a", "C2.1a", "C2.2a", "C2.3a"], "rule"] == "graded").all()
    assert set(c["rule"]) <= set(RULE_TYPES)
    assert c["rule"].value_counts().to_dict() == {
        "binary": 30, "graded": 6, "per_unit": 5, "threshold": 4, "discretionary": 3}


def test_shaanxi_park_variants(sx):
    c = sx.criteria.set_index("id")
    discretionary = c[c["park_rule"] == "discretionary"]
    assert set(discretionary.index) == {"A3.1a", "A3.1b", "A5.1a", "B2.1b", "B2.2a", "B1.2b"}
    assert (discretionary["park_max"] == discretionary["points"]).all()
    scoped = c[c["park_scope_zh"].notna()]
    assert set(scoped.index) == {"A4.1a", "A4.2a"}
    assert all("只评估中小微企业" in s for s in scoped["park_scope_zh"])


def test_shaanxi_certification(sx):
    conds = {c["id"]: c for c in sx.certification["conditions"]}
    assert [c["number"] for c in sx.certification["conditions"]] == ["1．", "2．", "3．", "4．", "5．", "6．"]
    assert conds["C2"]["checks"] == [{"field": "total", "op": ">=", "value": 85}]
    c4 = {(k["field"], k["op"], k["value"]) for k in conds["C4"]["checks"]}
    assert c4 == {("debtor_share_legal", "<", 1), ("debtor_share_natural", "<", 1), ("government_debtors", "==", 0)}
    c5 = {(k["field"], k["op"], k["value"]) for k in conds["C5"]["checks"]}
    assert c5 == {("rectification_rate", ">=", 80), ("government_rectification_rate", ">=", 90)}
    assert conds["C6"]["checks"][0]["ref"] == "national_npl_ratio"


# --- verbatim text -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["shaanxi-2020", "linyi-2019", "henan-2021"])
def test_chinese_text_is_verbatim(name, source_text):
    r = load_rubric(name)
    src = source_text(r.source["file"])
    texts = list(r.criteria["text_zh"]) + list(r.levels["name_zh"]) + list(r.metrics["text_zh"])
    texts += [c["text_zh"] for c in r.certification["conditions"]]
    missing = [t for t in texts if squash(t) not in src]
    assert not missing, missing[:5]


@pytest.mark.parametrize("name", ["shaanxi-2020", "linyi-2019", "henan-2021"])
def test_every_text_has_translation_and_choices(name):
    r = load_rubric(name)
    assert r.criteria["text_en"].str.len().min() > 0
    assert r.levels["name_en"].str.len().min() > 0
    assert r.choices, "ambiguities must be written down"
    assert all({"id", "zh", "en"} <= set(c) for c in r.choices)


# --- Linyi -------------------------------------------------------------------------------------

def test_linyi_structure(ly):
    assert ly.max_points == 150 and ly.method == "norm_referenced"
    cats = ly.levels[ly.levels["depth"] == 1].set_index("id")["points"].to_dict()
    assert cats == {"L1": 85, "L2": 15, "L3": 10, "L4": 10, "L5": 22, "L6": 8}
    items = ly.criteria.set_index("level2")["points"]
    assert items.sum() == 150
    assert ly.criteria.groupby("level1")["points"].sum().to_dict() == cats
    assert sorted(items.to_list()) == sorted([6, 10, 10, 12, 26, 21, 6, 4, 3, 2, 5, 5, 8, 2, 16, 6, 8])
    assert (ly.criteria["rule"] == "metric").all()


def test_linyi_metrics_and_directions(ly):
    m = ly.metrics.set_index("id")
    assert len(m) == 56
    assert set(m["direction"]) == {"higher", "lower"}
    assert set(m["criterion"]) == set(ly.criteria["id"])
    # blacklist shares improve downwards; exits from the blacklist upwards
    assert m.loc["L1.2-1", "direction"] == "lower"
    assert m.loc["L1.2-4", "direction"] == "higher"
    assert "一网通办" in m.loc["L6.1-2", "text_zh"] and m.loc["L6.1-2", "direction"] == "lower"


# --- Henan -------------------------------------------------------------------------------------

def test_henan_numbering_kept_with_gap(hn):
    l3 = hn.levels[hn.levels["depth"] == 3]
    numbers = [int(str(n).rstrip(".")) for n in l3["number"]]
    assert numbers == [*range(1, 13), *range(14, 22)]
    assert "H-13" not in set(l3["id"]) and "H-14" in set(l3["id"])
    assert hn.numbering["skipped"] == ["13"]
    assert hn.levels[hn.levels["depth"] == 1]["number"].tolist() == ["一、", "二、", "三、", "四、", "五、"]
    assert hn.levels[hn.levels["depth"] == 2]["number"].tolist() == [
        "（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）", "（八）", "（九）", "（十）"]


def test_henan_has_no_points_and_exclusions(hn):
    assert hn.max_points is None
    assert hn.criteria["points"].isna().all()
    assert (hn.criteria["rule"] == "assessed").all()
    conds = hn.certification["conditions"]
    assert len(conds) == 5 and all(c["kind"] == "exclusion" for c in conds)
    assert {c["checks"][0]["field"] for c in conds} == {
        "major_safety_accident_3y", "major_pollution_accident_3y", "energy_target_missed",
        "statistical_fraud", "government_is_debtor"}
    assert set(hn.criteria.loc[hn.criteria["bonus"], "id"]) == {"H-20a", "H-21a"}


# --- malformed files ---------------------------------------------------------------------------

@pytest.fixture()
def rubric_file(tmp_path):
    """Write a modified copy of shaanxi-2020 and return its path."""
    src = creditlab.paths.data_dir() / "rubrics" / "shaanxi-2020.yaml"
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))

    def write(mutate=None, text: str | None = None):
        path = tmp_path / "shaanxi-2020.yaml"
        if text is not None:
            path.write_text(text, encoding="utf-8")
        else:
            d = yaml.safe_load(yaml.safe_dump(doc, allow_unicode=True))
            mutate(d)
            path.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
        return path

    return write


def _crit(doc, cid):
    for l1 in doc["levels"]:
        for l2 in l1.get("children", []):
            for l3 in l2.get("children", []):
                for c in l3.get("criteria", []):
                    if c["id"] == cid:
                        return c, l3, l2, l1
    raise KeyError(cid)


def test_bad_yaml_names_file_and_line(rubric_file):
    path = rubric_file(text="id: shaanxi-2020\nlevels: [\n  - : :\n")
    with pytest.raises(RubricError, match=r"shaanxi-2020\.yaml.*line \d+.*invalid YAML"):
        load_rubric(path, lang="en")


def test_missing_field(rubric_file):
    path = rubric_file(lambda d: _crit(d, "A2.3a")[0].pop("text_en"))
    with pytest.raises(RubricError, match=r"shaanxi-2020\.yaml: criterion A2.3a: missing field 'text_en'"):
        load_rubric(path, lang="en")


def test_points_not_adding_up_at_level2(rubric_file):
    def mutate(d):
        c, l3, l2, l1 = _crit(d, "A1.3b")
        c["points"] = 1.5   # rows of A1 now sum to 6, not 5
        c["rule"] = {"type": "binary"}
        l3["points"] = l3["points"] + 1  # level 3 consistent, so level 2 is the first to disagree
    with pytest.raises(RubricError, match=r"shaanxi-2020\.yaml: indicator A1: points do not add up.*6.*5"):
        load_rubric(rubric_file(mutate), lang="en")


def test_points_not_adding_up_at_level3(rubric_file):
    with pytest.raises(RubricError, match=r"indicator A1.3: points do not add up.*3.*4"):
        load_rubric(rubric_file(lambda d: _crit(d, "A1.3b")[1].update(points=4)), lang="en")


def test_points_not_adding_up_at_level1(rubric_file):
    def mutate(d):
        _, _, l2, _ = _crit(d, "A1.1a")
        l2["points"] = 6
        c, l3, _, _ = _crit(d, "A1.1a")
        c["points"] = 2
        if l3.get("points") is not None:
            l3["points"] = 2
    with pytest.raises(RubricError, match=r"indicator A: points do not add up.*41.*40"):
        load_rubric(rubric_file(mutate), lang="en")


def test_points_not_adding_up_at_total(rubric_file):
    with pytest.raises(RubricError, match=r"max_points: points do not add up.*100.*120"):
        load_rubric(rubric_file(lambda d: d.update(max_points=120)), lang="en")


def test_duplicate_id(rubric_file):
    with pytest.raises(RubricError, match=r"criterion A1.1a: duplicate id"):
        load_rubric(rubric_file(lambda d: _crit(d, "A1.2a")[0].update(id="A1.1a")), lang="en")


def test_unknown_rule(rubric_file):
    with pytest.raises(RubricError, match=r"criterion A1.2a: unknown rule type 'bonus'"):
        load_rubric(rubric_file(lambda d: _crit(d, "A1.2a")[0].update(rule={"type": "bonus"})), lang="en")


def test_cap_must_match_points(rubric_file):
    with pytest.raises(RubricError, match=r"criterion A3.1a: cap 2 differs from the row's points 3"):
        load_rubric(rubric_file(lambda d: _crit(d, "A3.1a")[0]["rule"].update(cap=2)), lang="en")


def test_unknown_certification_field(rubric_file):
    def mutate(d):
        d["certification"]["conditions"][0]["checks"][0]["field"] = "mood"
    with pytest.raises(RubricError, match=r"certification condition C1: unknown field 'mood'"):
        load_rubric(rubric_file(mutate), lang="en")


def test_id_must_match_file_name(rubric_file):
    with pytest.raises(RubricError, match=r"id 'other' does not match the file name"):
        load_rubric(rubric_file(lambda d: d.update(id="other")), lang="en")


def test_unknown_name_lists_known():
    with pytest.raises(RubricError, match=r"no rubric named 'nope'.*shaanxi-2020"):
        load_rubric("nope", lang="en")
    with pytest.raises(RubricError, match=r"not a rubric name"):
        load_rubric("../../etc/passwd", lang="en")


def test_yaml_is_loaded_safely(rubric_file):
    path = rubric_file(text="id: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(RubricError, match="invalid YAML"):
        load_rubric(path, lang="en")


def test_points_are_finite(sx):
    assert all(math.isfinite(p) for p in sx.criteria["points"])


# --- SCHEMA.md ---------------------------------------------------------------------------------

def test_schema_points_at_folders_in_the_project(sx, ly, hn):
    rubrics = creditlab.paths.data_dir() / "rubrics"
    text = (rubrics / "SCHEMA.md").read_text(encoding="utf-8")
    refs = set(re.findall(r"(\.\./[\w./-]+/)", text))
    assert refs, "SCHEMA.md names the folder of the source documents"
    for ref in refs:
        assert (rubrics / ref).is_dir(), ref
    sources = (rubrics / "../sources").resolve()
    assert "../sources/" in refs
    for rubric in (sx, ly, hn):
        assert (sources / rubric.source["file"]).is_file(), rubric.name


# --- every problem at once, Chinese by default, hostile values --------------------------------------

def test_every_problem_at_once_in_chinese_by_default(rubric_file, monkeypatch):
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)

    def mutate(d):
        _crit(d, "A2.3a")[0].pop("text_en")
        _crit(d, "A2.4a")[0]["rule"] = {"type": "bonus"}       # the next criterion is still checked
        _crit(d, "A3.1a")[0]["rule"]["cap"] = 2
        d["certification"]["conditions"][0]["checks"][0]["field"] = "mood"
        d["years"] = [2030, 2020]
    with pytest.raises(RubricError) as info:
        load_rubric(rubric_file(mutate))
    text = str(info.value)
    assert "评估标准 shaanxi-2020.yaml：发现 5 个问题" in text
    for part in ("shaanxi-2020.yaml：评分项 A2.3a：缺少字段 'text_en'", "评分项 A2.4a：未知的规则类型 'bonus'",
                 "评分项 A3.1a：上限 cap 2 与该行分值 3 不一致", "认定条件 C1：未知字段 'mood'",
                 "years：年份范围颠倒：末个年份 2020 早于首个年份 2030"):
        assert part in text
    assert len(info.value.problems) == 5
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(RubricError, match=r"5 problem\(s\) in rubric shaanxi-2020\.yaml"):
        load_rubric(rubric_file(mutate))


@pytest.mark.parametrize("years, fragment", [
    ([2030, 2020], "reversed year range: the last year 2020 is before the first year 2030"),
    ([2204, None], "year should be a whole number from 1949 to 2100, got 2204"),
    ([2020, 2204], "year should be a whole number from 1949 to 2100, got 2204"),
    ([True, None], "year should be a whole number from 1949 to 2100, got True"),
    (["x" * 10_000, None], "year should be a whole number from 1949 to 2100, got 'xxxxxxx"),
    ("2020", "expected [first_year, last_year or null], got '2020'"),
])
def test_impossible_years_are_named(rubric_file, years, fragment):
    with pytest.raises(RubricError) as info:
        load_rubric(rubric_file(lambda d: d.update(years=years)), lang="en")
    assert f"years: {fragment}" in str(info.value) and len(str(info.value)) < 500


def test_duplicate_key_cannot_remove_a_mandatory_condition(rubric_file):
    src = (creditlab.paths.data_dir() / "rubrics" / "shaanxi-2020.yaml").read_text(encoding="utf-8")
    lines = src.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.strip() == "mandatory: true")
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    lines.insert(first + 1, f"{indent}mandatory: false\n")
    with pytest.raises(RubricError) as info:
        load_rubric(rubric_file(text="".join(lines)), lang="en")
    assert (f"shaanxi-2020.yaml: line {first + 2}: duplicate key 'mandatory' (already on line {first + 1})"
            in str(info.value))


def test_a_duplicate_key_is_reported_with_every_other_problem_of_the_rubric(rubric_file):
    src = (creditlab.paths.data_dir() / "rubrics" / "shaanxi-2020.yaml").read_text(encoding="utf-8")
    src = src.replace("years: [2020, null]", "years: [2030, 2020]", 1).replace("rule: {type: binary}",
                                                                                "rule: {type: binery}", 1)
    lines = src.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.strip() == "mandatory: true")
    lines.insert(first + 1, lines[first].replace("true", "false"))
    with pytest.raises(RubricError) as info:
        load_rubric(rubric_file(text="".join(lines)), lang="en")
    msg = str(info.value)
    assert "3 problem(s)" in msg and f"line {first + 2}: duplicate key 'mandatory'" in msg
    assert "years: reversed year range" in msg and "unknown rule type 'binery'" in msg


def test_misspelt_field_is_not_ignored(rubric_file):
    def mutate(d):
        c = _crit(d, "A1.1a")[0]
        c["mandtory"] = c.pop("mandatory")
    with pytest.raises(RubricError, match=r"criterion A1.1a: unknown field 'mandtory' — did you mean 'mandatory'"):
        load_rubric(rubric_file(mutate), lang="en")


def test_huge_values_are_quoted_short(rubric_file):
    huge = "<script>" + "x" * 1_000_000

    def mutate(d):
        d["id"] = huge
        _crit(d, "A1.1a")[0]["mandatory"] = huge
        _crit(d, "A1.2a")[0]["points"] = list(range(1000))
    with pytest.raises(RubricError) as info:
        load_rubric(rubric_file(mutate), lang="en")
    text = str(info.value)
    assert len(text) < 2000
    assert "criterion A1.2a: field 'points' should be a number, got <list of 1000>" in text
    assert "'mandatory' should be true or false" in text and "does not match the file name" in text


def test_not_a_mapping_anywhere_is_named(rubric_file):
    def mutate(d):
        d["levels"][0]["children"][0]["children"][0]["criteria"][0] = "just text"
        d["certification"]["conditions"][1] = 7
    with pytest.raises(RubricError) as info:
        load_rubric(rubric_file(mutate), lang="en")
    text = str(info.value)
    assert "criterion #1 under indicator A1.1: expected a mapping, got str 'just text'" in text
    assert "certification condition #2: expected a mapping, got int 7" in text


def test_cli_names_a_hostile_rubric_and_exits_2(data_copy):
    """`creditlab rubrics` on a data folder holding an alias bomb: the message, exit 2, no traceback."""
    from helpers import BOMB

    (data_copy / "rubrics" / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    env = {**os.environ, "CREDITLAB_DATA": str(data_copy), "CREDITLAB_LANG": "zh",
           "PYTHONPATH": str(Path(creditlab.__file__).parent.parent)}
    out = subprocess.run([sys.executable, "-m", "creditlab.cli", "rubrics"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "creditlab：错误：评估标准 bomb.yaml：发现 1 个问题" in out.stderr
    assert "bomb.yaml：第2行第8列：不允许使用 YAML 锚点和别名（*a）" in out.stderr


@pytest.mark.parametrize("step, fragment", [(0, "should be above 0"), (-0.1, "is negative"),
                                            ("0.1", "should be a number")])
def test_points_step_is_checked(rubric_file, step, fragment):
    with pytest.raises(RubricError, match=fragment):
        load_rubric(rubric_file(lambda d: d.update(points_step=step)), lang="en")


def test_rubric_file_is_the_loaders_one_resolution():
    path = crubric.rubric_file("shaanxi-2020")
    assert path == data_dir() / "rubrics" / "shaanxi-2020.yaml"
    assert load_rubric(path).name == load_rubric("shaanxi-2020").name == "shaanxi-2020"
    assert crubric.rubric_file("x/y.yaml") == Path("x/y.yaml")
    with pytest.raises(RubricError, match=r"no rubric named 'shaanxi-2021'; known rubrics: henan-2021, linyi-2019"):
        crubric.rubric_file("shaanxi-2021", lang="en")
    with pytest.raises(RubricError, match="'../x' 不是评估标准名称"):
        crubric.rubric_file("../x", lang="zh")


def test_build_steps_give_the_rubrics_frames():
    """_build in named steps (top fields, the tree of levels/criteria/metrics, certification): the tree alone
    yields the same frames as the whole load, and a step's problems keep their file and item."""
    for name in ("shaanxi-2020", "linyi-2019"):
        path = crubric.rubric_file(name)
        whole = load_rubric(path, lang="en")
        ck = crubric._Checker(path, "en")
        head = crubric._top_fields(whole.raw, path, ck)
        tree = crubric._Tree(ck)
        tree.walk(head["top"], head["max_points"])
        assert ck.count() == 0 and head["name"] == name
        for got, want in zip(tree.frames(), (whole.criteria, whole.levels, whole.metrics), strict=True):
            pd.testing.assert_frame_equal(got, want)
    ck = crubric._Checker(path, "en")
    crubric._Tree(ck).walk([{"id": "X", "name_zh": "x", "name_en": "x", "points": 2, "criteria": []}], 2)
    with pytest.raises(RubricError, match="indicator X: has neither children nor criteria"):
        ck.raise_if_any()


# --- issue 13: the jurisdiction key ----------------------------------------------------------------

@pytest.mark.parametrize(("name", "code"), [("shaanxi-2020", "610000"), ("henan-2021", "410000"),
                                            ("linyi-2019", "371300")])
def test_each_bundled_rubric_names_its_jurisdiction(name: str, code: str) -> None:
    assert load_rubric(name).jurisdiction == code


@pytest.mark.parametrize(("value", "problem"), [
    ("'999999'", "999999 is not a province or city code of regions.csv"),
    ("'61'", "should be a 6-digit division code"),
    ("[610000]", "should be a 6-digit division code"),
])
def test_a_bad_jurisdiction_is_a_named_problem(tmp_path, value: str, problem: str) -> None:
    text = (ROOT / "data" / "rubrics" / "shaanxi-2020.yaml").read_text(encoding="utf-8")
    path = tmp_path / "shaanxi-2020.yaml"
    path.write_text(re.sub(r"^jurisdiction: .*$", f"jurisdiction: {value}", text, count=1, flags=re.M),
                    encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_rubric(path, lang="en")
    assert "jurisdiction" in str(err.value) and problem in str(err.value)


def test_a_rubric_without_jurisdiction_reads_as_the_default_province(tmp_path) -> None:
    text = (ROOT / "data" / "rubrics" / "shaanxi-2020.yaml").read_text(encoding="utf-8")
    path = tmp_path / "shaanxi-2020.yaml"
    path.write_text(re.sub(r"^jurisdiction: .*\n", "", text, count=1, flags=re.M), encoding="utf-8")
    assert load_rubric(path).jurisdiction == "610000"
    path.write_text(text.replace('jurisdiction: "610000"', "jurisdiction: 100000"), encoding="utf-8")
    assert load_rubric(path).jurisdiction == "100000"  # the whole country (an unquoted number is read)
