"""Five-year-plan targets (``data/plans/*.yaml``), observed values, and progress towards the targets.

* :func:`load_plan` / :func:`list_plans`: validated plan files (format: ``data/plans/README.md``);
* :func:`load_observations` / :func:`validate_observations` / :func:`write_template`: yearly observed
  values per indicator (province level, and city level where they exist), CSV or Excel;
* :func:`assess_progress`: Eurostat's progress categories for quantitative targets (see
  ``methods.md``), the straight-line path, and the year the target is reached on the fitted trend;
* :func:`check_milestones`: dated milestones from other documents, checked the same way at their dates.
"""
from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import safecells
from ..core.atomic import atomic_path
from ..core.errors import DataError, RubricError
from ..core.i18n import check_lang
from ..core.paths import PROJECT_ROOT, data_dir
from ..core.problems import Problems, default_lang, quote, said
from ..core.tables import read_table
from ..core.yamlio import add_item, load_yaml, named_yaml, show
from ..core.years import YEAR_MAX, YEAR_MIN, is_year, year_problem
from .regions import load_regions

DIRECTIONS = ("higher", "lower")
# comparison -> (direction of improvement, strict)
COMPARISONS: dict[str, tuple[str, bool]] = {
    ">=": ("higher", False), ">": ("higher", True), "<=": ("lower", False), "<": ("lower", True),
}
METHODS = ("compound", "linear")
CATEGORIES = ("achieved", "significant", "moderate", "insufficient", "moving_away", "no_baseline", "no_data")
# Eurostat's thresholds on the ratio of actual to required rate (methods.md).
THRESHOLDS = {"significant": 0.95, "moderate": 0.60, "insufficient": 0.0}
# Units whose values are percentages, so must lie in [0, 100].
PERCENT_UNITS = ("%", "percent of group, from the top")
_TOL = 1e-9

TARGET_REQUIRED = (
    "id", "number", "category", "category_source", "category_en", "name_zh", "name_zh_source", "name_en",
    "unit", "unit_en", "baseline", "target", "binding", "binding_zh", "direction", "source_text", "source",
)
TARGET_OPTIONAL = ("unit_zh", "baseline_year", "target_year", "note_zh", "note_en")
MILESTONE_REQUIRED = (
    "id", "date", "indicator", "name_zh", "name_en", "value", "comparison", "unit", "unit_en", "source",
)
MILESTONE_OPTIONAL = ("region", "name_zh_source", "measure_zh", "note_zh", "note_en")
TOP_REQUIRED = ("id", "title_zh", "title_en", "region", "baseline_year", "target_year", "source", "choices",
                "targets")
TOP_OPTIONAL = ("sources", "milestones")

TARGET_COLUMNS = [
    "id", "number", "category", "category_en", "category_source", "name_zh", "name_zh_source", "name_en",
    "unit", "unit_zh", "unit_en", "baseline_year", "baseline", "baseline_text", "target_year", "target",
    "target_text", "binding", "binding_zh", "binding_text", "direction", "source_file", "source_table",
    "source", "note_zh", "note_en",
]
MILESTONE_COLUMNS = [
    "id", "date", "year", "indicator", "region", "name_zh", "name_zh_source", "measure_zh", "name_en",
    "value", "comparison", "direction", "strict", "unit", "unit_en", "source_key", "source_file",
    "source_section", "source", "note_zh", "note_en",
]


# --- plan files ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """A loaded plan: ``targets`` has one row per indicator of the plan's table, ``milestones`` one
    row per dated milestone; ``choices`` lists every interpretation of the source (id, zh, en)."""

    name: str
    title_zh: str
    title_en: str
    region: str
    baseline_year: int
    target_year: int
    source: dict[str, Any]
    sources: dict[str, Any]
    choices: list[dict[str, Any]]
    targets: pd.DataFrame
    milestones: pd.DataFrame
    path: Path
    raw: dict[str, Any] = field(repr=False)

    @property
    def ids(self) -> list[str]:
        """Every id an observation may carry: indicator ids, then milestone ids."""
        return list(self.targets["id"]) + list(self.milestones["id"])

    @property
    def years(self) -> tuple[int, int]:
        """First and last year an observation may carry (baseline year to the last target or milestone)."""
        first = int(min(self.targets["baseline_year"].min(), self.baseline_year))
        last = max(int(self.targets["target_year"].max()), self.target_year)
        if len(self.milestones):
            first = min(first, int(self.milestones["year"].min()))
            last = max(last, int(self.milestones["year"].max()))
        return first, last

    def target(self, target_id: str) -> pd.Series:
        """One indicator's row."""
        rows = self.targets[self.targets["id"] == target_id]
        if rows.empty:
            raise KeyError(f"plan {self.name!r} has no indicator {target_id!r}")
        return rows.iloc[0]

    def __repr__(self) -> str:
        return f"Plan({self.name!r}, {len(self.targets)} targets, {len(self.milestones)} milestones)"


def plans_dir() -> Path:
    """``<data>/plans``, where ``<data>`` honours ``$CREDITLAB_DATA``."""
    return data_dir() / "plans"


def list_plans() -> list[str]:
    """Names of the bundled plans (file names without ``.yaml``)."""
    return sorted(p.stem for p in plans_dir().glob("*.yaml"))


def plan_file(name_or_path: str | Path, lang: str | None = None) -> Path:
    """The YAML file of a plan given by name (``"shaanxi-14th-fyp"``: ``<data>/plans/<name>.yaml``) or by path;
    :class:`~creditlab.errors.RubricError` for a name that is not one or names no bundled plan (in ``lang``)."""
    lang = lang or default_lang()
    pb = Problems("规划" if lang == "zh" else "plan", error=RubricError, lang=lang)

    def unknown(name: str) -> tuple[str, str]:
        known = list_plans()
        close = difflib.get_close_matches(name, known, n=1)
        return (f"没有名为 {quote(name)} 的规划" + (f"——是否应为 {close[0]!r}？" if close else "")
                + f"；现有：{', '.join(known) or '无'}",
                f"no plan named {quote(name)}" + (f" — did you mean {close[0]!r}?" if close else "")
                + f"; known plans: {', '.join(known) or 'none'}")

    return named_yaml(name_or_path, plans_dir(), pb, ("规划", "plan"), unknown)


def load_plan(name_or_path: str | Path | Plan, lang: str | None = None) -> Plan:
    """Load and validate a plan by name (``"shaanxi-14th-fyp"``) or by path to a YAML file.

    Raises :class:`~creditlab.errors.RubricError` naming the file, the item and every problem at once,
    in Chinese unless ``lang="en"`` (default: ``$CREDITLAB_LANG``).
    """
    if isinstance(name_or_path, Plan):
        return name_or_path
    lang = lang or default_lang()
    path = plan_file(name_or_path, lang)
    what = f"规划 {path.name}" if lang == "zh" else f"plan {path.name}"
    pb = _Problems(path, lang)
    doc = load_yaml(path, RubricError, lang=lang, what=what, problems=pb.pb)  # duplicate keys go into pb
    return _build(doc, path, lang, pb)


