"""The evaluated model: one specification and the stages computed from it once — in the spirit of COINr's coin.

The specification (:class:`Spec`, frozen) holds the inputs and the choices: rubric, indicator data, certification
context (and whether one was supplied at all), the development zones, the year (``None``: every year in the data),
the scope (province, a city, a list of codes), the weight level and the weights at it, the normalisation of
norm-referenced rubrics. :class:`Model` computes its stages on first use and keeps them: ``frame`` (the rows in
year and scope), ``scores``, ``submitted``, ``mandatory``, ``conditions``, ``verdicts``, ``units``, and, once
the weight view is built (:func:`creditlab.sensitivity.prepare`), ``weight_model`` (nominal ranks among peers) and
``results`` (scores, ranks and verdicts under the spec's weights).
:meth:`Model.with_` regenerates the model with one choice changed and keeps every stage that choice does not
reach (:data:`STAGES`): new weights re-score nothing.

The county reports (:class:`Evaluation`: this model for every year plus where its inputs came from), the
sensitivity analyses (:func:`creditlab.sensitivity.prepare`: the weight view of this model for one year and
scope, built from its scores and conditions) and the scenario explorer all read the same stages.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd

from ..core.errors import DataError
from ..core.problems import default_lang, said
from ..loaders.data import park_codes
from ..loaders.regions import in_city, province_code
from ..loaders.rubric import Rubric
from ..loaders.zones import NATIONAL, jurisdiction_problem, jurisdiction_units
from .certification import _SCORE_FIELDS, certify, evaluate_conditions
from .points import points_step
from .scoring import mandatory_status, rank, score, submitted

# A condition that needs the certification context when none was supplied: not assessed, never
# decided by someone else's (e.g. the demo's synthetic) context.
NO_CONTEXT = ("未评估（未提供认定条件数据）", "not assessed (no certification-condition data supplied)")

_SCORING = ("rubric", "data", "year", "scope", "zones", "normalisation", "scoring")
_CERTIFYING = (*_SCORING, "context", "has_context")
# Each stage and the choices it depends on: Model.with_ keeps a stage none of whose choices changed.
STAGES: dict[str, tuple[str, ...]] = {
    "frame": ("rubric", "data", "year", "scope"),
    "scores": _SCORING,
    "submitted": _SCORING,
    "mandatory": _SCORING,
    "conditions": _CERTIFYING,
    "verdicts": _CERTIFYING,
    "units": (),
    "ranks_province": _SCORING,  # each unit's rank among its kind (counties, zones) in the province ...
    "ranks_city": _SCORING,      # ... and in its city: the ranks every county report and the index show
    "weight_model": (*_CERTIFYING, "level"),   # creditlab.sensitivity.prepare: the weight view
    "results": (*_CERTIFYING, "level", "weights"),  # scores, ranks and verdicts under ``weights``
}


@dataclass(frozen=True, eq=False)
class Spec:
    """The inputs and choices of an evaluated model (frozen: change one with :meth:`Model.with_`)."""

    rubric: Rubric
    data: pd.DataFrame                 # indicator data, long: region, year, criterion, value
    context: pd.DataFrame | None = None  # certification context (None: none; conditions needing it raise)
    has_context: bool = True           # False: no context was supplied; its conditions say "not assessed"
    zones: tuple[str, ...] | None = None  # codes scored as development zones; None: the bundled zones table
    year: int | None = None            # None: every year in the data
    scope: str | tuple[str, ...] | None = None  # None/"province", a city (name or code), or region codes
    level: str = "level2"              # the weight level of the weight view (level1 / level2)
    weights: Any = None                # weights at ``level`` (id → points, a Scenario); None: nominal
    normalisation: str = "minmax"      # norm-referenced rubrics (linyi-2019): creditlab.normalise
    # score()'s other options: compare_within, weights (criterion weights of weighted rubrics such as
    # henan-2021), goalposts, targets — a mapping, frozen with the rest of the spec
    scoring: Mapping[str, Any] = field(default_factory=dict)


class _PerRegion:
    """Who reported what, read from ``submitted()`` and ``scores`` (a model and an evaluation alike)."""

    scores: pd.DataFrame

    def submitted(self) -> pd.DataFrame:  # pragma: no cover - defined by each subclass
        raise NotImplementedError

    def years(self, region: str) -> list[int]:
        """Years with data (at least one assessed value) for ``region``."""
        s = self.submitted()
        return sorted(int(y) for y in s.loc[s["region"] == region, "year"].unique())

    def regions(self, year: int) -> list[str]:
        """Regions with data (at least one assessed value) in ``year``."""
        s = self.submitted()
        return sorted(s.loc[s["year"] == year, "region"].astype(str).unique())

    def data_years(self) -> list[int]:
        """Years in which some region has data."""
        return sorted(int(y) for y in self.submitted()["year"].unique())

    def has_rows(self, region: str, year: int) -> bool:
        """True if the data name ``region`` for ``year`` at all (possibly without any value)."""
        s = self.scores
        return bool(((s["region"] == region) & (s["year"] == year)).any())


class Model(_PerRegion):
    """The evaluated model of one :class:`Spec`; every stage is computed once, when first read."""

    def __init__(self, rubric: Rubric, data: pd.DataFrame, context: pd.DataFrame | None = None, *,
                 has_context: bool = True, zones: Iterable[str] | None = None, year: int | None = None,
                 scope: str | Iterable[str] | None = None, level: str = "level2", weights: Any = None,
                 normalisation: str = "minmax", scoring: Mapping[str, Any] | None = None) -> None:
        self.spec = Spec(rubric=rubric, data=data, context=context, has_context=has_context,
                         zones=None if zones is None else tuple(map(str, zones)),
                         year=None if year is None else int(year), scope=_scope_key(scope), level=level,
                         weights=weights, normalisation=normalisation, scoring=_scoring_options(scoring))
        self._stages: dict[str, Any] = {}

    def __repr__(self) -> str:
        s = self.spec
        done = ", ".join(self._stages) or "nothing"
        return (f"{type(self).__name__}({s.rubric.name!r}, year={s.year}, scope={s.scope!r}, level={s.level!r}; "
                f"computed: {done})")

    # -- regenerating ---------------------------------------------------------------------------
    def with_(self, **changes: Any) -> Model:
        """The model with some choices changed (e.g. ``weights=``, ``scope=``, ``context=``); the stages
        that depend on none of them are shared, the others computed afresh when read."""
        unknown = sorted(set(changes) - {f.name for f in fields(Spec)})
        if unknown:
            raise TypeError(f"unknown model choice(s): {', '.join(unknown)}")
        if "scoring" in changes:
            changes["scoring"] = _scoring_options(changes["scoring"])
        if "zones" in changes and changes["zones"] is not None:
            changes["zones"] = tuple(map(str, changes["zones"]))
        if "scope" in changes:
            changes["scope"] = _scope_key(changes["scope"])
        if changes.get("year") is not None:
            changes["year"] = int(changes["year"])
        new = Model.__new__(Model)  # a plain model: its inputs are no longer those of any files
        new.spec = replace(self.spec, **changes)
        changed = {k for k, v in changes.items() if not _same(getattr(self.spec, k), v)}
        new._stages = {k: v for k, v in self._stages.items() if not changed & set(STAGES.get(k, _CERTIFYING))}
        return new

    def stage(self, name: str, make: Callable[[], Any]) -> Any:
        """The stage ``name``, computed by ``make()`` the first time (stages are listed in :data:`STAGES`)."""
        if name not in self._stages:
            self._stages[name] = make()
        return self._stages[name]

    # -- the choices, read through ----------------------------------------------------------------
    @property
    def rubric(self) -> Rubric:
        return self.spec.rubric

    @property
    def has_context(self) -> bool:
        return self.spec.has_context

    @property
    def context_conditions(self) -> tuple[str, ...]:
        """Ids of the certification conditions that need context data (not only the scores)."""
        return tuple(context_conditions(self.rubric))

    # -- the stages -------------------------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        """The indicator rows scored: every row (no year, no scope), else those of the year and scope."""
        return self.stage("frame", self._frame)

    def _frame(self) -> pd.DataFrame:
        s = self.spec
        data = s.data
        if "region" in data.columns:
            check_jurisdiction(s.rubric, data["region"].astype(str).unique())
        if s.year is None and s.scope is None:
            return s.data
        for col in ("region", "year", "criterion", "value"):
            if col not in data.columns:
                raise DataError(said(f"指标数据缺少列 {col!r}", f"indicator data lacks column {col!r}"))
        frame = data
        if s.year is not None:
            years = sorted(pd.to_numeric(data["year"]).astype(int).unique().tolist())
            if s.year not in years:
                raise DataError(said(f"没有 {s.year} 年的指标数据；数据中的年份：{'、'.join(map(str, years))}",
                                     f"no indicator data for year {s.year}; years in the data: "
                                     f"{', '.join(map(str, years))}"))
            frame = data[pd.to_numeric(data["year"]).astype(int) == s.year]
        frame = frame.copy()
        frame["region"] = frame["region"].astype(str)
        wanted = resolve_scope(s.scope, frame["region"].unique(), self.units)
        frame = frame[frame["region"].isin(wanted)]
        if frame.empty:
            raise DataError(said(f"范围 {_scope_arg(s.scope)!r} 内的区县在 {s.year} 年没有指标数据",
                                 f"no indicator data for the regions in scope {_scope_arg(s.scope)!r} in {s.year}"))
        return frame

    @property
    def scores(self) -> pd.DataFrame:
        """:func:`creditlab.scoring.score` of :attr:`frame` (development zones handed in)."""
        s = self.spec
        return self.stage("scores", lambda: score(s.rubric, self.frame, park_codes() if s.zones is None else s.zones,
                                                  normalisation=s.normalisation, **s.scoring))

    def submitted(self) -> pd.DataFrame:
        """``region, year`` with at least one assessed value (a unit with none returned nothing: 未报送)."""
        return self.stage("submitted", lambda: submitted(self.scores))

    @property
    def mandatory(self) -> pd.DataFrame:
        """:func:`creditlab.scoring.mandatory_status` of the scores."""
        return self.stage("mandatory", lambda: mandatory_status(self.rubric, self.scores))

    @property
    def conditions(self) -> pd.DataFrame:
        """:func:`creditlab.certification.evaluate_conditions`; without context, its conditions say so."""
        return self.stage("conditions", self._conditions)

    def _conditions(self) -> pd.DataFrame:
        s = self.spec
        ctx = s.context if s.has_context or s.context is not None else no_context()
        out = evaluate_conditions(s.rubric, self.scores, ctx, mandatory=self.mandatory)
        return out if s.has_context else without_context(s.rubric, out)

    @property
    def verdicts(self) -> pd.DataFrame:
        """:func:`creditlab.certification.certify`, from the :attr:`conditions` stage (not evaluated again)."""
        s = self.spec
        ctx = s.context if s.has_context or s.context is not None else no_context()
        return self.stage("verdicts", lambda: certify(s.rubric, self.scores, ctx, conditions=self.conditions,
                                                      mandatory=self.mandatory))

    @property
    def units(self) -> pd.DataFrame:
        """The assessment units (counties and zones) of the rubric's jurisdiction, with their city."""
        return self.stage("units", lambda: unit_table(self.rubric.jurisdiction).reset_index(drop=True))

    def ranks(self, scope: str = "province") -> pd.DataFrame:
        """Every reporting unit's rank, per year, among the units of its kind (counties, development zones)
        in the province (``scope="province"``) or in its city (``"city"``): :func:`creditlab.scoring.rank`
        (ties share the best rank, at the rubric's precision). Units that returned nothing (未报送) are not
        ranked. One stage per scope, shared by every county report and the index."""
        if scope not in ("province", "city"):
            raise ValueError(f"scope must be 'province' or 'city', got {scope!r}")
        return self.stage(f"ranks_{scope}", lambda: unit_ranks(self.rubric, self.scores, self.submitted(),
                                                                self.units, scope))

    @property
    def results(self) -> pd.DataFrame:
        """Score, rank and verdict of every region under the spec's weights beside the nominal ones (one year):
        the weight view's ``evaluate`` (:meth:`creditlab.sensitivity.WeightModel.evaluate`)."""
        if "weight_model" not in self._stages:
            raise DataError("the weight view of this model is not built: use creditlab.sensitivity.prepare "
                            "or weight_view(model)")
        return self.stage("results", lambda: self._stages["weight_model"].evaluate(self.spec.weights))



