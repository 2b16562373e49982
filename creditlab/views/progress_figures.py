"""Charts (plotly) and report tables (HTML) for plan progress and city rankings, in Chinese or English.

The parameterised notebooks only call these: reports are exported without input cells, so every piece
of text comes from here as an output, in the chosen language, with numbers formatted. Each notebook
builds its document object once from its parameters (:class:`PlanProgressReport` for
``plan_progress.ipynb``, :class:`CityRankingsReport` for ``city_rankings.ipynb``) and its display cells
only call that object's methods.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis.monitoring import (
    LowRankRule,
    average_trend,
    bulletin,
    check_quarter,
    city_trends,
    persistently_low,
    provincial_average,
    until,
)
from ..core.i18n import check_lang, fmt_num, tr
from ..loaders.plan import (
    PERCENT_UNITS,
    Plan,
    assess_progress,
    check_as_of,
    check_milestones,
    load_observations,
    load_plan,
    remark_text,
    resolve_path,
)
from ..loaders.rankings import GROUPS, TIERS, load_rankings, province_name
from .banner import banner_html, is_synthetic
from .figures import chart_text
from .htmlpage import esc, heading
from .htmlpage import table as html_table  # bulletin_html has a parameter named table
from .maps import city_map

# category -> (zh, en, arrow, colour); the arrows follow Eurostat's SDG progress symbols
CATEGORY_STYLE: dict[str, tuple[str, str, str, str]] = {
    "achieved": ("已达标", "achieved", "✓", "#1e7b34"),
    "significant": ("显著进展", "significant progress", "↑", "#1e7b34"),
    "moderate": ("中等进展", "moderate progress", "↗", "#7a8f00"),
    "insufficient": ("进展不足", "insufficient progress", "↘", "#c2410c"),
    "moving_away": ("背离目标", "moving away from the target", "↓", "#b42318"),
    "no_baseline": ("无基期值", "no baseline", "○", "#52606d"),
    "no_data": ("无数据", "no data", "—", "#6b7280"),
}
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "met": ("已实现", "met", "#1e7b34"), "missed": ("未实现", "missed", "#b42318"),
    "pending": ("未到期", "not yet due", "#52606d"), "no_data": ("到期无数据", "due, no data", "#8a6d00"),
}
TREND_STYLE: dict[str, tuple[str, str, str, str]] = {
    "improving": ("上升", "improving", "↑", "#1e7b34"), "stable": ("平稳", "stable", "→", "#52606d"),
    "worsening": ("下降", "worsening", "↓", "#b42318"), "": ("—", "—", "", "#6b7280"),
}
_HEADING_STYLE = "margin:18px 0 6px"
_TITLE_STYLE = "margin:6px 0"


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def fmt_value(v: Any) -> str:
    """A value with the decimals its size needs (2 below 10, 1 below 100, none above)."""
    if _missing(v):
        return "—"
    v = float(v)
    digits = 0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2 if abs(v) >= 0.1 else 3
    text = fmt_num(v, digits)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _badge(text: str, colour: str, arrow: str = "") -> str:
    return (f'<span style="color:{colour};font-weight:600;white-space:nowrap">'
            f'{esc(arrow + " " if arrow else "")}{esc(text)}</span>')


def category_badge(category: str, lang: str = "zh") -> str:
    zh, en, arrow, colour = CATEGORY_STYLE[category]
    return _badge(tr(zh, en, lang), colour, arrow)


def _heading(text: str, level: int = 3) -> str:
    return heading(text, level, _HEADING_STYLE)


def _note(text: str) -> str:
    return f'<p style="color:#52606d;font-size:13px;margin:4px 0 10px">{esc(text)}</p>'


# --- plan progress -------------------------------------------------------------------------------

def _unit(row: Any, lang: str) -> str:
    return str(row["unit_zh"] if lang == "zh" else row["unit_en"])


def _unit_short(row: Any, lang: str) -> str:
    """The unit after a number in a sentence: percentages as %, others as printed."""
    if row["unit"] in PERCENT_UNITS:
        return "%" if lang == "zh" else " %"
    return str(row["unit_zh"]) if lang == "zh" else f" {row['unit_en']}"


def _rate(value: Any, method: str, lang: str) -> str:
    if _missing(value):
        return "—"
    if method == "compound":
        return f"{fmt_num(100 * float(value), 1)}%" + tr("/年", "/yr", lang)
    return fmt_value(value) + tr("/年", "/yr", lang)


def _projection(row: Any, lang: str) -> str:
    p, lo, hi = row["projected_year"], row["projected_year_low"], row["projected_year_high"]
    if row["category"] == "achieved" and not _missing(p):
        return tr(f"已于{int(p)}年达到", f"reached in {int(p)}", lang)
    if _missing(p):
        return "—"
    if math.isinf(p):
        return tr("按趋势无法达到", "not reached on trend", lang)

    def yr(v: Any) -> str:
        if _missing(v):
            return "?"
        return tr("无法达到", "never", lang) if math.isinf(v) else str(int(v))

    interval = "" if _missing(lo) else f"（{yr(lo)}–{yr(hi)}）" if lang == "zh" else f" ({yr(lo)}–{yr(hi)})"
    return f"{int(p)}{interval}"


def plan_header_html(plan: Plan, as_of: int, method: str, lang: str = "zh", data_source: str = "") -> str:
    """Title, as-of year, method and the plan's source."""
    check_lang(lang)
    src = plan.source
    title = tr(f"{plan.title_zh}：进展评估（截至{as_of}年）", f"{plan.title_en}: progress as of {as_of}", lang)
    meth = tr("复合年增长率（Eurostat方法）" if method == "compound" else "年均绝对变化（线性方法）",
              "compound annual growth rates (Eurostat)" if method == "compound" else
              "absolute change per year (linear variant)", lang)
    cite = tr(f"来源：{src.get('document')}（{src.get('reference')}，{src.get('issuer')}，{src.get('date')}）"
              f"{src.get('table', '')}", f"Source: {src.get('document')} ({src.get('reference')}, "
              f"{src.get('issuer')}, {src.get('date')}), {src.get('table', '')}", lang)
    parts = [heading(title, 2, _TITLE_STYLE),
             _note(tr(f"评估方法：{meth}；阈值：比率≥95%显著进展，60%–95%中等进展，0–60%进展不足，<0背离目标。",
                      f"Method: {meth}; thresholds: ratio ≥ 95 % significant, 60–95 % moderate, 0–60 % "
                      f"insufficient, below 0 moving away.", lang)),
             _note(cite)]
    if data_source:
        parts.append(_note(tr(f"观测数据：{data_source}", f"Observations: {data_source}", lang)))
    return "".join(parts)


