"""Charts, sentences and notebook glue for the weight-sensitivity analyses.

The notebooks only display what this module builds:

* chart builders (plotly ``go.Figure``): :func:`rank_band_figure`, :func:`certification_figure`,
  :func:`sobol_figure`, :func:`local_figure`, :func:`scores_figure`, :func:`weights_figure`;
* :class:`SensitivityReport` for ``parameterised/weight_sensitivity.ipynb``: validates the
  parameters' values, loads the data, runs the analyses once and writes every section as HTML with
  a sentence a policy reader can follow (Chinese by default, English with ``language="en"``);
* :func:`explorer_html` and :func:`scenarios_html` for ``notebooks/02_scenario_explorer.ipynb``
  (its widgets are :class:`creditlab.views.scenario_explorer.ScenarioExplorer`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis.certification import exclusions_only, positive_verdict
from ..analysis.points import is_tied, rank_words
from ..analysis.sensitivity import (
    SOBOL_OUTPUTS,
    MonteCarloResult,
    SobolResult,
    WeightModel,
    prepare,
)
from ..analysis.weights import Scenario, load_scenarios, scenarios_path
from ..core.errors import CreditlabError
from ..core.i18n import fmt_num, tr
from ..core.labels import VERDICT_COLORS, VERDICT_WORDS
from ..core.problems import Problems, default_lang
from ..loaders.data import load_context, load_data
from ..loaders.rubric import load_rubric
from . import figures as _figures  # noqa: F401  (offline renderer and template for every chart built here)
from .banner import banner_html, synthetic_roles
from .figures import chart_text, chart_texts
from .htmlpage import COMPONENT_CSS, esc, table
from .maps import probability_map
from .report import ReportError, no_context, resolve_inputs
from .report_inputs import rubric_year_problem
from .sensitivity_inputs import PARAMETER_SPEC, SensitivityError, parameter_problems

COLORS = {**VERDICT_COLORS, "band": "#1f5f99",
          "nominal": "#d9480f", "s1": "#1f5f99", "st": "#9fb8d6", "threshold": "#1e7b34", "muted": "#9aa5b1"}



def _t(lang: str, zh: str, en: str) -> str:
    return tr(zh, en, lang)


def _pct(p: float) -> str:
    return "—" if p is None or p != p else f"{100 * p:.0f}%"


# --------------------------------------------------------------------------------------------
# Charts


def _height(n: int) -> int:
    return int(min(2600, max(320, 18 * n + 140)))


def rank_band_figure(summary: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Median rank with its 5–95 % band per region, and the nominal rank, best at the top."""
    s = summary.sort_values([c for c in ("is_park", "nominal_rank", "region") if c in summary.columns])
    names = chart_texts(s["name"])  # region names: text, never markup, in the chart
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=s["median_rank"], y=names, mode="markers", name=_t(lang, "排名中位数（5%–95%区间）", "median rank (5–95 %)"),
        marker=dict(color=COLORS["band"], size=7),
        error_x=dict(type="data", symmetric=False, array=s["rank_p95"] - s["median_rank"],
                     arrayminus=s["median_rank"] - s["rank_p05"], color=COLORS["band"], thickness=2, width=0),
        hovertemplate="%{y}: %{x}<extra></extra>"))
    # The nominal rank in the words of the reports (并列第82名), ties within each population.
    groups = s["is_park"].to_numpy() if "is_park" in s else None
    tied = is_tied(s["nominal_rank"].to_numpy(), groups)
    words = [rank_words(r, t, lang) for r, t in zip(s["nominal_rank"], tied, strict=True)]
    fig.add_trace(go.Scatter(
        x=s["nominal_rank"], y=names, mode="markers",
        name=_t(lang, "现行权重下的排名", "rank under the rubric's weights"),
        marker=dict(color=COLORS["nominal"], symbol="diamond-open", size=8), customdata=words,
        hovertemplate="%{y}: %{customdata}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category", tickfont=dict(size=11))
    fig.update_xaxes(title=_t(lang, "排名（1为最好）", "rank (1 = best)"))
    fig.update_layout(height=_height(len(s)), legend=dict(orientation="h", y=1.0, yanchor="bottom"),
                      margin=dict(t=110), title=_t(lang, "权重变动下的排名区间", "Rank bands under varying weights"))
    return fig


def certification_figure(summary: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Probability of certification for every region the weights can matter for."""
    s = summary[summary["other_conditions"] != "fail"].sort_values(["nominal_rank", "region"])
    lo, hi = s["p_certified_min"], s["p_certified_max"]
    color = np.where(hi <= 0, COLORS["not_certified"], np.where(lo >= 1, COLORS["certified"], COLORS["undecided"]))
    fig = go.Figure(go.Bar(
        x=chart_texts(s["name"]), y=lo, marker_color=color,
        error_y=dict(type="data", symmetric=False, array=hi - lo, arrayminus=np.zeros(len(s)), visible=True),
        customdata=np.c_[s["nominal_score"], hi],
        hovertemplate=_t(
            lang, "%{x}<br>认定概率 %{y:.0%}（上限 %{customdata[1]:.0%}）<br>现行得分 %{customdata[0]:.1f}",
            "%{x}<br>P(certified) %{y:.0%} (up to %{customdata[1]:.0%})<br>score %{customdata[0]:.1f}",
        ) + "<extra></extra>"))
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", title=_t(lang, "认定概率", "probability of certification"))
    fig.update_xaxes(tickangle=-60, showticklabels=len(s) <= 60)
    fig.update_layout(title=_t(lang, "其他认定条件符合的地区：权重变动下的认定概率",
                               "Regions meeting the other conditions: probability of certification"), height=460)
    return fig


def sobol_figure(result: SobolResult, lang: str = "zh") -> go.Figure:
    """First-order and total Sobol indices with their confidence intervals, one row per weight.

    An index is a share of variance (≥ 0): a negative estimate (sampling error, S1 of a weight with
    little effect) is drawn as ≈ 0 — no negative bar — with a note under the chart, and each interval
    is cut at 0. The hover text keeps the estimate itself.
    """
    ix = result.indices
    names = chart_texts(f"{i} {n}" for i, n in zip(ix["id"], ix["name_zh" if lang == "zh" else "name_en"],
                                                   strict=True))
    bars = []
    series = (("S1", _t(lang, "一阶指数 S1（单独作用）", "first-order S1 (alone)"), COLORS["s1"]),
              ("ST", _t(lang, "总指数 ST（含交互作用）", "total ST (with interactions)"), COLORS["st"]))
    for col, label, color in series:
        est, conf = ix[col].to_numpy(float), ix[f"{col}_conf"].to_numpy(float)
        shown = np.clip(est, 0, None)
        bars.append(go.Bar(
            y=names, x=shown, orientation="h", name=label, marker_color=color,
            error_x=dict(type="data", symmetric=False, array=np.clip(est + conf - shown, 0, None),
                         arrayminus=shown - np.clip(est - conf, 0, None)),
            customdata=np.c_[est, conf],
            hovertemplate="%{y}: " + col + " %{customdata[0]:.3f} ± %{customdata[1]:.3f}<extra></extra>"))
    fig = go.Figure(bars)
    negative = ix.loc[ix["S1"] < 0, "id"].astype(str).to_list()  # ST (Jansen's estimator) is never < 0
    bottom = 60
    if negative:
        note = _t(lang, f"注：{'、'.join(negative)}的一阶指数估计值略小于0（抽样误差，真实值不小于0），图中按≈0显示。",
                  f"Note: the first-order estimate of {', '.join(negative)} is slightly below 0 (sampling error; "
                  "the index itself is ≥ 0) and is drawn as ≈ 0.")
        fig.add_annotation(text=esc(note), xref="paper", yref="paper", x=0, y=0, yshift=-50, showarrow=False,
                           xanchor="left", yanchor="top", align="left", font=dict(size=11, color=COLORS["muted"]))
        bottom = 100
    fig.update_layout(barmode="group", height=max(360, 40 * len(ix) + 140 + bottom - 60),
                      margin=dict(t=110, b=bottom),
                      legend=dict(orientation="h", y=1.0, yanchor="bottom"),
                      title=_t(lang, "各权重对结果方差的贡献（Sobol指数）",
                               "Share of the outcome's variance due to each weight (Sobol)"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=_t(lang, "方差占比", "share of variance"), rangemode="nonnegative")
    return fig


def local_figure(local: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Heat map: points of score per point of weight moved to each indicator, per region."""
    name_col = "indicator_zh" if lang == "zh" else "indicator_en"
    piv = local.pivot_table(index="name", columns="id", values="effect", sort=False)
    labels = local.drop_duplicates("id").set_index("id")[name_col]
    cols = list(dict.fromkeys(local["id"]))
    piv = piv[cols]
    lim = float(np.nanmax(np.abs(piv.to_numpy()))) or 1.0
    # Codes on the axis (names are long); the full name is in the hover text.
    text = np.tile(np.asarray(chart_texts(f"{c} {labels[c]}" for c in cols), dtype=object), (len(piv), 1))
    fig = go.Figure(go.Heatmap(
        z=piv.to_numpy(), x=chart_texts(cols), y=chart_texts(piv.index), zmin=-lim, zmax=lim, text=text,
        colorscale="RdBu", colorbar=dict(title=_t(lang, "分/每分权重", "points per point")),
        hovertemplate="%{y} · %{text}: %{z:+.2f}<extra></extra>"))
    fig.update_xaxes(side="top")
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=11))
    fig.update_layout(height=_height(len(piv)), title=_t(lang, "每把1分权重移向某项指标，各地得分的变化",
                                                         "Change in score per point of weight moved to an indicator"))
    return fig


