import numpy as np

from creditlab.years import YEAR_MAX, YEAR_MIN, is_year, year_mask, year_problem


def test_one_year_range():
    assert is_year(2024) and is_year(np.int64(YEAR_MAX)) and is_year(2024.0)
    assert not any(is_year(v) for v in (True, YEAR_MAX + 1, YEAR_MIN - 1, 2024.5, "2024", None, 2204, 99999))
    assert year_problem(2024) is None and "2204" in year_problem(2204)
    assert year_mask([2024, 2204, np.nan, 2024.5]).tolist() == [True, False, False, False]
