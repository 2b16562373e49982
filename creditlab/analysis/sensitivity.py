"""How far scores, ranks and certification depend on the rubric's indicator weights.

The model. For region r and indicator k at the chosen level (``level2``: the 12 一级指标 of
shaanxi-2020; ``level1``: the 3 评估内容), ``f_rk`` is the share of k's nominal points the region
earned (from :func:`creditlab.scoring.score`). Under weights ``w`` (points, renormalised to the
rubric's maximum) the region scores ``Σ_k w_k f_rk``: criterion points scale with their indicator's
weight, and the nominal weights give back the nominal totals exactly. Scores for many weight vectors
are one matrix product.

Not-assessed criteria. :func:`~creditlab.scoring.score` counts a criterion without a value as 0
points and reports its maximum separately. Here too: scores and ranks use those points, i.e. a
*lower bound* (``score_is_lower_bound`` says where). The certification threshold is checked against
both bounds, as :mod:`creditlab.certification` does: met if the lower bound reaches it, failed if
even full marks on the missing criteria could not, otherwise undecided.

Certification in a draw. Only the score condition (the checks on ``total``) depends on the weights;
the other conditions (必备条件 met, the context conditions) are evaluated once with
:func:`~creditlab.certification.evaluate_conditions` and combined with the score check of every
draw. A region that fails another condition has probability 0; a region with an undecidable
condition or draw gets ``p_certified = NaN`` with a flag, and ``p_certified_min`` / ``_max`` bound
it (undecided draws counted as failures / as passes).

Ranks and thresholds. One comparison and one rank for every output (:mod:`creditlab.points`):
scores are compared in the rubric's points steps (a nominal 84.99999999999999 is 85 and certifies,
as in the county report); higher is better and equal scores share the best rank ("min"), as in
:func:`creditlab.scoring.rank`. Ranks are taken within the same population as the county report:
counties among the counties in scope, development zones among the zones. Continuous weights make
ties rare *except* between regions with identical indicator profiles (e.g. two counties with full
marks everywhere), which stay tied under every weighting — hence real tie handling rather than a
plain double argsort.

API. :func:`prepare` scores the data once and returns a :class:`WeightModel`; its methods (and the
module functions of the same names, which take ``rubric, data, context``) are :func:`monte_carlo`
(rank bands, R̄S, probability of certification), :func:`sobol` (Sobol indices via SALib),
:func:`tipping_point` / :func:`tipping_table` (smallest L1 reweighting, a linear programme solved by
HiGHS), :func:`local_sensitivity`, :func:`compare_scenarios` and ``WeightModel.evaluate`` (scores,
ranks and verdicts under given weights, for the scenario explorer). Weight schemes, renormalisation
and named scenarios live in :mod:`creditlab.weights`; charts and sentences in
:mod:`creditlab.sensitivity_figures`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from ..core.errors import DataError
from ..loaders.data import assessment_units, park_codes
from ..loaders.regions import in_city
from ..loaders.rubric import Rubric
from .certification import (
    FAIL,
    PASS,
    UNKNOWN,
    certify,
    check_total,
    combine,
    evaluate_conditions,
    positive_verdict,
    result_codes,
    result_words,
    three_valued,
    verdict_rule,
)
from .points import (
    compare,
    is_tied,
    kinds,
    peers,
    points_step,
    population_area,
    population_words,
    rank_draws,
    rank_rows,  # noqa: F401 - public here before it moved to creditlab.points
)
from .scoring import score, submitted
from .weights import (
    WEIGHT_LEVELS,
    Scenario,
    ScenarioError,
    check_weights,
    draw_weights,
    load_scenarios,
    renormalise,
)

_TIE = 1e-9  # relative to the total: smallest score-histogram width (ties: creditlab.points)
_MARGIN = 1e-6  # points: how far past a strict boundary a tipping point goes
_SCORE_BINS = 1000  # per-region histogram bins for score quantiles (resolution ≤ total / 1000)
_CHUNK_CELLS = 1_000_000  # draws × regions processed at once (bounds memory)
_KEEP_CELLS = 5_000_000  # keep every draw's scores and ranks up to this size ("auto")
SOBOL_N = 1024  # default Sobol base sample: the floor for step outputs such as n_certified (methods note)
SOBOL_TOL = 0.02  # convergence check: largest change of an index (share of variance) between N and 2N


# --------------------------------------------------------------------------------------------
# The model


@dataclass
class WeightModel:
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

    def indicator_names(self, lang: str = "zh") -> pd.Series:
        """Weight id → indicator name."""
        lv = self.rubric.levels.set_index("id")
        return lv.loc[self.ids, "name_zh" if lang == "zh" else "name_en"].rename("name")

    def scores_for(self, weights: np.ndarray, upper: bool = False) -> np.ndarray:
        """Scores (draws × regions) for weight rows already renormalised."""
        f, off = (self.f_hi, self.offset_hi) if upper else (self.f_lo, self.offset_lo)
        return np.atleast_2d(weights) @ f.T + off

    def ranks(self, scores: np.ndarray) -> np.ndarray:
        """Ranks (draws × regions) at the rubric's precision, counties and zones each among their own."""
        return rank_draws(scores, self.step, self.is_park)

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
        (:mod:`creditlab.certification`'s codes), by the rule :func:`certify` applies: the checks on the
        total at both bounds (:func:`~creditlab.certification.check_total`) and the other conditions'
        results, combined three-valued (:func:`~creditlab.certification.combine`)."""
        lo = self.scores_for(weights) if lo is None else lo
        if not self.has_certification:  # nothing to certify: every draw is undecided
            return np.full(lo.shape, UNKNOWN, dtype=np.int8)
        hi = self.scores_for(weights, upper=True) if self.incomplete.any() else lo
        checks = [check_total(lo, hi, op, rhs, self.step) for op, rhs in self.score_checks]
        res = combine([*checks, result_codes(self.other)])
        # No check on the total (henan-2021: exclusions only): the same result in every draw.
        return res if res.shape == lo.shape else np.broadcast_to(res, lo.shape).copy()

    def certification_for(self, weights: np.ndarray, lo: np.ndarray | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
        """(certified, failed) boolean arrays (draws × regions); neither = undecided."""
        res = self.results_for(weights, lo)
        return res == PASS, res == FAIL

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

    # The analyses, as methods so a notebook scores the data once.
    def monte_carlo(self, scheme: str, spread_or_concentration: float, n: int, seed: int | None,
                    keep_draws: bool | str = "auto") -> MonteCarloResult:
        return _monte_carlo(self, scheme, spread_or_concentration, n, seed, keep_draws)

    def sobol(self, output: str = "n_certified", region: str | None = None, spread: float = 0.5,
              N: int = SOBOL_N, seed: int | None = 0, conf_level: float = 0.95,
              check_convergence: bool = True) -> SobolResult:
        return _sobol(self, output, region, spread, N, seed, conf_level, check_convergence)

    def tipping_point(self, region: str, bounds: float | Mapping[str, tuple[float, float]] = 0.5,
                      target: str = "certify") -> TippingPoint:
        return _tipping_point(self, region, bounds, target)

    def tipping_table(self, bounds: float | Mapping[str, tuple[float, float]] = 0.5) -> pd.DataFrame:
        return _tipping_table(self, bounds)

    def local_sensitivity(self) -> pd.DataFrame:
        return _local(self)

    def compare_scenarios(self, scenarios: Sequence[Scenario]) -> pd.DataFrame:
        return _compare_scenarios(self, scenarios)


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
    """Score ``data`` once and build the :class:`WeightModel` the analyses use.

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
            raise DataError(f"indicator data lacks column {col!r}")
    years = sorted(pd.to_numeric(data["year"]).astype(int).unique().tolist())
    if not years:
        raise DataError("indicator data is empty")
    year = years[-1] if year is None else int(year)
    if year not in years:
        raise DataError(f"no indicator data for year {year}; years in the data: "
                        f"{', '.join(map(str, years))}")
    frame = data[pd.to_numeric(data["year"]).astype(int) == year].copy()
    frame["region"] = frame["region"].astype(str)
    wanted = resolve_scope(scope, frame["region"].unique())
    frame = frame[frame["region"].isin(wanted)]
    if frame.empty:
        raise DataError(f"no indicator data for the regions in scope {scope!r} in {year}")
    if rubric.max_points is None and rubric.method != "weighted":
        raise DataError(f"rubric {rubric.name} has no points; weights cannot be varied")

    scores = score(rubric, frame, park_codes() if zones is None else zones)  # handed in, as the reports do
    # A unit that returned nothing (every value blank) has no score: out of the ranks, like the reports.
    reported = set(submitted(scores)["region"])
    scores = scores[scores["region"].astype(str).isin(reported)]
    if scores.empty:
        raise DataError(f"no assessed indicator values for the regions in scope {scope!r} in {year}")
    # Which weighted nodes: the rubric's nodes at `level` that carry a maximum (bonus-only nodes do not).
    nodes = scores[scores["level"] == level]
    if nodes.empty:
        raise DataError(f"rubric {rubric.name} has no {level} indicators")
    regions = np.asarray(sorted(nodes["region"].unique()), dtype=object)
    pts = nodes.pivot(index="region", columns="id", values="points").reindex(regions)
    mx = nodes.pivot(index="region", columns="id", values="max_points").reindex(regions)
    miss = nodes.pivot(index="region", columns="id", values="missing_max").reindex(regions)
    order = [i for i in rubric.levels.loc[rubric.levels["depth"] == int(level[-1]), "id"] if i in pts.columns]
    pts, mx, miss = pts[order], mx[order], miss[order]
    if (mx.max() - mx.min()).abs().max() > 1e-9:
        raise DataError(f"{level} maxima differ between regions; weights are undefined")
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
    conditions = evaluate_conditions(rubric, scores, context)
    verdicts = certify(rubric, scores, context)
    other, checks = _split_conditions(rubric, scores, context, regions)
    units = _units()
    is_park = kinds(regions, units.set_index("code")["is_park"] if len(units) else None)
    excluded = verdicts.set_index("region")["verdict"].reindex(regions).eq("not_eligible").to_numpy()
    return WeightModel(
        rubric=rubric, year=year, level=level, regions=regions, names=region_names(regions),
        ids=ids, nominal=nominal, total=total, f_lo=np.ascontiguousarray(f_lo),
        f_hi=np.ascontiguousarray(f_hi), offset_lo=offset_lo, offset_hi=offset_hi,
        incomplete=incomplete, nominal_scores=tot["points"].to_numpy(float), other=other,
        score_checks=checks, conditions=conditions, verdicts=verdicts, scores=scores,
        step=points_step(rubric), is_park=is_park, area=_scope_area(scope, units), excluded=excluded,
        units=units if len(units) else None,
    )


def _scope_area(scope: str | Iterable[str] | None, units: pd.DataFrame) -> str | None:
    """The area a scope names, for the population words: None (province), a city name, "" (a selection)."""
    if scope is None or (isinstance(scope, str) and scope.strip().lower() in ("province", "全省", "")):
        return None
    if isinstance(scope, str):
        hit = units[in_city(units, scope)]
        return str(hit["city"].iloc[0]) if len(hit) else scope.strip()
    return ""


def _units() -> pd.DataFrame:
    """Counties and development zones with their city (empty if the tables cannot be read)."""
    try:
        return assessment_units()
    except DataError:
        return pd.DataFrame(columns=["code", "name", "city_code", "city"])


def resolve_scope(scope: str | Iterable[str] | None, available: Iterable[str]) -> list[str]:
    """Region codes for ``scope`` (see :func:`prepare`), checked against the codes in the data."""
    available = sorted(set(map(str, available)))
    if scope is None or (isinstance(scope, str) and scope.strip().lower() in ("province", "全省", "")):
        return available
    if isinstance(scope, str):
        units = _units()
        key = scope.strip()
        hit = units[in_city(units, key)]
        if hit.empty:
            cities = units[["city_code", "city"]].drop_duplicates()
            known = "; ".join(f"{r.city} ({r.city_code})" for r in cities.itertuples())
            raise DataError(f"unknown scope {scope!r}: give 'province', a city or a list of region codes; "
                            f"cities: {known}")
        codes = sorted(set(hit["code"]) & set(available))
        if not codes:
            raise DataError(f"no indicator data for any county or zone of {scope}")
        return codes
    codes = [str(c) for c in scope]
    missing = sorted(set(codes) - set(available))
    if missing:
        raise DataError(f"{len(missing)} region(s) in scope have no indicator data for the year",
                        [f"region {c} is not in the data" for c in missing[:20]])
    return sorted(set(codes))


def region_names(codes: Iterable[str]) -> pd.Series:
    """Code → name of counties and development zones (the code itself where unknown)."""
    codes = [str(c) for c in codes]
    names = _units().set_index("code")["name"]
    return pd.Series({c: names.get(c, c) for c in codes}, dtype=object, name="name")


def _split_conditions(rubric: Rubric, scores: pd.DataFrame, context: pd.DataFrame | None,
                      regions: np.ndarray) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """Results of the weight-independent checks per region, and the checks on ``total``."""
    checks: list[tuple[str, np.ndarray]] = []
    kept = []
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
        if rest:
            kept.append({**cond, "checks": rest})
    if not kept:
        return np.full(len(regions), "pass", dtype=object), checks
    others = evaluate_conditions(replace(rubric, certification={**rubric.certification, "conditions": kept}),
                                 scores, context)
    # Per region, the other conditions combined by certify()'s rule (a region without any: unknown).
    flags = pd.DataFrame({"region": others["region"], "fail": others["result"].eq("fail"),
                          "unknown": others["result"].eq("unknown")}).groupby("region").any()
    flags = flags.reindex(regions)
    res = result_words(three_valued(flags["fail"].fillna(False).to_numpy(bool),
                                    flags["unknown"].isna().to_numpy() | flags["unknown"].fillna(False).to_numpy(bool)))
    return res.astype(object), checks


# --------------------------------------------------------------------------------------------
# Ranking


# rank_rows lives in creditlab.points (imported above, still available here).


# --------------------------------------------------------------------------------------------
# Monte Carlo


@dataclass
class Draws:
    """The Monte Carlo draws: weights always; every draw's scores and ranks when kept."""

    ids: list[str]
    regions: np.ndarray
    weights: np.ndarray                    # n × ids (points)
    n_certified: np.ndarray                # per draw: regions certified
    n_possible: np.ndarray                 # per draw: regions certified or undecided
    rank_shift: np.ndarray                 # per draw: R̄S, mean |rank − nominal rank| over regions
    scores: np.ndarray | None = None       # n × regions (float32), None when not kept
    ranks: np.ndarray | None = None        # n × regions (int32)

    def long(self) -> pd.DataFrame:
        """Kept draws as a long frame ``draw, region, score, rank``."""
        if self.scores is None or self.ranks is None:
            raise ValueError("the draws were not kept (run with keep_draws=True)")
        n, m = self.scores.shape
        return pd.DataFrame({"draw": np.repeat(np.arange(n), m), "region": np.tile(self.regions, n),
                             "score": self.scores.ravel(), "rank": self.ranks.ravel()})


@dataclass
class MonteCarloResult:
    """Per-region summary (``.summary``, shown first) and the draws (``.draws``) for plots."""

    summary: pd.DataFrame
    draws: Draws
    rank_shift: float                      # overall R̄S (mean over draws and regions)
    params: dict[str, Any]

    def __repr__(self) -> str:
        p = self.params
        head = (f"MonteCarloResult({p['n']} draws, scheme={p['scheme']} {p['spread_or_concentration']}, "
                f"seed={p['seed']}, level={p['level']}, year={p['year']}, R̄S={self.rank_shift:.2f})")
        return head + "\n" + self.summary.to_string(max_rows=30)

    def _repr_html_(self) -> str:
        return self.summary._repr_html_()

    def __getitem__(self, key: Any) -> Any:
        return self.summary[key]

    def __len__(self) -> int:
        return len(self.summary)

    def to_frame(self) -> pd.DataFrame:
        return self.summary.copy()


SUMMARY_COLUMNS = [
    "region", "name", "year", "nominal_score", "nominal_rank", "median_rank", "rank_p05", "rank_p95",
    "mean_rank_shift", "p_certified", "p_certified_min", "p_certified_max", "score_p05", "score_p50",
    "score_p95", "nominal_verdict", "other_conditions", "score_is_lower_bound", "flag", "is_park", "peers",
]


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
) -> MonteCarloResult:
    """Scores, ranks and certification of each region over ``n`` random weightings.

    ``scheme``: ``"uniform"`` (± ``spread`` around each nominal weight, e.g. 0.25) or
    ``"dirichlet"`` (``concentration``, e.g. 100). Same seed, same numbers. ``.summary`` has one row
    per region: ``region, name, year, nominal_score, nominal_rank, median_rank, rank_p05, rank_p95,
    mean_rank_shift, p_certified, p_certified_min, p_certified_max, score_p05, score_p50, score_p95,
    nominal_verdict, other_conditions, score_is_lower_bound, flag``. ``flag``: ``ok``,
    ``other_conditions_fail`` (p = 0 whatever the weights), ``other_conditions_unknown`` or
    ``score_undecided`` (p = NaN; see the min/max bounds), ``no_certification`` (the rubric has no
    certification conditions, e.g. linyi-2019: p = NaN). Rank quantiles are exact; score quantiles
    come from a 1,000-bin histogram per region (error below 0.1 % of the total).
    ``keep_draws``: keep every draw's scores and ranks (``"auto"``: when draws × regions ≤ 5e6).
    """
    model = prepare(rubric, data, context, year=year, scope=scope, level=level, zones=zones)
    return model.monte_carlo(scheme, spread_or_concentration, n, seed, keep_draws)


