"""Safe YAML loading that names the file and the position of a syntax error."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import RubricError


def load_yaml(path: Path, error: type[Exception] = RubricError) -> Any:
    """Parse ``path`` with ``yaml.safe_load``; raise ``error`` naming the file and line on failure."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{path}:{where}: invalid YAML: {problem}") from None