def summary_html(assessment: pd.DataFrame, lang: str = "zh") -> str:
    """One sentence: how many indicators fall into each category, and how many 约束性 are off course."""
    counts = assessment["category"].value_counts()
    parts = [f"{tr(CATEGORY_STYLE[c][0], CATEGORY_STYLE[c][1], lang)} {int(counts[c])}"
             for c in CATEGORY_STYLE if c in counts]
    off_binding = int((assessment["off_course"] & assessment["binding"]).sum())
    text = tr(f"共{len(assessment)}项指标：" + "，".join(parts) + f"。约束性指标偏离进度：{off_binding}项。",
              f"{len(assessment)} indicators: " + ", ".join(parts) +
              f". Binding (约束性) indicators off course: {off_binding}.", lang)
    return f'<p style="font-size:15px;margin:6px 0 10px"><b>{esc(text)}</b></p>'


def dashboard_html(assessment: pd.DataFrame, lang: str = "zh") -> str:
    """The dashboard table, most urgent first, with a progress arrow per indicator."""
    check_lang(lang)
    cols = [tr("序号", "No.", lang), tr("指标", "Indicator", lang), tr("属性", "Type", lang),
            tr("基期值", "Baseline", lang), tr("最新值", "Latest", lang), tr("目标值", "Target", lang),
            tr("进度", "Progress", lang), tr("实际/所需增速", "Actual / required rate", lang),
            tr("比率", "Ratio", lang), tr("与直线路径之差", "Gap to straight-line path", lang),
            tr("预计达标年份", "Year target reached (interval)", lang), tr("说明", "Notes", lang)]
    rows = []
    for _, r in assessment.iterrows():  # display only: a dozen rows
        unit = _unit(r, lang)
        name = r["name_zh"] if lang == "zh" else r["name_en"]
        binding = tr(str(r["binding_zh"]), "binding" if r["binding"] else "indicative", lang)
        base = "—" if _missing(r["baseline"]) else f"{fmt_value(r['baseline'])}（{r['baseline_year']}）" \
            if lang == "zh" else f"{fmt_value(r['baseline'])} ({r['baseline_year']})"
        latest = "—" if _missing(r["latest"]) else f"{fmt_value(r['latest'])}（{r['latest_year']}）" \
            if lang == "zh" else f"{fmt_value(r['latest'])} ({r['latest_year']})"
        target = f"{fmt_value(r['target'])}（{r['target_year']}）" if lang == "zh" else \
            f"{fmt_value(r['target'])} ({r['target_year']})"
        rates = "—" if _missing(r["actual_rate"]) else \
            f"{_rate(r['actual_rate'], r['method'], lang)} / {_rate(r['required_rate'], r['method'], lang)}"
        ratio = "—" if _missing(r["ratio"]) else f"{fmt_num(100 * r['ratio'], 0)}%"
        gap = "—"
        if not _missing(r["gap_to_path"]):
            ahead = bool(r["ahead_of_path"])
            word = tr("领先" if ahead else "落后", "ahead" if ahead else "behind", lang)
            gap = f"{'+' if r['gap_to_path'] >= 0 else ''}{fmt_value(r['gap_to_path'])}（{word}）" if lang == "zh" \
                else f"{'+' if r['gap_to_path'] >= 0 else ''}{fmt_value(r['gap_to_path'])} ({word})"
        rows.append([str(r["number"]), f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})", binding, base,
                     latest, target, category_badge(r["category"], lang), rates, ratio, gap, _projection(r, lang),
                     remark_text(r["remarks"], lang)])
    return html_table(cols, rows, numeric={0, 3, 4, 5, 8}, raw={6}, nowrap={2}, inline=True)


