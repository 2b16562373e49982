import pytest

from creditlab.core.errors import CreditlabError, DataError, RubricError


def test_data_error_lists_every_problem_under_its_message():
    err = DataError("2 problems in x.csv", ["row 2: bad year", "row 3: no region"])
    assert err.problems == ["row 2: bad year", "row 3: no region"]
    assert str(err) == "2 problems in x.csv\n- row 2: bad year\n- row 3: no region"
    assert DataError("one").problems == ["one"] and str(DataError("one")) == "one"


def test_every_loader_error_is_a_creditlab_error():
    for cls in (DataError, RubricError):
        with pytest.raises(CreditlabError):
            raise cls("x")