class _Problems:
    """The shared collector for one plan file: each problem names the file, the item and the problem."""

    def __init__(self, path: Path, lang: str | None = None):
        self.path = path
        lang = lang or default_lang()
        self.pb = Problems(f"规划 {path.name}" if lang == "zh" else f"plan {path.name}", error=RubricError,
                           lang=lang)

    def add(self, item: str, zh: str, en: str) -> None:
        add_item(self.pb, self.path, item, zh, en)

    def raise_if_any(self) -> None:
        self.pb.raise_if_any()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_fields(obj: Any, item: str, required: Iterable[str], optional: Iterable[str],
                  pb: _Problems) -> bool:
    if not isinstance(obj, dict):
        pb.add(item, f"应为映射，实际为 {type(obj).__name__}", f"expected a mapping, got {type(obj).__name__}")
        return False
    missing = [k for k in required if k not in obj]
    for key in missing:
        pb.add(item, f"缺少字段 '{key}'", f"missing field '{key}'")
    allowed = set(required) | set(optional)
    for key in obj:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            pb.add(item, f"未知字段 {quote(key)}" + (f"（是否应为 '{close[0]}'？）" if close else ""),
                   f"unknown field {quote(key)}" + (f" — did you mean '{close[0]}'?" if close else ""))
    return not missing


