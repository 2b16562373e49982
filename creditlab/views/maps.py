"""Schematic choropleth maps (示意图) of a province's counties or cities, drawn offline.

No plotly ``geo`` subplot (it fetches a world topojson from a CDN, pitfall 19): each colour class is
one filled scatter trace of the boundaries of ``data/maps`` (``fill="toself"``, rings separated by
gaps) on hidden axes with the aspect of the map's latitude, and one invisible marker per region
carries the hover (name, code, value) and, for continuous values, the colour bar. A region without a
value is grey and says 无数据 (no data): no value is never drawn as zero. The figure stays small
(float32 arrays, one trace per class, not per region): a province adds at most 175 KB to a page. Built
in a few milliseconds (plotly's validation skipped, checked in the tests), fit for the explorer's redraws.
"""
from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import get_colorscale, sample_colorscale

from ..core.errors import DataError
from ..core.i18n import check_lang, fmt_num, tr
from ..core.labels import VERDICT_COLORS, VERDICT_WORDS
from ..loaders.boundaries import Shapes, load_boundaries, map_path
from ..loaders.regions import load_regions, regions_path
from .figures import chart_text

NO_DATA_COLOR = "#d3d7dd"
EDGE_COLOR = "#ffffff"
VERDICT_ORDER = ("certified", "eligible", "undecided", "not_certified", "not_eligible")


@dataclass(frozen=True)
class Kind:
    """How one kind of value is coloured and worded."""

    label: tuple[str, str]               # hover and colour-bar title (zh, en)
    colorscale: str = ""                 # continuous kinds: plotly colour scale ...
    fixed_range: tuple[float, float] | None = None  # ... over this range (else the data's)
    classes: int = 10                    # ... drawn in this many equal classes
    percent: bool = False                # shown as a percentage
    reverse: bool = False                # low values are good (coloured like a high score)


KINDS = {
    "score": Kind(("综合评分", "Total score"), "Viridis"),
    "verdict": Kind(("认定结论", "Verdict")),
    "probability": Kind(("认定概率", "Probability of certification"), "YlGnBu", (0.0, 1.0), percent=True),
    "rank_share": Kind(("排名位次（前%）", "Rank (top %)"), "Viridis", (0.0, 1.0), percent=True, reverse=True),
}


def county_map(values: Mapping[str, Any] | pd.Series, kind: str = "score", province: str | None = None,
               lang: str = "zh", title: str | None = None, details: Mapping[str, str] | None = None,
               value_range: tuple[float, float] | None = None, height: int = 520,
               names: Mapping[str, str] | None = None, cities: Sequence[str] | None = None) -> go.Figure:
    """A schematic map of a province's counties coloured by ``values`` (region code -> value).

    ``kind``: ``score`` (continuous), ``verdict`` (the report's verdict keys and colours),
    ``probability`` (of certification, 0–1) or ``rank_share`` (rank / group size, low is good).
    ``province``: its code (``610000`` or ``61``); by default the province of most codes in ``values``.
    ``details``: an extra hover line per code (a score under a verdict, say; ``\n`` breaks it). ``value_range``: the
    colour range of a continuous kind (default: fixed for 0–1 kinds, else the values' range).
    ``names``: region names to show (default: the regions table's, English ones with ``lang="en"``).
    ``cities``: city codes to draw the counties of (a city-scope report), by default the whole province.
    Codes without a shape (development zones) are named under the map, never drawn.
    """
    return _choropleth("county", values, kind, province, lang, title, details, value_range, height, names,
                       cities)


def city_map(values: Mapping[str, Any] | pd.Series, kind: str = "rank_share", province: str | None = None,
             lang: str = "zh", title: str | None = None, details: Mapping[str, str] | None = None,
             value_range: tuple[float, float] | None = None, height: int = 520,
             names: Mapping[str, str] | None = None) -> go.Figure:
    """A schematic map of a province's prefecture cities (city code -> value); see :func:`county_map`.

    The default kind ``rank_share`` is a city's rank divided by its group's size (0.12: top 12 %).
    """
    return _choropleth("city", values, kind, province, lang, title, details, value_range, height, names, None)


def _province_of(codes: list[str]) -> str:
    prefixes = Counter(c[:2] for c in codes if len(c) == 6 and c.isdigit())
    if not prefixes:
        raise ValueError("a map needs a province: none given and no 6-digit region code among the values")
    return prefixes.most_common(1)[0][0] + "0000"


