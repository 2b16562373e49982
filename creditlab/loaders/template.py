"""The Excel fill-in templates (:func:`write_template`): a read-me sheet, one sheet per region, the hidden
``_creditlab`` sheet and the ``认定条件`` context sheet, and reading that context sheet back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import __version__, safecells
from ..core.atomic import atomic_path
from ..core.errors import DataError
from ..core.fields import CONTEXT_FIELDS, FIELD_LABELS
from ..core.problems import Problem, default_lang
from ..core.tables import percent_styles, xml_rows
from ..core.years import year_problem
from .formats import (
    _TEMPLATE_COLUMNS,
    CONTEXT_SHEET,
    FORMAT_VERSION,
    HEADER_ROW,
    META_SHEET,
    README_SHEET,
    TEMPLATE_FORMAT,
    _Chunk,
)
from .indicators import _split_stray
from .rubric import Rubric, rule_words
from .validate import _as_rubric, _q, _value_spec
from .zones import _region_names, _who, jurisdiction_problem, park_codes

# ---------------------------------------------------------------------------------------------
# Excel template

_MANDATORY_FILL = "FCE4D6"   # light orange: 必备条件 rows
_INPUT_FILL = "FFF9C4"       # light yellow: cells the county fills in
_HEADER_FILL = "D9E1F2"
def _letter(key: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter([k for k, _, _ in _TEMPLATE_COLUMNS].index(key) + 1)


def _put(ws: Any, ref: str, value: Any) -> Any:
    """Write a cell; text is always a string cell, and text that Excel would read as a formula
    (=, +, -, @, tab, CR) also gets the quote prefix so that editing it keeps it text."""
    return safecells.put(ws, ref, value)


def _raw_rules(rubric: Rubric) -> dict[str, dict[str, Any]]:
    """criterion id -> its ``rule`` mapping in the YAML (for unit_en, which the frame drops)."""
    out: dict[str, dict[str, Any]] = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for n in nodes or []:
            for c in n.get("criteria") or []:
                out[c["id"]] = c.get("rule") or {}
            walk(n.get("children") or [])

    walk(rubric.raw.get("levels") or [])
    return out


_HOWTO = {
    "binary": "选择“是”或“否” / choose yes (是) or no (否)",
    "percent": "比率（%），0–100 / rate in percent, 0–100",
    "count": "个数，整数≥0 / count, whole number ≥ 0",
    "points": "得分，0–{max:g} / points awarded, 0–{max:g}",
    "score": "评估得分，0–100 / score, 0–100",
    "number": "数值 / a number",
}


def _validation_key(kind: str, mx: float) -> tuple[str, str, str, str]:
    """(type, operator, formula1, formula2) of the Excel data validation for an input cell."""
    if kind == "binary":
        return ("list", "", '"是,否"', "")
    if kind in ("percent", "score"):
        return ("decimal", "between", "0", "100")
    if kind == "count":
        return ("whole", "greaterThanOrEqual", "0", "")
    if kind == "points":
        return ("decimal", "between", "0", f"{mx:g}")
    return ("decimal", "between", "-1000000000", "1000000000")


def _template_rows(rubric: Rubric) -> pd.DataFrame:
    """One row per value id, with level names, texts, points and the rule frame's columns."""
    spec = _value_spec(rubric)
    crit = rubric.criteria.set_index("id")
    rows = []
    for vid, s in spec.iterrows():
        c = crit.loc[s["criterion"]]
        metric = vid != s["criterion"]
        rows.append({
            "id": vid, "level1": c["level1_zh"], "level2": c["level2_zh"], "level3": c["level3_zh"],
            "text_zh": s["text_zh"], "text_en": s["text_en"], "points": np.nan if metric else c["points"],
            "mandatory": bool(s["mandatory"]), "kind": s["kind"], "max": s["max"],
            "park_kind": s["park_kind"], "park_max": s["park_max"], "criterion": s["criterion"],
            "metric": metric, "direction": s["direction"],
        })
    return pd.DataFrame(rows)


