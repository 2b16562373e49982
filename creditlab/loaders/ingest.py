"""Ingesting a folder of filled templates and CSV files (:func:`ingest`): what goes in, the outputs and the
problems file, and the ``creditlab template`` / ``creditlab ingest`` command glue."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import safecells
from ..core.atomic import check_out
from ..core.errors import DataError
from ..core.fields import CONTEXT_FIELDS
from ..core.problems import Problem, Problems, default_lang
from ..core.years import year_problem
from .context import _validate_context
from .formats import COLUMNS, META_SHEET, REQUIRED, _Chunk
from .indicators import _DATA_ALIASES, DATA_COLUMNS, _meta_problems, _read_files
from .regions import in_city, province_code
from .rubric import Rubric
from .template import _read_context_sheet, write_template
from .validate import _as_rubric, _duplicates, _public, _strip, _validate
from .zones import _known_regions, _region_names, jurisdiction_units, park_codes, province_problem

# ---------------------------------------------------------------------------------------------
# Ingest a folder

DATA_SUFFIXES = (".xlsx", ".xlsm", ".csv")  # .xlsm: read like .xlsx (cell values only; macros never run)
# Spreadsheet formats a county may send back that creditlab cannot read: each is named ("save as .xlsx")
# and makes the run incomplete, never skipped in silence.
FOREIGN_SUFFIXES = (".xls", ".xlsb", ".xlt", ".xltx", ".xltm", ".et", ".ett", ".ods", ".numbers", ".wps")
OUT_SUFFIXES = (".csv", ".xlsx")
# Exit codes of ``creditlab ingest`` (and ``template``): 0 all went in; 1 problems in the data (the
# valid part and a problems file were written, the previous complete output is untouched); 2 the
# command itself cannot run (bad --out, no such folder, unknown rubric, year out of range).
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
_UNIT = ["_chunk", "region"]  # what is accepted or left out as a whole: one region in one sheet (or CSV)
_SHOWN = 10  # problems printed per file (all of them go to the problems file)


def output_paths(out: str | Path) -> dict[str, Path]:
    """Every file an ingest to ``out`` may write: the complete data and context, or, when there were
    problems, the ``.partial`` versions beside them, and the ``.problems.csv`` list."""
    out = Path(out)
    stem, ext = out.stem, out.suffix
    return {"data": out, "context": out.with_name(f"{stem}.context{ext}"),
            "partial": out.with_name(f"{stem}.partial{ext}"),
            "context_partial": out.with_name(f"{stem}.context.partial{ext}"),
            "problems": out.with_name(f"{stem}.problems.csv")}


@dataclass
class IngestResult:
    """What :func:`ingest` did: the data that went in and every problem.

    ``files_read``: files that went in completely; ``files_rejected``: files with a problem (left out
    wholly or in part: a sheet or a region with a problem is left out, the file's other sheets go in)
    and the problems; ``out``: the data file written (``x.partial.csv`` when ``partial``); ``units``:
    per file, sheet and region the rows found and whether they went in.
    """

    data: pd.DataFrame
    files_read: list[Path]
    files_rejected: dict[Path, list[str]]
    out: Path | None
    partial: bool = False
    problems_file: Path | None = None
    context: pd.DataFrame | None = None
    context_out: Path | None = None
    units: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["file", "sheet", "region",
                                                                              "rows", "accepted"]))
    problems: Problems = field(default_factory=Problems)

    @property
    def ok(self) -> bool:
        """True when everything went in (and there was at least one file)."""
        return bool(self.files_read) and not self.problems

    @property
    def rows(self) -> int:
        return len(self.data)

    @property
    def filled(self) -> int:
        """Rows that carry a value; the others were left blank (not assessed, never 0)."""
        if "value" not in self.data or not len(self.data):
            return 0
        return int(self.data["value"].notna().sum())  # validated: a number, or NaN where left blank

    @property
    def files_partial(self) -> list[Path]:
        """Files with a problem of which some sheets or regions went in (the rest was left out)."""
        went = {Path(f) for f in self.units.loc[self.units["accepted"].astype(bool), "file"]}
        return [p for p in self.files_rejected if p in went]

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_PROBLEMS

    def summary(self, lang: str | None = None, details: bool = True) -> str:
        """What was read and written, per file; with ``details`` the problems of each file with one (the
        command leaves them out: :meth:`message` lists them on stderr, each problem said once)."""
        lang = lang or default_lang()
        zh = lang == "zh"
        n_ctx = 0 if self.context is None else len(self.context)
        partial = set(self.files_partial)
        n_files = len(self.files_read) + len(self.files_rejected)
        n_out = len(self.files_rejected) - len(partial)
        blank = self.rows - self.filled
        lines = [f"文件 {n_files} 个：完整读入 {len(self.files_read)} 个，部分读入 {len(partial)} 个，"
                 f"未读入 {n_out} 个；数据 {self.rows} 行（有填报值 {self.filled} 行，留空即未评估 {blank} 行）；"
                 f"认定条件 {n_ctx} 行" if zh else
                 f"files: {n_files} ({len(self.files_read)} read completely, {len(partial)} in part, {n_out} left "
                 f"out); rows: {self.rows} ({self.filled} with a value, {blank} left blank: not assessed); "
                 f"context rows: {n_ctx}"]
        lines += [f"  已读取 {p.name}" if zh else f"  read: {p.name}" for p in self.files_read]
        for p, probs in self.files_rejected.items():
            if p in partial:
                lines.append(f"  部分读入 {p.name}：{len(probs)} 个问题（有问题的工作表或区县未读入）" if zh
                             else f"  PARTLY READ {p.name}: {len(probs)} problem(s) (those sheets or regions left out)")
            else:
                lines.append(f"  未读入 {p.name}：{len(probs)} 个问题" if zh
                             else f"  REJECTED {p.name}: {len(probs)} problem(s)")
            if not details:
                continue
            lines += [f"    - {m}" for m in probs[:_SHOWN]]
            if len(probs) > _SHOWN:
                more = len(probs) - _SHOWN
                lines.append(f"    ……另有 {more} 个问题（见问题清单）" if zh else f"    ... and {more} more")
        lines += [f"  提示：{w}" if zh else f"  note: {w}" for w in self.problems.lines(lang, severity="warning")]
        if self.out is not None and not n_ctx:
            lines.append("没有认定条件行：未写出认定条件文件" if zh else "no context rows: no context file written")
        lines.append(self._written(lang))
        return "\n".join(lines)

    def _written(self, lang: str) -> str:
        zh = lang == "zh"
        written = [p for p in (self.out, self.context_out, self.problems_file) if p is not None]
        if not written:
            return "未写出任何文件" if zh else "nothing written"
        return ("已写出：" if zh else "written: ") + ", ".join(map(str, written))

    def message(self, lang: str | None = None, limit: int = 20) -> str:
        """The short account for stderr when something was left out (empty when all went in)."""
        if self.ok:
            return ""
        lang = lang or default_lang()
        n = self.problems.count()
        if lang == "zh":
            head = [f"creditlab：发现 {n} 个问题，数据不完整，完整结果文件未更新。"]
            if self.out is not None:
                head.append(f"可用部分已写入 {self.out}。")
            if self.problems_file is not None:
                head.append(f"问题清单：{self.problems_file}（请转交相关区县修改后重新提交）。")
        else:
            head = [f"creditlab: {n} problem(s); the data is incomplete and the complete output was not updated."]
            if self.out is not None:
                head.append(f"The valid part was written to {self.out}.")
            if self.problems_file is not None:
                head.append(f"Problems listed in {self.problems_file}.")
        sep = "" if lang == "zh" else " "
        return "\n".join([sep.join(head), *(f"- {x}" for x in self.problems.lines(lang, limit=limit))])


def scan_folder(folder: str | Path, exclude: Iterable[str | Path] = (), lang: str | None = None
                ) -> tuple[list[Path], Problems]:
    """The data files of ``folder`` (``.xlsx``, ``.xlsm``, ``.csv``), sorted, and a note on everything
    else: other spreadsheet formats and sub-folders holding spreadsheets are errors (not read, so the
    run is incomplete); lock files, other files and empty sub-folders are warnings. Hidden files and
    ``exclude`` (creditlab's own outputs) are passed over."""
    lang = lang or default_lang()
    skip = {Path(p).resolve() for p in exclude}
    notes = Problems(what=str(folder), lang=lang)
    files = []
    for p in sorted(Path(folder).iterdir()):
        if p.name.startswith(".") or p.resolve() in skip:
            continue
        suffix = p.suffix.lower()
        if p.is_dir():
            inner = sorted(q for q in p.rglob("*") if q.suffix.lower() in DATA_SUFFIXES + FOREIGN_SUFFIXES
                           and not q.name.startswith(("~$", ".")) and q.is_file())
            if inner:
                notes.add(f"子文件夹中的 {len(inner)} 个表格文件（如 {inner[0].relative_to(p)}）不会被读取："
                          f"请把要汇总的文件直接放在 {folder} 中",
                          f"a sub-folder: its {len(inner)} spreadsheet(s) (e.g. {inner[0].relative_to(p)}) are "
                          f"not read; put the files to consolidate directly in {folder}", file=str(p))
            else:
                notes.warn("子文件夹，已跳过（其中没有表格文件）", "a sub-folder without spreadsheets: skipped",
                           file=str(p))
        elif p.name.startswith("~$"):
            notes.warn("Excel/WPS 的临时锁定文件（原文件可能仍在打开），已跳过",
                       "an Excel/WPS lock file (the workbook may still be open): skipped", file=str(p))
        elif not p.is_file():
            notes.warn("不是普通文件，已跳过", "not a regular file: skipped", file=str(p))
        elif suffix in DATA_SUFFIXES:
            files.append(p)
        elif suffix in FOREIGN_SUFFIXES:
            notes.add(f"无法读取 {suffix} 格式的文件：请用 Excel 或 WPS 打开后“另存为” .xlsx 格式，再放回此文件夹",
                      f"cannot read {suffix} files: open it in Excel or WPS, save it as .xlsx and put that "
                      "in the folder instead", file=str(p))
        else:
            notes.warn("不是数据文件（只读取 .xlsx、.xlsm 和 .csv），已跳过",
                       "not a data file (only .xlsx, .xlsm and .csv are read): skipped", file=str(p))
    return files, notes


def input_files(folder: str | Path, exclude: Iterable[str | Path] = ()) -> list[Path]:
    """The data files of ``folder`` (*.xlsx, *.xlsm, *.csv; not sub-folders), sorted; see :func:`scan_folder`."""
    return scan_folder(folder, exclude)[0]


def ingest(folder: str | Path, rubric: Rubric | str, out: str | Path | None, *,
           lang: str | None = None) -> IngestResult:
    """Read every workbook and CSV in ``folder`` into one dataset (and the templates' certification
    context into a context file); inputs are only read, outputs written atomically.

    What goes in or stays out is one region in one sheet (or CSV): a problem there leaves that region's
    rows of that sheet out, and the other sheets of the same workbook still go in. A duplicate of a row
    in another file leaves both regions' sheets out (neither can be trusted); a file that cannot be
    read, or a template for another rubric, is left out whole.

    With no problem at all, ``out`` (``.csv`` or ``.xlsx``) is written, ``<out>.context.<ext>`` too when
    there are context rows (else an earlier one is removed), and stale ``.partial``/``.problems`` files of
    an earlier run removed. With any problem, ``out`` is
    left untouched (the last complete output stays as it was); the valid part goes to
    ``<out>.partial.<ext>`` (and ``<out>.context.partial.<ext>``) and every problem, one per line, to
    ``<out>.problems.csv`` (UTF-8 with BOM: 文件, 工作表, 行, 列, 县（市、区）, 问题, 类型).
    """
    lang = lang or default_lang()
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}：不是文件夹（或不存在）" if lang == "zh" else f"{folder}: not a folder")
    paths = output_paths(check_out(out, OUT_SUFFIXES, lang=lang, create_parents=True)) if out is not None else {}
    rub = _as_rubric(rubric)
    files, issues = scan_folder(folder, exclude=paths.values(), lang=lang)
    known, parks, names = _known_regions(None), park_codes(), _region_names()
    chunks: list[_Chunk] = []
    kept, ctx_raw, found = [], [], []
    for path in files:
        frame, ctx, seen = _ingest_file(path, rub, known, parks, names, chunks, issues)
        kept.append(frame)
        found.append(seen)
        if ctx is not None:
            ctx_raw.append(ctx)
    if not files and not issues:
        issues.add(f"文件夹中没有可读取的数据文件（{'、'.join(DATA_SUFFIXES)}）",
                   f"no data files ({', '.join(DATA_SUFFIXES)}) in the folder", file=str(folder))
    allrows = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=[*COLUMNS, "_chunk", "_row"])
    allrows = _drop_duplicated_units(allrows, chunks, names, issues)
    context = _ingest_context(ctx_raw, chunks, known, names, issues)
    units = _unit_table(found, allrows, chunks)
    data = _public(allrows) if len(allrows) else _public(pd.DataFrame(columns=COLUMNS))
    result = IngestResult(data, [], {}, None, context=context, units=units, problems=issues)
    bad_files = {Path(p.file) for p in issues.errors if p.file}
    result.files_read = [p for p in files if p not in bad_files]
    result.files_rejected = {p: [x.text(lang) for x in issues.errors if Path(x.file) == p]
                             for p in sorted(bad_files)}
    if paths:
        _write_outputs(result, paths, lang)
    return result


