"""The county report's inputs: notebook parameters (:class:`Params`, :func:`check_params`), the input files
(:class:`Inputs`, :func:`resolve_inputs`, :func:`rubric_path`) and their fingerprints (:func:`inputs_key`).

Nothing here computes or shows a result: :mod:`creditlab.views.report` evaluates the inputs and builds the
report (and re-exports every name defined here, as before the split).
"""
from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import __version__
from ..core.errors import CreditlabError, DataError, NotebookError, RubricError
from ..core.i18n import check_lang, tr
from ..core.notebook import ParameterError, check_parameters
from ..core.paths import PROJECT_ROOT, data_dir
from ..core.yamlio import load_yaml
from ..core.years import year_problem
from ..loaders.data import zones_path
from ..loaders.indicators import data_years
from ..loaders.regions import REGION_ID, regions_path
from ..loaders.rubric import Rubric, list_rubrics, load_rubric, rubric_file

NOTEBOOK = PROJECT_ROOT / "parameterised" / "county_evaluation.ipynb"
SCOPES = ("province", "city")
RESULTS_SCHEMA = "creditlab.county-report/1"
NOTEBOOK_NAMES = frozenset({"rep"})
PARAMETER_SPEC: dict[str, type | tuple[type, ...]] = {
    "region": (str, int), "year": int, "rubric": str, "data": (str, list), "context": (str, list),
    "scope": str, "language": str, "output": str, "cache": str,
}


class ReportError(NotebookError):
    """A report cannot be made for these parameters (unknown region, year, rubric, missing file)."""


# ---------------------------------------------------------------------------------------------
# Inputs and their fingerprints


@dataclass(frozen=True)
class Inputs:
    """The files a report is computed from (absolute paths)."""

    rubric: Path
    data: tuple[Path, ...]
    context: tuple[Path, ...]

    def files(self) -> list[tuple[str, Path]]:
        """(role, path) of every file the results depend on, in a fixed order."""
        out = [("rubric", self.rubric), *(("data", p) for p in self.data),
               *(("context", p) for p in self.context), ("regions", regions_path())]
        if zones_path().is_file():
            out.append(("zones", zones_path()))
        return out


def demo_dir() -> Path:
    """The bundled synthetic demo data: ``<data>/demo``."""
    return data_dir() / "demo"


def demo_inputs(rubric: str) -> tuple[list[Path], list[Path]]:
    """The demo data and context files of a rubric (by name), on its own jurisdiction: ``demo_inputs`` in
    ``<data>/demo/metadata.yaml``; a rubric not listed there: ``<rubric>_indicators.csv``, no context."""
    meta = demo_dir() / "metadata.yaml"
    doc = load_yaml(meta, DataError) if meta.is_file() else None
    entry = (doc.get("demo_inputs") or {}).get(rubric) if isinstance(doc, dict) else None
    if not isinstance(entry, dict):
        return [demo_dir() / f"{rubric}_indicators.csv"], []
    return ([demo_dir() / Path(str(f)).name for f in entry.get("data") or []],
            [demo_dir() / Path(str(f)).name for f in entry.get("context") or []])


def rubric_path(rubric: str | Path, lang: str = "en") -> Path:
    """The YAML file of a rubric given by name or path (the loaders' one rule, :func:`rubric_file`);
    :class:`ReportError` if unknown (message in ``lang``: English for the notebook's parameter check, the
    command's language from ``creditlab reports``)."""
    text = str(rubric).strip()
    try:
        path = rubric_file(Path(text).expanduser() if text.endswith((".yaml", ".yml")) else text, lang)
    except RubricError:
        raise ReportError(tr(f"未知的评估标准 {text!r}；可用：{'、'.join(list_rubrics())}",
                             f"unknown rubric {text!r}; known rubrics: {', '.join(list_rubrics())}", lang)) from None
    if not path.is_file():  # a path is returned as given: its file may be missing
        raise ReportError(tr(f"找不到评估标准文件 {text!r}", f"rubric file {text!r} not found", lang))
    return path.resolve()


def resolve_inputs(rubric: str | Path, data: str | Path | Sequence[str | Path] = "",
                   context: str | Path | Sequence[str | Path] = "", lang: str = "en") -> Inputs:
    """Absolute input paths; no ``data`` means the bundled demo data (and, only then, the demo context).

    Real and synthetic never mix: with ``data`` given and no ``context``, there is no context, and
    the certification conditions that need it are not assessed.
    """
    rpath = rubric_path(rubric, lang)
    data_paths = _paths(data)
    ctx_paths = _paths(context)
    if not data_paths:
        demo_data, demo_context = demo_inputs(rpath.stem)
        data_paths = demo_data
        if not ctx_paths:
            ctx_paths = [p for p in demo_context if p.is_file()]
    for role, role_zh, paths in (("data", "指标数据", data_paths), ("context", "认定条件数据", ctx_paths)):
        for p in paths:
            if not p.is_file():
                raise ReportError(tr(f"找不到{role_zh}文件 {str(p)!r}", f"{role} file {str(p)!r} not found", lang))
    return Inputs(rpath, tuple(p.resolve() for p in data_paths), tuple(p.resolve() for p in ctx_paths))


def rubric_year_problem(rubric: Rubric, year: int, lang: str) -> str | None:
    """``None`` if ``rubric`` is used for ``year``, else the sentence naming its years."""
    if rubric.uses_year(year):
        return None
    span = f"{rubric.years[0]}–{rubric.years[1] or ''}"
    return tr(f"评估标准{rubric.name}不适用于{year}年（适用年份{span}）",
              f"rubric {rubric.name} is not used for {year} (years {span})", lang)


