"""Named scenarios side by side (creditlab.analysis.sens_scenarios)."""
from __future__ import annotations

import pandas as pd

from creditlab import sensitivity_figures as sf
from creditlab.weights import load_scenarios


def test_each_scenario_is_the_models_evaluation_under_its_weights():
    model = sf.load_model("shaanxi-2020", year=2024)[0]
    scenarios = load_scenarios(model.rubric)
    table = model.compare_scenarios(scenarios)
    assert list(table["scenario"].unique()) == ["nominal", *[s.id for s in scenarios]]
    nominal = table[table["scenario"] == "nominal"].drop(columns=["scenario", "scenario_zh", "scenario_en"])
    pd.testing.assert_frame_equal(nominal.reset_index(drop=True), model.evaluate(None))
    last = table[table["scenario"] == scenarios[-1].id].drop(columns=["scenario", "scenario_zh", "scenario_en"])
    pd.testing.assert_frame_equal(last.reset_index(drop=True), model.evaluate(scenarios[-1]))
