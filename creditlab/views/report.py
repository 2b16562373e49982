"""County evaluation reports: everything ``parameterised/county_evaluation.ipynb`` shows.

Three concerns, three places: the parameters and input files (:mod:`creditlab.views.report_inputs`, re-exported
here), the county's facts (:class:`CountyFacts`: computed, worded, no HTML) and the page built from them
(:class:`CountyReport`: HTML sections, charts, results file).

The notebook stays thin: it validates its parameters with :func:`check_params`, loads an
:class:`Evaluation` (scores, verdicts and mandatory conditions of *every* region and year, computed
once per set of input files and cached by the batch runner), builds a :class:`CountyReport` for one
region and year, and displays what the report's methods return: DataFrames for analysts, plotly
figures, and HTML sections in which every piece of text from data files is escaped.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import math
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis.certification import NO_CERTIFICATION, pass_mark
from ..analysis.model import (  # noqa: F401 - NO_CONTEXT, unit_table: public here before the model moved down
    NO_CONTEXT,
    Evaluation,
    Model,
    condition_number,
    context_conditions,
    no_context,
    unit_table,
)
from ..analysis.points import population_area, population_words, rank_words
from ..analysis.reasons import verdict_reason
from ..analysis.scoring import mandatory_status, rank, score, submitted  # noqa: F401 - importable here before
from ..core import __version__
from ..core.atomic import atomic_path, write_text
from ..core.i18n import fmt_num, signed, tr
from ..core.labels import VERDICT_LABELS
from ..core.paths import PROJECT_ROOT, data_dir  # noqa: F401 - importable here before the split
from ..loaders.data import assessment_units, load_context, load_data, park_codes, zones_path  # noqa: F401
from ..loaders.regions import REGION_ID, regions_path  # noqa: F401 - importable here before the split
from ..loaders.rubric import Rubric, list_rubrics, load_rubric  # noqa: F401
from . import figures  # noqa: F401 - figures: sets up the offline plotly renderer
from .banner import banner_html, banner_text, synthetic_roles
from .figures import chart_text, chart_texts
from .htmlpage import COMPONENT_CSS, esc, table
from .report_inputs import (  # noqa: F401 - the inputs and parameters, public here before the split
    NOTEBOOK,
    NOTEBOOK_NAMES,
    PARAMETER_SPEC,
    RESULTS_SCHEMA,
    SCOPES,
    Inputs,
    Params,
    ReportError,
    _paths,
    check_params,
    check_region_code,
    code_digest,
    demo_dir,
    display_path,
    inputs_key,
    resolve_inputs,
    rubric_path,
    rubric_year_problem,
    scratch_dir,
    sha256_file,
)

STATUS_LABELS = {
    "full": ("满分", "full marks"), "partial": ("部分得分", "partial"), "none": ("未得分", "no points"),
    "not_assessed": ("未评估", "not assessed"),
    "complete": ("已全部评估", "fully assessed"), "incomplete": ("部分未评估", "partly not assessed"),
}
RESULT_LABELS = {"pass": ("符合", "met", "ok"), "fail": ("不符合", "not met", "bad"),
                 "unknown": ("无法判断", "unknown", "unknown")}
# A unit in scope that returned no value at all for the year: no score, no rank, not in averages.
NOT_SUBMITTED = ("未报送", "not submitted")
# A rank chart draws one bar per peer up to this many; a larger population is shown as a distribution.
RANK_BARS_MAX = 150
COLORS = {"earned": "#1f5f99", "lost": "#e8a29b", "not_assessed": "#f2c94c", "peer": "#b8c4d2",
          "self": "#d9480f", "threshold": "#1e7b34"}


# ---------------------------------------------------------------------------------------------
# Evaluation of every region and year (computed once, shared by all reports of a batch)


def evaluate(inputs: Inputs, key: str | None = None) -> Evaluation:
    """Load the inputs and evaluate them (:class:`creditlab.analysis.model.Model`, every region and year): the
    :class:`Evaluation` of its scores, verdicts, conditions and mandatory conditions."""
    rub = load_rubric(inputs.rubric)
    data = load_data(list(inputs.data), rubric=rub)
    context = load_context(list(inputs.context)) if inputs.context else no_context()
    synthetic = synthetic_roles([(r, p) for r, p in inputs.files() if r in ("data", "context")])
    # Development zones handed in: the zones table. Without context its conditions are "not assessed".
    model = Model(rub, data, context, has_context=bool(inputs.context), zones=park_codes())
    return Evaluation.of(
        model, key=key or inputs_key(inputs),
        files=[{"role": role, "path": display_path(p), "sha256": sha256_file(p)} for role, p in inputs.files()],
        synthetic=bool(synthetic), synthetic_inputs=tuple(synthetic),
    )


def save_evaluation(ev: Evaluation, path: str | Path) -> Path:
    """Pickle an evaluation atomically (a cache private to one batch run)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        pickle.dump(ev, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return Path(path)


@dataclass(eq=False)
class CountyEvaluation(Evaluation):
    """What one county's report needs of an :class:`Evaluation`, and no more: that county's rows of the scores,
    verdicts, conditions and mandatory conditions (every year), with the scope-wide parts every report shares
    (rubric, units, files, and the ranks of ``year`` in ``scope``). Its cost does not grow with the scope.

    A batch writes the shared part once (:func:`save_county_parts`, ``region`` empty) and one small file per
    county; :func:`load_evaluation` joins them in the kernel. The numbers are the full evaluation's own rows.
    """

    region: str = ""
    year: int = 0
    scope: str = "province"
    year_ranks: pd.DataFrame | None = None   # ranks of ``year`` in ``scope`` (every unit of every group)
    # Per peer group, what every county of the group shows alike (its ranked peers, the population's name):
    # the same dict in every county's evaluation made from one shared part (``replace`` keeps it).
    peer_memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False, compare=False)

    def ranks(self, scope: str = "province") -> pd.DataFrame:
        """The ranks of :attr:`year` in :attr:`scope` (the only ones this part holds)."""
        if scope != self.scope or self.year_ranks is None:
            raise ValueError(f"this county evaluation holds the {self.scope} ranks of {self.year} only")
        return self.year_ranks



COUNTY_FRAMES = ("scores", "verdicts", "conditions", "mandatory")
COUNTY_DIR = "counties"


def county_shell(ev: Evaluation, year: int, scope: str) -> CountyEvaluation:
    """The part of ``ev`` every county report of ``year`` in ``scope`` shares (no county's rows)."""
    r = ev.ranks(scope)
    empty = {name: getattr(ev, name).iloc[:0] for name in COUNTY_FRAMES}
    return CountyEvaluation(
        key=ev.key, rubric=ev.rubric, units=ev.units, files=ev.files, synthetic=ev.synthetic,
        has_context=ev.has_context, computed_at=ev.computed_at, synthetic_inputs=ev.synthetic_inputs,
        context_conditions=ev.context_conditions, year=int(year), scope=scope,
        year_ranks=r[r["year"] == year].reset_index(drop=True), **empty)