def _monte_carlo(model: WeightModel, scheme: str, param: float, n: int, seed: int | None,
                 keep_draws: bool | str) -> MonteCarloResult:
    w0 = model.nominal.to_numpy(float)
    weights = draw_weights(scheme, w0, param, n, seed)
    stats = run_draws(model, weights, keep_draws)
    summary = _summarise(model, stats, n)
    draws = Draws(ids=list(model.ids), regions=model.regions, weights=weights,
                  n_certified=stats["n_certified"], n_possible=stats["n_possible"],
                  rank_shift=stats["rank_shift"], scores=stats.get("scores"), ranks=stats.get("ranks"))
    params = {"scheme": scheme, "spread_or_concentration": param, "n": n, "seed": seed,
              "level": model.level, "year": model.year, "rubric": model.rubric.name}
    return MonteCarloResult(summary=summary, draws=draws, rank_shift=float(stats["rank_shift"].mean()),
                            params=params)


def run_draws(model: WeightModel, weights: np.ndarray, keep_draws: bool | str = "auto") -> dict[str, Any]:
    """Evaluate renormalised weight rows in chunks; return accumulated statistics.

    Memory stays bounded: per region a rank histogram (regions²) and a score histogram
    (regions × 1,000), plus one chunk of draws at a time — unless the draws are kept.
    """
    n = len(weights)
    m = model.n_regions
    keep = (n * m <= _KEEP_CELLS) if keep_draws == "auto" else bool(keep_draws)
    tol = model.total * _TIE
    rank0 = model.nominal_ranks()
    # Each region's score lies between its worst and best indicator share times the total
    # (renormalised weights are a convex combination); the histogram spans that range.
    lo_r = model.f_lo.min(axis=1) * model.total + model.offset_lo
    hi_r = model.f_lo.max(axis=1) * model.total + model.offset_lo
    width = np.maximum(hi_r - lo_r, tol) / _SCORE_BINS
    # int32 counts (n < 2**31) and bincounts over blocks of regions keep the temporaries small.
    rank_hist = np.zeros((m, m), dtype=np.int32)
    score_hist = np.zeros((m, _SCORE_BINS), dtype=np.int32)
    block = max(1, _CHUNK_CELLS // (4 * max(m, _SCORE_BINS)))
    offsets = np.arange(block, dtype=np.int64)
    shift_sum = np.zeros(m)
    certified_count = np.zeros(m, dtype=np.int64)
    failed_count = np.zeros(m, dtype=np.int64)
    n_certified = np.zeros(n, dtype=np.int64)
    n_possible = np.zeros(n, dtype=np.int64)
    rank_shift = np.zeros(n)
    kept_scores = np.empty((n, m), dtype=np.float32) if keep else None
    kept_ranks = np.empty((n, m), dtype=np.int32) if keep else None
    chunk = max(1, _CHUNK_CELLS // max(m, 1))
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        w = weights[a:b]
        s = model.scores_for(w)
        r = model.ranks(s)
        bins = np.clip(((s - lo_r) / width).astype(np.int32), 0, _SCORE_BINS - 1)
        for c0 in range(0, m, block):
            c1 = min(m, c0 + block)
            off = offsets[: c1 - c0]
            rank_hist[c0:c1] += np.bincount((r[:, c0:c1] - 1 + off * m).ravel(),
                                            minlength=(c1 - c0) * m).reshape(c1 - c0, m).astype(np.int32)
            score_hist[c0:c1] += np.bincount((bins[:, c0:c1] + off * _SCORE_BINS).ravel(),
                                             minlength=(c1 - c0) * _SCORE_BINS).reshape(c1 - c0, -1).astype(np.int32)
        shift = np.abs(r - rank0)
        shift_sum += shift.sum(axis=0)
        rank_shift[a:b] = shift.mean(axis=1)
        cert, fail = model.certification_for(w, s)
        certified_count += cert.sum(axis=0)
        failed_count += fail.sum(axis=0)
        n_certified[a:b] = cert.sum(axis=1)
        n_possible[a:b] = m - fail.sum(axis=1)
        if keep:
            kept_scores[a:b] = s
            kept_ranks[a:b] = r
    out: dict[str, Any] = {
        "rank_hist": rank_hist, "score_hist": score_hist,
        "score_lo": lo_r, "score_width": width, "shift_sum": shift_sum,
        "certified": certified_count, "failed": failed_count, "n_certified": n_certified,
        "n_possible": n_possible, "rank_shift": rank_shift,
    }
    if keep:
        out["scores"], out["ranks"] = kept_scores, kept_ranks
    return out


def _rank_quantiles(hist: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Inverted-CDF quantiles (numpy's ``inverted_cdf``) of integer ranks from per-row counts."""
    cum = np.cumsum(hist, axis=1, dtype=np.int32)
    n = cum[:, -1:].astype(float)
    return [(cum < q * n - 1e-9).sum(axis=1) + 1 for q in qs]


def _score_quantiles(hist: np.ndarray, lo: np.ndarray, width: np.ndarray, qs: Sequence[float]
                     ) -> list[np.ndarray]:
    """Quantiles from per-row histograms, interpolating linearly inside the bin."""
    cum = np.cumsum(hist, axis=1, dtype=np.int32)
    total = cum[:, -1].astype(float)
    rows = np.arange(len(hist))
    out = []
    for q in qs:
        target = q * total
        j = np.minimum((cum < target[:, None]).sum(axis=1), hist.shape[1] - 1)
        before = np.where(j > 0, cum[rows, np.maximum(j - 1, 0)], 0)
        inside = hist[rows, j]
        frac = np.where(inside > 0, (target - before) / np.maximum(inside, 1), 0.0)
        out.append(lo + (j + np.clip(frac, 0, 1)) * width)
    return out


def _summarise(model: WeightModel, st: dict[str, Any], n: int) -> pd.DataFrame:
    p_min = st["certified"] / n
    p_max = (n - st["failed"]) / n
    undecided = p_max - p_min > 0
    p = np.where(undecided, np.nan, p_min)
    other = model.other
    flag = np.select(
        [np.full(len(other), not model.has_certification), other == "fail", other == "unknown", undecided],
        ["no_certification", "other_conditions_fail", "other_conditions_unknown", "score_undecided"], default="ok")
    verdict = model.verdicts.set_index("region")["verdict"].reindex(model.regions).to_numpy()
    r05, r50, r95 = _rank_quantiles(st["rank_hist"], (0.05, 0.5, 0.95))
    s05, s50, s95 = _score_quantiles(st["score_hist"], st["score_lo"], st["score_width"], (0.05, 0.5, 0.95))
    out = pd.DataFrame({
        "region": model.regions,
        "name": model.names.reindex(model.regions).to_numpy(),
        "year": model.year,
        "nominal_score": model.nominal_scores,
        "nominal_rank": model.nominal_ranks(),
        "median_rank": r50, "rank_p05": r05, "rank_p95": r95,
        "mean_rank_shift": st["shift_sum"] / n,
        "p_certified": p, "p_certified_min": p_min, "p_certified_max": p_max,
        "score_p05": s05, "score_p50": s50, "score_p95": s95,
        "nominal_verdict": verdict, "other_conditions": other,
        "score_is_lower_bound": model.incomplete, "flag": flag,
        "is_park": np.zeros(model.n_regions, bool) if model.is_park is None else model.is_park,
        "peers": model.peers(),
    })
    return out.sort_values(["is_park", "nominal_rank", "region"], ignore_index=True)[SUMMARY_COLUMNS]


# --------------------------------------------------------------------------------------------
# Named scenarios


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


def _compare_scenarios(model: WeightModel, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    frames = [model.evaluate(None).assign(scenario="nominal", scenario_zh="现行权重", scenario_en="Nominal")]
    for sc in scenarios:
        frames.append(model.evaluate(sc).assign(scenario=sc.id, scenario_zh=sc.name_zh, scenario_en=sc.name_en))
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Sobol indices


@dataclass
class SobolConvergence:
    """The indices at N against 2N: the same scrambled Sobol sequence extended by N more base points.

    ``stable``: no S1 or ST moved by more than ``tol`` and no two inputs swapped order by ST while
    differing by more than ``tol`` at 2N. Otherwise raise N to ``recommended_N`` (4N: the estimates'
    error shrinks like 1/√N, so quadrupling N halves the change just seen). The 2N run shares its
    first half with the N run, so the change understates the error at N (by about √2 for a mean):
    hence a tight default ``tol`` of 0.02 — at 0.05 the demo data's N = 256 would pass although its
    S1 of B4 is 0.06, 0.18 or 0.08 depending on the seed.
    """

    N: int
    N2: int
    max_change: float             # largest |index at 2N − index at N| over S1 and ST
    order_changed: bool           # two inputs swap order by ST and differ by more than tol at 2N
    tol: float
    changes: pd.DataFrame         # input, S1, S1_2N, ST, ST_2N
    n_evaluations: int            # evaluations the check added (N·(K+2))

    @property
    def stable(self) -> bool:
        return self.max_change <= self.tol and not self.order_changed

    @property
    def recommended_N(self) -> int | None:
        """The N to run next when not yet stable (None when stable): 4N, and never below the floor for
        step outputs (:data:`SOBOL_N`)."""
        return None if self.stable else max(4 * self.N, SOBOL_N)


@dataclass
class SobolResult:
    """First-order (S1) and total (ST) Sobol indices with confidence intervals, one row per input.

    The indices are SALib's estimates: S1 can come out slightly negative (sampling error; the true
    index is ≥ 0); charts and sentences show such values as ≈ 0 with a note. ``convergence``: the check
    against 2N (None when not run).
    """

    indices: pd.DataFrame
    output: str
    region: str | None
    variance: float
    n_evaluations: int
    params: dict[str, Any]
    convergence: SobolConvergence | None = None

    def __repr__(self) -> str:
        conv = self.convergence
        check = "" if conv is None else (f", {'stable' if conv.stable else 'NOT stable'} against "
                                         f"N={conv.N2} (max change {conv.max_change:.3f})")
        return (f"SobolResult(output={self.output!r}, region={self.region!r}, N={self.params['N']}, "
                f"{self.n_evaluations} evaluations, variance={self.variance:.4g}{check})\n"
                + self.indices.to_string())

    def _repr_html_(self) -> str:
        return self.indices._repr_html_()


def _sobol_problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}


def _saltelli(problem: dict[str, Any], N: int, seed: int) -> np.ndarray:
    """SALib's Sobol design without second order: N·(K+2) rows; the first rows of the 2N design are
    the N design (the same scrambled sequence, tested), so the check against 2N reuses them."""
    return sobol_sample.sample(problem, N, calc_second_order=False, seed=seed)


def _analyse(problem: dict[str, Any], y: np.ndarray, conf_level: float, num_resamples: int, seed: int
             ) -> tuple[pd.DataFrame, float]:
    """SALib's estimates and bootstrap intervals for outputs ``y`` of a :func:`_saltelli` design."""
    var = float(y.var())
    frame = pd.DataFrame({"input": list(problem["names"])})
    if var <= 1e-24:
        for col in ("S1", "S1_conf", "ST", "ST_conf"):
            frame[col] = 0.0
        return frame, var
    # SALib 1.6 seeds its bootstrap only ``if seed:``, so seed 0 drew fresh resamples on every call.
    # A Generator is always truthy and SALib uses it as is (default_rng(generator) is that generator):
    # the same resamples as SALib's own ``default_rng(seed)`` for every seed, 0 included.
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, conf_level=conf_level,
                                num_resamples=num_resamples, seed=np.random.default_rng(seed))
    frame["S1"], frame["S1_conf"] = res["S1"], res["S1_conf"]
    frame["ST"], frame["ST_conf"] = res["ST"], res["ST_conf"]
    return frame, var


def sobol_analysis(
    func: Callable[[np.ndarray], np.ndarray],
    names: Sequence[str],
    bounds: Sequence[tuple[float, float]],
    N: int = SOBOL_N,
    seed: int | None = 0,
    conf_level: float = 0.95,
    num_resamples: int = 100,
    check_convergence: bool = True,
    tol: float = SOBOL_TOL,
) -> tuple[pd.DataFrame, float, int, SobolConvergence | None]:
    """:func:`sobol_indices` plus the convergence check: the same estimates at 2N (one more run of N
    base points). Returns (frame at N, variance, evaluations at N, :class:`SobolConvergence` or None).

    ``seed=None`` draws one seed for both runs, so the check compares one sequence with its extension.
    """
    if N < 2 or N & (N - 1):
        raise ValueError(f"N must be a power of two, got {N}")
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    problem = _sobol_problem(names, bounds)
    size = N * (len(names) + 2)
    x = _saltelli(problem, 2 * N if check_convergence else N, seed)
    y = np.asarray(func(x[:size]), dtype=float)
    if not np.isfinite(y).all():
        raise ValueError("the output has missing values")
    frame, var = _analyse(problem, y, conf_level, num_resamples, seed)
    if not check_convergence:
        return frame, var, size, None
    y2 = np.concatenate([y, np.asarray(func(x[size:]), dtype=float)])
    if not np.isfinite(y2).all():
        raise ValueError("the output has missing values")
    frame2, _ = _analyse(problem, y2, conf_level, num_resamples, seed)
    return frame, var, size, _convergence(frame, frame2, N, tol, len(y2) - size)


def _convergence(a: pd.DataFrame, b: pd.DataFrame, N: int, tol: float, n_extra: int) -> SobolConvergence:
    """Compare the indices at N (``a``) with those at 2N (``b``)."""
    change = max(float(np.abs(b["S1"] - a["S1"]).max()), float(np.abs(b["ST"] - a["ST"]).max()))
    st_a, st_b = a["ST"].to_numpy(float), b["ST"].to_numpy(float)
    gap_a, gap_b = st_a[:, None] - st_a[None, :], st_b[:, None] - st_b[None, :]
    # A swap counts only between inputs the larger run tells apart (their ST differ by more than tol).
    swapped = (np.sign(gap_a) != np.sign(gap_b)) & (np.abs(gap_b) > tol)
    changes = pd.DataFrame({"input": a["input"], "S1": a["S1"], "S1_2N": b["S1"], "ST": a["ST"],
                            "ST_2N": b["ST"]})
    return SobolConvergence(N=N, N2=2 * N, max_change=change, order_changed=bool(swapped.any()), tol=tol,
                            changes=changes, n_evaluations=n_extra)


def sobol_indices(
    func: Callable[[np.ndarray], np.ndarray],
    names: Sequence[str],
    bounds: Sequence[tuple[float, float]],
    N: int = SOBOL_N,
    seed: int | None = 0,
    conf_level: float = 0.95,
    num_resamples: int = 100,
) -> tuple[pd.DataFrame, float, int]:
    """Sobol indices of ``func`` (rows of inputs → outputs) with inputs uniform on ``bounds``.

    A thin wrapper over SALib 1.6 (``sample.sobol`` + ``analyze.sobol``, no second order).
    ``N`` must be a power of two (1024 or more for step outputs). The same ``seed`` (0 included)
    gives the same estimates and the same bootstrap intervals. Returns (frame ``input, S1, S1_conf,
    ST, ST_conf``, output variance, number of evaluations). An output that does not vary has all
    indices 0. :func:`sobol_analysis` adds the convergence check against 2N.
    """
    frame, var, n, _ = sobol_analysis(func, names, bounds, N=N, seed=seed, conf_level=conf_level,
                                      num_resamples=num_resamples, check_convergence=False)
    return frame, var, n


SOBOL_OUTPUTS = ("score", "rank", "n_certified", "rank_shift")


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


def _sobol(model: WeightModel, output: str, region: str | None, spread: float, N: int,
           seed: int | None, conf_level: float, check_convergence: bool = True) -> SobolResult:
    if output not in SOBOL_OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(SOBOL_OUTPUTS)}, got {output!r}")
    if not 0 < spread <= 1:
        raise ValueError(f"spread must lie in (0, 1], got {spread}")
    idx = None
    if output == "n_certified" and not model.has_certification:
        raise ValueError(f"rubric {model.rubric.name} has no certification conditions; choose another output")
    if output in ("score", "rank"):
        if region is None:
            raise ValueError(f"output {output!r} needs a region")
        idx = _region_index(model, region)
    w0 = model.nominal.to_numpy(float)
    rank0 = model.nominal_ranks()

    def func(x: np.ndarray) -> np.ndarray:
        y = np.empty(len(x))
        chunk = max(1, _CHUNK_CELLS // model.n_regions)
        for a in range(0, len(x), chunk):
            w = renormalise(x[a:a + chunk], model.total)
            if output == "score":
                y[a:a + chunk] = w @ model.f_lo[idx] + model.offset_lo[idx]
                continue
            s = model.scores_for(w)
            if output == "rank":  # the one rank definition (creditlab.points), in the region's population
                y[a:a + chunk] = model.ranks(s)[:, idx]
            elif output == "n_certified":
                y[a:a + chunk] = model.certification_for(w, s)[0].sum(axis=1)
            else:
                y[a:a + chunk] = np.abs(model.ranks(s) - rank0).mean(axis=1)
        return y

    bounds = [(v * (1 - spread), v * (1 + spread)) for v in w0]
    frame, var, n_eval, conv = sobol_analysis(func, model.ids, bounds, N=N, seed=seed, conf_level=conf_level,
                                              check_convergence=check_convergence)
    frame = frame.rename(columns={"input": "id"})
    frame.insert(1, "name_zh", model.indicator_names("zh").to_numpy())
    frame.insert(2, "name_en", model.indicator_names("en").to_numpy())
    frame.insert(3, "nominal_weight", w0)
    return SobolResult(indices=frame, output=output, region=region, variance=var, n_evaluations=n_eval,
                       params={"N": N, "spread": spread, "seed": seed, "level": model.level,
                               "year": model.year, "conf_level": conf_level}, convergence=conv)


def _region_index(model: WeightModel, region: str) -> int:
    hit = np.flatnonzero(model.regions == str(region))
    if not len(hit):
        raise DataError(f"region {region!r} is not among the {model.n_regions} regions compared "
                        f"in {model.year}")
    return int(hit[0])


# --------------------------------------------------------------------------------------------
# Tipping points


@dataclass
class TippingPoint:
    """The smallest reweighting (L1 distance) that changes an outcome, or why none exists."""

    region: str
    target: str                   # "certify" or the other region's code
    direction: str                # reach / lose (certify); overtake / be_overtaken (other region)
    status: str                   # found / infeasible (not within the bounds) / blocked (weights cannot help)
    feasible: bool
    l1_change: float              # Σ |w − w0| (points); NaN when infeasible
    weights: pd.Series | None     # the new weights (points)
    nominal: pd.Series
    score_before: float
    score_after: float | None
    best_score: float | None      # best (reach) / worst (lose) score attainable within the bounds
    threshold: float | None
    other_before: float | None = None
    other_after: float | None = None
    note: str = ""

    @property
    def points_moved(self) -> float:
        """Weight points shifted between indicators (half the L1 change: each point moved counts twice)."""
        return self.l1_change / 2

    @property
    def change(self) -> pd.Series | None:
        return None if self.weights is None else (self.weights - self.nominal).rename("change")

    def moves(self, k: int = 3, min_abs: float = 0.05) -> list[tuple[str, float]]:
        """The ``k`` largest weight changes as (id, change in points)."""
        ch = self.change
        if ch is None:
            return []
        ch = ch[ch.abs() >= min_abs]
        ch = ch.reindex(ch.abs().sort_values(ascending=False).index)
        return [(str(i), float(v)) for i, v in ch.head(k).items()]


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


def weight_bounds(model: WeightModel, bounds: float | Mapping[str, tuple[float, float]]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper weight limits (points) from a share or an id → (low, high) mapping."""
    w0 = model.nominal.to_numpy(float)
    if isinstance(bounds, Mapping):
        unknown = sorted(set(bounds) - set(model.ids))
        if unknown:
            raise ScenarioError(f"bounds for unknown id(s) {', '.join(unknown)}")
        lo, hi = w0.copy(), w0.copy()
        for i, k in enumerate(model.ids):
            if k in bounds:
                lo[i], hi[i] = map(float, bounds[k])
    else:
        share = float(bounds)
        if not share >= 0:
            raise ValueError(f"bounds must be a non-negative share, got {bounds}")
        lo, hi = w0 * max(0.0, 1 - share), w0 * (1 + share)
    if (lo < 0).any() or (lo > hi).any():
        raise ValueError("weight bounds must satisfy 0 ≤ low ≤ high")
    if lo.sum() > model.total + 1e-9 or hi.sum() < model.total - 1e-9:
        raise ValueError(f"no weights within these bounds sum to {model.total:g}")
    return lo, hi


def _lp(g: np.ndarray, c: float | np.ndarray, w0: np.ndarray, lo: np.ndarray, hi: np.ndarray,
        total: float) -> tuple[bool, np.ndarray | None, float]:
    """min Σ|w − w0| s.t. G·w ≥ c (one row per constraint), Σw = total, lo ≤ w ≤ hi.

    Returns (feasible, w, L1)."""
    from scipy.optimize import linprog

    k = len(w0)
    g = np.atleast_2d(g)
    eye = np.eye(k)
    # Variables [w, u, v] with w − u + v = w0 and u, v ≥ 0: at the optimum Σ(u + v) = Σ|w − w0|.
    cost = np.concatenate([np.zeros(k), np.ones(2 * k)])
    a_eq = np.vstack([np.hstack([eye, -eye, eye]), np.concatenate([np.ones(k), np.zeros(2 * k)])])
    b_eq = np.concatenate([w0, [total]])
    a_ub = np.hstack([-g, np.zeros((len(g), 2 * k))])
    bnds = [(lo[i], hi[i]) for i in range(k)] + [(0, None)] * (2 * k)
    res = linprog(cost, A_ub=a_ub, b_ub=-np.atleast_1d(c), A_eq=a_eq, b_eq=b_eq, bounds=bnds,
                  method="highs")
    if res.status != 0:
        return False, None, float("nan")
    w = res.x[:k]
    return True, w, float(np.abs(w - w0).sum())


def _extreme(g: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float) -> float:
    """max g·w over lo ≤ w ≤ hi, Σw = total."""
    from scipy.optimize import linprog

    res = linprog(-g, A_eq=np.ones((1, len(g))), b_eq=[total], bounds=list(zip(lo, hi, strict=True)),
                  method="highs")
    return float(-res.fun)


def _tipping_point(model: WeightModel, region: str, bounds: float | Mapping[str, tuple[float, float]],
                   target: str) -> TippingPoint:
    i = _region_index(model, region)
    lo, hi = weight_bounds(model, bounds)
    w0 = model.nominal.to_numpy(float)
    base = dict(region=str(region), target=target, nominal=model.nominal.copy(),
                score_before=float(model.nominal_scores[i]))
    if target == "certify":
        return _tip_certify(model, i, lo, hi, w0, base)
    j = _region_index(model, target)
    if j == i:
        raise ValueError("a region cannot swap with itself")
    fi, fj = model.f_lo[i], model.f_lo[j]
    oi, oj = model.offset_lo[i], model.offset_lo[j]
    s_i, s_j = float(fi @ w0 + oi), float(fj @ w0 + oj)
    if compare(s_i, "<", s_j, model.step):
        direction, g, c = "overtake", fi - fj, oj - oi + _MARGIN
    else:
        direction, g, c = "be_overtaken", fj - fi, oi - oj + _MARGIN
    ok, w, l1 = _lp(g, c, w0, lo, hi, model.total)
    best = _extreme(g, lo, hi, model.total) - c + _MARGIN  # best attainable lead of the trailing region
    if not ok:
        return TippingPoint(**base, direction=direction, status="infeasible", feasible=False,
                            l1_change=float("nan"), weights=None, score_after=None, best_score=best,
                            threshold=None, other_before=s_j)
    wser = pd.Series(w, index=model.ids, name="weight")
    return TippingPoint(**base, direction=direction, status="found", feasible=True, l1_change=l1,
                        weights=wser, score_after=float(fi @ w + oi), best_score=best, threshold=None,
                        other_before=s_j, other_after=float(fj @ w + oj))


def _tip_certify(model: WeightModel, i: int, lo: np.ndarray, hi: np.ndarray, w0: np.ndarray,
                 base: dict[str, Any]) -> TippingPoint:
    if not model.score_checks:
        raise ValueError(f"rubric {model.rubric.name} has no score condition to tip")
    other = model.other[i]
    checks = [(op, float(rhs[i])) for op, rhs in model.score_checks]
    threshold = checks[0][1]
    # Whether the score condition holds at nominal weights (score with not-assessed criteria at 0).
    s_lo = float(model.f_lo[i] @ w0 + model.offset_lo[i])
    meets = all(compare(s_lo, op, r, model.step) for op, r in checks)
    direction = "lose" if meets else "reach"
    blocked = dict(status="blocked", feasible=False, l1_change=float("nan"), weights=None, score_after=None,
                   best_score=None, threshold=threshold)
    if any(np.isnan(r) for _, r in checks):
        return TippingPoint(**base, direction=direction, **blocked, note="score_threshold_unknown")
    if other == "fail":
        # Weights cannot change a condition that does not depend on them.
        return TippingPoint(**base, direction=direction, **blocked, note="other_conditions_fail")
    note = "other_conditions_unknown" if other == "unknown" else ""
    if not meets:
        f, off = model.f_lo[i], model.offset_lo[i]
        # Every check on the total must hold: one constraint row per check.
        cons = [_halfspace(f, off, op, r, reach=True) for op, r in checks]
        ok, w, l1 = _lp(np.array([g for g, _ in cons]), np.array([c for _, c in cons]), w0, lo, hi,
                        model.total)
        best = _extreme(f, lo, hi, model.total) + off
    else:
        f, off = model.f_hi[i], model.offset_hi[i]
        # Losing needs only one check to fail: the cheapest of the negated checks.
        ok, w, l1 = False, None, float("nan")
        for op, r in checks:
            g, c = _halfspace(f, off, op, r, reach=False)
            res = _lp(g, c, w0, lo, hi, model.total)
            if res[0] and (not ok or res[2] < l1):
                ok, w, l1 = res
        best = -_extreme(-f, lo, hi, model.total) + off
    if not ok:
        return TippingPoint(**base, direction=direction, status="infeasible", feasible=False,
                            l1_change=float("nan"), weights=None, score_after=None, best_score=best,
                            threshold=threshold, note=note)
    wser = pd.Series(w, index=model.ids, name="weight")
    after = float(model.f_lo[i] @ w + model.offset_lo[i])
    return TippingPoint(**base, direction=direction, status="found", feasible=True, l1_change=l1,
                        weights=wser, score_after=after, best_score=best, threshold=threshold, note=note)


def _halfspace(f: np.ndarray, off: float, op: str, rhs: float, reach: bool) -> tuple[np.ndarray, float]:
    """The check ``f·w + off op rhs`` (reach) or its negation (lose) as ``g·w ≥ c``."""
    lower = op in (">=", ">")
    if op not in (">=", ">", "<=", "<"):
        raise ValueError(f"cannot tip a score check with operator {op!r}")
    strict = op in (">", "<") if reach else op in (">=", "<=")
    margin = _MARGIN if strict else 0.0
    if lower == reach:   # f·w + off ≥ rhs (+ margin)
        return f, rhs - off + margin
    return -f, off - rhs + margin  # f·w + off ≤ rhs (− margin)


def _tipping_table(model: WeightModel, bounds: float | Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for code in model.regions:
        tp = model.tipping_point(code, bounds, "certify")
        rows.append({
            "region": code, "name": model.names.get(code, code), "nominal_score": tp.score_before,
            "threshold": tp.threshold, "direction": tp.direction, "status": tp.status,
            "feasible": tp.feasible, "l1_change": tp.l1_change, "points_moved": tp.points_moved,
            "score_after": tp.score_after, "best_score": tp.best_score, "moves": tp.moves(),
            "note": tp.note,
        })
    return pd.DataFrame(rows)


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


# --------------------------------------------------------------------------------------------
# Local view


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


def _local(model: WeightModel) -> pd.DataFrame:
    w0 = model.nominal.to_numpy(float)
    weighted = model.f_lo @ w0  # s_r: the weighted part of each score (bonus points do not move)
    rest = model.total - w0     # T − w_k: the weight the other indicators give up from
    with np.errstate(invalid="ignore", divide="ignore"):
        # One indicator holding the whole total has no others to take weight from: undefined (NaN).
        effect = np.where(rest > 0, (model.total * model.f_lo - weighted[:, None]) / rest, np.nan)
    m, k = effect.shape
    return pd.DataFrame({
        "region": np.repeat(model.regions, k), "name": np.repeat(model.names.reindex(model.regions).to_numpy(), k),
        "id": np.tile(np.asarray(model.ids, dtype=object), m),
        "indicator_zh": np.tile(model.indicator_names("zh").to_numpy(), m),
        "indicator_en": np.tile(model.indicator_names("en").to_numpy(), m),
        "share_earned": model.f_lo.ravel(), "effect": effect.ravel(),
    })
