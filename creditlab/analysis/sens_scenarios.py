"""Named weight scenarios side by side: score, rank and verdict of every region under each.

One method of :mod:`creditlab.sensitivity`; the scenarios themselves are read by :mod:`creditlab.weights`.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .weights import Scenario


class ScenariosMethod:
    """:meth:`compare_scenarios` of the weight model."""

    def compare_scenarios(self, scenarios: Sequence[Scenario]) -> pd.DataFrame:
        """See :func:`creditlab.sensitivity.compare_scenarios`."""
        return _compare_scenarios(self, scenarios)


def _compare_scenarios(model: ScenariosMethod, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    frames = [model.evaluate(None).assign(scenario="nominal", scenario_zh="现行权重", scenario_en="Nominal")]
    for sc in scenarios:
        frames.append(model.evaluate(sc).assign(scenario=sc.id, scenario_zh=sc.name_zh, scenario_en=sc.name_en))
    return pd.concat(frames, ignore_index=True)
