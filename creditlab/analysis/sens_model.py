"""The weight model: one year's regions, their share of each indicator's points, and the verdict rule per draw.

:func:`prepare` scores the data once; :class:`WeightModel` re-scores, ranks and certifies under other weights
and carries the analyses as methods (one module each: ``sens_monte_carlo``, ``sens_sobol``, ``sens_tipping``,
``sens_local``, ``sens_scenarios``). The functions of the same names below take ``rubric, data, context``
instead. The method is described in :mod:`creditlab.sensitivity`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.problems import said
from ..loaders.rubric import Rubric
from .certification import (
    FAIL,
    NO_CERTIFICATION,
    PASS,
    check_bounds,
    decide,
    evaluate_conditions,
    positive_verdict,
    result_codes,
    result_words,
    three_valued,
    verdict_rule,
)
from .model import Model, _scope_arg, region_names, scope_area
from .points import (
    RankWork,
    is_tied,
    keys,
    kinds,
    peers,
    points_step,
    population_area,
    population_words,
    rank_draws,
    rank_keys,
)
from .sens_local import LocalMethod
from .sens_monte_carlo import MonteCarloMethod, MonteCarloResult
from .sens_scenarios import ScenariosMethod
from .sens_sobol import SOBOL_N, SobolMethod, SobolResult
from .sens_tipping import TippingMethod, TippingPoint
from .weights import WEIGHT_LEVELS, Scenario, check_weights, load_scenarios

# (checks on the total: (op, right-hand side as keys) each; the other conditions: (holds, fails) per region)
VerdictParts = tuple[list[tuple[str, np.ndarray]], tuple[np.ndarray, np.ndarray]]


@dataclass
class WeightModel(MonteCarloMethod, SobolMethod, TippingMethod, LocalMethod, ScenariosMethod):
    """Everything needed to re-score one year's regions under other weights."""

    rubric: Rubric
    year: int
    level: str
    regions: np.ndarray            # region codes (str), the model's row order
    names: pd.Series               # region code → name (code itself when unknown)
    ids: list[str]                 # weight ids at ``level``
    nominal: pd.Series             # nominal weights (points), index ``ids``
    total: float                   # the weights' total (rubric maximum)
    f_lo: np.ndarray               # regions × ids: share of each indicator's points earned
    f_hi: np.ndarray               # same, with not-assessed criteria at full marks
    offset_lo: np.ndarray          # points outside the weighted indicators (bonus items)
    offset_hi: np.ndarray
    incomplete: np.ndarray         # bool per region: some criterion not assessed
    nominal_scores: np.ndarray     # totals from score() (lower bounds where incomplete)
    other: np.ndarray              # non-weight conditions per region: pass / fail / unknown
    score_checks: list[tuple[str, np.ndarray]]  # (op, right-hand side per region) on the total
    conditions: pd.DataFrame       # nominal per-condition results (evaluate_conditions)
    verdicts: pd.DataFrame         # nominal certify() output
    scores: pd.DataFrame = field(repr=False)  # the score() frame
    step: float = 0.01             # the rubric's points step (creditlab.points.points_step)
    is_park: np.ndarray | None = None  # bool per region: development zone (ranked among zones)
    area: str | None = None        # population's area: None province, a city name, "" a selection
    units: pd.DataFrame | None = field(default=None, repr=False)  # assessment units (code, city, is_park)
    excluded: np.ndarray | None = None  # bool per region: an exclusion condition applies (not_eligible)

    def __repr__(self) -> str:  # the arrays make the dataclass repr unreadable
        return (f"WeightModel({self.rubric.name!r}, year={self.year}, level={self.level!r}, "
                f"{self.n_regions} regions, weights {dict(self.nominal)})")

    @property
    def passing(self) -> str:
        """certify()'s verdict when every condition holds (``certified``; ``eligible`` for henan-2021)."""
        return positive_verdict(self.rubric)

    @property
    def n_regions(self) -> int:
        return len(self.regions)

    def region_index(self, region: str) -> int:
        """The row of ``region`` in the model; :class:`DataError` if it is not compared."""
        hit = np.flatnonzero(self.regions == str(region))
        if not len(hit):
            raise DataError(said(f"区县 {region!r} 不在 {self.year} 年参与比较的{self.n_regions}个区县中",
                                 f"region {region!r} is not among the {self.n_regions} regions compared "
                                 f"in {self.year}"))
        return int(hit[0])

    def indicator_names(self, lang: str = "zh") -> pd.Series:
        """Weight id → indicator name."""
        lv = self.rubric.levels.set_index("id")
        return lv.loc[self.ids, "name_zh" if lang == "zh" else "name_en"].rename("name")

    def scores_for(self, weights: np.ndarray, upper: bool = False, out: np.ndarray | None = None) -> np.ndarray:
        """Scores (draws × regions) for weight rows already renormalised; ``out``: a buffer for them."""
        f, off = (self.f_hi, self.offset_hi) if upper else (self.f_lo, self.offset_lo)
        s = np.matmul(np.atleast_2d(weights), f.T, out=out)
        s += off
        return s

    def ranks(self, scores: np.ndarray) -> np.ndarray:
        """Ranks (draws × regions) at the rubric's precision, counties and zones each among their own."""
        return rank_draws(scores, self.step, self.is_park)

    def ranks_of_keys(self, k: np.ndarray, work: RankWork | None = None, bound: float | None = None
                      ) -> np.ndarray:
        """:meth:`ranks` from the scores' :func:`~creditlab.points.keys` (a view into ``work`` when given;
        ``bound``: see :func:`~creditlab.points.rank_keys`)."""
        return rank_keys(k, self.is_park, work, bound)

    def nominal_ranks(self) -> np.ndarray:
        return self.ranks(self.nominal_scores[None, :])[0]

    def peers(self) -> np.ndarray:
        """Per region, the size of the population it is ranked in."""
        return peers(self.is_park, self.n_regions)

    def population(self, is_park: bool = False, lang: str = "zh") -> str:
        """The population ranks are taken in, in words (全省107个县（市、区）)."""
        mine = self.is_park == is_park if self.is_park is not None else np.ones(self.n_regions, bool)
        area, area_en = population_area(self.regions[mine], self.units, is_park, self.area)
        return population_words(int(mine.sum()), is_park, area, lang, area_en=area_en)

    def results_for(self, weights: np.ndarray, lo: np.ndarray | None = None) -> np.ndarray:
        """Every condition combined, per draw and region (draws × regions): PASS, FAIL or UNKNOWN
        (:mod:`creditlab.certification`'s codes) — :meth:`certification_for` as codes."""
        certified, failed = self.certification_for(weights, lo)
        return three_valued(failed, ~certified)

    def certification_for(self, weights: np.ndarray, lo: np.ndarray | None = None,
                          lo_keys: np.ndarray | None = None, parts: VerdictParts | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
        """(certified, failed) boolean arrays (draws × regions); neither = undecided (nothing to certify: every
        draw). The rule :func:`certify` applies: the checks on the total at both bounds
        (:func:`~creditlab.certification.check_bounds`) and the other conditions' results, combined
        three-valued (:func:`~creditlab.certification.decide`). ``lo``: the scores of ``weights`` when already
        computed; ``lo_keys``: their :func:`~creditlab.points.keys`; ``parts``: :meth:`verdict_parts`, when
        already computed for many chunks of draws."""
        shape = (len(np.atleast_2d(weights)), self.n_regions)
        if not self.has_certification:
            return np.zeros(shape, bool), np.zeros(shape, bool)
        if lo_keys is None:
            lo_keys = keys(self.scores_for(weights) if lo is None else lo, self.step)
        hi_keys = keys(self.scores_for(weights, upper=True), self.step) if self.incomplete.any() else lo_keys
        checks, other = self.verdict_parts() if parts is None else parts
        # No check on the total (henan-2021: exclusions only): the same result in every draw.
        out = decide([*(check_bounds(lo_keys, hi_keys, op, rhs) for op, rhs in checks), other])
        return tuple(r if r.shape == shape else np.broadcast_to(r, shape).copy() for r in out)

    def verdict_parts(self) -> VerdictParts:
        """What :meth:`certification_for` needs in every draw, from the model as it is now: the checks on the
        total with their right-hand sides as keys, and the other conditions' (holds, fails) per region."""
        other = result_codes(self.other)
        return [(op, keys(rhs, self.step)) for op, rhs in self.score_checks], (other == PASS, other == FAIL)

    @property
    def has_certification(self) -> bool:
        """Whether the rubric has certification (or exclusion) conditions at all (linyi-2019 has none)."""
        return bool(self.rubric.certification.get("conditions"))

    def weights_vector(self, weights: Mapping[str, float] | pd.Series | Scenario | None) -> pd.Series:
        """Weights for this model's ids, renormalised (missing ids keep their nominal weight)."""
        if weights is None:
            return self.nominal.copy()
        if isinstance(weights, Scenario):
            weights = weights.weights_at(self.rubric, self.level)
        return check_weights(weights, self.nominal)

    def evaluate(self, weights: Mapping[str, float] | pd.Series | Scenario | None = None) -> pd.DataFrame:
        """Score, rank and verdict of every region under ``weights`` beside the nominal ones.

        ``weights`` (points per id at the model's level) are renormalised to the total; ids left
        out keep their nominal weight. Columns: ``region, name, score, rank, verdict,
        nominal_score, nominal_rank, nominal_verdict, rank_change, verdict_changed,
        score_is_lower_bound, tied, nominal_tied, peers, is_park`` (``rank_change`` > 0: moved up;
        ``peers``: size of the population the rank is taken in).
        """
        w = self.weights_vector(weights).to_numpy(float)
        s = self.scores_for(w)
        ranks = self.ranks(s)[0]
        # Exclusions do not depend on the weights: the nominal ones hold in every draw.
        excluded = False if self.excluded is None else self.excluded
        verdict = verdict_rule(self.results_for(w[None, :], s)[0], excluded, self.passing)
        if not self.has_certification:  # linyi-2019: no verdict under any weights (certify's no_certification)
            verdict = np.full(len(self.regions), NO_CERTIFICATION, dtype=object)
        nominal_rank = self.nominal_ranks()
        nominal_verdict = self.verdicts.set_index("region")["verdict"].reindex(self.regions).to_numpy()
        return pd.DataFrame({
            "region": self.regions, "name": self.names.reindex(self.regions).to_numpy(),
            "score": s[0], "rank": ranks, "verdict": verdict,
            "nominal_score": self.nominal_scores, "nominal_rank": nominal_rank,
            "nominal_verdict": nominal_verdict, "rank_change": nominal_rank - ranks,
            "verdict_changed": verdict != nominal_verdict, "score_is_lower_bound": self.incomplete,
            "tied": is_tied(ranks, self.is_park), "nominal_tied": is_tied(nominal_rank, self.is_park),
            "peers": self.peers(),
            "is_park": np.zeros(self.n_regions, bool) if self.is_park is None else self.is_park,
        }).sort_values(["is_park", "rank", "region"], ignore_index=True)


def prepare(
    rubric: Rubric,
    data: pd.DataFrame,
    context: pd.DataFrame | None = None,
    *,
    year: int | None = None,
    scope: str | Iterable[str] | None = None,
    level: str = "level2",
    zones: Iterable[str] | None = None,
) -> WeightModel:
    """Evaluate ``data`` once (:class:`creditlab.analysis.model.Model`) and build its weight view.

    ``year``: default the latest year in ``data``. ``scope``: ``None``/``"province"`` for every
    region in the data, a prefecture city (name such as ``"西安市"`` or 6-digit code) for its
    counties, or a list of region codes. ``level``: ``"level2"`` (default) or ``"level1"``.
    ``zones``: codes scored with the development-zone (开发区) variants; default the bundled zones
    table (:func:`creditlab.data.park_codes`), as the county reports do.
    """
    if level not in WEIGHT_LEVELS:
        raise ValueError(f"level must be one of {', '.join(WEIGHT_LEVELS)}, got {level!r}")
    for col in ("region", "year", "criterion", "value"):
        if col not in data.columns:
            raise DataError(said(f"指标数据缺少列 {col!r}", f"indicator data lacks column {col!r}"))
    years = sorted(pd.to_numeric(data["year"]).astype(int).unique().tolist())
    if not years:
        raise DataError(said("指标数据为空", "indicator data is empty"))
    year = years[-1] if year is None else int(year)
    return weight_view(Model(rubric, data, context, zones=zones, year=year, scope=scope, level=level))


def weight_view(model: Model) -> WeightModel:
    """The weight model of an evaluated model of one year: a stage of it (``weight_model``), built once from its
    scores, conditions and verdicts — nothing is scored or certified again."""
    if model.spec.year is None:
        raise ValueError("the weight view needs a model of one year (Model(..., year=...))")
    if model.spec.level not in WEIGHT_LEVELS:
        raise ValueError(f"level must be one of {', '.join(WEIGHT_LEVELS)}, got {model.spec.level!r}")
    return model.stage("weight_model", lambda: _build(model))




def _build(model: Model) -> WeightModel:
    spec = model.spec
    rubric, year, level, scope = spec.rubric, spec.year, spec.level, spec.scope
    model.frame  # noqa: B018 - the year and scope's rows: raises when there are none
    if rubric.max_points is None and rubric.method != "weighted":
        raise DataError(said(f"评估标准 {rubric.name} 没有分值，无法改变权重",
                             f"rubric {rubric.name} has no points; weights cannot be varied"))
    # A unit that returned nothing (every value blank) has no score: out of the ranks, like the reports.
    reported = set(model.submitted()["region"])
    scores = model.scores[model.scores["region"].astype(str).isin(reported)]
    if scores.empty:
        raise DataError(said(f"范围 {_scope_arg(scope)!r} 内的区县在 {year} 年没有已评价的指标值",
                             f"no assessed indicator values for the regions in scope {_scope_arg(scope)!r} in {year}"))
    # Which weighted nodes: the rubric's nodes at `level` that carry a maximum (bonus-only nodes do not).
    nodes = scores[scores["level"] == level]
    if nodes.empty:
        raise DataError(said(f"评估标准 {rubric.name} 没有{rubric.level_label(level)}（{level}）",
                             f"rubric {rubric.name} has no {level} indicators"))
    regions = np.asarray(sorted(nodes["region"].unique()), dtype=object)
    pts = nodes.pivot(index="region", columns="id", values="points").reindex(regions)
    mx = nodes.pivot(index="region", columns="id", values="max_points").reindex(regions)
    miss = nodes.pivot(index="region", columns="id", values="missing_max").reindex(regions)
    order = [i for i in rubric.levels.loc[rubric.levels["depth"] == int(level[-1]), "id"] if i in pts.columns]
    pts, mx, miss = pts[order], mx[order], miss[order]
    if (mx.max() - mx.min()).abs().max() > 1e-9:
        raise DataError(said(f"各区县的{rubric.level_label(level)}（{level}）满分不同，权重无法确定",
                             f"{level} maxima differ between regions; weights are undefined"))
    nominal_all = mx.iloc[0].astype(float)
    weighted = nominal_all > 0
    ids = [i for i in order if weighted[i]]
    nominal = nominal_all[ids].rename("weight")
    total = float(nominal.sum())
    p = pts.to_numpy(float)
    m = miss.to_numpy(float)
    w0 = nominal_all.to_numpy(float)
    wmask = weighted.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        f_lo = p[:, wmask] / w0[wmask]
        f_hi = (p[:, wmask] + m[:, wmask]) / w0[wmask]
    # Points of nodes without a maximum (bonus items) do not scale with any weight.
    offset_lo = p[:, ~wmask].sum(axis=1)
    offset_hi = offset_lo + m[:, ~wmask].sum(axis=1)

    tot = scores[scores["level"] == "total"].set_index("region").reindex(regions)
    incomplete = tot["missing_max"].to_numpy(float) > 1e-9
    # The model's conditions and verdicts (computed once for the year and scope), of the units with a score.
    conditions = model.conditions
    conditions = conditions[conditions["region"].astype(str).isin(reported)].reset_index(drop=True)
    verdicts = model.verdicts
    verdicts = verdicts[verdicts["region"].astype(str).isin(reported)].reset_index(drop=True)
    other, checks = _split_conditions(rubric, scores, spec.context, regions, conditions)
    units = model.units
    is_park = kinds(regions, units.set_index("code")["is_park"] if len(units) else None)
    excluded = verdicts.set_index("region")["verdict"].reindex(regions).eq("not_eligible").to_numpy()
    return WeightModel(
        rubric=rubric, year=year, level=level, regions=regions, names=region_names(regions),
        ids=ids, nominal=nominal, total=total, f_lo=np.ascontiguousarray(f_lo),
        f_hi=np.ascontiguousarray(f_hi), offset_lo=offset_lo, offset_hi=offset_hi,
        incomplete=incomplete, nominal_scores=tot["points"].to_numpy(float), other=other,
        score_checks=checks, conditions=conditions, verdicts=verdicts, scores=scores,
        step=points_step(rubric), is_park=is_park, area=_scope_area(_scope_arg(scope), units), excluded=excluded,
        units=units if len(units) else None,
    )


_scope_area = scope_area  # the name it had here before it moved to creditlab.analysis.model


def _split_conditions(rubric: Rubric, scores: pd.DataFrame, context: pd.DataFrame | None,
                      regions: np.ndarray, conditions: pd.DataFrame | None = None
                      ) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """Results of the weight-independent checks per region, and the checks on ``total``.

    ``conditions``: the model's :func:`~creditlab.certification.evaluate_conditions` of these scores; a
    condition without a check on the total is read from it. Only a condition that mixes the total with other
    checks (none in the bundled rubrics) has its other checks evaluated here, alone."""
    checks: list[tuple[str, np.ndarray]] = []
    kept, whole = [], []
    for cond in rubric.certification.get("conditions", []):
        rest = [c for c in cond["checks"] if c["field"] != "total"]
        for chk in cond["checks"]:
            if chk["field"] != "total":
                continue
            if "ref" in chk:
                if context is None or chk["ref"] not in context.columns:
                    rhs = np.full(len(regions), np.nan)
                else:
                    ctx = context.assign(region=context["region"].astype(str),
                                         year=pd.to_numeric(context["year"]).astype(int))
                    ctx = ctx[ctx["year"] == int(scores["year"].iloc[0])].set_index("region")
                    rhs = pd.to_numeric(ctx[chk["ref"]], errors="coerce").reindex(regions).to_numpy(float)
            else:
                rhs = np.full(len(regions), float(chk["value"]))
            checks.append((chk["op"], rhs))
        if rest and len(rest) == len(cond["checks"]) and conditions is not None:
            whole.append(cond["id"])
        elif rest:
            kept.append({**cond, "checks": rest})
    if not kept and not whole:
        return np.full(len(regions), "pass", dtype=object), checks
    parts = []
    if whole:
        parts.append(conditions[conditions["condition"].isin(whole)])
    if kept:
        parts.append(evaluate_conditions(replace(rubric, certification={**rubric.certification, "conditions": kept}),
                                         scores, context))
    others = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    # Per region, the other conditions combined by certify()'s rule (a region without any: unknown).
    flags = pd.DataFrame({"region": others["region"].astype(str), "fail": others["result"].eq("fail"),
                          "unknown": others["result"].eq("unknown")}).groupby("region").any()
    flags = flags.reindex(regions)
    res = result_words(three_valued(flags["fail"].fillna(False).to_numpy(bool),
                                    flags["unknown"].isna().to_numpy() | flags["unknown"].fillna(False).to_numpy(bool)))
    return res.astype(object), checks


# --------------------------------------------------------------------------------------------
# Each analysis straight from (rubric, data, context): prepare the model, run the method.


def monte_carlo(
    rubric: Rubric,
    data: pd.DataFrame,
    context: pd.DataFrame | None,
    scheme: str,
    spread_or_concentration: float,
    n: int,
    seed: int | None,
    level: str = "level2",
    *,
    year: int | None = None,
    scope: str | Iterable[str] | None = None,
    zones: Iterable[str] | None = None,
    keep_draws: bool | str = "auto",
    executor: Any = None,
) -> MonteCarloResult:
    """Scores, ranks and certification of each region over ``n`` random weightings.

    ``scheme``: ``"uniform"`` (± ``spread`` around each nominal weight, e.g. 0.25) or
    ``"dirichlet"`` (``concentration``, e.g. 100). Same seed, same numbers. ``.summary`` has one row
    per region: ``region, name, year, nominal_score, nominal_rank, median_rank, rank_p05, rank_p95,
    mean_rank_shift, p_certified, p_certified_min, p_certified_max, score_p05, score_p50, score_p95,
    nominal_verdict, other_conditions, score_is_lower_bound, flag``. ``flag``: ``ok``,
    ``other_conditions_fail`` (p = 0 whatever the weights), ``other_conditions_unknown`` or
    ``score_undecided`` (p = NaN; see the min/max bounds), ``no_certification`` (the rubric has no
    certification conditions, e.g. linyi-2019: p = NaN). Rank quantiles are exact up to 1,024 regions
    (beyond, to within ⌈regions / 1,024⌉ ranks: ``params["rank_resolution"]``); score quantiles come from a
    1,000-bin histogram per region (error below 0.1 % of the total); memory is linear in the regions.
    ``keep_draws``: keep every draw's scores and ranks (``"auto"``: when draws × regions ≤ 5e6).
    ``executor``: run the draws' tasks there (``concurrent.futures``-like ``.map``, e.g. a dask
    ``Client.get_executor()``); the numbers are the same as run here.
    """
    model = prepare(rubric, data, context, year=year, scope=scope, level=level, zones=zones)
    return model.monte_carlo(scheme, spread_or_concentration, n, seed, keep_draws, executor)


def sobol(
    rubric: Rubric,
    data: pd.DataFrame,
    context: pd.DataFrame | None,
    output: str = "n_certified",
    region: str | None = None,
    *,
    spread: float = 0.5,
    N: int = SOBOL_N,
    seed: int | None = 0,
    level: str = "level2",
    year: int | None = None,
    scope: str | Iterable[str] | None = None,
    zones: Iterable[str] | None = None,
    conf_level: float = 0.95,
    check_convergence: bool = True,
) -> SobolResult:
    """Sobol indices of each weight on ``output``: a ``region``'s ``score`` or ``rank``, the number
    of certified regions (``n_certified``) or the mean rank shift ``rank_shift`` (R̄S).

    Each weight varies uniformly within ± ``spread`` of its nominal value and the draw is then
    renormalised (COINr's noisy weights), so the indices measure how much of the output's variance
    each weight's uncertainty explains. ``N`` (a power of two; default 1024, the floor for a step
    output such as ``n_certified``) gives N·(K+2) evaluations; ``check_convergence`` adds as many
    again to compare the indices with those at 2N (``result.convergence``).
    """
    model = prepare(rubric, data, context, year=year, scope=scope, level=level, zones=zones)
    return model.sobol(output, region, spread, N, seed, conf_level, check_convergence)


def tipping_point(
    rubric: Rubric,
    data: pd.DataFrame,
    context: pd.DataFrame | None,
    region: str,
    bounds: float | Mapping[str, tuple[float, float]] = 0.5,
    target: str = "certify",
    *,
    level: str = "level2",
    year: int | None = None,
    scope: str | Iterable[str] | None = None,
    zones: Iterable[str] | None = None,
) -> TippingPoint:
    """Smallest change of weights (Σ |Δw|, points) within ``bounds`` that changes ``region``'s outcome.

    ``target="certify"``: a region below the score threshold reaches it; a region at or above it falls
    just below (how robust its certification is). Any other value is a region code: the two regions
    swap order (the trailing one overtakes by at least 1e-6 points). ``bounds``: a share (0.5 = each
    weight within ±50 % of nominal) or id → (low, high) in points. The weights always sum to the total.
    Solved as a linear programme (HiGHS) with the L1 norm split into positive and negative parts.
    Reaching uses the score with not-assessed criteria at 0, losing with them at full marks, so the
    outcome holds whatever the missing values are.
    """
    model = prepare(rubric, data, context, year=year, scope=scope, level=level, zones=zones)
    return model.tipping_point(region, bounds, target)


def tipping_table(
    rubric: Rubric,
    data: pd.DataFrame,
    context: pd.DataFrame | None,
    bounds: float | Mapping[str, tuple[float, float]] = 0.5,
    *,
    level: str = "level2",
    year: int | None = None,
    scope: str | Iterable[str] | None = None,
    zones: Iterable[str] | None = None,
) -> pd.DataFrame:
    """:func:`tipping_point` with ``target="certify"`` for every region, one row each."""
    model = prepare(rubric, data, context, year=year, scope=scope, level=level, zones=zones)
    return model.tipping_table(bounds)


def local_sensitivity(
    rubric: Rubric,
    data: pd.DataFrame,
    context: pd.DataFrame | None = None,
    *,
    level: str = "level2",
    year: int | None = None,
    scope: str | Iterable[str] | None = None,
    zones: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Points of score each region gains per point of weight moved to each indicator.

    The move: raise indicator k's weight ``w_k`` by d and scale every other weight by
    ``(T − w_k − d) / (T − w_k)``, so the others give way in proportion and the total stays ``T``.
    Region r's weighted score ``s_r = Σ_j w_j f_rj`` then changes at the rate
    ``ds/dd = f_rk − (s_r − w_k f_rk) / (T − w_k) = (T·f_rk − s_r) / (T − w_k)``
    (points of score per point of weight): positive where the region does better on k than overall,
    so it gains when k counts more. Points outside the weighted indicators (bonus items) do not
    move. Long frame ``region, name, id, indicator_zh, indicator_en, share_earned, effect``.
    """
    model = prepare(rubric, data, context, year=year, scope=scope, level=level, zones=zones)
    return model.local_sensitivity()


def compare_scenarios(
    rubric: Rubric,
    data: pd.DataFrame,
    context: pd.DataFrame | None,
    scenarios: Sequence[Scenario] | None = None,
    *,
    level: str = "level2",
    year: int | None = None,
    scope: str | Iterable[str] | None = None,
    zones: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Score, rank and verdict of each region under each named scenario (default: the rubric's
    bundled scenario file) and the nominal weights (scenario id ``nominal``)."""
    model = prepare(rubric, data, context, year=year, scope=scope, level=level, zones=zones)
    return model.compare_scenarios(scenarios if scenarios is not None else load_scenarios(rubric))
