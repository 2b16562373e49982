"""Sobol indices (creditlab.analysis.sens_sobol)."""
from __future__ import annotations

import numpy as np

from creditlab.analysis import sens_sobol


def test_indices_of_a_linear_function_are_its_variance_shares():
    # y = x1 + 2·x2 with x uniform on [0, 1]: Var = 1/12 + 4/12, S1 = ST = (0.2, 0.8).
    frame, var, n = sens_sobol.sobol_indices(lambda x: x[:, 0] + 2 * x[:, 1], ["a", "b"], [(0, 1), (0, 1)],
                                             N=1024, seed=1)
    assert n == 1024 * 4
    np.testing.assert_allclose(frame["S1"], [0.2, 0.8], atol=0.03)
    np.testing.assert_allclose(frame["ST"], [0.2, 0.8], atol=0.03)
    assert abs(var - 5 / 12) < 0.03


def test_convergence_check_extends_the_same_sequence():
    f = lambda x: x[:, 0] * x[:, 1]  # noqa: E731
    frame, _, _, conv = sens_sobol.sobol_analysis(f, ["a", "b"], [(0, 1), (0, 1)], N=256, seed=3)
    assert conv is not None and conv.N2 == 512 and conv.n_evaluations == 256 * 4
    assert conv.changes["S1"].tolist() == frame["S1"].tolist()
