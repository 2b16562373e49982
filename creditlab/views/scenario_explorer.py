"""The scenario explorer (``notebooks/02_scenario_explorer.ipynb``): weight sliders and named presets.

The notebook builds one :class:`ScenarioExplorer` from its parameters and only displays what it returns;
every number comes from the evaluated model's weight view (``model.evaluate``, ``model.weights_vector``)
and every text from :mod:`creditlab.views.sensitivity_figures`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display

from ..analysis.sensitivity import WeightModel
from ..analysis.weights import Scenario, load_scenarios, scenarios_path
from ..core.i18n import check_lang
from .banner import banner_html
from .figures import widget_outputs
from .sensitivity_figures import (
    explorer_html,
    load_model,
    scenarios_html,
    score_threshold,
    scores_figure,
    weights_figure,
)


@dataclass
class ScenarioExplorer:
    """What ``02_scenario_explorer.ipynb`` shows: weight sliders and presets, and what they change.

    Every number comes from ``model.evaluate`` / ``model.weights_vector``; the widgets only collect weights.
    """

    model: WeightModel
    scenarios: list[Scenario]
    synthetic: tuple[str, ...]     # roles of the synthetic inputs (empty: all real); the banner names them
    lang: str

    @classmethod
    def from_params(cls, rubric: str, data: str | list[str] = "", context: str | list[str] = "", *,
                    year: int | None = None, scope: str | list[str] | None = "province", level: str = "level2",
                    language: str = "zh") -> ScenarioExplorer:
        """Load the data (``""``: the bundled demo files) and the rubric's named scenarios."""
        lang = check_lang(language)
        model, synthetic, _paths = load_model(rubric, data, context, year=year, scope=scope, level=level, lang=lang)
        # A rubric without a scenarios file (linyi-2019, henan-2021) has no presets; a broken file is an error.
        scenarios = load_scenarios(model.rubric) if scenarios_path(model.rubric).is_file() else []
        return cls(model=model, scenarios=scenarios, synthetic=synthetic, lang=lang)

    @property
    def threshold(self) -> float | None:
        return score_threshold(self.model)

    def banner_html(self) -> str:
        """The synthetic-data banner, empty when every input is real."""
        return banner_html(self.lang, self.synthetic) if self.synthetic else ""

    def summary(self) -> str:
        m = self.model
        return f"{m.rubric.title_zh} — {m.year}: {m.n_regions} regions, weights {', '.join(m.ids)}"

    def show_widgets(self) -> tuple[widgets.VBox, widgets.Output]:
        """Display the preset picker, one slider per weight (points) and the output they redraw, then draw it.

        Returns the controls and the output (a test moves them as a person would).
        """
        model, lang = self.model, self.lang
        names = model.indicator_names(lang)
        sliders = {
            k: widgets.FloatSlider(value=w, min=0.0, max=round(3 * w, 1), step=0.5, description=f"{k} {names[k]}",
                                   style={"description_width": "220px"}, layout=widgets.Layout(width="560px"),
                                   continuous_update=False)
            for k, w in model.nominal.items()
        }
        preset = widgets.Dropdown(
            options=[("现行权重 · rubric's weights", "nominal")]
            + [(f"{s.name_zh} · {s.name_en}", s.id) for s in self.scenarios],
            value="nominal", description="方案 preset")
        out = widgets.Output()
        busy = [False]  # one redraw for a whole preset, not one per slider it moves

        def redraw(*_: Any) -> None:
            # Replace the Output's content in one go (see figures.widget_outputs for why not `with out:`).
            if busy[0]:
                return
            raw = pd.Series({k: s.value for k, s in sliders.items()})
            if raw.sum() <= 0:
                out.outputs = widget_outputs(HTML("至少一项权重须大于0 · at least one weight must be above 0"))
                return
            weights = model.weights_vector(raw)
            out.outputs = widget_outputs(
                HTML(explorer_html(model, weights, lang)),
                scores_figure(model.evaluate(weights), self.threshold, lang),
                weights_figure(model, weights, lang),
            )

        def apply_preset(change: dict[str, Any]) -> None:
            chosen = next((s for s in self.scenarios if s.id == change["new"]), None)
            target = model.weights_vector(chosen)
            busy[0] = True
            for k, s in sliders.items():
                s.max = max(s.max, round(float(target[k]) + 0.5, 1))
                s.value = float(target[k])
            busy[0] = False
            redraw()

        for s in sliders.values():
            s.observe(redraw, names="value")
        preset.observe(apply_preset, names="value")
        controls = widgets.VBox([preset, *sliders.values()])
        display(controls, out)
        redraw()
        return controls, out

    def scenarios_html(self) -> str:
        return scenarios_html(self.model, self.scenarios, self.lang)