def action_list_html(assessment: pd.DataFrame, lang: str = "zh") -> str:
    """The indicators needing action (off course: 约束性 first), then those to watch (moderate progress)."""
    check_lang(lang)
    act = assessment[assessment["needs_action"]]
    watch = assessment[assessment["category"] == "moderate"]
    out = [_heading(tr("需要采取措施的指标", "Indicators needing action", lang))]

    def line(r: pd.Series) -> str:
        name = r["name_zh"] if lang == "zh" else r["name_en"]
        unit = _unit_short(r, lang)
        tag = tr("【约束性】", "[binding] ", lang) if r["binding"] else ""
        bits = [f"{tag}{name}：" if lang == "zh" else f"{tag}{name}: ",
                tr(CATEGORY_STYLE[r["category"]][0], CATEGORY_STYLE[r["category"]][1], lang)]
        if not _missing(r["ratio"]):
            bits.append(tr(f"（比率{fmt_num(100 * r['ratio'], 0)}%）", f" (ratio {fmt_num(100 * r['ratio'], 0)} %)",
                           lang))
        if not _missing(r["latest"]):
            bits.append(tr(f"，{r['latest_year']}年为{fmt_value(r['latest'])}{unit}",
                           f"; {fmt_value(r['latest'])}{unit} in {r['latest_year']}", lang))
        if not _missing(r["path_value"]):
            bits.append(tr(f"，直线路径应为{fmt_value(r['path_value'])}", f", straight-line path "
                           f"{fmt_value(r['path_value'])}", lang))
        p = r["projected_year"]
        target = fmt_value(r["target"])
        if not _missing(p) and math.isinf(p):
            bits.append(tr(f"；按当前趋势无法达到{target}", f"; the current trend never reaches {target}", lang))
        elif not _missing(p):
            bits.append(tr(f"；按当前趋势{int(p)}年达到{target}（目标{r['target_year']}年）",
                           f"; on the current trend {target} is reached in {int(p)} (target {r['target_year']})",
                           lang))
        return "".join(bits) + tr("。", ".", lang)

    if act.empty:
        out.append(_note(tr("没有偏离进度的指标。", "No indicator is off course.", lang)))
    else:
        out.append("<ol>" + "".join(f"<li>{esc(line(r))}</li>" for _, r in act.iterrows()) + "</ol>")
    if not watch.empty:
        out.append(_heading(tr("需要关注的指标（中等进展）", "Indicators to watch (moderate progress)", lang), 4))
        out.append("<ul>" + "".join(f"<li>{esc(line(r))}</li>" for _, r in watch.iterrows()) + "</ul>")
    nob = assessment[assessment["category"] == "no_baseline"]
    if not nob.empty:
        names = "、".join(nob["name_zh"]) if lang == "zh" else "; ".join(nob["name_en"])
        out.append(_note(tr(f"无基期值的指标（{names}）仅对照目标值评估。", f"Indicators without a baseline "
                            f"({names}) are assessed against the target alone.", lang)))
    return "".join(out)


def milestones_heading_html(lang: str = "zh") -> str:
    return _heading(tr("其他文件中的阶段性目标（里程碑）", "Milestones from other documents", lang))


