"""Parameter validation for papermill notebooks."""
from __future__ import annotations

import pytest

from creditlab.notebook import ParameterError, check_parameters

SPEC = {"region": str, "year": int, "language": str}


def test_valid_parameters():
    before = {"creditlab"}
    ns = {"creditlab": object(), "region": "610102", "year": 2024, "language": "zh"}
    assert check_parameters(ns, before, SPEC) == {"region": "610102", "year": 2024, "language": "zh"}


def test_misspelled_parameter_is_caught_with_suggestion():
    ns = {"region": "610102", "year": 2024, "language": "zh", "yaer": 2023}
    with pytest.raises(ParameterError, match="unknown parameter 'yaer' — did you mean 'year'"):
        check_parameters(ns, set(), SPEC)


def test_wrong_type_and_missing():
    with pytest.raises(ParameterError, match="'year' should be int, got '2024'") as exc:
        check_parameters({"region": "610102", "year": "2024"}, set(), SPEC)
    assert "parameter 'language' is missing" in str(exc.value)
    with pytest.raises(ParameterError, match="should be int, got True"):
        check_parameters({"region": "x", "year": True, "language": "zh"}, set(), SPEC)