@dataclass
class Evaluation(_PerRegion):
    """What the county reports show: the stages of an evaluated :class:`Model` of a set of input files (every
    region and year), with where the inputs came from. The frames are the model's own stage objects
    (:meth:`of`), nothing is computed twice; a batch pickles it once for all its reports."""

    key: str
    rubric: Rubric
    units: pd.DataFrame        # code, name, name_en, city_code, city, city_en, is_park
    scores: pd.DataFrame       # creditlab.scoring.score
    verdicts: pd.DataFrame     # creditlab.certification.certify
    conditions: pd.DataFrame   # creditlab.certification.evaluate_conditions
    mandatory: pd.DataFrame    # creditlab.scoring.mandatory_status
    files: list[dict[str, str]]
    synthetic: bool
    has_context: bool
    computed_at: str = field(default_factory=lambda: dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    synthetic_inputs: tuple[str, ...] = ()   # roles of the synthetic input files: "data", "context"
    context_conditions: tuple[str, ...] = ()  # condition ids that need the certification context
    model: Model | None = field(default=None, repr=False, compare=False)  # the model these stages come from

    @classmethod
    def of(cls, model: Model, *, key: str, files: Sequence[Mapping[str, str]] = (), synthetic: bool = False,
           synthetic_inputs: Iterable[str] = ()) -> Evaluation:
        """The evaluation showing ``model``'s stages (computed now, once)."""
        return cls(key=key, rubric=model.rubric, units=model.units, scores=model.scores, verdicts=model.verdicts,
                   conditions=model.conditions, mandatory=model.mandatory, files=[dict(f) for f in files],
                   synthetic=synthetic, has_context=model.has_context, synthetic_inputs=tuple(synthetic_inputs),
                   context_conditions=model.context_conditions, model=model)

    def with_(self, **changes: Any) -> Model:
        """The underlying model with some choices changed (:meth:`Model.with_`)."""
        if self.model is None:
            raise ValueError("this evaluation was not built from a model")
        return self.model.with_(**changes)

    def ranks(self, scope: str = "province") -> pd.DataFrame:
        """:meth:`Model.ranks` of the underlying model (computed here for an evaluation built without one)."""
        if self.model is not None and self.model._stages.get("scores") is self.scores:
            return self.model.ranks(scope)
        cache = self.__dict__.setdefault("_ranks", {})
        if scope not in cache:
            cache[scope] = unit_ranks(self.rubric, self.scores, self.submitted(), self.units, scope)
        return cache[scope]

    def submitted(self) -> pd.DataFrame:
        """``region, year`` with at least one assessed value (a unit with none returned nothing: 未报送)."""
        if self.model is not None and self.model._stages.get("scores") is self.scores:
            return self.model.submitted()
        return submitted(self.scores)



# ---------------------------------------------------------------------------------------------
# Context and units


SCORING_OPTIONS = ("compare_within", "weights", "goalposts", "targets")


def _scoring_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """score()'s keyword options for the spec, checked by name (a typo must not be ignored)."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(SCORING_OPTIONS))
    if unknown:
        raise TypeError(f"unknown scoring option(s): {', '.join(unknown)}; known: {', '.join(SCORING_OPTIONS)}")
    return options


def unit_ranks(rubric: Rubric, scores: pd.DataFrame, reported: pd.DataFrame, units: pd.DataFrame,
               scope: str = "province") -> pd.DataFrame:
    """Ranks of the reporting units within (year, kind[, city]); columns of :func:`creditlab.scoring.rank`
    plus ``is_park`` and ``city_code``."""
    u = units.set_index("code")
    t = scores[scores["level"] == "total"]
    t = t[t["region"].isin(u.index)]
    keep = t.set_index(["region", "year"]).index.isin(reported.set_index(["region", "year"]).index)
    t = t[keep]
    kind = u["is_park"].map({True: "zone", False: "county"})
    group = kind if scope == "province" else kind + ":" + u["city_code"].astype(str)
    out = rank(t, by=group, step=points_step(rubric))
    out["is_park"] = u.loc[out["region"], "is_park"].to_numpy(bool)
    out["city_code"] = u.loc[out["region"], "city_code"].to_numpy()
    return out.drop(columns="group").reset_index(drop=True)


def no_context() -> pd.DataFrame:
    """The context when none was supplied: no rows, so every check that needs it is unknown, never passed."""
    return pd.DataFrame({"region": pd.Series(dtype="str"), "year": pd.Series(dtype="int64")})


def context_conditions(rubric: Rubric) -> list[str]:
    """The ids of the certification conditions that need context data (not only the scores)."""
    return [c["id"] for c in rubric.certification.get("conditions", [])
            if any(chk["field"] not in _SCORE_FIELDS or "ref" in chk for chk in c["checks"])]


def condition_number(cond: Mapping[str, Any]) -> str:
    """A certification condition's number as the source prints it (``3``), else its id."""
    return str(cond.get("number") or cond["id"]).strip().rstrip(".．、")


def without_context(rubric: Rubric, conditions: pd.DataFrame) -> pd.DataFrame:
    """Say of every condition that needs context that it was not assessed (no context was supplied).

    Their result is already ``unknown`` (no check on a missing field passes or fails); the reason now says
    why, instead of quoting "unknown" values (the verdicts' reasons are these conditions' reasons).
    """
    needs = context_conditions(rubric)
    if conditions.empty or not needs:
        return conditions
    texts = {}
    for cond in rubric.certification["conditions"]:
        num = condition_number(cond)
        texts[cond["id"]] = (f"条件{num}「{cond['text_zh'].rstrip('。')}」{NO_CONTEXT[0]}",
                             f"Condition {num} ({cond['text_en'].rstrip('.')}) {NO_CONTEXT[1]}")
    conditions = conditions.copy()
    hit = conditions["condition"].isin(needs) & conditions["result"].eq("unknown")
    conditions.loc[hit, "reason_zh"] = conditions.loc[hit, "condition"].map(lambda c: texts[c][0])
    conditions.loc[hit, "reason_en"] = conditions.loc[hit, "condition"].map(lambda c: texts[c][1])
    if "short_zh" in conditions.columns:  # the short reason names the condition only (creditlab.analysis.reasons)
        nums = {c["id"]: condition_number(c) for c in rubric.certification["conditions"]}
        conditions.loc[hit, "short_zh"] = conditions.loc[hit, "condition"].map(
            lambda c: f"条件{nums[c]}{NO_CONTEXT[0]}")
        conditions.loc[hit, "short_en"] = conditions.loc[hit, "condition"].map(
            lambda c: f"Condition {nums[c]} {NO_CONTEXT[1]}")
    return conditions


def unit_table(jurisdiction: str | None = None) -> pd.DataFrame:
    """The assessment units (counties and zones) of a jurisdiction (a rubric's: a province or city code,
    ``"100000"`` the country; None: the default province) with their city: code, name, name_en, city_code,
    city, is_park, city_en."""
    return jurisdiction_units(jurisdiction)[["code", "name", "name_en", "city_code", "city", "is_park", "city_en"]]


def _units(jurisdiction: str | None = None) -> pd.DataFrame:
    """Counties and development zones with their city (empty if the tables cannot be read)."""
    try:
        return jurisdiction_units(jurisdiction)
    except DataError:
        return pd.DataFrame(columns=["code", "name", "city_code", "city"])


def check_jurisdiction(rubric: Rubric, regions: Iterable[str]) -> None:
    """:class:`DataError` naming every region (county and code) outside the rubric's jurisdiction."""
    problem = jurisdiction_problem(regions, rubric.jurisdiction, rubric.name)
    if problem is not None:
        raise DataError(problem[0] if default_lang() == "zh" else problem[1])


# ---------------------------------------------------------------------------------------------
# Scope


def _is_province(scope: Any) -> bool:
    return scope is None or (isinstance(scope, str) and scope.strip().lower() in ("province", "全省", ""))


def _scope_key(scope: str | Iterable[str] | None) -> str | tuple[str, ...] | None:
    """A scope as the frozen spec keeps it: a string, a tuple of codes (a list given), or None."""
    if scope is None or isinstance(scope, str):
        return scope
    return tuple(str(c) for c in scope)


def _scope_arg(scope: str | tuple[str, ...] | None) -> str | list[str] | None:
    """The scope as the caller gave it, for messages (a list of codes, not a tuple)."""
    return list(scope) if isinstance(scope, tuple) else scope


def resolve_scope(scope: str | Iterable[str] | None, available: Iterable[str],
                  units: pd.DataFrame | None = None) -> list[str]:
    """Region codes for ``scope`` (``None``/``"province"``: every region; a prefecture city by name such as
    ``"西安市"`` or code; a province by name or code, ``"河南"``; a list of region codes), checked against the
    codes in the data. ``units``: the jurisdiction's units (a model's); default the default province's."""
    available = sorted(set(map(str, available)))
    if _is_province(scope):
        return available
    if isinstance(scope, str):
        units = _units() if units is None else units
        key = scope.strip()
        hit = units[in_city(units, key)]
        if hit.empty:
            hit = _province_units(units, key)
        if hit.empty:
            cities = units[["city_code", "city"]].drop_duplicates()
            known = "; ".join(f"{r.city} ({r.city_code})" for r in cities.itertuples())
            known_zh = "、".join(f"{r.city}（{r.city_code}）" for r in cities.itertuples())
            raise DataError(said(f"未知的范围 {scope!r}：请给出 'province'（全省）、一个城市或区划代码列表；"
                                 f"城市：{known_zh}",
                                 f"unknown scope {scope!r}: give 'province', a city or a list of region codes; "
                                 f"cities: {known}"))
        codes = sorted(set(hit["code"]) & set(available))
        if not codes:
            raise DataError(said(f"{scope} 的区县和开发区都没有指标数据",
                                 f"no indicator data for any county or zone of {scope}"))
        return codes
    codes = [str(c) for c in scope]
    missing = sorted(set(codes) - set(available))
    if missing:
        raise DataError(said(f"范围内有{len(missing)}个区县没有该年的指标数据",
                             f"{len(missing)} region(s) in scope have no indicator data for the year"),
                        [said(f"区县 {c} 不在数据中", f"region {c} is not in the data") for c in missing[:20]])
    return sorted(set(codes))


def _province_units(units: pd.DataFrame, key: str) -> pd.DataFrame:
    """The units of a province given by name or code (empty if ``key`` names no province)."""
    try:
        code = province_code(key)
    except DataError:
        return units.iloc[:0]
    return units[units["city_code"].astype(str).str[:2] == code[:2]]


def scope_area(scope: str | Iterable[str] | None, units: pd.DataFrame) -> str | None:
    """The area a scope names, for the population words: None (province), a city name, "" (a selection)."""
    if _is_province(scope):
        return None
    if isinstance(scope, str):
        hit = units[in_city(units, scope)]
        return str(hit["city"].iloc[0]) if len(hit) else scope.strip()
    return ""


def region_names(codes: Iterable[str]) -> pd.Series:
    """Code → name of counties and development zones (the code itself where unknown)."""
    codes = [str(c) for c in codes]
    names = _units(NATIONAL).set_index("code")["name"]
    return pd.Series({c: names.get(c, c) for c in codes}, dtype=object, name="name")


def _same(a: Any, b: Any) -> bool:
    """Whether a choice is unchanged: the same object, or an equal plain value (str, number, tuple, None)."""
    if a is b:
        return True
    plain = (str, int, float, bool, tuple, type(None))
    return isinstance(a, plain) and type(a) is type(b) and a == b


__all__ = ["NO_CONTEXT", "STAGES", "Evaluation", "Model", "Spec", "condition_number", "context_conditions",
           "no_context", "region_names", "resolve_scope", "scope_area", "unit_table", "without_context"]
