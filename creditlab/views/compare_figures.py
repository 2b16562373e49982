"""Charts, sentences and the page of a comparison of two rubrics or two weightings (``parameterised/compare.ipynb``).

:class:`CompareReport` checks the notebook's parameters (every problem at once, Chinese by default, with the check
of ``creditlab compare``: :mod:`creditlab.views.compare_inputs`, whose names are re-exported here), loads both
sides' inputs, runs :func:`creditlab.analysis.compare.compare` once and writes each section: the header with the
banner for synthetic inputs, how the units were matched, the summary statistics, the rank-shift chart
(:func:`rank_shift_figure`, county names on the axis), the table of verdicts that change, the full table; and,
with ``output``, the page ``<stem>.html`` (beside one shared local ``plotly.min.js``) and ``<stem>.xlsx``
(:func:`~creditlab.views.compare_inputs.compare_stem`: one name per pair of sides, year and scope).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis.compare import NO_CONDITIONS, NOT_SUBMITTED, Comparison, Outcome, compare
from ..analysis.model import Evaluation
from ..analysis.points import rank_words
from ..core.atomic import write_text
from ..core.errors import CreditlabError
from ..core.i18n import fmt_num, signed, tr
from ..core.labels import VERDICT_COLORS, VERDICT_WORDS
from ..core.safecells import write_xlsx
from ..loaders.data import assessment_units
from ..loaders.regions import in_city
from . import figures as _figures  # noqa: F401  (offline renderer and template for every chart built here)
from .banner import banner_html, banner_sheet, banner_text, synthetic_roles
from .compare_inputs import PARAMETER_SPEC, CompareError, check_compare_params, compare_problems, compare_stem
from .figures import chart_texts, copy_plotly_js, figure_html
from .htmlpage import COMPONENT_CSS, esc, page, table
from .report import evaluate

COLORS = {"a": "#1f5f99", "b": "#d9480f", "up": "#1e7b34", "down": "#b42318", "same": "#9aa5b1"}
# Verdicts of a comparison beyond the certification's own: no data, no conditions.
EXTRA_WORDS = {NOT_SUBMITTED: ("未报送", "not submitted"), NO_CONDITIONS: ("无认定条件", "no conditions")}


def verdict_words(verdict: str, lang: str = "zh") -> str:
    """A verdict of either side in words (未报送 and 无认定条件 included)."""
    zh, en = VERDICT_WORDS.get(verdict) or EXTRA_WORDS.get(verdict, (verdict, verdict))
    return tr(zh, en, lang)


def side_label(side: Outcome, lang: str = "zh", short: bool = False) -> str:
    """One side in words: the rubric and the weights (现行权重 or the scenario's name)."""
    weights = side.scenario.name(lang) if side.scenario is not None else tr("现行权重", "rubric's weights", lang)
    if short:
        return f"{side.rubric.name} · {weights}"
    title = side.rubric.title_zh if lang == "zh" else side.rubric.title_en
    return tr(f"{title}（{side.rubric.name}），{weights}", f"{title} ({side.rubric.name}), {weights}", lang)


def _labels(t: pd.DataFrame, lang: str) -> list[str]:
    """Unit names for a chart axis; a name shared by two units gets its code (axis categories must differ)."""
    names = t["name"].astype(str)
    dup = names.duplicated(keep=False)
    zone = tr("（开发区）", " (zone)", lang)
    out = np.where(dup, names + " " + t["region"].astype(str), names)
    return chart_texts(n + (zone if p else "") for n, p in zip(out, t["is_park"], strict=True))


def rank_shift_figure(comp: Comparison, lang: str = "zh") -> go.Figure:
    """Each compared unit's rank under A and under B joined by a line, names on the axis, best at the top
    (zones after the counties, ranked among the zones)."""
    t = comp.compared.sort_values(["is_park", "rank_a", "rank_b", "region"])
    names = _labels(t, lang)
    ra, rb = t["rank_a"].to_numpy(float), t["rank_b"].to_numpy(float)
    change = t["rank_change"].to_numpy(float)
    pos = np.arange(len(t), dtype=float)  # numeric positions named by the ticks: no category gaps
    xs = np.c_[ra, rb, np.full(len(t), np.nan)].ravel()
    ys = np.c_[pos, pos, np.full(len(t), np.nan)].ravel()
    words_a = [rank_words(r, bool(x), lang) for r, x in zip(ra, t["tied_a"].fillna(False), strict=True)]
    words_b = [rank_words(r, bool(x), lang) for r, x in zip(rb, t["tied_b"].fillna(False), strict=True)]
    move = [tr(f"上升{int(c)}位", f"up {int(c)}", lang) if c > 0 else tr(f"下降{int(-c)}位", f"down {int(-c)}", lang)
            if c < 0 else tr("不变", "unchanged", lang) for c in change]
    label_a, label_b = side_label(comp.a, lang, short=True), side_label(comp.b, lang, short=True)
    fig = go.Figure([
        go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=COLORS["same"], width=2), hoverinfo="skip",
                   showlegend=False),
        go.Scatter(x=ra, y=pos, text=names, mode="markers", name=chart_texts([f"A：{label_a}"])[0],
                   marker=dict(color=COLORS["a"], size=8), customdata=np.c_[words_a, move],
                   hovertemplate="%{text}: A %{customdata[0]} (%{customdata[1]})<extra></extra>"),
        go.Scatter(x=rb, y=pos, text=names, mode="markers", name=chart_texts([f"B：{label_b}"])[0],
                   marker=dict(color=COLORS["b"], size=8, symbol="diamond"), customdata=np.c_[words_b, move],
                   hovertemplate="%{text}: B %{customdata[0]} (%{customdata[1]})<extra></extra>"),
    ])
    fig.update_yaxes(range=[len(t) - 0.5, -0.5], tickmode="array", tickvals=pos, ticktext=names, tickfont=dict(size=11),
                     showgrid=False, zeroline=False)
    fig.update_xaxes(side="top", rangemode="tozero")
    height = int(min(3000, max(320, 18 * len(t) + 160)))
    # The legend above the rank ticks on top: 30 px higher, in paper units of the plot area.
    fig.update_layout(height=height, margin=dict(t=140, b=30),
                      legend=dict(orientation="h", y=1 + 30 / (height - 170), yanchor="bottom", x=0),
                      title=tr("两种评价下的排名（1为最好；同一地区以线相连）",
                               "Ranks under A and B (1 = best; one line per region)", lang))
    return fig


