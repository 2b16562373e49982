"""Evaluation rubrics: load the YAML files in ``data/rubrics/`` into validated, tidy frames.

The file format is described in ``data/rubrics/SCHEMA.md``.
"""
from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from ..core.errors import DataError, RubricError
from ..core.fields import CHECK_FIELDS
from ..core.paths import data_dir
from ..core.problems import Problems, default_lang, quote
from ..core.yamlio import load_yaml, named_yaml, show
from ..core.years import is_year, year_problem
from .zones import jurisdiction_place

# The jurisdiction of a rubric file without the key (files written before it existed): the demo's province.
DEFAULT_JURISDICTION = "610000"

RULE_TYPES = ("binary", "threshold", "per_unit", "discretionary", "graded", "assessed", "metric")
METHODS = ("absolute", "norm_referenced", "weighted")
DIRECTIONS = ("higher", "lower")
CHECK_OPS = ("<", "<=", ">", ">=", "==", "!=")
CONDITION_KINDS = ("requirement", "exclusion")
_TOL = 1e-9

CRITERIA_COLUMNS = [
    "id", "order", "level1", "level1_zh", "level2", "level2_zh", "level3", "level3_zh",
    "text_zh", "text_en", "points", "mandatory", "rule", "at_least", "unit", "per_unit", "cap", "max",
    "park_rule", "park_max", "park_scope_zh", "note_zh", "bonus",
]


@dataclass(frozen=True)
class Rubric:
    """A loaded rubric. ``criteria`` has one row per scoring row (计分标准)."""

    name: str
    title_zh: str
    title_en: str
    version: str
    method: str
    max_points: float | None
    years: tuple[int | None, int | None]
    source: dict[str, Any]
    criteria: pd.DataFrame
    levels: pd.DataFrame
    metrics: pd.DataFrame
    certification: dict[str, Any]
    choices: list[dict[str, Any]]
    level_names: dict[str, Any]
    numbering: dict[str, Any]
    path: Path
    raw: dict[str, Any] = field(repr=False)
    # the province or prefecture-level city (6-digit code of regions.csv) whose units the rubric assesses;
    # every scope defaults to it, and data of a region outside it is an error ("100000": the whole country)
    jurisdiction: str = DEFAULT_JURISDICTION

    @property
    def mandatory(self) -> pd.DataFrame:
        """The 必备条件 rows."""
        return self.criteria[self.criteria["mandatory"]]

    def uses_year(self, year: int) -> bool:
        """Whether ``year`` lies within the years the rubric is used for."""
        first, last = self.years
        return (first is None or year >= first) and (last is None or year <= last)

    def level_label(self, level: str, lang: str = "zh") -> str:
        """A level in the source's own words (``level_names``; shaanxi-2020: level1 → 评估内容, level2 → 一级指标),
        else the level's id: one name per level in every output."""
        names = (self.level_names or {}).get(level) or {}
        return str(names.get(lang) or names.get("zh") or level)

    def __repr__(self) -> str:  # the frames make the dataclass repr unreadable
        return f"Rubric({self.name!r}, {len(self.criteria)} criteria, max_points={self.max_points})"


def rubrics_dir() -> Path:
    return data_dir() / "rubrics"


def list_rubrics() -> list[str]:
    """Names of the bundled rubrics (file names without ``.yaml``)."""
    return sorted(p.stem for p in rubrics_dir().glob("*.yaml"))


def load_rubric(name_or_path: str | Path, lang: str | None = None) -> Rubric:
    """Load and validate a rubric by name (``"shaanxi-2020"``) or by path to a YAML file.

    Raises :class:`RubricError` listing every problem in the file at once, each naming the file, the
    item (indicator, criterion or certification condition id, or the top-level field) and the problem;
    in Chinese unless ``lang="en"`` (default: ``$CREDITLAB_LANG``).
    """
    lang = lang or default_lang()
    path = rubric_file(name_or_path, lang)
    what = f"评估标准 {path.name}" if lang == "zh" else f"rubric {path.name}"
    pb = Problems(what, error=RubricError, lang=lang)
    doc = load_yaml(path, RubricError, lang=lang, what=what, problems=pb)  # duplicate keys go into pb
    return _build(doc, path, lang, pb)


