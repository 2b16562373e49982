"""Normalise monitoring metrics across the regions being compared, respecting each metric's direction.

Every method maps values to [0, 1] with 1 the best, so metrics can be combined into points:

* ``minmax``: (x − min) / (max − min), reversed when lower is better; all equal → 1.
* ``zscore``: the standard normal CDF of the z-score (reversed when lower is better), so the
  average region gets 0.5; all equal → 0.5.
* ``percentile``: the share of compared regions the region does at least as well as (ties share);
  the best gets 1.
* ``distance``: distance to the best, as a ratio: x / best when higher is better, best / x when lower
  is better (values must be ≥ 0; x = 0 when lower is better scores 1).

Values are compared only within the same group (e.g. the same year, or year and city); NaN stays
NaN (not assessed) and is left out of the group statistics.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

METHODS = ("minmax", "zscore", "percentile", "distance")


def normalise(values: np.ndarray, groups: np.ndarray, directions: np.ndarray, method: str = "minmax") -> np.ndarray:
    """Normalise each column of ``values`` (rows = regions) within row ``groups``.

    ``directions``: per column, ``"higher"`` or ``"lower"`` (which way is better).
    """
    if method not in METHODS:
        raise ValueError(f"normalisation must be one of {', '.join(METHODS)}, got {method!r}")
    values = np.asarray(values, float)
    lower = np.asarray(directions) == "lower"
    frame = pd.DataFrame(values)
    g = frame.groupby(np.asarray(groups), sort=False)
    if method == "minmax":
        lo, hi = g.transform("min").to_numpy(), g.transform("max").to_numpy()
        span = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(lower, hi - values, values - lo) / span
        out = np.where(span > 0, out, 1.0)
    elif method == "zscore":
        mean, sd = g.transform("mean").to_numpy(), g.transform("std", ddof=0).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (values - mean) / sd
        z = np.where(sd > 0, z, 0.0)
        out = norm.cdf(np.where(lower, -z, z))
    elif method == "percentile":
        # Rank so that the best is highest, then count the regions done at least as well as.
        oriented = pd.DataFrame(np.where(lower, -values, values))
        og = oriented.groupby(np.asarray(groups), sort=False)
        out = og.rank(method="max", pct=True).to_numpy()
    else:  # distance to the best
        if np.nanmin(values, initial=0.0) < 0:
            raise ValueError("distance-to-best normalisation needs non-negative values")
        hi, lo = g.transform("max").to_numpy(), g.transform("min").to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            up = np.where(hi > 0, values / hi, 1.0)
            down = np.where(values > 0, lo / values, 1.0)
        out = np.where(lower, down, up)
    return np.where(np.isnan(values), np.nan, out)