def county_rows(ev: Evaluation, codes: Sequence[str]) -> dict[str, dict[str, pd.DataFrame]]:
    """Each county's own rows of the per-region frames, found with one grouping per frame (not one scan of
    every frame per county)."""
    groups = {name: getattr(ev, name).groupby(getattr(ev, name)["region"].astype(str), sort=False).indices
              for name in COUNTY_FRAMES}
    out = {}
    for code in codes:
        part = {}
        for name in COUNTY_FRAMES:
            frame = getattr(ev, name)
            part[name] = frame.take(groups[name].get(code, np.empty(0, dtype=np.intp))).reset_index(drop=True)
        out[code] = part
    return out


def save_county_parts(ev: Evaluation, year: int, scope: str, codes: Sequence[str], folder: str | Path) -> Path:
    """Write the shared part (``<folder>/evaluation.pkl``, returned: the notebooks' ``cache``) and one file of
    rows per county (``<folder>/counties/<code>.pkl``)."""
    folder = Path(folder)
    (folder / COUNTY_DIR).mkdir(parents=True, exist_ok=True)
    for code, part in county_rows(ev, codes).items():
        with atomic_path(folder / COUNTY_DIR / f"{check_region_code(code)}.pkl") as tmp, open(tmp, "wb") as fh:
            pickle.dump(part, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return save_evaluation(county_shell(ev, year, scope), folder / "evaluation.pkl")


_LOADED: dict[tuple[str, int, int], Any] = {}


def _unpickle(path: Path) -> Any:
    """The object pickled in ``path``; the last few read are kept per process (a warm kernel reads the batch's
    shared part once), keyed by the file's size and modification time."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _LOADED:
        with open(path, "rb") as fh:
            obj = pickle.load(fh)  # our own file, written by the batch runner for this run
        _remember(_LOADED, key, obj)
    return _LOADED[key]


def _remember(cache: dict[Any, Any], key: Any, value: Any, keep: int = 4) -> None:
    """Add ``key`` to a small per-process cache, dropping the oldest entries beyond ``keep``."""
    cache[key] = value
    for old in list(cache)[:-keep]:
        del cache[old]


_KEYS: dict[tuple[Any, ...], str] = {}


def _inputs_key(inputs: Inputs) -> str:
    """:func:`inputs_key`, hashed once per process for files of unchanged path, size and modification time
    (a warm kernel checks the same inputs for every county of a batch)."""
    files = [Path(p) for _, p in inputs.files()]
    stamp = (code_digest(), *((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files))
    if stamp not in _KEYS:
        _remember(_KEYS, stamp, inputs_key(inputs))
    return _KEYS[stamp]


def load_evaluation(inputs: Inputs, cache: str | Path = "", params: Params | None = None) -> Evaluation:
    """The evaluation of ``inputs``: from ``cache`` if it was computed from the very same files and
    code (same :func:`inputs_key`), else computed afresh.

    A batch's cache is the shared part of :func:`save_county_parts`: with ``params`` (their region, year and
    scope) the county's own rows are joined to it; anything it does not hold is computed afresh.
    """
    key = _inputs_key(inputs)
    if cache and Path(cache).is_file():
        try:
            ev = _unpickle(Path(cache))
            if isinstance(ev, CountyEvaluation) and ev.key == key:
                part = Path(cache).parent / COUNTY_DIR / f"{check_region_code(params.region)}.pkl" if params else None
                if (part is not None and part.is_file() and ev.year == params.year and ev.scope == params.scope):
                    with open(part, "rb") as fh:
                        rows = pickle.load(fh)
                    return replace(ev, region=params.region, **rows)
                ev = None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            ev = None
        if isinstance(ev, Evaluation) and not isinstance(ev, CountyEvaluation) and ev.key == key:
            return ev
    return evaluate(inputs, key)


# ---------------------------------------------------------------------------------------------
# The report of one region and year


def _num(x: Any) -> float | None:
    """A JSON-safe float (None for NaN/NA)."""
    if x is None or x is pd.NA:
        return None
    x = float(x)
    return None if math.isnan(x) else round(x, 6)


def _if_submitted(empty: Any = None):
    """A report section that needs a score: ``empty`` for a unit that submitted nothing (未报送)."""
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self: CountyFacts, *args: Any, **kwargs: Any) -> Any:
            return method(self, *args, **kwargs) if self.submitted else empty
        return wrapper
    return decorate


class CountyFacts:
    """The facts of one region and year, computed and worded but not laid out (no HTML): totals, levels,
    criteria, mandatory conditions, certification conditions, change, peers and position."""

    def __init__(self, ev: Evaluation, params: Params):
        self.ev, self.params = ev, params
        self.region, self.year, self.lang = params.region, params.year, params.lang
        self.rubric = ev.rubric
        units = ev.units.set_index("code")
        if self.region not in units.index:
            raise ReportError(f"unknown region {self.region!r}: not a county-level division or development "
                              "zone in the regions tables")
        self.unit = units.loc[self.region]
        years = ev.years(self.region)
        # A unit named in the data for the year but without a single value returned nothing (未报送):
        # its report says so and shows no score; a unit absent from the data is an error.
        self.submitted = self.year in years
        if not self.submitted and not ev.has_rows(self.region, self.year):
            zh_have, en_have = "、".join(map(str, years)) or "无", ", ".join(map(str, years)) or "none"
            raise ReportError(tr(f"{self.unit['name']}（{self.region}）{self.year}年没有指标数据（未报送）；"
                                 f"有数据的年份：{zh_have}",
                                 f"no data for region {self.region} ({self.unit['name']}) in {self.year}; "
                                 f"years with data: {en_have}", self.lang))
        not_used = rubric_year_problem(self.rubric, self.year, self.lang)
        if not_used:
            raise ReportError(not_used)
        s = ev.scores
        self._s = s[(s["region"] == self.region) & (s["year"] == self.year)].set_index("id")
        prev = s[(s["region"] == self.region) & (s["year"] == self.year - 1)]
        self._prev = prev.set_index("id") if len(prev) else None
        self.run_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        lv = self.rubric.levels
        self._names = dict(zip(lv["id"], zip(lv["name_zh"], lv["name_en"], strict=True), strict=True))
        self._cache: dict[str, Any] = {}

    def _memo(self, name: str, make) -> pd.DataFrame:
        """Compute a frame once per report; hand out copies so callers may modify them."""
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name].copy()

    # -- small helpers ------------------------------------------------------------------------

    def t(self, zh: str, en: str) -> str:
        """Text in the report's language."""
        return tr(zh, en, self.lang)

    @property
    def name(self) -> str:
        """The region's name in the report's language."""
        if self.lang == "en" and self.unit["name_en"]:
            return str(self.unit["name_en"])  # English throughout: the Chinese name is not repeated
        return str(self.unit["name"])

    def _label(self, labels: dict[str, tuple[str, ...]], key: str) -> str:
        pair = labels.get(str(key), (str(key), str(key)))
        return pair[0] if self.lang == "zh" else pair[1]

    def _level_label(self, level: str) -> str:
        return self.rubric.level_label(level, self.lang)

    def _node_name(self, node_id: str) -> str:
        zh, en = self._names[node_id]
        return str(zh if self.lang == "zh" else en)

    @property
    def verdict_row(self) -> pd.Series:
        v = self.ev.verdicts
        return v[(v["region"] == self.region) & (v["year"] == self.year)].iloc[0]

    def reason(self, lang: str | None = None) -> str:
        """Why the verdict is what it is, in one line (:func:`creditlab.analysis.reasons.verdict_reason`, the
        text the index, the summary report and the Excel workbooks show): "" for a positive verdict or 未报送."""
        if not self.submitted:
            return ""
        return verdict_reason(self.rubric, self.ev.conditions, self.ev.verdicts, self.region, self.year,
                              lang or self.lang)

    def headline(self) -> str:
        """The report in one line: 淳化县 93.5 / 100 · 不符合认定条件 — 条件6：不良贷款率 1.75% ≥ 全国平均 1.50%."""
        if not self.submitted:
            return f"{self.name} · {self._label({'x': NOT_SUBMITTED}, 'x')}"
        tot = self.total()
        verdict = self._label(VERDICT_LABELS, str(self.verdict_row["verdict"]))
        reason = self.reason()
        return (f"{self.name} {fmt_num(tot['points'])} / {fmt_num(tot['max_points'], 0)} · {verdict}"
                + (f" — {reason}" if reason else ""))

    def _threshold(self) -> float | None:
        """The pass mark (:func:`creditlab.analysis.certification.pass_mark`)."""
        return pass_mark(self.rubric)

    # -- data ---------------------------------------------------------------------------------

    def total(self) -> dict[str, Any]:
        """Total points, maximum, unassessed maximum and status."""
        r = self._s.loc["total"]
        return {"points": float(r["points"]), "max_points": float(r["max_points"]),
                "missing_max": float(r["missing_max"]), "status": str(r["status"])}

    def levels(self) -> pd.DataFrame:
        """Level-1 and level-2 indicators (and the total): points against full marks."""
        return self._memo("levels", self._levels)

    def _levels(self) -> pd.DataFrame:
        lv = self.rubric.levels
        rows = []
        for node in lv[lv["depth"] == 1].itertuples():
            rows.append(self._level_row("level1", node.id, None))
            for child in lv[(lv["depth"] == 2) & (lv["parent"] == node.id)].itertuples():
                rows.append(self._level_row("level2", child.id, node.id))
        rows.append(self._level_row("total", "total", None))
        return pd.DataFrame(rows)

    def _level_row(self, level: str, node_id: str, parent: str | None) -> dict[str, Any]:
        r = self._s.loc[node_id]
        name = self.t("综合评分", "Total") if node_id == "total" else self._node_name(node_id)
        share = r["points"] / r["max_points"] * 100 if r["max_points"] else np.nan
        return {"level": level, "id": node_id, "parent": parent, "name": name, "points": float(r["points"]),
                "max_points": float(r["max_points"]), "share": share,
                "missing_max": float(r["missing_max"]), "status": str(r["status"])}

    def criteria(self) -> pd.DataFrame:
        """Every scoring row: points (NaN when not assessed, never 0), maximum, status, gap."""
        return self._memo("criteria", self._criteria)

    def _criteria(self) -> pd.DataFrame:
        c = self.rubric.criteria.set_index("id")
        s = self._s[self._s["level"] == "criterion"]
        out = pd.DataFrame({
            "id": c.index,
            "level1": [self._node_name(x) for x in c["level1"]],
            "level2": [self._node_name(x) if isinstance(x, str) else "" for x in c["level2"]],
            "text": c["text_zh"] if self.lang == "zh" else c["text_en"],
            "points": s.loc[c.index, "points"].to_numpy(float),
            "max_points": s.loc[c.index, "max_points"].to_numpy(float),
            "status": s.loc[c.index, "status"].astype(str).to_numpy(),
            "mandatory": c["mandatory"].to_numpy(bool),
        }).reset_index(drop=True)
        out["gap"] = np.where(out["status"] == "not_assessed", np.nan, out["max_points"] - out["points"])
        return out

    def mandatory(self) -> pd.DataFrame:
        """Each mandatory condition (必备条件) with met / not met / not assessed."""
        m = self.ev.mandatory
        m = m[(m["region"] == self.region) & (m["year"] == self.year)]
        crit = self.criteria().set_index("id")
        return pd.DataFrame({
            "id": m["id"].to_numpy(),
            "level2": crit.loc[m["id"], "level2"].to_numpy(),
            "text": (m["text_zh"] if self.lang == "zh" else m["text_en"]).to_numpy(),
            "met": m["met"].to_numpy(),
        })

    def conditions(self) -> pd.DataFrame:
        """Each certification condition: result (pass / fail / unknown) and the reason in full."""
        c = self.ev.conditions
        c = c[(c["region"] == self.region) & (c["year"] == self.year)]
        zh = self.lang == "zh"
        return pd.DataFrame({"condition": c["condition"].to_numpy(), "result": c["result"].to_numpy(),
                             "reason": (c["reason_zh"] if zh else c["reason_en"]).to_numpy(),
                             "kind": c["kind"].to_numpy(), "line": (c["line_zh"] if zh else c["line_en"]).to_numpy(),
                             "detail": (c["detail_zh"] if zh else c["detail_en"]).to_numpy()})

    def gaps(self, n: int = 8) -> pd.DataFrame:
        """The assessed criteria with the most points still to gain (unmet mandatory ones first on ties)."""
        c = self.criteria()
        c = c[c["gap"] > 1e-9]
        return c.sort_values(["gap", "mandatory", "id"], ascending=[False, False, True]).head(n).reset_index(drop=True)

    def not_assessed(self) -> pd.DataFrame:
        """Criteria without a value (未评估): their points are unknown, not zero."""
        c = self.criteria()
        return c[c["status"] == "not_assessed"].reset_index(drop=True)

    def change(self) -> pd.DataFrame | None:
        """Total, level-1 and level-2 points this year and last year; None without last year's data."""
        if self._prev is None:
            return None
        lv = self.levels()
        prev = self._prev.loc[lv["id"]]
        out = lv[["level", "id", "name", "points", "max_points"]].copy()
        out["previous"] = prev["points"].to_numpy(float)
        out["change"] = out["points"] - out["previous"]
        out["incomplete"] = ((lv["status"].to_numpy() == "incomplete")
                             | (prev["status"].astype(str).to_numpy() == "incomplete"))
        return out

    def previous_verdict(self) -> str | None:
        v = self.ev.verdicts
        v = v[(v["region"] == self.region) & (v["year"] == self.year - 1)]
        return None if v.empty else str(v["verdict"].iloc[0])

    def peers(self) -> pd.DataFrame:
        """The region's peers this year (same kind — county or zone —, in its city or the province),
        ranked by total at the rubric's precision (ties share the best rank): region, name, points,
        status, rank, peers, tied, percentile, top_share, is_self."""
        return self._memo("peers", self._peers)

    def _group(self) -> tuple[Any, ...]:
        """What the peers depend on besides the evaluation: year, kind, city (for a city scope), language."""
        city = self.params.scope == "city"
        return (self.params.scope, self.year, bool(self.unit["is_park"]),
                str(self.unit["city_code"]) if city else None, self.lang)

    def _group_memo(self, what: str, make) -> Any:
        """A value shared by every report of the peer group: kept in the county evaluation's ``peer_memo`` (one
        per batch run and kernel), so a kernel ranks a group of 3,000 peers once, not once per county."""
        memo = getattr(self.ev, "peer_memo", None)
        if memo is None:
            return make()
        key = (what, *self._group())
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def _peers(self) -> pd.DataFrame:
        ranked = self._group_memo("peers", self._group_peers)
        return ranked.assign(is_self=(ranked["region"] == self.region).to_numpy())

    def _group_peers(self) -> pd.DataFrame:
        # The evaluated model's rank stage (one for all reports): this year, this unit's kind (and city).
        city = self.params.scope == "city"
        r = self.ev.ranks("city" if city else "province")
        same = (r["year"] == self.year) & (r["is_park"] == bool(self.unit["is_park"]))
        if city:
            same &= r["city_code"] == self.unit["city_code"]
        ranked = r[same].drop(columns=["is_park", "city_code"]).reset_index(drop=True)
        units = self.ev.units.set_index("code")
        ranked["name"] = units.loc[ranked["region"], "name" if self.lang == "zh" else "name_en"].to_numpy()
        return ranked.sort_values(["rank", "region"]).reset_index(drop=True)

    @_if_submitted(None)
    def position(self) -> dict[str, Any]:
        """Rank, number of peers, whether tied, percentile (share of peers ranked strictly above, %),
        top share (share at or above, %: rank 5 of 107 is the top 4.7 %) and the population in words;
        None if 未报送."""
        if "position" not in self._cache:  # asked for by the header, the rank section, its chart and results
            self._cache["position"] = self._position()
        return dict(self._cache["position"])

    def _position(self) -> dict[str, Any]:
        p = self.peers()
        me = p[p["is_self"]].iloc[0]
        return {"scope": self.params.scope, "rank": int(me["rank"]), "peers": int(me["peers"]),
                "tied": bool(me["tied"]), "percentile": float(me["percentile"]),
                "top_share": float(me["top_share"]),
                "rank_zh": rank_words(int(me["rank"]), bool(me["tied"]), "zh"),
                "rank_en": rank_words(int(me["rank"]), bool(me["tied"]), "en"),
                "population_zh": self.population(int(me["peers"]), "zh"),
                "population_en": self.population(int(me["peers"]), "en")}

    def population(self, n: int, lang: str | None = None) -> str:
        """The population the rank is taken in, in words: 全省107个县（市、区） / 西安市8个县（市、区）, or
        the units that reported when some did not (宝鸡市已报送数据的2个县（市、区））."""
        is_park = bool(self.unit["is_park"])
        # A city ranking names its city; either names only the units that reported when some did not.
        city = str(self.unit["city"]) if self.params.scope == "city" else None
        area, area_en = self._group_memo(
            "area", lambda: population_area(self.peers()["region"], self.ev.units, is_park, city))
        return population_words(n, is_park, area, lang or self.lang, area_en=area_en)

    def scope_label(self) -> str:
        kind = self.t("开发区", "development zones") if self.unit["is_park"] else self.t("县（市、区）", "counties")
        if self.params.scope == "city":
            return self.t(f"{self.unit['city']}各{kind}", f"{kind} of {self.unit['city_en']}")
        return self.t(f"全省各{kind}", f"{kind} of the province")