def write_template(rubric: Rubric | str, regions: pd.DataFrame | Iterable[str] | str, year: int,
                   path: str | Path, *, lang: str | None = None) -> Path:
    """Write an Excel workbook for counties to fill in: one sheet per region (named by its code).

    ``regions``: codes, or a DataFrame with ``code`` and ``name``. Input cells carry data
    validation, 必备条件 rows are highlighted, the sheets are protected except the input and
    evidence columns, and a hidden ``_creditlab`` sheet records rubric, version, year and format.
    If the rubric's certification conditions need context (重大事件, 失信主体占比, 整改率, 不良贷款率 …),
    a sheet :data:`CONTEXT_SHEET` asks for it, one row per region (read by :func:`ingest`).
    ``lang``: language of error messages (default Chinese, ``CREDITLAB_LANG=en`` for English).
    """
    from openpyxl import Workbook
    from openpyxl.workbook.protection import WorkbookProtection

    lang = lang or default_lang()
    bad_year = year_problem(year, lang)
    if bad_year:
        raise DataError(bad_year)
    rub = _as_rubric(rubric)
    if not rub.uses_year(int(year)):
        first, last = rub.years
        span = f"{first or '…'}–{last or ''}"
        raise DataError(f"年度 {year} 不在评估标准 {rub.name} 的适用年度（{span}）内" if lang == "zh"
                        else f"year {year} is outside the years rubric {rub.name} is used for ({span})")
    units = _template_units(regions, lang)
    outside = jurisdiction_problem(units["code"], rub.jurisdiction, rub.name)
    if outside is not None:  # a sheet for a county the rubric does not assess would be refused on ingest
        raise DataError(outside[0] if lang == "zh" else outside[1])
    rows = _template_rows(rub)
    raw_rules = _raw_rules(rub)
    parks = park_codes()
    wb = Workbook()
    _readme_sheet(wb.active, rub, int(year))
    for unit in units.itertuples():
        _region_sheet(wb.create_sheet(unit.code), unit, rub, int(year), rows, raw_rules, unit.code in parks)
    fields = context_fields(rub)
    if fields:
        _context_sheet(wb.create_sheet(CONTEXT_SHEET), units, int(year), fields)
    _meta_sheet(wb.create_sheet(META_SHEET), rub, int(year), list(units["code"]), fields)
    wb.security = WorkbookProtection(lockStructure=True)  # no adding, renaming or deleting sheets
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def _template_units(regions: pd.DataFrame | Iterable[str] | str, lang: str = "zh") -> pd.DataFrame:
    zh = lang == "zh"
    if isinstance(regions, pd.DataFrame):
        units = regions[["code", "name"]].astype(str)
    else:
        codes = [regions] if isinstance(regions, str) else [str(c) for c in regions]
        names = _region_names()
        unknown = ", ".join(c for c in codes if c not in names)
        if unknown:
            raise DataError(f"未知的区划代码 {unknown}（不在 regions.csv 或 zones.csv 中）" if zh
                            else f"unknown region code(s) {unknown} (not in regions.csv or zones.csv)")
        units = pd.DataFrame({"code": codes, "name": [names[c] for c in codes]})
    bad = ", ".join(units.loc[~units["code"].str.fullmatch(r"\d{6}|KF\d{6}"), "code"])
    if bad:
        raise DataError(f"区划代码 {bad} 不是6位数字或 KF + 6位数字" if zh
                        else f"region code(s) {bad} are not 6 digits or KF + 6 digits")
    dup = ", ".join(units.loc[units["code"].duplicated(), "code"])
    if dup:
        raise DataError(f"区划代码重复：{dup}" if zh else f"duplicate region codes: {dup}")
    if units.empty:
        raise DataError("没有选中任何区县" if zh else "no regions selected for the template")
    return units.reset_index(drop=True)


def _readme_sheet(ws: Any, rub: Rubric, year: int) -> None:
    from openpyxl.styles import Alignment, Font

    ws.title = README_SHEET
    lines = [
        f"{rub.title_zh}（{year}年度）数据填报模板",
        f"{rub.title_en} — data template for {year}",
        "",
        "每个区县（开发区）一张工作表，表名为区划代码。只填写黄色的“填报值”和“佐证材料/来源”两列。",
        "One sheet per county (zone), named by its code. Fill in only the yellow value and evidence columns.",
        "是/否：选择“是”或“否”；比率填百分数（85表示85%）；个数填整数；酌情计分和综合评判填所得分数。",
        "Yes/no: choose 是 or 否; rates in percent (85 means 85 %); counts as whole numbers; "
        "discretionary and graded rows: the points awarded.",
        "留空表示“未评估”，不会按0分计。",
        "Leave a cell blank if the row was not assessed: it is not scored as 0.",
        "橙色行为必备条件。Orange rows are mandatory conditions (必备条件).",
    ]
    for i, line in enumerate(lines, start=1):
        _put(ws, f"A{i}", line)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    ws.protection.sheet = True


