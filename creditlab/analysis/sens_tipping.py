"""Tipping points: the smallest reweighting (L1, a linear programme solved by HiGHS) that changes an outcome.

One method of :mod:`creditlab.sensitivity`: a region reaching or losing certification, or two regions swapping
order, with every weight within bounds and the total fixed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .points import compare
from .weights import ScenarioError

_MARGIN = 1e-6  # points: how far past a strict boundary a tipping point goes


class TippingMethod:
    """:meth:`tipping_point` and :meth:`tipping_table` of the weight model."""

    def tipping_point(self, region: str, bounds: float | Mapping[str, tuple[float, float]] = 0.5,
                      target: str = "certify") -> TippingPoint:
        """See :func:`creditlab.sensitivity.tipping_point`."""
        return _tipping_point(self, region, bounds, target)

    def tipping_table(self, bounds: float | Mapping[str, tuple[float, float]] = 0.5) -> pd.DataFrame:
        """See :func:`creditlab.sensitivity.tipping_table`."""
        return _tipping_table(self, bounds)


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


def weight_bounds(model: TippingMethod, bounds: float | Mapping[str, tuple[float, float]]
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


def _tipping_point(model: TippingMethod, region: str, bounds: float | Mapping[str, tuple[float, float]],
                   target: str) -> TippingPoint:
    i = model.region_index(region)
    lo, hi = weight_bounds(model, bounds)
    w0 = model.nominal.to_numpy(float)
    base = dict(region=str(region), target=target, nominal=model.nominal.copy(),
                score_before=float(model.nominal_scores[i]))
    if target == "certify":
        return _tip_certify(model, i, lo, hi, w0, base)
    j = model.region_index(target)
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


def _tip_certify(model: TippingMethod, i: int, lo: np.ndarray, hi: np.ndarray, w0: np.ndarray,
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


def _tipping_table(model: TippingMethod, bounds: float | Mapping[str, tuple[float, float]]) -> pd.DataFrame:
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
