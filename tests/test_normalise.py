"""Normalisation across compared regions, with directions."""
from __future__ import annotations

import numpy as np
import pytest

from creditlab.normalise import normalise

V = np.array([[10.0, 1.0], [20.0, 2.0], [30.0, 4.0]])
G = np.array(["y", "y", "y"])
D = np.array(["higher", "lower"])


def test_minmax():
    out = normalise(V, G, D, "minmax")
    assert out[:, 0].tolist() == [0.0, 0.5, 1.0]
    assert out[:, 1].tolist() == pytest.approx([1.0, 2 / 3, 0.0])


def test_zscore_is_cdf_of_z():
    out = normalise(V, G, D, "zscore")
    assert out[1, 0] == pytest.approx(0.5)
    assert out[0, 0] < 0.5 < out[2, 0]
    assert out[0, 1] > out[2, 1]


def test_percentile():
    out = normalise(V, G, D, "percentile")
    assert out[:, 0].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert out[:, 1].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3])


def test_distance_to_best():
    out = normalise(V, G, D, "distance")
    assert out[:, 0].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert out[:, 1].tolist() == pytest.approx([1.0, 0.5, 0.25])
    with pytest.raises(ValueError, match="non-negative"):
        normalise(-V, G, D, "distance")


def test_groups_are_separate_and_nan_stays():
    v = np.array([[1.0], [3.0], [100.0], [np.nan]])
    out = normalise(v, np.array(["a", "a", "b", "b"]), np.array(["higher"]), "minmax")
    assert out[:, 0][:3].tolist() == [0.0, 1.0, 1.0]
    assert np.isnan(out[3, 0])


def test_unknown_method():
    with pytest.raises(ValueError, match="normalisation must be one of"):
        normalise(V, G, D, "rank")