def milestones_html(milestones: pd.DataFrame, lang: str = "zh") -> str:
    """The milestones of other documents, checked at their dates."""
    check_lang(lang)
    if milestones.empty:
        return _note(tr("本规划没有里程碑。", "The plan has no milestones.", lang))
    cols = [tr("日期", "Date", lang), tr("地区", "Region", lang), tr("里程碑", "Milestone", lang),
            tr("要求", "Requirement", lang), tr("观测值", "Observed", lang), tr("状态", "Status", lang),
            tr("进度", "Progress", lang), tr("来源", "Source", lang)]
    rows = []
    for _, m in milestones.iterrows():
        name = m["name_zh"] + (f"（{m['measure_zh']}）" if isinstance(m["measure_zh"], str) else "") \
            if lang == "zh" else m["name_en"]
        unit = m["unit"] if lang == "zh" else m["unit_en"]
        observed = "—" if _missing(m["observed"]) else (
            f"{fmt_value(m['observed'])}（{m['observed_year']}年）" if lang == "zh"
            else f"{fmt_value(m['observed'])} ({m['observed_year']})")
        zh, en, colour = STATUS_STYLE[m["status"]]
        rows.append([str(m["date"]), str(m["region"]), name, f"{m['comparison']} {fmt_value(m['value'])} {unit}",
                     observed, _badge(tr(zh, en, lang), colour), category_badge(m["category"], lang),
                     str(m["source"])])
    return html_table(cols, rows, raw={5, 6}, inline=True)


def is_percent(row: Any) -> bool:
    """Whether an indicator is a share in percent (bounded by 0 and 100): %, or a percent of a group."""
    return row["unit"] in PERCENT_UNITS or str(row["unit"]).startswith("percent")


def indicator_figure(row: pd.Series, observations: pd.DataFrame, lang: str = "zh",
                     as_of: int | None = None) -> go.Figure:
    """One indicator: observed values, the straight-line path to the target, the target, the fitted trend.

    ``as_of``: the assessment year; no observation after it is drawn (the assessment used none), and a line
    marks it. The trend of a percent indicator is capped at 100 % (and floored at 0): the chart says so."""
    check_lang(lang)
    obs = observations[(observations["id"] == row["id"]) & (observations["region"] == row["region"])]
    if as_of is not None:
        obs = obs[obs["year"] <= as_of]
    obs = obs.sort_values("year")
    name = row["name_zh"] if lang == "zh" else row["name_en"]
    unit = _unit(row, lang)
    zh, en, arrow, colour = CATEGORY_STYLE[row["category"]]
    fig = go.Figure()
    t0, T = int(row["baseline_year"]), int(row["target_year"])
    if not _missing(row["baseline"]):
        fig.add_trace(go.Scatter(x=[t0, T], y=[row["baseline"], row["target"]], mode="lines",
                                 name=tr("直线路径", "straight-line path", lang),
                                 line=dict(dash="dash", color="#9aa5b1")))
    if not _missing(row["trend_slope"]):
        end = T if _missing(row["projected_year"]) or math.isinf(row["projected_year"]) else \
            max(T, min(int(row["projected_year"]), T + 5))
        xs = np.arange(int(obs["year"].min()) if len(obs) else t0, end + 1)
        g = row["trend_anchor"] + row["trend_slope"] * (xs - row["trend_anchor_year"])
        ys = np.exp(g) if row["trend_scale"] == "log" else g
        label = tr("拟合趋势", "fitted trend", lang)
        if is_percent(row):  # a share cannot pass 100 % (nor fall below 0): the projection stops there
            capped = np.clip(ys, 0.0, 100.0)
            if (capped != ys).any():
                label = tr("拟合趋势（按100%封顶）", "fitted trend (capped at 100 %)", lang) if (ys > 100).any() \
                    else tr("拟合趋势（不低于0）", "fitted trend (floored at 0)", lang)
            ys = capped
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label, line=dict(dash="dot", color=colour)))
    fig.add_trace(go.Scatter(x=obs["year"], y=obs["value"], mode="lines+markers", name=tr("观测值", "observed", lang),
                             line=dict(color="#1f5f99", width=3)))
    if not _missing(row["baseline"]):
        fig.add_trace(go.Scatter(x=[t0], y=[row["baseline"]], mode="markers", name=tr("基期值", "baseline", lang),
                                 marker=dict(symbol="circle-open", size=11, color="#1f5f99")))
    fig.add_trace(go.Scatter(x=[T], y=[row["target"]], mode="markers", name=tr("目标值", "target", lang),
                             marker=dict(symbol="star", size=15, color="#d39e00")))
    if as_of is not None:
        fig.add_vline(x=as_of, line_dash="dot", line_color="#52606d",
                      annotation_text=tr(f"截至{as_of}年", f"as of {as_of}", lang), annotation_position="top left")
    binding = tr("约束性", "binding", lang) if row["binding"] else tr("预期性", "indicative", lang)
    fig.update_layout(
        title=chart_text(f"{row['number']}. {name}（{binding}）— {arrow} {zh}" if lang == "zh"
                         else f"{row['number']}. {name} ({binding}) — {arrow} {en}"),
        xaxis_title=tr("年份", "Year", lang), yaxis_title=chart_text(unit), height=360,
        legend=dict(orientation="h", y=-0.25), xaxis=dict(dtick=1, tickformat="d"),
    )
    if row["direction"] == "lower" and "percent of group" in str(row["unit"]):
        fig.update_yaxes(autorange="reversed")  # a ranking: the top of the chart is the top of the ranking
    return fig