def _region_label(code: str, names: dict[str, str]) -> str:
    return f"{names[code]}（{code}）" if code in names else code


def _issue(p: Problem, region: str = "") -> Problem:
    """A reader's problem with the region it concerns (for the problems file's county column)."""
    return p if p.region or not region else dataclasses.replace(p, region=region)


def _with_regions(problems: list[Any], rows: pd.DataFrame, chunks: list[_Chunk], names: dict[str, str]
                  ) -> list[Problem]:
    """Problems about some of ``rows`` (duplicates, a value's warning), each with the region of the row it
    names; only the rows the problems name are looked at (a warning about one row of a 50 MB file)."""
    if not problems:
        return []
    rows = rows[rows["_row"].isin({p.row for p in problems})]
    region_at = {(chunks[c].file, chunks[c].sheet, int(r)): g
                 for c, r, g in rows[["_chunk", "_row", "region"]].itertuples(index=False)}
    return [_issue(p, _region_label(region_at.get((p.file, p.sheet, p.row), ""), names)) for p in problems]


def _ingest_file(path: Path, rub: Rubric, known: set[str], parks: set[str], names: dict[str, str],
                 chunks: list[_Chunk], issues: Problems) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    """One file: its valid regions' rows (with ``_chunk``), its context rows, and every unit found."""
    raw, fchunks, probs, metas = _read_files([path], REQUIRED, _DATA_ALIASES, DATA_COLUMNS)
    base = len(chunks)
    chunks += fchunks
    raw = raw.assign(_chunk=raw["_chunk"] + base)
    meta = metas.get(str(path), {})
    probs = probs + (_meta_problems(str(path), meta, rub) if meta else [])
    # Warnings (values normalised, a sheet left empty: 未填报, stray cells) are said, and leave nothing out.
    # (未填报 carries its bare code, for attrs["not_reported"]: the problems file names the county.)
    issues.extend(dataclasses.replace(p, region=_region_label(p.region, names)) if p.region in names
                  else _issue(p, _region_label(p.sheet, names) if p.sheet in names else "")
                  for p in probs if p.severity != "error")
    probs = [p for p in probs if p.severity == "error"]
    empty = raw.iloc[:0].assign(region="")
    seen = raw.assign(region=_strip(raw, "region"))[_UNIT] if len(raw) else pd.DataFrame(columns=_UNIT)
    if any(p.sheet in ("", META_SHEET) for p in probs):  # unreadable, another rubric's template: all out
        issues.extend(_issue(p) for p in probs)
        return empty, None, seen
    bad_sheets = {p.sheet for p in probs}
    issues.extend(_issue(p, _region_label(p.sheet, names) if p.sheet in names else "") for p in probs)
    sheet_of = pd.Series([c.sheet for c in chunks])
    raw = raw[~raw["_chunk"].map(sheet_of).isin(bad_sheets)] if len(raw) else raw
    ctx = None
    if meta.get("context_sheet"):
        ctx, cchunk, cprobs = _read_context_sheet(path, meta, len(chunks))
        chunks.append(cchunk)
        issues.extend(_issue(p) for p in cprobs)
    if raw.empty:
        return empty, ctx, seen
    frame, found = _validate(raw, chunks, rub, known, parks)
    region = _strip(raw, "region")
    located = raw[["_chunk", "_row"]].assign(region=region)  # for the county column of the problems file
    issues.extend(_with_regions([p for p in found if p.severity != "error"], located, chunks, names))
    vprobs = _errors(found)
    if not vprobs:
        return frame, ctx, seen
    del frame
    # The units (region of a sheet) holding a row an error is about go, the rest is validated once more.
    if getattr(found, "bad", None):
        chunk = raw["_chunk"].to_numpy(np.int64)
        gid = pd.factorize(region)[0].astype(np.int64) * (int(chunk.max()) + 1) + chunk
        keep = ~np.isin(gid, np.unique(gid[np.concatenate(found.bad)]))
        del gid, chunk
        part, rprobs = _validate(raw[keep], chunks, rub, known, parks) if keep.any() else (empty, [])
        if not _errors(rprobs):
            issues.extend(_with_regions(vprobs, located, chunks, names))
            return part, ctx, seen
    # Otherwise (not expected): the units the problems point at are validated one by one so that only
    # those go; the rest is validated again as a whole, and if the problems did not point at every bad
    # row (a problem listing only its first rows), every unit is validated on its own.
    groups = raw.groupby([raw["_chunk"], region], sort=False).indices
    where = raw["_chunk"].map(lambda c: (chunks[c].file, chunks[c].sheet))
    unit_of_row = {(w, int(r)): (c, g) for w, r, c, g in zip(where, raw["_row"], raw["_chunk"], region, strict=True)}
    suspect = {unit_of_row.get(((p.file, p.sheet), int(r)))
               for p in vprobs for r in (*getattr(p, "rows", ()), p.row)}
    rest = np.concatenate([pos for key, pos in groups.items() if key not in suspect] or [np.array([], int)])
    parts = []
    if len(rest):
        part, rprobs = _validate(raw.iloc[rest], chunks, rub, known, parks)
        if _errors(rprobs):
            suspect = set(groups)
        else:
            parts.append(part)
    for key, pos in groups.items():
        if key not in suspect:
            continue
        part, pprobs = _validate(raw.iloc[pos], chunks, rub, known, parks)
        pprobs = _errors(pprobs)
        if pprobs:
            issues.extend(_issue(p, _region_label(key[1], names)) for p in pprobs)
        else:
            parts.append(part)
    return (pd.concat(parts) if parts else empty), ctx, seen


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _drop_duplicated_units(allrows: pd.DataFrame, chunks: list[_Chunk], names: dict[str, str],
                           issues: Problems) -> pd.DataFrame:
    """Rows given twice (across files or sheets) leave out every unit holding one of them."""
    keys = ["region", "year", "criterion"]
    allrows = allrows.reset_index(drop=True)
    dup = allrows.duplicated(keys, keep=False) if len(allrows) else pd.Series(False, index=allrows.index)
    if not dup.any():
        return allrows
    issues.extend(_with_regions(_duplicates(allrows, chunks), allrows[dup], chunks, names))
    bad = allrows.loc[dup, _UNIT].drop_duplicates().assign(_bad=True)
    flagged = allrows[_UNIT].merge(bad, on=_UNIT, how="left")["_bad"].fillna(False).to_numpy(bool)
    return allrows[~flagged].reset_index(drop=True)