def rubric_file(name_or_path: str | Path, lang: str | None = None) -> Path:
    """The YAML file of a rubric given by name (``"shaanxi-2020"``: ``<data>/rubrics/shaanxi-2020.yaml``) or by
    path; :class:`RubricError` for a name that is not one or names no bundled rubric (in ``lang``)."""
    lang = lang or default_lang()
    pb = Problems("评估标准" if lang == "zh" else "rubric", error=RubricError, lang=lang)

    def unknown(name: str) -> tuple[str, str]:
        known = ", ".join(list_rubrics())
        return (f"没有名为 {quote(name)} 的评估标准（no rubric named）；现有：{known}",
                f"no rubric named {quote(name)}; known rubrics: {known}")

    return named_yaml(name_or_path, rubrics_dir(), pb, ("评估标准", "rubric"), unknown)


class _Item(NamedTuple):
    """What a message is about, in both languages: ``criterion A2.3a`` / ``评分项 A2.3a``."""

    zh: str
    en: str


def _ident(value: Any) -> str:
    """An id for a message: as written if short and plain, else quoted and cut."""
    if isinstance(value, str) and 0 < len(value) <= 40 and all(c.isalnum() or c in "-_.（）()" for c in value):
        return value
    return quote(value, 60)


def _field(key: str) -> _Item:
    return _Item(key, key)


# Fields each part of a rubric may have (SCHEMA.md and the bundled files): a misspelt key such as
# `mandtory: true` would otherwise be ignored and silently drop a 必备条件.
TOP_FIELDS = ("id", "title_zh", "title_en", "version", "years", "max_points", "method", "source", "level_names",
              "choices", "levels", "certification", "numbering", "totals_text_zh", "totals_text_en", "points_step",
              "jurisdiction")
LEVEL_FIELDS = ("id", "number", "name_zh", "name_en", "points", "source_text", "bonus", "children", "criteria")
CRITERION_FIELDS = ("id", "text_zh", "text_en", "points", "mandatory", "note_zh", "note_en", "rule", "park", "bonus",
                    "metrics", "metrics_heading_zh", "metrics_heading_en")
RULE_FIELDS = ("type", "at_least", "unit", "unit_zh", "unit_en", "per_unit", "cap", "max")
PARK_FIELDS = ("rule", "scope_zh", "scope_en", "note_zh", "note_en")
METRIC_FIELDS = ("id", "number", "text_zh", "text_en", "direction", "direction_note_zh", "direction_note_en", "unit",
                 "group_zh", "group_en", "weight", "threshold_note")
CERTIFICATION_FIELDS = ("heading_zh", "heading_en", "conditions")
CONDITION_FIELDS = ("id", "number", "text_zh", "text_en", "kind", "checks", "note_zh", "note_en", "source_ref",
                    "source_text_zh", "also_in", "text_clear_zh", "text_clear_en", "text_excluded_zh",
                    "text_excluded_en")
CHECK_KEYS = ("field", "op", "value", "ref", "unit")
_TYPE_ZH = {"str": "文本", "dict": "映射（键: 值）", "list": "列表", "bool": "true 或 false", "int": "整数",
            "float": "数字"}


