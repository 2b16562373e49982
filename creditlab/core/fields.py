"""The fields a certification condition may check, listed once: the two scoring results and the 13 columns
of the certification context (kind, Chinese and English label). The rubric loader, the context reader and
template, and the certification wording all read this table."""
from __future__ import annotations

# Scoring results a condition may compare (computed, never read from a context file).
SCORE_FIELDS = {
    "mandatory_unmet": ("未达到的必备条件数", "mandatory conditions not met"),
    "total": ("综合评分", "total score"),
}
# Context columns: field → (kind, label zh, label en). Kinds: bool, per_10000, count, percent.
CONTEXT_SPEC = {
    "major_incident": ("bool", "一年内违法失信重大事件", "major dishonesty event within a year"),
    "debtor_share_legal": ("per_10000", "失信被执行人法人占比（万分之）",
                           "judgment defaulters among legal persons (per 10,000)"),
    "debtor_share_natural": ("per_10000", "失信被执行人自然人占比（万分之）",
                             "judgment defaulters among natural persons (per 10,000)"),
    "government_debtors": ("count", "失信被执行人中政府机构数", "government bodies among judgment defaulters"),
    "rectification_rate": ("percent", "失信问题整改率（%）", "rectification rate (%)"),
    "government_rectification_rate": ("percent", "政府机构失信问题整改率（%）",
                                      "government bodies' rectification rate (%)"),
    "npl_ratio": ("percent", "不良贷款率（%）", "non-performing-loan ratio (%)"),
    "national_npl_ratio": ("percent", "全国平均不良贷款率（%）", "national average NPL ratio (%)"),
    "major_safety_accident_3y": ("bool", "三年内重特大安全生产事故", "major safety accident within three years"),
    "major_pollution_accident_3y": ("bool", "三年内重特大环境污染事故", "major pollution accident within three years"),
    "energy_target_missed": ("bool", "未完成年度节能减排责任目标", "annual energy-saving target missed"),
    "statistical_fraud": ("bool", "统计造假、弄虚作假", "statistical fraud or falsification"),
    "government_is_debtor": ("bool", "县级人民政府被列为失信被执行人",
                             "county government listed as judgment defaulter"),
}
CONTEXT_FIELDS = {name: kind for name, (kind, _, _) in CONTEXT_SPEC.items()}
# (zh, en) label of every checkable field.
FIELD_LABELS = {**SCORE_FIELDS, **{name: (zh, en) for name, (_, zh, en) in CONTEXT_SPEC.items()}}
CHECK_FIELDS = tuple(FIELD_LABELS)