def _ingest_context(ctx_raw: list[pd.DataFrame], chunks: list[_Chunk], known: set[str],
                    names: dict[str, str], issues: Problems) -> pd.DataFrame | None:
    """The templates' context rows, validated as :func:`load_context` does; a wrong or duplicated row
    is left out (that region's context is then unknown) and reported."""
    if not ctx_raw:
        return None
    raw = pd.concat(ctx_raw, ignore_index=True)
    frame, probs = _validate_context(raw, chunks, known)
    issues.extend(_with_regions([p for p in probs if p.severity != "error"], raw.assign(region=_strip(raw, "region")),
                                chunks, names))
    if _errors(probs):  # find the rows at fault: only here, one row at a time
        good = np.ones(len(raw), dtype=bool)
        for i in range(len(raw)):
            _f, rprobs = _validate_context(raw.iloc[[i]], chunks, known)
            rprobs = _errors(rprobs)
            if rprobs:
                good[i] = False
                issues.extend(_issue(p, _region_label(raw.at[i, "region"], names)) for p in rprobs)
        frame = frame[good]
    frame = frame.reset_index(drop=True)
    dup = frame.duplicated(["region", "year"], keep=False)
    if dup.any():
        issues.extend(_with_regions(_duplicates(frame, chunks, ["region", "year"]), frame[dup], chunks, names))
        frame = frame[~dup]
    fields = [f for f in CONTEXT_FIELDS if any(f in chunks[c].columns for c in raw["_chunk"].unique())]
    return frame[["region", "year", *fields]].sort_values(["region", "year"]).reset_index(drop=True)


