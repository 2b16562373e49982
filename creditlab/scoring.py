"""Score regions against a rubric, all regions and years at once.

``score`` returns a tidy frame with one row per region, year and node of the rubric tree::

    region, year, level, id, points, max_points, status, missing_max

``level`` is ``criterion``, ``level3``, ``level2``, ``level1`` or ``total``. A criterion without a
value is ``not_assessed``: it earns no points, its maximum is reported in ``missing_max`` and every
node above it is ``incomplete`` — never a silent zero or NaN total.

Three methods, chosen by the rubric:

* ``absolute`` (shaanxi-2020): each criterion's rule turns its value into points, with the
  development-zone (开发区) variant where the region is a zone;
* ``norm_referenced`` (linyi-2019): each monitoring metric is normalised across the regions compared
  in the same year (see :mod:`creditlab.normalise`), and an item earns its points times the weighted
  mean of its metrics;
* ``weighted`` (henan-2021): assessed scores 0–100 combined with user weights (equal by default);
  bonus items (附加分) are reported but only add to the total where the user gives them a weight.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import DataError
from .normalise import METHODS as NORMALISATIONS
from .normalise import normalise
from .rubric import Rubric

LEVELS = ("criterion", "level3", "level2", "level1", "total")
CRITERION_STATUS = ("full", "partial", "none", "not_assessed")
NODE_STATUS = ("complete", "incomplete")
_EPS = 1e-9


def score(
    rubric: Rubric,
    data: pd.DataFrame,
    zones: Iterable[str] | None = None,
    *,
    normalisation: str = "minmax",
    compare_within: pd.Series | Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Score every region and year in ``data`` (columns ``region, year, criterion, value``).

    ``zones``: region codes scored as development zones (开发区) under the park variants.
    ``normalisation`` / ``compare_within``: for norm-referenced rubrics, the normalisation
    (``minmax``, ``zscore``, ``percentile``, ``distance``) and an optional region → group mapping so
    regions are only compared within their group (e.g. their city); default: all regions in a year.
    ``weights``: for weighted rubrics, criterion (or level-3) id → weight; default equal.
    """
    _check_columns(data)
    frame = data[["region", "year", "criterion", "value"]]
    known = set(rubric.criteria["id"]) | set(rubric.metrics["id"])
    unknown = sorted(set(frame["criterion"].astype(str)) - known)
    if unknown:
        raise DataError(f"{len(unknown)} criterion id(s) not in rubric {rubric.name}",
                        [f"criterion '{c}' is not in rubric {rubric.name}" for c in unknown[:50]])
    keys = frame[["region", "year"]].drop_duplicates().sort_values(["region", "year"], ignore_index=True)
    keys["region"] = keys["region"].astype(str)
    keys["year"] = keys["year"].astype(int)

    if rubric.method == "absolute":
        values = _matrix(frame, keys, rubric.criteria["id"])
        zone_mask = keys["region"].isin(set(zones or ())).to_numpy()
        pts, mx = _points_absolute(rubric, values, zone_mask)
    elif rubric.method == "norm_referenced":
        if normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {', '.join(NORMALISATIONS)}")
        values = _matrix(frame, keys, rubric.metrics["id"])
        pts, mx, values = _points_norm(rubric, values, keys, normalisation, compare_within)
    elif rubric.method == "weighted":
        values = _matrix(frame, keys, rubric.criteria["id"])
        pts, mx = _points_weighted(rubric, values, weights)
    else:  # pragma: no cover - the rubric loader rejects other methods
        raise ValueError(rubric.method)
    return _long(rubric, keys, values, pts, mx)


def _check_columns(data: pd.DataFrame) -> None:
    missing = [c for c in ("region", "year", "criterion", "value") if c not in data.columns]
    if missing:
        raise DataError(f"indicator data lacks column(s) {', '.join(missing)}")
    dup = data.duplicated(["region", "year", "criterion"], keep=False)
    if dup.any():
        rows = data.loc[dup, ["region", "year", "criterion"]].drop_duplicates().head(20)
        raise DataError("duplicate values in indicator data",
                        [f"region {r.region}, year {r.year}, criterion {r.criterion} appears more than once"
                         for r in rows.itertuples()])


