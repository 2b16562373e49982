"""The sensitivity report's pieces, built from the real demo data for one city (fast: few draws)."""
import pytest

import creditlab.sensitivity_figures as sf
from creditlab.core.labels import VERDICT_WORDS

PARAMS = {"rubric": "shaanxi-2020", "year": None, "scope": "西安市", "level": "level2", "scheme": "uniform",
          "spread": 0.25, "concentration": 10, "n_draws": 50, "seed": 1, "sobol_n": 1024,
          "sobol_output": "n_certified", "bounds": 0.5, "data": "", "context": "", "language": "en"}


@pytest.fixture(scope="module")
def rep():
    return sf.SensitivityReport.from_params(PARAMS)


def test_pages_and_figures(rep):
    header = rep.header_html()
    assert "synthetic" in header.lower() or "模拟数据" in header
    for html in (rep.rank_html(), rep.certification_html(), rep.local_html()):
        assert html.startswith("<") and "<script" not in html
    for fig in (rep.rank_figure(), rep.certification_figure(), rep.local_figure()):
        assert fig.data
    assert set(rep.model.regions) and sf.score_threshold(rep.model) == 85.0


def test_invalid_values_are_listed_together():
    with pytest.raises(sf.SensitivityError) as err:
        sf.SensitivityReport.from_params({**PARAMS, "scheme": "normal", "spread": 2})
    assert "scheme" in str(err.value) and "spread" in str(err.value)


def test_verdict_words_are_the_shared_ones():
    assert sf.VERDICT_WORDS is VERDICT_WORDS
