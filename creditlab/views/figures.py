"""Plotly set-up shared by every notebook: offline charts that survive nbconvert, Chinese fonts.

Importing this module registers the renderer ``creditlab`` and makes it the default:

* JupyterLab shows the interactive ``application/vnd.plotly.v1+json`` output;
* nbconvert, which cannot show that type, falls back to a ``text/html`` output that draws the
  chart with a *global* ``Plotly`` object and loads nothing from the network (no CDN, no MathJax,
  no copy of plotly.js per chart). HTML reports load one shared local ``plotly.min.js``
  (see :func:`plotly_js_path` and :func:`plotly_script_tag`).

So that a plain ``jupyter nbconvert --to html`` of an executed notebook draws its charts too, the first
chart of each run (after :func:`setup`) carries plotly.js inline once, between :data:`INLINE_BEGIN` and
:data:`INLINE_END`; creditlab's own pages strip it (:func:`strip_inline_plotly`) and load the shared copy.
Kernels of the report batch set ``CREDITLAB_PLOTLYJS=page``: their pages always load it themselves.
"""
from __future__ import annotations

import html
import os
import shutil
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

from ..core.atomic import atomic_path

FONT_FAMILY = (
    '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", '
    '"WenQuanYi Micro Hei", "Hiragino Sans GB", sans-serif'
)
PLOTLY_JS = "plotly.min.js"
PLOTLYJS_ENV = "CREDITLAB_PLOTLYJS"   # "page": never inline plotly.js (the page loads it)
INLINE_BEGIN = "<!-- creditlab:plotly.js -->"
INLINE_END = "<!-- /creditlab:plotly.js -->"
_inline = {"sent": False}


def inline_plotly_js() -> str:
    """plotly.js as inline scripts between the markers, with an AMD loader on the page (require.js, which
    nbconvert's lab template loads) hidden meanwhile, so that it defines the global ``Plotly``."""
    js = plotly_js_path().read_text(encoding="utf-8")
    return (f'{INLINE_BEGIN}<script>window.__clDefine = window.define; window.define = undefined;</script>'
            f'<script charset="utf-8">{js}</script>'
            f'<script>window.define = window.__clDefine;</script>{INLINE_END}')


def strip_inline_plotly(text: str) -> str:
    """``text`` without the inline plotly.js a notebook's first chart carries."""
    while INLINE_BEGIN in text:
        start = text.index(INLINE_BEGIN)
        end = text.find(INLINE_END, start)
        if end < 0:
            break
        text = text[:start] + text[end + len(INLINE_END):]
    return text


class OfflineHtmlRenderer(MimetypeRenderer):
    """``text/html`` output that expects ``Plotly`` on the page; the first chart of a run brings it inline
    (unless ``CREDITLAB_PLOTLYJS=page``)."""

    def to_mimebundle(self, fig_dict):  # noqa: D102 - plotly's renderer protocol
        text = figure_html(fig_dict)
        if not _inline["sent"] and os.environ.get(PLOTLYJS_ENV, "") != "page":
            _inline["sent"] = True
            text = inline_plotly_js() + text
        return {"text/html": text}


def figure_html(fig: go.Figure | dict, div_id: str | None = None) -> str:
    """An HTML fragment for ``fig`` without plotly.js, MathJax or any network reference.

    ``div_id``: a fixed id (else a random one) — the same figure then gives the same bytes.
    """
    return pio.to_html(
        fig, include_plotlyjs=False, include_mathjax=False, full_html=False,
        default_width="100%", default_height=460, validate=False,
        config={"displaylogo": False, "responsive": True}, div_id=div_id,
    )


def chart_text(value: Any) -> str:
    """Text from data (region names, ...) made safe for plotly text, titles, annotations, ticks and hover.

    plotly.js renders a subset of HTML in chart text (``<a href>``, ``<b>``, ``<br>``, ...) and
    decodes entities: escaping ``&``, ``<`` and ``>`` shows the name as written, never as markup.
    """
    return html.escape("" if value is None else str(value), quote=False)


def chart_texts(values: Any) -> list[str]:
    """:func:`chart_text` of every value of a sequence (a list, for plotly's data arrays)."""
    return [chart_text(v) for v in values]


def plotly_js_path() -> Path:
    """The plotly.min.js that ships inside the installed plotly package."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    if not path.exists():
        raise FileNotFoundError(f"{path}: plotly.min.js not found in the plotly package")
    return path


def copy_plotly_js(folder: str | Path) -> Path:
    """Put one copy of plotly.min.js in ``folder`` (shared by every report there)."""
    target = Path(folder) / PLOTLY_JS
    src = plotly_js_path()
    if not target.exists() or target.stat().st_size != src.stat().st_size:
        # Atomic: a full disk leaves no truncated script that every report would load.
        with atomic_path(target) as tmp:
            shutil.copyfile(src, tmp)
    return target


def plotly_script_tag(src: str = PLOTLY_JS) -> str:
    """The ``<script>`` tag that loads the shared local plotly.js (a relative path, never a URL)."""
    if "://" in src or src.startswith("//"):
        raise ValueError(f"plotly.js must be loaded from a local path, not {src!r}")
    return f'<script src="{html.escape(src, quote=True)}" charset="utf-8"></script>'


def _template() -> go.layout.Template:
    t = go.layout.Template(pio.templates["plotly_white"])
    t.layout.font = dict(family=FONT_FAMILY, size=13)
    t.layout.margin = dict(l=60, r=30, t=60, b=50)
    return t


def setup() -> None:
    """Register and select the creditlab renderer and template (idempotent); the next chart brings plotly.js."""
    _inline["sent"] = False
    pio.renderers["creditlab_html"] = OfflineHtmlRenderer()
    pio.renderers.default = "plotly_mimetype+creditlab_html"
    pio.templates["creditlab"] = _template()
    pio.templates.default = "creditlab"


def widget_outputs(*objs: Any) -> tuple[dict[str, Any], ...]:
    """Display outputs for ``ipywidgets.Output.outputs``: ``out.outputs = widget_outputs(html, fig)``.

    Setting the widget's outputs directly, rather than ``with out: display(...)``, keeps headless runs
    reliable: nbclient (papermill, nbconvert) mimics the Output widget by sending messages on the
    shell channel while it waits for the cell's reply, and sometimes blocks until its timeout
    (jupyter/nbclient#312). Plotly figures are formatted with creditlab's renderers.
    """
    from IPython.core.formatters import DisplayFormatter

    fmt = DisplayFormatter()  # every MIME type active, whatever shell (if any) runs this
    out = []
    for obj in objs:
        if isinstance(obj, go.Figure):
            # Not fmt.format: a Figure's _ipython_display_ would display it at once, outside the widget.
            data, meta = dict(obj._repr_mimebundle_()), {}
            data.setdefault("text/plain", "<plotly figure>")
        else:
            data, meta = fmt.format(obj)
        out.append({"output_type": "display_data", "data": data, "metadata": meta})
    return tuple(out)


setup()