def indicator_figures(assessment: pd.DataFrame, observations: pd.DataFrame, lang: str = "zh",
                      as_of: int | None = None) -> list[go.Figure]:
    """One chart per indicator, in the plan's order, up to ``as_of`` (default: the assessment's own)."""
    as_of = assessment.attrs.get("as_of") if as_of is None else as_of
    return [indicator_figure(r, observations, lang, as_of) for _, r in assessment.sort_values("number").iterrows()]


# --- city rankings -------------------------------------------------------------------------------

def rankings_header_html(province: str, quarter: str, lang: str = "zh", data_source: str = "") -> str:
    check_lang(lang)
    title = tr(f"{province}城市信用状况监测排名 {quarter} 季度通报", f"{province}: city credit-monitoring ranking, "
               f"bulletin {quarter}", lang)
    parts = [heading(title, 2, _TITLE_STYLE),
             _note(tr("位次百分比＝名次÷该月全国分组城市数×100（越小越靠前）；分组：省会及副省级城市、地级市、县级市。",
                      "Percentile = rank ÷ the size of the city's national group that month × 100 (smaller is "
                      "better); groups: provincial capitals and sub-provincial cities, prefecture-level cities, "
                      "county-level cities.", lang))]
    if data_source:
        parts.append(_note(tr(f"排名数据：{data_source}", f"Rankings: {data_source}", lang)))
    return "".join(parts)


def rank_trend_figures(rankings: pd.DataFrame, lang: str = "zh") -> list[go.Figure]:
    """Percentile over time for each city, one chart per provincial tier (设区市, 县级市)."""
    check_lang(lang)
    figs = []
    for tier in sorted(rankings["tier"].unique(), reverse=True):
        sub = rankings[rankings["tier"] == tier].sort_values("months")
        fig = go.Figure()
        for city, grp in sub.groupby("city", sort=False):
            fig.add_trace(go.Scatter(
                x=grp["period"], y=grp["percentile"], mode="lines", name=chart_text(city),
                customdata=np.stack([grp["rank"], grp["group_size"]], axis=1),
                hovertemplate=f"{chart_text(city)} %{{x}}<br>" + tr("名次", "rank", lang)
                + " %{customdata[0]}/%{customdata[1]}<br>%{y:.1f}%<extra></extra>"))
        tier_en = "prefecture-level" if tier == "设区市" else "county-level"
        title = tr(f"{tier}排名位次百分比走势", f"Ranking percentile, {tier_en} cities", lang)
        fig.update_layout(title=chart_text(title),
                          xaxis_title=tr("月份", "Month", lang),
                          yaxis_title=tr("位次百分比（%，越小越靠前）", "percentile (%, smaller is better)", lang),
                          height=420, yaxis=dict(autorange="reversed", range=[100, 0]))
        figs.append(fig)
    return figs


def average_figure(avg: pd.DataFrame, plan: Plan, lang: str = "zh", indicator: str = "city_ranking_percentile"
                   ) -> go.Figure:
    """The provincial average percentile per month against the plan's straight-line path."""
    check_lang(lang)
    row = plan.target(indicator)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=avg["period"], y=avg["mean_percentile"], mode="lines+markers",
                             name=tr("全省平均位次百分比", "provincial average percentile", lang),
                             line=dict(color="#1f5f99", width=3), marker=dict(size=4)))
    t0, T = int(row["baseline_year"]), int(row["target_year"])
    fig.add_trace(go.Scatter(x=[f"{t0}-12", f"{T}-12"], y=[row["baseline"], row["target"]], mode="lines+markers",
                             name=tr(f"规划直线路径（前{fmt_value(row['baseline'])}%→前{fmt_value(row['target'])}%）",
                                     f"plan path (top {fmt_value(row['baseline'])}% → top "
                                     f"{fmt_value(row['target'])}%)", lang),
                             line=dict(dash="dash", color="#d39e00")))
    fig.update_layout(title=tr("全省城市信用监测排名平均水平与规划路径", "Provincial average ranking against the plan "
                               "path", lang), xaxis_title=tr("月份", "Month", lang),
                      yaxis_title=tr("位次百分比（%，越小越靠前）", "percentile (%, smaller is better)", lang),
                      height=420, yaxis=dict(autorange="reversed"), legend=dict(orientation="h", y=-0.2))
    return fig


