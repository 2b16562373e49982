"""The scenario explorer (``notebooks/02_scenario_explorer.ipynb``, served by ``creditlab app``).

The notebook is three lines: build one :class:`ScenarioExplorer` from its parameters and show its widgets.
Everything else lives here:

* slider steps and ranges that suit each indicator (:func:`indicator_steps`, :func:`slider_max`) and
  presets snapped to them with the total kept (:func:`snap`);
* one evaluation per redraw (:meth:`ScenarioExplorer.outputs`): the verdict-change table
  (:func:`creditlab.views.sensitivity_figures.explorer_html` of that evaluation), the score chart with the
  counties' names (:func:`score_chart`), the county map hook (:func:`county_map_chart`), the weights chart
  and the A/B comparison (:func:`compare_html`);
* charts built as plain plotly figure dicts (no per-point validation), drawn two ways, each sending a
  figure once in one MIME type — no ``FigureWidget`` (it needs ``anywidget``), no network:

  - in JupyterLab (and nbval): ``application/vnd.plotly.v1+json`` outputs, drawn by the plotly extension;
  - in ``creditlab app`` (``$CREDITLAB_PLOTLY_JS`` set to the local plotly.js Voilà serves): a small
    ``text/html`` script that calls ``Plotly.react`` on chart divs that stay in the page. The extension's
    renderer draws each new output three times (react, redraw/resize, and ``toImage`` for a PNG copy);
    ``react`` on a standing div draws once and only what changed (the browser redraw aim: < 300 ms);
* saving a scenario in the ``data/scenarios/`` format (:func:`save_scenario`) and exporting its results
  to Excel (:func:`export_results`), both atomic, names checked, cells safe.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import math
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import yaml
from IPython.display import display

from ..analysis.certification import positive_verdict
from ..analysis.points import rank_words
from ..analysis.sensitivity import WeightModel
from ..analysis.weights import Scenario, ScenarioError, load_scenarios, scenarios_path
from ..core.atomic import write_text
from ..core.errors import CreditlabError
from ..core.i18n import check_lang, fmt_num, tr
from ..core.labels import VERDICT_COLORS, VERDICT_WORDS
from ..core.paths import reports_dir
from ..core.problems import default_lang
from ..core.safecells import write_xlsx
from ..core.yamlio import load_yaml
from ..loaders.data import load_data
from ..loaders.rubric import Rubric, list_rubrics
from .banner import banner_html
from .figures import FONT_FAMILY, chart_text
from .htmlpage import COMPONENT_CSS, esc, table
from .maps import county_map
from .report_inputs import resolve_inputs
from .sensitivity_figures import explorer_html, load_model, scenarios_html, score_threshold

PLOTLY_MIME = "application/vnd.plotly.v1+json"
PLOTLY_URL_ENV = "CREDITLAB_PLOTLY_JS"  # set by creditlab app: where the page loads plotly.js from (local)
# Candidate slider steps, coarsest first: an indicator's step is the coarsest that divides its points and the points
# of every row under it, at most one point (A1 of shaanxi-2020 has half-point rows: 0.5; C1's 5-point rows: 1).
STEPS = (1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.01)
NAMED_BARS_MAX = 150   # above this many regions the score chart names them in the hover only
SCENARIO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}")
NOMINAL = "nominal"
MUTED = "#9aa5b1"


class ExplorerError(CreditlabError):
    """A scenario cannot be saved or exported (bad name, existing file, …); the message says why."""


# --------------------------------------------------------------------------------------------
# Sliders: step, range, snapping


def _divides(step: float, value: float) -> bool:
    q = value / step
    return abs(q - round(q)) < 1e-9


def indicator_steps(rubric: Rubric, ids: list[str]) -> pd.Series:
    """Per weight id, the slider step: the coarsest of :data:`STEPS` dividing the indicator's points and the
    points of every scoring row under it."""
    lv = rubric.levels.set_index("id")
    c = rubric.criteria
    out = {}
    for i in ids:
        depth = int(lv.loc[i, "depth"])
        rows = c.loc[c[f"level{depth}"] == i, "points"].dropna().astype(float).tolist()
        values = [v for v in [*rows, float(lv.loc[i, "points"])] if v == v and v > 0]
        out[i] = next((s for s in STEPS if all(_divides(s, v) for v in values)), STEPS[-1])
    return pd.Series(out, name="step")


def slider_max(nominal: float, step: float) -> float:
    """Twice the written points, on the step (a slider of 0…2× moves about 1 % of its range per pixel)."""
    return round(math.ceil(2 * nominal / step - 1e-9) * step, 6)


def snap(weights: pd.Series, steps: pd.Series, total: float) -> pd.Series:
    """``weights`` on each indicator's step, summing to ``total`` when the steps allow it.

    Each weight is rounded to its step; the rounding's remainder is then given back a step at a time to the
    weights that lost most (largest-remainder rounding), so a preset such as 成效优先 shows 4 and 8, not 3.75
    and 7.5, and keeps the rubric's total."""
    w = weights.astype(float)
    st = steps.reindex(w.index).astype(float)
    snapped = (w / st).round() * st
    for _ in range(4 * len(w)):
        diff = total - float(snapped.sum())
        if abs(diff) < 1e-9:
            break
        sign = 1.0 if diff > 0 else -1.0
        fits = st <= abs(diff) + 1e-9
        if not fits.any():
            break
        gain = (w - snapped) * sign  # how much each weight lost in the direction we move
        gain = gain.where(fits & (snapped + sign * st >= 0), -np.inf)
        k = gain.idxmax()
        snapped[k] += sign * st[k]
    return snapped.round(6).rename("weight")