def _unit_table(found: list[pd.DataFrame], allrows: pd.DataFrame, chunks: list[_Chunk]) -> pd.DataFrame:
    """Per file, sheet and region: the rows found and whether they went in."""
    seen = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=_UNIT)
    seen = seen.assign(region=seen["region"].astype(str).str.replace(r"^(\d{6})\.0+$", r"\1", regex=True))
    counts = seen.groupby(_UNIT, sort=False).size().rename("rows").reset_index()
    went = allrows[_UNIT].astype({"region": str}).drop_duplicates().assign(accepted=True)
    out = counts.merge(went, on=_UNIT, how="left")
    out["accepted"] = out["accepted"].fillna(False).astype(bool)
    out.insert(0, "file", out["_chunk"].map(lambda c: chunks[c].file))
    out.insert(1, "sheet", out["_chunk"].map(lambda c: chunks[c].sheet))
    return out.drop(columns="_chunk")


def _context_table(context: pd.DataFrame) -> pd.DataFrame:
    """Context as :func:`load_context` reads it: yes/no as 是/否, unknown as a blank cell."""
    out = context.copy()
    for name in out.columns:
        if CONTEXT_FIELDS.get(name) == "bool":
            out[name] = out[name].map({True: "是", False: "否"}).astype(object).where(out[name].notna(), "")
    return out