class _Checker:
    """Collects every problem of one rubric file, each with the file, the item and the problem.

    Checks record a problem and return ``None`` instead of raising, so a problem in one criterion
    never hides the problems in the next; :meth:`raise_if_any` raises them all in one RubricError.
    """

    def __init__(self, path: Path, lang: str | None = None, pb: Problems | None = None):
        self.path = path
        lang = lang or default_lang()
        what = f"评估标准 {path.name}" if lang == "zh" else f"rubric {path.name}"
        self.pb = pb if pb is not None else Problems(what, error=RubricError, lang=lang)

    def add(self, item: _Item, zh: str, en: str) -> None:
        self.pb.add(f"{item.zh}：{zh}", f"{item.en}: {en}", file=str(self.path))

    def count(self) -> int:
        """Problems so far: a check whose subtree added some skips the sums that would only echo them."""
        return len(self.pb.items)

    def raise_if_any(self) -> None:
        self.pb.raise_if_any()

    def mapping(self, obj: Any, item: _Item) -> bool:
        if isinstance(obj, dict):
            return True
        self.add(item, f"应为映射（键: 值），实际为 {_typename(type(obj), 'zh')} {show(obj)}",
                 f"expected a mapping, got {_typename(type(obj))} {show(obj)}")
        return False

    def fields(self, obj: dict, item: _Item, allowed: tuple[str, ...]) -> None:
        """Unknown keys, with the closest known one as a hint."""
        for key in obj:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                self.add(item, f"未知字段 {quote(key)}" + (f"（是否应为 '{close[0]}'？）" if close else ""),
                         f"unknown field {quote(key)}" + (f" — did you mean '{close[0]}'?" if close else ""))

    def require(self, obj: Any, key: str, item: _Item, types: type | tuple[type, ...] | None = None) -> Any:
        if not isinstance(obj, dict):
            return None
        if key not in obj:
            self.add(item, f"缺少字段 '{key}'", f"missing field '{key}'")
            return None
        value = obj[key]
        if types is not None and not isinstance(value, types):
            self.add(item, f"字段 '{key}' 应为{_typename(types, 'zh')}，实际为 {show(value)}",
                     f"field '{key}' should be {_typename(types)}, got {show(value)}")
            return None
        return value

    def text(self, obj: Any, key: str, item: _Item) -> str | None:
        return self.require(obj, key, item, str)

    def number(self, obj: dict, key: str, item: _Item, optional: bool = False) -> float | None:
        value = obj.get(key) if isinstance(obj, dict) else None
        if value is None:
            if not optional:
                self.add(item, f"缺少字段 '{key}'", f"missing field '{key}'")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.add(item, f"字段 '{key}' 应为数字，实际为 {show(value)}",
                     f"field '{key}' should be a number, got {show(value)}")
            return None
        if value < 0:
            self.add(item, f"字段 '{key}' 为负数（{value:g}）", f"field '{key}' is negative ({value:g})")
            return None
        return float(value)

    def one_of(self, value: Any, key: str, item: _Item, known: tuple[str, ...]) -> bool:
        if isinstance(value, str) and value in known:
            return True
        self.add(item, f"字段 '{key}' 的取值 {show(value)} 未知（可选：{', '.join(known)}）",
                 f"unknown {key} {show(value)} (known: {', '.join(known)})")
        return False


def _typename(types: type | tuple[type, ...], lang: str = "en") -> str:
    names = [t.__name__ for t in (types if isinstance(types, tuple) else (types,))]
    if lang == "zh":
        return "或".join(_TYPE_ZH.get(n, n) for n in names)
    return " or ".join(names)


def _years(doc: dict, ck: _Checker) -> tuple[int | None, int | None]:
    """``years: [first, last or null]``: real years (years.py), the first not after the last."""
    years = doc.get("years")
    if years is None:
        return None, None
    item = _field("years")
    if not (isinstance(years, list) and len(years) == 2):
        ck.add(item, f"应为 [首个年份, 末个年份或 null]，实际为 {show(years)}",
               f"expected [first_year, last_year or null], got {show(years)}")
        return None, None
    bad = False
    for y in years:
        if y is not None and not is_year(y):
            ck.add(item, year_problem(y, "zh"), year_problem(y, "en"))
            bad = True
    if bad:
        return None, None
    first, last = (None if y is None else int(y) for y in years)
    if first is not None and last is not None and last < first:
        ck.add(item, f"年份范围颠倒：末个年份 {last} 早于首个年份 {first}",
               f"reversed year range: the last year {last} is before the first year {first}")
        return None, None
    return first, last


def _build(doc: Any, path: Path, lang: str | None = None, pb: Problems | None = None) -> Rubric:
    """A checked :class:`Rubric` from a parsed YAML document, in named steps: the top-level fields, the tree of
    levels with their criteria and metrics (ids unique, points adding up), the certification conditions and the
    remaining fields; every problem of every step is raised at once, in the order the steps run."""
    ck = _Checker(path, lang, pb)
    head = _top_fields(doc, path, ck)
    tree = _Tree(ck)
    tree.walk(head["top"], head["max_points"])
    certification = _certification(doc.get("certification"), ck)
    numbering, choices = _numbering_and_choices(doc, ck)
    ck.raise_if_any()
    criteria, levels, metrics = tree.frames()
    return Rubric(
        name=head["name"], title_zh=doc["title_zh"], title_en=doc["title_en"], version=str(doc["version"]),
        method=head["method"], max_points=head["max_points"], years=head["years"], source=head["source"],
        criteria=criteria, levels=levels, metrics=metrics, certification=certification,
        choices=choices, level_names=doc.get("level_names") or {}, numbering=numbering,
        path=path, raw=doc, jurisdiction=head["jurisdiction"],
    )


