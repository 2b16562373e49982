"""Normalise monitoring metrics across the regions being compared, respecting each metric's direction.

Every method maps values to [0, 1] with 1 the best, so metrics can be combined into points. x is a
value; min, max, mean, sd and n are taken over the region's comparison group (the same year, or year
and city), ignoring NaN; l < u are a metric's goalposts and t its target, in the metric's own units.
Each method is named after its counterpart in COINr (the R package for composite indicators,
``Normalise(x, global_specs = list(f_n = ..., f_n_para = ...))``):

| creditlab | COINr | higher is better | lower is better |
|---|---|---|---|
| `minmax` | `n_minmax`, `l_u = c(0, 1)` | (x − min) / (max − min) | (max − x) / (max − min) |
| `zscore` | `n_zscore`, `m_sd = c(0, 1)`, then Φ | Φ((x − mean) / sd) | Φ((mean − x) / sd) |
| `percentile` | `n_prank` (another tie rule, see below) | rank_max(x) / n | rank_max(−x) / n |
| `distance` | `n_fracmax` (fraction of the maximum) | x / max | min / x |
| `goalposts` | `n_goalposts`, `gposts = c(l, u, 1)` | (x − l) / (u − l) in [0, 1] | (u − x) / (u − l) in [0, 1] |
| `target` | `n_dist2targ`, `cap_max = TRUE` | (x − min) / (t − min), at most 1 | (max − x) / (max − t), at most 1 |

Where creditlab differs from COINr, and why:

* ``minmax``: all values equal → 1 (COINr returns NaN with a warning).
* ``zscore``: sd is the **population** sd (divide by n, ``ddof=0``): the compared regions are all the
  regions, not a sample. COINr's ``n_zscore`` uses R's ``sd()``, the sample sd (n − 1). Φ, the
  standard normal CDF, maps z to [0, 1] so the average region gets 0.5; all values equal → 0.5.
* ``percentile``: the share of the compared regions the region does at least as well as, itself
  included — pandas ``rank(method="max", pct=True)``: tied regions share the *highest* rank, the best
  gets 1 and the worst 1/n (more when tied), never 0. COINr's ``n_prank`` is (rank − 1) / (n − 1)
  with ties at the *lowest* rank ("min"), so its worst region gets 0.
* ``distance``: the higher-is-better case is COINr's ``n_fracmax`` exactly. Lower is better uses
  the ratio the other way, min / x (COINr would take −x / max(−x), which is no ratio of distances).
  Values must be ≥ 0; max = 0, or x = 0 when lower is better, gives 1.
* ``goalposts``: COINr's formulas for both directions (``direction = -1``: from u down to l), on an
  absolute scale with no group statistics, cut to [0, 1] (``trunc2posts = TRUE``). As in COINr the
  goalposts are written in the metric's units whichever its direction. COINr's scale ``a`` is 1
  here: the rubric's points do the scaling.
* ``target``: the group's worst value scores 0 and the target 1; better than the target is capped
  at 1 (``cap_max = TRUE``). t is written in the metric's units whichever its direction (COINr
  compares ``targ`` with the direction-flipped values −x, so there a lower-is-better target would be
  passed as −t). A group whose every region is at or past the target scores 1 throughout (COINr
  would divide by zero or go negative).

``goalposts`` and ``target`` are for metrics with published targets (a plan's 2025 value, a rubric's
建档率达50%以上): pass them per column (``goalposts``, ``targets``); ``method`` may also name one
method per column, like COINr's ``indiv_specs``. NaN stays NaN (not assessed).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.errors import CreditlabError
from ..core.i18n import tr
from ..core.problems import Problems, default_lang

METHODS = ("minmax", "zscore", "percentile", "distance", "goalposts", "target")
GROUP_METHODS = METHODS[:4]       # need no parameters: for the whole of a norm-referenced rubric
PARAMETER_METHODS = ("goalposts", "target")  # need per-metric goalposts or a target
COINR_NAMES = {"minmax": "n_minmax", "zscore": "n_zscore", "percentile": "n_prank", "distance": "n_fracmax",
               "goalposts": "n_goalposts", "target": "n_dist2targ"}


class NormalisationError(CreditlabError, ValueError):
    """Normalisation parameters that cannot be used (unknown method, goalposts or targets missing)."""


def normalise(
    values: np.ndarray,
    groups: np.ndarray,
    directions: np.ndarray,
    method: str | Sequence[str] = "minmax",
    *,
    goalposts: np.ndarray | Sequence[tuple[float, float]] | None = None,
    targets: np.ndarray | Sequence[float] | None = None,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """Normalise each column of ``values`` (rows = regions) within row ``groups``.

    ``directions``: per column, ``"higher"`` or ``"lower"`` (which way is better). ``method``: one
    of :data:`METHODS` for every column, or one per column. ``goalposts``: per column ``(l, u)`` with
    l < u in the metric's units (NaN where unused); ``targets``: per column t (NaN where unused);
    ``names``: column names for messages. See the module docstring for each formula.
    """
    values = np.asarray(values, float)
    k = values.shape[1]
    lower = np.asarray(directions) == "lower"
    names = [str(n) for n in names] if names is not None else [str(j) for j in range(k)]
    methods = np.asarray([method] * k if isinstance(method, str) else list(method), dtype=object)
    gp = np.full((k, 2), np.nan) if goalposts is None else np.asarray(goalposts, float).reshape(k, 2)
    tg = np.full(k, np.nan) if targets is None else np.asarray(targets, float).reshape(k)
    _check(methods, gp, tg, names, k)

    out = np.full(values.shape, np.nan)
    frame = pd.DataFrame(values)
    groups = np.asarray(groups)
    g = frame.groupby(groups, sort=False)
    for m in dict.fromkeys(methods):  # each method once, on its columns
        cols = np.flatnonzero(methods == m)
        out[:, cols] = _METHODS[m](values[:, cols], g[list(cols)], lower[cols], gp[cols], tg[cols], groups)
    return np.where(np.isnan(values), np.nan, out)


def _check(methods: np.ndarray, gp: np.ndarray, tg: np.ndarray, names: list[str], k: int) -> None:
    lang = default_lang()
    pb = Problems(tr("标准化参数", "normalisation parameters", lang), error=NormalisationError, lang=lang)
    if len(methods) != k:
        pb.add(f"需要{k}个标准化方法（每列一个），实际为{len(methods)}个",
               f"expected {k} normalisation methods (one per column), got {len(methods)}")
        pb.raise_if_any()
    unknown = [m for m in methods if m not in METHODS]
    if unknown:  # a programming error, worded as before
        raise NormalisationError(f"normalisation must be one of {', '.join(METHODS)}, got {unknown[0]!r}")
    for j, m in enumerate(methods):
        if m == "goalposts" and not (np.isfinite(gp[j]).all() and gp[j, 0] < gp[j, 1]):
            pb.add(f"{names[j]}：goalposts方法需要下、上两个门柱且下门柱小于上门柱，实际为{_pair(gp[j])}",
                   f"{names[j]}: goalposts needs lower < upper, got {_pair(gp[j])}")
        elif m == "target" and not np.isfinite(tg[j]):
            pb.add(f"{names[j]}：target方法需要目标值", f"{names[j]}: the target method needs a target value")
    pb.raise_if_any()


def _pair(gp: np.ndarray) -> str:
    return f"({gp[0]:g}, {gp[1]:g})"


def _minmax(v, g, lower, gp, tg, groups):
    lo, hi = g.transform("min").to_numpy(), g.transform("max").to_numpy()
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(lower, hi - v, v - lo) / span
    return np.where(span > 0, out, 1.0)


def _zscore(v, g, lower, gp, tg, groups):
    from scipy.special import ndtr  # norm.cdf's own kernel; scipy.stats costs 0.8 s to import

    mean, sd = g.transform("mean").to_numpy(), g.transform("std", ddof=0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (v - mean) / sd
    z = np.where(sd > 0, z, 0.0)
    return ndtr(np.where(lower, -z, z))


def _percentile(v, g, lower, gp, tg, groups):
    # Rank so that the best is highest, then count the regions done at least as well as.
    oriented = pd.DataFrame(np.where(lower, -v, v))
    return oriented.groupby(groups, sort=False).rank(method="max", pct=True).to_numpy()


def _distance(v, g, lower, gp, tg, groups):
    if np.nanmin(v, initial=0.0) < 0:
        raise NormalisationError("distance-to-best normalisation needs non-negative values")
    hi, lo = g.transform("max").to_numpy(), g.transform("min").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        up = np.where(hi > 0, v / hi, 1.0)
        down = np.where(v > 0, lo / v, 1.0)
    return np.where(lower, down, up)


def _goalposts(v, g, lower, gp, tg, groups):
    lo, hi = gp[:, 0], gp[:, 1]
    out = np.where(lower, hi - v, v - lo) / (hi - lo)
    return np.clip(out, 0.0, 1.0)


def _target(v, g, lower, gp, tg, groups):
    # The worst value of the group (min, or max when lower is better) scores 0, the target 1.
    worst = np.where(lower, g.transform("max").to_numpy(), g.transform("min").to_numpy())
    gap = np.where(lower, worst - tg, tg - worst)   # > 0 unless the whole group is at or past the target
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(lower, worst - v, v - worst) / gap
    return np.where(gap > 0, np.minimum(out, 1.0), 1.0)


_METHODS = {"minmax": _minmax, "zscore": _zscore, "percentile": _percentile, "distance": _distance,
            "goalposts": _goalposts, "target": _target}