def _text(obj: dict, key: str, item: str, pb: _Problems, optional: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        pb.add(item, f"字段 '{key}' 应为非空文本，实际为 {show(value)}",
               f"field '{key}' should be non-empty text, got {show(value)}")
        return None
    return value.strip()


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _source_label(src: dict, extra: str) -> str:
    return " · ".join(str(x) for x in (src.get("file"), extra) if x)


def _build(doc: Any, path: Path, lang: str | None = None, pb: _Problems | None = None) -> Plan:
    pb = pb if pb is not None else _Problems(path, lang)
    if not isinstance(doc, dict):
        pb.add("file", f"顶层应为 YAML 映射，实际为 {type(doc).__name__}",
               f"expected a YAML mapping at the top level, got {type(doc).__name__}")
        pb.raise_if_any()
    if not _check_fields(doc, "file", TOP_REQUIRED, TOP_OPTIONAL, pb):
        pb.raise_if_any()
    name = doc["id"]
    if name != path.stem:
        pb.add("id", f"id {show(name)} 与文件名 '{path.stem}' 不一致",
               f"id {show(name)} does not match the file name '{path.stem}'")
    for key in ("title_zh", "title_en", "region"):
        _text(doc, key, key, pb)
    base_year, target_year = doc["baseline_year"], doc["target_year"]
    for key, value in (("baseline_year", base_year), ("target_year", target_year)):
        if not is_year(value):
            pb.add(key, year_problem(value, "zh"), year_problem(value, "en"))
    if is_year(base_year) and is_year(target_year):
        base_year, target_year = int(base_year), int(target_year)
        if target_year < base_year:
            pb.add("target_year", f"年份颠倒：目标年份 {target_year} 早于基期年份 {base_year}",
                   f"reversed years: {target_year} is before the baseline year {base_year}")
    source = doc["source"]
    if _check_fields(source, "source", ("file", "document", "reference", "issuer", "date"),
                     source.keys() if isinstance(source, dict) else (), pb):
        _text(source, "file", "source", pb)
        _text(source, "document", "source", pb)
    sources = doc.get("sources") or {}
    if not isinstance(sources, dict) or not all(isinstance(v, dict) and v.get("file") for v in sources.values()):
        pb.add("sources", "应为“键: {file, document, ...}”映射", "expected a mapping of key -> {file, document, ...}")
        sources = {}

    choices = doc["choices"]
    seen_choices: set[str] = set()
    if not isinstance(choices, list) or not choices:
        pb.add("choices", "应为非空的 {id, zh, en} 列表", "expected a non-empty list of {id, zh, en}")
        choices = []
    for i, ch in enumerate(choices):
        item = f"choices[{i}]"
        if _check_fields(ch, item, ("id", "zh", "en"), (), pb):
            item = f"choices[{i}] (id {show(ch['id'])})"
            if isinstance(ch["id"], str) and ch["id"] in seen_choices:
                pb.add(item, "id 重复", "duplicate id")
            if isinstance(ch["id"], str):
                seen_choices.add(ch["id"])
            _text(ch, "zh", item, pb)
            _text(ch, "en", item, pb)

    seen: dict[str, str] = {}
    rows = _targets(doc["targets"], base_year, target_year, seen, pb)
    units = {r["id"]: r["unit"] for r in rows}
    directions = {r["id"]: r["direction"] for r in rows}
    spans = {r["id"]: (r["baseline_year"], r["target_year"]) for r in rows}
    plan_span = (base_year, target_year) if is_year(base_year) and is_year(target_year) else None
    mrows = _milestones(doc.get("milestones") or [], doc.get("region"), sources, units, directions, spans,
                        plan_span, seen, pb)
    pb.raise_if_any()

    targets = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    for col in ("baseline", "target"):
        targets[col] = targets[col].astype(float)
    for col in ("number", "baseline_year", "target_year"):
        targets[col] = targets[col].astype(int)
    targets["binding"] = targets["binding"].astype(bool)
    milestones = pd.DataFrame(mrows, columns=MILESTONE_COLUMNS)
    milestones["value"] = milestones["value"].astype(float)
    milestones["year"] = milestones["year"].astype(int)
    milestones["strict"] = milestones["strict"].astype(bool)
    return Plan(
        name=name, title_zh=doc["title_zh"], title_en=doc["title_en"], region=doc["region"],
        baseline_year=base_year, target_year=target_year, source=source, sources=sources,
        choices=choices, targets=targets, milestones=milestones, path=path, raw=doc,
    )


def _entry_id(entry: Any, section: str, i: int, required, optional, seen: dict[str, str],
              pb: _Problems) -> str | None:
    """Check an entry's fields and id (unique across the file); its label for messages, or None."""
    eid = entry.get("id") if isinstance(entry, dict) else None
    item = f"{section}[{i}]" + (f" (id {show(eid)})" if isinstance(entry, dict) and "id" in entry else "")
    if not _check_fields(entry, item, required, optional, pb):
        return None
    if not isinstance(eid, str) or not eid or not all(c.isalnum() or c in "_-" for c in eid):
        pb.add(item, "id 应由字母、数字、'_' 或 '-' 组成", "id should be letters, digits, '_' or '-'")
        return None
    if eid in seen:
        pb.add(item, f"id 重复（另见 {seen[eid]}）", f"duplicate id (also {seen[eid]})")
    seen[eid] = f"{section}[{i}]"
    return item


def _targets(items: Any, base_year: Any, target_year: Any, seen: dict[str, str], pb: _Problems) -> list[dict]:
    if not isinstance(items, list) or not items:
        pb.add("targets", "应为非空列表", "expected a non-empty list")
        return []
    rows: list[dict] = []
    numbers: set[Any] = set()
    for i, t in enumerate(items):
        item = _entry_id(t, "targets", i, TARGET_REQUIRED, TARGET_OPTIONAL, seen, pb)
        if item is None:
            continue
        tid = t["id"]
        number = t["number"]
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            pb.add(item, f"number 应为正整数，实际为 {show(number)}",
                   f"number should be a positive whole number, got {show(number)}")
        elif number in numbers:
            pb.add(item, f"编号 {number} 重复", f"duplicate number {number}")
        else:
            numbers.add(number)
        texts = {k: _text(t, k, item, pb) for k in ("category", "category_source", "category_en", "name_zh",
                                                    "name_zh_source", "name_en", "unit", "unit_en",
                                                    "binding_zh")}
        direction = t["direction"]
        if direction not in DIRECTIONS:
            pb.add(item, f"未知的方向 {show(direction)}（可选：{', '.join(DIRECTIONS)}）",
                   f"unknown direction {show(direction)} (expected one of {', '.join(DIRECTIONS)})")
        baseline, target = t["baseline"], t["target"]
        if baseline is not None and not _is_number(baseline):
            pb.add(item, f"baseline 应为数字，或 null（原表为“—”），实际为 {show(baseline)}",
                   f"baseline should be a number or null (source shows —), got {show(baseline)}")
        if not _is_number(target):
            pb.add(item, f"target 应为数字，实际为 {show(target)}", f"target should be a number, got {show(target)}")
        for key, value in (("baseline", baseline), ("target", target)):
            if _is_number(value) and value < 0:
                pb.add(item, f"{key} 为负数（{value}）", f"{key} is negative ({value})")
            if _is_number(value) and texts["unit"] in PERCENT_UNITS and value > 100:
                pb.add(item, f"{key} {value} 超过 100（百分比）", f"{key} {value} is above 100 for a percentage")
        if not isinstance(t["binding"], bool):
            pb.add(item, f"binding 应为 true（约束性）或 false（预期性），实际为 {show(t['binding'])}",
                   f"binding should be true (约束性) or false (预期性), got {show(t['binding'])}")
        elif texts["binding_zh"] and texts["binding_zh"] != ("约束性" if t["binding"] else "预期性"):
            pb.add(item, f"binding {t['binding']} 与 binding_zh {show(texts['binding_zh'])} 矛盾",
                   f"binding {t['binding']} contradicts binding_zh {show(texts['binding_zh'])}")
        b_year = t.get("baseline_year", base_year)
        t_year = t.get("target_year", target_year)
        for key, value in (("baseline_year", b_year), ("target_year", t_year)):
            if key in t and not is_year(value):
                pb.add(item, f"{key}：{year_problem(value, 'zh')}", f"{key}: {year_problem(value, 'en')}")
        if is_year(b_year) and is_year(t_year):
            b_year, t_year = int(b_year), int(t_year)
            if t_year < b_year:
                pb.add(item, f"年份颠倒：target_year {t_year} 早于 baseline_year {b_year}",
                       f"reversed years: target_year {t_year} is before baseline_year {b_year}")
        st = t["source_text"]
        if not isinstance(st, dict) or not {"baseline", "target", "binding"} <= set(st):
            pb.add(item, "source_text 应为含 baseline、target、binding 的映射（原表单元格原文）",
                   "source_text should be a mapping with baseline, target and binding (the cells as printed)")
            st = {}
        else:
            dash = str(st.get("baseline")).strip() in ("—", "-", "－", "--")
            if baseline is None and not dash:
                pb.add(item, f"baseline 为 null，但 source_text.baseline 为 {show(st.get('baseline'))}（应为 —）",
                       f"baseline is null but source_text.baseline is {show(st.get('baseline'))} (expected —)")
            elif baseline is not None and dash:
                pb.add(item, f"baseline 为 {show(baseline)}，但原表为“—”（无数值），应写 null（不可写 0）",
                       f"baseline is {show(baseline)} but source_text.baseline is '—': the source shows no value, "
                       "so write null (never 0)")
        src = t["source"]
        if not isinstance(src, dict) or not {"file", "table", "number"} <= set(src):
            pb.add(item, "source 应为含 file、table、number 的映射",
                   "source should be a mapping with file, table and number")
            src = {}
        rows.append({
            "id": tid, "number": number, "category": texts["category"], "category_en": texts["category_en"],
            "category_source": texts["category_source"], "name_zh": texts["name_zh"],
            "name_zh_source": texts["name_zh_source"], "name_en": texts["name_en"], "unit": texts["unit"],
            "unit_zh": t.get("unit_zh") or texts["unit"], "unit_en": texts["unit_en"],
            "baseline_year": b_year, "baseline": baseline, "baseline_text": str(st.get("baseline", "")),
            "target_year": t_year, "target": target, "target_text": str(st.get("target", "")),
            "binding": t["binding"], "binding_zh": texts["binding_zh"], "binding_text": str(st.get("binding", "")),
            "direction": direction, "source_file": src.get("file"), "source_table": src.get("table"),
            "source": _source_label(src, f"{src.get('table', '')} 第{src.get('number', '')}项"),
            "note_zh": t.get("note_zh"), "note_en": t.get("note_en"),
        })
    return rows


def _milestones(items: Any, region: Any, sources: dict, units: dict[str, str], directions: dict[str, str],
                spans: dict[str, tuple[Any, Any]], plan_span: tuple[int, int] | None, seen: dict[str, str],
                pb: _Problems) -> list[dict]:
    if not isinstance(items, list):
        pb.add("milestones", "应为列表", "expected a list")
        return []
    rows: list[dict] = []
    for i, m in enumerate(items):
        item = _entry_id(m, "milestones", i, MILESTONE_REQUIRED, MILESTONE_OPTIONAL, seen, pb)
        if item is None:
            continue
        mid = m["id"]
        date = _as_date(m["date"])
        if date is None:
            pb.add(item, f"date 应为 ISO 日期（如 2023-12-31），实际为 {show(m['date'])}",
                   f"date should be an ISO date such as 2023-12-31, got {show(m['date'])}")
        texts = {k: _text(m, k, item, pb) for k in ("name_zh", "name_en", "unit", "unit_en")}
        value, comparison, indicator = m["value"], m["comparison"], m["indicator"]
        if not _is_number(value):
            pb.add(item, f"value 应为数字，实际为 {show(value)}", f"value should be a number, got {show(value)}")
        if not isinstance(comparison, str) or comparison not in COMPARISONS:
            pb.add(item, f"未知的比较符 {show(comparison)}（可选：{', '.join(COMPARISONS)}）",
                   f"unknown comparison {show(comparison)} (expected one of {', '.join(COMPARISONS)})")
        span = plan_span
        if indicator is not None:
            if not isinstance(indicator, str) or indicator not in units:
                pb.add(item, f"indicator {show(indicator)} 不是本规划的目标 id",
                       f"indicator {show(indicator)} is not a target id of this plan")
            else:
                span = spans[indicator]
                if texts["unit"] and texts["unit"] != units[indicator]:
                    unit, theirs = show(texts["unit"]), show(units[indicator])
                    pb.add(item, f"单位 {unit} 与指标 {show(indicator)} 的单位 {theirs} 不同",
                           f"unit {unit} differs from indicator {show(indicator)}'s unit {theirs}")
                if (isinstance(comparison, str) and comparison in COMPARISONS and directions[indicator] in DIRECTIONS
                        and COMPARISONS[comparison][0] != directions[indicator]):
                    way = show(directions[indicator])
                    pb.add(item, f"比较符 {show(comparison)} 与指标 {show(indicator)} 的方向 {way} 矛盾",
                           f"comparison {show(comparison)} contradicts direction {way} of indicator {show(indicator)}")
        if date is not None:
            first, last = span if span and all(is_year(y) for y in span) else (YEAR_MIN, YEAR_MAX)
            if not is_year(date.year):
                pb.add(item, f"date：{year_problem(date.year, 'zh')}", f"date: {year_problem(date.year, 'en')}")
            elif date.year < first:
                pb.add(item, f"里程碑日期 {date} 早于基期年份 {first}",
                       f"milestone date {date} is before the baseline year {first}")
            elif date.year > last:
                pb.add(item, f"里程碑日期 {date} 晚于目标年份 {last}",
                       f"milestone date {date} is after the target year {last}")
        src = m["source"]
        if not isinstance(src, dict) or not {"file", "section"} <= set(src):
            pb.add(item, "source 应为含 file、section 的映射", "source should be a mapping with file and section")
            src = {}
        elif src.get("key") is not None and (not isinstance(src["key"], str) or src["key"] not in sources):
            pb.add(item, f"source 的 key {show(src['key'])} 不在本规划的 sources 中",
                   f"source key {show(src['key'])} is not in the plan's sources")
        doc = sources.get(src.get("key"), {}).get("document") if isinstance(src.get("key"), str) else None
        rows.append({
            "id": mid, "date": date, "year": date.year if date else 0, "indicator": indicator,
            "region": m.get("region") or region, "name_zh": texts["name_zh"],
            "name_zh_source": m.get("name_zh_source") or texts["name_zh"], "measure_zh": m.get("measure_zh"),
            "name_en": texts["name_en"], "value": value, "comparison": comparison,
            "direction": COMPARISONS.get(comparison, (None,))[0] if isinstance(comparison, str) else None,
            "strict": COMPARISONS.get(comparison, (0, 0))[1] if isinstance(comparison, str) else False,
            "unit": texts["unit"], "unit_en": texts["unit_en"], "source_key": src.get("key"),
            "source_file": src.get("file"), "source_section": src.get("section"),
            "source": _source_label(src, " ".join(str(x) for x in (doc, src.get("section")) if x)),
            "note_zh": m.get("note_zh"), "note_en": m.get("note_en"),
        })
    return rows


# --- observations --------------------------------------------------------------------------------

OBS_REQUIRED = ("id", "year", "value")
# Template columns kept for the person filling it in; `unit`, when given, must match the plan.
OBS_OPTIONAL = ("region", "unit", "note", "source", "number", "name_zh", "name_en", "baseline", "target",
                "target_year", "row")
OBS_COLUMNS = ["id", "region", "year", "value", "row"]


def resolve_path(path: str | Path) -> Path:
    """An absolute path: relative paths are taken from the project root (notebooks run elsewhere)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p


def load_observations(path: str | Path, plan: Plan | str, lang: str | None = None) -> pd.DataFrame:
    """Read observed values (CSV or Excel, as written by :func:`write_template`) and validate them.

    Returns a tidy frame ``id, region, year, value, row`` (``row`` = the line in the file, header = 1).
    Blank ``value`` cells are unfilled template rows and are skipped. Raises :class:`DataError`
    listing every problem, each naming the file, row, column and problem (Chinese unless ``lang="en"``).
    """
    path = resolve_path(path)
    frame = read_table(path, sheet="observations")
    frame["row"] = np.arange(len(frame)) + 2  # header is line/row 1 in both CSV and Excel
    return validate_observations(frame, plan, source=str(path), lang=lang)


def _region_names(plan: Plan) -> set[str]:
    """Names an observation's region may take: the plan's region and its cities and counties."""
    try:
        regions = load_regions(plan.region)
    except DataError:
        return {plan.region}
    return set(regions["name"]) | {plan.region}


def column_label(columns: list[str], name: str, from_file: bool) -> str:
    """A column as a person finds it: ``C (year)`` in a file (its spreadsheet letter), ``year`` in a frame."""
    if not from_file or name not in columns:
        return name
    n, letters = columns.index(name) + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f"{letters} ({name})"


class RowReporter:
    """Adds a problem per flagged row of a table to a :class:`~creditlab.problems.Problems`: rows of a
    file by their line (header = 1), rows of an in-memory frame by their index."""

    def __init__(self, pb: Problems, source: str, columns: list[str], rows: np.ndarray, from_file: bool):
        self.pb, self.source, self.columns, self.rows, self.from_file = pb, source, columns, rows, from_file

    def __call__(self, mask: Any, column: str, zh: Any, en: Any) -> None:
        """``zh``/``en``: the message for row position ``i`` (callables)."""
        col = column_label(self.columns, column, self.from_file)
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            if self.from_file:
                self.pb.add(zh(i), en(i), file=self.source, row=int(self.rows[i]), column=col)
            else:
                self.pb.add(f"索引 {self.rows[i]}：{zh(i)}", f"row (index) {self.rows[i]}: {en(i)}",
                            file=self.source, column=col)

    def rows_problem(self, positions: Any, column: str, zh: str, en: str) -> None:
        """One problem on several rows (a duplicate): one grouped line."""
        rows = [int(self.rows[i]) for i in positions]
        col = column_label(self.columns, column, self.from_file) if column in self.columns else column
        if self.from_file:
            self.pb.add_rows(zh, en, rows, file=self.source, column=col)
        else:
            listed = ", ".join(map(str, rows))
            self.pb.add(f"索引 {listed}：{zh}", f"rows (index) {listed}: {en}", file=self.source, column=col)


def check_columns(pb: Problems, source: str, cols: list[str], required: tuple[str, ...],
                  optional: tuple[str, ...]) -> None:
    """Missing, unknown (with the closest known name) and repeated columns of a table."""
    allowed = required + optional
    for c in required:
        if c not in cols:
            pb.add(f"缺少列 '{c}'", f"missing column '{c}'", file=source)
    for c in cols:
        if c not in allowed:
            close = difflib.get_close_matches(c, allowed, n=1)
            pb.add(f"未知列 {quote(c)}" + (f"（是否应为 '{close[0]}'？）" if close else "")
                   + f"（允许：{', '.join(allowed)}）",
                   f"unknown column {quote(c)}" + (f" — did you mean '{close[0]}'?" if close else "")
                   + f" (allowed: {', '.join(allowed)})", file=source)
    for c in sorted({c for c in cols if cols.count(c) > 1}):
        pb.add(f"列 {quote(c)} 出现了多次", f"column {quote(c)} appears more than once", file=source)


def validate_observations(frame: pd.DataFrame, plan: Plan | str, source: str | None = None,
                          lang: str | None = None) -> pd.DataFrame:
    """Check observations against ``plan`` and return them tidy (``id, region, year, value, row``).

    Problems reported (all at once, in one :class:`DataError`, Chinese unless ``lang="en"``): missing or
    unknown columns, unknown ids, years that are not whole numbers or lie outside the plan period, values
    that are not numbers, negative, or above 100 for a percentage, a unit that differs from the plan's, an
    unknown region, a milestone's value filed for another region, and duplicate (id, region, year) rows.
    """
    lang = lang or default_lang()
    plan = load_plan(plan, lang)
    source = source or frame.attrs.get("source") or "<observations>"
    pb = Problems("观测值" if lang == "zh" else "observations", error=DataError, lang=lang)
    cols = [str(c).strip() for c in frame.columns]
    check_columns(pb, source, [c for c in cols if c != "row"] if "row" in cols else cols, OBS_REQUIRED,
                  OBS_OPTIONAL)
    pb.raise_if_any()
    raw = frame.copy()
    raw.columns = cols
    from_file = "row" in raw.columns
    rows = raw["row"].to_numpy() if from_file else raw.index.to_numpy()
    report = RowReporter(pb, source, cols, rows, from_file)
    text = {c: raw[c].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip())
            for c in ("id", "year", "value") + tuple(c for c in ("region", "unit") if c in raw.columns)}
    # an unfilled template row (no value) is not an observation; it is skipped, never scored as 0
    keep = (text["value"] != "").to_numpy()

    ids = text["id"].to_numpy()
    known = set(plan.ids)
    bad_id = ~np.isin(ids, list(known)).astype(bool)

    def id_msg(i: int, lng: str) -> str:
        if not ids[i]:
            return "id 为空" if lng == "zh" else "empty id"
        close = difflib.get_close_matches(ids[i], sorted(known), n=1)
        if lng == "zh":
            return f"未知的指标 id {quote(ids[i])}" + (f"（是否应为 {close[0]!r}？）" if close else "")
        return f"unknown indicator id {quote(ids[i])}" + (f" — did you mean {close[0]!r}?" if close else "")

    report(bad_id & keep, "id", lambda i: id_msg(i, "zh"), lambda i: id_msg(i, "en"))

    year_num = pd.to_numeric(text["year"], errors="coerce").to_numpy(dtype=float)
    first, last = plan.years
    not_year = ~np.isfinite(year_num) | (np.round(year_num) != year_num)
    report(not_year & keep, "year", lambda i: f"{quote(text['year'].iloc[i])} 不是年份",
           lambda i: f"{quote(text['year'].iloc[i])} is not a year")
    out_of_range = ~not_year & ((year_num < first) | (year_num > last))
    report(out_of_range & keep, "year", lambda i: f"年份 {int(year_num[i])} 不在规划期 {first}–{last} 内",
           lambda i: f"year {int(year_num[i])} is outside the plan period {first}–{last}")

    values = pd.to_numeric(text["value"], errors="coerce").to_numpy(dtype=float)
    not_num = np.isnan(values) | ~np.isfinite(values)

    def num_msg(i: int, lng: str) -> str:
        v = text["value"].iloc[i]
        units = any(ch in v for ch in "%前亿万条家个人")
        if lng == "zh":
            return f"{quote(v)} 不是数字" + ("（只填数字，不带 % 或单位）" if units else "")
        return f"{quote(v)} is not a number" + (" (write the number only, without % or units)" if units else "")

    report(not_num & keep, "value", lambda i: num_msg(i, "zh"), lambda i: num_msg(i, "en"))
    report(~not_num & (values < 0) & keep, "value", lambda i: f"数值 {values[i]:g} 为负数",
           lambda i: f"value {values[i]:g} is negative")
    units = plan.targets.set_index("id")["unit"].to_dict() | plan.milestones.set_index("id")["unit"].to_dict()
    unit_of = np.array([units.get(x, "") for x in ids], dtype=object)
    is_pct = np.isin(unit_of, PERCENT_UNITS)
    report(~not_num & is_pct & (values > 100) & keep, "value", lambda i: f"数值 {values[i]:g} 超过 100（百分比）",
           lambda i: f"value {values[i]:g} is above 100 for a percentage")

    if "unit" in text:
        unit_text = text["unit"].to_numpy()
        unit_alias = (plan.targets.set_index("id")[["unit", "unit_zh", "unit_en"]].apply(set, axis=1).to_dict()
                      | plan.milestones.set_index("id")[["unit", "unit_en"]].apply(set, axis=1).to_dict())
        bad_unit = np.array([bool(u) and i in unit_alias and u not in unit_alias[i]
                             for u, i in zip(unit_text, ids, strict=True)], dtype=bool)
        report(bad_unit & keep, "unit", lambda i: f"单位 {quote(unit_text[i])} 与规划的单位 {units[ids[i]]!r} 不同",
               lambda i: f"unit {quote(unit_text[i])} differs from the plan's unit {units[ids[i]]!r}")

    region = text["region"].replace("", plan.region).to_numpy() if "region" in text else \
        np.full(len(raw), plan.region, dtype=object)
    if "region" in text and (region != plan.region).any():
        names = _region_names(plan)
        report(~np.isin(region, list(names)) & keep, "region",
               lambda i: f"未知地区 {quote(region[i])}（不是{plan.region}或其下辖市县）",
               lambda i: f"unknown region {quote(region[i])} (not {plan.region} or one of its cities/counties)")
    m_region = plan.milestones.set_index("id")["region"].to_dict()
    wrong_region = np.array([i in m_region and r != m_region[i] for i, r in zip(ids, region, strict=True)],
                            dtype=bool)
    report(wrong_region & keep, "region", lambda i: f"里程碑 {ids[i]!r} 属于{m_region[ids[i]]}，不是{region[i]}",
           lambda i: f"milestone {ids[i]!r} is for {m_region[ids[i]]}, not {region[i]}")

    tidy = pd.DataFrame({"id": ids, "region": region, "year": year_num, "value": values, "row": rows})[keep]
    valid = ~(bad_id | not_year | not_num)[keep]
    pos = np.flatnonzero(keep)[valid]
    dup = tidy[valid].duplicated(["id", "region", "year"], keep=False).to_numpy()
    if dup.any():
        for (i_, r_, y_), grp in tidy[valid][dup].assign(_pos=pos[dup]).groupby(["id", "region", "year"],
                                                                              sort=False):
            report.rows_problem(grp["_pos"], "id, region, year", f"{i_!r} 在 {r_} {int(y_)} 年的观测值重复",
                                f"duplicate observation of {i_!r} for {r_} in {int(y_)}")
    pb.raise_if_any()
    tidy = tidy.astype({"year": int, "value": float}).reset_index(drop=True)[OBS_COLUMNS]
    tidy.attrs["source"] = source
    tidy.attrs["skipped"] = int((~keep).sum())
    return tidy


def write_template(plan: Plan | str, path: str | Path, years: Iterable[int] | None = None) -> Path:
    """Write a template to fill in: one row per indicator and year (and per milestone at its year).

    ``.csv`` (UTF-8 with BOM, so Excel reads the Chinese) or ``.xlsx`` (sheets ``observations`` and
    ``indicators``). The ``value`` column is empty; rows left empty are skipped when loaded.
    """
    plan = load_plan(plan)
    path = Path(path)
    t = plan.targets
    years = list(years) if years is not None else list(range(plan.baseline_year, plan.target_year + 1))
    grid = t.merge(pd.DataFrame({"year": years}), how="cross")
    grid = grid[(grid["year"] > grid["baseline_year"]) | grid["baseline"].isna()
                | (grid["year"] == grid["baseline_year"])]
    rows = pd.DataFrame({
        "id": grid["id"], "region": plan.region, "year": grid["year"], "value": "", "unit": grid["unit"],
        "number": grid["number"].astype(str), "name_zh": grid["name_zh"], "name_en": grid["name_en"],
        "baseline": grid["baseline"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
        "target": grid["target"].map(lambda v: f"{v:g}"), "target_year": grid["target_year"].astype(str),
    })
    m = plan.milestones
    mrows = pd.DataFrame({
        "id": m["id"], "region": m["region"], "year": m["year"], "value": "", "unit": m["unit"], "number": "",
        "name_zh": m["name_zh"] + m["measure_zh"].fillna("").map(lambda s: f"（{s}）" if s else ""),
        "name_en": m["name_en"], "baseline": "",
        "target": m["comparison"] + " " + m["value"].map(lambda v: f"{v:g}"), "target_year": m["year"].astype(str),
    })
    out = pd.concat([rows.sort_values(["year", "number"], key=lambda s: pd.to_numeric(s, errors="coerce")),
                     mrows], ignore_index=True)
    out["year"] = out["year"].astype(str)
    if path.suffix.lower() == ".csv":
        safecells.write_csv(out, path, bom=True)  # BOM so Excel reads the Chinese; formula-like text quoted
    elif path.suffix.lower() == ".xlsx":
        with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            out.to_excel(xl, sheet_name="observations", index=False)
            t[["id", "number", "category", "name_zh", "name_en", "unit", "baseline_year", "baseline",
               "target_year", "target", "binding_zh", "direction", "source"]].to_excel(
                xl, sheet_name="indicators", index=False)
            m[["id", "date", "indicator", "region", "name_zh", "measure_zh", "comparison", "value", "unit",
               "source"]].astype(str).to_excel(xl, sheet_name="milestones", index=False)
            for ws in xl.book.worksheets:
                ws.freeze_panes = "A2"
                safecells.neutralise_sheet(ws)  # pandas writes "=..." text as a formula
    else:
        raise ValueError(f"{path}: the template must be .csv or .xlsx")
    return path


# --- progress ------------------------------------------------------------------------------------

REMARKS: dict[str, tuple[str, str]] = {
    "no_baseline": ("无基期值（原表为“—”），仅对照目标值评估", "no baseline (the source shows —): assessed against the "
                    "target alone"),
    "zero_value": ("含零值，复合增长率无意义，改用线性方法", "a zero value makes compound rates meaningless: linear "
                   "method used"),
    "baseline_past_target": ("基期值已达到或超过目标值", "the baseline already met the target"),
    "target_year_is_baseline_year": ("目标年份与基期年份相同，无法计算所需增速", "target year equals the baseline "
                                     "year: no required rate"),
    "past_target_year": ("最新数据已晚于目标年份", "the latest data are later than the target year"),
    "baseline_observation_differs": ("基期年份观测值与规划基期值不同，采用规划基期值", "the observation for the "
                                     "baseline year differs from the plan's baseline; the plan's is used"),
    "trend_linear_scale": ("含零值，趋势按线性尺度拟合", "zero values: trend fitted on the linear scale"),
    "few_points": ("数据点少于3个，无法给出区间", "fewer than 3 points: no interval"),
    "not_reached_on_trend": ("按当前趋势无法达到目标", "not reached on the current trend"),
    "only_baseline_year": ("仅有基期年份数据", "data for the baseline year only"),
    "baseline_from_observations": ("基期值取自该地区基期年份观测值", "baseline taken from the region's own "
                                   "observation for the baseline year"),
    "province_target": ("目标值为全省目标", "the target is the province's"),
    "within_year_milestone": ("里程碑日期在年中，以当年（年末）观测值核对", "milestone dated within the year: "
                              "checked against that year's (end-of-year) observation"),
}


def remark_text(codes: str, lang: str = "zh") -> str:
    """The ``remarks`` codes of an assessment row as a sentence in ``lang``."""
    k = 0 if check_lang(lang) == "zh" else 1
    parts = [REMARKS[c][k] if c in REMARKS else c for c in str(codes or "").split(";") if c]
    return ("；" if k == 0 else "; ").join(parts)


def _join_remarks(flags: dict[str, np.ndarray], n: int) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    for code, mask in flags.items():
        out = np.where(mask, np.where(out == "", code, out + ";" + code), out)
    return out


def _assess_core(spec: pd.DataFrame, series: pd.DataFrame, method: str, level: float,
                 trend_years: int | None) -> pd.DataFrame:
    """Vectorised progress assessment.

    ``spec``: one row per key with ``key, baseline_year, baseline, target_year, target, d (+1/-1), strict,
    as_of``; ``series``: ``key, year, value``. Returns ``spec`` with the assessment columns added.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    s = spec.reset_index(drop=True).copy()
    n = len(s)
    y0, yT = s["baseline"].to_numpy(float), s["target"].to_numpy(float)
    t0, T = s["baseline_year"].to_numpy(float), s["target_year"].to_numpy(float)
    d, strict = s["d"].to_numpy(float), s["strict"].to_numpy(bool)
    has_base = ~np.isnan(y0)

    obs = series.merge(s[["key", "as_of", "baseline_year", "baseline"]], on="key")
    obs = obs[obs["year"] <= obs["as_of"]]
    differs = obs[(obs["year"] == obs["baseline_year"]) & obs["baseline"].notna()
                  & ~np.isclose(obs["value"], obs["baseline"])]["key"]
    progress_obs = obs[(obs["year"] > obs["baseline_year"]) | obs["baseline"].isna()]
    last = progress_obs.sort_values("year").groupby("key").last()
    yt = s["key"].map(last["value"]).to_numpy(float)
    t = s["key"].map(last["year"]).to_numpy(float)
    has_latest = ~np.isnan(yt)
    only_base = ~has_latest & s["key"].isin(obs["key"]).to_numpy()

    def met(values: np.ndarray) -> np.ndarray:
        gap = d * (values - yT)
        return np.where(strict, gap > _TOL, gap >= -_TOL)

    achieved = has_latest & met(yt)
    zero = (y0 == 0) | (yt == 0) | (yT == 0)
    use_compound = (method == "compound") & ~zero
    with np.errstate(divide="ignore", invalid="ignore"):
        req = np.where(use_compound, (yT / y0) ** (1 / (T - t0)) - 1, (yT - y0) / (T - t0))
        act = np.where(use_compound, (yt / y0) ** (1 / (t - t0)) - 1, (yt - y0) / (t - t0))
        ratio = d * act / np.abs(req)
    same_year = T == t0
    base_past = has_base & met(y0)
    rated = has_base & has_latest & ~base_past & ~same_year
    ratio = np.where(rated, np.round(ratio, 9), np.nan)
    req = np.where(has_base & ~same_year, req, np.nan)
    act = np.where(has_base & has_latest, act, np.nan)
    category = np.select(
        [~has_latest, achieved, ~has_base, base_past, same_year & (d * act > 0), same_year,
         ratio >= THRESHOLDS["significant"], ratio >= THRESHOLDS["moderate"], ratio >= THRESHOLDS["insufficient"]],
        ["no_data", "achieved", "no_baseline", "moving_away", "insufficient", "moving_away",
         "significant", "moderate", "insufficient"],
        default="moving_away",
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        path_value = np.where(same_year, yT, y0 + (yT - y0) * (t - t0) / (T - t0))
    path_value = np.where(has_base & has_latest, path_value, np.nan)
    gap = yt - path_value

    # Trend: OLS on the baseline point and the observations up to as_of (log scale for compound rates).
    pts = progress_obs[["key", "year", "value"]]
    base_pts = s.loc[has_base, ["key", "baseline_year", "baseline"]].rename(
        columns={"baseline_year": "year", "baseline": "value"})
    pts = pd.concat([base_pts, pts], ignore_index=True)
    if trend_years is not None:
        pts = pts[pts["year"] > pts["key"].map(last["year"]).fillna(np.inf) - trend_years]
    positive = pts.groupby("key")["value"].min().gt(0)
    log_scale = (method == "compound") & s["key"].map(positive).fillna(False).to_numpy(bool) & (yT > 0)
    pts = pts.assign(g=np.where(pts["key"].map(dict(zip(s["key"], log_scale, strict=True))).fillna(False),
                                np.log(pts["value"].where(pts["value"] > 0)), pts["value"]))
    grp = pts.groupby("key")
    npts = s["key"].map(grp.size()).fillna(0).to_numpy(float)
    mx = pts["key"].map(grp["year"].mean())
    my = pts["key"].map(grp["g"].mean())
    dx, dy = pts["year"] - mx, pts["g"] - my
    sums = pd.DataFrame({"key": pts["key"], "sxx": dx * dx, "sxy": dx * dy, "syy": dy * dy}).groupby("key").sum()
    sxx, sxy, syy = (s["key"].map(sums[c]).to_numpy(float) for c in ("sxx", "sxy", "syy"))
    mxa, mya = s["key"].map(grp["year"].mean()).to_numpy(float), s["key"].map(grp["g"].mean()).to_numpy(float)
    gT = np.where(log_scale, np.log(np.where(yT > 0, yT, np.nan)), yT)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where((npts >= 2) & (sxx > 0), sxy / sxx, np.nan)
        se = np.where(npts >= 3, np.sqrt(np.maximum(syy - slope * sxy, 0) / (npts - 2) / sxx), np.nan)
    from scipy.stats import t as student_t

    q = student_t.ppf((1 + level) / 2, np.maximum(npts - 2, 1))

    def crossing(b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            x = mxa + (gT - mya) / b
        x = np.where(d * b > 0, x, np.inf)  # flat or moving away: never reached on this trend
        x = np.where(np.isnan(b), np.nan, x)
        return np.maximum(np.ceil(x - 1e-9), t + 1)  # not reached yet, so not before next year

    s1, s2 = slope - q * se, slope + q * se
    steep = np.where(d * s1 > d * s2, s1, s2)
    shallow = np.where(d * s1 > d * s2, s2, s1)
    projected, early, late = crossing(slope), crossing(steep), crossing(shallow)
    # already achieved: the first year the target was met
    met_rows = progress_obs[_met_series(progress_obs, s, yT, d, strict)]
    first_met = s["key"].map(met_rows.groupby("key")["year"].min()).to_numpy(float)
    projected = np.where(achieved, first_met, projected)
    early = np.where(achieved, first_met, early)
    late = np.where(achieved, first_met, late)
    no_proj = ~has_latest
    projected, early, late = (np.where(no_proj, np.nan, a) for a in (projected, early, late))

    s["latest_year"] = pd.array(np.where(has_latest, t, np.nan), dtype="Float64").astype("Int64")
    s["latest"] = np.where(has_latest, yt, np.nan)
    s["method"] = np.where(has_base & has_latest, np.where(use_compound, "compound", "linear"), "")
    s["required_rate"], s["actual_rate"], s["ratio"] = req, act, ratio
    s["category"] = category
    s["path_value"], s["gap_to_path"] = path_value, gap
    s["ahead_of_path"] = pd.array(np.where(np.isnan(gap), None, d * gap >= -_TOL), dtype="boolean")
    s["trend_slope"] = slope
    s["trend_anchor_year"], s["trend_anchor"] = mxa, mya  # the fitted line passes through (mean year, mean g)
    s["trend_scale"] = np.where(np.isnan(slope), "", np.where(log_scale, "log", "linear"))
    s["n_points"] = npts.astype(int)
    s["projected_year"], s["projected_year_low"], s["projected_year_high"] = projected, early, late
    on_track = np.where(np.isnan(projected), np.nan, (projected <= T).astype(float))
    s["on_track"] = pd.array(np.where(np.isnan(on_track), None, on_track == 1), dtype="boolean")
    s["remarks"] = _join_remarks({
        "no_baseline": ~has_base,
        "zero_value": (method == "compound") & zero & has_base & has_latest,
        "baseline_past_target": base_past,
        "target_year_is_baseline_year": same_year,
        "past_target_year": has_latest & (t > T),
        "baseline_observation_differs": s["key"].isin(differs).to_numpy(),
        "trend_linear_scale": (method == "compound") & ~log_scale & ~np.isnan(slope),
        "few_points": has_latest & ~achieved & (npts < 3),
        "not_reached_on_trend": has_latest & ~achieved & np.isinf(projected),
        "only_baseline_year": only_base,
    }, n)
    return s


def _met_series(obs: pd.DataFrame, s: pd.DataFrame, yT: np.ndarray, d: np.ndarray, strict: np.ndarray) -> pd.Series:
    """Which observation rows meet their key's target (vectorised over rows)."""
    pos = obs["key"].map(dict(zip(s["key"], range(len(s)), strict=True))).to_numpy(int)
    gap = d[pos] * (obs["value"].to_numpy(float) - yT[pos])
    return pd.Series(np.where(strict[pos], gap > _TOL, gap >= -_TOL), index=obs.index)


def _observations(plan: Plan, observations: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(observations, pd.DataFrame):
        raise TypeError(f"observations should be a DataFrame, got {type(observations).__name__}")
    return validate_observations(observations, plan, observations.attrs.get("source"))


def check_as_of(plan: Plan, as_of: Any, observations: pd.DataFrame | None = None, lang: str | None = None) -> int:
    """``as_of`` as an int if it is a plausible assessment year for ``plan``, else ValueError (in ``lang``, default
    the default language).

    With ``observations`` (the command and the notebook pass the loaded file), ``as_of`` may not be after the
    latest year observed in them: nothing in the method projects beyond the data, and a report titled
    “截至2030年” over observations that end in 2024 would say it knows 2030. :func:`assess_progress` and
    :func:`check_milestones` (library calls, without ``observations``) still assess as of any plausible year:
    an indicator not observed by then is ``no_data``, a milestone due and not observed is ``no_data``."""
    if isinstance(as_of, bool) or not isinstance(as_of, int | np.integer):
        raise ValueError(said(f"截至年份（as_of）须为整数年份，而不是{as_of!r}",
                              f"as_of should be a year (whole number), got {as_of!r}", lang))
    if as_of < plan.baseline_year:
        raise ValueError(said(f"截至年份（as_of）{as_of}早于规划的基期年份{plan.baseline_year}",
                              f"as_of {as_of} is before the plan's baseline year {plan.baseline_year}", lang))
    if as_of > plan.years[1] + 10:  # a typo such as 20224, not a follow-up assessment
        raise ValueError(said(f"截至年份（as_of）{as_of}比规划期末（{plan.years[1]}年）晚十年以上",
                              f"as_of {as_of} is more than ten years after the plan period ({plan.years[1]})",
                              lang))
    if observations is not None and len(observations):
        years = sorted({int(y) for y in pd.to_numeric(observations["year"], errors="coerce").dropna()})
        if years and as_of > years[-1]:
            zh, en = "、".join(map(str, years)), ", ".join(map(str, years))
            raise ValueError(said(f"截至年份（as_of）{as_of}晚于观测数据的最新年份{years[-1]}；有观测的年份：{zh}",
                                  f"as_of {as_of} is after the latest observation year {years[-1]}; years with "
                                  f"observations: {en}", lang))
    return int(as_of)


def _priority(category: pd.Series, binding: pd.Series, off_course: pd.Series) -> np.ndarray:
    order = {"moderate": 2, "no_data": 3, "no_baseline": 4, "significant": 5, "achieved": 6}
    base = category.map(order).fillna(1).to_numpy(int)
    return np.where(off_course, np.where(binding, 0, 1), base)


def assess_progress(plan: Plan | str, observations: pd.DataFrame, as_of: int, method: str = "compound",
                    region: str | None = None, level: float = 0.9,
                    trend_years: int | None = None) -> pd.DataFrame:
    """Progress of every indicator of ``plan`` towards its target, as of the year ``as_of``.

    ``observations`` has columns ``id, year, value`` (and optionally ``region``); it is validated like a
    loaded file. ``method`` is ``"compound"`` (Eurostat: compound annual rates; linear where a value is 0)
    or ``"linear"`` (absolute change per year). ``region`` (default: the plan's region) assesses a city
    against the plan's targets from its own baseline-year observation. ``level`` is the confidence level
    of the projected year's interval; ``trend_years`` limits the trend to the most recent years.

    One row per indicator, most urgent first (约束性 off course, then other off course, then moderate...):
    ``id, number, name_zh, name_en, unit, binding, direction, baseline_year, baseline, target_year, target,
    latest_year, latest, method, required_rate, actual_rate, ratio, category, path_value, gap_to_path,
    ahead_of_path, trend_slope, projected_year, projected_year_low, projected_year_high, on_track,
    off_course, needs_action, priority, remarks``. Rates are per year (fractions for compound, units for
    linear); ``ratio`` = direction × actual / |required|; ``gap_to_path`` = latest − straight-line path
    value in the latest year; projected years are whole years (``inf``: not reached on this trend).
    ``off_course``: insufficient progress or moving away; for 约束性 (binding) targets also moderate
    progress, since a binding target must be met; for indicators without a baseline, a trend that misses
    the target year.
    """
    plan = load_plan(plan)
    as_of = check_as_of(plan, as_of)
    obs = _observations(plan, observations)
    region = region or plan.region
    t = plan.targets
    spec = pd.DataFrame({
        "key": t["id"], "baseline_year": t["baseline_year"], "baseline": t["baseline"],
        "target_year": t["target_year"], "target": t["target"],
        "d": np.where(t["direction"] == "higher", 1.0, -1.0), "strict": False, "as_of": as_of,
    })
    mine = obs[(obs["region"] == region) & obs["id"].isin(t["id"])]
    city = region != plan.region
    if city:
        at_base = mine.merge(spec[["key", "baseline_year"]], left_on=["id", "year"],
                             right_on=["key", "baseline_year"])
        spec["baseline"] = spec["key"].map(at_base.set_index("key")["value"])
    res = _assess_core(spec, mine.rename(columns={"id": "key"}), method, level, trend_years)
    if city:
        extra = np.where(res["baseline"].notna(), "baseline_from_observations;province_target", "province_target")
        res["remarks"] = np.where(res["remarks"] == "", extra, res["remarks"] + ";" + extra)
    res = res.rename(columns={"key": "id"}).drop(columns=["d", "strict", "as_of"])
    meta = t.set_index("id")
    # the plan's own grouping (平台数据...) becomes plan_category: `category` is the progress category
    for col in ("number", "name_zh", "name_en", "unit", "unit_zh", "unit_en", "binding", "binding_zh",
                "direction", "source"):
        res[col] = res["id"].map(meta[col])
    res["plan_category"] = res["id"].map(meta["category"])
    res["plan_category_en"] = res["id"].map(meta["category_en"])
    res["region"] = region
    # 约束性 targets must be met: for them moderate progress (the trend misses the target year) is off
    # course too; for 预期性 ones only insufficient progress or worse.
    off = res["category"].isin(["insufficient", "moving_away"]) | (
        (res["category"] == "no_baseline") & res["on_track"].eq(False).fillna(False).astype(bool)) | (
        (res["category"] == "moderate") & res["binding"].astype(bool))
    res["off_course"] = off.to_numpy(bool)
    res["needs_action"] = res["off_course"]
    res["priority"] = _priority(res["category"], res["binding"], res["off_course"])
    res.attrs.update(plan=plan.name, as_of=as_of, method=method, region=region, level=level)
    cols = ["id", "number", "plan_category", "plan_category_en", "name_zh", "name_en", "unit", "unit_zh",
            "unit_en", "binding", "binding_zh", "direction", "region", "baseline_year", "baseline", "target_year",
            "target", "latest_year", "latest", "method", "required_rate", "actual_rate", "ratio", "category",
            "path_value", "gap_to_path", "ahead_of_path", "trend_slope", "trend_scale", "trend_anchor_year",
            "trend_anchor", "n_points",
            "projected_year", "projected_year_low", "projected_year_high", "on_track", "off_course",
            "needs_action", "priority", "remarks", "source"]
    return res.sort_values(["priority", "number"], kind="stable").reset_index(drop=True)[cols]


def check_milestones(plan: Plan | str, observations: pd.DataFrame, as_of: int, method: str = "compound",
                     level: float = 0.9) -> pd.DataFrame:
    """Each milestone of ``plan`` checked at its date, or its progress so far if not yet due.

    A milestone linked to an indicator uses that indicator's observations (and, for the plan's region,
    its baseline); others use observations filed under the milestone's own id. ``status``: ``met`` /
    ``missed`` (the observation for the milestone's year, compared as the milestone says: ``>`` is strict),
    ``no_data`` (due but not observed), ``pending`` (not yet due; ``category`` gives the progress so far).
    """
    plan = load_plan(plan)
    as_of = check_as_of(plan, as_of)
    obs = _observations(plan, observations)
    m = plan.milestones
    if m.empty:
        return pd.DataFrame(columns=["id", "status"])
    t = plan.targets.set_index("id")
    linked = m["indicator"].notna().to_numpy()
    series_id = np.where(linked, m["indicator"].astype(object), m["id"])
    at_province = (m["region"] == plan.region).to_numpy()
    base_year = np.where(linked, m["indicator"].map(t["baseline_year"]), plan.baseline_year).astype(int)
    baseline = np.where(linked & at_province, m["indicator"].map(t["baseline"]), np.nan).astype(float)
    due = m["year"].to_numpy(int)
    spec = pd.DataFrame({
        "key": m["id"], "baseline_year": base_year, "baseline": baseline, "target_year": due,
        "target": m["value"], "d": np.where(m["direction"] == "higher", 1.0, -1.0), "strict": m["strict"],
        "as_of": np.minimum(as_of, due),
    })
    # a linked city milestone takes its baseline from the city's own baseline-year observation
    key_of = pd.DataFrame({"key": m["id"], "sid": series_id, "region": m["region"]})
    series = key_of.merge(obs, left_on=["sid", "region"], right_on=["id", "region"])[["key", "year", "value"]]
    city_base = series.merge(spec[["key", "baseline_year"]], left_on=["key", "year"],
                             right_on=["key", "baseline_year"]).set_index("key")["value"]
    fill = linked & ~at_province
    spec["baseline"] = np.where(fill, spec["key"].map(city_base), spec["baseline"])
    res = _assess_core(spec, series, method, level, None)
    is_due = as_of >= due
    observed_due = series[series["year"] == series["key"].map(dict(zip(m["id"], due, strict=True)))]
    obs_at_due = res["key"].map(observed_due.set_index("key")["value"]).to_numpy(float)
    d, yT, strict = res["d"].to_numpy(float), res["target"].to_numpy(float), res["strict"].to_numpy(bool)
    gap = d * (obs_at_due - yT)
    met_due = np.where(strict, gap > _TOL, gap >= -_TOL)
    status = np.select([~is_due, np.isnan(obs_at_due), met_due], ["pending", "no_data", "met"], default="missed")
    within_year = np.array([dd.month != 12 or dd.day != 31 for dd in m["date"]])
    remarks = np.where(within_year, np.where(res["remarks"] == "", "within_year_milestone",
                                             res["remarks"] + ";within_year_milestone"), res["remarks"])
    out = pd.DataFrame({
        "id": m["id"], "date": m["date"], "indicator": m["indicator"], "region": m["region"],
        "name_zh": m["name_zh"], "measure_zh": m["measure_zh"], "name_en": m["name_en"],
        "comparison": m["comparison"], "value": m["value"], "unit": m["unit"], "unit_en": m["unit_en"],
        "observed_year": np.where(is_due, np.where(np.isnan(obs_at_due), np.nan, due),
                                  res["latest_year"].astype("Float64").to_numpy(float, na_value=np.nan)),
        "observed": np.where(is_due, obs_at_due, res["latest"]),
        "status": status, "category": res["category"], "ratio": res["ratio"],
        "projected_year": res["projected_year"], "remarks": remarks, "source": m["source"],
    })
    out["observed_year"] = pd.array(out["observed_year"], dtype="Float64").astype("Int64")
    out.attrs.update(plan=plan.name, as_of=as_of, method=method)
    return out.sort_values(["date", "id"], kind="stable").reset_index(drop=True)
