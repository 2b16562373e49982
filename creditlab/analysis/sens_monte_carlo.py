"""Monte Carlo over weights: rank bands, R̄S and the probability of certification under random weightings.

One method of :mod:`creditlab.sensitivity` (its model: :mod:`creditlab.analysis.sens_model`). Weight draws come
from :func:`creditlab.weights.draw_weights`; every draw is scored, ranked and certified by the weight model
(:meth:`~creditlab.analysis.sens_model.WeightModel.results_for`: certify()'s rule), in chunks of bounded memory.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, is_dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .points import RankWork, keys
from .weights import draw_weights

_TIE = 1e-9  # relative to the total: smallest score-histogram width (ties: creditlab.points)
_SCORE_BINS = 1000  # per-region histogram bins for score quantiles (resolution ≤ total / 1000)
_CHUNK_CELLS = 200_000  # draws × regions processed at once: float64 buffers that stay in a 2 MB cache
_HIST_CELLS = 8_000_000  # draws × regions whose histogram bins are held before they are counted (2 bytes each)
_BIN_BLOCK = 65_536  # histogram bins counted at once (a block of regions): they stay in the cache
_RANK_BINS = 1024  # per-region rank histogram bins: exact ranks up to this many regions
_TASK_DRAWS = 2048  # draws per task (run here one after the other, or by an executor)
_KEEP_CELLS = 5_000_000  # keep every draw's scores and ranks up to this size ("auto")


class MonteCarloMethod:
    """:meth:`monte_carlo` of the weight model."""

    def monte_carlo(self, scheme: str, spread_or_concentration: float, n: int, seed: int | None,
                    keep_draws: bool | str = "auto", executor: Any = None) -> MonteCarloResult:
        """See :func:`creditlab.sensitivity.monte_carlo`; ``executor``: where the draws run (:func:`run_draws`)."""
        return _monte_carlo(self, scheme, spread_or_concentration, n, seed, keep_draws, executor)


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


def _monte_carlo(model: MonteCarloMethod, scheme: str, param: float, n: int, seed: int | None,
                 keep_draws: bool | str, executor: Any = None) -> MonteCarloResult:
    w0 = model.nominal.to_numpy(float)
    weights = draw_weights(scheme, w0, param, n, seed)
    stats = run_draws(model, weights, keep_draws, executor=executor)
    summary = _summarise(model, stats, n)
    draws = Draws(ids=list(model.ids), regions=model.regions, weights=weights,
                  n_certified=stats["n_certified"], n_possible=stats["n_possible"],
                  rank_shift=stats["rank_shift"], scores=stats.get("scores"), ranks=stats.get("ranks"))
    params = {"scheme": scheme, "spread_or_concentration": param, "n": n, "seed": seed,
              "level": model.level, "year": model.year, "rubric": model.rubric.name,
              "rank_resolution": stats["rank_width"]}
    return MonteCarloResult(summary=summary, draws=draws, rank_shift=float(stats["rank_shift"].mean()),
                            params=params)


def run_draws(model: MonteCarloMethod, weights: np.ndarray, keep_draws: bool | str = "auto",
              executor: Any = None) -> dict[str, Any]:
    """Evaluate renormalised weight rows in tasks of :data:`_TASK_DRAWS` draws; return accumulated statistics.

    Memory stays bounded, linear in the regions: per region a rank histogram of at most :data:`_RANK_BINS`
    bins (exact ranks up to that many regions, bins of ⌈regions / _RANK_BINS⌉ ranks beyond) and a score
    histogram of :data:`_SCORE_BINS` bins, plus one chunk of draws at a time and the histogram bins of at most
    :data:`_HIST_CELLS` draws × regions (32 MB) — unless the draws are kept.
    Every statistic is a sum of integer counts over the draws, so the result does not depend on how the draws
    are cut into tasks and chunks, nor on where the tasks run: ``executor`` (anything with
    ``concurrent.futures.Executor.map``, e.g. a ``ProcessPoolExecutor`` or a dask ``Client.get_executor()``)
    runs them elsewhere; ``None`` runs them here, one after the other.
    """
    n = len(weights)
    m = model.n_regions
    keep = (n * m <= _KEEP_CELLS) if keep_draws == "auto" else bool(keep_draws)
    tol = model.total * _TIE
    # Each region's score lies between its worst and best indicator share times the total
    # (renormalised weights are a convex combination); the histogram spans that range.
    lo_r = model.f_lo.min(axis=1) * model.total + model.offset_lo
    hi_r = model.f_lo.max(axis=1) * model.total + model.offset_lo
    plan = {"lo": lo_r, "width": np.maximum(hi_r - lo_r, tol) / _SCORE_BINS, "rank0": model.nominal_ranks(),
            "rank_width": max(1, -(-m // _RANK_BINS)), "keep": keep}
    # What a task needs of the model: its arrays, not the frames it was built from (pickled once per task).
    light = replace(model, scores=model.scores.iloc[:0], conditions=model.conditions.iloc[:0],
                    verdicts=model.verdicts.iloc[:0], units=None) if is_dataclass(model) else model
    bounds = [(a, min(n, a + _TASK_DRAWS)) for a in range(0, n, _TASK_DRAWS)]
    slices = [weights[a:b] for a, b in bounds]
    out: dict[str, Any] = {}
    if executor is None:  # here: every task adds into the same counts (no second copy of the histograms)
        out = _counts(m, plan)
        parts = (_draw_task(light, w, plan, out) for w in slices)
    else:
        parts = executor.map(_draw_task, [light] * len(slices), slices, [plan] * len(slices))
    per_draw = {"n_certified": [], "n_possible": [], "rank_shift": [], "scores": [], "ranks": []}
    for part in parts:  # in task order, whatever order they finished in
        for k in _COUNTS:
            if k not in out:
                out[k] = part[k]
            elif part[k] is not out[k]:
                out[k] += part[k]  # in place: one accumulator and one task's counts in memory
        for k, parts_k in per_draw.items():
            if k in part:
                parts_k.append(part[k])
    for k, parts_k in per_draw.items():
        if parts_k:
            out[k] = np.concatenate(parts_k)
    out.update(score_lo=lo_r, score_width=plan["width"], rank_width=plan["rank_width"])
    out["shift_sum"] = out["shift_sum"].astype(float)
    return out


_COUNTS = ("rank_hist", "score_hist", "shift_sum", "certified", "failed")


def _counts(m: int, plan: dict[str, Any]) -> dict[str, np.ndarray]:
    """Zero counts per region: rank and score histograms (int32: n < 2**31), rank shifts, verdict counts."""
    return {"rank_hist": np.zeros((m, -(-m // plan["rank_width"])), dtype=np.int32),
            "score_hist": np.zeros((m, _SCORE_BINS), dtype=np.int32), "shift_sum": np.zeros(m, dtype=np.int64),
            "certified": np.zeros(m, dtype=np.int64), "failed": np.zeros(m, dtype=np.int64)}


def _draw_task(model: MonteCarloMethod, weights: np.ndarray, plan: dict[str, Any],
               into: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """The statistics of one task's draws (integer counts: they add up to the same whatever the cut); the
    counts are added to ``into`` when given (the local run), else to fresh zeros.

    Chunks of :data:`_CHUNK_CELLS` draws × regions, small enough to stay in the processor's cache, each
    written into the same buffers (a fresh large array per step costs more than the step). The histogram bins
    of up to :data:`_HIST_CELLS` draws × regions are kept and counted together, a block of regions at a time
    (:func:`_add_bins`)."""
    m = model.n_regions
    n = len(weights)
    counts = _counts(m, plan) if into is None else into
    rank0 = np.asarray(plan["rank0"], dtype=np.int32)
    lo_r, width = plan["lo"], plan["width"]
    rank_width = plan["rank_width"]
    # Every score lies within the plan's per-region range (a convex combination): the keys' bound, so ranking
    # need not look for it (a step's width of slack for rounding).
    bound = float(keys(np.abs(np.r_[lo_r, lo_r + width * _SCORE_BINS]).max() + model.step, model.step))
    chunk = max(1, min(n, _CHUNK_CELLS // max(m, 1)))
    held = max(chunk, min(n, _HIST_CELLS // max(m, 1)))  # draws whose histogram bins are held
    rank_bins = np.empty((held, m), dtype=np.uint16)  # both fit: at most 1024 bins
    score_bins = np.empty((held, m), dtype=np.uint16)
    s_buf, k_buf = np.empty((chunk, m)), np.empty((chunk, m))
    shift, rank_bin = np.empty((chunk, m), dtype=np.int32), np.empty((chunk, m), dtype=np.int32)
    work = RankWork(chunk, m)
    parts = model.verdict_parts()  # once per task, not per chunk
    n_certified = np.zeros(n, dtype=np.int64)
    n_possible = np.zeros(n, dtype=np.int64)
    rank_shift = np.zeros(n)
    keep = plan["keep"]
    kept_scores = np.empty((n, m), dtype=np.float32) if keep else None
    kept_ranks = np.empty((n, m), dtype=np.int32) if keep else None
    filled = 0
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        c = b - a
        w = weights[a:b]
        s = model.scores_for(w, out=s_buf[:c])
        k = keys(s, model.step, out=k_buf[:c])
        r = model.ranks_of_keys(k, work, bound)
        sh = np.subtract(r, rank0, out=shift[:c])
        np.abs(sh, out=sh)
        counts["shift_sum"] += sh.sum(axis=0)
        rank_shift[a:b] = sh.sum(axis=1) / m
        cert, fail = model.certification_for(w, s, lo_keys=k, parts=parts)
        counts["certified"] += cert.sum(axis=0)
        counts["failed"] += fail.sum(axis=0)
        n_certified[a:b] = cert.sum(axis=1)
        n_possible[a:b] = m - fail.sum(axis=1)
        if keep:
            kept_scores[a:b] = s
            kept_ranks[a:b] = r
        if filled + c > held:
            _add_bins(counts, rank_bins[:filled], score_bins[:filled])
            filled = 0
        rb = np.subtract(r, 1, out=rank_bin[:c])
        if rank_width > 1:
            rb //= rank_width
        rank_bins[filled:filled + c] = rb
        x = np.subtract(s, lo_r, out=k_buf[:c])  # the keys are used up
        x /= width
        np.clip(x, 0, _SCORE_BINS - 1, out=x)
        score_bins[filled:filled + c] = x  # truncated: the bin
        filled += c
    _add_bins(counts, rank_bins[:filled], score_bins[:filled])
    out = {**counts, "n_certified": n_certified, "n_possible": n_possible, "rank_shift": rank_shift}
    if keep:
        out["scores"], out["ranks"] = kept_scores, kept_ranks
    return out


def _add_bins(counts: dict[str, np.ndarray], rank_bins: np.ndarray, score_bins: np.ndarray) -> None:
    """Count draws' bins (draws × regions) into the per-region histograms: one bincount per block of regions,
    its counts small enough for the cache."""
    m = rank_bins.shape[1]
    for name, bins in (("rank_hist", rank_bins), ("score_hist", score_bins)):
        hist = counts[name]
        nb = hist.shape[1]
        block = max(1, _BIN_BLOCK // nb)
        offsets = np.arange(block, dtype=np.int64) * nb
        for c0 in range(0, m, block):
            c1 = min(m, c0 + block)
            idx = bins[:, c0:c1] + offsets[: c1 - c0]
            hist[c0:c1] += np.bincount(idx.ravel(), minlength=(c1 - c0) * nb).reshape(c1 - c0, nb).astype(np.int32)


def _rank_quantiles(hist: np.ndarray, qs: Sequence[float], width: int = 1) -> list[np.ndarray]:
    """Inverted-CDF quantiles (numpy's ``inverted_cdf``) of integer ranks from per-row counts of bins of
    ``width`` ranks: exact for ``width`` 1; else the rank inside the bin, the bin's draws spread evenly."""
    cum = np.cumsum(hist, axis=1, dtype=np.int32)  # n < 2**31 draws
    n = cum[:, -1:].astype(float)
    out = []
    rows = np.arange(len(hist))
    for q in qs:
        j = (cum < q * n - 1e-9).sum(axis=1)
        if width == 1:
            out.append(j + 1)
            continue
        j = np.minimum(j, hist.shape[1] - 1)
        before = np.where(j > 0, cum[rows, np.maximum(j - 1, 0)], 0)
        inside = np.maximum(hist[rows, j], 1)
        step = np.clip(np.ceil((q * n[:, 0] - before) / inside * width), 1, width).astype(np.int64)
        out.append(j * width + step)
    return out


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


def _summarise(model: MonteCarloMethod, st: dict[str, Any], n: int) -> pd.DataFrame:
    p_min = st["certified"] / n
    p_max = (n - st["failed"]) / n
    undecided = p_max - p_min > 0
    p = np.where(undecided, np.nan, p_min)
    other = model.other
    flag = np.select(
        [np.full(len(other), not model.has_certification), other == "fail", other == "unknown", undecided],
        ["no_certification", "other_conditions_fail", "other_conditions_unknown", "score_undecided"], default="ok")
    verdict = model.verdicts.set_index("region")["verdict"].reindex(model.regions).to_numpy()
    r05, r50, r95 = _rank_quantiles(st["rank_hist"], (0.05, 0.5, 0.95), st["rank_width"])
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
