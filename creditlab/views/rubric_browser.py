"""The rubric browser (``notebooks/01_rubric_browser.ipynb``): one rubric's rows, conditions and choices.

The notebook builds one :class:`RubricBrowser` from its parameters and only displays what it returns;
the tables and charts are :mod:`creditlab.views.rubric_views`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from ..core.i18n import check_lang, tr
from ..core.problems import default_lang
from ..loaders.rubric import Rubric, list_rubrics, load_rubric
from .figures import widget_outputs
from .rubric_views import criteria_table, level_points_figure, structure, styled, sunburst

PICKER_ROWS = 60  # rows of the criteria table the interactive picker shows


@dataclass
class RubricBrowser:
    """One rubric (by name) in one language, and every bundled rubric for the comparison."""

    rubric: Rubric
    lang: str
    names: list[str] = field(default_factory=list)   # the bundled rubrics, in list_rubrics() order

    @classmethod
    def from_params(cls, rubric: str, language: str = "zh") -> RubricBrowser:
        """Load ``rubric`` (a name in data/rubrics/ or a path); ``language`` is zh or en (empty:
        ``$CREDITLAB_LANG``, else zh — what ``creditlab app --lang`` sets)."""
        lang = check_lang(language or default_lang())
        return cls(rubric=load_rubric(rubric), lang=lang, names=list_rubrics())

    def summary(self) -> str:
        """Title (both languages) and source document, one per line."""
        r = self.rubric
        return (f"{r.title_zh} | {r.title_en}\n"
                f"来源 source: {r.source['document']} — {r.source['file']}")

    def _points(self) -> tuple[str, ...]:
        return (tr("分值", "points", self.lang),)

    def criteria(self) -> Styler:
        """The scoring rows, text left-aligned, points as written."""
        return styled(criteria_table(self.rubric, self.lang), self._points())

    def sunburst(self) -> go.Figure:
        return sunburst(self.rubric, self.lang)

    def conditions_text(self) -> str:
        """Each certification condition, numbered, in Chinese and English."""
        return "\n".join(f"{c.get('number') or c['id']} {c['text_zh']} | {c['text_en']}"
                         for c in self.rubric.certification["conditions"])

    def choices_text(self) -> str:
        """The interpretation choices written down in the rubric's data file."""
        return "\n".join(f"[{c['id']}] {c['en']}" for c in self.rubric.choices)

    def picker(self) -> tuple[widgets.Dropdown, widgets.Output]:
        """A rubric picker and the output (criteria table and sunburst) it redraws (drawn once here)."""
        dropdown = widgets.Dropdown(options=self.names, value=self.rubric.name, description="rubric")
        out = widgets.Output()

        def show(change: object = None) -> None:
            # Replace the Output's content in one go (see figures.widget_outputs for why not `with out:`).
            r = load_rubric(dropdown.value)
            out.outputs = widget_outputs(styled(criteria_table(r, self.lang).head(PICKER_ROWS), self._points()),
                                         sunburst(r, self.lang))

        dropdown.observe(show, names="value")
        show()
        return dropdown, out

    @cached_property
    def all_rubrics(self) -> list[Rubric]:
        return [load_rubric(n) for n in self.names]

    def structure(self) -> Styler:
        """The bundled rubrics side by side (a table, text left-aligned)."""
        frame = structure(self.all_rubrics, self.lang)
        return styled(frame, tuple(c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])))

    def level_points_figure(self) -> go.Figure:
        return level_points_figure(self.all_rubrics, self.lang)