def _matrix(frame: pd.DataFrame, keys: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """Values as a (region-year × id) float matrix, NaN where not assessed."""
    row = pd.MultiIndex.from_frame(keys).get_indexer(
        pd.MultiIndex.from_arrays([frame["region"].astype(str), frame["year"].astype(int)]))
    col = pd.Index(ids).get_indexer(frame["criterion"].astype(str))
    out = np.full((len(keys), len(ids)), np.nan)
    ok = col >= 0
    out[row[ok], col[ok]] = pd.to_numeric(frame["value"], errors="raise").to_numpy(float)[ok]
    return out


def _points_absolute(rubric: Rubric, values: np.ndarray, zone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = rubric.criteria
    n = len(values)
    rule = np.broadcast_to(c["rule"].to_numpy(object), values.shape)
    has_park = c["park_rule"].notna().to_numpy()
    rule = np.where(zone[:, None] & has_park[None, :], c["park_rule"].to_numpy(object)[None, :], rule)
    points = np.broadcast_to(c["points"].to_numpy(float), values.shape)
    _check_ranges(rubric, values, rule)
    per_unit = np.broadcast_to(c["per_unit"].to_numpy(float), values.shape)
    at_least = np.broadcast_to(c["at_least"].to_numpy(float), values.shape)
    with np.errstate(invalid="ignore"):
        earned = np.select(
            [rule == "binary", rule == "threshold", rule == "per_unit",
             (rule == "discretionary") | (rule == "graded")],
            [np.where(values >= 1, points, 0.0), np.where(values >= at_least - _EPS, points, 0.0),
             np.minimum(values * per_unit, points), values],
            default=np.nan,
        )
    earned = np.where(np.isnan(values), np.nan, earned)
    assert earned.shape == (n, len(c))
    return earned, np.array(points)


def _check_ranges(rubric: Rubric, values: np.ndarray, rule: np.ndarray) -> None:
    """Refuse values a rule cannot score (the loaders report these with file and row)."""
    c = rubric.criteria
    points = c["points"].to_numpy(float)[None, :]
    unit = c["unit"].to_numpy(object)[None, :]
    with np.errstate(invalid="ignore"):
        bad = np.select(
            [rule == "binary", (rule == "threshold") & (unit == "percent"),
             (rule == "threshold") | (rule == "per_unit"), (rule == "discretionary") | (rule == "graded")],
            [~np.isin(values, (0.0, 1.0)), (values < 0) | (values > 100),
             (values < 0) | (values != np.round(values)), (values < 0) | (values > points + _EPS)],
            default=False,
        ) & ~np.isnan(values)
    if bad.any():
        rows, cols = np.nonzero(bad)
        raise DataError(
            f"{len(rows)} value(s) cannot be scored by their rule",
            [f"criterion {c['id'].iloc[j]} ({rule[i, j]}): value {values[i, j]:g} is out of range"
             for i, j in zip(rows[:20], cols[:20], strict=True)],
        )


def _points_norm(rubric: Rubric, values: np.ndarray, keys: pd.DataFrame, method: str,
                 compare_within) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = rubric.metrics
    groups = keys["year"].astype(str)
    if compare_within is not None:
        mapping = pd.Series(compare_within) if isinstance(compare_within, Mapping) else compare_within
        group = keys["region"].map(mapping)
        if group.isna().any():
            raise DataError("regions without a comparison group",
                            [f"region {r} has no group" for r in keys.loc[group.isna(), "region"].unique()[:20]])
        groups = groups + "|" + group.astype(str)
    directions = m["direction"].to_numpy()
    normed = normalise(values, groups.to_numpy(), directions, method)
    c = rubric.criteria
    crit_index = pd.Index(c["id"]).get_indexer(m["criterion"])
    w = m["weight"].to_numpy(float)
    # Membership matrix metric → criterion, weighted and scaled so each criterion's weights sum to 1.
    member = np.zeros((len(m), len(c)))
    member[np.arange(len(m)), crit_index] = w
    member /= member.sum(axis=0, keepdims=True).clip(min=_EPS)
    item_points = c["points"].to_numpy(float)
    earned = np.nan_to_num(normed) @ member * item_points
    missing_share = np.isnan(normed).astype(float) @ member
    # A criterion with no metric value at all is not assessed; partly assessed ones are incomplete.
    earned = np.where(missing_share >= 1 - _EPS, np.nan, earned)
    return earned, np.broadcast_to(item_points, earned.shape).copy(), missing_share


def _points_weighted(rubric: Rubric, values: np.ndarray, weights) -> tuple[np.ndarray, np.ndarray]:
    c = rubric.criteria
    bonus = c["bonus"].to_numpy(bool)
    # Equal weights by default; a bonus item's default weight is one ordinary item's (the rubric's choice).
    w = np.ones(len(c))
    if weights:
        lookup = {**{k: v for k, v in weights.items()}}
        unknown = set(lookup) - set(c["id"]) - set(c["level3"].dropna())
        if unknown:
            raise ValueError(f"weights for unknown ids: {', '.join(sorted(unknown))}")
        w = np.array([lookup.get(cid, lookup.get(l3, 1.0)) for cid, l3 in zip(c["id"], c["level3"], strict=True)],
                     float)
        if (w < 0).any():
            raise ValueError("weights must be non-negative")
    if w[~bonus].sum() <= 0:
        raise ValueError("weights of the non-bonus indicators sum to zero")
    bad = (values < 0) | (values > 100)
    if np.nan_to_num(bad.astype(float)).any():
        raise DataError("assessed scores must lie in 0–100")
    # Points on a 0–100 scale over the non-bonus items; bonus items add on top with their own weight.
    scale = 100.0 / w[~bonus].sum()
    mx = w * scale
    earned = values / 100.0 * mx[None, :]
    return earned, np.broadcast_to(mx, earned.shape).copy()


def _long(rubric: Rubric, keys: pd.DataFrame, values: np.ndarray, pts: np.ndarray,
          mx: np.ndarray) -> pd.DataFrame:
    """Aggregate criterion points up the tree with membership matrices and return the long frame."""
    c = rubric.criteria
    if rubric.method == "norm_referenced":
        missing_share = values  # fraction of each item's metric weight not assessed
        not_assessed = np.isnan(pts)
    else:
        missing_share = np.isnan(values).astype(float)
        not_assessed = np.isnan(values)
    missing_max = missing_share * mx
    earned = np.nan_to_num(pts)
    frames = []

    # Criterion level.
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(mx > 0, earned / mx, 0.0)
    crit_status = np.select(
        [not_assessed, missing_share > _EPS, frac >= 1 - _EPS, frac > _EPS],
        ["not_assessed", "partial", "full", "partial"], default="none")
    crit_points = np.where(not_assessed, np.nan, earned)
    frames.append(_block(keys, "criterion", c["id"].to_numpy(), crit_points, mx, crit_status, missing_max))

    bonus = c["bonus"].to_numpy(bool)
    for level in ("level3", "level2", "level1", "total"):
        if level == "total":
            ids = np.array(["total"])
            member = np.ones((len(c), 1))
        else:
            col = c[level]
            if col.isna().all():
                continue
            ids = np.asarray(pd.unique(col.dropna()), dtype=object)
            member = (col.to_numpy(object)[:, None] == ids[None, :]).astype(float)
        node_pts = earned @ member
        # Bonus items (附加分) add points on top of the maximum, never to it.
        node_max = mx @ (member * ~bonus[:, None])
        node_missing = missing_max @ (member * ~bonus[:, None])
        status = np.where(node_missing > _EPS, "incomplete", "complete")
        frames.append(_block(keys, level, ids, node_pts, node_max, status, node_missing))
    out = pd.concat(frames, ignore_index=True)
    out["level"] = pd.Categorical(out["level"], categories=list(LEVELS))
    out["status"] = pd.Categorical(out["status"], categories=list(CRITERION_STATUS + NODE_STATUS))
    return out


def _block(keys: pd.DataFrame, level: str, ids: np.ndarray, points: np.ndarray, max_points: np.ndarray,
           status: np.ndarray, missing_max: np.ndarray) -> pd.DataFrame:
    n, k = points.shape
    return pd.DataFrame({
        "region": np.repeat(keys["region"].to_numpy(), k),
        "year": np.repeat(keys["year"].to_numpy(), k),
        "level": level,
        "id": np.tile(ids.astype(object), n),
        "points": points.ravel(),
        "max_points": np.broadcast_to(max_points, (n, k)).ravel(),
        "status": np.asarray(status).ravel(),
        "missing_max": missing_max.ravel(),
    })


def totals(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per region and year: total points, maximum, status and the unassessed maximum."""
    t = scores[scores["level"] == "total"]
    return t[["region", "year", "points", "max_points", "status", "missing_max"]].reset_index(drop=True)


def mandatory_status(rubric: Rubric, scores: pd.DataFrame) -> pd.DataFrame:
    """Each 必备条件 per region and year: ``met`` (True/False/NA when not assessed)."""
    mand = rubric.criteria.loc[rubric.criteria["mandatory"], ["id", "text_zh", "text_en"]]
    crit = scores[(scores["level"] == "criterion") & scores["id"].isin(mand["id"])]
    out = crit[["region", "year", "id", "status"]].merge(mand, on="id", how="left")
    out["met"] = pd.array(np.where(out["status"] == "not_assessed", None, out["status"] == "full"),
                          dtype="boolean")
    return out.drop(columns="status").reset_index(drop=True)


def rank(scores: pd.DataFrame, by: pd.Series | Mapping[str, str] | None = None) -> pd.DataFrame:
    """Rank regions by total within each year (and within ``by`` groups, e.g. their city).

    Ties share the best rank ("min"). ``percentile`` is the share of peers ranked strictly above,
    in percent (0 = top).
    """
    t = totals(scores)
    keys = ["year"]
    if by is not None:
        mapping = pd.Series(by) if isinstance(by, Mapping) else by
        t["group"] = t["region"].map(mapping)
        keys.append("group")
    g = t.groupby(keys, observed=True)["points"]
    t["rank"] = g.rank(method="min", ascending=False).astype(int)
    t["peers"] = g.transform("size").astype(int)
    t["percentile"] = (t["rank"] - 1) / t["peers"] * 100
    return t
