"""The same counties under two rubrics or two weightings: ranks, verdicts and how far they move.

In the spirit of COINr's ``compare_coins`` (two coins, the same units, rank differences): each side is an
evaluated model (:class:`~creditlab.analysis.model.Evaluation` or :class:`~creditlab.analysis.model.Model`)
read for one year, with the rubric's own weights or a named scenario / other weights (the weight view,
:func:`creditlab.analysis.sens_model.weight_view`). :func:`outcome` reads one side, :func:`compare_outcomes`
matches two and :func:`compare` does both.

**Matching.** Units are matched by their division code (``610102``; zones ``KF…``). A unit is *compared* when
it submitted data (at least one assessed value) under both sides in the year; only compared units are ranked
and counted. A unit that submitted nothing under a side is 未报送 there (``not_submitted``: no score, no rank —
never 0 points), and a unit with data under one side only is listed but not compared.

**Ranks** are taken among the compared units of each kind (counties, development zones) by
:func:`~creditlab.analysis.model.unit_ranks` — the one rank of creditlab: totals at the rubric's points step,
ties share the best rank. When both sides cover the same units (two weightings of one data set), these are the
ranks of the county reports. ``rank_change = rank_a − rank_b`` (> 0: ranked higher under B).

**Summary statistics**, per population (counties, zones), over the compared units:

* Spearman's rank correlation ρ: the Pearson correlation of the two rankings with tied units given the mean
  of the ranks they span (Spearman 1904; with no ties it equals ``1 − 6 Σ d² / (n (n² − 1))``); undefined (NaN)
  for fewer than two units or a ranking that is all ties;
* the mean absolute rank shift ``R̄S = (1/M) Σ |rank_a − rank_b|`` (OECD/JRC Handbook, 2008; COINr);
* the number of verdict changes: units whose verdict passes under one side and not under the other, or is
  undecided under exactly one (certified / eligible pass; not certified / not eligible fail). A rubric without
  certification conditions (linyi-2019) has no verdicts to change (``no_conditions``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.problems import said
from ..loaders.regions import counties
from ..loaders.rubric import Rubric
from .model import Evaluation, Model, region_names, unit_ranks
from .sens_model import weight_view
from .weights import Scenario, find_scenario  # noqa: F401 - find_scenario: public here before it moved

NOT_SUBMITTED = "not_submitted"   # the unit submitted nothing under this side (未报送)
NO_CONDITIONS = "no_conditions"   # the rubric has no certification conditions (linyi-2019)
# Each verdict's outcome, for counting changes between rubrics whose verdicts are worded differently.
VERDICT_CLASS = {"certified": "pass", "eligible": "pass", "not_certified": "fail", "not_eligible": "fail",
                 "undecided": "undecided"}
KINDS = ("county", "zone")
TABLE_COLUMNS = ["region", "name", "city", "is_park", "compared", "score_a", "score_b", "missing_a", "missing_b",
                 "rank_a", "rank_b", "tied_a", "tied_b", "peers", "rank_change", "verdict_a", "verdict_b",
                 "verdict_changed"]


@dataclass(frozen=True, eq=False)
class Outcome:
    """One side of a comparison: every unit named in the data for ``year``, its score and verdict.

    ``table``: ``region, submitted, score, missing, verdict`` (score NaN and verdict ``not_submitted`` for a
    unit that submitted nothing); ``totals``: the score frame's ``total`` rows of the submitting units, points
    under this side's weights (what :func:`unit_ranks` ranks)."""

    rubric: Rubric
    year: int
    table: pd.DataFrame
    totals: pd.DataFrame
    units: pd.DataFrame
    scenario: Scenario | None = None   # the named weights, if any
    weights: pd.Series | None = None   # the weights in use when not the rubric's own (points per id)


def _year_of(source: Evaluation | Model, year: int | None) -> int:
    years = source.data_years()
    if not years:
        raise DataError(said("没有任何区县报送指标值", "no region submitted any indicator value"))
    if year is None:
        return years[-1]
    if int(year) not in years:
        raise DataError(said(f"没有 {year} 年的指标数据；有数据的年份：{'、'.join(map(str, years))}",
                             f"no indicator data for year {year}; years with data: {', '.join(map(str, years))}"))
    return int(year)


