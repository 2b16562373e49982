"""The three forms of every document (analyses and county reports).

* ``folder``: ``<name>.html`` beside one shared ``plotly.min.js`` (as the report batch writes them);
* ``standalone``: one HTML file with plotly.js inlined once, that works alone when copied or mailed;
* ``pdf``: an A4 PDF printed by Debian's chromium (headless, no network) with the print styles of
  :mod:`creditlab.views.htmlpage` (no plotly tool bar, banner on every page, tables expanded).

Every write is atomic (:mod:`creditlab.core.atomic`).
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..core.atomic import atomic_path, write_text
from ..core.errors import CreditlabError
from ..core.i18n import tr
from ..views.figures import copy_plotly_js, plotly_js_path, plotly_script_tag, strip_inline_plotly
from ..views.htmlpage import page

CHROMIUM = ("chromium", "chromium-browser")
PDF_TIMEOUT = 180          # seconds for chromium to print one document
PDF_BUDGET_MS = 10000      # virtual time for the charts to draw before printing
PDF_WINDOW = "794,1123"    # A4 at 96 dpi: charts drawn at the width they are printed at
_EXPORTER: Any = None


class ExportError(CreditlabError):
    """A document cannot be written in the form asked for (no chromium, a folder that is a file, ...)."""


def check_folder(folder: Path, lang: str = "zh") -> Path:
    """Create ``folder`` (and parents) or say clearly why it cannot be."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise ExportError(tr(f"无法写入文件夹 {folder}：{existing} 是文件，不是文件夹（--out 应为文件夹）",
                             f"cannot write the folder {folder}: {existing} is a file, not a folder "
                             "(--out names a folder)", lang))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(tr(f"无法创建文件夹 {folder}：{exc.strerror or exc}",
                             f"cannot create the folder {folder}: {exc.strerror or exc}", lang)) from None
    return folder


def notebook_body(nb: Any) -> str:
    """An executed notebook's outputs as HTML: no code, prompts, stderr, parameters or inline plotly.js."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                                exclude_output_prompt=True)
        exporter.register_preprocessor(TagRemovePreprocessor(
            remove_cell_tags={"remove_cell", "parameters", "injected-parameters"}), enabled=True)
        _EXPORTER = exporter
    nb = nb.copy() if hasattr(nb, "copy") else nb
    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell = cell.copy()
            # warnings are for the error notebook, not for the reader
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cells.append(cell)
    nb["cells"] = cells
    body, _ = _EXPORTER.from_notebook_node(nb)
    return strip_inline_plotly(body)


def title_of(body: str, default: str) -> str:
    """The text of the document's first ``<h1>`` (its title), else ``default``."""
    m = re.search(r"<h1[^>]*>(.*?)</h1>", body, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else ""
    return text or default


def inline_plotly_tag() -> str:
    """plotly.js inlined once, for a standalone page."""
    js = plotly_js_path().read_text(encoding="utf-8")
    return f'<script charset="utf-8">{js}</script>'


def standalone(page_html: str) -> str:
    """A folder page made standalone: its shared ``plotly.min.js`` tag replaced by plotly.js inline (once)."""
    tag = plotly_script_tag()
    if tag not in page_html:
        raise ExportError("the page does not load the shared plotly.min.js: cannot make it standalone")
    head, _, rest = page_html.partition(tag)
    return head + inline_plotly_tag() + rest.replace(tag, "")


def _chromium() -> str:
    exe = next((shutil.which(c) for c in CHROMIUM if shutil.which(c)), None)
    if exe is None:
        raise ExportError("chromium is not installed: --pdf needs Debian's chromium (apt-get install chromium); "
                          "the folder and --standalone forms need no browser")
    return exe


def print_pdf(html_path: Path, pdf_path: Path, lang: str = "zh") -> Path:
    """Print ``html_path`` to an A4 PDF with headless chromium, offline; the charts drawn first."""
    exe = _chromium()
    with tempfile.TemporaryDirectory(prefix="cl-chromium-") as profile, atomic_path(pdf_path) as tmp:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
               "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
               "--no-pdf-header-footer", f"--virtual-time-budget={PDF_BUDGET_MS}",
               "--run-all-compositor-stages-before-draw", f"--window-size={PDF_WINDOW}",
               f"--print-to-pdf={tmp}", Path(html_path).resolve().as_uri()]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise ExportError(tr(f"chromium 在{PDF_TIMEOUT}秒内未能打印 {html_path}",
                                 f"chromium did not print {html_path} within {PDF_TIMEOUT} s", lang)) from None
        if res.returncode != 0 or not Path(tmp).is_file() or Path(tmp).stat().st_size == 0:
            raise ExportError(tr(f"chromium 未能打印 {html_path}：{res.stderr.strip()[-500:]}",
                                 f"chromium could not print {html_path}: {res.stderr.strip()[-500:]}", lang))
    return pdf_path


def open_details(page_html: str) -> str:
    """Every ``<details>`` open (for printing: collapsed tables must be on paper)."""
    return re.sub(r"<details(?![^>]*\bopen\b)", "<details open", page_html)


def write_page(page_html: str, target: Path, form: str = "folder", lang: str = "zh") -> Path:
    """Write a complete folder-form page (one that loads ``plotly.min.js``) as ``<target>.html`` or ``.pdf``."""
    folder = target.parent
    html_target, pdf_target = folder / f"{target.name}.html", folder / f"{target.name}.pdf"
    if form == "folder":
        copy_plotly_js(folder)
        return write_text(html_target, page_html)
    if form == "standalone":
        return write_text(html_target, standalone(page_html))
    if form == "pdf":
        with tempfile.TemporaryDirectory(prefix=".print-", dir=folder) as work:
            html_path = Path(work) / "print.html"
            html_path.write_text(open_details(standalone(page_html)), encoding="utf-8")
            return print_pdf(html_path, pdf_target, lang)
    raise ExportError(f"unknown form {form!r}")


def write_document(nb: Any, target: Path, *, form: str = "folder", lang: str = "zh", title: str = "") -> Path:
    """An executed notebook as a document ``target`` (+ .html or .pdf) in ``form``."""
    body = notebook_body(nb)
    return write_page(page(title_of(body, title), body, lang=lang), target, form, lang)


def export_reports(year_dir: Path, codes: list[str], form: str, lang: str = "zh") -> list[Path]:
    """The county reports ``codes`` of a batch folder in another form, beside the pages:
    ``<code>.standalone.html`` or ``<code>.pdf`` (the folder's layout is unchanged)."""
    out = []
    for code in codes:
        src = year_dir / f"{code}.html"
        if not src.is_file():
            continue
        text = src.read_text(encoding="utf-8")
        target = year_dir / (f"{code}.standalone" if form == "standalone" else code)
        out.append(write_page(text, target, form, lang))
    return out
