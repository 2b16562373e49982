"""Verdict words and colours, once for every document (county report, index, sensitivity report)."""
from __future__ import annotations

# verdict → (zh, en): the full wording of reports and the index.
VERDICT_LABELS = {
    "certified": ("符合认定条件", "meets the certification conditions"),
    "not_certified": ("不符合认定条件", "does not meet the certification conditions"),
    "undecided": ("暂无法判定（数据缺失）", "cannot be decided yet (data missing)"),
    "eligible": ("符合参评条件", "eligible"),
    "not_eligible": ("不具备推荐资格", "not eligible for recommendation"),
    "no_certification": ("不设认定（仅评分和排名）", "no certification path (scores and ranks only)"),
}
# verdict → (zh, en): the short wording of chart legends and the sensitivity tables.
VERDICT_WORDS = {
    "certified": ("符合认定条件", "certified"),
    "not_certified": ("不符合认定条件", "not certified"),
    "undecided": ("暂无法判定", "undecided"),
    "eligible": ("符合参评条件", "eligible"),
    "not_eligible": ("不具备推荐资格", "not eligible for recommendation"),
    "no_certification": ("不设认定", "no certification"),
}
# verdict → colour, in every chart and badge (the index, the sensitivity report).
VERDICT_COLORS = {"certified": "#1e7b34", "eligible": "#1e7b34", "not_certified": "#b42318",
                  "undecided": "#c99a06", "not_eligible": "#6b2d8f", "no_certification": "#5b6b82"}
