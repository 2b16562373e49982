"""Evaluation rubrics: load the YAML files in ``data/rubrics/`` into validated, tidy frames.

The file format is described in ``data/rubrics/SCHEMA.md``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import RubricError
from .paths import data_dir
from .yamlio import load_yaml

RULE_TYPES = ("binary", "threshold", "per_unit", "discretionary", "graded", "assessed", "metric")
METHODS = ("absolute", "norm_referenced", "weighted")
DIRECTIONS = ("higher", "lower")
CHECK_OPS = ("<", "<=", ">", ">=", "==", "!=")
CONDITION_KINDS = ("requirement", "exclusion")
# Fields a certification check may compare: scoring results plus the context table's columns.
CHECK_FIELDS = (
    "mandatory_unmet", "total",
    "major_incident", "debtor_share_legal", "debtor_share_natural", "government_debtors",
    "rectification_rate", "government_rectification_rate", "npl_ratio", "national_npl_ratio",
    "major_safety_accident_3y", "major_pollution_accident_3y", "energy_target_missed",
    "statistical_fraud", "government_is_debtor",
)
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

    @property
    def mandatory(self) -> pd.DataFrame:
        """The 必备条件 rows."""
        return self.criteria[self.criteria["mandatory"]]

    def uses_year(self, year: int) -> bool:
        """Whether ``year`` lies within the years the rubric is used for."""
        first, last = self.years
        return (first is None or year >= first) and (last is None or year <= last)

    def __repr__(self) -> str:  # the frames make the dataclass repr unreadable
        return f"Rubric({self.name!r}, {len(self.criteria)} criteria, max_points={self.max_points})"


def rubrics_dir() -> Path:
    return data_dir() / "rubrics"


def list_rubrics() -> list[str]:
    """Names of the bundled rubrics (file names without ``.yaml``)."""
    return sorted(p.stem for p in rubrics_dir().glob("*.yaml"))


def load_rubric(name_or_path: str | Path) -> Rubric:
    """Load and validate a rubric by name (``"shaanxi-2020"``) or by path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        if not _safe_name(str(name_or_path)):
            raise RubricError(f"{name_or_path!r}: not a rubric name")
        path = rubrics_dir() / f"{name_or_path}.yaml"
        if not path.exists():
            raise RubricError(
                f"{path}: no rubric named {name_or_path!r}; known rubrics: {', '.join(list_rubrics())}"
            )
    doc = load_yaml(path, RubricError)
    return _build(doc, path)


def _safe_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in "-_." for c in name) and not name.startswith(".")