def _top_fields(doc: Any, path: Path, ck: _Checker) -> dict[str, Any]:
    """The top-level fields: id (= the file name), titles, version, method, points, source, years, levels."""
    if not isinstance(doc, dict):
        ck.add(_Item("文件", "file"), f"顶层应为 YAML 映射，实际为 {_typename(type(doc), 'zh')}",
               f"expected a YAML mapping at the top level, got {_typename(type(doc))}")
        ck.raise_if_any()
    top_item = _Item("文件", "file")
    ck.fields(doc, top_item, TOP_FIELDS)
    name = ck.text(doc, "id", top_item)
    if name is not None and name != path.stem:
        ck.add(_field("id"), f"id {quote(name)} 与文件名 '{path.stem}' 不一致",
               f"id {quote(name)} does not match the file name '{path.stem}'")
    for key in ("title_zh", "title_en", "version"):
        ck.text(doc, key, top_item)
    method = ck.text(doc, "method", top_item)
    if method is not None:
        ck.one_of(method, "method", _field("method"), METHODS)
    max_points = ck.number(doc, "max_points", _field("max_points"), optional=True)
    step = ck.number(doc, "points_step", _field("points_step"), optional=True)
    if step == 0:  # the precision of every verdict comparison (creditlab.points): a step must be > 0
        ck.add(_field("points_step"), "字段 'points_step' 应大于 0", "field 'points_step' should be above 0")
    source = ck.require(doc, "source", top_item, dict)
    if source is not None:
        ck.text(source, "file", _field("source"))
        ck.text(source, "document", _field("source"))
    years = _years(doc, ck)
    top = ck.require(doc, "levels", top_item, list)
    if top == []:
        ck.add(_field("levels"), "没有任何指标", "no levels")
    return {"name": name, "method": method, "max_points": max_points, "source": source, "years": years, "top": top,
            "jurisdiction": _jurisdiction(doc, ck)}


def _jurisdiction(doc: dict, ck: _Checker) -> str:
    """``jurisdiction``: a province or city code of regions.csv (a string; an unquoted number is read as its
    digits), ``"100000"`` for the whole country; absent: :data:`DEFAULT_JURISDICTION`."""
    value = doc.get("jurisdiction")
    if value is None:
        return DEFAULT_JURISDICTION
    code = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if code is None or not re.fullmatch(r"\d{6}", code):
        ck.add(_field("jurisdiction"), f"应为6位区划代码（省或地级市，如 \"610000\"），实际为 {show(value)}",
               f"should be a 6-digit division code (a province or prefecture-level city, e.g. \"610000\"), "
               f"got {show(value)}")
        return DEFAULT_JURISDICTION
    try:
        jurisdiction_place(code)
    except DataError:
        ck.add(_field("jurisdiction"), f"{code} 不是 regions.csv 中的省或地级市代码（全国为 100000）",
               f"{code} is not a province or city code of regions.csv (100000 for the whole country)")
        return DEFAULT_JURISDICTION
    return code


def _numbering_and_choices(doc: dict, ck: _Checker) -> tuple[dict, list]:
    """The optional ``numbering`` mapping and ``choices`` list (each choice a mapping with an ``id``)."""
    numbering = doc.get("numbering") or {}
    if not isinstance(numbering, dict):
        ck.add(_field("numbering"), "应为映射", "expected a mapping")
    choices = doc.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, dict) and "id" in c for c in choices):
        ck.add(_field("choices"), "应为映射列表，每项带 'id'", "expected a list of mappings, each with an 'id'")
    return numbering, choices