# --------------------------------------------------------------------------------------------
# Charts: plain figure dicts, one MIME type


def _layout(title: str, height: int, **extra: Any) -> dict[str, Any]:
    """The creditlab look (fonts, white background) without sending plotly's whole template each redraw.

    The title sits at the top of the figure and the legend in its own band 48 px below the figure's top, above
    the plot's top margin (the old chart's title overlapped its legend); the caller leaves ≥ 110 px of margin
    when the x axis is on top."""
    return {
        "title": {"text": chart_text(title), "x": 0, "xanchor": "left", "xref": "paper",
                  "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 12}},
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1 - 48 / height, "yanchor": "top",
                   "yref": "container"},
        "font": {"family": FONT_FAMILY, "size": 13},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "height": height,
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        **extra,
    }


def _verdict_word(v: str, lang: str) -> str:
    return tr(*VERDICT_WORDS.get(v, (v, v)), lang)


def _text_width(text: str, size: int = 11) -> int:
    """Rough width in pixels of ``text`` at ``size`` px: CJK characters are square, Latin ones about half."""
    return int(sum(size if ord(ch) >= 0x2E80 else 0.6 * size for ch in text))


def score_chart(evaluation: pd.DataFrame, threshold: float | None, lang: str = "zh",
                title: str | None = None, top: float | None = None) -> dict[str, Any]:
    """Scores under the chosen weights as horizontal bars, one per region, named on the axis (up to
    :data:`NAMED_BARS_MAX` regions; always in the hover), coloured by verdict (one trace and one colour per
    verdict, so the legend explains the colours), with the rubric's scores as ticks and the pass mark.

    Both axes have fixed ranges and the left margin is computed from the names (no ``automargin``), so a
    slider move changes only the data: ``Plotly.react`` then redraws the bars, not the axes and margins
    (``top``: the rubric's maximum, the x axis' end)."""
    # Fixed order (the rubric's ranking): a slider move changes the bars' lengths and colours, never which row
    # a name is on — the names column of the app then never needs redrawing (see ``names_column``).
    order = [c for c in ("is_park", "nominal_rank", "region") if c in evaluation.columns]
    e = evaluation.sort_values(order, kind="stable") if order else evaluation
    n = len(e)
    pos = np.arange(n)
    names = [chart_text(x) for x in e["name"]]
    ranks = [rank_words(r, t, lang) for r, t in zip(e["rank"].tolist(), e["tied"].tolist(), strict=True)]
    now = [rank_words(r, t, lang) for r, t in zip(e["nominal_rank"].tolist(), e["nominal_tied"].tolist(),
                                                  strict=True)]
    score = e["score"].to_numpy(float)
    nominal = e["nominal_score"].to_numpy(float)
    verdicts = e["verdict"].to_numpy(object)
    # The browser formats the hover from the names, ranks and scores (no per-region string building here).
    names_arr = np.asarray(names, dtype=object)
    extra = np.empty((n, 3), dtype=object)
    extra[:, 0], extra[:, 1], extra[:, 2] = ranks, nominal.round(4), now
    template = tr("%{hovertext}：%{x:.1f}分，%{customdata[0]}（现行%{customdata[1]:.1f}分，%{customdata[2]}）",
                  "%{hovertext}: %{x:.1f}, %{customdata[0]} (now %{customdata[1]:.1f}, %{customdata[2]})",
                  lang) + "<extra></extra>"
    data: list[dict[str, Any]] = []
    for v in dict.fromkeys(verdicts.tolist()):
        m = verdicts == v
        data.append({"type": "bar", "orientation": "h", "x": score[m].round(4).tolist(), "y": pos[m].tolist(),
                     "name": _verdict_word(v, lang), "marker": {"color": VERDICT_COLORS.get(v, MUTED)},
                     "hovertext": names_arr[m].tolist(), "customdata": extra[m].tolist(),
                     "hovertemplate": template})
    data.append({"type": "scatter", "mode": "markers", "x": nominal.round(4).tolist(), "y": pos.tolist(),
                 "name": tr("现行权重得分", "score under the rubric's weights", lang), "hoverinfo": "skip",
                 "marker": {"color": "#d9480f", "symbol": "line-ns-open", "size": 10, "line": {"width": 2}}})
    named = n <= NAMED_BARS_MAX
    height = max(360, 17 * n + 150) if named else 640
    shapes, notes = [], []
    if threshold is not None and threshold == threshold:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": threshold, "x1": threshold,
                       "y0": 0, "y1": 1, "layer": "above", "line": {"color": "#1e7b34", "dash": "dash"}})
        notes.append({"xref": "x", "yref": "paper", "x": threshold, "y": 0, "yanchor": "top", "showarrow": False,
                      "text": tr(f"认定分数线 {threshold:g}", f"pass mark {threshold:g}", lang)})
    yaxis = {"autorange": False, "range": [n - 0.5, -0.5], "zeroline": False,
             "tickmode": "array", "tickvals": pos.tolist() if named else [], "ticktext": names if named else [],
             "tickfont": {"size": 11}}
    finite = [v for v in (top, np.nanmax(score) if n else None, np.nanmax(nominal) if n else None)
              if v is not None and np.isfinite(v)]
    x_end = 5 * math.ceil(max(finite, default=100.0) / 5 + 1e-9)
    left = (max((_text_width(x) for x in names), default=0) + 16) if named else 60
    if not named:
        yaxis["title"] = {"text": tr(f"{n}个地区（按排名，悬停查看名称）", f"{n} regions by rank (hover for names)",
                                     lang)}
    default_title = tr("调整权重后的得分与认定结果（按现行排名排列）",
                       "Scores and verdicts under these weights (in the rubric's ranking order)", lang)
    layout = _layout(title or default_title, height,
                     barmode="overlay", bargap=0.25, yaxis=yaxis, shapes=shapes, annotations=notes,
                     xaxis={"title": {"text": tr("得分", "score", lang)}, "gridcolor": "#e5e9f0", "side": "top",
                            "range": [0, x_end], "autorange": False},
                     margin={"t": 130, "l": left, "r": 20, "b": 40}, uirevision="scores")
    return {"data": data, "layout": layout}