def _write_outputs(result: IngestResult, paths: dict[str, Path], lang: str) -> None:
    """Complete run: the data and context files, stale partial files removed. Otherwise: never touch
    the complete files; the valid part and the problems file beside them."""
    ctx = result.context
    if not result.problems:
        result.out = _write_data(result.data, paths["data"])
        # The context file is written only when there are context rows: an analyst passes it on to
        # ``--context``, and a file without rows would not load there (load_context: 表头下面没有数据行).
        # An earlier run's context file is removed instead: beside new data it would pass off old
        # certification conditions as this data's; without it the conditions read 未评估 (no context).
        if ctx is not None and len(ctx):
            result.context_out = safecells.write_table(_context_table(ctx), paths["context"], sheet="context")
        else:
            paths["context"].unlink(missing_ok=True)
        for key in ("partial", "context_partial", "problems"):
            paths[key].unlink(missing_ok=True)
        return
    result.partial = True
    for key, frame, writer in (("partial", result.data, _write_data),
                               ("context_partial", ctx, lambda f, p: safecells.write_table(
                                   _context_table(f), p, sheet="context"))):
        if frame is not None and len(frame):
            written = writer(frame, paths[key])
            if key == "partial":
                result.out = written
            else:
                result.context_out = written
        else:
            paths[key].unlink(missing_ok=True)  # an earlier run's partial file would mislead
    result.problems_file = write_problems(result.problems, paths["problems"], lang)


