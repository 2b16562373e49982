"""Small, self-contained HTML pages for the reports: no CDN, no external CSS, Chinese fonts first.

A page loads exactly one script, the shared local ``plotly.min.js`` beside it (see
:func:`creditlab.figures.plotly_script_tag`), from ``<head>`` so that the charts' inline scripts
find a global ``Plotly``. Everything interpolated into HTML goes through :func:`esc`.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from .figures import FONT_FAMILY, plotly_script_tag

# Layout of a whole page (never emitted inside a notebook, where it would restyle JupyterLab).
PAGE_CSS = """
body { font-family: %(font)s; color: #1f2933; margin: 0; background: #f5f7fa; line-height: 1.6; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 28px 40px; background: #fff; min-height: 100vh; }
/* nbconvert's basic template: outputs only, no prompts */
.prompt { display: none; } .output_subarea { max-width: 100%%; overflow-x: auto; }
.output_stderr { display: none; }
@media print { body { background: #fff; } main { padding: 0; } }
""" % {"font": FONT_FAMILY}

# Report components, scoped to .creditlab so they are also safe inside a notebook.
COMPONENT_CSS = """
.creditlab { --fg:#1f2933; --muted:#52606d; --line:#d9e2ec; --accent:#1f5f99; --ok:#1e7b34; --bad:#b42318;
        --unknown:#8a6d00; --na:#6b7280; }
.creditlab { font-family: %(font)s; color: var(--fg); line-height: 1.6; }
.creditlab h1 { font-size: 26px; margin: 8px 0 4px; } .creditlab h2 { font-size: 20px; margin: 28px 0 8px;
  border-bottom: 2px solid var(--line); padding-bottom: 4px; } .creditlab h3 { font-size: 16px; margin: 16px 0 6px; }
.subtitle { color: var(--muted); margin: 0 0 12px; }
table.cl { border-collapse: collapse; width: 100%%; margin: 8px 0 12px; font-size: 14px; }
table.cl th, table.cl td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
table.cl th { background: #eef2f7; font-weight: 600; }
table.cl td.num, table.cl th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.cl tr.level1 td { font-weight: 600; background: #f8fafc; }
table.cl tr.total td { font-weight: 700; background: #eef2f7; }
table.sortable th { cursor: pointer; user-select: none; } table.sortable th:after { content: " ⇅"; color: #9aa5b1; }
.ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
.unknown { color: var(--unknown); font-weight: 600; } .na { color: var(--na); font-style: italic; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { flex: 1 1 200px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; background: #fbfcfe; }
.card .label { color: var(--muted); font-size: 13px; } .card .value { font-size: 22px; font-weight: 700; }
.card .note { color: var(--muted); font-size: 12px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 700; }
.verdict.certified, .verdict.eligible { background: #e3f4e8; color: var(--ok); }
.verdict.not_certified { background: #fde8e7; color: var(--bad); }
.verdict.undecided { background: #fff4d6; color: var(--unknown); }
ul.reasons li { margin: 4px 0; }
.provenance { color: var(--muted); font-size: 13px; } .provenance code { font-size: 12px; word-break: break-all; }
.note { color: var(--muted); font-size: 13px; }
.creditlab details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
.creditlab a { color: var(--accent); }
""" % {"font": FONT_FAMILY}

CSS = PAGE_CSS + COMPONENT_CSS

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


def page(title: str, body: str, lang: str = "zh", head_extra: str = "", plotly_src: str | None = "plotly.min.js",
         scripts: str = "") -> str:
    """A complete HTML document around ``body`` (already safe HTML)."""
    html_lang = "zh-CN" if lang == "zh" else "en"
    plotly = plotly_script_tag(plotly_src) if plotly_src else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n{plotly}\n{head_extra}</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n{scripts}</body>\n</html>\n"
    )


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Iterable[int] = (),
          row_classes: Iterable[str] | None = None, cell_classes: Iterable[Sequence[str]] | None = None,
          sort_keys: Iterable[Sequence[Any]] | None = None, sortable: bool = False, raw: Iterable[int] = ()) -> str:
    """An escaped HTML table. ``raw`` columns hold HTML built by creditlab itself (e.g. links, badges)."""
    numeric, raw = set(numeric), set(raw)
    rows = list(rows)
    row_classes = list(row_classes) if row_classes is not None else [""] * len(rows)
    cell_classes = list(cell_classes) if cell_classes is not None else [[""] * len(columns)] * len(rows)
    sort_keys = list(sort_keys) if sort_keys is not None else [[None] * len(columns)] * len(rows)
    cls = "cl sortable" if sortable else "cl"
    head = "".join(f'<th class="num">{esc(c)}</th>' if i in numeric else f"<th>{esc(c)}</th>"
                   for i, c in enumerate(columns))
    body = []
    for row, rcls, ccls, keys in zip(rows, row_classes, cell_classes, sort_keys, strict=True):
        cells = []
        for i, value in enumerate(row):
            classes = " ".join(c for c in ("num" if i in numeric else "", ccls[i]) if c)
            attr = f' class="{esc(classes)}"' if classes else ""
            if keys[i] is not None:
                attr += f' data-sort="{esc(keys[i])}"'
            cells.append(f"<td{attr}>{value if i in raw else esc(value)}</td>")
        body.append(f'<tr class="{esc(rcls)}">' + "".join(cells) + "</tr>" if rcls else "<tr>" + "".join(cells) + "</tr>")
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