def outcome(source: Evaluation | Model, year: int | None = None,
            weights: Scenario | Mapping[str, float] | pd.Series | None = None, *, level: str | None = None
            ) -> Outcome:
    """Scores and verdicts of every unit of ``source`` in ``year`` (default: the latest year with data).

    ``weights``: ``None`` for the rubric's own; a :class:`~creditlab.analysis.weights.Scenario` (at its own
    level) or points per id at ``level`` (default ``level2``), renormalised to the rubric's total — scored and
    certified by the weight view (:meth:`~creditlab.analysis.sens_model.WeightModel.evaluate`), the same rule
    as :func:`~creditlab.analysis.certification.certify`."""
    year = _year_of(source, year)
    scores = source.scores
    t = scores[(scores["level"] == "total") & (pd.to_numeric(scores["year"]).astype(int) == year)].copy()
    t["region"] = t["region"].astype(str)
    submitted = set(source.regions(year))
    rubric = source.rubric
    if weights is None:
        v = source.verdicts
        v = v[pd.to_numeric(v["year"]).astype(int) == year] if len(v) else v
        verdict = v.set_index(v["region"].astype(str))["verdict"] if len(v) else pd.Series(dtype=object)
        points = t.set_index("region")["points"]
        gap = t.set_index("region")["missing_max"]
        used = None
    else:
        lvl = weights.level if isinstance(weights, Scenario) else (level or "level2")
        model = source.with_(year=year, level=lvl, weights=weights)
        wm = weight_view(model)
        used = wm.weights_vector(weights)
        e = wm.evaluate(weights).set_index("region")
        verdict, points = e["verdict"], e["score"]
        # The points not assessed, under these weights: the score with them at full marks minus the score.
        w = used.to_numpy(float)
        gap = pd.Series(wm.scores_for(w, upper=True)[0] - wm.scores_for(w)[0], index=wm.regions)
    table = pd.DataFrame({"region": t["region"].to_numpy()})
    table["submitted"] = table["region"].isin(submitted)
    table["score"] = np.where(table["submitted"], table["region"].map(points).astype(float), np.nan)
    table["missing"] = np.where(table["submitted"], table["region"].map(gap).astype(float), np.nan)
    if rubric.certification.get("conditions"):
        table["verdict"] = table["region"].map(verdict).fillna("undecided")
    else:
        table["verdict"] = NO_CONDITIONS
    table.loc[~table["submitted"], "verdict"] = NOT_SUBMITTED
    totals = t[t["region"].isin(submitted)].copy()
    totals["points"] = totals["region"].map(points).astype(float).to_numpy()
    return Outcome(rubric=rubric, year=year, table=table.sort_values("region", ignore_index=True),
                   totals=totals.reset_index(drop=True), units=source.units,
                   scenario=weights if isinstance(weights, Scenario) else None, weights=used)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Two outcomes matched unit by unit: :attr:`table` (one row per unit) and :attr:`summary` (per population)."""

    a: Outcome
    b: Outcome
    table: pd.DataFrame
    summary: pd.DataFrame

    @property
    def compared(self) -> pd.DataFrame:
        """The rows of the units compared (data under both sides)."""
        return self.table[self.table["compared"]]

    def counts(self) -> dict[str, int]:
        """How the units matched: with data under A, under B, under both, under one only, under neither."""
        t = self.table
        sa, sb = t["verdict_a"] != NOT_SUBMITTED, t["verdict_b"] != NOT_SUBMITTED
        return {"units": len(t), "a": int(sa.sum()), "b": int(sb.sum()), "compared": int((sa & sb).sum()),
                "only_a": int((sa & ~sb).sum()), "only_b": int((~sa & sb).sum()),
                "neither": int((~sa & ~sb).sum())}


def spearman(rank_a: np.ndarray | pd.Series, rank_b: np.ndarray | pd.Series) -> float:
    """Spearman's ρ of two rankings of the same units: the Pearson correlation of their ranks, ties given the
    mean rank they span; NaN for fewer than two units or a ranking without any spread."""
    ra = pd.Series(np.asarray(rank_a, dtype=float)).rank(method="average").to_numpy()
    rb = pd.Series(np.asarray(rank_b, dtype=float)).rank(method="average").to_numpy()
    if len(ra) < 2:
        return float("nan")
    da, db = ra - ra.mean(), rb - rb.mean()
    denom = np.sqrt((da * da).sum() * (db * db).sum())
    return float((da * db).sum() / denom) if denom > 0 else float("nan")


def mean_rank_shift(rank_a: np.ndarray | pd.Series, rank_b: np.ndarray | pd.Series) -> float:
    """R̄S = mean |rank_a − rank_b| over the units (NaN for none)."""
    d = np.abs(np.asarray(rank_a, dtype=float) - np.asarray(rank_b, dtype=float))
    return float(d.mean()) if len(d) else float("nan")


def verdict_changed(verdict_a: pd.Series, verdict_b: pd.Series) -> pd.Series:
    """Whether the outcome (pass / fail / undecided) differs; NA where either side has no verdict
    (未报送, or a rubric without conditions)."""
    ca, cb = verdict_a.map(VERDICT_CLASS), verdict_b.map(VERDICT_CLASS)
    out = pd.Series(pd.array(ca.to_numpy() != cb.to_numpy(), dtype="boolean"), index=verdict_a.index)
    out[ca.isna() | cb.isna()] = pd.NA
    return out


def _units(a: Outcome, b: Outcome, codes: list[str]) -> pd.DataFrame:
    """Code, name, city, city_code, is_park of ``codes``: the units tables of both sides, then the country's
    county-level divisions; a code in none is named by its code and ranked among the counties (the zones for a
    ``KF`` id)."""
    country = counties(None).assign(is_park=False)
    u = pd.concat([a.units, b.units, country], ignore_index=True).drop_duplicates("code").set_index("code")
    out = pd.DataFrame({"code": codes})
    known = out["code"].isin(u.index)
    out["name"] = np.where(known, out["code"].map(u["name"]) if len(u) else "", region_names(codes).to_numpy())
    out["city"] = out["code"].map(u["city"]).fillna("") if "city" in u else ""
    out["city_code"] = out["code"].map(u["city_code"]).fillna("") if "city_code" in u else ""
    is_park = out["code"].map(u["is_park"]) if "is_park" in u else pd.Series(np.nan, index=out.index)
    out["is_park"] = is_park.where(known, out["code"].str.startswith("KF")).astype(bool)
    return out


def _ranks(side: Outcome, codes: list[str], units: pd.DataFrame) -> pd.DataFrame:
    """The side's ranks among ``codes`` (the compared units), by :func:`unit_ranks`."""
    totals = side.totals[side.totals["region"].isin(codes)]
    reported = totals[["region", "year"]]
    return unit_ranks(side.rubric, totals, reported, units, "province").set_index("region")