class _Checker:
    """Collects the context (file, item) for error messages."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, item: str, problem: str) -> RubricError:
        return RubricError(f"{self.path}: {item}: {problem}")

    def require(self, obj: Any, key: str, item: str, types: type | tuple[type, ...] | None = None) -> Any:
        if not isinstance(obj, dict):
            raise self.fail(item, f"expected a mapping, got {type(obj).__name__}")
        if key not in obj:
            raise self.fail(item, f"missing field '{key}'")
        value = obj[key]
        if types is not None and not isinstance(value, types):
            raise self.fail(item, f"field '{key}' should be {_typename(types)}, got {value!r}")
        return value

    def number(self, obj: dict, key: str, item: str, optional: bool = False) -> float | None:
        value = obj.get(key)
        if value is None:
            if optional:
                return None
            raise self.fail(item, f"missing field '{key}'")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(item, f"field '{key}' should be a number, got {value!r}")
        if value < 0:
            raise self.fail(item, f"field '{key}' is negative ({value})")
        return float(value)


def _typename(types: type | tuple[type, ...]) -> str:
    if isinstance(types, tuple):
        return " or ".join(t.__name__ for t in types)
    return types.__name__


def _build(doc: Any, path: Path) -> Rubric:
    ck = _Checker(path)
    if not isinstance(doc, dict):
        raise ck.fail("file", "expected a YAML mapping at the top level")
    name = ck.require(doc, "id", "file", str)
    if name != path.stem:
        raise ck.fail("id", f"id '{name}' does not match the file name '{path.stem}'")
    for key in ("title_zh", "title_en", "version"):
        ck.require(doc, key, "file", str)
    method = ck.require(doc, "method", "file", str)
    if method not in METHODS:
        raise ck.fail("method", f"unknown method '{method}' (known: {', '.join(METHODS)})")
    max_points = ck.number(doc, "max_points", "max_points", optional=True)
    source = ck.require(doc, "source", "file", dict)
    ck.require(source, "file", "source", str)
    ck.require(source, "document", "source", str)
    years = doc.get("years") or [None, None]
    if not (isinstance(years, list) and len(years) == 2 and all(y is None or isinstance(y, int) for y in years)):
        raise ck.fail("years", f"expected [first_year, last_year or null], got {years!r}")
    top = ck.require(doc, "levels", "file", list)
    if not top:
        raise ck.fail("levels", "no levels")

    seen: set[str] = set()
    level_rows: list[dict] = []
    crit_rows: list[dict] = []
    metric_rows: list[dict] = []

    def claim(obj: Any, kind: str, where: str) -> tuple[str, str]:
        """Read an item's id and reserve it (ids are unique across levels, rows and metrics)."""
        oid = ck.require(obj, "id", f"{kind} {where}", str)
        item = f"{kind} {oid}"
        if oid in seen:
            raise ck.fail(item, "duplicate id")
        seen.add(oid)
        return oid, item

    def visit(node: Any, depth: int, parents: list[dict]) -> float:
        nid, item = claim(node, "indicator", f"at level {depth}")
        ck.require(node, "name_zh", item, str)
        ck.require(node, "name_en", item, str)
        points = ck.number(node, "points", item, optional=True)
        level_rows.append({
            "id": nid, "depth": depth, "parent": parents[-1]["id"] if parents else None,
            "number": node.get("number"), "name_zh": node["name_zh"], "name_en": node["name_en"],
            "points": points, "source_text": node.get("source_text"), "bonus": bool(node.get("bonus", False)),
        })
        children = node.get("children") or []
        crits = node.get("criteria") or []
        if not isinstance(children, list) or not isinstance(crits, list):
            raise ck.fail(item, "'children' and 'criteria' must be lists")
        if not children and not crits:
            raise ck.fail(item, "has neither children nor criteria")
        if depth > 3:
            raise ck.fail(item, "nesting deeper than three levels")
        total = 0.0
        all_pointed = True
        for child in children:
            sub = visit(child, depth + 1, parents + [node])
            if sub is None:
                all_pointed = False
            else:
                total += sub
        for crit in crits:
            p = _criterion(crit, parents + [node])
            if p is None:
                all_pointed = False
            else:
                total += p
        if points is not None:
            if not all_pointed:
                raise ck.fail(item, f"has {points:g} points but some rows beneath it have none")
            if abs(total - points) > _TOL:
                raise ck.fail(item, f"points do not add up: the rows beneath sum to {total:g}, "
                                    f"the indicator states {points:g}")
        if points is None and not all_pointed:
            return None
        return total if points is None else points

    def _criterion(crit: Any, chain: list[dict]) -> float | None:
        cid, item = claim(crit, "criterion", f"under {chain[-1]['id']}")
        ck.require(crit, "text_zh", item, str)
        ck.require(crit, "text_en", item, str)
        points = ck.number(crit, "points", item, optional=True)
        mandatory = crit.get("mandatory", False)
        if not isinstance(mandatory, bool):
            raise ck.fail(item, f"'mandatory' should be true or false, got {mandatory!r}")
        rule = _rule(ck.require(crit, "rule", item, dict), points, item)
        park = crit.get("park")
        park_rule = None
        park_max = None
        if park is not None:
            if not isinstance(park, dict):
                raise ck.fail(item, "'park' should be a mapping")
            if "rule" in park:
                pr = _rule(park["rule"], points, f"{item} (park variant)")
                park_rule, park_max = pr["rule"], pr.get("max")
            elif "scope_zh" not in park:
                raise ck.fail(item, "'park' needs a 'rule' or a 'scope_zh'")
        names = {f"level{i + 1}": n["id"] for i, n in enumerate(chain)}
        names.update({f"level{i + 1}_zh": n["name_zh"] for i, n in enumerate(chain)})
        crit_rows.append({
            **{c: None for c in ("level1", "level1_zh", "level2", "level2_zh", "level3", "level3_zh")},
            **names,
            "id": cid, "order": len(crit_rows), "text_zh": crit["text_zh"].strip(),
            "text_en": crit["text_en"].strip(), "points": points, "mandatory": mandatory,
            **rule, "park_rule": park_rule, "park_max": park_max,
            "park_scope_zh": (park or {}).get("scope_zh"), "note_zh": crit.get("note_zh"),
            "bonus": bool(crit.get("bonus", False) or any(n.get("bonus") for n in chain)),
        })
        if rule["rule"] == "metric":
            metrics = crit.get("metrics")
            if not isinstance(metrics, list) or not metrics:
                raise ck.fail(item, "rule 'metric' needs a non-empty 'metrics' list")
            for m in metrics:
                mid, mitem = claim(m, "metric", f"under {cid}")
                ck.require(m, "text_zh", mitem, str)
                ck.require(m, "text_en", mitem, str)
                direction = ck.require(m, "direction", mitem, str)
                if direction not in DIRECTIONS:
                    raise ck.fail(mitem, f"direction must be 'higher' or 'lower', got '{direction}'")
                weight = ck.number(m, "weight", mitem, optional=True)
                metric_rows.append({
                    "id": mid, "criterion": cid, "number": m.get("number"), "text_zh": m["text_zh"],
                    "text_en": m["text_en"], "direction": direction, "unit": m.get("unit"),
                    "group_zh": m.get("group_zh"), "weight": 1.0 if weight is None else weight,
                })
        return points

    def _rule(rule: Any, points: float | None, item: str) -> dict:
        if not isinstance(rule, dict):
            raise ck.fail(item, "'rule' should be a mapping")
        kind = ck.require(rule, "type", item, str)
        if kind not in RULE_TYPES:
            raise ck.fail(item, f"unknown rule type '{kind}' (known: {', '.join(RULE_TYPES)})")
        out = {"rule": kind, "at_least": None, "unit": rule.get("unit"), "per_unit": None, "cap": None,
               "max": None}
        if kind in ("binary", "threshold", "per_unit", "discretionary", "graded") and points is None:
            raise ck.fail(item, f"rule '{kind}' needs points")
        if kind == "threshold":
            out["at_least"] = ck.number(rule, "at_least", item)
            if rule.get("unit") not in ("percent", "count"):
                raise ck.fail(item, "threshold rule needs unit 'percent' or 'count'")
            if rule["unit"] == "percent" and out["at_least"] > 100:
                raise ck.fail(item, f"threshold {out['at_least']:g}% is above 100%")
        elif kind == "per_unit":
            out["per_unit"] = ck.number(rule, "per_unit", item)
            out["cap"] = ck.number(rule, "cap", item)
            if out["per_unit"] <= 0:
                raise ck.fail(item, "per_unit must be positive")
            if abs(out["cap"] - points) > _TOL:
                raise ck.fail(item, f"cap {out['cap']:g} differs from the row's points {points:g}")
            out["unit"] = rule.get("unit_zh", rule.get("unit"))
        elif kind in ("discretionary", "graded"):
            out["max"] = ck.number(rule, "max", item)
            if points is not None and abs(out["max"] - points) > _TOL:
                raise ck.fail(item, f"max {out['max']:g} differs from the row's points {points:g}")
        return out

    top_total = 0.0
    all_pointed = True
    for node in top:
        sub = visit(node, 1, [])
        if sub is None:
            all_pointed = False
        else:
            top_total += sub
    if max_points is not None:
        if not all_pointed:
            raise ck.fail("max_points", "some indicators have no points")
        if abs(top_total - max_points) > _TOL:
            raise ck.fail("max_points", f"points do not add up: the indicators sum to {top_total:g}, "
                                        f"max_points is {max_points:g}")
    if not crit_rows:
        raise ck.fail("levels", "no criteria")

    certification = _certification(doc.get("certification"), ck)
    numbering = doc.get("numbering") or {}
    choices = doc.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, dict) and "id" in c for c in choices):
        raise ck.fail("choices", "expected a list of mappings, each with an 'id'")

    criteria = pd.DataFrame(crit_rows)[CRITERIA_COLUMNS]
    criteria["points"] = criteria["points"].astype(float)
    for col in ("at_least", "per_unit", "cap", "max", "park_max"):
        criteria[col] = criteria[col].astype(float)
    metrics = pd.DataFrame(metric_rows, columns=["id", "criterion", "number", "text_zh", "text_en",
                                                 "direction", "unit", "group_zh", "weight"])
    levels = pd.DataFrame(level_rows)
    levels["points"] = levels["points"].astype(float)
    return Rubric(
        name=name, title_zh=doc["title_zh"], title_en=doc["title_en"], version=str(doc["version"]),
        method=method, max_points=max_points, years=(years[0], years[1]), source=source,
        criteria=criteria, levels=levels, metrics=metrics, certification=certification,
        choices=choices, level_names=doc.get("level_names") or {}, numbering=numbering,
        path=path, raw=doc,
    )