def score_figure(comp: Comparison, lang: str = "zh") -> go.Figure:
    """Score under A against score under B, one point per compared unit, coloured by the verdict under B."""
    t = comp.compared
    fig = go.Figure()
    for verdict, g in t.groupby("verdict_b", sort=True):
        fig.add_trace(go.Scatter(
            x=g["score_a"], y=g["score_b"], mode="markers", name=chart_texts([verdict_words(verdict, lang)])[0],
            marker=dict(color=VERDICT_COLORS.get(verdict, COLORS["same"]), size=8), text=_labels(g, lang),
            hovertemplate="%{text}: A %{x:.1f} · B %{y:.1f}<extra></extra>"))
    fig.update_xaxes(title=chart_texts([f"A：{side_label(comp.a, lang, short=True)}"])[0])
    fig.update_yaxes(title=chart_texts([f"B：{side_label(comp.b, lang, short=True)}"])[0])
    fig.update_layout(height=480, margin=dict(t=110), title=tr("两种评价下的得分（颜色为B的认定结论）",
                                                               "Scores under A and B (colour: verdict under B)", lang),
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0))
    return fig


# --------------------------------------------------------------------------------------------
# Sentences and tables


def _join(names: list[str], lang: str, k: int = 8) -> str:
    sep = "、" if lang == "zh" else ", "
    text = sep.join(names[:k])
    if len(names) > k:
        text += tr(f"等{len(names)}个", f" and {len(names) - k} more", lang)
    return text


