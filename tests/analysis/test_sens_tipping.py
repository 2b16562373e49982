"""Tipping points (creditlab.analysis.sens_tipping)."""
from __future__ import annotations

import numpy as np
import pytest

from creditlab import sensitivity_figures as sf
from creditlab.analysis import sens_tipping
from creditlab.points import compare


@pytest.fixture(scope="module")
def model():
    return sf.load_model("shaanxi-2020", year=2024)[0]


def test_bounds_share_and_mapping(model):
    lo, hi = sens_tipping.weight_bounds(model, 0.5)
    w0 = model.nominal.to_numpy(float)
    np.testing.assert_allclose(lo, w0 * 0.5)
    np.testing.assert_allclose(hi, w0 * 1.5)
    with pytest.raises(ValueError, match="sum to"):
        sens_tipping.weight_bounds(model, {model.ids[0]: (0.0, 0.0), **{k: (0.0, 0.0) for k in model.ids[1:]}})


def test_a_found_tipping_point_crosses_the_threshold(model):
    table = model.tipping_table(0.5)
    found = table[(table["status"] == "found")]
    assert len(found) and set(found["direction"]) <= {"reach", "lose"}
    for r in found.head(5).itertuples():
        tp = model.tipping_point(r.region, 0.5)
        assert abs(tp.weights.sum() - model.total) < 1e-6
        if tp.direction == "reach":
            assert compare(tp.score_after, ">=", tp.threshold, model.step)
