"""creditlab: evaluate county- and city-level social-credit-system construction (社会信用体系建设).

Public API (loaded lazily so that ``import creditlab`` stays fast)::

    list_rubrics, load_rubric, Rubric           rubrics in data/rubrics/
    list_plans, load_plan, assess_progress      five-year-plan targets and progress
    load_regions                                administrative divisions
    load_data, score, certify                   indicator data, scores and verdicts
    rank_percentiles                            city credit-monitoring rankings
    RubricError, DataError                      loader errors naming file, item and problem
"""
from __future__ import annotations

import importlib
from typing import Any

from .errors import CreditlabError, DataError, RubricError

__version__ = "0.1.0"

_API = {
    "list_rubrics": "rubric", "load_rubric": "rubric", "Rubric": "rubric",
    "list_plans": "plan", "load_plan": "plan", "assess_progress": "plan",
    "load_regions": "regions",
    "load_data": "data",
    "score": "scoring", "certify": "certification",
    "rank_percentiles": "monitoring",
}

# Submodules reachable as attributes without an explicit import (``creditlab.sensitivity.sobol``).
_SUBMODULES = {
    "banner", "batch", "certification", "data", "figures", "monitoring", "normalise", "plan", "regions",
    "report", "rubric", "rubric_views", "scoring", "sensitivity", "weights",
}

__all__ = ["CreditlabError", "DataError", "RubricError", "__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'creditlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API) | _SUBMODULES)
