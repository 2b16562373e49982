"""Small, self-contained HTML pages for the reports: no CDN, no external CSS, Chinese fonts first.

A page loads exactly one script, the shared local ``plotly.min.js`` beside it (see
:func:`creditlab.figures.plotly_script_tag`), from ``<head>`` so that the charts' inline scripts
find a global ``Plotly``. Everything interpolated into HTML goes through :func:`esc`.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..core.i18n import fmt_num, signed, tr
from ..core.labels import VERDICT_COLORS, VERDICT_LABELS, VERDICT_WORDS
from ..loaders.regions import REGION_ID
from .banner import banner_html
from .figures import FONT_FAMILY, chart_text, chart_texts, figure_html, plotly_script_tag
from .maps import index_map

# Layout of a whole page (never emitted inside a notebook, where it would restyle JupyterLab).
PAGE_CSS = """
body { font-family: FONT_FAMILY; color: #1f2933; margin: 0; background: #f5f7fa; line-height: 1.6; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 28px 40px; background: #fff; min-height: 100vh; }
/* nbconvert's basic template: outputs only, no prompts */
.prompt { display: none; } .output_subarea { max-width: 100%; overflow-x: auto; }
.output_stderr { display: none; }
@media print { body { background: #fff; } main { padding: 0; } }
""".replace("FONT_FAMILY", FONT_FAMILY)

# Printing (chromium --print-to-pdf, or a browser's print): A4, no plotly tool bar, the synthetic banner on
# every page (see print_banner_css), collapsed tables open, no heading stranded at the foot of a page, no
# table row split across pages.
PRINT_CSS = """
@page { size: A4; margin: 22mm 14mm 16mm 14mm; }
@media print {
  html, body { background: #fff !important; }
  main { max-width: none; padding: 0; min-height: 0; }
  .modebar, .modebar-container { display: none !important; }
  details > summary { list-style: none; }
  details::details-content { content-visibility: visible; display: contents; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; break-inside: avoid; }
  table { break-inside: auto; } thead { display: table-header-group; } table.creditlab-table { width: 100%; }
  tr, th, td { break-inside: avoid; page-break-inside: avoid; }
  .plotly-graph-div, .js-plotly-plot, .card { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  table.sortable th:after { content: ""; }
  /* paper does not scroll: a table in a scroll box (ours, nbconvert's output area) would be cut at the margin,
     its last columns silently lost, so every table fits the text width instead: headers wrap (inside a long
     word if need be), text wraps between words, numbers stay on one line (a word is never split in a cell;
     numeric cells are nowrap), a table of 8 columns or more is set smaller. !important: the notebook tables
     are styled inline (INLINE_TABLE, INLINE_TH, INLINE_TD) */
  .table-scroll, .output_subarea, .output_area, .output, .output_html, .jp-OutputArea-output {
    overflow: visible !important; max-width: 100% !important; }
  table { max-width: 100% !important; min-width: 0 !important; }
  th { white-space: normal !important; overflow-wrap: anywhere; }
  td { overflow-wrap: break-word; }
  table:has(> thead > tr > th:nth-child(8)) { font-size: 11px !important; }
  table:has(> thead > tr > th:nth-child(8)) :is(th, td) { padding: 3px 4px !important; }
}
"""

# Before printing: open every <details> (CSS alone cannot everywhere) and redraw charts at the paper's width.
PRINT_JS = """
<script>
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open])").forEach(function (d) {
    d.setAttribute("open", ""); d.dataset.clPrintOpened = "1"; });
  if (window.Plotly) document.querySelectorAll(".js-plotly-plot").forEach(function (g) {
    try { window.Plotly.Plots.resize(g); } catch (e) {} });
});
window.addEventListener("afterprint", function () {
  document.querySelectorAll("details[data-cl-print-opened]").forEach(function (d) {
    d.removeAttribute("open"); delete d.dataset.clPrintOpened; });
});
</script>
"""

# Report components, scoped to .creditlab so they are also safe inside a notebook.
COMPONENT_CSS = """
.creditlab { --fg:#1f2933; --muted:#52606d; --line:#d9e2ec; --accent:#1f5f99; --ok:#1e7b34; --bad:#b42318;
        --unknown:#8a6d00; --na:#6b7280; }
.creditlab { font-family: FONT_FAMILY; color: var(--fg); line-height: 1.6; }
.creditlab h1 { font-size: 26px; margin: 8px 0 4px; } .creditlab h2 { font-size: 20px; margin: 28px 0 8px;
  border-bottom: 2px solid var(--line); padding-bottom: 4px; } .creditlab h3 { font-size: 16px; margin: 16px 0 6px; }
.subtitle { color: var(--muted); margin: 0 0 12px; }
table.cl { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 14px; }
table.cl th, table.cl td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
table.cl th { background: #eef2f7; font-weight: 600; }
table.cl td.num, table.cl th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.cl tr.level1 td { font-weight: 600; background: #f8fafc; }
table.cl tr.total td { font-weight: 700; background: #eef2f7; }
table.sortable th { cursor: pointer; user-select: none; } table.sortable th:after { content: " ⇅"; color: #9aa5b1; }
table.cl td.ok, table.cl td.bad, table.cl td.na, table.cl td.unknown { white-space: nowrap; }
.ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
.unknown { color: var(--unknown); font-weight: 600; } .na { color: var(--na); font-style: italic; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { flex: 1 1 200px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; background: #fbfcfe; }
.card .label { color: var(--muted); font-size: 13px; } .card .value { font-size: 22px; font-weight: 700; }
.card .note { color: var(--muted); font-size: 12px; } .card .value .verdict { font-size: 17px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 700; }
.verdict.certified, .verdict.eligible { background: #e3f4e8; color: var(--ok); }
.verdict.not_certified { background: #fde8e7; color: var(--bad); }
.verdict.undecided { background: #fff4d6; color: var(--unknown); }
.verdict.not_eligible { background: #efe4f5; color: #6b2d8f; }
.verdict.no_certification { background: #eceff3; color: #5b6b82; }
ul.reasons li { margin: 4px 0; }
.creditlab p.headline { font-size: 18px; font-weight: 700; margin: 6px 0 10px; }
/* the index: codes, cities and links on one line; a long (English) county name, a header and a verdict wrap,
   each column keeping a readable width, so the table fits the page and the printed A4 width; a table still too
   wide scrolls inside its box, never the page */
#cl-index th { white-space: normal; min-width: 3.6em; }
#cl-index td:nth-child(-n+2), #cl-index td:nth-child(4), #cl-index td:nth-child(11) { white-space: nowrap; }
#cl-index td:nth-child(3) { min-width: 6em; } #cl-index td:nth-child(7) { min-width: 7.6em; }
#cl-index td:nth-child(8) { min-width: 12em; }
#cl-index td:nth-child(7) .verdict { white-space: normal; max-width: 11em; }
.table-scroll { overflow-x: auto; }
.provenance { color: var(--muted); font-size: 13px; } .provenance code { font-size: 12px; word-break: break-all; }
.note { color: var(--muted); font-size: 13px; }
.creditlab details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
.creditlab a { color: var(--accent); }
.filters { margin: 8px 0; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.filters input, .filters select { font: inherit; padding: 3px 6px; }
@media print { .filters { display: none; } }
""".replace("FONT_FAMILY", FONT_FAMILY)

CSS = PAGE_CSS + COMPONENT_CSS + PRINT_CSS

# Filtering the index table: search by name or code, city, verdict (inline, works from file://).
FILTER_JS = """
<script>
(function () {
  var table = document.getElementById("cl-index"); if (!table) { return; }
  var q = document.getElementById("cl-search"), city = document.getElementById("cl-city"),
      verdict = document.getElementById("cl-verdict"), count = document.getElementById("cl-count");
  function apply() {
    var text = q.value.trim().toLowerCase(), shown = 0, rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!text || r.dataset.search.indexOf(text) >= 0) && (!city.value || r.dataset.city === city.value)
               && (!verdict.value || r.dataset.verdict === verdict.value);
      r.style.display = ok ? "" : "none"; if (ok) { shown++; }
    }
    count.textContent = shown + " / " + rows.length;
  }
  q.addEventListener("input", apply); city.addEventListener("change", apply); verdict.addEventListener("change", apply);
  apply();
})();
</script>
"""

# Sorting for the index table: inline, no external script.
SORT_JS = """
<script>
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.from(body.rows);
      var asc = th.dataset.dir !== "asc"; th.dataset.dir = asc ? "asc" : "desc";
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort || a.cells[col].textContent.trim();
        var y = b.cells[col].dataset.sort || b.cells[col].textContent.trim();
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "zh");
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
</script>
"""


def esc(value: Any) -> str:
    """HTML-escape any value's text (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


_BANNER = re.compile(r'<div class="creditlab-banner"([^>]*)>(.*?)</div>', re.S)


def print_banner_css(body: str) -> str:
    """CSS that repeats the synthetic banner of ``body`` at the top of every printed page ("" without one).

    A page margin box (``@page { @top-center }``) carries it, and the banner in the flow is hidden in print:
    a ``position: fixed`` banner also repeats in chromium, but covers the first lines of every later page.
    """
    m = _BANNER.search(body)
    if not m:
        return ""
    text = html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
    return ("@media print { @page { @top-center { content: " + quoted + "; background: #fff3cd; "
            "border: 2px solid #d39e00; color: #5c4400; font-size: 10pt; font-weight: bold; "
            "font-family: " + FONT_FAMILY.replace('"', "'") + "; margin: 4mm 0 3mm; padding: 0 8px; } } "
            ".creditlab-banner { display: none !important; } }")


def page(title: str, body: str, lang: str = "zh", head_extra: str = "", plotly_src: str | None = "plotly.min.js",
         scripts: str = "") -> str:
    """A complete HTML document around ``body`` (already safe HTML); printable on A4 (:data:`PRINT_CSS`)."""
    banner_css = print_banner_css(body)
    if banner_css:
        head_extra = f"<style>{banner_css}</style>\n{head_extra}"
    html_lang = "zh-CN" if lang == "zh" else "en"
    plotly = plotly_script_tag(plotly_src) if plotly_src else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n{plotly}\n{head_extra}</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n{scripts}{PRINT_JS}</body>\n</html>\n"
    )


# Inline styles of a table shown in a notebook (plan progress, city rankings): notebook front ends neither load
# COMPONENT_CSS nor leave a table's alignment alone, so each cell says how it looks.
INLINE_TABLE = ('style="border-collapse:collapse;margin:6px 0 14px;font-size:14px;'
                'font-family:inherit;min-width:60%"')
INLINE_TH = 'style="border:1px solid #d9e2ec;background:#eef2f7;padding:4px 8px;text-align:left"'
INLINE_TD = 'style="border:1px solid #d9e2ec;padding:4px 8px;vertical-align:top{extra}"'


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Iterable[int] = (),
          row_classes: Iterable[str] | None = None, cell_classes: Iterable[Sequence[str]] | None = None,
          sort_keys: Iterable[Sequence[Any]] | None = None, sortable: bool = False, raw: Iterable[int] = (),
          inline: bool = False, nowrap: Iterable[int] = ()) -> str:
    """An escaped HTML table. ``raw`` columns hold HTML built by creditlab itself (e.g. links, badges).

    ``inline``: styled cell by cell (:data:`INLINE_TD`) for a notebook, ``numeric`` right-aligned and with
    ``nowrap`` columns kept on one line; otherwise styled by COMPONENT_CSS's ``table.cl`` classes.
    """
    numeric, raw = set(numeric), set(raw)
    rows = list(rows)
    if inline:
        nowrap = set(nowrap)
        head = "".join(f"<th {INLINE_TH}>{esc(c)}</th>" for c in columns)
        # explicit alignment: notebook front ends right-align table cells by default
        attrs = [" " + INLINE_TD.format(extra=(";text-align:right" if i in numeric else ";text-align:left")
                                        + (";white-space:nowrap" if i in numeric or i in nowrap else ""))
                 for i in range(len(columns))]
        body = "".join(f"<tr>{_cells(row, attrs, raw)}</tr>" for row in rows)
        return (f'<table class="creditlab-table" {INLINE_TABLE}><thead><tr>{head}</tr></thead>'
                f'<tbody>{body}</tbody></table>')
    row_classes = list(row_classes) if row_classes is not None else [""] * len(rows)
    cell_classes = list(cell_classes) if cell_classes is not None else [[""] * len(columns)] * len(rows)
    sort_keys = list(sort_keys) if sort_keys is not None else [[None] * len(columns)] * len(rows)
    cls = "cl sortable" if sortable else "cl"
    head = "".join(f'<th class="num">{esc(c)}</th>' if i in numeric else f"<th>{esc(c)}</th>"
                   for i, c in enumerate(columns))
    body = []
    for row, rcls, ccls, keys in zip(rows, row_classes, cell_classes, sort_keys, strict=True):
        attrs = []
        for i in range(len(row)):
            classes = " ".join(c for c in ("num" if i in numeric else "", ccls[i]) if c)
            attr = f' class="{esc(classes)}"' if classes else ""
            if keys[i] is not None:
                attr += f' data-sort="{esc(keys[i])}"'
            attrs.append(attr)
        tr = f'<tr class="{esc(rcls)}">' if rcls else "<tr>"
        body.append(tr + _cells(row, attrs, raw) + "</tr>")
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _cells(row: Sequence[Any], attrs: Sequence[str], raw: set[int]) -> str:
    """One row's ``<td>`` cells: escaped, except the ``raw`` columns (HTML creditlab built)."""
    return "".join(f"<td{attrs[i]}>{value if i in raw else esc(value)}</td>" for i, value in enumerate(row))


def heading(text: str, level: int = 2, style: str = "") -> str:
    """An escaped heading ``<hN>``, with an inline ``style`` (for a notebook) if given."""
    attr = f' style="{esc(style)}"' if style else ""
    return f"<h{level}{attr}>{esc(text)}</h{level}>"


# ---------------------------------------------------------------------------------------------
# The year's index page



def rank_cell(doc: dict[str, Any], lang: str = "zh") -> tuple[str, float]:
    """A report's rank as its results file gives it (并列第N名) and a sort key (zones after counties)."""
    pos = doc.get("rank") or {}
    if "rank" not in pos:
        return "—", 1e9
    words = pos.get("rank_zh" if lang == "zh" else "rank_en") or (
        f"第{pos['rank']}名" if lang == "zh" else f"#{pos['rank']}")  # results written before ties were named
    if doc.get("is_park"):  # zones are ranked among the zones: say so beside the counties' ranks
        words = f"开发区{words}" if lang == "zh" else f"{words} of zones"
    return str(words), float(pos["rank"]) + (1e6 if doc.get("is_park") else 0)


def scope_words(scope: dict[str, Any] | None, lang: str = "zh") -> str:
    """What an index covers, in words: 全省（陕西省，107个县（市、区）及8个开发区） or 宝鸡市（12个县（市、区））.

    ``scope``: ``{"kind": "province", "name", "name_en", "counties", "zones"}`` or
    ``{"kind": "cities", "cities": [{"name", "name_en", "counties", "zones"}, ...]}``.
    """
    if not scope:
        return ""

    def zones(n: int) -> str:
        if not n:
            return ""
        return f"及{n}个开发区" if lang == "zh" else f" and {n} development zone{'s' if n > 1 else ''}"

    if scope.get("kind") == "province":
        if lang == "zh":
            return f"全省（{scope['name']}，{scope['counties']}个县（市、区）{zones(scope['zones'])}）"
        return f"Whole province ({scope['name_en']}, {scope['counties']} counties{zones(scope['zones'])})"
    parts = []
    for c in scope.get("cities", []):
        if lang == "zh":
            parts.append(f"{c['name']}（{c['counties']}个县（市、区））{zones(c['zones'])}")
        else:
            parts.append(f"{c['name_en'] or c['name']} ({c['counties']} counties{zones(c['zones'])})")
    return ("、" if lang == "zh" else "; ").join(parts)


def index_units(docs: Sequence[dict[str, Any]], not_submitted: Sequence[dict[str, Any]] = ()
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(units with a score, best first; units that submitted nothing, by code) from the results files and the
    batch's 未报送 rows: the order of the index page and of its workbook."""
    checked = [d for d in docs if REGION_ID.fullmatch(str(d.get("region", "")))]
    missing = [d for d in checked if d.get("submitted") is False or d["total"].get("points") is None]
    missing_codes = {d["region"] for d in missing}
    missing += [d for d in not_submitted if REGION_ID.fullmatch(str(d.get("region", "")))
                and d["region"] not in missing_codes]
    missing_codes = {d["region"] for d in missing}
    scored = sorted((d for d in checked if d["region"] not in missing_codes),
                    key=lambda d: (-(d["total"]["points"] or 0), d["region"]))
    return scored, sorted(missing, key=lambda d: d["region"])


def index_page(docs: Sequence[dict[str, Any]], year: int | None, lang: str = "zh",
               failed: dict[str, dict[str, Any]] | None = None, scope: dict[str, Any] | None = None,
               not_submitted: Sequence[dict[str, Any]] = (), workbook: str | None = None) -> str:
    """The index of a year's reports, from their results files only (``workbook``: the file name of the same
    rows as a workbook beside the page, linked above the table).

    Units that submitted nothing (``not_submitted`` rows from the batch, and results files with
    ``submitted`` false) are listed as 未报送 and left out of counts, averages and the chart.
    ``scope`` (see :func:`scope_words`) heads the overview; without it the overview is untitled.
    """
    def t(zh: str, en: str) -> str:
        return tr(zh, en, lang)

    def vlabel(v: str) -> str:
        pair = VERDICT_LABELS.get(v, (v, v))
        return pair[0] if lang == "zh" else pair[1]

    docs, missing = index_units(docs, not_submitted)
    ytxt = "" if year is None else str(year)
    title = t(f"{ytxt}年度县级社会信用体系建设评估报告汇总", f"County social-credit evaluation reports {ytxt}")
    parts = []
    synthetic = [d for d in [*docs, *missing] if d.get("synthetic")]
    if synthetic:
        roles = [r for r in ("data", "context") if any(r in (d.get("synthetic_inputs") or ()) for d in synthetic)]
        parts.append(banner_html(lang, roles or ("data",)))
    parts.append(heading(title, 1))
    where = scope_words(scope, lang)
    if where:
        parts.append(f'<p class="subtitle">{esc(t("范围：", "Scope: ") + where)}</p>')
    rubrics = sorted({f"{d['rubric']['title_zh']}（{d['rubric']['name']}，版本 {d['rubric']['version']}）"
                      if lang == "zh" else
                      f"{d['rubric'].get('title_en') or d['rubric']['name']} ({d['rubric']['name']}, version "
                      f"{d['rubric']['version']})" for d in docs})
    if rubrics:
        parts.append(f'<p class="subtitle">{esc(t("评估标准：", "Rubric: ") + "；".join(rubrics))}</p>')

    counts: dict[str, int] = {}
    for d in docs:
        counts[d["verdict"]] = counts.get(d["verdict"], 0) + 1
    cards = [(t("报告数", "Reports"), str(len(docs)))]
    cards += [(vlabel(v), str(n)) for v, n in sorted(counts.items())]
    if missing:
        cards.append((t("未报送", "Not submitted"), str(len(missing))))
    if docs:  # over the units with a score: 未报送 is no score, not zero
        mean = sum(d["total"]["points"] for d in docs) / len(docs)
        cards.append((t("平均综合评分", "Mean total"), fmt_num(mean)))
    parts.append('<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{esc(a)}</div><div class="value">{esc(b)}</div></div>'
        for a, b in cards) + "</div>")

    if docs:
        fig = go.Figure()
        for v in sorted(counts):
            sub = [d for d in docs if d["verdict"] == v]
            fig.add_bar(x=chart_texts(d["name"] if lang == "zh" else (d.get("name_en") or d["name"]) for d in sub),
                        # the legend's words are those of the verdict map below it (every chart's short words)
                        y=[d["total"]["points"] for d in sub], name=chart_text(tr(*VERDICT_WORDS.get(v, (v, v)), lang)),
                        marker_color=VERDICT_COLORS.get(v, "#8a94a6"),
                        hovertemplate="%{x}: %{y:.1f}<extra>" + esc(vlabel(v)) + "</extra>")
        order = chart_texts(d["name"] if lang == "zh" else (d.get("name_en") or d["name"]) for d in docs)
        fig.update_xaxes(categoryorder="array", categoryarray=order, showticklabels=len(docs) <= 40, tickangle=-60)
        thresholds = {d["rubric"].get("threshold") for d in docs} - {None}
        if len(thresholds) == 1:
            thr = float(thresholds.pop())
            fig.add_hline(y=thr, line_dash="dash", line_color="#1e7b34",
                          annotation_text=t(f"认定门槛 {thr:g}分", f"threshold {thr:g}"),
                          annotation_position="top right")
        fig.update_layout(title=t("各县（市、区）综合评分（按得分排序，颜色为认定结论）",
                                  "Total score by county (sorted; colour = verdict)"),
                          yaxis_title=t("综合评分", "total"), height=460, legend=dict(orientation="h", y=-0.15))
        overview = t(f"{where}概况", f"Overview: {where}") if where else t("概况", "Overview")
        parts.append(heading(overview, 2) + figure_html(fig, div_id="creditlab-index-chart"))
        county_map = index_map(docs, lang, scope)  # 示意图 of the verdicts; None without a map of the province
        if county_map is not None:
            parts.append(figure_html(county_map, div_id="creditlab-index-map"))

    entries = index_rows(docs, lang, missing)
    rows = [[e["rank"], e["code"], e["name"], e["city"], e["total_text"], e["missing_text"], e["verdict_html"],
             e["reason"] or "—", e["unmet_text"], e["change_text"], e["link"]] for e in entries]
    sort_keys = [[e["rank_key"], None, None, None, e["total_key"], e["missing_key"], e["verdict_key"], None,
                  e["unmet_key"], e["change_key"], None] for e in entries]
    cells = [["", "", "", "", "na" if e["verdict"] is None else "", "", "", "", "", "", ""] for e in entries]
    cols = [t("排名", "Rank"), t("代码", "Code"), t("县（市、区）", "County"), t("所属市", "City"),
            t("综合评分", "Total"), t("未评估分值", "Not assessed"), t("认定结论", "Verdict"), t("原因", "Reason"),
            t("未达标必备条件", "Mandatory unmet"), t("比上年", "Change"), t("报告", "Report")]
    populations = sorted({str((d.get("rank") or {}).get("population_zh" if lang == "zh" else "population_en"))
                          for d in docs if (d.get("rank") or {}).get("population_zh")})
    rank_note = t(f"排名为各报告中的名次，范围：{'；'.join(populations)}；得分相同者并列。",
                  f"Ranks as in each report, among {'; '.join(populations)}; equal scores tie. ") if populations else ""
    parts.append(heading(t('各县（市、区）报告', 'Reports by county'))
                 + f'<p class="note">{esc(rank_note + t("点击表头排序。", "Click a column header to sort."))}</p>'
                 + filter_bar(entries, lang, workbook)
                 + _with_row_data(table(cols, rows, numeric=(0, 4, 5, 8, 9), sort_keys=sort_keys, cell_classes=cells,
                                        sortable=True, raw=(6, 10)), entries))

    failed = {c: e for c, e in (failed or {}).items() if REGION_ID.fullmatch(c)}
    if failed:
        items = "".join(
            f"<li>{esc(c)}：{esc(e.get('error', ''))}"
            + f' — <a href="failed/{esc(c)}.ipynb">{esc(t("错误记录", "error notebook"))}</a></li>'
            for c, e in sorted(failed.items()))
        parts.append(heading(t('未能重新生成的报告', 'Reports that failed to regenerate'))
                     + "<p>" + esc(t("以下报告未能重新生成（如有上一版报告，仍保留在上表中）：",
                                     "These reports could not be regenerated (a previous report, if any, is still "
                                     "listed above):")) + "</p>"
                     + f"<ul>{items}</ul>")
    if docs:
        prov = docs[0].get("provenance", {})
        files = "".join(f"<li>{esc(f.get('role'))}: <code>{esc(f.get('path'))}</code> SHA-256 "
                        f"<code>{esc(f.get('sha256'))}</code></li>" for f in prov.get("files", []))
        parts.append(heading(t('数据来源', 'Provenance')) + f"<ul class=\"provenance\">{files}"
                     f"<li>creditlab {esc(prov.get('creditlab_version', ''))}</li></ul>")
    body = '<div class="creditlab">' + "".join(parts) + "</div>"
    return page(title, body, lang=lang, scripts=SORT_JS + FILTER_JS)


def index_rows(docs: Sequence[dict[str, Any]], lang: str = "zh",
               missing: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The rows of the index table, in its order, from the results files (``docs``: units with a score, sorted;
    ``missing``: units that submitted nothing). The page (:func:`index_page`) and the workbook
    (:func:`index_frame`) show these very rows: texts, numbers for sorting and Excel, the verdict and its reason
    (the reports' ``reason_zh``/``reason_en``), the city code and a search key for the filters."""
    def t(zh: str, en: str) -> str:
        return tr(zh, en, lang)

    out = []
    for d in docs:
        code = d["region"]
        tot = d["total"]
        change = (d.get("previous") or {}).get("change")
        unmet = len(d.get("unmet_mandatory") or [])
        v = d["verdict"]
        label = VERDICT_LABELS.get(v, (v, v))[0 if lang == "zh" else 1]
        verdict_html = f'<span class="verdict {esc(v)}">{esc(label)}</span>'
        note = d.get("verdict_note_zh" if lang == "zh" else "verdict_note_en")
        if note:  # conditions not assessed for want of context: the verdict says so
            verdict_html += f'<br><span class="na">{esc(note)}</span>'
        rank_words, rank_key = rank_cell(d, lang)
        out.append(_index_row(d, lang, rank=rank_words, rank_key=rank_key, total=tot["points"],
                              total_text=fmt_num(tot["points"]), total_key=tot["points"],
                              missing=tot.get("missing_max") or 0, missing_text=fmt_num(tot.get("missing_max") or 0),
                              missing_key=tot.get("missing_max") or 0, verdict=v, verdict_label=label,
                              verdict_html=verdict_html, verdict_key=v,
                              reason=str(d.get("reason_zh" if lang == "zh" else "reason_en") or ""),
                              unmet=unmet, unmet_text=unmet, unmet_key=unmet, change=change,
                              change_text="—" if change is None else signed(change),
                              change_key=-1e9 if change is None else change,
                              link=f'<a href="{esc(code)}.html">{esc(t("查看报告", "report"))}</a>'))
    for d in missing:
        code = d["region"]
        label = t("未报送", "not submitted")
        link = (f'<a href="{esc(code)}.html">{esc(t("查看报告", "report"))}</a>' if d.get("submitted") is False
                else "—")
        out.append(_index_row(d, lang, rank="—", rank_key=1e9, total=None, total_text=label, total_key=-1e9,
                              missing=None, missing_text="—", missing_key=-1e9, verdict=None, verdict_label=label,
                              verdict_html=f'<span class="na">{esc(label)}</span>', verdict_key="~", reason="",
                              unmet=None, unmet_text="—", unmet_key=-1, change=None, change_text="—",
                              change_key=-1e9, link=link))
    return out


def _index_row(d: dict[str, Any], lang: str, **values: Any) -> dict[str, Any]:
    """One index row: who (code, names, city) and ``values``."""
    name_zh = str(d.get("name", ""))
    name_en = str(d.get("name_en") or "")
    city = d.get("city", "") if lang == "zh" else (d.get("city_en") or d.get("city", ""))
    return {"code": d["region"], "name": name_zh if lang == "zh" else (name_en or name_zh), "city": str(city),
            "city_code": str(d.get("city_code") or d["region"].removeprefix("KF")[:4] + "00"),
            # the search key: the code and the names shown (an English page holds no Chinese, even hidden)
            "search": " ".join((d["region"], name_zh, name_en) if lang == "zh" else (d["region"], name_en or name_zh)
                               ).lower(), **values}


def index_frame(entries: Sequence[dict[str, Any]], lang: str = "zh") -> pd.DataFrame:
    """The index rows (:func:`index_rows`) as a table for the workbook: numbers stay numbers, 未报送 stays
    empty (never 0)."""
    def t(zh: str, en: str) -> str:
        return tr(zh, en, lang)

    return pd.DataFrame({
        t("排名", "Rank"): [e["rank"] for e in entries], t("代码", "Code"): [e["code"] for e in entries],
        t("县（市、区）", "County"): [e["name"] for e in entries], t("所属市", "City"): [e["city"] for e in entries],
        t("综合评分", "Total"): pd.array([e["total"] for e in entries], dtype="Float64"),
        t("未评估分值", "Not assessed"): pd.array([e["missing"] for e in entries], dtype="Float64"),
        t("认定结论", "Verdict"): [e["verdict_label"] for e in entries],
        t("原因", "Reason"): [e["reason"] for e in entries],
        t("未达标必备条件", "Mandatory unmet"): pd.array([e["unmet"] for e in entries], dtype="Int64"),
        t("比上年", "Change"): pd.array([e["change"] for e in entries], dtype="Float64"),
    })


def filter_bar(entries: Sequence[dict[str, Any]], lang: str = "zh", workbook: str | None = None) -> str:
    """A search box (name or code) and filters by city and verdict for the index table (plain JS, offline)."""
    def t(zh: str, en: str) -> str:
        return tr(zh, en, lang)

    cities = sorted({(e["city_code"], e["city"]) for e in entries})
    verdicts = [(k, VERDICT_LABELS[k][0 if lang == "zh" else 1]) for k in VERDICT_LABELS
                if any(e["verdict"] == k for e in entries)]
    if any(e["verdict"] is None for e in entries):
        verdicts.append(("none", t("未报送", "not submitted")))
    city_opts = "".join(f'<option value="{esc(c)}">{esc(n)}</option>' for c, n in cities)
    verdict_opts = "".join(f'<option value="{esc(k)}">{esc(n)}</option>' for k, n in verdicts)
    search = esc(t("按名称或代码搜索", "Search by name or code"))
    link = (f' <a href="{esc(workbook)}" download>{esc(t("导出Excel（全部行）", "Excel export (all rows)"))}</a>'
            if workbook else "")
    return (f'<div class="filters"><input type="search" id="cl-search" placeholder="{search}" '
            f'aria-label="{search}"> '
            f'<select id="cl-city" aria-label="{esc(t("所属市", "City"))}"><option value="">'
            f'{esc(t("全部城市", "All cities"))}</option>{city_opts}</select> '
            f'<select id="cl-verdict" aria-label="{esc(t("认定结论", "Verdict"))}"><option value="">'
            f'{esc(t("全部结论", "All verdicts"))}</option>{verdict_opts}</select> '
            f'<span id="cl-count" class="note"></span>{link}</div>')


def _with_row_data(table_html: str, entries: Sequence[dict[str, Any]]) -> str:
    """The index table with each body row carrying what the filters read (search key, city, verdict)."""
    head, sep, body = table_html.partition("<tbody>")
    rows = body.split("<tr")
    out = [rows[0]]
    for e, row in zip(entries, rows[1:], strict=True):
        attrs = (f' data-search="{esc(e["search"])}" data-city="{esc(e["city_code"])}"'
                 f' data-verdict="{esc(e["verdict"] or "none")}"')
        out.append(attrs + row)
    head = head.replace('<table class="cl sortable">',
                        '<div class="table-scroll"><table class="cl sortable" id="cl-index">', 1)
    return head + sep + "<tr".join(out) + "</div>"