class _Tree:
    """The tree of levels (up to three deep), their criteria (rows) and a metric criterion's metrics: walked
    once, each item checked and its row collected; ids are unique across levels, criteria and metrics, and
    the points of every indicator (and ``max_points``) must equal the sum of what lies beneath."""

    def __init__(self, ck: _Checker):
        self.ck = ck
        self.seen: set[str] = set()
        self.level_rows: list[dict] = []
        self.crit_rows: list[dict] = []
        self.metric_rows: list[dict] = []

    def walk(self, top: list | None, max_points: float | None) -> None:
        """Every top-level indicator; then whether they add up to ``max_points`` and whether there is a row."""
        ck = self.ck
        top_total = 0.0
        all_pointed = True
        start = ck.count()
        for i, node in enumerate(top or []):
            sub = self.level(node, 1, [], _Item(f"第{i + 1}个一级指标（levels）", f"level #{i + 1}"))
            if sub is None:
                all_pointed = False
            else:
                top_total += sub
        if max_points is not None and ck.count() == start:
            if not all_pointed:
                ck.add(_field("max_points"), "有的指标没有分值", "some indicators have no points")
            elif abs(top_total - max_points) > _TOL:
                ck.add(_field("max_points"), f"分值不相加：各指标合计 {top_total:g} 分，max_points 为 {max_points:g}",
                       f"points do not add up: the indicators sum to {top_total:g}, max_points is {max_points:g}")
        if top and not self.crit_rows and ck.count() == start:
            ck.add(_field("levels"), "没有任何评分项", "no criteria")

    def claim(self, obj: Any, where: _Item, kind: tuple[str, str]) -> tuple[str | None, _Item]:
        """Read an item's id and reserve it (ids are unique across levels, rows and metrics)."""
        ck = self.ck
        if not ck.mapping(obj, where):
            return None, where
        oid = ck.text(obj, "id", where)
        if oid is None:
            return None, where
        item = _Item(f"{kind[0]} {_ident(oid)}", f"{kind[1]} {_ident(oid)}")
        if oid in self.seen:
            ck.add(item, "id 重复", "duplicate id")
        self.seen.add(oid)
        return oid, item

    def level(self, node: Any, depth: int, parents: list[dict], where: _Item) -> float | None:
        """One indicator and everything beneath it; its points (None if it or a row beneath has none)."""
        ck = self.ck
        nid, item = self.claim(node, where, ("指标", "indicator"))
        if nid is None:
            return None
        start = ck.count()
        ck.fields(node, item, LEVEL_FIELDS)
        name_zh = ck.text(node, "name_zh", item)
        name_en = ck.text(node, "name_en", item)
        points = ck.number(node, "points", item, optional=True)
        self.level_rows.append({
            "id": nid, "depth": depth, "parent": parents[-1]["id"] if parents else None,
            "number": node.get("number"), "name_zh": name_zh, "name_en": name_en,
            "points": points, "source_text": node.get("source_text"), "bonus": bool(node.get("bonus", False)),
        })
        children = node.get("children") or []
        crits = node.get("criteria") or []
        if not isinstance(children, list) or not isinstance(crits, list):
            ck.add(item, "'children' 和 'criteria' 应为列表", "'children' and 'criteria' must be lists")
            return None
        if not children and not crits:
            ck.add(item, "既无下级指标（children）也无评分项（criteria）", "has neither children nor criteria")
        if depth > 3:
            ck.add(item, "嵌套超过三级", "nesting deeper than three levels")
            return None
        me = {"id": nid, "name_zh": name_zh, "bonus": node.get("bonus")}
        total = 0.0
        all_pointed = True
        for i, child in enumerate(children):
            sub = self.level(child, depth + 1, parents + [me],
                        _Item(f"{item.zh} 的第{i + 1}个下级指标", f"child #{i + 1} of {item.en}"))
            if sub is None:
                all_pointed = False
            else:
                total += sub
        for i, crit in enumerate(crits):
            p = self.criterion(crit, parents + [me],
                          _Item(f"{item.zh} 下的第{i + 1}个评分项", f"criterion #{i + 1} under {item.en}"))
            if p is None:
                all_pointed = False
            else:
                total += p
        if ck.count() > start:  # sums would only repeat a problem already named beneath
            return None
        if points is not None:
            if not all_pointed:
                ck.add(item, f"有 {points:g} 分，但其下有的行没有分值",
                       f"has {points:g} points but some rows beneath it have none")
            elif abs(total - points) > _TOL:
                ck.add(item, f"分值不相加：下级合计 {total:g} 分，该指标标注 {points:g} 分",
                       f"points do not add up: the rows beneath sum to {total:g}, the indicator states {points:g}")
        if points is None and not all_pointed:
            return None
        return total if points is None else points

    def criterion(self, crit: Any, chain: list[dict], where: _Item) -> float | None:
        """One criterion (row) with its rule, development-zone variant and metrics; its points."""
        ck = self.ck
        cid, item = self.claim(crit, where, ("评分项", "criterion"))
        if cid is None:
            return None
        start = ck.count()
        ck.fields(crit, item, CRITERION_FIELDS)
        text_zh = ck.text(crit, "text_zh", item)
        text_en = ck.text(crit, "text_en", item)
        points = ck.number(crit, "points", item, optional=True)
        mandatory = crit.get("mandatory", False)
        if not isinstance(mandatory, bool):
            ck.add(item, f"'mandatory' 应为 true 或 false，实际为 {show(mandatory)}",
                   f"'mandatory' should be true or false, got {show(mandatory)}")
        rule_raw = ck.require(crit, "rule", item, dict)
        rule = _rule(rule_raw, points, item, ck) if rule_raw is not None else None
        park = crit.get("park")
        park_rule = None
        park_max = None
        if park is not None:
            if not isinstance(park, dict):
                ck.add(item, "'park' 应为映射", "'park' should be a mapping")
            else:
                pitem = _Item(f"{item.zh}（开发区）", f"{item.en} (park variant)")
                ck.fields(park, pitem, PARK_FIELDS)
                if "rule" in park:
                    pr = _rule(park["rule"], points, pitem, ck)
                    if pr is not None:
                        park_rule, park_max = pr["rule"], pr.get("max")
                elif "scope_zh" not in park:
                    ck.add(item, "'park' 需要 'rule' 或 'scope_zh'", "'park' needs a 'rule' or a 'scope_zh'")
        if rule is not None and rule["rule"] == "metric":
            metrics = crit.get("metrics")
            if not isinstance(metrics, list) or not metrics:
                ck.add(item, "规则 'metric' 需要非空的 'metrics' 列表",
                       "rule 'metric' needs a non-empty 'metrics' list")
                metrics = []
            for i, m in enumerate(metrics):
                self.metric(m, cid, _Item(f"{item.zh} 下的第{i + 1}个测评项", f"metric #{i + 1} under {item.en}"))
        if ck.count() > start:
            return None
        names = {f"level{i + 1}": n["id"] for i, n in enumerate(chain)}
        names.update({f"level{i + 1}_zh": n["name_zh"] for i, n in enumerate(chain)})
        self.crit_rows.append({
            **{c: None for c in ("level1", "level1_zh", "level2", "level2_zh", "level3", "level3_zh")},
            **names,
            "id": cid, "order": len(self.crit_rows), "text_zh": text_zh.strip(),
            "text_en": text_en.strip(), "points": points, "mandatory": mandatory,
            **rule, "park_rule": park_rule, "park_max": park_max,
            "park_scope_zh": (park or {}).get("scope_zh"), "note_zh": crit.get("note_zh"),
            "bonus": bool(crit.get("bonus", False) or any(n.get("bonus") for n in chain)),
        })
        return points

    def metric(self, m: Any, cid: str, where: _Item) -> None:
        """One metric of a norm-referenced (``rule: metric``) criterion."""
        ck = self.ck
        mid, mitem = self.claim(m, where, ("测评项", "metric"))
        if mid is None:
            return
        ck.fields(m, mitem, METRIC_FIELDS)
        text_zh = ck.text(m, "text_zh", mitem)
        text_en = ck.text(m, "text_en", mitem)
        direction = ck.text(m, "direction", mitem)
        if direction is not None and direction not in DIRECTIONS:
            ck.add(mitem, f"direction 应为 'higher' 或 'lower'，实际为 {quote(direction)}",
                   f"direction must be 'higher' or 'lower', got {quote(direction)}")
        weight = ck.number(m, "weight", mitem, optional=True)
        self.metric_rows.append({
            "id": mid, "criterion": cid, "number": m.get("number"), "text_zh": text_zh,
            "text_en": text_en, "direction": direction, "unit": m.get("unit"),
            "group_zh": m.get("group_zh"), "weight": 1.0 if weight is None else weight,
        })

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The collected rows as the rubric's criteria, levels and metrics frames."""
        criteria = pd.DataFrame(self.crit_rows)[CRITERIA_COLUMNS]
        criteria["points"] = criteria["points"].astype(float)
        for col in ("at_least", "per_unit", "cap", "max", "park_max"):
            criteria[col] = criteria[col].astype(float)
        metrics = pd.DataFrame(self.metric_rows, columns=["id", "criterion", "number", "text_zh", "text_en",
                                                          "direction", "unit", "group_zh", "weight"])
        levels = pd.DataFrame(self.level_rows)
        levels["points"] = levels["points"].astype(float)
        return criteria, levels, metrics


