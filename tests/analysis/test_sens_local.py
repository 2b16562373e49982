"""The local view (creditlab.analysis.sens_local)."""
from __future__ import annotations

import numpy as np

from creditlab import sensitivity_figures as sf


def test_effect_is_the_derivative_of_the_score():
    model = sf.load_model("shaanxi-2020", year=2024)[0]
    local = model.local_sensitivity()
    w0 = model.nominal.to_numpy(float)
    k, d = 2, 1e-3
    w = w0 * (model.total - w0[k] - d) / (model.total - w0[k])
    w[k] = w0[k] + d
    slope = (model.scores_for(w)[0] - model.scores_for(w0)[0]) / d
    got = local[local["id"] == model.ids[k]].set_index("region")["effect"].reindex(model.regions).to_numpy()
    np.testing.assert_allclose(got, slope, atol=1e-6)