PROBLEM_COLUMNS = {"zh": ["文件", "工作表", "行", "列", "县（市、区）", "问题", "类型"],
                   "en": ["file", "sheet", "row", "column", "county", "problem", "type"]}


def write_problems(problems: Problems, path: str | Path, lang: str | None = None) -> Path:
    """Every problem (errors first, then warnings) one per row, as a CSV a county office opens in
    Excel, WPS or Notepad (UTF-8 with BOM); cell text is formula-safe."""
    lang = lang or default_lang()
    zh = lang == "zh"
    items = sorted(problems.items, key=lambda p: (p.severity != "error", p.file, p.sheet, p.row))

    def rows_text(p: Problem) -> str:
        if len(p.rows) > 1:
            more = p.count > len(p.rows)
            return ("、" if zh else ", ").join(map(str, p.rows)) + (f" 等共{p.count}行" if zh and more else
                                                                      f" … ({p.count})" if more else "")
        return str(p.row) if p.row else ""

    table = pd.DataFrame([[Path(p.file).name if p.file else "", p.sheet, rows_text(p), p.column, p.region,
                           p.message if zh or not p.message_en else p.message_en,
                           ("错误" if zh else "error") if p.severity == "error" else ("提示" if zh else "note")]
                          for p in items], columns=PROBLEM_COLUMNS["zh" if zh else "en"], dtype=object)
    return safecells.write_csv(table, path, bom=True)


