"""Views of rubrics for the rubric browser: tables, a sunburst of points, a structural comparison."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from ..core.i18n import check_lang, tr
from ..loaders.rubric import Rubric, rule_words
from .figures import chart_text, chart_texts

RULE_LABELS = {
    "binary": ("达标即得分", "met / not met"),
    "threshold": ("达到阈值得分", "threshold"),
    "per_unit": ("按个数计分（封顶）", "per unit, capped"),
    "discretionary": ("酌情计分", "discretionary"),
    "graded": ("综合评判", "assessed grade"),
    "assessed": ("评价得分（0–100）", "assessed score (0–100)"),
    "metric": ("监测指标相对评价", "monitoring metrics, norm-referenced"),
}


def rule_text(row: pd.Series, lang: str = "zh") -> str:
    """The scoring rule of one criterion in words (:func:`creditlab.rubric.rule_words`, as in the template)."""
    zh, en = rule_words(row)
    return tr(zh, en, lang) if zh or en else tr(*RULE_LABELS.get(row["rule"], (row["rule"], row["rule"])), lang)


def points_text(value: float | None) -> str:
    """Points as the rubric writes them: 5 not 5.000000, 0.5 stays 0.5; nothing for no points."""
    return "" if value is None or value != value else f"{float(value):g}"


def styled(frame: pd.DataFrame, numeric: tuple[str, ...] = ()) -> Styler:
    """A table for reading: no index, text (Chinese included) left-aligned, the ``numeric`` columns right-aligned.

    JupyterLab and Voilà right-align every table cell by default, which makes Chinese sentences hard to read."""
    left = [{"selector": "th, td", "props": [("text-align", "left"), ("vertical-align", "top")]}]
    st = frame.style.hide(axis="index").set_table_styles(left)
    cols = [c for c in numeric if c in frame.columns]
    return st.set_properties(subset=cols, **{"text-align": "right", "white-space": "nowrap"}) if cols else st


def criteria_table(rubric: Rubric, lang: str = "zh") -> pd.DataFrame:
    """The scoring rows with their levels, points (as written), rule and mandatory mark, ready to display."""
    check_lang(lang)
    c = rubric.criteria
    names = rubric.levels.set_index("id")["name_zh" if lang == "zh" else "name_en"]
    out = pd.DataFrame({
        "id": c["id"],
        # the levels in the source's own words (shaanxi-2020: 评估内容 / 一级指标 / 二级指标), as in the reports
        **{rubric.level_label(lv, lang): c[lv].map(names) for lv in ("level1", "level2", "level3")},
        tr("计分标准", "criterion", lang): c["text_zh"] if lang == "zh" else c["text_en"],
        tr("分值", "points", lang): c["points"].map(points_text),
        tr("计分规则", "rule", lang): c.apply(rule_text, axis=1, lang=lang),
        tr("必备条件", "mandatory", lang): c["mandatory"].map({True: "★", False: ""}),
    })
    return out.dropna(axis=1, how="all")


def sunburst(rubric: Rubric, lang: str = "zh") -> go.Figure:
    """Points of every level and row as a sunburst, every ring shown (the rows are the outer ring, so the
    mandatory rows' red shows); points in the hover as written (5, 0.5)."""
    check_lang(lang)
    lv = rubric.levels
    c = rubric.criteria
    name = "name_zh" if lang == "zh" else "name_en"
    has_points = rubric.max_points is not None
    # Rubrics without points (henan-2021) are drawn with equal slices per leaf.
    crit_value = c["points"] if has_points else pd.Series(1.0, index=c.index)
    parent = c["level3"].fillna(c["level2"]).fillna(c["level1"])
    ids = list(lv["id"]) + list(c["id"])
    labels = chart_texts(list(lv[name]) + [_short(t) for t in (c["text_zh"] if lang == "zh" else c["text_en"])])
    parents = [p or "" for p in lv["parent"]] + list(parent)
    values = [0.0] * len(lv) + list(crit_value)
    colors = ["#d0d7e2"] * len(lv) + ["#d9534f" if m else "#5b8fd9" for m in c["mandatory"]]
    hover = chart_texts(list(lv[name]) + list(c["text_zh"] if lang == "zh" else c["text_en"]))
    mark = tr("（必备条件）", " (mandatory)", lang)
    hover = [h + (mark if i >= len(lv) and c["mandatory"].iloc[i - len(lv)] else "") for i, h in enumerate(hover)]
    unit = tr("分", " points", lang) if has_points else tr("项", " rows", lang)
    fig = go.Figure(go.Sunburst(
        ids=ids, labels=labels, parents=parents, values=values, branchvalues="remainder",
        marker=dict(colors=colors, line=dict(color="white", width=0.5)), hovertext=hover,
        hovertemplate=f"%{{hovertext}}<br>%{{value}}{unit}<extra></extra>", maxdepth=-1,
        insidetextorientation="radial",
    ))
    title = rubric.title_zh if lang == "zh" else rubric.title_en
    note = tr("（红色：必备条件）", " (red: mandatory)", lang)
    fig.update_layout(title=chart_text(title + note), height=620, margin=dict(t=70, l=10, r=10, b=10))
    return fig


def _short(text: str, n: int = 14) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def structure(rubrics: list[Rubric], lang: str = "zh") -> pd.DataFrame:
    """Side-by-side structure of several rubrics: counts per level, points, mandatory rows, rule mix."""
    check_lang(lang)
    rows = []
    for r in rubrics:
        depth = r.levels["depth"].value_counts()
        rules = r.criteria["rule"].value_counts()
        rows.append({
            tr("评估标准", "rubric", lang): r.name,
            tr("方法", "method", lang): r.method,
            tr("满分", "max points", lang): points_text(r.max_points),
            # rubrics name their levels differently (shaanxi-2020's 一级指标 is its second level): name each
            tr("层级", "levels", lang): " / ".join(
                f"{r.level_label(f'level{d}', lang)} {int(depth.get(d, 0))}" for d in (1, 2, 3) if depth.get(d, 0)),
            tr("计分行数", "scoring rows", lang): len(r.criteria),
            tr("监测指标数", "monitoring metrics", lang): len(r.metrics),
            tr("必备条件数", "mandatory rows", lang): int(r.criteria["mandatory"].sum()),
            tr("认定/排除条件数", "certification conditions", lang): len(r.certification["conditions"]),
            tr("计分规则", "rules", lang): "、".join(f"{tr(*RULE_LABELS[k], lang)}×{v}" for k, v in rules.items()),
        })
    return pd.DataFrame(rows)


def level_points_figure(rubrics: list[Rubric], lang: str = "zh") -> go.Figure:
    """Share of points by level-1 area, one bar per rubric (rubrics without points: share of rows)."""
    fig = go.Figure()
    for r in rubrics:
        c = r.criteria
        weight = c["points"] if r.max_points is not None else pd.Series(1.0, index=c.index)
        share = weight.groupby(c["level1"]).sum() / weight.sum() * 100
        names = r.levels.set_index("id")["name_zh" if lang == "zh" else "name_en"]
        fig.add_bar(y=[chart_text(r.name)] * len(share), x=share.values, orientation="h",
                    text=chart_texts(names[i] for i in share.index), name=chart_text(r.name),
                    hovertemplate="%{text}: %{x:.1f}%")
    fig.update_layout(barmode="stack", showlegend=False,
                      title=tr("各一级指标所占比重（%）", "Share of each level-1 area (%)", lang),
                      xaxis_title="%", height=320)
    return fig
