"""Plan targets (data/plans/shaanxi-14th-fyp.yaml), observations and progress assessment (creditlab.plan)."""
from __future__ import annotations

import copy
import datetime as dt
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import creditlab
from creditlab import plan as cplan
from creditlab.errors import DataError, RubricError
from helpers import ROOT, squash

PLAN = "shaanxi-14th-fyp"
PLAN_FILE = ROOT / "data" / "plans" / f"{PLAN}.yaml"
DEMO_OBS = ROOT / "data" / "demo" / "plan_observations.csv"

# 表1 as printed in the source (traditional copy): number, category, name, unit, 2020, 2025, attribute.
TABLE_1 = [
    (1, "平台数据", "公共信用信息归集总量", "亿条", 3, 10, True, "higher"),
    (2, "平台数据", "公共信用信息共享部门覆盖率", "%", 80, 95, True, "higher"),
    (3, "平台数据", "涉农信用信息数据库建成率", "%", 16.8, 100, False, "higher"),
    (4, "平台数据", "地方征信平台建成率", "%", 63.6, 100, False, "higher"),
    (5, "信用监管", "信用承诺覆盖范围", "%", None, 70, False, "higher"),
    (6, "信用监管", "双公示工作达标率", "%", 70, 100, True, "higher"),
    (7, "信用服务", "具有影响力信用服务机构数", "家", 3, 5, False, "higher"),
    (8, "信用服务", "新增应用场景数量", "个", None, 20, False, "higher"),
    (9, "信用服务", "持证信用管理师数量", "人", None, 2000, False, "higher"),
    (10, "诚信水平", "全国城市信用状况监测排名平均水平", "percent of group, from the top", 65, 40, False, "lower"),
    (11, "诚信水平", "被列入失信联合惩戒对象名单企业占比", "%", 1.3, 0.5, True, "lower"),
    (12, "诚信水平", "省级信用建设示范县（示范园区）数", "个", None, 15, False, "higher"),
    (13, "诚信水平", "信用镇比率", "%", 18.8, 50, False, "higher"),
]
# Traditional -> simplified for every character of 表1 that differs (checked by hand).
T2S = str.maketrans({
    "歸": "归", "集": "集", "總": "总", "量": "量", "門": "门", "覆": "覆", "蓋": "盖", "農": "农", "數": "数",
    "據": "据", "庫": "库", "臺": "台", "諾": "诺", "圍": "围", "雙": "双", "達": "达", "標": "标", "響": "响",
    "務": "务", "機": "机", "構": "构", "應": "应", "場": "场", "證": "证", "師": "师", "國": "国", "狀": "状",
    "況": "况", "監": "监", "測": "测", "聯": "联", "懲": "惩", "對": "对", "象": "象", "單": "单", "業": "业",
    "級": "级", "設": "设", "縣": "县", "園": "园", "區": "区", "鎮": "镇", "誠": "诚", "約": "约", "預": "预",
    "(": "（", ")": "）", "範": "范", "網": "网", "營": "营", "與": "与",
})


@pytest.fixture(scope="module")
def plan() -> cplan.Plan:
    return creditlab.load_plan(PLAN)


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)


def src(name: str) -> str:
    return squash((ROOT / "data" / "sources" / name).read_text(encoding="utf-8"))


def obs(rows: list[tuple], region: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["id", "year", "value"])
    if region:
        frame["region"] = region
    return frame


def one(result: pd.DataFrame, target_id: str) -> pd.Series:
    return result.set_index("id").loc[target_id]


# --- the plan file -------------------------------------------------------------------------------

def test_listed_and_loaded_through_the_package_api(plan):
    assert PLAN in creditlab.list_plans()
    assert creditlab.load_plan(PLAN_FILE).name == PLAN
    assert plan.title_zh.startswith("陕西省“十四五”社会信用体系建设规划")
    assert plan.region == "陕西省" and (plan.baseline_year, plan.target_year) == (2020, 2025)
    required = {"id", "category", "name_zh", "name_en", "unit", "baseline_year", "baseline", "target_year",
                "target", "binding", "direction"}
    assert required <= set(plan.targets.columns)
    assert len(plan.targets) == 13 and plan.targets["id"].is_unique


@pytest.mark.parametrize("number,category,name,unit,baseline,target,binding,direction", TABLE_1,
                         ids=[str(r[0]) for r in TABLE_1])
def test_each_plan_target(plan, number, category, name, unit, baseline, target, binding, direction):
    row = plan.targets.set_index("number").loc[number]
    assert row["category"] == category
    assert row["name_zh"] == name
    assert row["unit"] == unit
    assert (row["baseline_year"], row["target_year"]) == (2020, 2025)
    if baseline is None:
        assert math.isnan(row["baseline"]) and row["baseline_text"] == "—"  # — is null, never 0
    else:
        assert row["baseline"] == pytest.approx(baseline)
    assert row["target"] == pytest.approx(target)
    assert bool(row["binding"]) is binding
    assert row["binding_zh"] == ("约束性" if binding else "预期性")
    assert row["direction"] == direction
    assert row["source_file"] == "003_446a009c663a427a.txt" and row["source_table"] == "表1"
    assert str(number) in row["source"]


def test_table_cells_verbatim_and_in_order(plan):
    """Name, 2020, 2025 and 属性 cells of each row appear together, in the table's order, in the source."""
    text = src("003_446a009c663a427a.txt")
    table = text[text.index("表1“十四五”社會信用體系建設主要建設目標"):]
    pos = 0
    for r in plan.targets.sort_values("number").itertuples():
        cells = squash(r.name_zh_source + r.baseline_text + r.target_text + r.binding_text)
        found = table.find(cells, pos)
        assert found >= pos, (r.id, cells)
        pos = found + len(cells)
        # the category label precedes the first row of each category
        assert squash(r.category_source) in table[:found]


