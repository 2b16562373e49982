"""Indicator data: one tidy long format for every rubric, read from CSV or Excel and validated.

The long format has exactly the columns ``region, year, criterion, value, evidence``:

- ``region``: a 6-digit division code from ``data/regions/regions.csv`` or a creditlab zone id
  (``KF`` + 6 digits, ``data/regions/zones.csv``: development zones have no official code);
- ``year``: the evaluation year (int);
- ``criterion``: a criterion id of the rubric (for norm-referenced rubrics such as linyi-2019, a
  metric id);
- ``value``: float; met/not met as 1/0, rates in percent (0–100), counts as whole numbers, and
  discretionary/graded criteria as the points awarded. NaN means "not assessed" (未评估): a blank
  cell is kept as NaN, never scored as zero or dropped;
- ``evidence``: free text ("" if none). Text is data: a cell starting with ``=``, ``+``, ``-`` or
  ``@`` is read literally and written into workbooks as a string, never as a formula.

Reading takes what a person typed and saw, and refuses what cannot be trusted:

- a percent-formatted Excel cell (85.1 % is stored as 0.851) reads as the percent shown, 85.1; a
  value ≤ 1 for a rate in percent from a CSV or an unformatted cell is a warning (0.85 or 85 %?),
  never silently rescaled; full-width digits, ％, － and ． (８５％) are folded, with a warning;
- an unknown or misspelt column (with the closest known name), a repeated column and data under a
  nameless column are errors; CSV files are UTF-8 (with or without BOM), GB18030 or Big5
  (:func:`creditlab.tables.decode_text`), and an ambiguous or garbled decoding is an error;
- years lie in creditlab's one range (:mod:`creditlab.years`) and the rubric's years;
- Excel sheets are read sparsely from their XML with cached values only (a formula Excel never
  calculated is its text, never evaluated); a stray cell far away costs nothing and is ignored
  with a warning.

Every problem is reported at once through :class:`creditlab.problems.Problems` in a
:class:`~creditlab.errors.DataError`, in Chinese by default (``lang="en"``), each naming the file, the
sheet (Excel), the row a person sees (header = row 1), the column, the county by name and code
(宝鸡市金台区（610303）) and what is wrong; the same problem on many rows is one line, and the
lines are capped. Warnings go with the result, ``frame.attrs["warnings"]``, and are issued as one
:class:`DataWarning`.

Excel templates (:func:`write_template`) have one sheet per region, named by the region code, which
is also stored in the sheet (cell A2): :func:`read_workbook` files a sheet's data under that stored
code and rejects a sheet whose name disagrees. A region sheet left completely empty is 未填报 (not
reported): a warning, and the county is left out (``frame.attrs["not_reported"]``), never scored as
zero. A hidden ``_creditlab`` sheet records the rubric, its version, the year and the template format
version, which :func:`read_workbook` checks. When the rubric's certification conditions need context,
a sheet ``认定条件`` (:data:`CONTEXT_SHEET`) has one row per region, which :func:`ingest` turns into a
context file for :func:`load_context`. What :func:`ingest` writes, and when, is described in its
docstring and in the README (partial output, problems file).
"""

from __future__ import annotations

from ..core.atomic import atomic_path, check_out
from ..core.errors import DataError, RubricError
from ..core.fields import CONTEXT_FIELDS, FIELD_LABELS
from ..core.i18n import check_lang
from ..core.paths import data_dir
from ..core.problems import MAX_ROWS_SHOWN, Problem, Problems, default_lang
from ..core.tables import UndecodableText, decode_text, percent_styles, xml_rows
from ..core.years import YEAR_MAX, YEAR_MIN, year_mask, year_problem

# The public face of the indicator-data loaders, split by concern (issue 15): formats (columns, template layout),
# zones, validate, indicators (reading, load_data), context, template, ingest. Every name creditlab.data /
# creditlab.loaders.data had is importable from here and is the same object.
from .context import CONTEXT_TEXT, load_context
from .formats import (
    COLUMNS,
    CONTEXT_SHEET,
    DATA_TEXT,
    EVIDENCE_ALIASES,
    FORMAT_VERSION,
    HEADER_ROW,
    MAX_GROUPS,
    META_SHEET,
    README_SHEET,
    REQUIRED,
    STRAY_GAP,
    TEMPLATE_FORMAT,
    TEMPLATE_OTHER_SHEETS,
)
from .indicators import DATA_COLUMNS, DataWarning, completeness, data_years, load_data, read_workbook
from .ingest import (
    DATA_SUFFIXES,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    FOREIGN_SUFFIXES,
    OUT_SUFFIXES,
    PROBLEM_COLUMNS,
    IngestResult,
    cli_ingest,
    cli_template,
    ingest,
    input_files,
    output_paths,
    scan_folder,
    write_csv,
    write_problems,
)
from .regions import cities, counties, in_city, load_regions, regions_path
from .rubric import Rubric, list_rubrics, load_rubric, rule_words
from .template import _MANDATORY_FILL, context_fields, write_template  # noqa: F401 (_MANDATORY_FILL: tests)
from .validate import Msg, infer_rubric, value_ids
from .zones import ZONE_CODE, ZONE_COLUMNS, ZONE_TYPES, assessment_units, load_zones, park_codes, zones_path

__all__ = [
    'COLUMNS', 'CONTEXT_FIELDS', 'CONTEXT_SHEET', 'CONTEXT_TEXT', 'DATA_COLUMNS', 'DATA_SUFFIXES', 'DATA_TEXT',
    'DataError', 'DataWarning', 'EVIDENCE_ALIASES', 'EXIT_OK', 'EXIT_PROBLEMS', 'EXIT_USAGE', 'FIELD_LABELS',
    'FOREIGN_SUFFIXES', 'FORMAT_VERSION', 'HEADER_ROW', 'IngestResult', 'MAX_GROUPS', 'MAX_ROWS_SHOWN',
    'META_SHEET', 'Msg', 'OUT_SUFFIXES', 'PROBLEM_COLUMNS', 'Problem', 'Problems', 'README_SHEET', 'REQUIRED',
    'Rubric', 'RubricError', 'STRAY_GAP', 'TEMPLATE_FORMAT', 'TEMPLATE_OTHER_SHEETS', 'UndecodableText',
    'YEAR_MAX', 'YEAR_MIN', 'ZONE_CODE', 'ZONE_COLUMNS', 'ZONE_TYPES', 'assessment_units', 'atomic_path',
    'check_lang', 'check_out', 'cities', 'cli_ingest', 'cli_template', 'completeness', 'context_fields',
    'counties', 'data_dir', 'data_years', 'decode_text', 'default_lang', 'in_city', 'infer_rubric', 'ingest',
    'input_files',
    'list_rubrics', 'load_context', 'load_data', 'load_regions', 'load_rubric', 'load_zones', 'output_paths',
    'park_codes', 'percent_styles', 'read_workbook', 'regions_path', 'rule_words', 'scan_folder', 'value_ids',
    'write_csv', 'write_problems', 'write_template', 'xml_rows', 'year_mask', 'year_problem', 'zones_path',
]