def _meta_sheet(ws: Any, rub: Rubric, year: int, codes: list[str], fields: Sequence[str] = ()) -> None:
    items = [
        ("format", TEMPLATE_FORMAT), ("format_version", FORMAT_VERSION), ("rubric", rub.name),
        ("rubric_version", rub.version), ("year", str(year)), ("header_row", str(HEADER_ROW)),
        ("id_column", _letter("id")), ("value_column", _letter("value")),
        ("evidence_column", _letter("evidence")), ("regions", ",".join(codes)),
        ("creditlab_version", __version__),
    ]
    if fields:  # older templates have no context sheet; ingest reads one only where these keys say so
        items += [("context_sheet", CONTEXT_SHEET), ("context_fields", ",".join(fields))]
    for i, (k, v) in enumerate(items, start=1):
        _put(ws, f"A{i}", k)
        _put(ws, f"B{i}", v)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _region_sheet(ws: Any, unit: Any, rub: Rubric, year: int, rows: pd.DataFrame,
                  raw_rules: dict[str, dict[str, Any]], park: bool) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    crit = rub.criteria.set_index("id")
    names = rub.level_names or {}
    cols = list(_TEMPLATE_COLUMNS)
    for n in (1, 2, 3):
        label = (names.get(f"level{n}") or {}).get("zh") or f"第{n}级"
        cols[n] = (f"level{n}", label, cols[n][2])
    kind_note = "（开发区）" if park else ""
    _put(ws, "A1", f"{unit.name}{kind_note} {year}年度 {rub.title_zh}")
    ws["A1"].font = Font(bold=True, size=13)
    _put(ws, "A2", f"区划代码 region code: {unit.code}    年度 year: {year}    "
                   f"评估标准 rubric: {rub.name} (version {rub.version})")
    _put(ws, "A3", "只填写黄色两列；留空表示未评估。Fill in the yellow columns only; blank = not assessed.")
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    for j, (_key, label, width) in enumerate(cols, start=1):
        cell = _put(ws, f"{_col(j)}{HEADER_ROW}", label)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[_col(j)].width = width

    mand_fill = PatternFill("solid", fgColor=_MANDATORY_FILL)
    input_fill = PatternFill("solid", fgColor=_INPUT_FILL)
    validations: dict[tuple[str, str, str, str], list[str]] = {}
    value_col, evidence_col = _letter("value"), _letter("evidence")
    for i, r in enumerate(rows.itertuples(), start=HEADER_ROW + 1):
        c = crit.loc[r.criterion]
        use_park = park and r.park_kind is not None and not pd.isna(r.park_kind)
        kind, mx = (r.park_kind, r.park_max) if use_park else (r.kind, r.max)
        if r.metric:
            arrow = "越高越好" if r.direction == "higher" else "越低越好"
            rule_zh, rule_en = f"监测指标（{arrow}）", f"monitoring metric ({r.direction} is better)"
        else:
            rule_zh, rule_en = rule_words(c, use_park, raw_rules.get(r.criterion, {}))
        values = {
            "id": r.id, "level1": r.level1, "level2": r.level2, "level3": r.level3, "text_zh": r.text_zh,
            "text_en": r.text_en, "rule_zh": rule_zh, "rule_en": rule_en,
            "points": None if pd.isna(r.points) else float(r.points),
            "mandatory": "必备条件" if r.mandatory else "", "value": None, "evidence": None,
            "howto": _HOWTO.get(kind, "").format(max=mx if pd.notna(mx) else 0),
        }
        for j, (key, _label, _w) in enumerate(cols, start=1):
            v = values[key]
            missing = v is None or (isinstance(v, float) and pd.isna(v))
            cell = _put(ws, f"{_col(j)}{i}", None if missing else v)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r.mandatory:
                cell.fill = mand_fill
        if r.mandatory:
            ws[f"{_letter('mandatory')}{i}"].font = Font(bold=True, color="C00000")
        for col in (value_col, evidence_col):
            cell = ws[f"{col}{i}"]
            cell.protection = Protection(locked=False)
            cell.fill = input_fill
        ws[f"{value_col}{i}"].number_format = {"count": "0", "binary": "@"}.get(kind, "General")
        ws[f"{evidence_col}{i}"].number_format = "@"  # typed text stays text
        validations.setdefault(_validation_key(kind, mx), []).append(f"{value_col}{i}")
    for (vtype, op, f1, f2), cells in validations.items():
        dv = DataValidation(type=vtype, operator=op or None, formula1=f1, formula2=f2 or None,
                            allow_blank=True, showErrorMessage=True, showInputMessage=True,
                            errorTitle="填报值无效 invalid value",
                            error=_validation_error(vtype, f1, f2))
        for ref in cells:
            dv.add(ref)
        ws.add_data_validation(dv)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.protection.sheet = True
    # Light protection, no password: people may resize and format, not edit the rubric text.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False