def test_simplified_names_match_the_traditional_source(plan):
    for r in plan.targets.itertuples():
        name = re.sub(r"^\d+\.", "", r.name_zh_source)
        name = re.sub(r"\((%|億條|家|個|人)\)$", "", name)
        assert name.translate(T2S) == r.name_zh, r.id
        assert r.category_source.translate(T2S) == r.category
        assert r.binding_text.translate(T2S) == r.binding_zh


def test_ranking_indicator_is_a_percentile_that_improves_downwards(plan):
    row = plan.target("city_ranking_percentile")
    assert (row["baseline_text"], row["target_text"]) == ("前65%", "前40%")
    assert row["unit_en"] == "percent of group, from the top"
    assert plan.target("blacklist_share")["direction"] == "lower"
    assert set(plan.targets.loc[plan.targets["direction"] == "lower", "id"]) == {
        "city_ranking_percentile", "blacklist_share"}


def test_source_block_and_choices(plan):
    s = plan.source
    assert s["reference"] == "陕发改财金〔2021〕1088号" and s["date"] == dt.date(2021, 8, 4)
    text = src(s["file"])
    for key in ("document_source", "reference_source", "issuer_source", "date_source", "table_source"):
        assert squash(s[key]) in text, key
    ids = {c["id"] for c in plan.choices}
    assert {"simplified-names", "dash-is-null", "ranking-percentile", "breakthrough-strict"} <= ids
    assert all(c["zh"].strip() and c["en"].strip() for c in plan.choices)


MILESTONES = {  # id: (date, indicator, value, comparison, region)
    "wp2023_credit_records": ("2023-12-31", "credit_records", 10, ">", "陕西省"),
    "wp2023_qxr_enterprises": ("2023-12-31", None, 15, ">=", "陕西省"),
    "wp2023_qxr_loans": ("2023-12-31", None, 700, ">=", "陕西省"),
    "wp2023_gov_integrity_good": ("2023-12-31", None, 90, ">", "陕西省"),
    "plan_credit_managers_2025": ("2025-12-31", "credit_managers", 2000, ">=", "陕西省"),
    "yanan_uscc_error_rate": ("2021-06-30", None, 0.01, "<", "延安市"),
    "yanan_sgs_reporting": ("2021-06-30", None, 100, ">=", "延安市"),
}


@pytest.mark.parametrize("mid", sorted(MILESTONES))
def test_milestones(plan, mid):
    m = plan.milestones.set_index("id").loc[mid]
    date, indicator, value, comparison, region = MILESTONES[mid]
    assert str(m["date"]) == date and m["year"] == int(date[:4])
    assert (m["indicator"] if isinstance(m["indicator"], str) else None) == indicator
    assert m["value"] == pytest.approx(value) and m["comparison"] == comparison and m["region"] == region
    assert m["strict"] == (comparison in (">", "<"))
    # every quote is verbatim in the cited file (traditional copy for 003, simplified for 002)
    assert squash(m["name_zh_source"]) in src(m["source_file"]), mid
    assert m["source_section"]


def test_every_milestone_quote_is_in_its_source(plan):
    for m in plan.milestones.itertuples():
        assert squash(m.name_zh_source) in src(m.source_file), m.id
        assert m.unit and m.name_en


def test_bundled_data_dir_is_honoured(tmp_path, monkeypatch):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / f"{PLAN}.yaml").write_text(PLAN_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("CREDITLAB_DATA", str(tmp_path))
    assert creditlab.plan.list_plans() == [PLAN]


# --- malformed plan files ------------------------------------------------------------------------

def raw_plan() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, doc: dict | str, name: str = PLAN) -> Path:
    path = tmp_path / f"{name}.yaml"
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _del(key):
    def f(d):
        del d["targets"][1][key]
    return f


def _set(i, key, value, part="targets"):
    def f(d):
        d[part][i][key] = value
    return f


def _dup_id(d):
    d["targets"][2]["id"] = d["targets"][1]["id"]


def _dup_milestone(d):
    d["milestones"][1]["id"] = d["targets"][0]["id"]


def _typo(d):
    d["targets"][3]["diretion"] = d["targets"][3].pop("direction")


def _two(d):
    d["targets"][0]["direction"] = "up"
    d["targets"][4]["target"] = "70%"