def matching_sentence(comp: Comparison, lang: str = "zh") -> str:
    """How the units were matched: by division code, only those with data under both compared."""
    n = comp.counts()
    t = comp.table
    only_a = t[(t["verdict_a"] != NOT_SUBMITTED) & (t["verdict_b"] == NOT_SUBMITTED)]["name"].astype(str).tolist()
    only_b = t[(t["verdict_a"] == NOT_SUBMITTED) & (t["verdict_b"] != NOT_SUBMITTED)]["name"].astype(str).tolist()
    neither = t[(t["verdict_a"] == NOT_SUBMITTED) & (t["verdict_b"] == NOT_SUBMITTED)]["name"].astype(str).tolist()
    out = [tr(f"按行政区划代码匹配：A方有{n['a']}个地区有数据，B方有{n['b']}个，"
              f"两方都有数据的{n['compared']}个参与比较；"
              "排名在这些地区中重新计算（县（市、区）与开发区分别排名，得分相同者并列）。",
              f"Regions are matched by division code: {n['a']} have data under A, {n['b']} under B, and the "
              f"{n['compared']} with data under both are compared; ranks are taken among them (counties and "
              "development zones separately, equal scores tied).", lang)]
    if only_a:
        out.append(tr(f"仅A方有数据（B方未报送，不参与比较）：{_join(only_a, lang)}。",
                      f"Data under A only (not submitted under B, not compared): {_join(only_a, lang)}.", lang))
    if only_b:
        out.append(tr(f"仅B方有数据（A方未报送，不参与比较）：{_join(only_b, lang)}。",
                      f"Data under B only (not submitted under A, not compared): {_join(only_b, lang)}.", lang))
    if neither:
        out.append(tr(f"两方均未报送：{_join(neither, lang)}（不计为0分）。",
                      f"Not submitted under either: {_join(neither, lang)} (no data is not zero points).", lang))
    return "".join(out) if lang == "zh" else " ".join(out)


def summary_sentence(comp: Comparison, lang: str = "zh") -> str:
    """Spearman's ρ, the mean rank shift and the verdict changes, per population, in words."""
    out = []
    for r in comp.summary.itertuples():
        pop = (tr("县（市、区）", "counties", lang) if r.population == "county"
               else tr("开发区", "development zones", lang))
        rho = fmt_num(r.spearman, 3)
        s = tr(f"{r.n}个{pop}：排名的斯皮尔曼相关系数ρ={rho}，平均排名变动R̄S={fmt_num(r.mean_rank_shift, 2)}位"
               f"（最大{r.max_rank_shift}位）",
               f"{r.n} {pop}: Spearman's rank correlation ρ = {rho}, mean rank shift R̄S = "
               f"{fmt_num(r.mean_rank_shift, 2)} places (at most {r.max_rank_shift})", lang)
        if r.verdicts_compared:
            s += tr(f"，{r.verdicts_compared}个两方都有认定结论的地区中{r.verdict_changes}个结论改变。",
                    f"; of {r.verdicts_compared} with a verdict under both, {r.verdict_changes} change.", lang)
        else:
            s += tr("；至少一方没有认定条件，不比较认定结论。",
                    "; at least one side has no certification conditions, so verdicts are not compared.", lang)
        out.append(s)
    return "".join(out) if lang == "zh" else " ".join(out)


def _rank_cell(rank: Any, tied: Any, lang: str) -> str:
    return "—" if pd.isna(rank) else rank_words(int(rank), bool(tied) if not pd.isna(tied) else False, lang)


def changes_table(comp: Comparison, lang: str = "zh") -> str:
    """The verdicts that change, then the ten largest rank moves, as an HTML table."""
    c = comp.compared
    changed = c[c["verdict_changed"].fillna(False).astype(bool)]
    moved = c.reindex(c["rank_change"].abs().sort_values(ascending=False, kind="stable").index)
    moved = moved[moved["rank_change"].fillna(0) != 0].head(10)
    rows = pd.concat([changed, moved]).drop_duplicates("region")
    if rows.empty:
        return f'<p>{esc(tr("没有地区的排名或认定结论改变。", "No rank or verdict changes.", lang))}</p>'
    return table(*_rows(rows, lang), numeric=(2, 3, 4, 5, 6))


