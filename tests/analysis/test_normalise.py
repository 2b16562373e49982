"""Normalisation across compared regions, with directions."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from creditlab import normalise as normalise_module
from creditlab.normalise import COINR_NAMES, METHODS, NormalisationError, normalise

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


# --- each method against its definition (and its COINr counterpart) ---------------------------

def test_every_method_is_documented_with_its_coinr_name():
    doc = normalise_module.__doc__
    for method in METHODS:
        assert f"| `{method}` | `{COINR_NAMES[method]}`" in doc, method


def test_zscore_uses_the_population_sd():
    # mean 20, population sd √(200/3) ≈ 8.165 (COINr's n_zscore: sample sd 10, which would give Φ(1)).
    out = normalise(V, G, D, "zscore")
    assert out[2, 0] == pytest.approx(norm.cdf(10 / np.sqrt(200 / 3)))
    assert out[2, 0] != pytest.approx(norm.cdf(1.0))


def test_percentile_ties_share_the_highest_rank():
    v = np.array([[1.0], [2.0], [2.0], [3.0]])
    out = normalise(v, np.array(["y"] * 4), np.array(["higher"]), "percentile")
    # rank("max") / n; COINr's n_prank would give (rank_min − 1)/(n − 1) = 0, 1/3, 1/3, 1.
    assert out[:, 0].tolist() == pytest.approx([0.25, 0.75, 0.75, 1.0])


def test_distance_is_fraction_of_max():
    v = np.array([[5.0, 2.0], [10.0, 4.0], [20.0, 8.0]])
    out = normalise(v, np.array(["y"] * 3), D, "distance")
    assert out[:, 0].tolist() == pytest.approx([0.25, 0.5, 1.0])   # x / max (n_fracmax)
    assert out[:, 1].tolist() == pytest.approx([1.0, 0.5, 0.25])   # min / x when lower is better


def test_goalposts_both_directions_truncated_and_absolute():
    v = np.array([[-10.0, 0.5], [20.0, 2.0], [50.0, 6.0], [70.0, 3.0]])
    groups = np.array(["a", "a", "b", "b"])  # goalposts ignore the groups
    out = normalise(v, groups, D, "goalposts", goalposts=[(0, 60), (1, 5)])
    # higher: (x − 0)/60 cut to [0, 1]; lower: (5 − x)/(5 − 1) cut to [0, 1]
    assert out[:, 0].tolist() == pytest.approx([0.0, 1 / 3, 5 / 6, 1.0])
    assert out[:, 1].tolist() == pytest.approx([1.0, 0.75, 0.0, 0.5])


def test_distance_to_target_both_directions():
    v = np.array([[10.0, 4.0], [20.0, 2.0], [30.0, 1.0], [60.0, 3.0]])
    out = normalise(v, np.array(["y"] * 4), D, "target", targets=[50.0, 1.5])
    # higher: (x − min)/(t − min) = (x − 10)/40, capped at 1
    assert out[:, 0].tolist() == pytest.approx([0.0, 0.25, 0.5, 1.0])
    # lower: (max − x)/(max − t) = (4 − x)/2.5, capped at 1
    assert out[:, 1].tolist() == pytest.approx([0.0, 0.8, 1.0, 0.4])
    # every region already at or past the target: full marks
    past = normalise(np.array([[60.0], [70.0], [np.nan]]), np.array(["y"] * 3), np.array(["higher"]), "target",
                     targets=[50.0])
    assert past[:2, 0].tolist() == [1.0, 1.0] and np.isnan(past[2, 0])


def test_one_method_per_column_and_missing_parameters():
    out = normalise(V, G, D, ["target", "minmax"], targets=[20.0, np.nan])
    assert out[:, 0].tolist() == pytest.approx([0.0, 1.0, 1.0])
    assert out[:, 1].tolist() == pytest.approx([1.0, 2 / 3, 0.0])
    with pytest.raises(NormalisationError) as exc:
        normalise(V, G, D, ["goalposts", "target"], goalposts=[(5, 1), (np.nan, np.nan)], names=["m1", "m2"])
    text = str(exc.value)
    assert "m1" in text and "m2" in text  # every bad column at once
    assert isinstance(exc.value, ValueError)