MALFORMED = [
    ("missing field", _del("direction"), "targets[1] (id 'sharing_coverage')", "missing field 'direction'"),
    ("duplicate id", _dup_id, "targets[2] (id 'sharing_coverage')", "duplicate id"),
    ("duplicate id across", _dup_milestone, "milestones[1] (id 'credit_records')", "duplicate id"),
    ("unknown direction", _set(5, "direction", "up"), "id 'double_publicity'", "unknown direction 'up'"),
    ("typo field", _typo, "id 'local_credit_platforms'", "unknown field 'diretion' — did you mean 'direction'?"),
    ("text baseline", _set(0, "baseline", "3亿"), "id 'credit_records'", "baseline should be a number"),
    ("zero for dash", _set(4, "baseline", 0), "id 'commitment_coverage'", "write null (never 0)"),
    ("dash text for value", _set(5, "baseline", None), "id 'double_publicity'", "baseline is null but"),
    ("missing target", _set(6, "target", None), "id 'credit_service_firms'", "target should be a number"),
    ("negative", _set(6, "baseline", -1), "id 'credit_service_firms'", "baseline is negative"),
    ("percent above 100", _set(1, "target", 120), "id 'sharing_coverage'", "above 100"),
    ("binding contradiction", _set(0, "binding", False), "id 'credit_records'", "contradicts binding_zh"),
    ("binding text", _set(0, "binding", "约束性"), "id 'credit_records'", "binding should be true"),
    ("target before baseline", _set(2, "target_year", 2019), "id 'agri_credit_db'", "target_year 2019 is before"),
    ("duplicate number", _set(2, "number", 2), "id 'agri_credit_db'", "duplicate number 2"),
    ("no source", _set(2, "source", "表1"), "id 'agri_credit_db'", "source should be a mapping"),
    ("milestone indicator", _set(0, "indicator", "records", "milestones"), "id 'wp2023_credit_records'",
     "indicator 'records' is not a target id"),
    ("milestone unit", _set(0, "unit", "条", "milestones"), "id 'wp2023_credit_records'",
     "unit '条' differs from indicator 'credit_records'"),
    ("milestone direction", _set(0, "comparison", "<", "milestones"), "id 'wp2023_credit_records'",
     "contradicts direction 'higher'"),
    ("milestone comparison", _set(1, "comparison", "=>", "milestones"), "id 'wp2023_qxr_enterprises'",
     "unknown comparison '=>'"),
    ("milestone date", _set(1, "date", "2023年末", "milestones"), "id 'wp2023_qxr_enterprises'",
     "date should be an ISO date"),
    ("milestone source key", _set(1, "source", {"key": "wp2024", "file": "x", "section": "（二）"}, "milestones"),
     "id 'wp2023_qxr_enterprises'", "source key 'wp2024'"),
    ("choice without en", lambda d: d["choices"][0].pop("en"), "choices[0]", "missing field 'en'"),
    ("no targets", lambda d: d.update(targets=[]), "targets", "expected a non-empty list"),
    ("top-level field", lambda d: d.pop("region"), "file", "missing field 'region'"),
    ("id mismatch", lambda d: d.update(id="shaanxi"), "id", "does not match the file name"),
    ("reversed plan years", lambda d: d.update(baseline_year=2030), "target_year",
     "reversed years: 2025 is before the baseline year 2030"),
    ("year 2204", lambda d: d.update(target_year=2204), "target_year",
     "year should be a whole number from 1949 to 2100, got 2204"),
    ("target's own year", _set(3, "target_year", 2204), "id 'local_credit_platforms'",
     "target_year: year should be a whole number from 1949 to 2100, got 2204"),
    ("milestone after target year", _set(0, "date", "2030-12-31", "milestones"), "id 'wp2023_credit_records'",
     "milestone date 2030-12-31 is after the target year 2025"),
    ("milestone before baseline", _set(1, "date", "2019-12-31", "milestones"), "id 'wp2023_qxr_enterprises'",
     "milestone date 2019-12-31 is before the baseline year 2020"),
    ("milestone id a list", _set(1, "id", ["a", "b"], "milestones"), "milestones[1] (id <list of 2>)",
     "id should be letters, digits"),
    ("comparison a list", _set(1, "comparison", [">"], "milestones"), "id 'wp2023_qxr_enterprises'",
     "unknown comparison <list of 1>"),
]


@pytest.mark.parametrize("label,mutate,item,problem", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_plan_names_file_item_and_problem(tmp_path, label, mutate, item, problem):
    doc = copy.deepcopy(raw_plan())
    mutate(doc)
    path = write(tmp_path, doc)
    with pytest.raises(RubricError) as exc:
        cplan.load_plan(path, lang="en")
    msg = str(exc.value)
    assert str(path) in msg
    line = next((ln for ln in msg.splitlines() if problem in ln), "")
    assert line, msg
    assert item in line, msg


def test_every_problem_reported_at_once(tmp_path):
    doc = raw_plan()
    _two(doc)
    with pytest.raises(RubricError, match=r"2 problem\(s\) in plan") as exc:
        cplan.load_plan(write(tmp_path, doc), lang="en")
    assert "unknown direction 'up'" in str(exc.value) and "target should be a number" in str(exc.value)


def test_plan_problems_in_chinese_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    doc = raw_plan()
    _two(doc)
    doc["target_year"] = 2019
    with pytest.raises(RubricError) as exc:
        cplan.load_plan(write(tmp_path, doc))
    msg = str(exc.value)
    assert f"规划 {PLAN}.yaml：发现" in msg
    assert "targets[0] (id 'credit_records')：未知的方向 'up'" in msg
    assert "target_year：年份颠倒：目标年份 2019 早于基期年份 2020" in msg


def test_duplicate_key_in_a_plan_is_named(tmp_path):
    text = PLAN_FILE.read_text(encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines()) if ln.strip() == "direction: higher") + 1
    text = text.replace("    direction: higher\n", "    direction: higher\n    direction: lower\n", 1)
    with pytest.raises(RubricError) as exc:
        cplan.load_plan(write(tmp_path, text), lang="en")
    assert f"line {line + 1}: duplicate key 'direction' (already on line {line})" in str(exc.value)


def test_a_duplicate_key_in_a_plan_is_reported_with_every_other_problem(tmp_path):
    text = PLAN_FILE.read_text(encoding="utf-8")
    text = text.replace("    direction: higher\n", "    direction: higher\n    direction: lower\n", 1)
    text = text.replace("    direction: lower\n", "    direction: up\n", 2)  # the duplicate and one more
    with pytest.raises(RubricError) as exc:
        cplan.load_plan(write(tmp_path, text), lang="en")
    msg = str(exc.value)
    assert "duplicate key 'direction'" in msg and "unknown direction 'up'" in msg