def _rows(t: pd.DataFrame, lang: str) -> tuple[list[str], list[list[Any]]]:
    cols = [tr("地区", "Region", lang), tr("所属市", "City", lang), tr("A得分", "Score A", lang),
            tr("B得分", "Score B", lang), tr("A排名", "Rank A", lang), tr("B排名", "Rank B", lang),
            tr("排名变动（正为B更靠前）", "Rank change (+: higher under B)", lang),
            tr("A结论", "Verdict A", lang), tr("B结论", "Verdict B", lang)]
    rows = [[r.name, r.city, fmt_num(r.score_a), fmt_num(r.score_b), _rank_cell(r.rank_a, r.tied_a, lang),
             _rank_cell(r.rank_b, r.tied_b, lang), "—" if pd.isna(r.rank_change) else signed(r.rank_change, 0),
             verdict_words(r.verdict_a, lang), verdict_words(r.verdict_b, lang)] for r in t.itertuples()]
    return cols, rows


def workbook_frames(comp: Comparison, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The sheets of the comparison's workbook: the full table and the summary, headers in the report's language."""
    t = comp.table
    table_frame = pd.DataFrame({
        tr("代码", "Code", lang): t["region"], tr("地区", "Region", lang): t["name"],
        tr("所属市", "City", lang): t["city"],
        tr("开发区", "Zone", lang): t["is_park"].map({True: tr("是", "yes", lang), False: tr("否", "no", lang)}),
        tr("参与比较", "Compared", lang): t["compared"].map({True: tr("是", "yes", lang), False: tr("否", "no", lang)}),
        tr("A得分", "Score A", lang): t["score_a"].round(6), tr("B得分", "Score B", lang): t["score_b"].round(6),
        tr("A未评估分值", "Not assessed A", lang): t["missing_a"],
        tr("B未评估分值", "Not assessed B", lang): t["missing_b"],
        tr("A排名", "Rank A", lang): t["rank_a"].astype(object),
        tr("B排名", "Rank B", lang): t["rank_b"].astype(object),
        tr("排名变动（正为B更靠前）", "Rank change (positive: higher under B)", lang): t["rank_change"].astype(object),
        tr("A结论", "Verdict A", lang): [verdict_words(v, lang) for v in t["verdict_a"]],
        tr("B结论", "Verdict B", lang): [verdict_words(v, lang) for v in t["verdict_b"]],
        tr("结论改变", "Verdict changed", lang): t["verdict_changed"].map(
            lambda v: "" if pd.isna(v) else tr("是", "yes", lang) if v else tr("否", "no", lang)),
    })
    s = comp.summary
    summary = pd.DataFrame({
        tr("范围", "Population", lang): s["population"].map(
            {"county": tr("县（市、区）", "counties", lang), "zone": tr("开发区", "development zones", lang)}),
        tr("参与比较的地区数", "Regions compared", lang): s["n"],
        tr("斯皮尔曼相关系数", "Spearman's rho", lang): s["spearman"],
        tr("平均排名变动", "Mean rank shift", lang): s["mean_rank_shift"],
        tr("最大排名变动", "Largest rank shift", lang): s["max_rank_shift"],
        tr("两方都有结论的地区数", "Verdicts compared", lang): s["verdicts_compared"],
        tr("结论改变数", "Verdict changes", lang): s["verdict_changes"],
    })
    sides = pd.DataFrame({tr("方", "Side", lang): ["A", "B"],
                          tr("评价", "Evaluation", lang): [side_label(comp.a, lang), side_label(comp.b, lang)],
                          tr("年度", "Year", lang): [comp.a.year, comp.b.year]})
    return {tr("比较", "comparison", lang): table_frame, tr("汇总", "summary", lang): summary,
            tr("说明", "sides", lang): sides}


# --------------------------------------------------------------------------------------------
# The parameterised notebook


def _wrap(inner: str) -> str:
    return f'<div class="creditlab">{inner}</div>'


@dataclass
class CompareReport:
    """What ``compare.ipynb`` shows and writes; the comparison runs once."""

    comparison: Comparison
    params: dict[str, Any]
    synthetic: tuple[str, ...]          # roles of the synthetic inputs; the banner names them
    scope_words: str = ""
    inputs: list[Path] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.params["language"]

    def t(self, zh: str, en: str) -> str:
        return tr(zh, en, self.lang)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> CompareReport:
        """Check the values of type-checked parameters, load both sides and compare them."""
        p = dict(params)
        sides = check_compare_params(p)  # every problem at once; the same check as ``creditlab compare``
        lang = p["language"]
        evs: dict[tuple, Evaluation] = {}
        try:
            for side in sides.values():
                k = (side.inputs.rubric, side.inputs.data, side.inputs.context)
                if k not in evs:  # one rubric under two weightings: evaluated once
                    evs[k] = evaluate(side.inputs)
            ev_a, ev_b = (evs[(s.inputs.rubric, s.inputs.data, s.inputs.context)] for s in (sides["a"], sides["b"]))
            regions, scope_words = _scope(p["city"], p["province"], ev_a, ev_b, lang)
            comp = compare(ev_a, ev_b, p["year"], weights_a=sides["a"].scenario, weights_b=sides["b"].scenario,
                           regions=regions)
        except CompareError:
            raise
        except (CreditlabError, ValueError) as exc:
            raise CompareError(str(exc)) from None
        files = [*sides["a"].inputs.files(), *sides["b"].inputs.files()]
        roles = tuple(synthetic_roles([(r, f) for r, f in files if r in ("data", "context")]))
        paths = sorted({f for r, f in files if r in ("data", "context")})
        return cls(comparison=comp, params=p, synthetic=roles, scope_words=scope_words, inputs=paths)

    # Sections.
    def header_html(self) -> str:
        c = self.comparison
        title = self.t(f"评价比较：同一批地区在两种评价下的排名与认定（{c.a.year}年）",
                       f"Comparison: the same regions under two evaluations ({c.a.year})")
        lines = (f"<p><b>A</b>：{esc(side_label(c.a, self.lang))}<br><b>B</b>：{esc(side_label(c.b, self.lang))}"
                 + (f"<br>{esc(self.t('范围：', 'Scope: ') + self.scope_words)}" if self.scope_words else "")
                 + "</p>")
        banner = banner_html(self.lang, self.synthetic) if self.synthetic else ""
        return f"<style>{COMPONENT_CSS}</style>{banner}" + _wrap(f"<h1>{esc(title)}</h1>{lines}")

    def summary_html(self) -> str:
        c = self.comparison
        head = self.t("排名与认定的一致程度", "How far the two agree")
        stats = (f"<p>{esc(summary_sentence(c, self.lang))}</p>"
                 f'<p class="note">{esc(matching_sentence(c, self.lang))}</p>'
                 f'<p class="note">{esc(self._method_note())}</p>')
        return _wrap(f"<h2>{esc(head)}</h2>{stats}")

    def _method_note(self) -> str:
        return self.t("斯皮尔曼相关系数为两种排名的皮尔逊相关系数（并列者取平均名次），1表示排名完全一致；"
                      "平均排名变动R̄S为各地区两种排名之差的绝对值的平均数；认定结论改变指一方符合（或符合参评条件）而另一方不符合，"
                      "或仅一方暂无法判定。",
                      "Spearman's ρ is the Pearson correlation of the two rankings (tied regions take their mean "
                      "rank); 1 means the same order. The mean rank shift R̄S is the mean absolute difference "
                      "between a region's two ranks. A verdict changes when it passes under one side and not the "
                      "other, or is undecided under one side only.")

    def rank_figure(self) -> go.Figure:
        return rank_shift_figure(self.comparison, self.lang)

    def score_figure(self) -> go.Figure:
        return score_figure(self.comparison, self.lang)

    def changes_html(self) -> str:
        head = self.t("认定结论改变和排名变动最大的地区", "Verdicts that change and the largest rank moves")
        return _wrap(f"<h2>{esc(head)}</h2>{changes_table(self.comparison, self.lang)}")

    def table_html(self) -> str:
        head = self.t("全部地区", "Every region")
        cols, rows = _rows(self.comparison.table, self.lang)
        summary = self.t("展开全部地区的比较表", "Show the table of every region")
        return _wrap(f"<h2>{esc(head)}</h2><details><summary>{esc(summary)}</summary>"
                     + table(cols, rows, numeric=(2, 3, 4, 5, 6)) + "</details>")

    def page_html(self) -> str:
        """The whole page (the sections and both charts), loading ``plotly.min.js`` from beside it."""
        body = (self.header_html() + self.summary_html()
                + figure_html(self.rank_figure(), div_id="creditlab-compare-ranks")
                + figure_html(self.score_figure(), div_id="creditlab-compare-scores")
                + self.changes_html() + self.table_html())
        title = self.t("评价比较", "Comparison")
        return page(title, body, lang=self.lang)

    @property
    def file_stem(self) -> str:
        """The name of the outputs (:func:`~creditlab.views.compare_inputs.compare_stem`)."""
        return compare_stem(self.params)

    def write(self, folder: str | Path | None = None) -> dict[str, Path]:
        """Write ``<file_stem>.html`` (with ``plotly.min.js`` beside it) and ``<file_stem>.xlsx`` into ``folder``
        (default: the ``output`` parameter; nothing is written without one)."""
        folder = folder if folder is not None else (self.params["output"].strip() or None)
        if folder is None:
            return {}
        folder = Path(folder).expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        copy_plotly_js(folder)
        html_path = write_text(folder / f"{self.file_stem}.html", self.page_html())
        banner = banner_text(self.lang, self.synthetic) if self.synthetic else ""
        xlsx = write_xlsx({**banner_sheet(banner, self.lang), **workbook_frames(self.comparison, self.lang)},
                          folder / f"{self.file_stem}.xlsx")
        return {"html": html_path, "xlsx": xlsx}

    def written_html(self, paths: dict[str, Path]) -> str:
        """A line saying where the page and the workbook are (nothing without ``output``)."""
        if not paths:
            text = self.t("未指定output，未写出文件。", "No output folder given: nothing written.")
            return _wrap(f'<p class="note">{esc(text)}</p>')
        items = "".join(f"<li><code>{esc(p)}</code></li>" for p in paths.values())
        return _wrap(f'<p class="note">{esc(self.t("已写出：", "Written:"))}</p><ul class="provenance">{items}</ul>')


def _scope(city: str, province: str, a: Evaluation, b: Evaluation, lang: str) -> tuple[list[str] | None, str]:
    """The units listed (a city's or a province's, or every unit in either data: None) and the scope in words."""
    if not city.strip() and not province.strip():
        return None, ""
    units = (assessment_units(province.strip()) if province.strip()
             else pd.concat([a.units, b.units]).drop_duplicates("code"))
    words = province.strip()
    if city.strip():
        units = units[in_city(units, city.strip())]
        if units.empty:
            raise CompareError(tr(f"未知的城市 {city!r}", f"unknown city {city!r}", lang))
        words = str(units["city"].iloc[0])
    return units["code"].astype(str).tolist(), words


__all__ = ["PARAMETER_SPEC", "CompareError", "CompareReport", "changes_table", "check_compare_params",
           "compare_problems", "matching_sentence", "rank_shift_figure", "score_figure", "side_label",
           "summary_sentence", "verdict_words", "workbook_frames"]
