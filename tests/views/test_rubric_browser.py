"""The rubric browser on the bundled rubrics: what 01_rubric_browser.ipynb displays."""
import creditlab
from creditlab.views import rubric_views
from creditlab.views.rubric_browser import PICKER_ROWS, RubricBrowser


def test_sections_are_the_rubric_views():
    b = RubricBrowser.from_params("shaanxi-2020", "en")
    r = creditlab.load_rubric("shaanxi-2020")
    assert b.summary().splitlines()[0] == f"{r.title_zh} | {r.title_en}"
    assert b.conditions_text().count("\n") == len(r.certification["conditions"]) - 1
    assert b.choices_text().splitlines()[0].startswith(f"[{r.choices[0]['id']}] ")
    assert b.criteria().data.equals(rubric_views.criteria_table(r, "en"))
    assert b.structure().equals(rubric_views.structure([creditlab.load_rubric(n) for n in b.names], "en"))
    assert b.names == creditlab.list_rubrics() and b.level_points_figure().data


def test_picker_redraws_the_chosen_rubric():
    b = RubricBrowser.from_params("shaanxi-2020")
    picker, out = b.picker()
    assert picker.value == "shaanxi-2020" and len(out.outputs) == 2
    other = next(n for n in b.names if n != "shaanxi-2020")
    picker.value = other
    table = rubric_views.criteria_table(creditlab.load_rubric(other), "zh").head(PICKER_ROWS)
    assert out.outputs[0]["data"]["text/html"] == table._repr_html_()