def _write_data(data: pd.DataFrame, path: Path) -> Path:
    return write_csv(data, path)


def write_csv(data: pd.DataFrame, out: str | Path) -> Path:
    """Write long-format data as UTF-8 CSV, atomically; a blank value stays blank (not assessed), and
    evidence a spreadsheet would take for a formula gets a leading apostrophe (:mod:`creditlab.safecells`).
    A path ending in ``.xlsx`` gets a real workbook (sheet ``data``), never CSV text under that name."""
    return safecells.write_table(data[COLUMNS], out, sheet="data")


# ---------------------------------------------------------------------------------------------
# Command line


def _cli_lang(args: argparse.Namespace) -> str:
    return getattr(args, "lang", None) or default_lang()


def _select_regions(args: argparse.Namespace) -> pd.DataFrame:
    """The units a template is for: ``--region`` codes, ``--city``, ``--province`` (name or code), or by
    default every unit of the rubric's jurisdiction."""
    units = jurisdiction_units(_as_rubric(args.rubric).jurisdiction)
    zh = _cli_lang(args) == "zh"
    if args.region:
        return pd.DataFrame({"code": list(args.region)})
    if args.city:
        city = args.city.strip()
        sel = units[in_city(units, city)]
        if sel.empty:
            raise DataError(f"找不到城市 {city!r} 的区县" if zh else f"no counties found for city {city!r}")
        return sel
    province = getattr(args, "province", None)
    if province:
        outside = province_problem(province, _as_rubric(args.rubric).jurisdiction, args.rubric)
        if outside is not None:
            raise DataError(outside[0] if zh else outside[1])
        return units[units["city_code"].astype(str).str[:2] == province_code(province)[:2]]
    return units


def cli_template(args: argparse.Namespace) -> int:
    """``creditlab template``: write a fill-in workbook; returns the exit code."""
    lang = _cli_lang(args)
    bad_year = year_problem(args.year, lang)
    if bad_year:
        raise DataError(bad_year)
    out = check_out(args.out, (".xlsx",), lang=lang)
    units = _select_regions(args)
    codes = list(units["code"])
    path = write_template(args.rubric, codes, args.year, out, lang=lang)
    print(f"已写出 {path}：{len(codes)} 个区县工作表，评估标准 {args.rubric}，{args.year} 年度" if lang == "zh"
          else f"wrote {path}: {len(codes)} region sheet(s), rubric {args.rubric}, year {args.year}")
    return EXIT_OK


def cli_ingest(args: argparse.Namespace) -> int:
    """``creditlab ingest``: consolidate a folder; exit 1 (and a short account on stderr) if anything
    was left out, 2 if the command cannot run."""
    lang = _cli_lang(args)
    out = check_out(args.out, OUT_SUFFIXES, lang=lang)
    result = ingest(args.folder, args.rubric, out, lang=lang)
    # The problems go to stderr (:meth:`IngestResult.message`); the summary names each file and its count only,
    # so that no problem is said twice on a terminal.
    print(result.summary(lang, details=False))
    if not result.ok:
        print(result.message(lang), file=sys.stderr)
    return result.exit_code