def test_bad_yaml_names_the_line(tmp_path):
    text = PLAN_FILE.read_text(encoding="utf-8").replace("    direction: lower\n", "    direction: [lower\n", 1)
    path = write(tmp_path, text)
    with pytest.raises(RubricError, match=r"invalid YAML") as exc:
        cplan.load_plan(path, lang="en")
    assert str(path) in str(exc.value) and "line" in str(exc.value)


def test_not_a_mapping(tmp_path):
    with pytest.raises(RubricError, match="expected a YAML mapping"):
        cplan.load_plan(write(tmp_path, "- just\n- a list\n"), lang="en")


def test_unknown_plan_name_suggests_the_right_one():
    with pytest.raises(RubricError, match=r"no plan named 'shaanxi-14th-fyq' — did you mean 'shaanxi-14th-fyp'"):
        creditlab.load_plan("shaanxi-14th-fyq", lang="en")
    with pytest.raises(RubricError, match="not a plan name"):
        creditlab.load_plan("../etc/passwd", lang="en")


# --- observations: loading, template, validation -------------------------------------------------

def test_demo_observations_load(plan):
    o = cplan.load_observations(DEMO_OBS, plan)
    assert list(o.columns) == cplan.OBS_COLUMNS
    assert set(o["id"]) >= set(plan.targets["id"])
    assert o["year"].between(2020, 2024).all() and o["value"].notna().all()
    assert {"陕西省", "延安市", "西安市"} <= set(o["region"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_template_round_trip(plan, tmp_path, suffix):
    path = cplan.write_template(plan, tmp_path / f"template{suffix}")
    empty = cplan.load_observations(path, plan)
    assert empty.empty and empty.attrs["skipped"] > 13 * 5  # unfilled rows are skipped, not scored as 0
    if suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.loc[(frame["id"] == "blacklist_share") & (frame["year"] == "2023"), "value"] = "0.9"
        frame.loc[(frame["id"] == "yanan_sgs_quality"), "value"] = "99.5"
        frame.to_csv(path, index=False)
    else:
        import openpyxl

        wb = openpyxl.load_workbook(path)
        ws = wb["observations"]
        head = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            vals = dict(zip(head, (c.value for c in row), strict=True))
            if vals["id"] == "blacklist_share" and str(vals["year"]) == "2023":
                row[head.index("value")].value = 0.9
            if vals["id"] == "yanan_sgs_quality":
                row[head.index("value")].value = 99.5
        wb.save(path)
        assert {"indicators", "milestones"} <= set(wb.sheetnames)
    filled = cplan.load_observations(path, plan)
    assert sorted(filled["id"]) == ["blacklist_share", "yanan_sgs_quality"]
    assert filled.set_index("id").loc["yanan_sgs_quality", "region"] == "延安市"
    res = creditlab.assess_progress(plan, filled, 2023)
    assert one(res, "blacklist_share")["category"] == "moderate"


def bad_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "obs.csv"
    path.write_text("id,region,year,value\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("line,column,problem", [
    ("blacklist_shares,,2023,0.9", "id", "unknown indicator id 'blacklist_shares' — did you mean 'blacklist_share'?"),
    ("blacklist_share,,2019,0.9", "year", "year 2019 is outside the plan period 2020–2025"),
    ("blacklist_share,,2023.5,0.9", "year", "'2023.5' is not a year"),
    ("blacklist_share,,二〇二三,0.9", "year", "is not a year"),
    ("blacklist_share,,2023,0.9%", "value", "'0.9%' is not a number (write the number only"),
    ("blacklist_share,,2023,abc", "value", "'abc' is not a number"),
    ("blacklist_share,,2023,-0.1", "value", "value -0.1 is negative"),
    ("blacklist_share,,2023,inf", "value", "is not a number"),
    ("double_publicity,,2023,101", "value", "above 100 for a percentage"),
    ("blacklist_share,西按市,2023,0.9", "region", "unknown region '西按市'"),
    ("yanan_sgs_quality,,2021,99", "region", "milestone 'yanan_sgs_quality' is for 延安市, not 陕西省"),
])
def test_observation_errors_name_file_row_column(plan, tmp_path, line, column, problem):
    path = bad_file(tmp_path, ["credit_records,陕西省,2021,4.6", line])
    with pytest.raises(DataError) as exc:
        cplan.load_observations(path, plan, lang="en")
    assert len(exc.value.problems) == 1, exc.value.problems
    p = exc.value.problems[0]
    letter = "ABCD"["id,region,year,value".split(",").index(column)]
    assert p.startswith(f"{path}: row 3: column {letter} ({column})") and problem in p, p


def test_duplicates_and_all_problems_at_once(plan, tmp_path):
    path = bad_file(tmp_path, ["blacklist_share,,2023,0.9", "blacklist_share,陕西省,2023,1.0", "x,,2023,1",
                               "credit_records,,20x1,4"])
    with pytest.raises(DataError) as exc:
        cplan.load_observations(path, plan, lang="en")
    probs = exc.value.problems
    assert len(probs) == 3
    assert any("rows 2, 3" in p and "duplicate observation of 'blacklist_share'" in p for p in probs)
    assert any("row 4: column A (id)" in p for p in probs) and any("row 5: column C (year)" in p for p in probs)


def test_columns_checked(plan, tmp_path, monkeypatch):
    path = tmp_path / "obs.csv"
    path.write_text("id,yr,value,valeu\nblacklist_share,2023,0.9,\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        cplan.load_observations(path, plan, lang="en")
    assert any("missing column 'year'" in p for p in exc.value.problems)
    assert any("unknown column 'valeu'" in p for p in exc.value.problems)
    monkeypatch.setenv("CREDITLAB_LANG", "en")  # the file is read before the plan's language applies
    with pytest.raises(DataError, match="file not found"):
        cplan.load_observations(tmp_path / "nope.csv", plan, lang="en")


def test_unit_column_must_match(plan, tmp_path):
    path = tmp_path / "obs.csv"
    path.write_text("id,year,value,unit\nblacklist_share,2023,0.9,%\ncredit_records,2023,10,条\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 3: column D \(unit\): unit '条' differs from the plan's unit '亿条'"):
        cplan.load_observations(path, plan, lang="en")


def test_in_memory_frames_are_validated_too(plan, monkeypatch):
    frame = obs([("blacklist_share", 2023, 0.9), ("blacklist_share", 2024, "n/a")])
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(DataError, match=r"<observations>: column value: row \(index\) 1: 'n/a' is not a number"):
        creditlab.assess_progress(plan, frame, 2024)
    monkeypatch.delenv("CREDITLAB_LANG")
    with pytest.raises(DataError, match=r"观测值：发现 1 个问题\n- <observations>：列value：索引 1：'n/a' 不是数字"):
        creditlab.assess_progress(plan, frame, 2024)


def test_observations_in_chinese_grouped_and_capped(plan, tmp_path, monkeypatch):
    """50,000 bad rows: one line per problem up to the cap, counted, never a 50,000-line message."""
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    path = bad_file(tmp_path, ["blacklist_share,,2023,0.9"] * 50_000 + ["blacklist_share,,2204,0.9"])
    with pytest.raises(DataError) as exc:
        cplan.load_observations(path, plan)
    msg = str(exc.value)
    assert "观测值：发现 50001 个问题" in msg and "第2、3、4、5、6、7、8、9、10、11行等共50000行" in msg
    assert "第50002行，列C (year)：年份 2204 不在规划期 2020–2025 内" in msg and len(msg) < 2000


# --- progress: hand-computed values --------------------------------------------------------------

def test_blacklist_share_moderate(plan):
    """1.3 (2020) -> 0.9 (2023) against 0.5 in 2025: required (0.5/1.3)^(1/5)-1 = -17.40 %/yr, actual
    (0.9/1.3)^(1/3)-1 = -11.54 %/yr, ratio 0.663 -> moderate (60-95 %)."""
    r = one(creditlab.assess_progress(plan, obs([("blacklist_share", 2023, 0.9)]), 2023), "blacklist_share")
    assert r["required_rate"] == pytest.approx(-0.173952, abs=1e-6)
    assert r["actual_rate"] == pytest.approx(-0.115360, abs=1e-6)
    assert r["ratio"] == pytest.approx(0.66317, abs=1e-4)
    assert r["category"] == "moderate" and r["method"] == "compound"
    # straight line 1.3 -> 0.5 over five years: 0.82 in 2023, so 0.9 is 0.08 behind
    assert r["path_value"] == pytest.approx(0.82) and r["gap_to_path"] == pytest.approx(0.08)
    assert not r["ahead_of_path"] and r["latest_year"] == 2023
    # a 约束性 target must be met: moderate progress on it is off course and comes first
    assert r["binding"] and r["off_course"] and r["priority"] == 0


def test_moderate_expected_indicator_is_not_off_course(plan):
    # 信用镇比率 (预期性) 18.8 -> 50: 30 in 2023 is a ratio of about 0.6-0.95 of the required rate
    r = one(creditlab.assess_progress(plan, obs([("credit_towns", 2023, 30.0)]), 2023), "credit_towns")
    assert r["category"] == "moderate" and not r["binding"] and not r["off_course"]


def test_blacklist_share_moving_away(plan):
    """1.5 in 2023: actual +4.89 %/yr on an indicator that improves downwards: ratio -0.281."""
    r = one(creditlab.assess_progress(plan, obs([("blacklist_share", 2023, 1.5)]), 2023), "blacklist_share")
    assert r["ratio"] == pytest.approx(-0.28086, abs=1e-4)
    assert r["category"] == "moving_away" and r["off_course"] and r["needs_action"]
    assert math.isinf(r["projected_year"])
    assert "not_reached_on_trend" in r["remarks"]


def test_linear_variant(plan):
    """Linear: required (0.5-1.3)/5 = -0.16/yr, actual (0.9-1.3)/3 = -0.1333/yr, ratio 0.833."""
    r = one(creditlab.assess_progress(plan, obs([("blacklist_share", 2023, 0.9)]), 2023, method="linear"),
            "blacklist_share")
    assert (r["required_rate"], r["actual_rate"]) == (pytest.approx(-0.16), pytest.approx(-0.4 / 3))
    assert r["ratio"] == pytest.approx(0.83333, abs=1e-4) and r["category"] == "moderate"


@pytest.mark.parametrize("value,category", [
    (91.4, "significant"),   # linear: 11.4/4 = 2.85 per year = 0.95 of the required 3 -> significant
    (87.2, "moderate"),      # 7.2/4 = 1.8 = 0.60 of 3 -> moderate (boundary included)
    (87.1, "insufficient"),  # just below 0.60
    (80.0, "insufficient"),  # no change: ratio 0
    (79.0, "moving_away"),
    (95.0, "achieved"),
])
def test_category_thresholds(plan, value, category):
    r = one(creditlab.assess_progress(plan, obs([("sharing_coverage", 2024, value)]), 2024, method="linear"),
            "sharing_coverage")
    assert r["category"] == category


def test_significant_and_insufficient_compound(plan):
    res = creditlab.assess_progress(plan, obs([("sharing_coverage", 2024, 92), ("credit_towns", 2024, 22)]), 2024)
    # (92/80)^(1/4)-1 = 3.555 %/yr against (95/80)^(1/5)-1 = 3.497 %/yr: ratio 1.017
    assert one(res, "sharing_coverage")["ratio"] == pytest.approx(1.0166, abs=1e-3)
    assert one(res, "sharing_coverage")["category"] == "significant"
    # (22/18.8)^(1/4)-1 = 4.007 %/yr against (50/18.8)^(1/5)-1 = 21.608 %/yr: ratio 0.185
    assert one(res, "credit_towns")["ratio"] == pytest.approx(0.1854, abs=1e-3)
    assert one(res, "credit_towns")["category"] == "insufficient"


def test_target_already_met_is_achieved(plan):
    res = creditlab.assess_progress(plan, obs([("blacklist_share", 2022, 0.7), ("blacklist_share", 2024, 0.45),
                                               ("credit_records", 2023, 11)]), 2024)
    for tid, year in (("blacklist_share", 2024), ("credit_records", 2023)):
        r = one(res, tid)
        assert r["category"] == "achieved" and r["projected_year"] == year and not r["needs_action"]


def test_missing_baseline_assessed_against_target_alone(plan):
    res = creditlab.assess_progress(plan, obs([("commitment_coverage", 2022, 50), ("commitment_coverage", 2023, 60),
                                               ("credit_managers", 2024, 2100)]), 2023)
    r = one(res, "commitment_coverage")
    assert r["category"] == "no_baseline" and "no_baseline" in r["remarks"]
    assert np.isnan(r["ratio"]) and np.isnan(r["required_rate"]) and np.isnan(r["baseline"])
    # 50 -> 60 is +20 %/yr; 60 * 1.2 = 72 >= 70 in 2024
    assert r["projected_year"] == 2024 and r["on_track"]
    # 2100 is after as_of 2023: not used, so no data
    assert one(res, "credit_managers")["category"] == "no_data"
    res = creditlab.assess_progress(plan, obs([("credit_managers", 2024, 2100)]), 2024)
    assert one(res, "credit_managers")["category"] == "achieved"
    assert "仅对照目标值" in cplan.remark_text("no_baseline", "zh")


def test_no_data_is_never_scored(plan):
    frame = obs([("blacklist_share", 2023, None), ("credit_towns", 2023, np.nan)])
    res = creditlab.assess_progress(plan, frame, 2024)
    assert set(res["category"]) == {"no_data"}
    assert res["ratio"].isna().all() and res["projected_year"].isna().all() and not res["needs_action"].any()
    only_base = one(creditlab.assess_progress(plan, obs([("credit_towns", 2020, 18.8)]), 2024), "credit_towns")
    assert only_base["category"] == "no_data" and "only_baseline_year" in only_base["remarks"]


def test_projection_and_interval(plan):
    # exactly linear -0.1/yr from 1.3: 0.5 is reached in 2028; no scatter, so a zero-width interval
    rows = [("blacklist_share", y, round(1.3 - 0.1 * (y - 2020), 10)) for y in (2021, 2022, 2023)]
    r = one(creditlab.assess_progress(plan, obs(rows), 2023, method="linear"), "blacklist_share")
    assert r["trend_slope"] == pytest.approx(-0.1)
    assert (r["projected_year"], r["projected_year_low"], r["projected_year_high"]) == (2028, 2028, 2028)
    assert not r["on_track"]
    noisy = [("blacklist_share", 2021, 1.25), ("blacklist_share", 2022, 1.05), ("blacklist_share", 2023, 1.0)]
    r = one(creditlab.assess_progress(plan, obs(noisy), 2023, method="linear"), "blacklist_share")
    assert r["projected_year_low"] <= r["projected_year"] <= r["projected_year_high"]
    assert r["projected_year_low"] < r["projected_year_high"]
    wide = one(creditlab.assess_progress(plan, obs(noisy), 2023, method="linear", level=0.99), "blacklist_share")
    assert wide["projected_year_high"] >= r["projected_year_high"]


def test_as_of_ignores_later_years_and_uses_latest(plan):
    frame = obs([("blacklist_share", 2022, 1.1), ("blacklist_share", 2023, 0.9), ("blacklist_share", 2024, 2.0)])
    r = one(creditlab.assess_progress(plan, frame, 2023), "blacklist_share")
    assert r["latest_year"] == 2023 and r["latest"] == 0.9


def test_binding_off_course_flagged_first(plan):
    frame = obs([("credit_towns", 2024, 20), ("blacklist_share", 2024, 1.25), ("agri_credit_db", 2024, 90),
                 ("credit_service_firms", 2024, 4)])
    res = creditlab.assess_progress(plan, frame, 2024)
    assert list(res["id"][:3]) == ["blacklist_share", "credit_towns", "credit_service_firms"]
    assert list(res["priority"][:2]) == [0, 1]
    assert res.loc[res["needs_action"], "id"].tolist() == ["blacklist_share", "credit_towns"]
    assert set(res["category"]) <= set(cplan.CATEGORIES)
    required = {"id", "baseline", "latest_year", "latest", "target", "required_rate", "actual_rate", "ratio",
                "category", "projected_year"}
    assert required <= set(res.columns) and len(res) == 13


def test_observation_for_baseline_year_that_differs_is_reported(plan):
    frame = obs([("city_ranking_percentile", 2020, 65.8), ("city_ranking_percentile", 2024, 49.7)])
    r = one(creditlab.assess_progress(plan, frame, 2024), "city_ranking_percentile")
    assert r["baseline"] == 65 and "baseline_observation_differs" in r["remarks"]
    # (49.7/65)^(1/4)-1 = -6.49 %/yr against (40/65)^(1/5)-1 = -9.25 %/yr
    assert r["ratio"] == pytest.approx(0.7012, abs=1e-3) and r["category"] == "moderate"


def test_city_assessed_from_its_own_baseline(plan):
    frame = obs([("blacklist_share", 2020, 1.6), ("blacklist_share", 2023, 1.0)], region="商洛市")
    res = creditlab.assess_progress(plan, frame, 2023, region="商洛市")
    r = one(res, "blacklist_share")
    assert r["baseline"] == 1.6 and r["region"] == "商洛市"
    # both rates negative (improving downwards): ratio = actual / required
    assert r["ratio"] == pytest.approx(((1.0 / 1.6) ** (1 / 3) - 1) / ((0.5 / 1.6) ** 0.2 - 1), abs=1e-9)
    assert "baseline_from_observations" in r["remarks"]
    assert one(res, "credit_towns")["category"] == "no_data"


def test_parameters_checked(plan, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CREDITLAB_LANG", "en")
    with pytest.raises(ValueError, match="method must be one of compound, linear"):
        creditlab.assess_progress(plan, obs([]), 2024, method="cagr")
    with pytest.raises(ValueError, match="before the plan's baseline year"):
        creditlab.assess_progress(plan, obs([]), 2019)
    with pytest.raises(ValueError, match="should be a year"):
        creditlab.assess_progress(plan, obs([]), "2024")
    with pytest.raises(ValueError, match="more than ten years"):
        creditlab.assess_progress(plan, obs([]), 20224)


def test_as_of_messages_are_chinese_by_default(plan, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    for as_of, text in [(2019, "截至年份（as_of）2019早于规划的基期年份2020"),
                        ("2024", "截至年份（as_of）须为整数年份"), (20224, "比规划期末（2025年）晚十年以上")]:
        with pytest.raises(ValueError) as exc:
            cplan.check_as_of(plan, as_of)
        assert text in str(exc.value), str(exc.value)
    with pytest.raises(ValueError, match="as_of 2019 is before the plan's baseline year 2020"):
        cplan.check_as_of(plan, 2019, lang="en")  # the command's --lang, whatever CREDITLAB_LANG says


def test_as_of_after_the_latest_observation_is_refused_with_the_data(plan, monkeypatch: pytest.MonkeyPatch):
    """With the observations (the command, the notebook), ``as_of`` may not go past them: a report “截至2030年”
    over data ending in 2024 is refused; without them (a library call) any plausible year is still assessed."""
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    frame = obs([("blacklist_share", 2021, 1.2), ("blacklist_share", 2024, 0.9), ("credit_towns", 2022, 20.0)])
    assert cplan.check_as_of(plan, 2024, frame) == 2024 and cplan.check_as_of(plan, 2022, frame) == 2022
    with pytest.raises(ValueError) as exc:
        cplan.check_as_of(plan, 2030, frame)
    assert str(exc.value) == "截至年份（as_of）2030晚于观测数据的最新年份2024；有观测的年份：2021、2022、2024"
    with pytest.raises(ValueError, match=r"as_of 2025 is after the latest observation year 2024; years with "
                                         r"observations: 2021, 2022, 2024"):
        cplan.check_as_of(plan, 2025, frame, lang="en")
    assert cplan.check_as_of(plan, 2030) == 2030  # no observations given: only the plan's own bounds
    assert one(creditlab.assess_progress(plan, frame, 2025), "blacklist_share")["latest_year"] == 2024


# --- edge cases on small hand-made plans ---------------------------------------------------------

def mini_plan(tmp_path: Path, **changes) -> cplan.Plan:
    doc = raw_plan()
    item = doc["targets"][10]  # blacklist_share, direction lower
    item.update(changes)
    doc["targets"] = [item]
    doc["milestones"] = []
    return cplan.load_plan(write(tmp_path, doc))


def test_baseline_already_past_target(tmp_path):
    p = mini_plan(tmp_path, baseline=0.4, source_text={"baseline": "0.4", "target": "0.5", "binding": "約束性"})
    good = one(creditlab.assess_progress(p, obs([("blacklist_share", 2023, 0.45)]), 2023), "blacklist_share")
    assert good["category"] == "achieved"
    bad = one(creditlab.assess_progress(p, obs([("blacklist_share", 2023, 0.6)]), 2023), "blacklist_share")
    assert bad["category"] == "moving_away" and "baseline_past_target" in bad["remarks"]
    assert np.isnan(bad["ratio"])  # the required rate points the wrong way: no ratio


def test_zero_values_fall_back_to_linear(tmp_path):
    p = mini_plan(tmp_path, baseline=0, direction="higher", target=10, unit="家", binding=False, binding_zh="预期性",
                  source_text={"baseline": "0", "target": "10", "binding": "預期性"})
    r = one(creditlab.assess_progress(p, obs([("blacklist_share", 2022, 4)]), 2022), "blacklist_share")
    # linear: actual 4/2 = 2 per year, required 10/5 = 2 per year
    assert r["method"] == "linear" and "zero_value" in r["remarks"]
    assert r["ratio"] == pytest.approx(1.0) and r["category"] == "significant"
    assert "trend_linear_scale" in r["remarks"] and r["projected_year"] == 2025
    target_zero = mini_plan(tmp_path, target=0)
    r = one(creditlab.assess_progress(target_zero, obs([("blacklist_share", 2022, 1.04)]), 2022), "blacklist_share")
    # linear: actual -0.13/yr against required -0.26/yr
    assert r["method"] == "linear" and r["ratio"] == pytest.approx(0.5) and r["category"] == "insufficient"


def test_target_year_equal_to_base_year(tmp_path):
    p = mini_plan(tmp_path, target_year=2020)
    r = one(creditlab.assess_progress(p, obs([("blacklist_share", 2022, 1.0)]), 2022), "blacklist_share")
    assert r["category"] == "insufficient" and "target_year_is_baseline_year" in r["remarks"]
    assert np.isnan(r["ratio"]) and np.isnan(r["required_rate"]) and r["path_value"] == 0.5
    worse = one(creditlab.assess_progress(p, obs([("blacklist_share", 2022, 1.4)]), 2022), "blacklist_share")
    assert worse["category"] == "moving_away"
    met = one(creditlab.assess_progress(p, obs([("blacklist_share", 2022, 0.5)]), 2022), "blacklist_share")
    assert met["category"] == "achieved"


# --- milestones ----------------------------------------------------------------------------------

def ms(plan, rows, as_of, region=None):
    frame = pd.DataFrame(rows, columns=["id", "region", "year", "value"])
    return cplan.check_milestones(plan, frame, as_of).set_index("id")


def test_breakthrough_is_strict(plan):
    assert ms(plan, [("credit_records", "陕西省", 2023, 10)], 2024).loc["wp2023_credit_records", "status"] == "missed"
    met = ms(plan, [("credit_records", "陕西省", 2023, 10.3)], 2024).loc["wp2023_credit_records"]
    assert met["status"] == "met" and met["observed"] == 10.3 and met["observed_year"] == 2023


def test_not_less_than_includes_the_value(plan):
    res = ms(plan, [("wp2023_qxr_loans", "陕西省", 2023, 700), ("wp2023_qxr_enterprises", "陕西省", 2023, 14.9)], 2023)
    assert res.loc["wp2023_qxr_loans", "status"] == "met"
    assert res.loc["wp2023_qxr_enterprises", "status"] == "missed"
    assert res.loc["wp2023_gov_integrity_good", "status"] == "no_data"  # due, not observed


def test_pending_milestone_shows_progress(plan):
    rows = [("credit_records", "陕西省", 2021, 4.6), ("credit_records", "陕西省", 2022, 7.1)]
    r = ms(plan, rows, 2022).loc["wp2023_credit_records"]
    # from the plan's baseline 3 (2020) to > 10 in 2023: required (10/3)^(1/3)-1 = 49.4 %/yr,
    # actual (7.1/3)^(1/2)-1 = 53.8 %/yr: ratio 1.09
    assert r["status"] == "pending" and r["category"] == "significant"
    assert r["ratio"] == pytest.approx(((7.1 / 3) ** 0.5 - 1) / ((10 / 3) ** (1 / 3) - 1), abs=1e-9)
    assert r["observed"] == 7.1 and r["observed_year"] == 2022


def test_city_milestones_below_and_within_year(plan):
    rows = [("yanan_uscc_error_rate", "延安市", 2021, 0.01), ("yanan_sgs_reporting", "延安市", 2021, 100),
            ("yanan_sgs_quality", "延安市", 2021, 99.2)]
    res = ms(plan, rows, 2024)
    assert res.loc["yanan_uscc_error_rate", "status"] == "missed"  # 低于 0.01 % is strict
    assert res.loc["yanan_sgs_reporting", "status"] == "met"
    assert res.loc["yanan_sgs_quality", "status"] == "missed"
    assert "within_year_milestone" in res.loc["yanan_sgs_reporting", "remarks"]
    assert res.loc["yanan_sgs_reporting", "region"] == "延安市"


# --- demo data -----------------------------------------------------------------------------------

def test_demo_story(plan):
    o = cplan.load_observations(DEMO_OBS, plan)
    res = creditlab.assess_progress(plan, o, 2024)
    first = res.iloc[0]
    assert first["binding"] and first["category"] in ("insufficient", "moving_away")  # one 约束性 off course
    assert int((res["binding"] & res["off_course"]).sum()) == 1
    improving = res["category"].isin(["achieved", "significant", "moderate"]) | (
        (res["category"] == "no_baseline") & (res["latest"] > 0))
    assert improving.sum() >= 10
    assert set(res["category"]) >= {"achieved", "significant", "moderate", "no_baseline"}
    m = cplan.check_milestones(plan, o, 2024).set_index("id")["status"]
    assert m["wp2023_credit_records"] == "met" and m["wp2023_qxr_loans"] == "missed"
    assert m["plan_credit_managers_2025"] == "pending"


def test_demo_generator_is_reproducible():
    out = subprocess.run([sys.executable, str(ROOT / "data" / "demo" / "generate_plan_demo.py"), "--check"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_demo_folder_is_synthetic():
    from creditlab.banner import is_synthetic

    assert is_synthetic(DEMO_OBS)


def test_plan_file_is_the_loaders_one_resolution():
    path = cplan.plan_file("shaanxi-14th-fyp")
    assert path == creditlab.paths.data_dir() / "plans" / "shaanxi-14th-fyp.yaml"
    assert cplan.load_plan(path).name == "shaanxi-14th-fyp"
    with pytest.raises(RubricError, match=r"no plan named 'shaanxi-14th-fy' — did you mean 'shaanxi-14th-fyp'\?"):
        cplan.plan_file("shaanxi-14th-fy", lang="en")
    with pytest.raises(RubricError, match="'a b' 不是规划名称"):
        cplan.plan_file("a b", lang="zh")