def _rule(rule: Any, points: float | None, item: _Item, ck: _Checker) -> dict | None:
    """A criterion's scoring rule as row fields, or None (problems recorded)."""
    if not isinstance(rule, dict):
        ck.add(item, "'rule' 应为映射", "'rule' should be a mapping")
        return None
    start = ck.count()
    ck.fields(rule, item, RULE_FIELDS)
    kind = ck.text(rule, "type", item)
    if kind is None:
        return None
    if kind not in RULE_TYPES:
        ck.add(item, f"未知的规则类型 {show(kind)}（可选：{', '.join(RULE_TYPES)}）",
               f"unknown rule type {show(kind)} (known: {', '.join(RULE_TYPES)})")
        return None
    out = {"rule": kind, "at_least": None, "unit": rule.get("unit"), "per_unit": None, "cap": None, "max": None}
    if kind in ("binary", "threshold", "per_unit", "discretionary", "graded") and points is None:
        ck.add(item, f"规则 '{kind}' 需要分值（points）", f"rule '{kind}' needs points")
    if kind == "threshold":
        out["at_least"] = ck.number(rule, "at_least", item)
        if rule.get("unit") not in ("percent", "count"):
            ck.add(item, "threshold 规则的 unit 应为 'percent' 或 'count'",
                   "threshold rule needs unit 'percent' or 'count'")
        elif rule["unit"] == "percent" and out["at_least"] is not None and out["at_least"] > 100:
            ck.add(item, f"阈值 {out['at_least']:g}% 超过 100%", f"threshold {out['at_least']:g}% is above 100%")
    elif kind == "per_unit":
        out["per_unit"] = ck.number(rule, "per_unit", item)
        out["cap"] = ck.number(rule, "cap", item)
        if out["per_unit"] is not None and out["per_unit"] <= 0:
            ck.add(item, "per_unit 应为正数", "per_unit must be positive")
        if out["cap"] is not None and points is not None and abs(out["cap"] - points) > _TOL:
            ck.add(item, f"上限 cap {out['cap']:g} 与该行分值 {points:g} 不一致",
                   f"cap {out['cap']:g} differs from the row's points {points:g}")
        out["unit"] = rule.get("unit_zh", rule.get("unit"))
    elif kind in ("discretionary", "graded"):
        out["max"] = ck.number(rule, "max", item)
        if out["max"] is not None and points is not None and abs(out["max"] - points) > _TOL:
            ck.add(item, f"最高分 max {out['max']:g} 与该行分值 {points:g} 不一致",
                   f"max {out['max']:g} differs from the row's points {points:g}")
    return out if ck.count() == start else None