def _certification(cert: Any, ck: _Checker) -> dict[str, Any]:
    if cert is None:
        return {"heading_zh": None, "conditions": []}
    conditions = ck.require(cert, "conditions", "certification", list)
    seen: set[str] = set()
    for cond in conditions:
        cid = ck.require(cond, "id", "certification condition", str)
        item = f"certification condition {cid}"
        if cid in seen:
            raise ck.fail(item, "duplicate id")
        seen.add(cid)
        ck.require(cond, "text_zh", item, str)
        ck.require(cond, "text_en", item, str)
        kind = cond.get("kind", "requirement")
        if kind not in CONDITION_KINDS:
            raise ck.fail(item, f"kind must be one of {', '.join(CONDITION_KINDS)}, got '{kind}'")
        checks = ck.require(cond, "checks", item, list)
        if not checks:
            raise ck.fail(item, "no checks")
        for chk in checks:
            fld = ck.require(chk, "field", item, str)
            if fld not in CHECK_FIELDS:
                raise ck.fail(item, f"unknown field '{fld}' (known: {', '.join(CHECK_FIELDS)})")
            op = ck.require(chk, "op", item, str)
            if op not in CHECK_OPS:
                raise ck.fail(item, f"unknown operator '{op}'")
            if ("value" in chk) == ("ref" in chk):
                raise ck.fail(item, f"check on '{fld}' needs exactly one of 'value' or 'ref'")
            if "ref" in chk and chk["ref"] not in CHECK_FIELDS:
                raise ck.fail(item, f"unknown reference field '{chk['ref']}'")
    return {"heading_zh": cert.get("heading_zh"), "heading_en": cert.get("heading_en"),
            "conditions": conditions}
