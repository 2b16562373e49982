"""The one range of years creditlab accepts anywhere: data, context, templates, plans, reports, rankings."""
from __future__ import annotations

from typing import Any

import numpy as np

from .problems import quote

YEAR_MIN = 1949
YEAR_MAX = 2100


def is_year(value: Any) -> bool:
    """A whole number within ``YEAR_MIN..YEAR_MAX`` (bools and floats with a fraction are not years)."""
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | np.integer):
        return YEAR_MIN <= int(value) <= YEAR_MAX
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return YEAR_MIN <= int(value) <= YEAR_MAX
    return False


def year_problem(value: Any, lang: str = "zh") -> str | None:
    """``None`` if ``value`` is a year creditlab accepts, else a sentence saying why not."""
    if is_year(value):
        return None
    if lang == "zh":
        return f"年份应为 {YEAR_MIN}–{YEAR_MAX} 之间的整数，实际为 {quote(value)}"
    return f"year should be a whole number from {YEAR_MIN} to {YEAR_MAX}, got {quote(value)}"


def year_mask(values: Any) -> np.ndarray:
    """Vectorised :func:`is_year` for a numeric column (NaN is not a year)."""
    v = np.asarray(values, dtype="float64")
    with np.errstate(invalid="ignore"):
        return np.isfinite(v) & (v % 1 == 0) & (v >= YEAR_MIN) & (v <= YEAR_MAX)
