"""The long format's columns and the template layout (sheet names, header row, stored code and year),
shared by reading, validating, writing templates and ingesting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..core import safecells
from ..core.problems import Problem, Problems, default_lang

COLUMNS = ["region", "year", "criterion", "value", "evidence"]
REQUIRED = ["region", "year", "criterion", "value"]
# Other header spellings accepted for the optional evidence column.
EVIDENCE_ALIASES = ("evidence", "source", "佐证材料", "来源")
# Free-text columns a data file may carry for people's benefit (ignored); any other column is an error.
DATA_TEXT = ("name", "city", "note", "notes", "comment")

TEMPLATE_FORMAT = "creditlab-indicator-template"
FORMAT_VERSION = "1"
META_SHEET = "_creditlab"
README_SHEET = "说明"
HEADER_ROW = 4
# Sheets of a template that are not region sheets (everything else must carry a region code in A2).
CONTEXT_SHEET = "认定条件"  # the template's certification-context sheet (one row per region)
TEMPLATE_OTHER_SHEETS = {META_SHEET, README_SHEET, CONTEXT_SHEET}
# Where a template's region sheet stores its code and year (written by _region_sheet into A2).
_STORED_CODE = re.compile(r"region code:\s*([0-9A-Za-z]+)")
_STORED_YEAR = re.compile(r"year:\s*(\d+)")


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_YES_NO = {"是": 1.0, "否": 0.0, "yes": 1.0, "no": 0.0, "true": 1.0, "false": 0.0}
_HAS_NO = {**_YES_NO, "有": 1.0, "无": 0.0, "1": 1.0, "0": 0.0}
_FORMULA_START = safecells.FORMULA_START
MAX_GROUPS = 50        # distinct messages per check; further rows with the same check are summarised
STRAY_GAP = 1000       # empty rows after which a sheet's table has ended (a far stray cell is not data)


# ---------------------------------------------------------------------------------------------
# Problems (``Problem`` is creditlab.problems.Problem, re-exported: file, sheet, row, column, message)


def _raise(problems: list[Problem], what: str, lang: str | None = None) -> None:
    pb = Problems(what, lang=lang or default_lang())
    pb.extend(problems)
    pb.raise_if_any()


class _Found(list):
    """The problems of one validation, and the positions of every row an error is about (``bad``: all of
    them, where a message lists only the first rows), so ingest can leave out exactly the units holding
    one in a single vectorised pass (not by validating each of a million units again)."""

    def __init__(self) -> None:
        super().__init__()
        self.bad: list[np.ndarray] = []


@dataclass
class _Chunk:
    """One table read from a file: a CSV or one sheet, with the labels of its columns."""

    file: str
    sheet: str
    columns: dict[str, str]  # field -> label shown in messages, e.g. "D (value)"
    fixed: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> where it came from (zh, en)




# The template's columns: (key, header label, width); reading maps the labels back to fields.
_TEMPLATE_COLUMNS = [        # (key, header label, width)
    ("id", "编号 id", 9),
    ("level1", "", 12),
    ("level2", "", 16),
    ("level3", "", 16),
    ("text_zh", "计分标准", 48),
    ("text_en", "criterion (English)", 44),
    ("rule_zh", "计分规则", 22),
    ("rule_en", "rule", 22),
    ("points", "分值 points", 8),
    ("mandatory", "必备条件 mandatory", 11),
    ("value", "填报值 value", 12),
    ("evidence", "佐证材料/来源 evidence", 36),
    ("howto", "填写说明 how to fill in", 26),
]


def _template_labels() -> dict[str, str]:
    return {k: lbl for k, lbl, _ in _TEMPLATE_COLUMNS if lbl}
