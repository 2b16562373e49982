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
  in the same year (see :mod:`creditlab.normalise`; metrics with a published target can use
  goalposts or the distance to the target instead), and an item earns its points times the weighted
  mean of its metrics;
* ``weighted`` (henan-2021): assessed scores 0–100 combined with user weights (equal by default over
  the non-bonus items). Bonus items (附加分) are added on top of that 0–100 score **by default**, each
  with the default weight of one ordinary item (the rubric's choice ``bonus-on-top``), so a total can
  exceed 100; give a bonus item weight 0 to leave it out, or another weight to change its share.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.i18n import tr
from ..core.problems import Problems, default_lang, said
from ..loaders.data import park_codes
from ..loaders.rubric import Rubric
from .normalise import METHODS as NORMALISATIONS
from .normalise import PARAMETER_METHODS, NormalisationError, normalise
from .points import DEFAULT_STEP, is_tied, top_share
from .points import rank as rank_points

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
    goalposts: Mapping[str, tuple[float, float]] | None = None,
    targets: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Score every region and year in ``data`` (columns ``region, year, criterion, value``).

    ``zones``: region codes scored as development zones (开发区) under the park variants; by default
    the zones listed in ``data/regions/zones.csv`` (``creditlab.data.park_codes()``); ``()`` for none.
    ``normalisation`` / ``compare_within``: for norm-referenced rubrics, the normalisation
    (``minmax``, ``zscore``, ``percentile``, ``distance``; see :mod:`creditlab.normalise` for each
    formula and its COINr name) and an optional region → group mapping so regions are only compared
    within their group (e.g. their city); default: all regions in a year. ``goalposts`` (metric id →
    (lower, upper)) and ``targets`` (metric id → target, e.g. :func:`published_targets`): those
    metrics use goalposts or the distance to the target instead (``normalisation="goalposts"`` or
    ``"target"``: every metric, each needing its parameters).
    ``weights``: for weighted rubrics, criterion (or level-3) id → weight; default equal, and bonus
    items (附加分) count on top with one ordinary item's weight unless given 0.
    """
    _check_columns(data)
    ids = rubric.metrics["id"] if rubric.method == "norm_referenced" else rubric.criteria["id"]
    keys, values = _matrix(rubric, data, ids)

    if rubric.method == "absolute":
        if zones is None:
            zones = park_codes()
        zone_mask = keys["region"].isin(set(zones)).to_numpy()
        pts, mx = _points_absolute(rubric, values, zone_mask)
    elif rubric.method == "norm_referenced":
        if normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {', '.join(NORMALISATIONS)}")
        methods, gp, tg = _metric_methods(rubric, normalisation, goalposts, targets)
        pts, mx, values = _points_norm(rubric, values, keys, methods, compare_within, gp, tg)
    elif rubric.method == "weighted":
        pts, mx = _points_weighted(rubric, values, weights)
    else:  # pragma: no cover - the rubric loader rejects other methods
        raise ValueError(rubric.method)
    return _long(rubric, keys, values, pts, mx)


def _check_columns(data: pd.DataFrame) -> None:
    missing = [c for c in ("region", "year", "criterion", "value") if c not in data.columns]
    if missing:
        raise DataError(said(f"指标数据缺少列：{'、'.join(missing)}",
                             f"indicator data lacks column(s) {', '.join(missing)}"))


def _factorize(col: pd.Series, sort: bool = False) -> tuple[np.ndarray, pd.Index]:
    """Codes and uniques; instant for categorical columns (as ``score`` and the loaders return)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        cats = col.cat.categories.astype(str)
        if (codes < 0).any():
            raise DataError(said(f"列「{col.name}」有空值", f"column '{col.name}' has empty entries"))
        if sort:
            order = np.argsort(np.asarray(cats, dtype=object))
            remap = np.empty_like(order)
            remap[order] = np.arange(len(order))
            codes, cats = remap[codes], cats[order]
        return codes, cats
    return pd.factorize(col.astype(str), sort=sort)


def _matrix(rubric: Rubric, data: pd.DataFrame, ids: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    """The sorted region-year keys and the values as a (region-year × id) matrix, NaN = not assessed."""
    reg_codes, regions = _factorize(data["region"], sort=True)
    year_codes, years = pd.factorize(data["year"].astype(int), sort=True)
    crit_codes, crits = _factorize(data["criterion"])
    lookup = pd.Index(ids).get_indexer(crits)
    used = np.bincount(crit_codes, minlength=len(crits)) > 0
    if ((lookup < 0) & used).any():
        unknown = sorted(np.asarray(crits)[(lookup < 0) & used])
        raise DataError(said(f"有{len(unknown)}个指标编号不在评估标准 {rubric.name} 中",
                             f"{len(unknown)} criterion id(s) not in rubric {rubric.name}"),
                        [said(f"指标「{c}」不在评估标准 {rubric.name} 中",
                              f"criterion '{c}' is not in rubric {rubric.name}") for c in unknown[:50]])
    # Dense region × year grid; only the pairs present in the data become rows.
    cell = reg_codes * len(years) + year_codes
    present = np.zeros(len(regions) * len(years), bool)
    present[cell] = True
    cells = np.flatnonzero(present)
    row_of_cell = np.full(present.size, -1)
    row_of_cell[cells] = np.arange(len(cells))
    row = row_of_cell[cell]
    col = lookup[crit_codes]
    flat = row * len(ids) + col
    counts = np.bincount(flat, minlength=len(cells) * len(ids))
    if (counts > 1).any():
        dup = np.isin(flat, np.flatnonzero(counts > 1))
        rows = data.loc[dup, ["region", "year", "criterion"]].drop_duplicates().head(20)
        raise DataError(said("指标数据中有重复的值", "duplicate values in indicator data"),
                        [said(f"区县 {r.region}、{r.year} 年、指标 {r.criterion} 出现不止一次",
                              f"region {r.region}, year {r.year}, criterion {r.criterion} appears more than once")
                         for r in rows.itertuples()])
    out = np.full(len(cells) * len(ids), np.nan)
    out[flat] = pd.to_numeric(data["value"], errors="raise").to_numpy(float)
    keys = pd.DataFrame({"region": np.asarray(regions, dtype=object)[cells // len(years)],
                         "year": np.asarray(years)[cells % len(years)]})
    return keys, out.reshape(len(cells), len(ids))


# Integer codes for the absolute rules, so per-cell rule choice is cheap integer arithmetic.
_BINARY, _THRESHOLD_PCT, _THRESHOLD_COUNT, _PER_UNIT, _AWARDED = range(5)
_RULE_NAMES = {_BINARY: "binary", _THRESHOLD_PCT: "threshold", _THRESHOLD_COUNT: "threshold",
               _PER_UNIT: "per_unit", _AWARDED: "points awarded"}
_RULE_NAMES_ZH = {_BINARY: "达标即得分", _THRESHOLD_PCT: "达到阈值得分", _THRESHOLD_COUNT: "达到阈值得分",
                  _PER_UNIT: "按个数计分", _AWARDED: "评定分值"}


def _rule_codes(rule: pd.Series, unit: pd.Series) -> np.ndarray:
    return np.select(
        [rule == "binary", (rule == "threshold") & (unit == "percent"), rule == "threshold", rule == "per_unit",
         rule.isin(["discretionary", "graded"])],
        [_BINARY, _THRESHOLD_PCT, _THRESHOLD_COUNT, _PER_UNIT, _AWARDED], default=-1).astype(np.int8)


def _points_absolute(rubric: Rubric, values: np.ndarray, zone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = rubric.criteria
    base = _rule_codes(c["rule"], c["unit"])
    park = _rule_codes(c["park_rule"].fillna(""), c["unit"])
    rule = np.broadcast_to(base, values.shape)
    if zone.any():
        rule = np.where(zone[:, None] & (park >= 0)[None, :], park[None, :], rule)
    points = c["points"].to_numpy(float)
    _check_ranges(rubric, values, rule, points)
    with np.errstate(invalid="ignore"):
        earned = np.select(
            [rule == _BINARY, (rule == _THRESHOLD_PCT) | (rule == _THRESHOLD_COUNT), rule == _PER_UNIT],
            [np.where(values >= 1, points, 0.0),
             np.where(values >= c["at_least"].to_numpy(float) - _EPS, points, 0.0),
             np.minimum(values * c["per_unit"].to_numpy(float), points)],
            default=values,  # discretionary and graded rows: the value is the points awarded
        )
    earned[np.isnan(values)] = np.nan
    return earned, np.broadcast_to(points, values.shape).copy()


def _check_ranges(rubric: Rubric, values: np.ndarray, rule: np.ndarray, points: np.ndarray) -> None:
    """Refuse values a rule cannot score (the loaders report these with file and row)."""
    with np.errstate(invalid="ignore"):
        bad = np.select(
            [rule == _BINARY, rule == _THRESHOLD_PCT, (rule == _THRESHOLD_COUNT) | (rule == _PER_UNIT)],
            [(values != 0) & (values != 1), (values < 0) | (values > 100), (values < 0) | (values != np.round(values))],
            default=(values < 0) | (values > points + _EPS),
        )
    bad &= ~np.isnan(values)
    if bad.any():
        rows, cols = np.nonzero(bad)
        ids = rubric.criteria["id"].to_numpy()
        raise DataError(
            said(f"有{len(rows)}个值无法按其计分规则计分", f"{len(rows)} value(s) cannot be scored by their rule"),
            [said(f"指标 {ids[j]}（{_RULE_NAMES_ZH[int(rule[i, j])]}）：值 {values[i, j]:g} 超出范围",
                  f"criterion {ids[j]} ({_RULE_NAMES[int(rule[i, j])]}): value {values[i, j]:g} is out of range")
             for i, j in zip(rows[:20], cols[:20], strict=True)],
        )


def published_targets(rubric: Rubric) -> dict[str, float]:
    """Metric id → the target its source text publishes (``threshold_note.at_least`` in the rubric
    file), in the metric's unit; linyi-2019: ``{"L5.1-1": 50.0}`` (建档率达 50%以上). For
    ``score(..., targets=published_targets(rubric))``."""
    out: dict[str, float] = {}
    stack = list(rubric.raw.get("levels") or [])
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping):
            continue
        stack += list(node.get("children") or []) + list(node.get("criteria") or [])
        for m in node.get("metrics") or []:
            note = m.get("threshold_note") if isinstance(m, Mapping) else None
            if isinstance(note, Mapping) and note.get("at_least") is not None:
                out[str(m["id"])] = float(note["at_least"])
    return dict(sorted(out.items()))


def _metric_methods(rubric: Rubric, normalisation: str, goalposts: Mapping[str, tuple[float, float]] | None,
                    targets: Mapping[str, float] | None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Per metric: its normalisation method, goalposts (lower, upper) and target (NaN where unused)."""
    ids = rubric.metrics["id"].astype(str).to_list()
    goalposts, targets = dict(goalposts or {}), dict(targets or {})
    lang = default_lang()
    what = tr(f"评估标准{rubric.name}的标准化参数", f"the normalisation parameters of rubric {rubric.name}", lang)
    pb = Problems(what, error=NormalisationError, lang=lang)
    for kind, given in (("goalposts", goalposts), ("targets", targets)):
        for key in sorted(set(map(str, given)) - set(ids)):
            pb.add(f"{kind}中的监测指标{key}不在评估标准{rubric.name}中",
                   f"{kind}: metric {key} is not in rubric {rubric.name}")
    for key in sorted(set(goalposts) & set(targets)):
        pb.add(f"监测指标{key}同时给出了goalposts和targets，只能选一种",
               f"metric {key} has both goalposts and a target; give one")
    pb.raise_if_any()
    gp = np.full((len(ids), 2), np.nan)
    tg = np.full(len(ids), np.nan)
    methods = []
    for j, mid in enumerate(ids):
        if mid in goalposts:
            gp[j] = np.asarray(goalposts[mid], float).reshape(2)
            methods.append("goalposts")
        elif mid in targets:
            tg[j] = float(targets[mid])
            methods.append("target")
        else:  # a parameter method without its parameters is reported by normalise() for every metric
            methods.append(normalisation)
    if normalisation in PARAMETER_METHODS and not (goalposts or targets):
        raise NormalisationError(f"normalisation {normalisation!r} needs goalposts or targets per metric")
    return methods, gp, tg


def _points_norm(rubric: Rubric, values: np.ndarray, keys: pd.DataFrame, method: str | list[str],
                 compare_within, goalposts: np.ndarray | None = None,
                 targets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = rubric.metrics
    groups = keys["year"].astype(str)
    if compare_within is not None:
        mapping = pd.Series(compare_within) if isinstance(compare_within, Mapping) else compare_within
        group = keys["region"].map(mapping)
        if group.isna().any():
            raise DataError(said("有区县没有比较组", "regions without a comparison group"),
                            [said(f"区县 {r} 没有比较组", f"region {r} has no group")
                             for r in keys.loc[group.isna(), "region"].unique()[:20]])
        groups = groups + "|" + group.astype(str)
    directions = m["direction"].to_numpy()
    normed = normalise(values, groups.to_numpy(), directions, method, goalposts=goalposts, targets=targets,
                       names=m["id"].astype(str).to_list())
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
        raise DataError(said("评价得分应在 0–100 之间", "assessed scores must lie in 0–100"))
    # Points on a 0–100 scale over the non-bonus items; bonus items add on top with their own weight.
    scale = 100.0 / w[~bonus].sum()
    mx = w * scale
    earned = values / 100.0 * mx[None, :]
    return earned, np.broadcast_to(mx, earned.shape).copy()


def _long(rubric: Rubric, keys: pd.DataFrame, values: np.ndarray, pts: np.ndarray,
          mx: np.ndarray) -> pd.DataFrame:
    """Aggregate criterion points up the tree with one membership matrix and return the long frame.

    Rows run region by region and year by year; within each, criteria first, then level 3, 2, 1 and
    the total. ``region``, ``level``, ``id`` and ``status`` are categoricals (cheap for millions of rows).
    """
    c = rubric.criteria
    if rubric.method == "norm_referenced":
        missing_share = values  # fraction of each item's metric weight not assessed
        not_assessed = np.isnan(pts)
    else:
        missing_share = np.isnan(values).astype(float)
        not_assessed = np.isnan(values)
    missing_max = missing_share * mx
    earned = np.nan_to_num(pts)

    # Nodes: every criterion, then the distinct ids of each level present, then the total.
    node_ids = list(c["id"])
    node_level = [0] * len(c)
    blocks = [np.eye(len(c))]
    for code, level in enumerate(("level3", "level2", "level1"), start=1):
        col = c[level]
        if col.isna().all():
            continue
        ids = np.asarray(pd.unique(col.dropna()), dtype=object)
        blocks.append((col.to_numpy(object)[:, None] == ids[None, :]).astype(float))
        node_ids += list(ids)
        node_level += [code] * len(ids)
    blocks.append(np.ones((len(c), 1)))
    node_ids.append("total")
    node_level.append(4)
    member = np.hstack(blocks)
    # Bonus items (附加分) add points on top of the maximum, never to it.
    member_max = member * ~c["bonus"].to_numpy(bool)[:, None]
    member_max[:, : len(c)] = np.eye(len(c))

    node_pts = earned @ member
    node_max = np.broadcast_to(mx, earned.shape) @ member_max
    node_missing = missing_max @ member_max
    n_crit = len(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(mx > 0, earned / mx, 0.0)
    # Category codes of CRITERION_STATUS + NODE_STATUS: full 0, partial 1, none 2, not_assessed 3,
    # complete 4, incomplete 5.
    status = np.where(node_missing > _EPS, 5, 4).astype(np.int8)
    status[:, :n_crit] = np.select([not_assessed, missing_share > _EPS, frac >= 1 - _EPS, frac > _EPS],
                                   [3, 1, 0, 1], default=2)
    node_pts[:, :n_crit] = np.where(not_assessed, np.nan, earned)

    n, k = node_pts.shape
    reg_codes, regions = pd.factorize(keys["region"])
    # One float block filled in place and wrapped without a copy: building the frame from separate
    # 1.5-million-row arrays would spend most of the time stacking them.
    floats = np.empty((3, n * k))
    floats[0], floats[1], floats[2] = node_pts.ravel(), node_max.ravel(), node_missing.ravel()
    out = pd.DataFrame(floats.T, columns=["points", "max_points", "missing_max"], copy=False)
    out.insert(0, "region", pd.Categorical.from_codes(np.repeat(reg_codes, k), categories=regions, validate=False))
    out.insert(1, "year", np.repeat(keys["year"].to_numpy(int), k))
    out.insert(2, "level", pd.Categorical.from_codes(np.tile(np.asarray(node_level, np.int8), n),
                                                     categories=list(LEVELS), validate=False))
    out.insert(3, "id", pd.Categorical.from_codes(np.tile(np.arange(k), n),
                                                  categories=pd.Index(node_ids, dtype=object), validate=False))
    out.insert(6, "status", pd.Categorical.from_codes(status.ravel(), categories=list(CRITERION_STATUS + NODE_STATUS),
                                                      validate=False))
    return out


def submitted(scores: pd.DataFrame) -> pd.DataFrame:
    """``region, year`` with at least one assessed value. A unit with none returned nothing (未报送):
    it has no score, and is left out of ranks, averages and counts — no data is not zero points."""
    c = scores[scores["level"] == "criterion"]
    has = c["status"].astype(str).ne("not_assessed").groupby([c["region"].astype(str), c["year"]]).any()
    return has[has].reset_index()[["region", "year"]]


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


def rank(scores: pd.DataFrame, by: pd.Series | Mapping[str, str] | None = None,
         step: float | None = None) -> pd.DataFrame:
    """Rank regions by total within each year (and within ``by`` groups, e.g. their city).

    The one rank definition (:func:`creditlab.points.rank`): totals compared at the rubric's points
    ``step`` (``creditlab.points.points_step(rubric)``; default 0.01, which gives the same ties for
    rubrics in 0.1 steps), ties share the best rank ("min"). ``peers`` is the population size,
    ``tied`` whether another region shares the rank, ``percentile`` the share of peers ranked strictly
    above (%, 0 = top) and ``top_share`` the share at or above the region (%: rank 5 of 107 is the top 4.7 %).
    """
    t = totals(scores)
    keys = ["year"]
    if by is not None:
        mapping = pd.Series(by) if isinstance(by, Mapping) else by
        t["group"] = t["region"].map(mapping)
        keys.append("group")
    group = t.groupby(keys, observed=True, sort=False).ngroup().to_numpy()
    t["rank"] = rank_points(t["points"].to_numpy(float), DEFAULT_STEP if step is None else step, group)
    t["peers"] = t.groupby(keys, observed=True)["points"].transform("size").astype(int)
    t["tied"] = is_tied(t["rank"].to_numpy(), group)
    t["percentile"] = (t["rank"] - 1) / t["peers"] * 100
    t["top_share"] = top_share(t["rank"].to_numpy(), t["peers"].to_numpy())
    return t