def average_summary_html(avg: pd.DataFrame, lang: str = "zh", horizon: str = "2025-12") -> str:
    """The latest provincial average against the path, and where the recent trend leads by ``horizon``."""
    check_lang(lang)
    last = avg.dropna(subset=["mean_percentile"]).iloc[-1]
    trend = average_trend(avg, horizon=horizon)
    gap = last["gap"]
    if _missing(gap):
        where = ""
    else:
        behind = gap > 0
        where = tr(f"，规划直线路径为{fmt_num(last['path'])}%，"
                   f"{'落后' if behind else '领先'}{fmt_num(abs(gap))}个百分点",
                   f"; the plan's path is {fmt_num(last['path'])} %, {fmt_num(abs(gap))} points "
                   f"{'behind' if behind else 'ahead'}", lang)
    text = tr(f"{last['period']}全省{int(last['n_cities'])}个城市平均位次百分比为{fmt_num(last['mean_percentile'])}%"
              f"{where}。按近{trend['window']}个月趋势，{horizon}预计为{fmt_num(trend['projected'])}%。",
              f"In {last['period']} the average percentile of the province's {int(last['n_cities'])} cities is "
              f"{fmt_num(last['mean_percentile'])} %{where}. On the trend of the last {trend['window']} months it "
              f"would be {fmt_num(trend['projected'])} % in {horizon}.", lang)
    return f'<p style="font-size:15px;margin:6px 0 10px"><b>{esc(text)}</b></p>'


def _group_label(group: str, lang: str) -> str:
    zh, en = GROUPS[group]
    return tr(zh, en, lang)


def _tier_label(tier: str, lang: str) -> str:
    en = {zh: e for zh, e in TIERS.values()}[tier]
    return tr(tier, en, lang)


def _change(v: Any, lang: str) -> str:
    if _missing(v):
        return tr("新上榜", "new", lang)
    v = int(v)
    if v > 0:
        return _badge(f"{v}", "#1e7b34", "↑")
    if v < 0:
        return _badge(f"{-v}", "#b42318", "↓")
    return _badge("0", "#52606d", "→")


def _trend(label: str, lang: str) -> str:
    zh, en, arrow, colour = TREND_STYLE[label]
    return _badge(tr(zh, en, lang), colour, arrow)


def bulletin_html(table: pd.DataFrame, lang: str = "zh") -> str:
    """The quarterly bulletin table: rank, change since last quarter, percentile, trend."""
    check_lang(lang)
    q, prev = table.attrs.get("quarter", ""), table.attrs.get("previous")
    cols = [tr("类别", "Tier", lang), tr("城市", "City", lang), tr("全国分组", "National group", lang),
            tr("名次/组内城市数", "Rank / group size", lang),
            tr(f"较{prev}变化", f"Change since {prev}", lang) if prev else tr("变化", "Change", lang),
            tr("位次百分比", "Percentile", lang), tr("百分比变化", "Percentile change", lang),
            tr("近12个月趋势", "12-month trend", lang), tr("省内同类位次", "Position in province tier", lang),
            tr("连续靠后季度", "Quarters low in a row", lang)]
    rows = []
    for _, r in table.iterrows():
        pc = "—" if _missing(r["percentile_change"]) else \
            f"{'+' if r['percentile_change'] >= 0 else ''}{fmt_num(r['percentile_change'])}"
        low = str(int(r["low_streak"])) + (" ⚠" if r["persistently_low"] else "")
        rows.append([_tier_label(r["tier"], lang), r["city"], _group_label(r["group"], lang),
                     f"{int(r['rank'])}/{int(r['group_size'])}", _change(r["change"], lang),
                     f"{fmt_num(r['percentile'])}%", pc, _trend(r["trend"], lang),
                     f"{int(r['tier_position'])}/{int(r['tier_size'])}", low])
    head = _heading(tr(f"{q}季度城市排名通报", f"City ranking bulletin, {q}", lang))
    return head + html_table(cols, rows, numeric={3, 5, 6, 8, 9}, raw={4, 7}, inline=True)