# The national NPL average is one national figure per year (national_npl.csv, supplied centrally), not
# something a hundred county offices should each type in: the context sheet does not ask for it.
_NATIONAL_FIELDS = ("national_npl_ratio",)
_CONTEXT_KEYS = [("region", "区划代码 region", 12), ("name", "名称 name", 20), ("year", "年度 year", 8)]
_CONTEXT_VALIDATION = {
    "bool": ("list", "", '"是,否"', ""),
    "per_10000": ("decimal", "between", "0", "10000"),
    "count": ("whole", "greaterThanOrEqual", "0", ""),
    "percent": ("decimal", "between", "0", "100"),
}
_CONTEXT_HOWTO = {
    "bool": "是/否", "per_10000": "万分之几，0–10000", "count": "个数，整数≥0", "percent": "百分数，0–100",
}


def context_fields(rubric: Rubric) -> list[str]:
    """The context fields the rubric's certification conditions check (national figures excepted),
    in :data:`CONTEXT_FIELDS` order: the columns of the template's context sheet."""
    conditions = (rubric.certification or {}).get("conditions") or []
    checks = [c for cond in conditions for c in cond["checks"]]
    needed = {c["field"] for c in checks} | {c["ref"] for c in checks if "ref" in c}
    return [f for f in CONTEXT_FIELDS if f in needed and f not in _NATIONAL_FIELDS]


def _context_labels(fields: Sequence[str]) -> list[str]:
    """Header labels of the context sheet: the keys, then each field's Chinese label and its id."""
    return [lbl for _, lbl, _ in _CONTEXT_KEYS] + [f"{FIELD_LABELS[f][0]}\n{f}" for f in fields]


def _context_sheet(ws: Any, units: pd.DataFrame, year: int, fields: Sequence[str]) -> None:
    """One row per region for the certification context; yes/no lists and ranges validated."""
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    _put(ws, "A1", f"认定条件所需情况（{year}年度） certification context for {year}")
    ws["A1"].font = Font(bold=True, size=13)
    _put(ws, "A2", "每个区县（开发区）一行，只填写黄色单元格；是/否请选择；失信主体占比填万分之几；"
                   "比率填百分数（85表示85%）；留空表示情况不明（认定结论为“无法判断”）。全国平均不良贷款率由省里统一提供，不在此填写。")
    _put(ws, "A3", "One row per county (zone); fill in the yellow cells only. Yes/no: choose 是 or 否; debtor "
                   "shares per 10,000; rates in percent. Blank means unknown. The national NPL average is "
                   "supplied centrally, not here.")
    header_fill, input_fill = PatternFill("solid", fgColor=_HEADER_FILL), PatternFill("solid", fgColor=_INPUT_FILL)
    widths = [w for _, _, w in _CONTEXT_KEYS] + [18] * len(fields)
    for j, (label, width) in enumerate(zip(_context_labels(fields), widths, strict=True), start=1):
        cell = _put(ws, f"{_col(j)}{HEADER_ROW}", label)
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[_col(j)].width = width
    first, last = HEADER_ROW + 1, HEADER_ROW + len(units)
    for i, unit in enumerate(units.itertuples(), start=first):
        for j, v in enumerate((unit.code, unit.name, year), start=1):
            _put(ws, f"{_col(j)}{i}", v)
    for j, name in enumerate(fields, start=len(_CONTEXT_KEYS) + 1):
        kind = CONTEXT_FIELDS[name]
        letter = _col(j)
        vtype, op, f1, f2 = _CONTEXT_VALIDATION[kind]
        dv = DataValidation(type=vtype, operator=op or None, formula1=f1, formula2=f2 or None, allow_blank=True,
                            showErrorMessage=True, showInputMessage=True, errorTitle="填报值无效 invalid value",
                            error=_validation_error(vtype, f1, f2), promptTitle=FIELD_LABELS[name][0][:32],
                            prompt=_CONTEXT_HOWTO[kind])
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)
        for i in range(first, last + 1):
            cell = ws[f"{letter}{i}"]
            cell.protection = Protection(locked=False)
            cell.fill = input_fill
            cell.number_format = "@" if kind == "bool" else "General"
    ws.freeze_panes = f"D{first}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False


