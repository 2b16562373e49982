"""Where creditlab finds its bundled data and writes its reports."""
from __future__ import annotations

import os
import re
from pathlib import Path

from .i18n import check_lang

# A rubric's name as a folder name: letters, digits, dot, dash, underscore; no path, no leading dot.
_FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # creditlab/core/paths.py → the project


def data_dir() -> Path:
    """The data folder: ``$CREDITLAB_DATA`` if set, else the project's ``data/``."""
    env = os.environ.get("CREDITLAB_DATA")
    return Path(env).resolve() if env else PROJECT_ROOT / "data"


def reports_dir() -> Path:
    """The reports folder: ``$CREDITLAB_REPORTS`` if set, else the project's ``reports/``."""
    env = os.environ.get("CREDITLAB_REPORTS")
    return Path(env).resolve() if env else PROJECT_ROOT / "reports"


def rubric_stem(rubric: str | Path) -> str:
    """What names a rubric in file and folder names: its name (``shaanxi-2020``), or its YAML file's stem."""
    text = str(rubric).strip()
    return Path(text).stem if text.endswith((".yaml", ".yml")) else text


def report_folder(root: str | Path, rubric: str | Path, year: int, lang: str) -> Path:
    """The folder of one rubric's reports of one year in one language: ``<root>/<rubric>/<year>/<lang>/``.

    Languages never share a folder (an English run never overwrites a Chinese page), and several rubrics
    may evaluate the same year. ``rubric`` is its name (``shaanxi-2020``) or its YAML path (the file's stem
    is used); anything that is not a plain folder name is refused (no path from data or arguments).
    """
    name = rubric_stem(rubric)
    if not _FOLDER_NAME.fullmatch(name):
        raise ValueError(f"rubric {name!r} cannot name a reports folder (letters, digits, '.', '-', '_' only)")
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"year must be a whole number, got {year!r}")
    return Path(root) / name / str(int(year)) / check_lang(lang)


def slug(*parts: object) -> str:
    """A file name from ``parts``: letters, digits (Chinese included), ``-`` and ``.``; never a path."""
    text = "_".join(str(p) for p in parts if p not in (None, "", []))
    text = re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip(".-_")
    return text[:120] or "analysis"


def language_tag(lang: str) -> str | None:
    """What a document's file name adds for its language: nothing for Chinese (the default), ``en`` for English,
    so the two versions written into one folder never replace each other."""
    return None if lang == "zh" else str(lang)

