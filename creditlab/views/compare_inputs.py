"""The comparison's parameters (:func:`compare_problems`): checked without scoring and without importing plotly,
so that ``creditlab compare`` refuses a bad parameter within a second, before it starts a kernel, and
``compare.ipynb`` (:meth:`creditlab.views.compare_figures.CompareReport.from_params`) refuses the same values
with the same words. :mod:`creditlab.views.compare_figures` re-exports every name."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis.weights import Scenario, find_scenario
from ..core.errors import CreditlabError, NotebookError
from ..core.i18n import LANGS, tr
from ..core.paths import language_tag, rubric_stem, slug
from ..core.problems import Problems, default_lang
from ..loaders.rubric import load_rubric
from .report_inputs import Inputs, resolve_inputs

PARAMETER_SPEC: dict[str, type | tuple[type, ...]] = {
    "rubric_a": str, "rubric_b": str, "scenario_a": str, "scenario_b": str, "year": (int, type(None)),
    "data": (str, list), "data_b": (str, list), "context": (str, list), "city": str, "province": str,
    "language": str, "output": str,
}


class CompareError(NotebookError):
    """The comparison cannot be made for these parameters (unknown rubric, scenario, year, scope, file)."""


@dataclass(frozen=True)
class Side:
    """One side of a comparison, checked: its input files and its weights (None: the rubric's own)."""

    inputs: Inputs
    scenario: Scenario | None


def given(value: str | list) -> bool:
    """A ``data`` / ``data_b`` / ``context`` parameter that names at least one file."""
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def compare_problems(p: dict[str, Any]) -> tuple[Problems, dict[str, Side]]:
    """Every problem with the values of the (type-checked) parameters, in the report's language, and the sides
    that could be checked (``"a"``, ``"b"``): the language, the year, ``output``, side A's own data never
    compared with another rubric's demo data, each side's rubric, scenario and input files. Cheap: nothing is
    scored. ``output`` and ``city`` / ``province`` may be absent (the command checks the scope itself)."""
    lang = p["language"] if p["language"] in LANGS else default_lang()
    pb = Problems(what=tr("笔记本参数", "the notebook's parameters", lang), error=CompareError, lang=lang)
    if p["language"] not in LANGS:
        pb.add(f"language（语言）须为{'、'.join(LANGS)}之一，而不是{p['language']!r}",
               f"language must be one of {', '.join(LANGS)}, got {p['language']!r}")
    if p["year"] is not None and not 1949 <= p["year"] <= 2100:
        pb.add(f"year（年度）{p['year']}不是合理的评价年度", f"year {p['year']} is not a plausible evaluation year")
    output = p.get("output") or ""
    out = Path(output).expanduser() if output.strip() else None
    if out is not None and out.exists() and not out.is_dir():
        pb.add(f"output（输出文件夹）{out}是文件，不是文件夹", f"output {out} is a file, not a folder")
    sides: dict[str, Side] = {}
    same = p["rubric_a"].strip() == p["rubric_b"].strip()
    if not same and given(p["data"]) and not given(p["data_b"]):
        # The analyst's own data on side A beside rubric B's bundled demo data would compare real with
        # synthetic: never mixed silently.
        pb.add("A方使用了指定的指标数据，B方（另一评估标准）也须用 data_b 指定数据，不能与演示数据比较",
               "side A uses your indicator data: give side B's (another rubric) with data_b; real data is "
               "never compared with the bundled demo data")
    for key in ("a", "b"):
        data = p["data"] if key == "a" or (same and not given(p["data_b"])) else p["data_b"]
        try:
            inputs = resolve_inputs(p[f"rubric_{key}"], data, p["context"], lang)
            rubric = load_rubric(inputs.rubric)
            scenario = find_scenario(rubric, p[f"scenario_{key}"], lang)
        except CreditlabError as exc:  # ReportError, ScenarioError, RubricError…
            pb.add(f"{key.upper()}方：{exc}", f"side {key.upper()}: {exc}")
            continue
        sides[key] = Side(inputs, scenario)
    return pb, sides


def check_compare_params(p: dict[str, Any]) -> dict[str, Side]:
    """Both sides, checked; :class:`CompareError` listing every problem of :func:`compare_problems` at once."""
    pb, sides = compare_problems(p)
    pb.raise_if_any()
    return sides


def compare_stem(p: dict[str, Any]) -> str:
    """The name of a comparison's outputs (page and workbook), known before it runs and different for every
    pair of sides, year, scope and language: ``compare_shaanxi-2020_weights_shaanxi-2020_results-first_latest``
    (``_en`` added in English). Two comparisons written into one folder never replace each other's files."""
    return slug("compare", rubric_stem(p["rubric_a"]), p["scenario_a"] or "weights", rubric_stem(p["rubric_b"]),
                p["scenario_b"] or "weights", p["year"] or "latest", p.get("city") or p.get("province"),
                language_tag(p.get("language", "zh")))


__all__ = ["PARAMETER_SPEC", "CompareError", "Side", "check_compare_params", "compare_problems", "compare_stem",
           "given"]
