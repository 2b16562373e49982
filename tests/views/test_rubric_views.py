import creditlab
from creditlab.rubric import rule_words
from creditlab.rubric_views import criteria_table, level_points_figure, rule_text, structure, sunburst


def test_criteria_table_has_one_row_per_criterion_with_a_rule_in_words():
    rub = creditlab.load_rubric("shaanxi-2020")
    for lang in ("zh", "en"):
        table = criteria_table(rub, lang)
        assert len(table) == len(rub.criteria)
        assert table.astype(str).apply(lambda c: c.str.len().gt(0)).to_numpy().any()
    words = [rule_text(row, "zh") for _, row in rub.criteria.iterrows()]
    assert all(isinstance(w, str) and w for w in words)
    # One wording of the rule: the browser says what the county's fill-in template says.
    for _, row in rub.criteria.iterrows():
        assert (rule_text(row, "zh"), rule_text(row, "en")) == rule_words(row)
    binary = rub.criteria[rub.criteria["rule"] == "binary"].iloc[0]
    assert rule_text(binary, "en") == f"{binary['points']:g} point{'' if binary['points'] == 1 else 's'} if met"


def test_figures_of_every_bundled_rubric():
    rubrics = [creditlab.load_rubric(n) for n in creditlab.list_rubrics()]
    assert len(structure(rubrics, "en")) >= len(rubrics)
    assert level_points_figure(rubrics, "zh").data
    assert sunburst(rubrics[0], "en").data