def _certification(cert: Any, ck: _Checker) -> dict[str, Any]:
    """The certification conditions, every check's field and operator known (problems recorded)."""
    if cert is None:
        return {"heading_zh": None, "conditions": []}
    item = _Item("认定条件", "certification")
    if not ck.mapping(cert, item):
        return {"heading_zh": None, "conditions": []}
    ck.fields(cert, item, CERTIFICATION_FIELDS)
    conditions = ck.require(cert, "conditions", item, list) or []
    seen: set[str] = set()
    for i, cond in enumerate(conditions):
        where = _Item(f"第{i + 1}个认定条件", f"certification condition #{i + 1}")
        if not ck.mapping(cond, where):
            continue
        cid = ck.text(cond, "id", where)
        if cid is not None:
            where = _Item(f"认定条件 {_ident(cid)}", f"certification condition {_ident(cid)}")
            if cid in seen:
                ck.add(where, "id 重复", "duplicate id")
            seen.add(cid)
        ck.fields(cond, where, CONDITION_FIELDS)
        ck.text(cond, "text_zh", where)
        ck.text(cond, "text_en", where)
        kind = cond.get("kind", "requirement")
        if kind not in CONDITION_KINDS:
            ck.add(where, f"kind 应为 {', '.join(CONDITION_KINDS)} 之一，实际为 {show(kind)}",
                   f"kind must be one of {', '.join(CONDITION_KINDS)}, got {show(kind)}")
        checks = ck.require(cond, "checks", where, list)
        if checks == []:
            ck.add(where, "没有任何核查项（checks）", "no checks")
        for chk in checks or []:
            if not ck.mapping(chk, where):
                continue
            ck.fields(chk, where, CHECK_KEYS)
            fld = ck.text(chk, "field", where)
            if fld is not None and fld not in CHECK_FIELDS:
                ck.add(where, f"未知字段 {quote(fld)}（可选：{', '.join(CHECK_FIELDS)}）",
                       f"unknown field {quote(fld)} (known: {', '.join(CHECK_FIELDS)})")
            op = ck.text(chk, "op", where)
            if op is not None and op not in CHECK_OPS:
                ck.add(where, f"未知的比较符 {quote(op)}", f"unknown operator {quote(op)}")
            if ("value" in chk) == ("ref" in chk):
                ck.add(where, f"对 {quote(fld)} 的核查需要且只能有 'value' 或 'ref' 之一",
                       f"check on {quote(fld)} needs exactly one of 'value' or 'ref'")
            elif "ref" in chk and chk["ref"] not in CHECK_FIELDS:
                ck.add(where, f"未知的参照字段 {show(chk['ref'])}", f"unknown reference field {show(chk['ref'])}")
            elif "value" in chk and (not isinstance(chk["value"], int | float)
                                     or not math.isfinite(chk["value"])):
                ck.add(where, f"对 {quote(fld)} 的核查值应为数字或 true/false，实际为 {show(chk['value'])}",
                       f"check on {quote(fld)}: value should be a number or true/false, got {show(chk['value'])}")
    return {"heading_zh": cert.get("heading_zh"), "heading_en": cert.get("heading_en"),
            "conditions": conditions}


