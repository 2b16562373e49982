"""Where creditlab finds its bundled data and writes its reports."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # creditlab/core/paths.py → the project


def data_dir() -> Path:
    """The data folder: ``$CREDITLAB_DATA`` if set, else the project's ``data/``."""
    env = os.environ.get("CREDITLAB_DATA")
    return Path(env).resolve() if env else PROJECT_ROOT / "data"


def reports_dir() -> Path:
    """The reports folder: ``$CREDITLAB_REPORTS`` if set, else the project's ``reports/``."""
    env = os.environ.get("CREDITLAB_REPORTS")
    return Path(env).resolve() if env else PROJECT_ROOT / "reports"
