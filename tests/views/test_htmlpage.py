"""The shared HTML pieces: the index's rank cells."""
from creditlab import htmlpage


def test_a_zones_rank_says_it_is_among_zones():
    county = {"rank": {"rank": 3, "rank_zh": "并列第3名", "rank_en": "tied 3rd"}, "is_park": False}
    zone = {"rank": {"rank": 1, "rank_zh": "第1名", "rank_en": "1st"}, "is_park": True}
    assert htmlpage.rank_cell(county) == ("并列第3名", 3.0)
    assert htmlpage.rank_cell(zone)[0] == "开发区第1名" and htmlpage.rank_cell(zone, "en")[0] == "1st of zones"
    assert htmlpage.rank_cell(zone)[1] > htmlpage.rank_cell(county)[1]  # zones sort after the counties
    assert htmlpage.rank_cell({"rank": None}) == ("—", 1e9)  # 未报送: no rank