def low_rank_html(low: pd.DataFrame, rule: LowRankRule, lang: str = "zh") -> str:
    """The persistently low-ranked cities for the follow-up talks (约谈), with the rule used."""
    check_lang(lang)
    out = [_heading(tr("长期排名靠后城市（约谈名单）", "Persistently low-ranked cities (for follow-up talks)", lang)),
           _note(tr(f"规则：{rule.describe('zh')}。", f"Rule: {rule.describe('en')}.", lang))]
    if low.empty:
        out.append(_note(tr("按此规则，没有长期排名靠后的城市。", "No city ranks persistently low under this rule.",
                            lang)))
        return "".join(out)
    items = []
    for _, r in low.iterrows():
        items.append(tr(
            f"{r['city']}（{r['tier']}）：自{r['since']}起连续{int(r['streak'])}个季度，{r['period']}名次"
            f"{int(r['rank'])}/{int(r['group_size'])}（{fmt_num(r['percentile'])}%），省内同类倒数第{int(r['tier_from_bottom'])}。",
            f"{r['city']} ({_tier_label(r['tier'], 'en')}): {int(r['streak'])} consecutive quarters since "
            f"{r['since']}; {r['period']} rank {int(r['rank'])}/{int(r['group_size'])} "
            f"({fmt_num(r['percentile'])} %), " + ("last in its tier." if int(r["tier_from_bottom"]) == 1 else
                                                   f"{int(r['tier_from_bottom'])} from the bottom of its tier."),
            lang))
    out.append("<ol>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ol>")
    return "".join(out)


def city_trends_html(trends: pd.DataFrame, lang: str = "zh") -> str:
    """Each city's trend and projected position at the horizon."""
    check_lang(lang)
    horizon = trends["horizon"].iloc[0] if len(trends) else ""
    cols = [tr("类别", "Tier", lang), tr("城市", "City", lang), tr("最新月份", "Latest month", lang),
            tr("名次/组内城市数", "Rank / group size", lang), tr("位次百分比", "Percentile", lang),
            tr("年均变化（百分点）", "Change per year (points)", lang), tr("趋势", "Trend", lang),
            tr(f"{horizon}预计位次百分比", f"Projected percentile {horizon}", lang)]
    rows = []
    for _, r in trends.iterrows():
        slope = "—" if _missing(r["slope_per_year"]) else \
            f"{'+' if r['slope_per_year'] >= 0 else ''}{fmt_num(r['slope_per_year'])}"
        rows.append([_tier_label(r["tier"], lang), r["city"], r["period"], f"{int(r['rank'])}/{int(r['group_size'])}",
                     f"{fmt_num(r['percentile'])}%", slope, _trend(r["trend"], lang),
                     "—" if _missing(r["projected"]) else f"{fmt_num(r['projected'])}%"])
    head = _heading(tr("各城市趋势与2025年预计位置", "City trends and projected positions", lang))
    return head + html_table(cols, rows, numeric={3, 4, 5, 7}, raw={6}, inline=True)


# --------------------------------------------------------------------------------------------
# The parameterised notebooks' document objects: parameters in, every section out.

PLAN_PARAMETERS: dict[str, type | tuple[type, ...]] = {
    "plan": str, "as_of": int, "data": str, "language": str, "method": str,
}
RANKINGS_PARAMETERS: dict[str, type | tuple[type, ...]] = {
    "province": str, "period": str, "data": str, "low_rank_rule": (dict, str), "language": str, "plan": str,
}


def _banner(path: Path, lang: str) -> str:
    # Synthetic (demo) inputs are flagged on the page itself: a credit office must never sign them.
    return banner_html(lang) if is_synthetic(path) else ""


def show_figures(figures: list[go.Figure]) -> None:
    """Show each figure as its own output (one chart per indicator or city group)."""
    for fig in figures:
        fig.show()


@dataclass
class PlanProgressReport:
    """What ``plan_progress.ipynb`` shows: a plan's indicators against their targets up to ``as_of``."""

    plan: Plan
    as_of: int
    method: str
    lang: str
    data: str                      # the data parameter as given (shown as the source)
    path: Path
    observations: pd.DataFrame
    assessment: pd.DataFrame
    milestones: pd.DataFrame

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> PlanProgressReport:
        """Check the values of type-checked parameters (:data:`PLAN_PARAMETERS`), load and assess."""
        lang = check_lang(params["language"])
        plan = load_plan(params["plan"], lang=lang)
        path = resolve_path(params["data"])
        obs = load_observations(path, plan, lang=lang)
        as_of = check_as_of(plan, params["as_of"], obs, lang)  # not after the latest observation
        method = params["method"]
        return cls(plan=plan, as_of=as_of, method=method, lang=lang, data=params["data"], path=path,
                   observations=obs, assessment=assess_progress(plan, obs, as_of, method=method),
                   milestones=check_milestones(plan, obs, as_of, method=method))

    def header_html(self) -> str:
        """The synthetic-data banner (demo inputs only) and the plan's heading."""
        return _banner(self.path, self.lang) + plan_header_html(self.plan, self.as_of, self.method, self.lang,
                                                                 data_source=self.data)

    def summary_html(self) -> str:
        return summary_html(self.assessment, self.lang)

    def dashboard_html(self) -> str:
        return dashboard_html(self.assessment, self.lang)

    def action_list_html(self) -> str:
        return action_list_html(self.assessment, self.lang)

    def indicator_figures(self) -> list[go.Figure]:
        return indicator_figures(self.assessment, self.observations, self.lang, self.as_of)

    def show_indicator_figures(self) -> None:
        show_figures(self.indicator_figures())

    def milestones_html(self) -> str:
        return milestones_heading_html(self.lang) + milestones_html(self.milestones, self.lang)


