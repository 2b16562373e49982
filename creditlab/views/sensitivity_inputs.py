"""The weight-sensitivity report's parameters (:func:`parameter_problems`): checked without loading data and
without importing plotly, so that ``creditlab sensitivity`` refuses a bad parameter within a second, before it
starts a kernel. :mod:`creditlab.views.sensitivity_figures` re-exports every name."""
from __future__ import annotations

from typing import Any

from ..analysis.sens_sobol import SOBOL_N
from ..analysis.weights import SCHEMES, WEIGHT_LEVELS
from ..core.errors import NotebookError
from ..core.i18n import LANGS, tr
from ..core.problems import Problems, default_lang

PARAMETER_SPEC: dict[str, type | tuple[type, ...]] = {
    "rubric": str, "year": (int, type(None)), "scope": (str, list), "level": str, "scheme": str,
    "spread": (int, float), "concentration": (int, float), "n_draws": int, "seed": int, "sobol_n": int,
    "sobol_output": str, "bounds": (int, float), "data": str, "context": str, "language": str, "province": str,
    "scheduler": str,
}


class SensitivityError(NotebookError):
    """The notebook's parameters cannot be used (unknown rubric, scheme, scope, year…)."""


def parameter_problems(p: dict[str, Any]) -> Problems:
    """Every problem with the values of the (type-checked) parameters, in the report's language."""
    lang = p["language"] if p["language"] in LANGS else default_lang()
    problems = Problems(what=tr("笔记本参数", "the notebook's parameters", lang), error=SensitivityError, lang=lang)
    if p["language"] not in LANGS:
        problems.add(f"language（语言）须为{'、'.join(LANGS)}之一，而不是{p['language']!r}",
                     f"language must be one of {', '.join(LANGS)}, got {p['language']!r}")
    if p["scheme"] not in SCHEMES:
        problems.add(f"scheme（抽样方案）须为{'、'.join(SCHEMES)}之一，而不是{p['scheme']!r}",
                     f"scheme must be one of {', '.join(SCHEMES)}, got {p['scheme']!r}")
    if p["level"] not in WEIGHT_LEVELS:
        problems.add(f"level（权重层级）须为{'、'.join(WEIGHT_LEVELS)}之一，而不是{p['level']!r}",
                     f"level must be one of {', '.join(WEIGHT_LEVELS)}, got {p['level']!r}")
    if not 0 < p["spread"] <= 1:  # used by the uniform scheme and by the Sobol analysis
        problems.add(f"spread（变动幅度，各权重的比例）须在(0, 1]之间，而不是{p['spread']}",
                     f"spread must lie in (0, 1] (a share of each weight), got {p['spread']}")
    if p["scheme"] == "dirichlet" and not p["concentration"] > 0:
        problems.add(f"concentration（集中度）须为正数，而不是{p['concentration']}",
                     f"concentration must be positive, got {p['concentration']}")
    if not 1 <= p["n_draws"] <= 1_000_000:
        problems.add(f"n_draws（模拟次数）须在1至1,000,000之间，而不是{p['n_draws']}",
                     f"n_draws must lie between 1 and 1,000,000, got {p['n_draws']}")
    if p["sobol_n"] < 2 or p["sobol_n"] & (p["sobol_n"] - 1):
        problems.add(f"sobol_n（Sobol样本量）须为2的幂（如{SOBOL_N}），而不是{p['sobol_n']}",
                     f"sobol_n must be a power of two (e.g. {SOBOL_N}), got {p['sobol_n']}")
    if p["sobol_output"] not in ("n_certified", "rank_shift"):
        problems.add(f"sobol_output（Sobol输出）须为n_certified或rank_shift，而不是{p['sobol_output']!r}",
                     f"sobol_output must be n_certified or rank_shift, got {p['sobol_output']!r}")
    if not 0 <= p["bounds"] <= 1:
        problems.add(f"bounds（临界点分析的权重范围，各权重的比例）须在[0, 1]之间，而不是{p['bounds']}",
                     f"bounds must lie in [0, 1] (a share of each weight), got {p['bounds']}")
    return problems
