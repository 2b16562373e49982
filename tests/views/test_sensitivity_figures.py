"""The sensitivity report's pieces, built from the real demo data for one city (fast: few draws)."""
import pytest

import creditlab.sensitivity_figures as sf
from creditlab.core.labels import VERDICT_WORDS
from creditlab.views import sensitivity_inputs

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


def test_parameter_problems_all_at_once_chinese_by_default(monkeypatch):
    # The shared collector: every bad value in one error, Chinese unless language="en", located records.
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    bad = {**PARAMS, "language": "fr", "scheme": "normal", "level": "level9", "spread": 2, "n_draws": 0,
           "sobol_n": 1000, "sobol_output": "rank", "bounds": 1.5}
    with pytest.raises(sf.SensitivityError) as err:
        sf.SensitivityReport.from_params(bad)
    text = str(err.value)
    assert text.startswith("笔记本参数：发现 8 个问题")
    for name in ("language", "scheme", "level", "spread", "n_draws", "sobol_n", "sobol_output", "bounds"):
        assert f"- {name}（" in text
    assert "须为2的幂" in text and len(err.value.records) == 8
    with pytest.raises(sf.SensitivityError) as err:
        sf.SensitivityReport.from_params({**bad, "language": "en"})
    assert str(err.value).startswith("7 problem(s) in the notebook's parameters")
    assert f"- sobol_n must be a power of two (e.g. {sensitivity_inputs.SOBOL_N}), got 1000" in str(err.value)
    assert not sf.parameter_problems(PARAMS)


def test_year_and_scope_problems_are_bilingual():
    with pytest.raises(sf.SensitivityError, match="rubric shaanxi-2020 is not used for 1990"):
        sf.SensitivityReport.from_params({**PARAMS, "year": 1990})
    with pytest.raises(sf.SensitivityError, match="不适用于1990年"):
        sf.SensitivityReport.from_params({**PARAMS, "year": 1990, "language": "zh"})
    with pytest.raises(sf.SensitivityError, match="排名至少需要两个"):
        sf.SensitivityReport.from_params({**PARAMS, "scope": ["610102"], "language": "zh"})


def test_verdict_words_are_the_shared_ones():
    assert sf.VERDICT_WORDS is VERDICT_WORDS


def test_a_city_scope_given_by_its_code_is_named(rep, monkeypatch):
    """The command passes a city as its code (610100): the page names the city, never the bare code."""
    monkeypatch.setitem(rep.params, "scope", "610100")
    header = rep.header_html()
    assert "Scope: Xi&#x27;an," in header and "610100," not in header
