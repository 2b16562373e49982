"""The synthetic-data banner: every output made from demo data says so, visibly.

A dataset is synthetic when a ``metadata.yaml`` in its folder says ``synthetic: true``
(the bundled ``data/demo/`` does).
"""
from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

import yaml

BANNER_ZH = "模拟数据 — 本报告由程序生成的模拟数据制作，不是对任何真实县（市、区）的评估。"
BANNER_EN = "模拟数据 — synthetic demo data, not an assessment of any real county."
BANNER_SHORT = "模拟数据 — synthetic demo data, not an assessment of any real county"


def is_synthetic(paths: str | Path | Iterable[str | Path]) -> bool:
    """True if any of ``paths`` lies in a folder whose ``metadata.yaml`` declares synthetic data."""
    if isinstance(paths, str | Path):
        paths = [paths]
    for p in paths:
        p = Path(p)
        folder = p if p.is_dir() else p.parent
        meta = folder / "metadata.yaml"
        if meta.exists():
            try:
                doc = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                continue
            if isinstance(doc, dict) and doc.get("synthetic") is True:
                return True
    return False


def banner_text(lang: str = "zh") -> str:
    """The banner sentence in the report's language (always starting with 模拟数据)."""
    return BANNER_ZH if lang == "zh" else BANNER_EN


def banner_html(lang: str = "zh") -> str:
    """A visible banner block for HTML reports."""
    return (
        '<div class="creditlab-banner" role="alert" style="background:#fff3cd;border:2px solid #d39e00;'
        'color:#5c4400;padding:10px 14px;margin:0 0 12px 0;font-size:16px;font-weight:bold;">'
        f"{html.escape(banner_text(lang))}</div>"
    )
