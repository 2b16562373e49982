"""creditlab: evaluate county- and city-level social-credit-system construction (社会信用体系建设).

Public API (loaded lazily so that ``import creditlab`` stays fast)::

    list_rubrics, load_rubric, Rubric           rubrics in data/rubrics/
    list_plans, load_plan, assess_progress      five-year-plan targets and progress
    load_regions                                administrative divisions
    load_data, score, certify                   indicator data, scores and verdicts
    rank_percentiles                            city credit-monitoring rankings
    RubricError, DataError                      loader errors naming file, item and problem

The package is layered (``docs/architecture.md``): ``core`` ← ``loaders`` ← ``analysis`` ← ``views`` ←
``runs`` ← ``cli``. The flat module names of earlier versions (``creditlab.scoring``, ``creditlab.data``,
…) stay importable: :data:`MOVED` maps each to its layer, and :class:`_MovedModules` makes
``import creditlab.scoring`` return the very module object ``creditlab.analysis.scoring``.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

from .core import __version__
from .core.errors import CreditlabError, DataError, RubricError

# Old flat name → its module in the layered package (the one place the move is recorded).
MOVED = {
    **{m: f"core.{m}" for m in ("atomic", "errors", "i18n", "notebook", "paths", "problems", "safecells", "tables",
                                 "yamlio", "years")},
    **{m: f"loaders.{m}" for m in ("data", "plan", "regions", "rubric")},
    **{m: f"analysis.{m}" for m in ("certification", "monitoring", "normalise", "points", "scoring",
                                     "sensitivity", "weights")},
    **{m: f"views.{m}" for m in ("banner", "figures", "htmlpage", "progress_figures", "report",
                                  "rubric_views", "sensitivity_figures")},
    **{m: f"runs.{m}" for m in ("batch",)},
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``creditlab.<old>`` → the already-imported ``creditlab.<layer>.<old>`` (same object, in sys.modules)."""

    def find_spec(self, fullname: str, path: Any = None, target: ModuleType | None = None):
        prefix, _, name = fullname.partition(".")
        if prefix != __name__ or name not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(f"{__name__}.{MOVED[spec.name.partition('.')[2]]}")

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module was executed under its layered name."""


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules())

_API = {
    "list_rubrics": "loaders.rubric", "load_rubric": "loaders.rubric", "Rubric": "loaders.rubric",
    "list_plans": "loaders.plan", "load_plan": "loaders.plan", "assess_progress": "loaders.plan",
    "load_regions": "loaders.regions",
    "load_data": "loaders.data",
    "score": "analysis.scoring", "certify": "analysis.certification",
    "rank_percentiles": "analysis.monitoring",
}

__all__ = ["CreditlabError", "DataError", "RubricError", "__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in MOVED:  # ``creditlab.sensitivity.sobol`` without an explicit import, as before
        return importlib.import_module(f".{name}", __name__)
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'creditlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API) | set(MOVED))
