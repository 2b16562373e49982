"""The weight model's module (creditlab.analysis.sens_model) and the split of the sensitivity analyses by method."""
from __future__ import annotations

import pytest

import creditlab.analysis.sensitivity as T
from creditlab import sensitivity as S
from creditlab import sensitivity_figures as sf
from creditlab.analysis import sens_local, sens_model, sens_monte_carlo, sens_scenarios, sens_sobol, sens_tipping
from creditlab.errors import DataError

METHODS = {"monte_carlo": sens_monte_carlo, "sobol": sens_sobol, "tipping_point": sens_tipping,
           "tipping_table": sens_tipping, "local_sensitivity": sens_local, "compare_scenarios": sens_scenarios}


def test_old_import_paths_give_the_split_modules_objects():
    assert S is T
    for name in S.__all__:
        obj = getattr(S, name)
        home = getattr(obj, "__module__", None)
        if home and home.startswith("creditlab.analysis.sens_"):
            assert getattr(__import__(home, fromlist=[name]), name) is obj, name
    assert S.WeightModel is sens_model.WeightModel and S.prepare is sens_model.prepare
    assert S.run_draws is sens_monte_carlo.run_draws and S.sobol_indices is sens_sobol.sobol_indices
    assert S.weight_bounds is sens_tipping.weight_bounds


def test_each_analysis_is_a_method_from_its_own_module():
    for name, module in METHODS.items():
        method = getattr(S.WeightModel, name)
        assert method.__module__ == module.__name__, name
        # The function of the same name takes (rubric, data, context) and lives beside prepare().
        assert getattr(S, name).__module__ == sens_model.__name__


def test_region_index_names_the_region_not_compared():
    model = sf.load_model("shaanxi-2020", year=2024)[0]
    assert model.regions[model.region_index(model.regions[5])] == model.regions[5]
    with pytest.raises(DataError, match="999999"):
        model.region_index("999999")
