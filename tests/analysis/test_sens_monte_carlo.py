"""Monte Carlo over weights (creditlab.analysis.sens_monte_carlo)."""
from __future__ import annotations

import numpy as np
import pytest

from creditlab import sensitivity_figures as sf
from creditlab.analysis import sens_monte_carlo
from creditlab.weights import draw_weights


@pytest.fixture(scope="module")
def model():
    return sf.load_model("shaanxi-2020", year=2024)[0]


def test_counts_per_draw_are_the_models_verdicts(model):
    w = draw_weights("uniform", model.nominal.to_numpy(float), 0.3, 50, 4)
    st = sens_monte_carlo.run_draws(model, w, keep_draws=True)
    cert, fail = model.certification_for(w)
    assert (st["n_certified"] == cert.sum(axis=1)).all()
    assert (st["n_possible"] == model.n_regions - fail.sum(axis=1)).all()
    np.testing.assert_allclose(st["scores"], model.scores_for(w), rtol=1e-6)


def test_chunks_give_the_same_summary(model, monkeypatch):
    whole = model.monte_carlo("dirichlet", 80.0, 120, seed=2)
    monkeypatch.setattr(sens_monte_carlo, "_CHUNK_CELLS", 11 * model.n_regions)
    chunked = model.monte_carlo("dirichlet", 80.0, 120, seed=2)
    assert whole.summary.equals(chunked.summary)