def _as_dict(values: Mapping[str, Any] | pd.Series) -> dict[str, Any]:
    items = values.items()
    out: dict[str, Any] = {}
    for code, value in items:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue  # no value: 无数据, not zero
        out[str(code)] = value
    return out


def _class_colors(scale: str, lo: float, hi: float, n: int, reverse: bool) -> list[str]:
    centres = [(i + 0.5) / n for i in range(n)]
    return sample_colorscale(scale, [1 - c if reverse else c for c in centres])


def _choropleth(level: str, values: Mapping[str, Any] | pd.Series, kind: str, province: str | None, lang: str,
                title: str | None, details: Mapping[str, str] | None, value_range: tuple[float, float] | None,
                height: int, names: Mapping[str, str] | None, cities: Sequence[str] | None) -> go.Figure:
    check_lang(lang)
    if kind not in KINDS:
        raise ValueError(f"map kind must be one of {', '.join(KINDS)}, got {kind!r}")
    spec = KINDS[kind]
    data = _as_dict(values)
    shapes = load_boundaries(province or _province_of(list(data)), level)
    index = shapes.index()
    drawn = ~shapes.outlying
    if cities:
        drawn &= np.isin(np.array(shapes.city_codes), [str(c) for c in cities])
        if not drawn.any():
            raise ValueError(f"no county of the cities {', '.join(map(str, cities))} on the map of "
                             f"{shapes.province_code}")

    def t(zh: str, en: str) -> str:
        return tr(zh, en, lang)

    # Each drawn region's class: a verdict, a value class, or no data (-1).
    n = len(shapes.codes)
    klass = np.full(n, -1)
    value_text = [t("无数据", "no data")] * n
    colors: list[str]
    class_names: list[str]
    numeric = np.full(n, np.nan)
    showscale = bool(spec.colorscale)
    if kind == "verdict":
        present = [v for v in VERDICT_ORDER if v in set(data.values())]
        present += sorted({str(v) for v in data.values()} - set(present))
        colors = [VERDICT_COLORS.get(v, "#8a94a6") for v in present]
        class_names = [VERDICT_WORDS.get(v, (v, v))[0 if lang == "zh" else 1] for v in present]
        for code, v in data.items():
            i = index.get(code)
            if i is not None:
                klass[i] = present.index(str(v))
                value_text[i] = class_names[klass[i]]
    else:
        for code, v in data.items():
            i = index.get(code)
            if i is not None:
                numeric[i] = float(v)
        known = numeric[~np.isnan(numeric) & drawn]
        lo, hi = value_range or spec.fixed_range or ((math.floor(known.min()), math.ceil(known.max()))
                                                      if len(known) else (0.0, 1.0))
        if hi <= lo:
            hi = lo + 1
        k = spec.classes
        colors = _class_colors(spec.colorscale, lo, hi, k, spec.reverse)
        class_names = [f"{lo + (hi - lo) * i / k:g}–{lo + (hi - lo) * (i + 1) / k:g}" for i in range(k)]
        has = ~np.isnan(numeric)
        klass[has] = np.clip(((numeric[has] - lo) / (hi - lo) * k).astype(int), 0, k - 1)
        for i in np.flatnonzero(has):
            value_text[i] = _format(numeric[i], spec, lang)

    traces: list[dict[str, Any]] = []
    for c in [-1, *range(len(colors))]:
        members = np.flatnonzero((klass == c) & drawn)
        if not len(members):
            continue
        x = np.concatenate([shapes.x[i] for i in members])
        y = np.concatenate([shapes.y[i] for i in members])
        no_data = c == -1
        traces.append(dict(
            type="scatter", mode="lines", x=x, y=y, fill="toself", hoverinfo="skip",
            fillcolor=NO_DATA_COLOR if no_data else colors[c], line=dict(color=EDGE_COLOR, width=0.6),
            name=t("无数据", "no data") if no_data else chart_text(class_names[c]),
            showlegend=no_data or kind == "verdict", legendrank=2000 if no_data else 1000 + c,
        ))
    label = spec.label[0 if lang == "zh" else 1]
    details = details or {}
    # One array of strings (not a list of lists): plotly validates it in one step, the map stays fast.
    shown = _names(shapes, lang) if names is None else names
    rows = [[chart_text(shown.get(shapes.codes[i]) or shapes.names[i]), shapes.codes[i], value_text[i],
             chart_text(details.get(shapes.codes[i], "")).replace("\n", "<br>")] for i in np.flatnonzero(drawn)]
    custom = np.array(rows, dtype=object)
    hover = dict(
        type="scatter", mode="markers", x=shapes.label_x[drawn], y=shapes.label_y[drawn], customdata=custom,
        hovertemplate=("<b>%{customdata[0]}</b>（%{customdata[1]}）<br>" + chart_text(label)
                       + "：%{customdata[2]}<br>%{customdata[3]}<extra></extra>"),
        showlegend=False, name=chart_text(label),
        marker=dict(size=8, opacity=0),
    )
    if showscale:
        hover["marker"].update(color=np.where(np.isnan(numeric[drawn]), lo, numeric[drawn]).astype(np.float32),
                               colorscale=get_colorscale(spec.colorscale), reversescale=spec.reverse, cmin=lo, cmax=hi,
                               showscale=True, colorbar=dict(
                                   title=dict(text=chart_text(label), side="right"), thickness=14, len=0.8,
                                   tickformat=".0%" if spec.percent else "", outlinewidth=0))
    traces.append(hover)

    notes = ["<b>" + t("示意图", "Schematic map") + "</b>｜" + t("边界：", "boundaries: ") + chart_text(shapes.source)
             + t("，已简化", ", simplified")]
    sep = t("、", ", ")
    hidden = [shown.get(shapes.codes[i]) or shapes.names[i] for i in np.flatnonzero(shapes.outlying)]
    if hidden:
        notes.append(t("未在图幅内：", "outside the frame: ") + chart_text(sep.join(hidden)))
    unmapped = sorted(c for c in data if c not in index)
    if unmapped:
        listed = sep.join(unmapped[:8]) + ("…" if len(unmapped) > 8 else "")
        notes.append(t(f"无边界、未绘出的单位 {len(unmapped)} 个：", f"{len(unmapped)} unit(s) without a shape, "
                       "not drawn: ") + chart_text(listed))

    xs = np.concatenate([shapes.x[i] for i in np.flatnonzero(drawn)])
    ys = np.concatenate([shapes.y[i] for i in np.flatnonzero(drawn)])
    x0, x1, y0, y1 = np.nanmin(xs), np.nanmax(xs), np.nanmin(ys), np.nanmax(ys)
    pad = 0.02 * max(x1 - x0, y1 - y0)
    top, bottom = (50 if title else 20), 24 + 16 * len(notes)
    line = 16 / max(height - top - bottom, 100)  # one line of notes, in paper units
    axis = dict(visible=False, showgrid=False, zeroline=False, fixedrange=False)
    layout = dict(
        title=dict(text=chart_text(title)) if title else None, height=height, hovermode="closest",
        hoverdistance=60, plot_bgcolor="#ffffff", paper_bgcolor="#ffffff",
        margin=dict(l=10, r=10, t=top, b=bottom),
        xaxis=dict(axis, range=[float(x0 - pad), float(x1 + pad)],
                   scaleanchor="y", scaleratio=math.cos(math.radians(float(y0 + y1) / 2))),
        yaxis=dict(axis, range=[float(y0 - pad), float(y1 + pad)]),
        legend=dict(x=1.02, y=0, xanchor="left", yanchor="bottom"),  # right of the map, under a colour bar
        annotations=[dict(text=note, xref="paper", yref="paper", x=0, y=-j * line, yanchor="top",
                          xanchor="left", showarrow=False, font=dict(size=11, color="#52606d"))
                     for j, note in enumerate(notes)],
        meta=dict(creditlab_map=level, kind=kind, province=shapes.province_code,
                  regions_drawn=int(drawn.sum()), regions_with_data=int(((klass >= 0) & drawn).sum())),
    )
    # Built without plotly's per-property validation (two thirds of the time: the explorer redraws on
    # every slider move); tests/views/test_maps.py checks that validating gives the very same figure.
    return go.Figure(data=traces, layout=layout, _validate=False)


