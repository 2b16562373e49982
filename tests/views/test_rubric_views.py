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


def test_levels_are_named_in_the_sources_own_words():
    """shaanxi-2020's second level is its 一级指标: the browser says so, as the reports do (never 一级/二级/三级)."""
    from creditlab.rubric import load_rubric
    from creditlab.views import rubric_views as rv

    sx = load_rubric("shaanxi-2020")
    assert list(rv.criteria_table(sx).columns[1:4]) == ["评估内容", "一级指标", "二级指标"]
    assert list(rv.criteria_table(sx, "en").columns[1:4]) == ["evaluation area", "indicator", "sub-indicator"]
    levels = rv.structure([sx, load_rubric("linyi-2019")])["层级"].tolist()
    assert levels[0].startswith("评估内容 3 / 一级指标 12 / 二级指标") and levels[1].startswith("类别 6 / 内容")
    assert sx.level_label("level2", "en") == "indicator" and sx.level_label("level9") == "level9"