def scores_figure(evaluation: pd.DataFrame, threshold: float | None, lang: str = "zh",
                  title: str | None = None) -> go.Figure:
    """Scores under the chosen weights (bars coloured by verdict) beside the nominal scores."""
    e = evaluation.sort_values([c for c in ("is_park", "rank", "region") if c in evaluation.columns])
    names = chart_texts(e["name"])
    colors = [COLORS.get(v, COLORS["muted"]) for v in e["verdict"]]
    tied = e["tied"] if "tied" in e else np.zeros(len(e), bool)
    nominal_tied = e["nominal_tied"] if "nominal_tied" in e else np.zeros(len(e), bool)
    words = np.c_[[rank_words(r, t, lang) for r, t in zip(e["rank"], tied, strict=True)],
                  [rank_words(r, t, lang) for r, t in zip(e["nominal_rank"], nominal_tied, strict=True)]]
    fig = go.Figure([
        go.Bar(x=names, y=e["score"], marker_color=colors, name=_t(lang, "调整后得分", "score under these weights"),
               customdata=words,
               hovertemplate=_t(lang, "%{x}: %{y:.1f}分，%{customdata[0]}（现行%{customdata[1]}）",
                                "%{x}: %{y:.1f}, %{customdata[0]} (now %{customdata[1]})") + "<extra></extra>"),
        go.Scatter(x=names, y=e["nominal_score"], mode="markers",
                   name=_t(lang, "现行权重得分", "score under the rubric's weights"),
                   marker=dict(color=COLORS["nominal"], symbol="line-ew-open", size=12, line=dict(width=2))),
    ])
    if threshold is not None and threshold == threshold:
        fig.add_hline(y=threshold, line=dict(color=COLORS["threshold"], dash="dash"),
                      annotation_text=_t(lang, f"认定分数线 {threshold:g}", f"threshold {threshold:g}"))
    fig.update_xaxes(tickangle=-60, showticklabels=len(e) <= 60)
    fig.update_yaxes(title=_t(lang, "得分", "score"))
    fig.update_layout(height=460,
                      title=chart_text(title) if title else _t(lang, "调整权重后的得分与认定结果",
                                                                 "Scores and verdicts under these weights"),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig


def weights_figure(model: WeightModel, weights: pd.Series, lang: str = "zh") -> go.Figure:
    """The weights in use (renormalised) beside the rubric's."""
    names = chart_texts(f"{i} {n}" for i, n in zip(model.ids, model.indicator_names(lang), strict=True))
    fig = go.Figure([
        go.Bar(x=names, y=model.nominal.to_numpy(), name=_t(lang, "现行权重", "rubric's weights"),
               marker_color=COLORS["muted"]),
        go.Bar(x=names, y=weights.reindex(model.ids).to_numpy(), name=_t(lang, "调整后权重", "weights in use"),
               marker_color=COLORS["band"]),
    ])
    fig.update_layout(barmode="group", height=360, title=_t(lang, "权重（分）", "Weights (points)"),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    fig.update_xaxes(tickangle=-30)
    return fig


# --------------------------------------------------------------------------------------------
# Sentences


def _wrap(inner: str) -> str:
    return f'<div class="creditlab">{inner}</div>'


def _names(frame: pd.DataFrame, k: int, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    names = frame["name"].astype(str).head(k).to_list()
    more = len(frame) - len(names)
    text = sep.join(names)
    if more > 0:
        text += _t(lang, f"等{len(frame)}个", f" and {more} more")
    return text


def rank_sentence(mc: MonteCarloResult, lang: str = "zh") -> str:
    """Rank bands and R̄S in words."""
    s = mc.summary
    p = mc.params
    width = s["rank_p95"] - s["rank_p05"]
    widest = s.assign(width=width).sort_values(["width", "nominal_rank"], ascending=[False, True]).head(3)
    stable = int((width == 0).sum())
    spread = _scheme_words(p, lang)
    parts = [_t(lang,
                f"在{spread}的{p['n']:,}次随机权重模拟中，各地排名与现行排名平均相差"
                f"{fmt_num(mc.rank_shift, 2)}位（平均排名变动R̄S）。",
                f"Over {p['n']:,} random weightings ({spread}), a region's rank differs from its rank under the "
                f"rubric's weights by {fmt_num(mc.rank_shift, 2)} places on average (mean rank shift R̄S).")]
    if len(widest) and widest["width"].iloc[0] > 0:
        items = [_t(lang, f"{r.name}（第{r.rank_p05}至{r.rank_p95}名）", f"{r.name} (ranks {r.rank_p05}–{r.rank_p95})")
                 for r in widest.itertuples()]
        parts.append(_t(lang, f"排名最不稳定的是{'、'.join(items)}。",
                        f"The least stable ranks are {', '.join(items)}."))
    parts.append(_t(lang, f"{stable}个地区在90%的模拟中排名不变。",
                    f"{stable} regions keep the same rank in 90 % of the draws."))
    return "".join(parts) if lang == "zh" else " ".join(parts)


def _scheme_words(p: dict[str, Any], lang: str) -> str:
    if p["scheme"] == "uniform":
        x = 100 * p["spread_or_concentration"]
        return _t(lang, f"各项权重于现行值±{x:g}%范围内随机变动", f"each weight within ±{x:g} % of its value")
    c = p["spread_or_concentration"]
    return _t(lang, f"权重按集中度{c:g}的狄利克雷分布围绕现行权重随机变动",
              f"weights drawn from a Dirichlet distribution around the rubric's with concentration {c:g}")


def certification_sentence(mc: MonteCarloResult, lang: str = "zh", exclusions: bool = False) -> str:
    """How many regions' certification does and does not depend on the weights.

    ``exclusions``: the rubric's conditions are only exclusions (henan-2021,
    :func:`creditlab.certification.exclusions_only`): the verdicts are eligible / not eligible for
    recommendation, and there is no score threshold."""
    s = mc.summary
    always = s[s["p_certified_min"] >= 1]
    excluded = s[s["nominal_verdict"] == "not_eligible"]  # 不具备推荐资格: never "not certified"
    other_fail = s[(s["other_conditions"] == "fail") & (s["nominal_verdict"] != "not_eligible")]
    never = s[(s["p_certified_max"] <= 0) & (s["other_conditions"] != "fail")]
    between = s[(s["p_certified_max"] > 0) & (s["p_certified_min"] < 1) & s["p_certified"].notna()]
    unknown = s[s["p_certified"].isna()]
    if exclusions:
        out = [_t(lang, f"{len(always)}个地区在全部模拟中都符合参评条件（不存在不得参与评价认定的情形）。",
                  f"{len(always)} regions are eligible in every draw (no case excluding them applies).")]
    else:
        out = [_t(lang,
                  f"{len(always)}个地区在全部模拟中都符合认定条件；{len(never)}个在任何模拟中都达不到分数线；"
                  f"另有{len(other_fail)}个因其他认定条件（如必备条件、失信被执行人占比、不良贷款率）不符合而不能认定，"
                  "与权重无关。",
                  f"{len(always)} regions are certified in every draw; {len(never)} never reach the score threshold; "
                  f"{len(other_fail)} more fail another condition (mandatory rows, judgment defaulters, NPL ratio, …) "
                  "and cannot be certified whatever the weights.")]
    if len(excluded):
        out.append(_t(lang, f"{len(excluded)}个地区存在不得参与评价认定的情形，不具备推荐资格，与权重无关。",
                      f"{len(excluded)} regions are not eligible for recommendation (a case excluding them from the "
                      "evaluation applies), whatever the weights."))
    if len(between):
        b = between.sort_values("p_certified")
        items = [_t(lang, f"{r.name}（{_pct(r.p_certified)}）", f"{r.name} ({_pct(r.p_certified)})")
                 for r in b.head(6).itertuples()]
        out.append(_t(lang, f"认定结果取决于权重的有{len(between)}个：{'、'.join(items)}。",
                      f"For {len(between)} regions the verdict depends on the weights: {', '.join(items)}."))
    else:
        out.append(_t(lang, "在此变动范围内，没有哪个地区的认定结果取决于权重。",
                      "Within this range no region's verdict depends on the weights."))
    if len(unknown):
        out.append(_t(lang,
                      f"{_names(unknown, 5, lang)}因数据缺失无法给出概率（表中为区间）。",
                      f"{_names(unknown, 5, lang)}: data missing, so only a range is given."))
    return "".join(out) if lang == "zh" else " ".join(out)


def sobol_sentence(result: SobolResult, model: WeightModel, lang: str = "zh") -> str:
    """Which weights drive the chosen output, in words."""
    what = _output_words(result, model, lang)
    if result.variance <= 1e-12:
        return _t(lang, f"在此变动范围内，{what}不随权重变化，各权重的Sobol指数均为0。",
                  f"Within this range {what} does not change with the weights; every Sobol index is 0.")
    ix = result.indices.sort_values("ST", ascending=False)
    col = "name_zh" if lang == "zh" else "name_en"
    top = ix.head(3)
    items = [_t(lang, f"{r.id} {getattr(r, col)}（总指数{_index(r.ST)}，一阶{_index(r.S1)}）",
                f"{r.id} {getattr(r, col)} (total {_index(r.ST)}, first-order {_index(r.S1)})")
             for r in top.itertuples()]
    gap = float((ix["ST"] - ix["S1"]).clip(lower=0).sum())
    out = _t(lang, f"{what}的变化主要来自{'、'.join(items)}。",
             f"The variation in {what} comes mainly from {', '.join(items)}.")
    out += _t(lang, "总指数表示该权重单独及与其他权重共同作用所解释的方差份额；一阶指数只计单独作用。",
              " The total index is the share of variance a weight explains alone and together with others; the "
              "first-order index counts it alone.")
    if gap > 0.2:
        out += _t(lang, "总指数明显大于一阶指数，说明权重之间存在较强的交互作用。",
                  " Total indices well above first-order ones show strong interactions between weights.")
    conv = sobol_convergence_sentence(result, lang)
    if conv:
        out += conv if lang == "zh" else " " + conv
    out += _t(lang, f"（N={result.params['N']}，共{result.n_evaluations:,}次计算，95%置信区间见图中误差线。）",
              f" (N={result.params['N']}, {result.n_evaluations:,} evaluations; "
              "95 % confidence intervals as error bars.)")
    return out


def _index(value: float) -> str:
    """A Sobol index for a sentence: a negative estimate (sampling error) reads ≈0."""
    return "≈0" if value < 0 else fmt_num(value, 2)


def sobol_convergence_sentence(result: SobolResult, lang: str = "zh") -> str:
    """One plain sentence: are the indices stable when N doubles, and if not, what N to run next."""
    c = result.convergence
    if c is None:
        return ""
    change, tol = fmt_num(c.max_change, 3), fmt_num(c.tol, 2)
    if c.stable:
        return _t(lang, f"样本量检验：把N从{c.N:,}加倍到{c.N2:,}，各指数最多变化{change}（不超过{tol}），"
                        "权重的主次顺序不变，结果已稳定。",
                  f"Sample-size check: doubling N from {c.N:,} to {c.N2:,} changes no index by more than {change} "
                  f"(within {tol}) and keeps the order of the weights, so the result is stable.")
    if c.max_change > c.tol:
        what_zh = f"指数最多变化{change}（超过{tol}）" + ("，权重的主次顺序也有改变" if c.order_changed else "")
        what_en = f"changes an index by up to {change} (more than {tol})" + (
            " and reorders the weights" if c.order_changed else "")
    else:
        what_zh, what_en = "权重的主次顺序有改变", "reorders the weights"
    return _t(lang, f"样本量检验：把N从{c.N:,}加倍到{c.N2:,}，{what_zh}，结果尚不稳定，"
                    f"请把N（参数sobol_n）提高到{c.recommended_N:,}后重新运行。",
              f"Sample-size check: doubling N from {c.N:,} to {c.N2:,} {what_en}, so the result is not yet "
              f"stable: raise N (parameter sobol_n) to {c.recommended_N:,} and run again.")


def _output_words(result: SobolResult, model: WeightModel, lang: str) -> str:
    name = model.names.get(result.region, result.region) if result.region else ""
    counted = ("符合参评条件的地区数", "the number of eligible regions") if exclusions_only(model.rubric) else (
        "符合认定条件的地区数", "the number of certified regions")
    return {
        "n_certified": _t(lang, *counted),
        "rank_shift": _t(lang, "平均排名变动", "the mean rank shift"),
        "score": _t(lang, f"{name}的得分", f"{name}'s score"),
        "rank": _t(lang, f"{name}的排名", f"{name}'s rank"),
    }[result.output]


def tipping_sentence(tt: pd.DataFrame, bounds: float, lang: str = "zh") -> str:
    """Which verdicts a bounded reweighting can flip, and the closest cases."""
    b = _t(lang, f"每项权重在现行值±{100 * bounds:g}%以内", f"each weight within ±{100 * bounds:g} % of its value")
    found = tt[tt["status"] == "found"].sort_values("points_moved")
    reach = found[found["direction"] == "reach"]
    lose = found[found["direction"] == "lose"]
    infeasible = tt[(tt["status"] == "infeasible") & (tt["direction"] == "reach")]
    blocked = tt[tt["status"] == "blocked"]
    out = [_t(lang, f"允许{b}、总分仍为满分时：",
              f"Allowing {b}, the total staying the same:")]
    if len(reach):
        r = reach.iloc[0]
        out.append(_t(lang, f"{len(reach)}个未达分数线的地区可以通过调整权重达到分数线，最接近的是{r['name']}，"
                            f"只需在指标间移动{fmt_num(r['points_moved'], 1)}分权重（{_moves(r['moves'], lang)}）。",
                      f"{len(reach)} regions below the threshold could reach it by reweighting; the closest is "
                      f"{r['name']}, moving {fmt_num(r['points_moved'], 1)} points of weight "
                      f"({_moves(r['moves'], lang)})."))
    if len(lose):
        r = lose.iloc[0]
        out.append(_t(lang, f"{len(lose)}个已达分数线的地区可能因权重调整而跌破分数线，最脆弱的是{r['name']}"
                            f"（移动{fmt_num(r['points_moved'], 1)}分权重即可）。",
                      f"{len(lose)} regions above the threshold could fall below it; the most fragile is {r['name']} "
                      f"({fmt_num(r['points_moved'], 1)} points of weight moved)."))
    if len(infeasible):
        out.append(_t(lang, f"{len(infeasible)}个地区在此范围内无论如何调整权重都达不到分数线"
                            f"（如{_names(infeasible.sort_values('best_score', ascending=False), 3, lang)}）。",
                      f"{len(infeasible)} regions cannot reach the threshold with any weights in this range "
                      f"(e.g. {_names(infeasible.sort_values('best_score', ascending=False), 3, lang)})."))
    if len(blocked):
        out.append(_t(lang, f"{len(blocked)}个地区因其他认定条件不符合，权重调整不能改变其结果。",
                      f"For {len(blocked)} regions another condition fails, so no reweighting changes their verdict."))
    return "".join(out) if lang == "zh" else " ".join(out)


def _moves(moves: list[tuple[str, float]], lang: str) -> str:
    if not moves:
        return "—"
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{i} {v:+.1f}" for i, v in moves)


def scenario_sentence(comp: pd.DataFrame, lang: str = "zh", ok: str = "certified") -> str:
    """Named scenarios against the rubric's weights: certified counts and who changes.

    ``ok``: the verdict counted (:func:`creditlab.certification.positive_verdict`: ``eligible`` for
    exclusion-only rubrics)."""
    nominal = comp[comp["scenario"] == "nominal"]
    n0 = int((nominal["verdict"] == ok).sum())
    zh, en = VERDICT_WORDS[ok]
    out = [_t(lang, f"按现行权重，{n0}个地区{zh}。", f"Under the rubric's weights {n0} regions are {en}.")]
    col = "scenario_zh" if lang == "zh" else "scenario_en"
    for _, g in comp[comp["scenario"] != "nominal"].groupby("scenario", sort=False):
        n = int((g["verdict"] == ok).sum())
        gained = g[(g["verdict"] == ok) & (g["nominal_verdict"] != ok)]
        lost = g[(g["verdict"] != ok) & (g["nominal_verdict"] == ok)]
        name = g[col].iloc[0]
        change = ""
        if len(gained):
            change += _t(lang, f"，新增{_names(gained, 4, lang)}", f"; gained: {_names(gained, 4, lang)}")
        if len(lost):
            change += _t(lang, f"，失去{_names(lost, 4, lang)}", f"; lost: {_names(lost, 4, lang)}")
        shift = float(g["rank_change"].abs().mean())
        out.append(_t(lang, f"“{name}”方案下为{n}个{change}，排名平均变动{fmt_num(shift, 1)}位。",
                      f"“{name}”: {n}{change}; ranks move {fmt_num(shift, 1)} places on average."))
    return "".join(out) if lang == "zh" else " ".join(out)


def local_sentence(local: pd.DataFrame, lang: str = "zh") -> str:
    col = "indicator_zh" if lang == "zh" else "indicator_en"
    mean = local.groupby(["id", col], sort=False)["effect"].agg(["mean", "std"]).reset_index()
    widest = mean.sort_values("std", ascending=False).iloc[0]
    return _t(lang,
              "图中数值为每把1分权重移向该指标（其他指标按比例让出）时各地得分的变化：正值表示该地在此指标上的得分率高于其总体得分率，"
              f"提高该指标权重对其有利。各地差异最大的是{widest['id']} {widest[col]}，提高其权重对排名的影响最大。",
              "Each cell is the change in a region's score per point of weight moved to that indicator (the others "
              "giving it up in proportion): positive where the region does better on that indicator than overall, so "
              f"more weight on it helps. Regions differ most on {widest['id']} {widest[col]}, where a change of weight "
              "moves ranks most.")


# --------------------------------------------------------------------------------------------
# The parameterised notebook


def load_model(rubric: str, data: str | list[str] = "", context: str | list[str] = "", *, year: int | None = None,
               scope: str | list[str] | None = "province", level: str = "level2", lang: str | None = None
               ) -> tuple[WeightModel, tuple[str, ...], list[Path]]:
    """Load indicator data and context (``""``: the bundled demo files) and build the model.

    Returns (model, the synthetic inputs' roles — ``("data", "context")``, empty when all are real —,
    the input paths). Every problem raises
    :class:`SensitivityError` with the message the analyst needs (``lang``: default ``CREDITLAB_LANG``).
    """
    problems = Problems(what=tr("输入数据", "the inputs", lang or default_lang()), error=SensitivityError,
                        lang=lang or default_lang())
    try:
        inputs = resolve_inputs(rubric, data, context)
        rub = load_rubric(inputs.rubric)
        bad = rubric_year_problem(rub, year, problems.lang) if year is not None else None
        if bad:
            problems.add(bad, bad)
            problems.raise_if_any()
        frame = load_data(list(inputs.data), rubric=rub)
        # No context supplied: its conditions are unknown (never the demo's, never an error).
        ctx = load_context(list(inputs.context)) if inputs.context else no_context()
        model = prepare(rub, frame, ctx, year=year, scope=scope, level=level)
    except SensitivityError:
        raise
    except (ReportError, CreditlabError, ValueError) as exc:
        raise SensitivityError(str(exc)) from None
    return model, tuple(synthetic_roles(inputs.files())), [*inputs.data, *inputs.context]


def score_threshold(model: WeightModel) -> float | None:
    """The score the certification requires (the first check on the total), if any."""
    if not model.score_checks:
        return None
    rhs = model.score_checks[0][1]
    return float(np.nanmax(rhs)) if np.isfinite(rhs).any() else None


@dataclass
class SensitivityReport:
    """What ``weight_sensitivity.ipynb`` shows; each analysis runs once, on first use."""

    model: WeightModel
    params: dict[str, Any]
    synthetic: tuple[str, ...]     # roles of the synthetic inputs (empty: all real); the banner names them
    inputs: list[Path] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.params["language"]

    def t(self, zh: str, en: str) -> str:
        return tr(zh, en, self.lang)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> SensitivityReport:
        """Check the values of validated parameters, load the data and build the model."""
        p = dict(params)
        problems = parameter_problems(p)
        province = str(p.get("province") or "").strip()
        if province:  # a province (name or code) within the rubric's jurisdiction: the scope
            if isinstance(p["scope"], str) and p["scope"].strip().lower() in ("province", "全省", ""):
                p["scope"] = province
            else:
                problems.add(f"参数 province（{province}）与 scope（{p['scope']!r}）只能给一个",
                             f"give either province ({province}) or scope ({p['scope']!r}), not both")
        problems.raise_if_any()
        model, synthetic, paths = load_model(p["rubric"], p["data"], p["context"], year=p["year"], scope=p["scope"],
                                             level=p["level"], lang=problems.lang)
        if model.n_regions < 2:
            problems.add(f"范围{p['scope']!r}在{model.year}年只有{model.n_regions}个有数据的地区，排名至少需要两个",
                         f"scope {p['scope']!r} has {model.n_regions} region with data in {model.year}; "
                         "ranks need at least two")
            problems.raise_if_any()
        return cls(model=model, params=p, synthetic=synthetic, inputs=paths)

    def run_monte_carlo(self, executor: Any) -> MonteCarloResult:
        """The Monte-Carlo draws run by ``executor`` (a Dask cluster's, say: the same numbers as here), kept
        as :attr:`mc` for every table and chart of the report."""
        p = self.params
        param = p["spread"] if p["scheme"] == "uniform" else p["concentration"]
        self.__dict__["mc"] = self.model.monte_carlo(p["scheme"], float(param), p["n_draws"], p["seed"],
                                                     executor=executor)
        return self.mc

    # The analyses (run once).
    @cached_property
    def mc(self) -> MonteCarloResult:
        p = self.params
        param = p["spread"] if p["scheme"] == "uniform" else p["concentration"]
        return self.model.monte_carlo(p["scheme"], float(param), p["n_draws"], p["seed"])

    @cached_property
    def sobol(self) -> SobolResult:
        p = self.params
        # Sobol inputs are uniform within ±spread of each weight whatever the Monte Carlo scheme.
        output = p["sobol_output"] if self.model.has_certification else "rank_shift"
        return self.model.sobol(output, None, spread=float(p["spread"]), N=p["sobol_n"], seed=p["seed"])

    @cached_property
    def tipping(self) -> pd.DataFrame:
        return self.model.tipping_table(float(self.params["bounds"]))

    @cached_property
    def local(self) -> pd.DataFrame:
        return self.model.local_sensitivity()

    @cached_property
    def scenarios(self) -> list[Scenario]:
        # A rubric without a scenarios file has none; a broken file is an error the user must see.
        if not scenarios_path(self.model.rubric).is_file():
            return []
        return load_scenarios(self.model.rubric, lang=self.lang)

    def _city_words(self, scope: str) -> str:
        """A city scope by its name (宝鸡市 / Baoji), also when it was given by its code (610300)."""
        units = self.model.units
        if units is None or "city_code" not in units:
            return scope
        hit = units[(units["city_code"].astype(str) == scope) | (units["city"].astype(str) == scope)]
        if hit.empty:
            return scope
        row = hit.iloc[0]
        en = row.get("city_en")
        return str(row["city"]) if self.lang == "zh" else str(en if isinstance(en, str) and en else row["city"])

    # Sections.
    def header_html(self) -> str:
        m = self.model
        scope = self.params["scope"]
        if isinstance(scope, str) and scope.strip().lower() not in ("province", "全省", ""):
            scope_words = self._city_words(scope.strip())
        elif isinstance(scope, str):
            scope_words = self.t("全省", "the whole province")
        else:
            scope_words = self.t("所选地区", "selected regions")
        title = self.t(f"{m.rubric.title_zh}：权重敏感性分析（{m.year}年）",
                       f"{m.rubric.title_en}: sensitivity to the weights ({m.year})")
        k = len(m.ids)
        level = self.t(f"{m.rubric.level_label(m.level, 'zh')}（{k}项）",
                       f"{k} {m.rubric.level_label(m.level, 'en')}s ({m.level})")
        lines = self.t(f"范围：{scope_words}，{populations(m, 'zh')}（各自排名）。权重在{level}层面变动，"
                       f"变动后总分仍为{m.total:g}分。",
                       f"Scope: {scope_words}, {populations(m, 'en')} (each ranked among its own kind). "
                       f"The weights of the {level} vary, always rescaled to a total of {m.total:g} points.")
        if m.has_certification and exclusions_only(m.rubric):
            verdicts = m.verdicts["verdict"]
            n_ok, n_out = int((verdicts == "eligible").sum()), int((verdicts == "not_eligible").sum())
            lines += self.t(f"按现行权重，{n_ok}个地区符合参评条件，{n_out}个不具备推荐资格"
                            "（存在不得参与评价认定的情形）；这些情形与权重无关。",
                            f" Under the rubric's weights {n_ok} regions are eligible and {n_out} are not eligible "
                            "for recommendation (a case excluding them applies); such cases do not depend on the "
                            "weights.")
        elif m.has_certification:
            n_cert = int((m.verdicts["verdict"] == "certified").sum())
            thr = self.threshold
            thr_zh = f"（分数线{thr:g}分）" if thr is not None else ""
            lines += self.t(f"按现行权重，{n_cert}个地区符合全部认定条件{thr_zh}。",
                            f" Under the rubric's weights {n_cert} regions meet every certification condition"
                            + (f" (score threshold {thr:g})" if thr is not None else "") + ".")
        note = ""
        if m.incomplete.any():
            note = self.t(f"{int(m.incomplete.sum())}个地区有未评估的计分行：其得分按0分计（下限），认定按上下限判断。",
                          f"{int(m.incomplete.sum())} regions have rows not assessed: their scores count them as 0 "
                          "(a lower bound) and certification is judged on both bounds.")
        banner = banner_html(self.lang, self.synthetic) if self.synthetic else ""
        note_html = f'<p class="note">{esc(note)}</p>' if note else ""
        body = _wrap(f"<h1>{esc(title)}</h1><p>{esc(lines)}</p>{note_html}")
        return f"<style>{COMPONENT_CSS}</style>{banner}{body}"

    @property
    def threshold(self) -> float | None:
        return score_threshold(self.model)

    def rank_html(self) -> str:
        pop = self.t(f"排名范围：{populations(self.model, 'zh')}，分别排名；得分相同者并列。",
                     f"Ranks are taken among {populations(self.model, 'en')}, each separately; equal scores tie.")
        return _wrap(f"<h2>{esc(self.t('排名对权重的敏感程度', 'How much ranks depend on the weights'))}</h2>"
                     f"<p>{esc(rank_sentence(self.mc, self.lang))}</p><p class=\"note\">{esc(pop)}</p>")

    def rank_figure(self) -> go.Figure:
        return rank_band_figure(self.mc.summary, self.lang)

    def _no_certification(self) -> str:
        name = self.model.rubric.name
        if self.model.has_certification:  # conditions, but none on the score (henan-2021: exclusions only)
            text = self.t(f"评估标准{name}没有分数线：权重调整不能改变认定或参评结果，本节从略。",
                          f"Rubric {name} has no score threshold: no reweighting changes a verdict; this section "
                          "does not apply.")
        else:
            text = self.t(f"评估标准{name}没有认定条件，本节从略。",
                          f"Rubric {name} has no certification conditions; this section does not apply.")
        return _wrap(f"<p>{esc(text)}</p>")

    def certification_html(self) -> str:
        if not self.model.has_certification:
            return self._no_certification()
        s = self.mc.summary
        show = s[(s["other_conditions"] != "fail") & (s["p_certified_max"] > 0) & (s["p_certified_min"] < 1)]
        rows = [[r.name, fmt_num(r.nominal_score), self._verdict(r.nominal_verdict),
                 _pct(r.p_certified) if r.p_certified == r.p_certified
                 else f"{_pct(r.p_certified_min)}–{_pct(r.p_certified_max)}",
                 f"{fmt_num(r.score_p05)}–{fmt_num(r.score_p95)}"] for r in show.itertuples()]
        cols = [self.t("地区", "Region"), self.t("现行得分", "Score"), self.t("现行结果", "Verdict now"),
                self.t("认定概率", "P(certified)"), self.t("得分5%–95%区间", "Score 5–95 %")]
        body = table(cols, rows, numeric=(1, 3, 4)) if rows else ""
        head = self.t("认定结果对权重的敏感程度", "How much certification depends on the weights")
        return _wrap(f"<h2>{esc(head)}</h2><p>"
                     f"{esc(certification_sentence(self.mc, self.lang, exclusions_only(self.model.rubric)))}</p>"
                     + body)

    def certification_figure(self) -> go.Figure | None:
        return certification_figure(self.mc.summary, self.lang) if self.model.has_certification else None

    def certification_map(self) -> go.Figure | None:
        """The probability of certification on the province's (or the scope's cities') 示意图."""
        if not self.model.has_certification:
            return None
        scope = self.params["scope"]
        whole = isinstance(scope, str) and scope.strip().lower() in ("province", "全省", "")
        return probability_map(self.mc.summary, self.lang, whole_province=whole)

    def _verdict(self, v: str) -> str:
        zh, en = VERDICT_WORDS.get(v, (v, v))
        return self.t(zh, en)

    def sobol_html(self) -> str:
        head = self.t("哪些权重最关键（Sobol全局敏感性）", "Which weights matter most (Sobol indices)")
        return _wrap(f"<h2>{esc(head)}</h2><p>{esc(sobol_sentence(self.sobol, self.model, self.lang))}</p>")

    def sobol_figure(self) -> go.Figure:
        return sobol_figure(self.sobol, self.lang)

    def tipping_html(self, max_rows: int = 25) -> str:
        if not self.model.score_checks:
            return self._no_certification()
        tt = self.tipping
        found = tt[tt["status"] == "found"].sort_values("points_moved").head(max_rows)
        # A region that loses ends a hair below the threshold: say "< 85" rather than a rounded 85.0.
        rows = [[r.name, fmt_num(r.nominal_score),
                 self.t("达到分数线", "reach the threshold") if r.direction == "reach"
                 else self.t("跌破分数线", "fall below the threshold"),
                 fmt_num(r.points_moved), _moves(r.moves, self.lang),
                 fmt_num(r.score_after) if r.direction == "reach" else f"< {r.threshold:g}"]
                for r in found.itertuples()]
        cols = [self.t("地区", "Region"), self.t("现行得分", "Score"), self.t("改变", "Change"),
                self.t("需移动的权重（分）", "Weight moved (points)"),
                self.t("主要调整（分）", "Main changes (points)"),
                self.t("调整后得分", "Score after")]
        body = table(cols, rows, numeric=(1, 3, 5)) if rows else ""
        return _wrap(f"<h2>{esc(self.t('临界点：最小的权重调整', 'Tipping points: the smallest reweighting'))}</h2>"
                     f"<p>{esc(tipping_sentence(tt, float(self.params['bounds']), self.lang))}</p>" + body
                     + f'<p class="note">{esc(self._tipping_note())}</p>')

    def _tipping_note(self) -> str:
        return self.t("“需移动的权重”为从某些指标移到另一些指标的分值（各项权重变化绝对值之和的一半），"
                      "由线性规划求得最小值；指标代码见上图。",
                      "“Weight moved” is the number of points shifted between indicators (half the sum of absolute "
                      "changes), minimised by a linear programme; indicator codes as in the chart above.")

    def local_html(self) -> str:
        head = self.t("局部敏感性：每分权重的作用", "Local view: the effect of one point of weight")
        return _wrap(f"<h2>{esc(head)}</h2><p>{esc(local_sentence(self.local, self.lang))}</p>")

    def local_figure(self) -> go.Figure:
        return local_figure(self.local, self.lang)

    def scenarios_html(self) -> str:
        return scenarios_html(self.model, self.scenarios, self.lang)


# --------------------------------------------------------------------------------------------
# The scenario explorer


def scenarios_html(model: WeightModel, scenarios: list[Scenario], lang: str = "zh") -> str:
    """The named scenarios against the rubric's weights: a sentence and a table."""
    if not scenarios:
        return _wrap(f"<p>{esc(tr('没有为该评估标准定义命名方案。', 'No named scenarios for this rubric.', lang))}</p>")
    comp = model.compare_scenarios(scenarios)
    ok = positive_verdict(model.rubric)
    col = "scenario_zh" if lang == "zh" else "scenario_en"
    rows = []
    for sid, g in comp.groupby("scenario", sort=False):
        sc = next((s for s in scenarios if s.id == sid), None)
        if sc is None:
            note = tr("评估标准原有权重", "the rubric's own weights", lang)
        else:
            note = sc.note_zh if lang == "zh" else sc.note_en
        rows.append([g[col].iloc[0], note, int((g["verdict"] == ok).sum()),
                     int(g["verdict_changed"].sum()), fmt_num(float(g["rank_change"].abs().mean()), 1)])
    count = ("参评资格数", "Eligible") if ok == "eligible" else ("认定数", "Certified")
    cols = [tr("方案", "Scenario", lang), tr("说明", "What it does", lang), tr(*count, lang),
            tr("结果改变", "Verdicts changed", lang), tr("平均排名变动", "Mean rank change", lang)]
    return (f"<style>{COMPONENT_CSS}</style>"
            + _wrap(f"<h2>{esc(tr('命名方案比较', 'Named scenarios', lang))}</h2>"
                    f"<p>{esc(scenario_sentence(comp, lang, ok))}</p>" + table(cols, rows, numeric=(2, 3, 4))))


def populations(model: WeightModel, lang: str = "zh") -> str:
    """The populations the model's ranks are taken in: 全省107个县（市、区）和全省8个开发区.

    Kept on the model (its regions never change): the explorer asks on every slider move."""
    cache = model.__dict__.setdefault("_populations", {})
    if lang not in cache:
        kinds = [False] if model.is_park is None else sorted(set(map(bool, model.is_park)))
        cache[lang] = tr("和", " and ", lang).join(model.population(k, lang) for k in kinds)
    return cache[lang]


def explorer_html(model: WeightModel, weights: pd.Series, lang: str = "zh",
                  evaluation: pd.DataFrame | None = None) -> str:
    """A sentence and a table of the verdicts and ranks that change under ``weights``.

    ``evaluation``: ``model.evaluate(weights)`` when the caller has it already (the explorer evaluates once
    per redraw)."""
    e = model.evaluate(weights) if evaluation is None else evaluation
    ok = positive_verdict(model.rubric)  # eligible for exclusion-only rubrics (henan-2021)
    n0 = int((e["nominal_verdict"] == ok).sum())
    n1 = int((e["verdict"] == ok).sum())
    changed = e[e["verdict_changed"]]
    shift = float(e["rank_change"].abs().mean())
    zh, en = VERDICT_WORDS[ok]
    text = tr(f"调整后{n1}个地区{zh}（现行权重下{n0}个），{len(changed)}个地区的认定结果改变，"
              f"排名平均变动{fmt_num(shift, 1)}位。",
              f"Under these weights {n1} regions are {en} ({n0} under the rubric's weights); {len(changed)} "
              f"verdicts change and ranks move {fmt_num(shift, 1)} places on average.", lang)
    moved = e.reindex(e["rank_change"].abs().sort_values(ascending=False).index).head(10)
    moved = moved[moved["rank_change"] != 0]
    text += tr(f"排名范围：{populations(model, 'zh')}，分别排名；得分相同者并列。",
               f" Ranks are taken among {populations(model, 'en')}, each separately; equal scores tie.", lang)
    rows = [[r.name, fmt_num(r.nominal_score), fmt_num(r.score), rank_words(r.nominal_rank, r.nominal_tied, lang),
             rank_words(r.rank, r.tied, lang),
             tr(*VERDICT_WORDS.get(r.nominal_verdict, (r.nominal_verdict,) * 2), lang),
             tr(*VERDICT_WORDS.get(r.verdict, (r.verdict,) * 2), lang)]
            for r in pd.concat([changed, moved]).drop_duplicates("region").itertuples()]
    cols = [tr("地区", "Region", lang), tr("现行得分", "Score now", lang), tr("调整后得分", "Score", lang),
            tr("现行排名", "Rank now", lang), tr("调整后排名", "Rank", lang), tr("现行结果", "Verdict now", lang),
            tr("调整后结果", "Verdict", lang)]
    body = table(cols, rows, numeric=(1, 2)) if rows else ""
    return f"<style>{COMPONENT_CSS}</style>" + _wrap(f"<p>{esc(text)}</p>{body}")


__all__ = [
    "PARAMETER_SPEC", "SOBOL_OUTPUTS", "SensitivityError", "SensitivityReport", "certification_figure",
    "explorer_html", "load_model", "local_figure", "parameter_problems", "populations", "rank_band_figure",
    "scenarios_html", "score_threshold", "scores_figure", "sobol_convergence_sentence", "sobol_figure",
    "sobol_sentence", "weights_figure",
]
