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

Layout. One module per method, as SALib has: the model and :func:`prepare` in
:mod:`~creditlab.analysis.sens_model`, Monte Carlo in :mod:`~creditlab.analysis.sens_monte_carlo`, Sobol in
:mod:`~creditlab.analysis.sens_sobol`, tipping points in :mod:`~creditlab.analysis.sens_tipping`, the local view in
:mod:`~creditlab.analysis.sens_local`, named scenarios in :mod:`~creditlab.analysis.sens_scenarios`. This module
gathers them under the one name every caller uses (``creditlab.sensitivity.X``).

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

# Helpers that were importable from here before the split (creditlab.sensitivity.X) stay so.
from ..core.errors import DataError
from ..loaders.data import assessment_units, park_codes
from ..loaders.regions import in_city
from ..loaders.rubric import Rubric
from .certification import certify, evaluate_conditions, positive_verdict
from .model import Model, _units, region_names, resolve_scope  # noqa: F401
from .points import (
    compare,
    is_tied,
    kinds,
    peers,
    points_step,
    population_area,
    population_words,
    rank_draws,
    rank_rows,
)
from .scoring import score, submitted
from .sens_local import LocalMethod, _local  # noqa: F401
from .sens_model import (  # noqa: F401
    WeightModel,
    _scope_area,
    _split_conditions,
    compare_scenarios,
    local_sensitivity,
    monte_carlo,
    prepare,
    sobol,
    tipping_point,
    tipping_table,
    weight_view,
)
from .sens_monte_carlo import (  # noqa: F401
    _CHUNK_CELLS,
    _KEEP_CELLS,
    _SCORE_BINS,
    _TIE,
    SUMMARY_COLUMNS,
    Draws,
    MonteCarloMethod,
    MonteCarloResult,
    _monte_carlo,
    _rank_quantiles,
    _score_quantiles,
    _summarise,
    run_draws,
)
from .sens_scenarios import ScenariosMethod, _compare_scenarios  # noqa: F401
from .sens_sobol import (  # noqa: F401
    SOBOL_N,
    SOBOL_OUTPUTS,
    SOBOL_TOL,
    SobolConvergence,
    SobolMethod,
    SobolResult,
    _analyse,
    _convergence,
    _saltelli,
    _sobol,
    _sobol_problem,
    sobol_analysis,
    sobol_indices,
)
from .sens_tipping import (  # noqa: F401
    _MARGIN,
    TippingMethod,
    TippingPoint,
    _extreme,
    _halfspace,
    _lp,
    _tip_certify,
    _tipping_point,
    _tipping_table,
    weight_bounds,
)
from .weights import WEIGHT_LEVELS, Scenario, ScenarioError, check_weights, draw_weights, load_scenarios, renormalise

__all__ = [
    # the model and its analyses
    "Model", "WeightModel", "prepare", "weight_view", "resolve_scope", "region_names", "monte_carlo", "run_draws",
    "Draws",
    "MonteCarloResult", "SUMMARY_COLUMNS", "sobol", "sobol_indices", "sobol_analysis", "SobolResult",
    "SobolConvergence", "SOBOL_N", "SOBOL_TOL", "SOBOL_OUTPUTS", "tipping_point", "tipping_table", "weight_bounds",
    "TippingPoint", "local_sensitivity", "compare_scenarios",
    "MonteCarloMethod", "SobolMethod", "TippingMethod", "LocalMethod", "ScenariosMethod",
    # from other modules, importable here as before
    "DataError", "Rubric", "assessment_units", "park_codes", "in_city", "certify", "evaluate_conditions",
    "positive_verdict", "compare", "is_tied", "kinds", "peers", "points_step", "population_area",
    "population_words", "rank_draws", "rank_rows", "score", "submitted", "WEIGHT_LEVELS", "Scenario",
    "ScenarioError", "check_weights", "draw_weights", "load_scenarios", "renormalise",
]
