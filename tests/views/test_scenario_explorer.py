"""The scenario explorer's widgets on the real demo data for one city, moved as a person would."""
import pytest

from creditlab.views import sensitivity_figures as sf
from creditlab.views.scenario_explorer import ScenarioExplorer


@pytest.fixture(scope="module")
def explorer():
    return ScenarioExplorer.from_params("shaanxi-2020", scope="西安市", language="en")


def _html(out) -> str:
    return "".join(o["data"].get("text/html", "") for o in out.outputs)


def test_drawn_from_the_model_and_redrawn_on_change(explorer, capsys):
    controls, out = explorer.show_widgets()
    preset, *sliders = controls.children
    assert [s.description.split()[0] for s in sliders] == list(explorer.model.ids)
    m = explorer.model
    assert _html(out).startswith(sf.explorer_html(m, m.weights_vector(None), "en"))
    assert len(out.outputs) == 3  # the sentence and table, the scores chart, the weights chart
    first = explorer.scenarios[0]
    preset.value = first.id  # one redraw with the preset's weights
    assert [s.value for s in sliders] == pytest.approx(list(m.weights_vector(first)))
    assert _html(out).startswith(sf.explorer_html(m, m.weights_vector(first), "en"))
    for s in sliders:
        s.value = 0.0
    assert "at least one weight must be above 0" in _html(out)


def test_header_and_scenarios(explorer):
    assert "synthetic" in explorer.banner_html().lower()  # the bundled demo data
    assert explorer.summary().endswith(f"weights {', '.join(explorer.model.ids)}")
    assert explorer.scenarios_html() == sf.scenarios_html(explorer.model, explorer.scenarios, "en")
    with pytest.raises(ValueError, match="language must be one of zh, en"):
        ScenarioExplorer.from_params("shaanxi-2020", language="fr")
