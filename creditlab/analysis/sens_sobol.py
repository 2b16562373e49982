"""Sobol indices of the weights (SALib's design and estimates) with a convergence check against 2N.

One method of :mod:`creditlab.sensitivity`: each weight varies uniformly within ± ``spread`` of its nominal
value and is renormalised; outputs are a region's score or rank, ``n_certified`` or R̄S.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .sens_monte_carlo import _CHUNK_CELLS
from .weights import renormalise

SOBOL_N = 1024  # default Sobol base sample: the floor for step outputs such as n_certified (methods note)
SOBOL_TOL = 0.02  # convergence check: largest change of an index (share of variance) between N and 2N


class SobolMethod:
    """:meth:`sobol` of the weight model."""

    def sobol(self, output: str = "n_certified", region: str | None = None, spread: float = 0.5,
              N: int = SOBOL_N, seed: int | None = 0, conf_level: float = 0.95,
              check_convergence: bool = True) -> SobolResult:
        """See :func:`creditlab.sensitivity.sobol`."""
        return _sobol(self, output, region, spread, N, seed, conf_level, check_convergence)


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
    from SALib.sample import sobol as sobol_sample  # here: only a Sobol run pays for SALib (and scipy)

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
    from SALib.analyze import sobol as sobol_analyze

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


def _sobol(model: SobolMethod, output: str, region: str | None, spread: float, N: int,
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
        idx = model.region_index(region)
    w0 = model.nominal.to_numpy(float)
    rank0 = model.nominal_ranks()
    parts = model.verdict_parts() if output == "n_certified" else None

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
                y[a:a + chunk] = model.certification_for(w, s, parts=parts)[0].sum(axis=1)
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
