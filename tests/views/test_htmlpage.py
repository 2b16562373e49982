"""The shared HTML pieces: the index's rank cells."""
from creditlab import htmlpage


def test_a_zones_rank_says_it_is_among_zones():
    county = {"rank": {"rank": 3, "rank_zh": "并列第3名", "rank_en": "tied 3rd"}, "is_park": False}
    zone = {"rank": {"rank": 1, "rank_zh": "第1名", "rank_en": "1st"}, "is_park": True}
    assert htmlpage.rank_cell(county) == ("并列第3名", 3.0)
    assert htmlpage.rank_cell(zone)[0] == "开发区第1名" and htmlpage.rank_cell(zone, "en")[0] == "1st of zones"
    assert htmlpage.rank_cell(zone)[1] > htmlpage.rank_cell(county)[1]  # zones sort after the counties
    assert htmlpage.rank_cell({"rank": None}) == ("—", 1e9)  # 未报送: no rank


def test_one_table_builder_for_pages_and_notebooks():
    rows = [["<b>", 1.5, "<i>ok</i>"], ["a&b", 20, ""]]
    page = htmlpage.table(["名称", "值", "html"], rows, numeric=[1], raw=[2])
    assert page.startswith('<table class="cl"><thead><tr><th>名称</th><th class="num">值</th>')
    assert '<td>&lt;b&gt;</td><td class="num">1.5</td><td><i>ok</i></td>' in page
    inline = htmlpage.table(["名称", "值", "html"], rows, numeric={1}, raw={2}, nowrap={0}, inline=True)
    td = 'style="border:1px solid #d9e2ec;padding:4px 8px;vertical-align:top'
    assert inline.startswith(f'<table class="creditlab-table" {htmlpage.INLINE_TABLE}><thead><tr><th ')
    assert (f'<tr><td {td};text-align:left;white-space:nowrap">&lt;b&gt;</td>'
            f'<td {td};text-align:right;white-space:nowrap">1.5</td><td {td};text-align:left"><i>ok</i></td></tr>'
            ) in inline
    assert 'class="cl' not in inline and "a&amp;b" in inline


def test_heading_escapes_and_takes_an_inline_style():
    assert htmlpage.heading("<x>") == "<h2>&lt;x&gt;</h2>"
    assert htmlpage.heading("T", 3, "margin:18px 0 6px") == '<h3 style="margin:18px 0 6px">T</h3>'


# -- the index: reason column, search and filters (in a real browser), the same rows in index.xlsx ---------


def _doc(code, name, city, city_code, points, verdict, reason="", name_en=""):
    return {"region": code, "name": name, "name_en": name_en, "city": city, "city_en": city, "city_code": city_code,
            "year": 2024, "total": {"points": points, "max_points": 100.0, "missing_max": 0.0}, "verdict": verdict,
            "reason_zh": reason, "reason_en": reason, "unmet_mandatory": [], "previous": None, "synthetic": False,
            "rubric": {"name": "shaanxi-2020", "version": "2020", "title_zh": "标准", "threshold": 85.0},
            "provenance": {"files": [], "creditlab_version": "0"},
            "rank": {"rank": 1, "rank_zh": "第1名", "rank_en": "#1", "population_zh": "全省3个县（市、区）"}}


DOCS = [_doc("610430", "淳化县", "咸阳市", "610400", 93.5, "not_certified", "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%"),
        _doc("610103", "碑林区", "西安市", "610100", 90.0, "certified"),
        _doc("610113", "雁塔区", "西安市", "610100", 84.0, "not_certified", "条件2：综合评分 84分 < 85分")]
MISSING = [{"region": "610323", "name": "岐山县", "name_en": "Qishan County", "city": "宝鸡市", "city_en": "Baoji",
            "city_code": "610300"}]


def test_the_index_has_a_reason_column_and_filter_controls():
    page = htmlpage.index_page(DOCS, 2024, not_submitted=MISSING)
    assert "<th>原因</th>" in page and "<td>条件6：不良贷款率 1.75% ≥ 全国平均 1.50%</td>" in page
    assert 'id="cl-search"' in page and 'id="cl-city"' in page and 'id="cl-verdict"' in page
    assert '<option value="610300">宝鸡市</option>' in page and '<option value="none">未报送</option>' in page
    assert 'data-search="610430 淳化县 " data-city="610400" data-verdict="not_certified"' in page
    assert "http" not in htmlpage.FILTER_JS  # nothing fetched: works from file://


def test_the_index_filters_in_a_real_browser(tmp_path):
    import shutil

    import pytest

    if not shutil.which("chromium"):
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    path = tmp_path / "index.html"
    path.write_text(htmlpage.index_page(DOCS, 2024, not_submitted=MISSING), encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/lib/chromium/chromium",
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.goto(path.as_uri())

            def shown():
                return page.eval_on_selector_all("#cl-index tbody tr",
                                                 "rs => rs.filter(r => r.style.display !== 'none')"
                                                 ".map(r => r.cells[1].textContent)")

            assert shown() == ["610430", "610103", "610113", "610323"]
            page.fill("#cl-search", "淳化")
            assert shown() == ["610430"]
            page.fill("#cl-search", "6101")
            assert shown() == ["610103", "610113"]
            page.select_option("#cl-verdict", "not_certified")
            assert shown() == ["610113"]
            page.fill("#cl-search", "")
            page.select_option("#cl-city", "610400")
            assert shown() == ["610430"]
            page.select_option("#cl-verdict", "none")
            assert shown() == [] and page.text_content("#cl-count") == "0 / 4"
            page.select_option("#cl-city", "")
            assert shown() == ["610323"]
            page.fill("#cl-search", "qishan")  # the English name is searchable too
            assert shown() == ["610323"]
        finally:
            browser.close()


def test_index_rows_are_the_page_rows_and_keep_numbers_numbers():
    scored, missing = htmlpage.index_units(DOCS, MISSING)
    rows = htmlpage.index_rows(scored, "zh", missing)
    assert [r["code"] for r in rows] == ["610430", "610103", "610113", "610323"]
    frame = htmlpage.index_frame(rows)
    assert list(frame["原因"])[:1] == ["条件6：不良贷款率 1.75% ≥ 全国平均 1.50%"]
    assert frame["综合评分"].iloc[0] == 93.5 and frame["综合评分"].isna().iloc[3]  # 未报送: empty, never 0
    assert list(frame["认定结论"]) == ["不符合认定条件", "符合认定条件", "不符合认定条件", "未报送"]


def test_the_overview_chart_and_the_map_say_a_verdict_in_the_same_words():
    """One page, one wording per verdict in its charts: the bar chart's legend uses the map's short words."""
    import json
    import re

    docs = [*DOCS, _doc("610304", "陈仓区", "宝鸡市", "610300", 86.0, "undecided", name_en="Chencang District")]
    page = htmlpage.index_page(docs, 2024, lang="en")
    names = set()
    for blob in re.findall(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*\{", page, flags=re.S):
        names |= {t.get("name") for t in json.loads(blob) if t.get("type") == "bar"}
    assert {"certified", "not certified", "undecided"} <= names, names
    assert "cannot be decided yet (data missing)" not in names  # the long wording stays in the cards and table