def no_data_problem(year: int, have: Sequence[int], lang: str) -> str | None:
    """``None`` if ``year`` is among the years with data ``have``, else the sentence naming them: the one wording
    of ``creditlab reports``, ``summary`` and ``sensitivity``."""
    if year in have:
        return None
    listed = ("、" if lang == "zh" else ", ").join(map(str, have))
    return tr(f"{year}年没有任何县（市、区）的指标数据；有数据的年份：{listed or '无'}",
              f"no indicator data for {year}; years with data: {listed or 'none'}", lang)


def check_year(year: int | None, inputs: Inputs, lang: str, regions: Iterable[str] | None = None
               ) -> tuple[int | None, list[str]]:
    """The year to evaluate — ``year``, or when ``None`` the latest with data — and every problem with it, in
    ``lang``: outside creditlab's years, outside the rubric's, or no county's data in it. Cheap (the data files'
    years only: :func:`creditlab.loaders.indicators.data_years`, nothing validated or scored), so that a command
    refuses it before a kernel starts; the year it returns is the one the notebook evaluates and the output is
    named by. ``regions``: the units analysed (a city's), whose data alone count."""
    if year is not None:
        bad = year_problem(year, lang) or rubric_year_problem(load_rubric(inputs.rubric), year, lang)
        if bad:  # no data can be valid for such a year: one problem, not two
            return year, [bad]
    try:
        have = data_years(inputs.data, lang, regions)
    except CreditlabError as exc:  # a file that cannot be read: its problems, one line each
        return year, [str(line) for line in getattr(exc, "problems", None) or [str(exc)]]
    if year is None:
        if not have:
            return None, [tr("指标数据中没有任何年份的填报值", "the indicator data hold no value for any year", lang)]
        return have[-1], []
    bad = no_data_problem(year, have, lang)
    return year, [bad] if bad else []


def _paths(value: str | Path | Sequence[str | Path]) -> list[Path]:
    if isinstance(value, str | Path):
        value = [value] if str(value).strip() else []
    return [Path(str(v).strip()).expanduser() for v in value if str(v).strip()]


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def code_digest() -> str:
    """SHA-256 over every ``.py`` under ``creditlab/`` and the county-report notebook: results depend on the
    code, not only the version, and a module forgotten in a hand-made list would serve stale reports."""
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parents[1]
    for p in (*sorted(package.rglob("*.py")), PROJECT_ROOT / "parameterised" / "county_evaluation.ipynb"):
        if "__pycache__" in p.parts:
            continue
        name = p.relative_to(PROJECT_ROOT).as_posix()
        h.update(name.encode() + b"\0" + (p.read_bytes() if p.is_file() else b"") + b"\0")
    return h.hexdigest()


def inputs_key(inputs: Inputs) -> str:
    """Fingerprint of everything an :class:`Evaluation` depends on: files (names and bytes) and code."""
    h = hashlib.sha256(code_digest().encode())
    for role, path in inputs.files():
        h.update(f"{role}\0{path.name}\0{sha256_file(path)}\0".encode())
    return h.hexdigest()


def display_path(path: Path) -> str:
    """A path for reports: relative to the project if inside it, else the file name only."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.name


# ---------------------------------------------------------------------------------------------
# Notebook parameters


@dataclass(frozen=True)
class Params:
    """Validated notebook parameters."""

    region: str
    year: int
    rubric: str
    scope: str
    lang: str
    output: Path
    cache: str
    inputs: Inputs


def check_region_code(code: Any, lang: str = "en") -> str:
    """``code`` if it is a 6-digit region code or a ``KF`` zone id, else :class:`ReportError` (in ``lang``).

    Only checked codes ever become file names.
    """
    text = str(code).strip()
    if not isinstance(code, str) or not REGION_ID.fullmatch(text):
        raise ReportError(tr(f"区划代码应为6位数字或开发区代码（KF加6位数字），实际为 {code!r}",
                             f"region must be a 6-digit code or a zone id KF + 6 digits, got {code!r}", lang))
    return text


def check_params(namespace: Mapping[str, Any], names_before: set[str]) -> Params:
    """Validate the parameters cell (and papermill's injected one): names, types and values."""
    # Names the notebook itself defines after its parameters: re-running the validation cell in
    # JupyterLab must not take them for misspelled parameters.
    namespace = {k: v for k, v in namespace.items() if k not in NOTEBOOK_NAMES}
    try:
        p = check_parameters(namespace, names_before, PARAMETER_SPEC)
    except ParameterError as exc:
        raise ReportError(str(exc)) from None
    # papermill's CLI turns `-p region 610102` into an int: accept it as the code it stands for.
    region = check_region_code(str(p["region"]) if isinstance(p["region"], int) else p["region"])
    year = p["year"]
    if not 1949 <= year <= 2100:
        raise ReportError(f"year {year} is not a plausible evaluation year")
    try:
        lang = check_lang(p["language"])
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    if p["scope"] not in SCOPES:
        raise ReportError(f"scope must be one of {', '.join(SCOPES)}, got {p['scope']!r}")
    inputs = resolve_inputs(p["rubric"], p["data"], p["context"])
    output = Path(p["output"]).expanduser().resolve() if p["output"].strip() else scratch_dir(year)
    return Params(region, year, p["rubric"], p["scope"], lang, output, p["cache"], inputs)


def scratch_dir(year: int) -> Path:
    """Where an interactive run (no ``output`` given) writes its results file."""
    return Path(tempfile.gettempdir()) / "creditlab-scratch" / str(year)
