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