def names_column(fig: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The score chart without its tick labels, and those labels as an HTML column to stand on its left.

    Plotly redraws every tick label on every update (115 Chinese names: ~90 % of a redraw's time in the
    browser); names in plain HTML beside the plot are drawn once per model, the plot then redraws only bars.
    The column has the figure's height and each name sits at its row's centre (fixed y range, fixed margins).
    """
    lay = fig["layout"]
    yaxis = lay["yaxis"]
    height, top, bottom, left = lay["height"], lay["margin"]["t"], lay["margin"]["b"], lay["margin"]["l"]
    lo, hi = yaxis["range"]
    plot = height - top - bottom
    spans = "".join(
        f'<span style="position:absolute;right:6px;top:{top + (v - hi) / (lo - hi) * plot - 8:.1f}px;'
        f'line-height:16px;font-size:11px;white-space:nowrap">{text}</span>'  # text: chart_text, escaped
        for v, text in zip(yaxis["tickvals"], yaxis["ticktext"], strict=True))
    column = (f'<div class="creditlab-names" style="position:relative;flex:none;width:{left}px;'
              f'height:{height}px;font-family:{html.escape(FONT_FAMILY)}">{spans}</div>')
    bare = {**fig, "layout": {**lay, "yaxis": {**yaxis, "showticklabels": False},
                              "margin": {**lay["margin"], "l": 4}}}
    return bare, column


def weights_chart(model: WeightModel, weights: pd.Series, lang: str = "zh") -> dict[str, Any]:
    """The weights in use (renormalised) beside the rubric's, one bar pair per indicator."""
    labels = [chart_text(f"{i} {n}") for i, n in zip(model.ids, model.indicator_names(lang), strict=True)]
    data = [
        {"type": "bar", "x": labels, "y": model.nominal.round(4).tolist(),
         "name": tr("现行权重", "rubric's weights", lang), "marker": {"color": MUTED}},
        {"type": "bar", "x": labels, "y": weights.reindex(model.ids).round(4).tolist(),
         "name": tr("调整后权重", "weights in use", lang), "marker": {"color": "#1f5f99"}},
    ]
    return {"data": data, "layout": _layout(tr("权重（分）", "Weights (points)", lang), 380, barmode="group",
                                            xaxis={"tickangle": -30, "automargin": True},
                                            yaxis={"gridcolor": "#e5e9f0"}, margin={"t": 90, "l": 50, "r": 20})}


def county_map_chart(model: WeightModel, evaluation: pd.DataFrame, lang: str = "zh") -> dict[str, Any] | None:
    """The county map (示意图) of the verdicts under these weights, the score in the hover; ``None`` when no
    region of the evaluation has a shape (a rubric on development zones only)."""
    e = evaluation[~evaluation["is_park"]] if "is_park" in evaluation.columns else evaluation
    if e.empty:
        return None
    details = {str(r): tr(f"得分 {fmt_num(s)}", f"score {fmt_num(s)}", lang)
               for r, s in zip(e["region"], e["score"], strict=True)}
    fig = county_map(dict(zip(e["region"].astype(str), e["verdict"], strict=True)), kind="verdict", lang=lang,
                     details=details, height=460,
                     title=tr("调整权重后的认定结果（示意图）", "Verdicts under these weights (schematic map)", lang))
    return json.loads(fig.to_json())  # plain lists: the app's script embeds it as JSON


def plotly_output(fig: Mapping[str, Any] | Any) -> dict[str, Any]:
    """One display output for ``ipywidgets.Output.outputs``: the figure in plotly's MIME type only."""
    spec = fig if isinstance(fig, Mapping) else fig.to_plotly_json()
    body = {"data": spec["data"], "layout": spec.get("layout", {}),
            "config": {"displaylogo": False, "responsive": True}}
    return {"output_type": "display_data", "data": {PLOTLY_MIME: body}, "metadata": {}}


def _script_json(value: Any) -> str:
    """JSON safe inside ``<script>``: no ``</script>`` (names from data are untrusted), no ``<!--``."""
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def charts_script(charts: Mapping[str, Mapping[str, Any] | None], plotly_src: str) -> str:
    """A ``<script>`` drawing each figure into the div of that id with ``Plotly.react`` (an absent figure
    empties its div), loading the local plotly.js first if the page has not yet (``plotly_src``)."""
    specs = {k: None if f is None else {"data": f["data"], "layout": f.get("layout", {}),
                                         "config": {"displaylogo": False, "responsive": True}}
             for k, f in charts.items()}
    return ("<script>(function(){var figs=" + _script_json(specs) + ",src=" + _script_json(plotly_src) + ";"
            "if(!window.Plotly&&!window.__creditlabPlotly){window.__creditlabPlotly=1;"
            "var s=document.createElement('script');s.src=src;document.head.appendChild(s);}"
            "var tries=0;(function draw(){var ready=window.Plotly&&Object.keys(figs).every("
            "function(id){return document.getElementById(id);});if(!ready&&tries++<500)return setTimeout(draw,20);"
            "if(!window.Plotly)return;"
            "Object.keys(figs).forEach(function(id){var d=document.getElementById(id);if(!d)return;"
            "var f=figs[id];if(f===null){Plotly.purge(d);d.innerHTML='';return;}"
            "Plotly.react(d,f.data,f.layout,f.config);});})();})();</script>")


def html_output(html: str) -> dict[str, Any]:
    return {"output_type": "display_data", "data": {"text/html": html}, "metadata": {}}


def compare_html(model: WeightModel, a: pd.DataFrame, b: pd.DataFrame, name_a: str, name_b: str,
                 lang: str = "zh") -> str:
    """Two scenarios side by side: how many pass under each, and every region whose verdict or rank differs."""
    ok = positive_verdict(model.rubric)
    m = a.merge(b, on="region", suffixes=("_a", "_b"))
    diff = m[(m["verdict_a"] != m["verdict_b"]) | (m["rank_a"] != m["rank_b"])]
    diff = diff.assign(_v=diff["verdict_a"] != diff["verdict_b"], _r=(diff["rank_a"] - diff["rank_b"]).abs())
    diff = diff.sort_values(["_v", "_r", "rank_a"], ascending=[False, False, True])
    na, nb = int((m["verdict_a"] == ok).sum()), int((m["verdict_b"] == ok).sum())
    word = tr(*VERDICT_WORDS[ok], lang)
    text = tr(f"方案A（{name_a}）{na}个地区{word}，方案B（{name_b}）{nb}个；"
              f"{int(diff['_v'].sum())}个地区的认定结果不同，{len(diff)}个地区的排名或结果不同。",
              f"Scenario A ({name_a}): {na} regions {word}; scenario B ({name_b}): {nb}. "
              f"{int(diff['_v'].sum())} verdicts and {len(diff)} ranks or verdicts differ.", lang)
    rows = [[r.name_a, fmt_num(r.score_a), fmt_num(r.score_b), rank_words(r.rank_a, r.tied_a, lang),
             rank_words(r.rank_b, r.tied_b, lang), _verdict_word(r.verdict_a, lang), _verdict_word(r.verdict_b, lang)]
            for r in diff.head(40).itertuples()]
    cols = [tr("地区", "Region", lang), tr("A得分", "Score A", lang), tr("B得分", "Score B", lang),
            tr("A排名", "Rank A", lang), tr("B排名", "Rank B", lang), tr("A结果", "Verdict A", lang),
            tr("B结果", "Verdict B", lang)]
    body = table(cols, rows, numeric=(1, 2)) if rows else ""
    head = esc(tr("方案对比 A/B", "A/B comparison", lang))
    return f'<style>{COMPONENT_CSS}</style><div class="creditlab"><h3>{head}</h3><p>{esc(text)}</p>{body}</div>'


# --------------------------------------------------------------------------------------------
# Save and export


def check_scenario_id(name: str, rubric: Rubric, lang: str = "zh") -> str:
    """``name`` if it can name a saved scenario (and its file): letters, digits, ``-``, ``_``, at most 60
    characters, starting with a letter or digit — never a path — and not a rubric's name (its bundled file)."""
    name = (name or "").strip()
    if not SCENARIO_ID.fullmatch(name):
        raise ExplorerError(tr(f"方案名称 {name!r} 无效：只能用字母、数字、“-”和“_”，以字母或数字开头，最长60个字符",
                               f"scenario name {name!r} is not valid: use letters, digits, '-' and '_', starting "
                               "with a letter or digit, at most 60 characters", lang))
    if name in list_rubrics() or name == rubric.name:
        raise ExplorerError(tr(f"方案名称 {name!r} 与评估标准同名，会覆盖其方案文件；请换一个名称",
                               f"scenario name {name!r} is a rubric's name and would replace its scenarios file; "
                               "choose another", lang))
    return name


def save_scenario(name: str, model: WeightModel, weights: pd.Series, folder: str | Path | None = None, *,
                  lang: str = "zh", note: str = "") -> Path:
    """Write the weights as ``<folder>/<name>.yaml`` in the ``data/scenarios/`` format (atomically; an existing
    file is never replaced) and read it back with :func:`load_scenarios`, so what is saved is what loads."""
    rubric = model.rubric
    name = check_scenario_id(name, rubric, lang)
    folder = Path(folder) if folder is not None else scenarios_path(rubric).parent
    path = _new_file(folder / f"{name}.yaml", lang)
    w = model.weights_vector(weights)
    values = {k: float(round(v, 6)) for k, v in w.items()}
    # Rounded weights must still sum to the rubric's total (load_scenarios checks it to 1e-6).
    last = model.ids[-1]
    values[last] = float(round(model.total - sum(v for k, v in values.items() if k != last), 6))
    today = _dt.date.today().isoformat()
    doc = {"rubric": rubric.name, "scenarios": [{
        "id": name, "name_zh": name, "name_en": name, "level": model.level, "weights": values,
        "note_zh": note or f"由情景探索器保存（{today}）",
        "note_en": note or f"saved from the scenario explorer ({today})",
    }]}
    text = (f"# Saved by the creditlab scenario explorer on {today}: weights in points at {model.level}, "
            f"summing to {model.total:g}.\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    write_text(path, text)
    try:
        load_scenarios(rubric, path, lang=lang)
    except ScenarioError:
        path.unlink()
        raise
    return path


def saved_scenarios(rubric: Rubric, folder: str | Path | None = None, lang: str = "zh") -> list[Scenario]:
    """Scenarios saved for ``rubric`` in ``folder`` (default ``data/scenarios/``) besides its bundled file."""
    bundled = scenarios_path(rubric)
    folder = Path(folder) if folder is not None else bundled.parent
    out: list[Scenario] = []
    for path in sorted(folder.glob("*.yaml")):
        if path.resolve() == bundled.resolve():
            continue
        doc = load_yaml(path, ScenarioError, lang=lang)
        if isinstance(doc, dict) and doc.get("rubric") == rubric.name:
            out.extend(load_scenarios(rubric, path, lang=lang))
    return out


def results_frame(model: WeightModel, evaluation: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The regions' scores, ranks and verdicts under the scenario beside the rubric's, as a table to export."""
    e = evaluation
    return pd.DataFrame({
        tr("地区代码", "code", lang): e["region"].astype(str),
        tr("地区", "region", lang): e["name"],
        tr("调整后得分", "score", lang): e["score"].round(4),
        tr("调整后排名", "rank", lang): [rank_words(r, t, lang) for r, t in zip(e["rank"], e["tied"], strict=True)],
        tr("调整后结果", "verdict", lang): [_verdict_word(v, lang) for v in e["verdict"]],
        tr("现行得分", "score now", lang): e["nominal_score"].round(4),
        tr("现行排名", "rank now", lang): [rank_words(r, t, lang)
                                         for r, t in zip(e["nominal_rank"], e["nominal_tied"], strict=True)],
        tr("现行结果", "verdict now", lang): [_verdict_word(v, lang) for v in e["nominal_verdict"]],
        tr("结果改变", "verdict changed", lang): e["verdict_changed"].map({True: tr("是", "yes", lang), False: ""}),
        tr("得分为下限", "score is a lower bound", lang): e["score_is_lower_bound"].map(
            {True: tr("是", "yes", lang), False: ""}),
    })


def export_results(name: str, model: WeightModel, weights: pd.Series, folder: str | Path | None = None, *,
                   lang: str = "zh", synthetic: bool = False) -> Path:
    """The scenario's results and weights as ``<folder>/<name>.xlsx`` (default ``reports/scenarios/``):
    atomic, text cells safe (:func:`creditlab.core.safecells.write_xlsx`); synthetic data says so in a sheet."""
    name = check_scenario_id(name, model.rubric, lang)
    folder = Path(folder) if folder is not None else reports_dir() / "scenarios"
    w = model.weights_vector(weights)
    ev = model.evaluate(w)
    weights_sheet = pd.DataFrame({
        "id": model.ids, tr("指标", "indicator", lang): model.indicator_names(lang).tolist(),
        tr("现行权重", "rubric's weight", lang): model.nominal.round(6).tolist(),
        tr("调整后权重", "weight", lang): w.reindex(model.ids).round(6).tolist()})
    about = pd.DataFrame({tr("项目", "item", lang): [tr("评估标准", "rubric", lang), tr("年份", "year", lang),
                                                   tr("方案", "scenario", lang), tr("数据", "data", lang)],
                          tr("内容", "value", lang): [model.rubric.name, str(model.year), name,
                                                    tr("模拟数据（演示用）", "synthetic demo data", lang) if synthetic
                                                    else tr("真实数据", "real data", lang)]})
    sheets = {tr("结果", "results", lang): results_frame(model, ev, lang), tr("权重", "weights", lang): weights_sheet,
              tr("说明", "about", lang): about}
    return write_xlsx(sheets, _new_file(folder / f"{name}.xlsx", lang))


def _new_file(path: Path, lang: str) -> Path:
    """``path`` if nothing is there yet: a saved scenario or an earlier export is never replaced silently."""
    if path.exists():
        raise ExplorerError(tr(f"{path} 已存在；请换一个名称", f"{path} exists already; choose another name", lang))
    return path


# --------------------------------------------------------------------------------------------
# The explorer


@dataclass
class ScenarioExplorer:
    """What ``02_scenario_explorer.ipynb`` shows: weight sliders, presets and what they change.

    Every number comes from ``model.evaluate`` (once per redraw); the widgets only collect weights.
    """

    model: WeightModel
    scenarios: list[Scenario]
    synthetic: tuple[str, ...]     # roles of the synthetic inputs (empty: all real); the banner names them
    lang: str
    data: str | list[str] = ""
    context: str | list[str] = ""
    level: str = "level2"
    scenario_dir: Path | None = None   # where scenarios are saved (default data/scenarios/)
    export_dir: Path | None = None     # where results are exported (default reports/scenarios/)
    years: list[int] = field(default_factory=list)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_params(cls, rubric: str, data: str | list[str] = "", context: str | list[str] = "", *,
                    year: int | None = None, scope: str | list[str] | None = "province", level: str = "level2",
                    language: str = "zh", scenario_dir: str | Path | None = None,
                    export_dir: str | Path | None = None) -> ScenarioExplorer:
        """Load the data (``""``: the bundled demo files) and the rubric's named and saved scenarios.

        ``language``: zh or en; empty means ``$CREDITLAB_LANG`` (set by ``creditlab app --lang``), else zh."""
        lang = check_lang(language or default_lang())
        model, synthetic, _paths = load_model(rubric, data, context, year=year, scope=scope, level=level, lang=lang)
        sdir = Path(scenario_dir) if scenario_dir is not None else None
        return cls(model=model, scenarios=_scenarios(model.rubric, sdir, lang), synthetic=synthetic, lang=lang,
                   data=data, context=context, level=level, scenario_dir=sdir,
                   export_dir=Path(export_dir) if export_dir is not None else None,
                   years=data_years(rubric, data))

    # ---- what the page shows -------------------------------------------------------------
    @property
    def threshold(self) -> float | None:
        return score_threshold(self.model)

    def banner_html(self) -> str:
        """The synthetic-data banner, empty when every input is real."""
        return banner_html(self.lang, self.synthetic) if self.synthetic else ""

    def summary(self) -> str:
        m = self.model
        return f"{m.rubric.title_zh} — {m.year}: {m.n_regions} regions, weights {', '.join(m.ids)}"

    def scenarios_html(self) -> str:
        return scenarios_html(self.model, self.scenarios, self.lang)

    @property
    def steps(self) -> pd.Series:
        """Each weight's slider step (computed once per model: a redraw must not walk the rubric)."""
        if self._cache.get("model") is not self.model:  # the object itself: an id can be reused by another
            self._cache.clear()
            self._cache.update(model=self.model, steps=indicator_steps(self.model.rubric, self.model.ids))
        return self._cache["steps"]

    def preset_weights(self, preset: str) -> pd.Series:
        """The sliders' values for a preset (``"nominal"`` or a scenario id), snapped to the steps."""
        m = self.model
        steps = self.steps  # also resets the cache when the model changed
        hit = self._cache.get(("preset", preset))
        if hit is None:
            chosen = None if preset == NOMINAL else next(s for s in self.scenarios if s.id == preset)
            hit = self._cache[("preset", preset)] = snap(m.weights_vector(chosen), steps, m.total)
        return hit.copy()

    def outputs(self, raw: pd.Series, compare: tuple[str, pd.DataFrame] | None = None,
                name: str | None = None, chart_ids: Mapping[str, str] | None = None,
                ) -> tuple[tuple[dict[str, Any], ...], pd.DataFrame | None]:
        """Everything one redraw shows for the sliders' values ``raw``, from ONE evaluation: the sentence and
        verdict-change table, the score chart, the county map, the weights chart and, with ``compare``
        (B's name and evaluation), the A/B table. Returns (outputs, the evaluation).

        ``chart_ids`` (``score``, ``map``, ``weights`` → div id): draw the charts into those divs with one
        script (the app) instead of one plotly output each (JupyterLab)."""
        m, lang = self.model, self.lang
        if not raw.sum() > 0:
            empty = {v: None for v in (chart_ids or {}).values()}
            outs = [html_output(esc(tr("至少一项权重须大于0", "at least one weight must be above 0", lang)))]
            if chart_ids:
                outs.append(html_output(charts_script(empty, self.plotly_src)))
            return tuple(outs), None
        w = m.weights_vector(raw)
        ev = m.evaluate(w)
        charts = {"score": score_chart(ev, self.threshold, lang, top=m.total), "map": county_map_chart(m, ev, lang),
                  "weights": weights_chart(m, w, lang)}
        outs = [html_output(explorer_html(m, w, lang, evaluation=ev))]
        if chart_ids is None:
            outs += [plotly_output(f) for f in charts.values() if f is not None]
        if compare is not None:
            outs.append(html_output(compare_html(m, ev, compare[1], name or "A", compare[0], lang)))
        if chart_ids is not None:
            charts["score"] = names_column(charts["score"])[0]
            outs.append(html_output(charts_script({chart_ids[k]: f for k, f in charts.items()}, self.plotly_src)))
        return tuple(outs), ev

    @property
    def plotly_src(self) -> str:
        """Where the app's page loads plotly.js from (``$CREDITLAB_PLOTLY_JS``); empty outside the app."""
        return os.environ.get(PLOTLY_URL_ENV, "")

    # ---- widgets -------------------------------------------------------------------------
    def show_widgets(self, pickers: bool = True) -> ExplorerWidgets:
        """Display the explorer's controls and output and draw it once; returns the widgets (a test moves them
        as a person would). ``pickers``: also the rubric, year and scope pickers."""
        ui = ExplorerWidgets(self, pickers=pickers)
        display(ui.root)
        return ui


def _scenarios(rubric: Rubric, folder: Path | None, lang: str) -> list[Scenario]:
    """The rubric's bundled scenarios (none if it has no file) and those saved beside them."""
    bundled = load_scenarios(rubric, lang=lang) if scenarios_path(rubric).is_file() else []
    return bundled + saved_scenarios(rubric, folder, lang)


def data_years(rubric: str, data: str | list[str] = "") -> list[int]:
    """The years in the indicator data (default: the rubric's bundled demo data)."""
    inputs = resolve_inputs(rubric, data, "")
    frame = load_data(list(inputs.data))
    return sorted(int(y) for y in pd.to_numeric(frame["year"]).unique())


def scope_options(model: WeightModel, lang: str = "zh") -> list[tuple[str, str]]:
    """(label, scope) pairs: the province, then every prefecture city of the province the model's regions are
    in (by the codes' first two digits: a city's model still offers its province's other cities)."""
    opts = [(tr("全省", "whole province", lang), "province")]
    if model.units is not None:
        units = model.units.assign(code=model.units["code"].astype(str))
        provinces = {str(r)[:2] for r in model.regions if str(r)[:2].isdigit()}
        same = units["code"].str[:2].isin(provinces) if provinces else units["code"].notna()
        u = units[same | units["code"].isin(set(map(str, model.regions)))]
        col = "city" if lang == "zh" or "city_en" not in u else "city_en"
        for city, label in dict(zip(u["city"], u[col], strict=True)).items():
            if isinstance(city, str) and city:
                opts.append((str(label), city))
    return opts


class ExplorerWidgets:
    """The explorer's widget tree: pickers, preset, one slider and typed box per weight, A/B, save/export."""

    def __init__(self, explorer: ScenarioExplorer, pickers: bool = True) -> None:
        self.ex = explorer
        lang = explorer.lang
        # Scenarios saved since the explorer was built (by another page, or another analyst) are presets too.
        explorer.scenarios = _scenarios(explorer.model.rubric, explorer.scenario_dir, lang)
        t = lambda zh, en: tr(zh, en, lang)  # noqa: E731 - short local alias for the many labels
        self.t = t
        self.busy = False
        self.b_eval: pd.DataFrame | None = None
        self.b_name = ""
        self.evaluation: pd.DataFrame | None = None
        wide = {"description_width": "90px"}
        m = explorer.model
        self.rubric = widgets.Dropdown(options=list_rubrics(), value=m.rubric.name, description=t("评估标准", "Rubric"),
                                       style=wide)
        years = explorer.years or [m.year]
        self.year = widgets.Dropdown(options=years, value=m.year, description=t("年份", "Year"), style=wide)
        self.scope = widgets.Dropdown(options=scope_options(m, lang), value="province",
                                      description=t("范围", "Scope"), style=wide)
        self._scope = "province"  # the scope of the model shown (a failed switch returns to it)
        # Each rubric's own input files: switching A → B → A gives A's data back, never B's demo data instead.
        self._inputs: dict[str, tuple[Any, Any]] = {explorer.model.rubric.name: (explorer.data, explorer.context)}
        self.preset = widgets.Dropdown(description=t("预设方案", "Preset"), style=wide,
                                       layout=widgets.Layout(width="420px"))
        self.compare = widgets.Dropdown(description=t("对比方案B", "Compare B"), style=wide,
                                        layout=widgets.Layout(width="420px"))
        self.pin = widgets.Button(description=t("当前权重设为B", "Use these weights as B"),
                                  layout=widgets.Layout(width="200px"))
        self.name = widgets.Text(placeholder=t("方案名称（字母、数字、-、_）", "scenario name (letters, digits, -, _)"),
                                 description=t("名称", "Name"), style=wide)
        self.save = widgets.Button(description=t("保存方案", "Save scenario"), icon="save")
        self.export = widgets.Button(description=t("导出Excel", "Export to Excel"), icon="file-excel-o")
        self.status = widgets.HTML()
        self.sliders_box = widgets.VBox()
        self.out = widgets.Output()
        # In the app the charts live in divs that stay in the page (Plotly.react redraws them in place).
        self.chart_ids = ({k: f"creditlab-{k}-{uuid.uuid4().hex[:12]}" for k in ("score", "map", "weights")}
                          if explorer.plotly_src else None)
        self.charts = widgets.HTML()
        self._names_for: int | None = None  # the model whose names column the page shows
        self.sliders: dict[str, widgets.FloatSlider] = {}
        self.boxes: dict[str, widgets.BoundedFloatText] = {}
        self.pin.on_click(self._pin)
        self.save.on_click(self._save)
        self.export.on_click(self._export)
        self.preset.observe(self._apply_preset, names="value")
        self.compare.observe(self._set_compare, names="value")
        for w in (self.rubric, self.year, self.scope):
            w.observe(self._reload, names="value")
        top = [widgets.HBox([self.rubric, self.year, self.scope])] if pickers else []
        self.root = widgets.VBox([
            *top, self.preset, self.sliders_box, widgets.HBox([self.compare, self.pin]),
            widgets.HBox([self.name, self.save, self.export]), self.status, self.out, self.charts,
        ])
        self._build()

    # ---- building ------------------------------------------------------------------------
    def _build(self) -> None:
        """Sliders and presets for the explorer's current model, then one redraw."""
        ex, t = self.ex, self.t
        m = ex.model
        names = m.indicator_names(ex.lang)
        steps = ex.steps
        self.sliders, self.boxes, rows = {}, {}, []
        for k, w in m.nominal.items():
            st = float(steps[k])
            hi = slider_max(float(w), st)
            s = widgets.FloatSlider(value=float(w), min=0.0, max=hi, step=st, readout=False,
                                    continuous_update=False, layout=widgets.Layout(width="340px"))
            box = widgets.BoundedFloatText(value=float(w), min=0.0, max=hi, step=st,
                                           layout=widgets.Layout(width="80px"))
            widgets.link((s, "value"), (box, "value"))
            s.observe(self._redraw, names="value")
            label = widgets.Label(f"{k} {names[k]}" + t(f"（现行 {w:g}）", f" (now {w:g})"),
                                  layout=widgets.Layout(width="300px"))
            self.sliders[k], self.boxes[k] = s, box
            rows.append(widgets.HBox([label, s, box]))
        self.sliders_box.children = rows
        options = [(t("现行权重", "rubric's weights"), NOMINAL)] + [(s.name(ex.lang), s.id) for s in ex.scenarios]
        self.busy = True
        self.preset.options = options
        self.preset.value = NOMINAL
        self.compare.options = [(t("不对比", "none"), "")] + options
        self.compare.value = ""
        self.busy = False
        self.b_eval, self.b_name = None, ""
        self.redraw()

    def _reload(self, change: dict[str, Any]) -> None:
        """Another rubric, year or scope: a new model (its problems are shown, the old model stays)."""
        if self.busy:
            return
        ex = self.ex
        rubric = self.rubric.value
        year = self.year.value if change["owner"] is not self.rubric else None
        scope = "province" if change["owner"] is self.rubric else self.scope.value
        data, context = self._inputs.get(rubric, ("", ""))  # a rubric seen first: its bundled demo data
        try:
            new = ScenarioExplorer.from_params(rubric, data, context,
                                               year=year, scope=scope, level=ex.level, language=ex.lang,
                                               scenario_dir=ex.scenario_dir, export_dir=ex.export_dir)
        except CreditlabError as exc:
            what = f"{rubric} {year or ''} {scope}".strip()
            self._say(self.t(f"无法切换到 {what}：", f"cannot switch to {what}: ") + str(exc), error=True)
            self.busy = True
            self.rubric.value, self.year.value, self.scope.value = ex.model.rubric.name, ex.model.year, self._scope
            self.busy = False
            return
        self._scope = scope
        ex.model, ex.scenarios, ex.synthetic, ex.years = new.model, new.scenarios, new.synthetic, new.years
        ex.data, ex.context = new.data, new.context
        self._inputs[rubric] = (new.data, new.context)
        self.busy = True
        self.year.options = ex.years or [ex.model.year]
        self.year.value = ex.model.year
        if change["owner"] is self.rubric:
            self.scope.options = scope_options(ex.model, ex.lang)
            self.scope.value = "province"
        self.busy = False
        self._say("")
        self._build()

    # ---- events --------------------------------------------------------------------------
    def raw(self) -> pd.Series:
        return pd.Series({k: s.value for k, s in self.sliders.items()}, dtype=float)

    def redraw(self, *_: Any) -> None:
        """Recompute once and replace the Output's content in one go (not ``with out:``, see figures.widget_outputs)."""
        if self.busy:
            return
        compare = (self.b_name, self.b_eval) if self.b_eval is not None else None
        outs, self.evaluation = self.ex.outputs(self.raw(), compare, self._a_name() if compare else None,
                                                self.chart_ids)
        if self.chart_ids and self._names_for != id(self.ex.model) and self.evaluation is not None:
            self._chart_divs()
        self.out.outputs = outs

    def _chart_divs(self) -> None:
        """The app's chart divs, the score chart with its names column (once per model: the order is fixed)."""
        ex, ids = self.ex, self.chart_ids
        _, column = names_column(score_chart(self.evaluation, ex.threshold, ex.lang, top=ex.model.total))
        self.charts.value = (f'<div style="display:flex;align-items:flex-start">{column}'
                             f'<div id="{ids["score"]}" style="flex:1;min-width:0"></div></div>'
                             f'<div id="{ids["map"]}"></div><div id="{ids["weights"]}"></div>')
        self._names_for = id(ex.model)

    _redraw = redraw

    def _a_name(self) -> str:
        p = self.preset
        label = dict((v, k) for k, v in p.options).get(p.value, "")
        return label if self._at_preset() else self.t("当前滑块", "the sliders")

    def _at_preset(self) -> bool:
        target = self.ex.preset_weights(self.preset.value)
        return bool(np.allclose(self.raw().reindex(target.index).to_numpy(), target.to_numpy()))

    def _apply_preset(self, change: dict[str, Any]) -> None:
        if self.busy:
            return
        target = self.ex.preset_weights(change["new"])
        self.busy = True  # one redraw for a whole preset, not one per slider it moves
        for k, s in self.sliders.items():
            v = float(target[k])
            if v > s.max:
                s.max = self.boxes[k].max = v
            s.value = v
        self.busy = False
        self.redraw()

    def _set_compare(self, change: dict[str, Any]) -> None:
        if self.busy:
            return
        value = change["new"]
        if not value:
            self.b_eval, self.b_name = None, ""
        else:
            self.b_name = dict((v, k) for k, v in self.compare.options)[value]
            self.b_eval = self.ex.model.evaluate(self.ex.preset_weights(value))
        self.redraw()

    def _pin(self, _: Any = None) -> None:
        raw = self.raw()
        if not raw.sum() > 0:
            return
        self.b_eval, self.b_name = self.ex.model.evaluate(self.ex.model.weights_vector(raw)), self.t(
            "固定的权重", "pinned weights")
        self.redraw()

    def _say(self, text: str, error: bool = False) -> None:
        color = "#b42318" if error else "#1e7b34"
        self.status.value = f'<span style="color:{color}">{esc(text)}</span>' if text else ""

    def _save(self, _: Any = None) -> None:
        try:
            path = save_scenario(self.name.value, self.ex.model, self.raw(), self.ex.scenario_dir, lang=self.ex.lang)
        except (CreditlabError, ValueError, OSError) as exc:
            self._say(str(exc), error=True)
            return
        self.ex.scenarios = _scenarios(self.ex.model.rubric, self.ex.scenario_dir, self.ex.lang)
        self._say(self.t(f"已保存：{path}", f"saved: {path}"))
        self.busy = True
        current = self.preset.value
        options = [(self.t("现行权重", "rubric's weights"), NOMINAL)] + [(s.name(self.ex.lang), s.id)
                                                                      for s in self.ex.scenarios]
        self.preset.options, self.preset.value = options, current
        self.compare.options = [(self.t("不对比", "none"), "")] + options
        self.busy = False

    def _export(self, _: Any = None) -> None:
        try:
            path = export_results(self.name.value, self.ex.model, self.raw(), self.ex.export_dir, lang=self.ex.lang,
                                  synthetic=bool(self.ex.synthetic))
        except (CreditlabError, ValueError, OSError) as exc:
            self._say(str(exc), error=True)
            return
        self._say(self.t(f"已导出：{path}", f"exported: {path}"))


__all__ = ["ExplorerError", "ExplorerWidgets", "ScenarioExplorer", "check_scenario_id", "compare_html",
           "county_map_chart", "data_years", "export_results", "indicator_steps", "plotly_output", "save_scenario",
           "saved_scenarios", "score_chart", "slider_max", "snap", "weights_chart"]