class CountyReport(CountyFacts):
    """What the report shows for one region and year: the facts of :class:`CountyFacts` as HTML sections,
    charts and the machine-readable results."""

    # -- HTML sections --------------------------------------------------------------------------

    @staticmethod
    def _wrap(inner: str) -> str:
        return f'<div class="creditlab">{inner}</div>'

    def _h(self, zh: str, en: str, tag: str = "h2") -> str:
        return f"<{tag}>{esc(self.t(zh, en))}</{tag}>"

    def _p(self, zh: str, en: str, css: str = "") -> str:
        attr = f' class="{css}"' if css else ""
        return f"<p{attr}>{esc(self.t(zh, en))}</p>"

    def banner_html(self) -> str:
        """The synthetic-data banner naming the synthetic inputs, or "" when every input is real."""
        return banner_html(self.lang, self.ev.synthetic_inputs or ("data",)) if self.ev.synthetic else ""

    def header_html(self) -> str:
        """Banner (demo data), title, and the key figures (or 未报送 for a unit that returned nothing)."""
        title = self.t(f"{self.unit['name']} {self.year}年度社会信用体系建设评估报告",
                       f"{self.name}: social-credit-system construction evaluation {self.year}")
        city = self.unit["city"] if self.lang == "zh" else self.unit["city_en"]
        subtitle = self.t(f"{city} · 评估标准：{self.rubric.title_zh}",
                          f"{city} · rubric: {self.rubric.title_en}")
        body = self._cards() if self.submitted else self._not_submitted_html()
        # The verdict and its reason at the top (not 2,000 pixels down, in the certification section).
        headline = f'<p class="headline">{esc(self.headline())}</p>' if self.submitted else ""
        return (f"<style>{COMPONENT_CSS}</style>" + self._wrap(
            f"{self.banner_html()}<h1>{esc(title)}</h1><p class=\"subtitle\">{esc(subtitle)}</p>{headline}{body}"))

    def _not_submitted_html(self) -> str:
        label = self._label({"x": NOT_SUBMITTED}, "x")
        text = self.t(f"{self.unit['name']}{self.year}年度未报送任何指标数据（全部计分标准均无数值）：不计算综合评分，"
                      "不作认定，不参加排名，不计入平均分。",
                      f"{self.name} returned no indicator value for {self.year} (every scoring row is empty): no "
                      "total score, no verdict, no rank, and it is left out of averages.")
        return (f'<div class="cards"><div class="card"><div class="label">{esc(self.t("综合评分", "Total score"))}'
                f'</div><div class="value na">{esc(label)}</div></div></div><p>{esc(text)}</p>')

    def context_note(self) -> str:
        """"" or the sentence that the conditions needing context were not assessed (none supplied)."""
        if self.ev.has_context or not self.submitted:
            return ""
        c = self.conditions()
        ids = [str(x) for x in c.loc[c["condition"].isin(self.ev.context_conditions) & (c["result"] == "unknown"),
                                     "condition"]]
        return self.t(*self._context_notes(ids)) if ids else ""

    def _context_notes(self, ids: Sequence[str]) -> tuple[str, str]:
        """(zh, en): "conditions 3, 4 not assessed (no certification-condition data supplied)"."""
        num = {c["id"]: condition_number(c) for c in self.rubric.certification.get("conditions", [])}
        nums = [num.get(i, i) for i in ids]
        return f"认定条件{'、'.join(nums)}{NO_CONTEXT[0]}", f"Conditions {', '.join(nums)} {NO_CONTEXT[1]}"

    def _cards(self) -> str:
        tot = self.total()
        note = ""
        if tot["missing_max"] > 0:
            missing = fmt_num(tot["missing_max"])
            note = self.t(f"另有{missing}分未评估", f"{missing} points not assessed")
        v = str(self.verdict_row["verdict"])
        pos = self.position()
        rank_note = self.t(f"在{pos['population_zh']}中", f"among {pos['population_en']}")
        ch = self.change()
        if ch is None:
            change_value, change_note = "—", self.t("无上年度数据", "no data for last year")
        else:
            d = float(ch.loc[ch["id"] == "total", "change"].iloc[0])
            change_value = signed(d)
            change_note = self.t(f"上年{fmt_num(ch.loc[ch['id'] == 'total', 'previous'].iloc[0])}分",
                                 f"last year {fmt_num(ch.loc[ch['id'] == 'total', 'previous'].iloc[0])}")
        cards = [
            (self.t("综合评分", "Total score"), f"{fmt_num(tot['points'])} / {fmt_num(tot['max_points'], 0)}", note),
            (self.t("认定结论", "Verdict"),
             f'<span class="verdict {esc(v)}">{esc(self._label(VERDICT_LABELS, v))}</span>',
             self.reason() or self.context_note()),
            (self.t("排名", "Rank"), self.t(pos["rank_zh"], pos["rank_en"]), rank_note),
            (self.t("比上年变化", "Change since last year"), change_value, change_note),
        ]
        html_cards = "".join(
            f'<div class="card"><div class="label">{esc(label)}</div><div class="value">'
            f'{value if label == self.t("认定结论", "Verdict") else esc(value)}</div>'
            f'<div class="note">{esc(n)}</div></div>' for label, value, n in cards)
        return f'<div class="cards">{html_cards}</div>'

    @_if_submitted("")
    def levels_html(self) -> str:
        """Table of level-1/level-2 indicators against full marks."""
        lv = self.levels()
        l1, l2 = self._level_label("level1"), self._level_label("level2")
        rows, classes = [], []
        for r in lv.itertuples():
            status = self._label(STATUS_LABELS, r.status)
            if r.missing_max > 0:
                status += self.t(f"（{fmt_num(r.missing_max)}分未评估）", f" ({fmt_num(r.missing_max)} points)")
            first = r.name if r.level in ("level1", "total") else ""
            second = r.name if r.level == "level2" else ""
            rows.append([first, second, fmt_num(r.points), fmt_num(r.max_points),
                         f"{fmt_num(r.share)}%", status])
            classes.append({"level1": "level1", "total": "total"}.get(r.level, ""))
        cols = [l1, l2, self.t("得分", "Points"), self.t("满分", "Full marks"), self.t("得分率", "Share"),
                self.t("评估状态", "Status")]
        title = self.t(f"各项{l1}和{l2}得分", f"Points by {l1} and {l2}")
        return self._wrap(f"<h2>{esc(title)}</h2>" + table(cols, rows, numeric=(2, 3, 4), row_classes=classes)
                          + self._not_assessed_note())

    def _not_assessed_note(self) -> str:
        na = self.not_assessed()
        if na.empty:
            return ""
        total = na["max_points"].sum()
        return self._p(f"有{len(na)}项计分标准未评估（合计{fmt_num(total)}分），按未评估列示，不计为0分。",
                       f"{len(na)} scoring rows were not assessed ({fmt_num(total)} points); they are shown as "
                       "not assessed, not as zero.", "note")

    @_if_submitted(None)
    def levels_chart(self) -> go.Figure | None:
        """Horizontal bars per level-2 indicator: points earned, lost and not assessed, out of full marks."""
        lv = self.levels()
        lv = lv[lv["level"] == "level2"].iloc[::-1]
        earned = lv["points"].to_numpy(float)
        missing = lv["missing_max"].to_numpy(float)
        lost = np.clip(lv["max_points"].to_numpy(float) - earned - missing, 0, None)
        fig = go.Figure()
        for values, key, label in ((earned, "earned", self.t("得分", "earned")),
                                   (lost, "lost", self.t("失分", "lost")),
                                   (missing, "not_assessed", self.t("未评估", "not assessed"))):
            fig.add_bar(y=chart_texts(lv["name"]), x=values, orientation="h", name=label, marker_color=COLORS[key],
                        hovertemplate="%{y}: %{x:.1f}<extra>" + label + "</extra>")
        fig.update_layout(
            barmode="stack", height=110 + 34 * len(lv),
            title=chart_text(self.t(f"各{self._level_label('level2')}得分与满分",
                                    f"Points per {self._level_label('level2')}")),
            xaxis_title=self.t("分值", "points"), legend=dict(orientation="h", y=-0.12, traceorder="normal"),
        )
        fig.update_yaxes(automargin=True)
        return fig

    @_if_submitted("")
    def mandatory_html(self) -> str:
        """Every mandatory condition with met / not met / not assessed ("" if the rubric has none)."""
        m = self.mandatory()
        if m.empty:
            return ""
        rows, cls = [], []
        for r in m.itertuples():
            if pd.isna(r.met):
                label, c = self.t("未评估", "not assessed"), "na"
            elif r.met:
                label, c = self.t("✓ 符合", "✓ met"), "ok"
            else:
                label, c = self.t("✗ 不符合", "✗ not met"), "bad"
            rows.append([r.level2, r.text, label])
            cls.append(["", "", c])
        n_unmet = int((m["met"] == False).fillna(False).sum())  # noqa: E712 - nullable boolean
        n_na = int(m["met"].isna().sum())
        summary = self.t(f"共{len(m)}项必备条件：{len(m) - n_unmet - n_na}项符合，{n_unmet}项不符合，{n_na}项未评估。",
                         f"{len(m)} mandatory conditions: {len(m) - n_unmet - n_na} met, {n_unmet} not met, "
                         f"{n_na} not assessed.")
        cols = [self._level_label("level2"), self.t("必备条件", "Mandatory condition"), self.t("结果", "Result")]
        return self._wrap(f"<h2>{esc(self.t('必备条件', 'Mandatory conditions'))}</h2><p>{esc(summary)}</p>"
                          + table(cols, rows, cell_classes=cls))

    @_if_submitted("")
    def certification_html(self) -> str:
        """The verdict and every reason, condition by condition."""
        v = str(self.verdict_row["verdict"])
        if v == NO_CERTIFICATION:  # linyi-2019: scores and ranks, no verdict
            return self._wrap(f"<h2>{esc(self.t('认定结论', 'Certification verdict'))}</h2>" + self._p(
                "本评估标准不设认定条件：本报告只给出评分和排名，不作认定结论。",
                "This rubric has no certification conditions: the report gives scores and ranks, and no verdict."))
        heading = self.rubric.certification.get("heading_zh" if self.lang == "zh" else "heading_en") or ""
        items = []
        no_context = set() if self.ev.has_context else set(self.ev.context_conditions)
        for r in self.conditions().itertuples():
            label, _en, css = RESULT_LABELS.get(r.result, (r.result, r.result, "unknown"))
            if r.kind == "exclusion":  # the line reads as the source does and carries its own ✓/✗
                items.append(f'<li><span class="{css}">{esc(r.line)}</span>{self.t("：", ": ")}{esc(r.detail)}</li>')
                continue
            mark = {"pass": "✓", "fail": "✗"}.get(r.result, "?")
            if r.result == "unknown" and r.condition in no_context:
                (label, _en), css, mark = NO_CONTEXT, "na", "–"
            items.append(f'<li><span class="{css}">{mark} {esc(label if self.lang == "zh" else _en)}</span> '
                         f"{esc(r.reason)}</li>")
        note = "" if self.ev.has_context else self._p(
            f"未提供认定条件数据：需要该数据的认定条件{NO_CONTEXT[0]}，认定结论不以任何其他数据代替。",
            "No certification-condition data was supplied: the conditions that need it are not assessed, and "
            "no other data stands in for it.", "note")
        return self._wrap(
            f"<h2>{esc(self.t('认定结论', 'Certification verdict'))}</h2>"
            f'<p><span class="verdict {esc(v)}">{esc(self._label(VERDICT_LABELS, v))}</span> '
            f"{esc(heading)}</p><ul class=\"reasons\">{''.join(items)}</ul>{note}")

    @_if_submitted("")
    def gaps_html(self, n: int = 8) -> str:
        """Where the county can gain most: the largest point gaps, then what was not assessed."""
        g = self.gaps(n)
        cols = [self._level_label("level2"), self.t("计分标准", "Scoring row"), self.t("得分", "Points"),
                self.t("满分", "Full marks"), self.t("可提升", "To gain"), self.t("必备条件", "Mandatory")]
        rows = [[r.level2, r.text, fmt_num(r.points), fmt_num(r.max_points), fmt_num(r.gap),
                 self.t("是", "yes") if r.mandatory else ""] for r in g.itertuples()]
        body = (table(cols, rows, numeric=(2, 3, 4)) if rows
                else f"<p>{esc(self.t('已评估的各项均为满分。', 'Full marks on every assessed row.'))}</p>")
        na = self.not_assessed()
        if len(na):
            na_rows = [[r.level2, r.text, fmt_num(r.max_points), self.t("是", "yes") if r.mandatory else ""]
                       for r in na.itertuples()]
            body += (self._h("未评估的计分标准（补充材料后可能得分）",
                             "Rows not assessed (points possible once evidenced)", "h3")
                     + table([cols[0], cols[1], cols[3], cols[5]], na_rows, numeric=(2,),
                             cell_classes=[["", "", "", ""]] * len(na_rows)))
        head = self._h("主要失分项（提升空间最大）", "Largest gaps (where most points can be gained)")
        return self._wrap(head + body)

    @_if_submitted("")
    def change_html(self) -> str:
        """Change since last year, per indicator."""
        head = self._h("与上年比较", "Change since last year")
        ch = self.change()
        last = self.year - 1
        if ch is None:
            return self._wrap(head + self._p(f"无{last}年度数据，无法比较。",
                                             f"No data for {last}: nothing to compare."))
        rows, classes, cells = [], [], []
        for r in ch.itertuples():
            rows.append([r.name, fmt_num(r.previous), fmt_num(r.points), signed(r.change)
                         + (" *" if r.incomplete else "")])
            classes.append({"level1": "level1", "total": "total"}.get(r.level, ""))
            cells.append(["", "", "", "ok" if r.change > 1e-9 else "bad" if r.change < -1e-9 else ""])
        before = self._label(VERDICT_LABELS, str(self.previous_verdict()))
        now = self._label(VERDICT_LABELS, str(self.verdict_row["verdict"]))
        text = self.t(f"认定结论：{last}年{before}，{self.year}年{now}。",
                      f"Verdict: {last} {before}; {self.year} {now}.")
        cols = [self.t("指标", "Indicator"), self.t(f"{self.year - 1}年", str(self.year - 1)),
                self.t(f"{self.year}年", str(self.year)), self.t("变化", "Change")]
        note = ""
        if ch["incomplete"].any():
            note = self._p("* 本年或上年有未评估的计分标准，变化不完全可比。",
                           "* rows not assessed in one of the years: not fully comparable.", "note")
        return self._wrap(head + f"<p>{esc(text)}</p>"
                          + table(cols, rows, numeric=(1, 2, 3), row_classes=classes, cell_classes=cells) + note)

    @_if_submitted("")
    def rank_html(self) -> str:
        """Rank among the peers, the population and the top share, in words."""
        pos = self.position()
        ahead = pos["rank"] - 1
        tie_zh = "（得分相同者并列）" if pos["tied"] else ""
        tie_en = " (equal scores share a rank)" if pos["tied"] else ""
        text = self.t(
            f"在{pos['population_zh']}中综合评分排{pos['rank_zh']}{tie_zh}，位于前{fmt_num(pos['top_share'])}%；"
            f"有{ahead}个得分更高。",
            f"{pos['rank_en'].capitalize()} of {pos['population_en']} by total score{tie_en}: in the top "
            f"{fmt_num(pos['top_share'])} %; {ahead} score higher.")
        tot = self.total()
        note = ""
        if tot["missing_max"] > 0:
            note = self._p("排名按已评估的得分计算；未评估的计分标准不计分。",
                           "Ranks use the points of the assessed rows; rows not assessed earn nothing.", "note")
        return self._wrap(self._h("排名", "Rank") + f"<p>{esc(text)}</p>{note}")

    @_if_submitted(None)
    def rank_chart(self) -> go.Figure | None:
        """Every peer's total, sorted, with this region highlighted (and the certification threshold); over
        :data:`RANK_BARS_MAX` peers, the distribution of totals with this region marked (the page does not
        grow with the scope)."""
        p = self.peers()
        pos = self.position()
        me = p[p["is_self"]].iloc[0]
        me_name = chart_text(me["name"])
        label = (f"{me_name}：{me['points']:.1f}分，{pos['rank_zh']}" if self.lang == "zh"
                 else f"{me_name}: {me['points']:.1f}, {pos['rank_en']}")
        top = float(self.total()["max_points"])
        thr = self._threshold()
        if len(p) > RANK_BARS_MAX:
            fig = self._distribution_chart(p["points"].to_numpy(float), float(me["points"]), label, top)
        else:
            names = chart_texts(p["name"])  # names from the regions tables: never markup in the chart
            others = ~p["is_self"].to_numpy(bool)
            # Two traces of one colour each (not one colour per bar: plotly validates every element).
            fig = go.Figure([
                go.Bar(x=[n for n, o in zip(names, others, strict=True) if o], y=p.loc[others, "points"].to_numpy(),
                       marker_color=COLORS["peer"], hovertemplate="%{x}: %{y:.1f}<extra></extra>"),
                go.Bar(x=[me_name], y=[float(me["points"])], marker_color=COLORS["self"],
                       hovertemplate="%{x}: %{y:.1f}<extra></extra>"),
            ])
            shapes, notes = [], [dict(x=me_name, y=float(me["points"]), text=label, showarrow=True, arrowhead=2,
                                      ay=-40)]
            if thr is not None:  # the layout's own shapes: add_hline re-validates the whole figure per line
                shapes.append(dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=thr, y1=thr,
                                   line=dict(dash="dash", color=COLORS["threshold"])))
                notes.append(dict(xref="paper", x=1, xanchor="right", yref="y", y=thr, yanchor="bottom",
                                  showarrow=False, text=self.t(f"认定门槛 {thr:g}分", f"threshold {thr:g}")))
            fig.update_layout(yaxis_title=self.t("综合评分", "total"), yaxis_range=[0, top * 1.05], barmode="overlay",
                              shapes=shapes, annotations=notes)
            fig.update_xaxes(showticklabels=len(p) <= 30, tickangle=-60, categoryorder="array", categoryarray=names)
        fig.update_layout(
            title=chart_text(self.t(f"{pos['population_zh']}综合评分（排序）" if len(p) <= RANK_BARS_MAX
                                    else f"{pos['population_zh']}综合评分分布",
                                    f"Total scores of {pos['population_en']} (sorted)" if len(p) <= RANK_BARS_MAX
                                    else f"Distribution of the total scores of {pos['population_en']}")),
            showlegend=False, height=440)
        return fig

    def _distribution_chart(self, points: np.ndarray, mine: float, label: str, top: float) -> go.Figure:
        """How many peers scored in each 1-point band (a few dozen bars whatever the scope), this region's
        total and the threshold as vertical lines."""
        edges = np.arange(0.0, math.floor(top) + 2.0)
        counts, _ = np.histogram(np.clip(points, 0, edges[-1] - 1e-9), bins=edges)
        lo, hi = int(np.flatnonzero(counts)[0]), int(np.flatnonzero(counts)[-1]) + 1
        lo = max(0, min(lo, int(mine) - 2))
        centres = (edges[lo:hi] + 0.5).tolist()
        fig = go.Figure(go.Bar(
            x=centres, y=counts[lo:hi].tolist(), width=0.9, marker_color=COLORS["peer"],
            hovertemplate=self.t("%{x:.0f}分左右：%{y}个<extra></extra>", "about %{x:.0f}: %{y}<extra></extra>")))
        # The layout's own shapes and notes: add_vline re-validates the whole figure for every line.
        shapes = [dict(type="line", xref="x", x0=mine, x1=mine, yref="paper", y0=0, y1=1,
                       line=dict(color=COLORS["self"], width=3))]
        notes = [dict(x=mine, y=float(counts.max()), text=label, showarrow=True, arrowhead=2, ay=-30,
                      font=dict(color=COLORS["self"]))]
        thr = self._threshold()
        if thr is not None:
            shapes.append(dict(type="line", xref="x", x0=thr, x1=thr, yref="paper", y0=0, y1=1,
                               line=dict(dash="dash", color=COLORS["threshold"])))
            notes.append(dict(x=thr, xanchor="right", yref="paper", y=1, yanchor="bottom", showarrow=False,
                              text=self.t(f"认定门槛 {thr:g}分", f"threshold {thr:g}")))
        fig.update_layout(xaxis_title=self.t("综合评分", "total"), yaxis_title=self.t("数量", "count"),
                          bargap=0, shapes=shapes, annotations=notes)
        return fig

    @_if_submitted("")
    def criteria_html(self) -> str:
        """Every scoring row, collapsed (for the county's working staff)."""
        c = self.criteria()
        rows, cls = [], []
        for r in c.itertuples():
            st = self._label(STATUS_LABELS, r.status)
            rows.append([r.id, r.level2, r.text, self.t("未评估", "not assessed") if r.status == "not_assessed"
                         else fmt_num(r.points), fmt_num(r.max_points), st, self.t("是", "yes") if r.mandatory else ""])
            na = "na" if r.status == "not_assessed" else ""
            cls.append(["", "", "", na, "", na, ""])
        cols = [self.t("编号", "ID"), self._level_label("level2"), self.t("计分标准", "Scoring row"),
                self.t("得分", "Points"), self.t("满分", "Full marks"), self.t("状态", "Status"),
                self.t("必备条件", "Mandatory")]
        summary = esc(self.t(f"全部{len(c)}项计分标准明细", f"All {len(c)} scoring rows"))
        return self._wrap(f"<details><summary>{summary}</summary>"
                          + table(cols, rows, numeric=(3, 4), cell_classes=cls) + "</details>")

    def provenance_html(self) -> str:
        """Where the numbers come from: rubric and version, files and their hashes, code version, date."""
        r = self.rubric
        items = [self.t(f"评估标准：{r.name}（{r.title_zh}），版本 {r.version}",
                        f"Rubric: {r.name} ({r.title_en}), version {r.version}")]
        role_zh = {"rubric": "评估标准文件", "data": "指标数据", "context": "认定条件数据", "regions": "行政区划表",
                   "zones": "开发区表"}
        for f in self.ev.files:
            label = role_zh.get(f["role"], f["role"]) if self.lang == "zh" else f["role"]
            sep = self.t("：", ": ")
            items.append(f"{label}{sep}<code>{esc(f['path'])}</code> SHA-256 <code>{esc(f['sha256'])}</code>")
        items.append(esc(self.t(f"creditlab 版本 {__version__}；生成时间 {self.run_at}",
                                f"creditlab version {__version__}; generated {self.run_at}")))
        if self.ev.synthetic:
            items.append(esc(self.t("数据为模拟数据（metadata.yaml 标注 synthetic: true）。",
                                    "The data are synthetic (metadata.yaml says synthetic: true).")))
        lis = "".join(f"<li>{x if i else esc(x)}</li>" for i, x in enumerate(items))
        return self._wrap(f"<h2>{esc(self.t('数据来源与说明', 'Provenance'))}</h2><ul class=\"provenance\">{lis}</ul>")

    # -- machine-readable results -----------------------------------------------------------------

    def _base_results(self) -> dict[str, Any]:
        """The part of :meth:`results` every report has: who, when, which rubric, inputs and provenance."""
        r = self.rubric
        rubric_file = next(f for f in self.ev.files if f["role"] == "rubric")
        return {
            "schema": RESULTS_SCHEMA,
            "region": self.region, "name": str(self.unit["name"]), "name_en": str(self.unit["name_en"]),
            "city": str(self.unit["city"]), "city_en": str(self.unit["city_en"]),
            "city_code": str(self.unit["city_code"]),
            "is_park": bool(self.unit["is_park"]), "year": self.year, "lang": self.lang,
            "rubric": {"name": r.name, "version": r.version, "title_zh": r.title_zh, "title_en": r.title_en,
                       "sha256": rubric_file["sha256"],
                       "threshold": self._threshold()},
            "submitted": bool(self.submitted),
            "synthetic": bool(self.ev.synthetic), "synthetic_inputs": list(self.ev.synthetic_inputs),
            "banner": banner_text(self.lang, self.ev.synthetic_inputs or ("data",)) if self.ev.synthetic else "",
            "context_supplied": bool(self.ev.has_context),
            "provenance": {"files": self.ev.files, "creditlab_version": __version__, "inputs_key": self.ev.key,
                           "run_at": self.run_at, "run_date": self.run_at[:10]},
        }

    def _not_submitted_results(self) -> dict[str, Any]:
        tot = self.total()
        return {
            **self._base_results(), "status": "not_submitted",
            "total": {"points": None, "max_points": _num(tot["max_points"]), "missing_max": _num(tot["missing_max"]),
                      "status": "not_submitted", "share": None},
            "levels": [], "criteria": [], "mandatory": [], "verdict": None, "verdict_zh": NOT_SUBMITTED[0],
            "reason_zh": "", "reason_en": "",
            "verdict_en": NOT_SUBMITTED[1], "reasons": [], "reasons_en": [], "conditions": [], "failed": [],
            "unknown": [], "unmet_mandatory": [], "not_assessed_conditions": [], "rank": None, "previous": None,
        }

    def results(self) -> dict[str, Any]:
        """The key results as plain JSON-ready data (the index and later analyses read only this).

        A unit that submitted nothing (``submitted`` false) has no score, verdict or rank (None).
        """
        if not self.submitted:
            return self._not_submitted_results()
        vr = self.verdict_row
        tot = self.total()
        lv = self.levels()
        ch = self.change()
        mand = self.mandatory()
        cond = self.conditions()
        crit = self.criteria()
        no_context = set() if self.ev.has_context else set(self.ev.context_conditions)
        not_assessed = [str(x.condition) for x in cond.itertuples()
                        if x.result == "unknown" and x.condition in no_context]
        return {
            **self._base_results(),
            "total": {**{k: _num(v) for k, v in tot.items() if k != "status"}, "status": tot["status"],
                      "share": _num(tot["points"] / tot["max_points"] * 100 if tot["max_points"] else None)},
            "levels": [{"level": x.level, "id": x.id, "parent": None if pd.isna(x.parent) else x.parent,
                        "name_zh": self._zh_name(x.id),
                        "points": _num(x.points), "max_points": _num(x.max_points),
                        "missing_max": _num(x.missing_max), "status": x.status}
                       for x in lv.itertuples() if x.level != "total"],
            "criteria": [{"id": x.id, "points": _num(x.points), "max_points": _num(x.max_points),
                          "status": x.status, "mandatory": bool(x.mandatory)} for x in crit.itertuples()],
            "mandatory": [{"id": x.id, "met": None if pd.isna(x.met) else bool(x.met)} for x in mand.itertuples()],
            "verdict": str(vr["verdict"]), "verdict_zh": VERDICT_LABELS[str(vr["verdict"])][0],
            "reason_zh": self.reason("zh"), "reason_en": self.reason("en"),
            "reasons": list(vr["reasons"]), "reasons_en": list(vr["reasons_en"]),
            "conditions": [{"id": x.condition, "result": x.result, "not_assessed": x.condition in not_assessed}
                           for x in cond.itertuples()],
            "not_assessed_conditions": not_assessed,
            "verdict_note_zh": self._context_notes(not_assessed)[0] if not_assessed else "",
            "verdict_note_en": self._context_notes(not_assessed)[1] if not_assessed else "",
            "failed": list(vr["failed"]), "unknown": list(vr["unknown"]),
            "unmet_mandatory": list(vr["unmet_mandatory"]),
            "rank": self.position(),
            "previous": None if ch is None else {
                "year": self.year - 1, "total": _num(ch.loc[ch["id"] == "total", "previous"].iloc[0]),
                "change": _num(ch.loc[ch["id"] == "total", "change"].iloc[0]), "verdict": self.previous_verdict()},
        }

    def _zh_name(self, node_id: str) -> str:
        return str(self._names[node_id][0])

    def write_results(self, folder: str | Path | None = None) -> Path:
        """Write :meth:`results` atomically as ``<folder>/<region>.json`` (the region code is checked)."""
        folder = Path(folder) if folder is not None else self.params.output
        path = folder / f"{check_region_code(self.region)}.json"
        return write_text(path, json.dumps(self.results(), ensure_ascii=False, indent=1, allow_nan=False) + "\n")
