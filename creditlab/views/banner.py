"""The synthetic-data banner: every output made from demo data says so, visibly, and says which inputs.

A file is synthetic when a ``metadata.yaml`` in its folder says ``synthetic: true`` (the bundled
``data/demo/`` does). The metadata may narrow that down with ``synthetic_files:`` (a list of file
names in the folder); without the list every file of the folder is synthetic.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from ..core.errors import DataError
from ..core.yamlio import load_yaml

BANNER_ZH = "模拟数据 — 本报告由程序生成的模拟数据制作，不是对任何真实县（市、区）的评估。"
BANNER_EN = "模拟数据 — synthetic demo data, not an assessment of any real county."

# The inputs a banner can name (roles as in creditlab.report.Inputs.files).
ROLE_LABELS = {"data": ("指标数据", "indicator data"), "context": ("认定条件数据", "certification-condition data")}


def _synthetic_file(path: Path) -> bool:
    folder = path if path.is_dir() else path.parent
    meta = folder / "metadata.yaml"
    if not meta.is_file():
        return False
    # A metadata file that cannot be read is an error, not a guess either way (bounded loader: no bombs).
    doc = load_yaml(meta, DataError) or {}
    if not isinstance(doc, dict) or doc.get("synthetic") is not True:
        return False
    files = doc.get("synthetic_files")
    if path.is_dir() or not isinstance(files, list):
        return True
    return path.name in {str(f) for f in files}


def is_synthetic(paths: str | Path | Iterable[str | Path]) -> bool:
    """True if any of ``paths`` is declared synthetic by the ``metadata.yaml`` of its folder."""
    if isinstance(paths, str | Path):
        paths = [paths]
    return any(_synthetic_file(Path(p)) for p in paths)


def synthetic_roles(files: Iterable[tuple[str, str | Path]]) -> list[str]:
    """The roles (``data``, ``context``, ...) of ``(role, path)`` pairs whose file is synthetic, in order."""
    out: list[str] = []
    for role, path in files:
        if role not in out and _synthetic_file(Path(path)):
            out.append(role)
    return out


def banner_text(lang: str = "zh", which: Sequence[str] = ()) -> str:
    """The banner sentence in the report's language (always starting with 模拟数据).

    ``which``: the synthetic inputs' roles (``data``, ``context``); the banner names them.
    """
    named = [ROLE_LABELS.get(r, (r, r)) for r in which]
    if not named:
        return BANNER_ZH if lang == "zh" else BANNER_EN
    if lang == "zh":
        return (f"模拟数据 — 本报告的{'和'.join(z for z, _ in named)}为程序生成的模拟数据，"
                "不是对任何真实县（市、区）的评估。")
    return (f"模拟数据 — synthetic demo data ({' and '.join(e for _, e in named)}), "
            "not an assessment of any real county.")


def banner_sheet(text: str, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's first sheet when its data are synthetic (``text``: the banner sentence): a workbook
    forwarded alone says so as plainly as the page. Empty ``text``: no sheet."""
    if not text:
        return {}
    sheet, column = ("模拟数据", "说明") if lang == "zh" else ("synthetic data", "note")
    return {sheet: pd.DataFrame({column: [text]})}


def banner_html(lang: str = "zh", which: Sequence[str] = ()) -> str:
    """A visible banner block for HTML reports (naming the synthetic inputs if ``which`` is given)."""
    return (
        '<div class="creditlab-banner" role="alert" style="background:#fff3cd;border:2px solid #d39e00;'
        'color:#5c4400;padding:10px 14px;margin:0 0 12px 0;font-size:16px;font-weight:bold;">'
        f"{html.escape(banner_text(lang, which))}</div>"
    )