def _names(shapes: Shapes, lang: str) -> Mapping[str, str]:
    """Region names in ``lang`` from the regions table (the map file's Chinese names where it has none)."""
    if lang == "zh":
        return {}
    path = regions_path()
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    return _english_names(shapes.province_code, str(path), stamp)


@functools.lru_cache(maxsize=64)
def _english_names(province_code: str, _path: str, _stamp: int) -> Mapping[str, str]:
    """Cached per regions file version: reading and checking the national table costs more than a map."""
    try:
        table = load_regions(province_code)
    except DataError:  # a province the regions table does not hold yet: the map's names
        return MappingProxyType({})
    return MappingProxyType({c: n for c, n in zip(table["code"], table["name_en"], strict=True) if n})


def _format(value: float, spec: Kind, lang: str) -> str:
    if spec is KINDS["rank_share"]:
        return tr(f"前 {value:.0%}", f"top {value:.0%}", lang)
    if spec.percent:
        return f"{value:.0%}"
    return fmt_num(value)


def _mapped_province(codes: Sequence[str]) -> str | None:
    """The province of most ``codes`` when a map of it is shipped, else None (nothing to draw)."""
    try:
        province = _province_of(codes)
    except ValueError:
        return None
    return province if map_path(province).is_file() else None


def index_map(docs: Sequence[Mapping[str, Any]], lang: str = "zh",
              scope: Mapping[str, Any] | None = None) -> go.Figure | None:
    """The county reports index's map: each report's verdict, its score in the hover; units without
    a report grey (无数据). ``scope`` (the index's, :func:`creditlab.htmlpage.scope_words`): a city
    scope draws only its cities. None when no report is of a county of a province with a map."""
    province = _mapped_province([str(d.get("region", "")) for d in docs])
    if province is None:
        return None
    verdicts = {str(d["region"]): d["verdict"] for d in docs if d.get("verdict")}
    details = {str(d["region"]): tr("综合评分 ", "total ", lang) + fmt_num((d.get("total") or {}).get("points"))
               for d in docs}
    cities = [str(c.get("code")) for c in (scope or {}).get("cities", [])] if (scope or {}).get("kind") == "cities" \
        else None
    if cities and not set(cities) & set(load_boundaries(province).city_codes):
        return None  # a scope of development zones only (杨凌示范区): nothing to draw
    title = tr("认定结论分布示意图（悬停查看综合评分）", "Verdicts by county (hover for the total)", lang)
    return county_map(verdicts, kind="verdict", province=province, lang=lang, details=details, title=title,
                      cities=cities or None)


