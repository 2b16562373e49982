"""The summary report's parameters (:func:`check_summary_params`): checked without scoring and without importing
plotly, so that ``creditlab summary`` can refuse a bad parameter within a second, before it starts a kernel.
:mod:`creditlab.views.summary` re-exports every name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import CreditlabError, NotebookError
from ..core.i18n import LANGS, tr
from ..core.notebook import ParameterError, check_parameters
from ..core.paths import PROJECT_ROOT, language_tag, rubric_stem
from ..core.problems import Problems, default_lang
from ..core.years import year_problem
from ..loaders.regions import in_city, load_regions
from ..loaders.rubric import load_rubric
from ..loaders.zones import NATIONAL
from .report_inputs import Inputs, ReportError, check_year, resolve_inputs, scratch_dir

NOTEBOOK = PROJECT_ROOT / "parameterised" / "summary.ipynb"
NOTEBOOK_NAMES = frozenset({"rep"})
PARAMETER_SPEC: dict[str, type | tuple[type, ...]] = {
    "rubric": str,
    "year": int,
    "data": (str, list),
    "context": (str, list),
    "city": str,
    "province": str,
    "language": str,
    "output": str,
}


class SummaryError(NotebookError):
    """The summary report cannot be made for these parameters."""


@dataclass(frozen=True)
class SummaryParams:
    """Checked parameters of the summary report."""

    rubric: str
    year: int
    city: str  # "" for the whole province, else a city name or code as given
    province: str  # the rubric's province unless given
    lang: str
    output: Path  # folder for the Excel workbook (a scratch folder when the notebook is run by hand)
    inputs: Inputs


def check_summary_params(
    rubric: str = "shaanxi-2020",
    year: Any = 2024,
    data: str | list[str] = "",
    context: str | list[str] = "",
    city: str = "",
    province: str = "",
    language: str = "zh",
    output: str = "",
) -> SummaryParams:
    """Every problem with the summary report's parameters at once (:class:`SummaryError`, Chinese by default,
    English with ``language="en"``): cheap checks only (the data files' years are read, nothing scored) — the
    ``creditlab summary`` command calls it before it starts a kernel."""
    lang = language if language in LANGS else default_lang()
    problems = Problems(what=tr("汇总报告参数", "the summary report's parameters", lang), error=SummaryError, lang=lang)
    if language not in LANGS:
        problems.add(
            f"language（语言）须为{'、'.join(LANGS)}之一，而不是{language!r}",
            f"language must be one of {', '.join(LANGS)}, got {language!r}",
        )
    whole_year = not isinstance(year, bool) and isinstance(year, int)
    if not whole_year:
        problems.add(f"year（年度）须为整数，而不是{year!r}", f"year must be a whole number, got {year!r}")
    units = None
    jurisdiction = _jurisdiction(rubric)
    if not province.strip() and jurisdiction:  # empty: the rubric's own province (临沂市's rubric: Shandong)
        province = jurisdiction[:2] + "0000"
        if not city.strip() and jurisdiction[2:4] != "00":  # a city's rubric covers that city only
            city = jurisdiction
    try:
        regions = load_regions(province.strip() or "陕西")
        units = _units_of(regions)
    except CreditlabError:
        problems.add(
            f"province（省份）{province!r}不在行政区划表中", f"province {province!r} is not in the regions table"
        )
    if city.strip() and units is not None and not in_city(units, city).any():
        known = (
            "、".join(units["city"].drop_duplicates())
            if lang == "zh"
            else ", ".join(units["city_en"].drop_duplicates())
        )
        problems.add(
            f"city（城市）{city!r}不是该省的设区市；可选：{known}",
            f"city {city!r} is not a city of the province; known: {known}",
        )
    inputs = None
    try:
        inputs = resolve_inputs(rubric, data, context, lang=lang)
    except ReportError as exc:
        problems.add(str(exc), str(exc))
    if whole_year:  # creditlab's years, the rubric's, and a county's data in it (the data files' years only)
        for bad in check_year(year, inputs, lang)[1] if inputs is not None else [year_problem(year, lang)]:
            if bad:
                problems.add(bad, bad)
    out = scratch_dir("summary")
    if output.strip():
        out = Path(output).expanduser().resolve()
        if out.exists() and not out.is_dir():
            problems.add(
                f"output（输出文件夹）{output!r}是文件，不是文件夹", f"output {output!r} is a file, not a folder"
            )
    problems.raise_if_any()
    assert inputs is not None
    return SummaryParams(str(rubric), int(year), city.strip(), province.strip(), lang, out, inputs)


def _jurisdiction(rubric: str) -> str | None:
    """The rubric's jurisdiction code (None for the whole country or an unknown rubric: reported elsewhere)."""
    try:
        code = str(load_rubric(rubric).jurisdiction or "")
    except (CreditlabError, OSError, ValueError):
        return None
    return code if code and code != NATIONAL else None


def _units_of(regions: pd.DataFrame) -> pd.DataFrame:
    """City name and code of a province's counties (for the city check; the report uses the model's units)."""
    c = regions[regions["level"] == "county"]
    en = regions[regions["level"] == "city"].set_index("code")["name_en"]
    return pd.DataFrame({"city": c["city"], "city_code": c["city_code"], "city_en": c["city_code"].map(en)})


def summary_stem(params: SummaryParams) -> str:
    """The name of a summary's outputs, known before it runs: ``summary-shaanxi-2020-2024-province`` or, for a
    city, ``summary-shaanxi-2020-2024-610300`` (its code, whatever name was given), ``-en`` added in English: two
    rubrics' or two languages' summaries of a year never overwrite each other; ``.html`` and ``.xlsx`` beside each
    other (the command names its page the same)."""
    rubric = rubric_stem(params.rubric)
    if not params.city:
        where = "province"
    else:
        units = _units_of(load_regions(params.province or "陕西"))
        where = units.loc[in_city(units, params.city), "city_code"].iloc[0]
    tag = language_tag(params.lang)
    return f"summary-{rubric}-{params.year}-{where}" + (f"-{tag}" if tag else "")


def check_params(namespace: Mapping[str, Any], names_before: set[str]) -> SummaryParams:
    """The notebook's parameters cell (and papermill's injected one): names and types, then values."""
    namespace = {k: v for k, v in namespace.items() if k not in NOTEBOOK_NAMES}
    try:
        p = check_parameters(namespace, names_before, PARAMETER_SPEC)
    except ParameterError as exc:
        raise SummaryError(str(exc)) from None
    return check_summary_params(**p)


__all__ = ["NOTEBOOK", "NOTEBOOK_NAMES", "PARAMETER_SPEC", "SummaryError", "SummaryParams", "check_params",
           "check_summary_params", "summary_stem"]