@dataclass
class CityRankingsReport:
    """What ``city_rankings.ipynb`` shows: a province's city rankings up to one quarter."""

    lang: str
    province: str                  # the province in the report's language
    plan: Plan
    rule: LowRankRule
    data: str                      # the data parameter as given (shown as the source)
    path: Path
    quarter: str
    rankings: pd.DataFrame         # the monthly rankings up to the quarter
    average: pd.DataFrame
    bulletin: pd.DataFrame
    low: pd.DataFrame
    trends: pd.DataFrame

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> CityRankingsReport:
        """Check the values of type-checked parameters (:data:`RANKINGS_PARAMETERS`), load and compute."""
        lang = check_lang(params["language"])
        plan = load_plan(params["plan"], lang=lang)
        rule = LowRankRule.from_param(params["low_rank_rule"], lang)
        path = resolve_path(params["data"])
        everything = load_rankings(path, province=params["province"], lang=lang)
        quarter = check_quarter(everything, params["period"], lang)
        rankings = until(everything, quarter)
        return cls(lang=lang, province=province_name(params["province"], lang), plan=plan, rule=rule,
                   data=params["data"], path=path, quarter=quarter, rankings=rankings,
                   average=provincial_average(rankings, plan), bulletin=bulletin(rankings, quarter, rule),
                   low=persistently_low(rankings, rule, quarter), trends=city_trends(rankings))

    def header_html(self) -> str:
        """The synthetic-data banner (demo inputs only) and the bulletin's heading."""
        return _banner(self.path, self.lang) + rankings_header_html(self.province, self.quarter, self.lang,
                                                                     data_source=self.data)

    def average_summary_html(self) -> str:
        return average_summary_html(self.average, self.lang)

    def average_figure(self) -> go.Figure:
        return average_figure(self.average, self.plan, self.lang)

    def bulletin_html(self) -> str:
        return bulletin_html(self.bulletin, self.lang)

    def low_rank_html(self) -> str:
        return low_rank_html(self.low, self.rule, self.lang)

    def rank_trend_figures(self) -> list[go.Figure]:
        return rank_trend_figures(self.rankings, self.lang)

    def show_rank_trend_figures(self) -> None:
        show_figures(self.rank_trend_figures())

    def city_trends_html(self) -> str:
        return city_trends_html(self.trends, self.lang)

    def city_map(self) -> go.Figure | None:
        return rank_city_map(self.rankings, self.trends, self.lang)


def rank_city_map(rankings: pd.DataFrame, trends: pd.DataFrame, lang: str = "zh") -> go.Figure | None:
    """The prefecture cities' latest rank (rank / group size) on the province's city 示意图, with the rank
    and the trend in the hover. None without a prefecture city row with a 6-digit code."""
    latest = rankings[rankings["period"] == rankings["period"].max()]
    # Prefecture-level cities only: county-level cities (神木市) are counties on a county map.
    latest = latest[latest["city_code"].astype(str).str.fullmatch(r"\d{6}") & (latest["group"] != "county")]
    if latest.empty:
        return None
    trend = dict(zip(trends["city"], trends["trend"], strict=True)) if len(trends) else {}
    values, details = {}, {}
    for r in latest.itertuples():
        values[str(r.city_code)] = r.rank / r.group_size
        words = TREND_STYLE.get(trend.get(r.city, ""), TREND_STYLE[""])
        details[str(r.city_code)] = tr(f"第{r.rank}名（共{r.group_size}个），趋势：{words[0]}{words[2]}",
                                       f"rank {r.rank} of {r.group_size}, trend: {words[1]} {words[2]}", lang)
    period = str(latest["period"].iloc[0])
    title = tr(f"各设区市信用监测排名位次示意图（{period}）", f"Cities' credit-monitoring rank ({period})", lang)
    return city_map(values, kind="rank_share", lang=lang, title=title, details=details)