def probability_map(summary: pd.DataFrame, lang: str = "zh", whole_province: bool = True) -> go.Figure | None:
    """The sensitivity report's map: each county's probability of certification over the Monte-Carlo
    weightings (a Monte-Carlo ``summary``). A county with rows not assessed has a band, not one
    probability: it is coloured by the lower bound and its hover says so. ``whole_province`` false (a
    city or a list of regions) draws only the cities of the regions in ``summary``."""
    codes = summary["region"].astype(str).tolist()
    province = _mapped_province(codes)
    if province is None:
        return None
    p = summary["p_certified"].where(summary["p_certified"].notna(), summary["p_certified_min"])
    values = dict(zip(codes, p, strict=True))
    details = {}
    for code, r in zip(codes, summary.itertuples(), strict=True):
        verdict = VERDICT_WORDS.get(r.nominal_verdict, (r.nominal_verdict, r.nominal_verdict))[lang != "zh"]
        line = tr(f"现行得分 {fmt_num(r.nominal_score)}，{verdict}", f"score {fmt_num(r.nominal_score)}, {verdict}",
                  lang)
        if r.p_certified != r.p_certified:  # NaN: a band
            line += tr(f"\n有未评估的计分行：概率 {r.p_certified_min:.0%}–{r.p_certified_max:.0%}，按下限着色",
                       f"\nrows not assessed: {r.p_certified_min:.0%}–{r.p_certified_max:.0%}, coloured by the "
                       "lower bound", lang)
        elif r.other_conditions == "fail":
            line += tr("\n其他认定条件不符合：权重无法改变", "\nanother condition fails: no weighting changes it",
                       lang)
        details[code] = line
    cities = None
    if not whole_province:
        shapes = load_boundaries(province)
        index = shapes.index()
        cities = sorted({shapes.city_codes[index[c]] for c in codes if c in index}) or None
    title = tr("权重变动下的认定概率示意图", "Probability of certification under varying weights", lang)
    return county_map(values, kind="probability", province=province, lang=lang, title=title, details=details,
                      cities=cities)


def shapes_for(province: str, level: str = "county") -> Shapes:
    """The boundaries a map of ``province`` draws (for callers that list or count its regions)."""
    return load_boundaries(province, level)
