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
    assert b.structure().data.equals(rubric_views.structure([creditlab.load_rubric(n) for n in b.names], "en"))
    assert b.names == creditlab.list_rubrics() and b.level_points_figure().data


def test_picker_redraws_the_chosen_rubric():
    b = RubricBrowser.from_params("shaanxi-2020")
    picker, out = b.picker()
    assert picker.value == "shaanxi-2020" and len(out.outputs) == 2
    other = next(n for n in b.names if n != "shaanxi-2020")
    picker.value = other
    table = rubric_views.criteria_table(creditlab.load_rubric(other), "zh").head(PICKER_ROWS)
    html = out.outputs[0]["data"]["text/html"]
    assert all(str(t) in html for t in table.iloc[:, 0]) and "text-align: left" in html


def test_points_as_written_and_mandatory_rows_visible():
    b = RubricBrowser.from_params("shaanxi-2020", "en")
    points = b.criteria().data["points"]
    assert "5" in set(points) and "0.5" in set(points) and not points.str.contains(r"\.0").any()
    html = b.criteria().to_html()
    assert "text-align: left" in html
    fig = b.sunburst()
    trace = fig.data[0]
    assert trace.maxdepth == -1  # the rows' ring is drawn, so their colours show
    n_levels = len(b.rubric.levels)
    red = [c == "#d9534f" for c in trace.marker.colors[n_levels:]]
    assert red == list(b.rubric.criteria["mandatory"]) and any(red)
    assert "(mandatory)" in trace.hovertext[n_levels + red.index(True)]
    assert b.structure().data["max points"].tolist()[-1] == "100"