def _read_context_sheet(path: Path, meta: dict[str, str], chunk: int
                        ) -> tuple[pd.DataFrame | None, _Chunk, list[Problem]]:
    """The context sheet of a filled template as raw strings (``region, year, <fields>, _chunk, _row``),
    rows left entirely blank dropped; ``chunk`` is the index its :class:`_Chunk` will have. Read as the
    region sheets are: sparse XML rows, cached values only, percent cells as the percent shown."""
    from openpyxl import load_workbook

    file, sheet = str(path), meta.get("context_sheet", "")
    fields = [f for f in meta.get("context_fields", "").split(",") if f]
    ch = _Chunk(file, sheet, {"region": f"A ({_CONTEXT_KEYS[0][1]})"},
                fixed={"year": (f"{META_SHEET}工作表", f"the {META_SHEET} sheet")})
    unknown = [f for f in fields if f not in CONTEXT_FIELDS]
    if sheet != CONTEXT_SHEET or unknown or not fields:
        listed = ",".join(fields)
        return None, ch, [Problem(file, META_SHEET, 0, "",
                                  f"本版本creditlab不认识认定条件工作表 {_q(sheet)}（字段 {_q(listed)}）",
                                  f"the context sheet {_q(sheet)} with fields {_q(listed)} is not one this "
                                  "version of creditlab knows")]
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet not in wb.sheetnames:
            return None, ch, [Problem(file, sheet, 0, "", "缺少认定条件工作表：请使用新模板",
                                      "the context sheet is missing; use a fresh template")]
        labels = _context_labels(fields)
        width = len(labels)
        rows = list(xml_rows(wb, wb[sheet], percent_styles(wb), range(width)))
    finally:
        wb.close()
    head = dict(next((r for i, r in rows if i == HEADER_ROW), {}))
    changed = [j for j, lbl in enumerate(labels) if head.get(j, "").strip() != lbl.strip()]
    if changed:
        j = changed[0]
        return None, ch, [Problem(file, sheet, HEADER_ROW, _col(j + 1),
                                  f"表头被改动：应为 {_q(labels[j])}，实际为 {_q(head.get(j, ''))}；请使用新模板",
                                  f"the header row was changed: expected {_q(labels[j])}, found "
                                  f"{_q(head.get(j, ''))}; use a fresh template")]
    body, _stray = _split_stray([(i, r) for i, r in rows if i > HEADER_ROW])
    cols = {"region": 0, **{f: j for j, f in enumerate(fields, start=len(_CONTEXT_KEYS))}}
    raw = pd.DataFrame({k: [r.get(j, "").strip() for _i, r in body] for k, j in cols.items()}, dtype=str)
    raw = raw.assign(year=meta.get("year", ""), _chunk=chunk, _row=np.array([i for i, _r in body], dtype=int))
    ch.columns.update({f: f"{_col(j + 1)} ({f})" for f, j in cols.items() if f != "region"})
    filled = (raw[fields] != "").any(axis=1) if len(raw) else pd.Series(dtype=bool)
    # Rows are matched to regions by the code in column A, which a person can overtype: a code that is
    # not one of this template's regions, or that no longer matches the row's name (column B), would file
    # one county's context under another (as a renamed region sheet would), so the row is left out.
    names = pd.Series([r.get(1, "").strip() for _i, r in body], dtype=str)
    expected = raw["region"].map(_region_names())
    listed = {c for c in meta.get("regions", "").split(",") if c}
    renamed = (names != "") & expected.notna() & (names != expected)
    foreign = (raw["region"] != "") & ~raw["region"].isin(listed) if listed else pd.Series(False, index=raw.index)
    wrong = filled & (renamed | foreign)
    problems = [Problem(file, sheet, int(raw.at[i, "_row"]), f"A ({_CONTEXT_KEYS[0][1]})",
                        f"区划代码“{_q(raw.at[i, 'region'])}”" + (f"与本行名称“{_q(names[i])}”不一致" if renamed[i]
                                                            else "不是本模板的区县")
                        + "：请勿改动A、B两列（该行的认定条件未读入）",
                        f"the region code {_q(raw.at[i, 'region'])} " + (
                            f"does not match the row's name {_q(names[i])}" if renamed[i]
                            else "is not one of this template's regions")
                        + ": do not change columns A and B (the row's context was not read)",
                        region=_who(raw.at[i, "region"])[0])
                for i in raw.index[wrong]]
    return raw[filled & ~wrong].reset_index(drop=True), ch, problems


def _validation_error(vtype: str, f1: str, f2: str) -> str:
    if vtype == "list":
        return "请选择“是”或“否”。Choose 是 (yes) or 否 (no)."
    if vtype == "whole":
        return "请填写不小于0的整数。Enter a whole number ≥ 0."
    return f"请填写{f1}到{f2}之间的数。Enter a number from {f1} to {f2}."


def _col(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)