def compare_outcomes(a: Outcome, b: Outcome, regions: list[str] | None = None) -> Comparison:
    """Match two outcomes unit by unit (see the module's docstring for the rules).

    ``regions``: the units to list (e.g. every county of the scope, so those with no data under either side are
    shown as 未报送 under both); default every unit named in either side's data for its year."""
    ta, tb = a.table.set_index("region"), b.table.set_index("region")
    codes = sorted(set(ta.index) | set(tb.index)) if regions is None else sorted(set(map(str, regions)))
    units = _units(a, b, codes)
    t = units.rename(columns={"code": "region"})[["region", "name", "city", "is_park"]].copy()
    for key, side in (("a", ta), ("b", tb)):
        t[f"score_{key}"] = t["region"].map(side["score"]).astype(float)
        t[f"missing_{key}"] = t["region"].map(side["missing"]).astype(float)
        t[f"verdict_{key}"] = t["region"].map(side["verdict"]).fillna(NOT_SUBMITTED)
    t["compared"] = (t["verdict_a"] != NOT_SUBMITTED) & (t["verdict_b"] != NOT_SUBMITTED)
    compared = t.loc[t["compared"], "region"].tolist()
    for key, side in (("a", a), ("b", b)):
        r = _ranks(side, compared, units)
        t[f"rank_{key}"] = pd.array(t["region"].map(r["rank"]), dtype="Int64")
        t[f"tied_{key}"] = pd.array(t["region"].map(r["tied"]), dtype="boolean")
        if key == "a":
            t["peers"] = pd.array(t["region"].map(r["peers"]), dtype="Int64")
    t["rank_change"] = t["rank_a"] - t["rank_b"]
    t["verdict_changed"] = verdict_changed(t["verdict_a"], t["verdict_b"])
    t.loc[~t["compared"], "verdict_changed"] = pd.NA
    t = t[TABLE_COLUMNS].sort_values(["is_park", "compared", "rank_a", "region"],
                                     ascending=[True, False, True, True], ignore_index=True)
    return Comparison(a=a, b=b, table=t, summary=summarise(t))


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Per population (``county``, ``zone``) of compared units: ``n``, ``spearman``, ``mean_rank_shift``
    (R̄S), ``max_rank_shift``, ``verdicts_compared`` and ``verdict_changes``."""
    rows = []
    c = table[table["compared"]]
    for kind, park in zip(KINDS, (False, True), strict=True):
        g = c[c["is_park"] == park]
        if g.empty:
            continue
        ra, rb = g["rank_a"].to_numpy(float), g["rank_b"].to_numpy(float)
        changed = g["verdict_changed"]
        rows.append({"population": kind, "n": len(g), "spearman": spearman(ra, rb),
                     "mean_rank_shift": mean_rank_shift(ra, rb),
                     "max_rank_shift": int(np.abs(ra - rb).max()),
                     "verdicts_compared": int(changed.notna().sum()),
                     "verdict_changes": int(changed.fillna(False).sum())})
    return pd.DataFrame(rows, columns=["population", "n", "spearman", "mean_rank_shift", "max_rank_shift",
                                       "verdicts_compared", "verdict_changes"])


def compare(a: Evaluation | Model, b: Evaluation | Model, year: int | None = None, *,
            weights_a: Scenario | Mapping[str, float] | pd.Series | None = None,
            weights_b: Scenario | Mapping[str, float] | pd.Series | None = None,
            level: str | None = None, regions: list[str] | None = None) -> Comparison:
    """Compare two evaluations (two rubrics, or one rubric under two weightings) in ``year`` (default: the latest
    year with data under both); ``weights_*`` as in :func:`outcome`. Raises :class:`DataError` when no unit has
    data under both."""
    if year is None:
        common = sorted(set(a.data_years()) & set(b.data_years()))
        if not common:
            raise DataError(said(f"两个评估没有共同的年份（A：{a.data_years()}；B：{b.data_years()}）",
                                 f"the two evaluations have no year in common (A: {a.data_years()}, "
                                 f"B: {b.data_years()})"))
        year = common[-1]
    comp = compare_outcomes(outcome(a, year, weights_a, level=level), outcome(b, year, weights_b, level=level),
                            regions)
    if comp.compared.empty:
        counts = comp.counts()
        raise DataError(said(f"{year} 年没有哪个单位在两边都有数据：评估标准 {a.rubric.name} 覆盖{counts['a']}个单位，"
                             f"评估标准 {b.rubric.name} 覆盖{counts['b']}个，没有共同的",
                             f"no unit has data under both sides in {year}: rubric {a.rubric.name} covers "
                             f"{counts['a']} unit(s), rubric {b.rubric.name} {counts['b']}, none in common"))
    return comp


__all__ = ["KINDS", "NOT_SUBMITTED", "NO_CONDITIONS", "TABLE_COLUMNS", "VERDICT_CLASS", "Comparison", "Outcome",
           "compare", "compare_outcomes", "find_scenario", "mean_rank_shift", "outcome", "spearman", "summarise",
           "verdict_changed"]