def rule_words(c: pd.Series, park: bool = False, raw_rule: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """A criterion's scoring rule in words, Chinese and English: 达到50%得1分 / 1 point at ≥ 50 %.

    The one wording of the fill-in template and the rubric browser. ``park``: the development-zone variant;
    ``raw_rule``: the rule as written in the YAML (its ``unit_en``)."""
    raw_rule = raw_rule or {}
    pts = c["points"]
    p = f"{pts:g}" if pd.notna(pts) else ""
    pl = "point" if pd.notna(pts) and pts == 1 else "points"
    if park and c["park_rule"] in ("discretionary", "graded"):
        mx = c["park_max"]
        return f"开发区酌情计分，最高{mx:g}分", f"development zone: at discretion, up to {mx:g} {pl}"
    rule = c["rule"]
    if rule == "binary":
        return f"符合得{p}分", f"{p} {pl} if met"
    if rule == "threshold":
        if c["unit"] == "percent":
            return f"达到{c['at_least']:g}%得{p}分", f"{p} {pl} at ≥ {c['at_least']:g} %"
        return f"达到{c['at_least']:g}个得{p}分", f"{p} {pl} at ≥ {c['at_least']:g}"
    if rule == "per_unit":
        unit_en = raw_rule.get("unit_en") or "unit"
        return (f"每个{c['unit'] or ''}得{c['per_unit']:g}分，最高{c['cap']:g}分",
                f"{c['per_unit']:g} per {unit_en}, at most {c['cap']:g}")
    if rule == "discretionary":
        return f"酌情计分，最高{c['max']:g}分", f"at the assessor's discretion, up to {c['max']:g}"
    if rule == "graded":
        return f"综合评判，最高{c['max']:g}分", f"overall judgement, up to {c['max']:g}"
    if rule == "assessed":
        return "评估得分0–100", "assessment score 0–100"
    return "", ""
