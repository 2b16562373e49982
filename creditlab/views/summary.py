"""The province or city summary report (全省/全市汇总) for leadership: ``parameterised/summary.ipynb``.

Every number comes from the one evaluated model the county reports read (:func:`creditlab.report.evaluate`,
the :class:`~creditlab.analysis.model.Evaluation` of every region and year): the same totals, verdicts, ranks
(:meth:`Evaluation.ranks`) and the same reason text (:func:`creditlab.analysis.reasons.verdict_reasons`), so a
county reads the same here, in its report and in the index. A unit in scope that returned nothing for the year
is 未报送: counted as such, never as zero points, left out of means and distributions.

Sections: counts by city and verdict; newly certified and no longer certified units against last year with the
reason; units within :data:`NEAR` points below the pass mark with the scoring rows that would close the gap
(:func:`closing_rows`: the rows with the most points still available first, so the fewest rows close it); the
score distribution this year and last year. :meth:`SummaryReport.write_excel` writes the same tables to a
workbook (safe cells, atomic) beside the HTML.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis.certification import has_certification, pass_mark, positive_verdict
from ..analysis.points import compare, points_step
from ..analysis.reasons import verdict_reasons
from ..core.errors import CreditlabError
from ..core.i18n import fmt_num, signed, tr
from ..core.labels import VERDICT_COLORS, VERDICT_LABELS, VERDICT_WORDS
from ..core.safecells import write_xlsx
from ..loaders.regions import in_city, load_regions
from ..loaders.zones import jurisdiction_place
from . import figures  # noqa: F401 - sets up the offline plotly renderer
from .banner import banner_html, banner_sheet, banner_text
from .figures import chart_text, chart_texts
from .htmlpage import COMPONENT_CSS, esc, table
from .maps import county_map
from .report import Evaluation, evaluate
from .report_inputs import no_data_problem, rubric_year_problem
from .summary_inputs import (  # noqa: F401 - the parameters, public here too
    NOTEBOOK_NAMES,
    PARAMETER_SPEC,
    SummaryError,
    SummaryParams,
    check_params,
    check_summary_params,
    summary_stem,
)

NEAR = 5.0  # points below the pass mark that count as "close" (the 5 points)
NOT_SUBMITTED = ("未报送", "not submitted")


# ---------------------------------------------------------------------------------------------
# The rows that would close a gap


def closing_rows(criteria: pd.DataFrame, gap: float, step: float) -> pd.DataFrame:
    """The scoring rows that would close a points ``gap``, chosen plainly and reproducibly.

    ``criteria``: one unit's rows with ``id, points, max_points, status`` (creditlab.scoring). Candidates are
    the assessed rows with points still available (``max_points - points``); rows not assessed are left out
    (their points are unknown, not lost). Order: most points available first — so the fewest rows close the
    gap —, then rows already partly earned before rows with none (work already started is the cheaper to
    finish), then by row id. Rows are taken in that order until their points reach the gap (at the rubric's
    precision ``step``). Returns the rows taken with ``available`` and ``cumulative``; all candidates if even
    they cannot close it.
    """
    c = criteria[(criteria["status"] != "not_assessed")].copy()
    c["available"] = c["max_points"].astype(float) - c["points"].astype(float)
    c = c[c["available"] > step / 2]
    c["_started"] = np.where(c["status"] == "partial", 0, 1)
    c = c.sort_values(["available", "_started", "id"], ascending=[False, True, True], kind="stable")
    c["cumulative"] = c["available"].cumsum()
    reached = compare(c["cumulative"].to_numpy(float), ">=", gap, step)
    n = int(np.argmax(reached)) + 1 if reached.any() else len(c)
    return c.head(n).drop(columns="_started").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The report


class SummaryReport:
    """The summary of one year over a province or one city, from the evaluation the county reports use."""

    def __init__(self, ev: Evaluation, params: SummaryParams):
        self.ev, self.params, self.lang, self.year = ev, params, params.lang, params.year
        self.rubric = ev.rubric
        # Checked before any scoring too (check_summary_params); here against the evaluation itself.
        bad = rubric_year_problem(self.rubric, self.year, self.lang) or no_data_problem(
            self.year, ev.data_years(), self.lang)
        if bad:
            raise SummaryError(bad)
        units = ev.units
        if params.city:
            units = units[in_city(units, params.city)]
            if units.empty:
                raise SummaryError(self.t(f"找不到城市 {params.city!r}", f"no city {params.city!r}"))
        self.units = units.reset_index(drop=True)
        self.step = points_step(self.rubric)
        self.positive = positive_verdict(self.rubric)

    @classmethod
    def from_params(cls, params: SummaryParams) -> SummaryReport:
        """Evaluate the inputs (every region and year, as the county reports) and build the summary."""
        try:
            ev = evaluate(params.inputs)
        except SummaryError:
            raise
        except (CreditlabError, ValueError) as exc:
            raise SummaryError(str(exc)) from None
        return cls(ev, params)

    # -- words ---------------------------------------------------------------------------------
    def t(self, zh: str, en: str) -> str:
        return tr(zh, en, self.lang)

    def _verdict(self, v: Any) -> str:
        if not isinstance(v, str) or not v:
            return self.t(*NOT_SUBMITTED)
        pair = VERDICT_LABELS.get(v, (v, v))
        return pair[0] if self.lang == "zh" else pair[1]

    @property
    def area(self) -> str:
        """全省 / 宝鸡市 (English: the province / Baoji)."""
        if not self.params.city:
            prov = load_regions(self.params.province or "陕西")
            prov = prov[prov["level"] == "province"].iloc[0]
            return self.t(str(prov["name"]), str(prov["name_en"]))
        u = self.units.iloc[0]
        return self.t(str(u["city"]), str(u["city_en"]))

    @property
    def title(self) -> str:
        return self.t(
            f"{self.area}{self.year}年度社会信用体系建设评估汇总（{'全省' if not self.params.city else '全市'}汇总）",
            f"{self.area}: summary of the social-credit-system evaluation {self.year}",
        )

    @property
    def file_stem(self) -> str:
        """The name of the outputs (``summary-shaanxi-2020-2024-province``; see :func:`summary_stem`)."""
        return summary_stem(self.params)

    @property
    def rank_label(self) -> str:
        """The rank's population, as the county reports name it: the rubric's jurisdiction (陕西省, 临沂市)."""
        place = jurisdiction_place(self.rubric.jurisdiction or "610000")
        return self.t(f"{place['name']}内排名", f"Rank in {place['name_en'] or place['name']}")

    def _name(self, row: Any) -> str:
        return str(row["name"]) if self.lang == "zh" else str(row["name_en"] or row["name"])

    def _city(self, row: Any) -> str:
        return str(row["city"]) if self.lang == "zh" else str(row["city_en"] or row["city"])

    # -- facts ---------------------------------------------------------------------------------
    @cached_property
    def reasons(self) -> pd.DataFrame:
        return verdict_reasons(self.rubric, self.ev.conditions, self.ev.verdicts)

    def status(self, year: int) -> pd.DataFrame:
        """Every unit in scope in ``year``: code, name, name_en, city, city_en, is_park, submitted, points,
        max_points, missing_max, verdict (None if 未报送), reason_zh, reason_en, rank, peers, tied."""
        u = self.units[["code", "name", "name_en", "city_code", "city", "city_en", "is_park"]].copy()
        reported = set(self.ev.regions(year)) if year in self.ev.data_years() else set()
        u["submitted"] = u["code"].isin(reported)
        s = self.ev.scores
        tot = s[(s["level"] == "total") & (s["year"] == year)].set_index("region")
        for col in ("points", "max_points", "missing_max"):
            u[col] = u["code"].map(tot[col]).astype(float).where(u["submitted"])
        v = self.reasons[self.reasons["year"] == year].set_index("region")
        u["verdict"] = u["code"].map(v["verdict"]).where(u["submitted"], None)
        u["reason_zh"] = u["code"].map(v["reason_zh"]).where(u["submitted"], NOT_SUBMITTED[0]).fillna("")
        u["reason_en"] = u["code"].map(v["reason_en"]).where(u["submitted"], NOT_SUBMITTED[1]).fillna("")
        r = self.ev.ranks("province")  # the ranks of every county report and the index
        r = r[r["year"] == year].set_index("region")
        for col in ("rank", "peers", "tied"):
            u[col] = u["code"].map(r[col]) if len(r) else np.nan
        return u

    @cached_property
    def now(self) -> pd.DataFrame:
        return self.status(self.year)

    @cached_property
    def before(self) -> pd.DataFrame | None:
        """Last year's status, or None if nobody in scope reported last year."""
        last = self.status(self.year - 1)
        return last if last["submitted"].any() else None

    def threshold(self) -> float | None:
        """The pass mark (:func:`creditlab.analysis.certification.pass_mark`)."""
        return pass_mark(self.rubric)

    def verdict_order(self) -> list[str]:
        seen = set(self.now["verdict"].dropna())
        if self.before is not None:
            seen |= set(self.before["verdict"].dropna())
        return [v for v in VERDICT_LABELS if v in seen]

    def by_city(self) -> pd.DataFrame:
        """Per city (and the total): units, reported, each verdict, not submitted, mean total of those reporting."""
        n = self.now
        rows = []
        order = self.verdict_order()
        groups = [*n.groupby("city_code", sort=True)]
        for code, g in [*groups, ("", n)]:
            first = g.iloc[0]
            row: dict[str, Any] = {
                "city_code": code,
                "city": self.t("合计", "Total") if code == "" else self._city(first),
                "units": len(g),
                "submitted": int(g["submitted"].sum()),
            }
            for v in order:
                row[v] = int((g["verdict"] == v).sum())
            row["not_submitted"] = int((~g["submitted"]).sum())
            row["mean"] = float(g["points"].mean()) if g["submitted"].any() else np.nan
            rows.append(row)
        return pd.DataFrame(rows)

    def changes(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(newly certified, no longer certified) against last year, with the reason: for a unit no longer
        certified this year's reason; for a newly certified unit the reason it failed last year (what it fixed)."""
        if self.before is None:
            empty = self.now.iloc[:0].assign(verdict_before=None, points_before=np.nan)
            return empty, empty
        b = self.before.set_index("code")
        n = self.now.copy()
        n["verdict_before"] = n["code"].map(b["verdict"])
        n["points_before"] = n["code"].map(b["points"])
        n["reason_before_zh"] = n["code"].map(b["reason_zh"])
        n["reason_before_en"] = n["code"].map(b["reason_en"])
        pos_now = n["verdict"] == self.positive
        pos_before = n["verdict_before"] == self.positive
        new = n[pos_now & ~pos_before].sort_values(["city_code", "code"]).reset_index(drop=True)
        lost = n[~pos_now & pos_before].sort_values(["city_code", "code"]).reset_index(drop=True)
        return new, lost

    def near_pass(self) -> pd.DataFrame:
        """Units that reported, with a total below the pass mark by at most :data:`NEAR` points (at the rubric's
        precision), each with its gap, the rows that would close it (:func:`closing_rows`) and any other
        condition it fails (closing the gap alone would not certify it then)."""
        return self._near_pass.copy()

    @cached_property
    def _near_pass(self) -> pd.DataFrame:
        thr = self.threshold()
        n = self.now[self.now["submitted"]].copy()
        if thr is None or n.empty:
            return n.iloc[:0].assign(gap=np.nan, rows_zh="", rows_en="", other_zh="", other_en="")
        pts = n["points"].to_numpy(float)
        below = compare(pts, "<", thr, self.step) & compare(pts, ">=", thr - NEAR, self.step)
        n = n[below].copy()
        n["gap"] = thr - n["points"]
        s = self.ev.scores
        s = s[(s["year"] == self.year) & (s["level"] == "criterion")]
        rows_zh, rows_en, other_zh, other_en, cover = [], [], [], [], []
        total_ids = {
            c["id"]
            for c in self.rubric.certification.get("conditions", [])
            if any(chk["field"] == "total" for chk in c["checks"])
        }
        cond = self.ev.conditions
        cond = cond[(cond["year"] == self.year) & (cond["result"] == "fail") & ~cond["condition"].isin(total_ids)]
        for r in n.itertuples():
            rows = closing_rows(s[s["region"] == r.code], float(r.gap), self.step)
            rows_zh.append(
                "；".join(
                    f"{i} {self._row_name(i, 'zh')}（可得{fmt_num(a)}分）"
                    for i, a in zip(rows["id"], rows["available"], strict=True)
                )
            )
            rows_en.append(
                "; ".join(
                    f"{i} {self._row_name(i, 'en')} (+{fmt_num(a)})"
                    for i, a in zip(rows["id"], rows["available"], strict=True)
                )
            )
            cover.append(float(rows["available"].sum()))
            other = cond[cond["region"] == r.code].sort_values("condition")
            other_zh.append("；".join(other["short_zh"]))
            other_en.append("; ".join(other["short_en"]))
        n["rows_zh"], n["rows_en"], n["other_zh"], n["other_en"] = rows_zh, rows_en, other_zh, other_en
        n["rows_points"] = cover
        return n.sort_values(["gap", "code"]).reset_index(drop=True)

    @cached_property
    def _criteria(self) -> pd.DataFrame:
        return self.rubric.criteria.set_index("id")

    @cached_property
    def _level_names(self) -> pd.DataFrame:
        return self.rubric.levels.set_index("id")

    def _row_name(self, criterion: str, lang: str) -> str:
        """A scoring row by the name of its indicator (二级/三级: 信用信息共享 · 平台接入), not its long text."""
        c = self._criteria.loc[criterion]
        names = self._level_names["name_zh" if lang == "zh" else "name_en"]
        parts = [str(names[x]) for x in (c["level2"], c["level3"]) if isinstance(x, str) and x in names.index]
        return " · ".join(parts) or str(c["text_zh" if lang == "zh" else "text_en"])[:40]

    def bins(self) -> list[tuple[float, float]]:
        """Score bands: below 60 % of full marks, then 70 %, 80 %, the pass mark, 90 %, 95 %, full marks."""
        top = float(self.now["max_points"].max()) if self.now["submitted"].any() else 100.0
        # A score above full marks (a bonus row) still falls in the last band: no unit drops out of the table.
        best = float(self.now["points"].max()) if self.now["submitted"].any() else top
        last = max(top, best)
        edges = {round(top * f, 6) for f in (0.6, 0.7, 0.8, 0.9, 0.95)}
        thr = self.threshold()
        if thr is not None:
            edges.add(thr)
        e = [0.0, *sorted(edges), last]
        return list(zip(e[:-1], e[1:], strict=True))

    def distribution(self) -> pd.DataFrame:
        """Units per score band this year and last year (those that reported), and the change."""
        out = []
        bands = self.bins()
        for i, (lo, hi) in enumerate(bands):
            last = i == len(bands) - 1
            row = {
                "band": f"{fmt_num(lo, 0)}–{fmt_num(hi, 0)}" if last else f"{fmt_num(lo, 0)}–<{fmt_num(hi, 0)}",
                "lo": lo,
                "hi": hi,
            }
            for key, frame in (("now", self.now), ("before", self.before)):
                if frame is None:
                    row[key] = np.nan
                    continue
                p = frame.loc[frame["submitted"], "points"].to_numpy(float)
                inside = compare(p, ">=", lo, self.step) & (
                    compare(p, "<=", hi, self.step) if last else compare(p, "<", hi, self.step)
                )
                row[key] = int(inside.sum())
            row["change"] = row["now"] - row["before"] if self.before is not None else np.nan
            out.append(row)
        return pd.DataFrame(out)

    def statistics(self) -> pd.DataFrame:
        """Reported, not submitted, certified, mean, median, quartiles: this year, last year, change; and the
        mean change of the units that reported in both years."""
        rows = []
        for frame in (self.now, self.before):
            if frame is None:
                rows.append({})
                continue
            p = frame.loc[frame["submitted"], "points"]
            rows.append(
                {
                    "submitted": int(frame["submitted"].sum()),
                    "not_submitted": int((~frame["submitted"]).sum()),
                    "positive": int((frame["verdict"] == self.positive).sum()),
                    "mean": p.mean(),
                    "q25": p.quantile(0.25),
                    "median": p.median(),
                    "q75": p.quantile(0.75),
                    "min": p.min(),
                    "max": p.max(),
                }
            )
        names = ["submitted", "not_submitted", "positive", "mean", "q25", "median", "q75", "min", "max"]
        out = pd.DataFrame(
            {
                "statistic": names,
                "now": [rows[0].get(k, np.nan) for k in names],
                "before": [rows[1].get(k, np.nan) for k in names],
            }
        )
        out["change"] = out["now"] - out["before"]
        return out

    def paired_change(self) -> tuple[int, float]:
        """Units that reported in both years and their mean change of total (NaN if none)."""
        if self.before is None:
            return 0, float("nan")
        b = self.before.set_index("code")
        both = self.now[self.now["submitted"] & self.now["code"].map(b["submitted"]).fillna(False).astype(bool)]
        d = both["points"] - both["code"].map(b["points"])
        return len(both), float(d.mean()) if len(d) else float("nan")

    # -- HTML ----------------------------------------------------------------------------------
    def _wrap(self, inner: str) -> str:
        return f'<div class="creditlab">{inner}</div>'

    def _h(self, zh: str, en: str, tag: str = "h2") -> str:
        return f"<{tag}>{esc(self.t(zh, en))}</{tag}>"

    def _p(self, zh: str, en: str, css: str = "") -> str:
        return f"<p{f' class={chr(34)}{css}{chr(34)}' if css else ''}>{esc(self.t(zh, en))}</p>"

    def banner_html(self) -> str:
        return banner_html(self.lang, self.ev.synthetic_inputs or ("data",)) if self.ev.synthetic else ""

    def header_html(self) -> str:
        """Banner (demo data), title, scope and rubric, and the key figures."""
        st = self.statistics().set_index("statistic")
        n_units = len(self.now)
        pos_label = self._verdict(self.positive)
        certifies = has_certification(self.rubric)
        cards = [
            (
                self.t("参评单位", "Units"),
                str(n_units),
                self.t("县（市、区）及开发区", "counties and development zones"),
            ),
            (
                self.t("已报送", "Reported"),
                str(int(st.loc["submitted", "now"])),
                self.t(
                    f"未报送{int(st.loc['not_submitted', 'now'])}个",
                    f"{int(st.loc['not_submitted', 'now'])} not submitted",
                ),
            ),
            (
                pos_label,
                str(int(st.loc["positive", "now"])),
                ""
                if self.before is None
                else self.t(
                    f"上年{int(st.loc['positive', 'before'])}个", f"last year {int(st.loc['positive', 'before'])}"
                ),
            )
            if certifies  # a rubric without conditions (linyi-2019) certifies nobody: no count of 0 to misread
            else (self.t("认定", "Certification"), "—",
                  self.t("不设认定（仅评分和排名）", "none: scores and ranks only")),
            (
                self.t("平均综合评分", "Mean total"),
                fmt_num(st.loc["mean", "now"]),
                self.t("仅计已报送单位", "units that reported only"),
            ),
        ]
        cards_html = "".join(
            f'<div class="card"><div class="label">{esc(a)}</div><div class="value">{esc(b)}</div>'
            f'<div class="note">{esc(c)}</div></div>'
            for a, b, c in cards
        )
        sub = self.t(
            f"评估标准：{self.rubric.title_zh}（{self.rubric.name}，版本 {self.rubric.version}）",
            f"Rubric: {self.rubric.title_en} ({self.rubric.name}, version {self.rubric.version})",
        )
        return f"<style>{COMPONENT_CSS}</style>" + self._wrap(
            f'{self.banner_html()}<h1>{esc(self.title)}</h1><p class="subtitle">{esc(sub)}</p>'
            f'<div class="cards">{cards_html}</div>'
        )

    def by_city_html(self) -> str:
        """Counts by city and verdict (with 未报送), and the mean total of the units that reported."""
        t = self.by_city()
        order = self.verdict_order()
        cols = [
            self.t("城市", "City"),
            self.t("单位数", "Units"),
            self.t("已报送", "Reported"),
            *[self._verdict(v) for v in order],
            self.t("未报送", "Not submitted"),
            self.t("平均综合评分", "Mean total"),
        ]
        rows = [
            [r["city"], r["units"], r["submitted"], *[r[v] for v in order], r["not_submitted"], fmt_num(r["mean"])]
            for _, r in t.iterrows()
        ]
        classes = [""] * (len(rows) - 1) + ["total"]
        note = self._p(
            "未报送的单位不计0分，不计入平均分。",
            "Units that did not submit are not scored zero and are left out of the mean.",
            "note",
        )
        return self._wrap(
            self._h("各市认定结论", "Verdicts by city")
            + table(cols, rows, numeric=tuple(range(1, len(cols))), row_classes=classes)
            + note
        )

    def by_city_chart(self) -> go.Figure:
        """Stacked bars: each city's units by verdict (and 未报送)."""
        t = self.by_city()
        t = t[t["city_code"] != ""]
        fig = go.Figure()
        for v in self.verdict_order():
            fig.add_bar(
                x=chart_texts(t["city"]),
                y=t[v],
                name=chart_text(self._verdict(v)),
                marker_color=VERDICT_COLORS.get(v, "#8a94a6"),
            )
        if t["not_submitted"].any():
            fig.add_bar(
                x=chart_texts(t["city"]), y=t["not_submitted"], name=self.t(*NOT_SUBMITTED), marker_color="#c5ccd6"
            )
        fig.update_layout(
            barmode="stack",
            height=420,
            title=chart_text(self.t("各市认定结论（单位数）", "Verdicts by city (units)")),
            yaxis_title=self.t("单位数", "units"),
            legend=dict(orientation="h", y=-0.2),
        )
        return fig

    def verdict_map(self) -> go.Figure | None:
        """The 示意图 of this year's verdicts (grey: no data — 未报送 is never a score), the score in the hover;
        ``None`` when the scope has no county with a boundary (development zones only)."""
        u = self.now[~self.now["is_park"]]
        if u.empty:
            return None
        values = {str(c): (v if isinstance(v, str) and v else None) for c, v in zip(u["code"], u["verdict"],
                                                                                     strict=True)}
        details = {str(c): self.t(f"得分 {fmt_num(p)}", f"score {fmt_num(p)}")
                   for c, p, ok in zip(u["code"], u["points"], u["submitted"], strict=True) if ok}
        cities = sorted(set(u["city_code"])) if self.params.city else None
        return county_map(values, kind="verdict", lang=self.lang, details=details, cities=cities,
                          title=self.t(f"{self.year}年认定结论（示意图）", f"Verdicts {self.year} (schematic map)"))

    def changes_html(self) -> str:
        """Newly certified and no longer certified units, each with its reason."""
        head = self._h("与上年相比认定结论的变化", "Changes of verdict since last year")
        if not has_certification(self.rubric):
            return self._wrap(head + self._p("该评估标准不设认定条件（仅评分和排名），无认定结论可比较。",
                                             "This rubric has no certification conditions (scores and ranks only)."))
        if self.before is None:
            return self._wrap(
                head
                + self._p(f"无{self.year - 1}年度数据，无法比较。", f"No data for {self.year - 1}: nothing to compare.")
            )
        new, lost = self.changes()
        pos = VERDICT_WORDS[self.positive][0 if self.lang == "zh" else 1]
        cols = [
            self.t("城市", "City"),
            self.t("县（市、区）", "Unit"),
            self.t(f"{self.year - 1}年", str(self.year - 1)),
            self.t(f"{self.year}年", str(self.year)),
            self.t("综合评分", "Total"),
            self.t("原因", "Reason"),
        ]
        parts = [head]
        for frame, zh, en, reason_col in (
            (new, f"新{pos}（{len(new)}个）", f"Newly {pos} ({len(new)})", "reason_before"),
            (lost, f"不再{pos}（{len(lost)}个）", f"No longer {pos} ({len(lost)})", "reason"),
        ):
            parts.append(self._h(zh, en, "h3"))
            if frame.empty:
                parts.append(self._p("无。", "None."))
                continue
            rows = []
            for _, r in frame.iterrows():
                reason = r[f"{reason_col}_{'zh' if self.lang == 'zh' else 'en'}"]
                if reason_col == "reason_before":
                    reason = self.t(f"上年：{reason}", f"last year: {reason}") if reason else ""
                rows.append(
                    [
                        self._city(r),
                        self._name(r),
                        self._verdict(r["verdict_before"]),
                        self._verdict(r["verdict"]),
                        fmt_num(r["points"]),
                        reason,
                    ]
                )
            parts.append(table(cols, rows, numeric=(4,)))
        parts.append(
            self._p(
                "新认定单位的原因列为其上年未能认定的原因（本年已解决）；不再认定单位的原因为本年未符合的认定条件。",
                "For a newly certified unit the reason is why it failed last year (fixed since); for a "
                "unit no longer certified, the condition it fails this year.",
                "note",
            )
        )
        return self._wrap("".join(parts))

    def near_pass_html(self) -> str:
        """Units within :data:`NEAR` points below the pass mark and the rows that would close the gap."""
        thr = self.threshold()
        head = self._h(
            f"距认定门槛{fmt_num(NEAR, 0)}分以内的单位", f"Units within {fmt_num(NEAR, 0)} points of the pass mark"
        )
        if thr is None:
            return self._wrap(
                head + self._p("该评估标准没有综合评分门槛。", "This rubric has no pass mark on the total.")
            )
        n = self.near_pass()
        if n.empty:
            return self._wrap(
                head
                + self._p(
                    f"没有综合评分在{fmt_num(thr - NEAR)}至{fmt_num(thr)}分之间（不含门槛）的单位。",
                    f"No unit scores between {fmt_num(thr - NEAR)} and {fmt_num(thr)} (below the mark).",
                )
            )
        zh = self.lang == "zh"
        cols = [
            self.t("城市", "City"),
            self.t("县（市、区）", "Unit"),
            self.t("综合评分", "Total"),
            self.t("差距", "Gap"),
            self.t(
                "可补足差距的计分标准（得分空间最大者优先）",
                "Rows that would close the gap (most points available first)",
            ),
            self.t("其他未符合的认定条件", "Other conditions not met"),
        ]
        rows = [
            [
                self._city(r),
                self._name(r),
                fmt_num(r["points"]),
                fmt_num(r["gap"]),
                r["rows_zh" if zh else "rows_en"],
                r["other_zh" if zh else "other_en"] or "—",
            ]
            for _, r in n.iterrows()
        ]
        how = self._p(
            f"门槛为{fmt_num(thr, 0)}分。候选计分标准为已评估且仍有得分空间（满分减得分）的行；按得分空间从大到小排列，"
            "使补足差距所需的行数最少；得分空间相同时，已部分得分的行优先（已有基础，补足成本较低），再按编号。"
            "依次选取，直到累计得分空间达到差距。未评估的计分标准不计入（其得分未知，不是已失分）。",
            f"The pass mark is {fmt_num(thr, 0)}. Candidates are the assessed rows with points still available "
            "(full marks minus points). They are ordered by points available, largest first, so that the fewest "
            "rows close the gap; on equal points, rows already partly earned come first (work already started "
            "is cheaper to finish), then by id. Rows are taken in that order until their points reach the gap. "
            "Rows not assessed are left out (their points are unknown, not lost).",
            "note",
        )
        return self._wrap(head + table(cols, rows, numeric=(2, 3)) + how)

    def distribution_html(self) -> str:
        """Units per score band this year and last year, and the summary statistics."""
        d = self.distribution()
        last = self.year - 1
        cols = [
            self.t("综合评分", "Total"),
            self.t(f"{last}年", str(last)),
            self.t(f"{self.year}年", str(self.year)),
            self.t("变化", "Change"),
        ]
        rows = [
            [
                r["band"],
                "—" if pd.isna(r["before"]) else int(r["before"]),
                int(r["now"]),
                "—" if pd.isna(r["change"]) else signed(r["change"], 0),
            ]
            for _, r in d.iterrows()
        ]
        st = self.statistics()
        names = {
            "submitted": ("已报送单位", "units reported"),
            "not_submitted": ("未报送单位", "not submitted"),
            "positive": (f"{self._verdict(self.positive)}单位", f"units {self._verdict(self.positive)}"),
            "mean": ("平均分", "mean"),
            "q25": ("下四分位数", "lower quartile"),
            "median": ("中位数", "median"),
            "q75": ("上四分位数", "upper quartile"),
            "min": ("最低分", "lowest"),
            "max": ("最高分", "highest"),
        }
        counts = {"submitted", "not_submitted", "positive"}
        srows = []
        for _, r in st.iterrows():
            digits = 0 if r["statistic"] in counts else 1
            srows.append(
                [
                    self.t(*names[r["statistic"]]),
                    fmt_num(r["before"], digits),
                    fmt_num(r["now"], digits),
                    "—" if pd.isna(r["change"]) else signed(r["change"], digits),
                ]
            )
        n_both, mean_change = self.paired_change()
        paired = (
            self._p(
                f"两年均报送的{n_both}个单位平均变化{signed(mean_change) if n_both else '—'}分。",
                f"The {n_both} units that reported in both years changed by "
                f"{signed(mean_change) if n_both else '—'} points on average.",
            )
            if self.before is not None
            else ""
        )
        return self._wrap(
            self._h("得分分布及与上年比较", "Score distribution and change since last year")
            + table(cols, rows, numeric=(1, 2, 3))
            + table([self.t("指标", "Statistic"), *cols[1:]], srows, numeric=(1, 2, 3))
            + paired
        )

    def distribution_chart(self) -> go.Figure:
        """Units per score band, last year beside this year."""
        d = self.distribution()
        fig = go.Figure()
        if self.before is not None:
            fig.add_bar(x=d["band"], y=d["before"], name=str(self.year - 1) + self.t("年", ""), marker_color="#b8c4d2")
        fig.add_bar(x=d["band"], y=d["now"], name=str(self.year) + self.t("年", ""), marker_color="#1f5f99")
        fig.update_layout(
            barmode="group",
            height=400,
            title=self.t("综合评分分布（单位数）", "Distribution of totals (units)"),
            xaxis_title=self.t("综合评分", "total"),
            yaxis_title=self.t("单位数", "units"),
            legend=dict(orientation="h", y=-0.2),
        )
        return fig

    def units_html(self) -> str:
        """Every unit in scope: rank, total, verdict and reason (collapsed)."""
        rows = [
            [
                self._city(r),
                self._name(r),
                self._rank(r),
                fmt_num(r["points"]) if r["submitted"] else self.t(*NOT_SUBMITTED),
                self._verdict(r["verdict"]),
                r["reason_zh" if self.lang == "zh" else "reason_en"],
            ]
            for _, r in self._units_sorted().iterrows()
        ]
        cols = [
            self.t("城市", "City"),
            self.t("县（市、区）", "Unit"),
            self.rank_label,
            self.t("综合评分", "Total"),
            self.t("认定结论", "Verdict"),
            self.t("原因", "Reason"),
        ]
        summary = esc(self.t(f"全部{len(rows)}个单位明细", f"All {len(rows)} units"))
        return self._wrap(f"<details><summary>{summary}</summary>" + table(cols, rows, numeric=(3,)) + "</details>")

    def _units_sorted(self) -> pd.DataFrame:
        return self.now.sort_values(["submitted", "points", "code"], ascending=[False, False, True])

    def _rank(self, r: Any) -> str:
        if not r["submitted"] or pd.isna(r["rank"]):
            return "—"
        words = (
            f"{'并列' if r['tied'] else ''}第{int(r['rank'])}名"
            if self.lang == "zh"
            else f"{'tied ' if r['tied'] else ''}#{int(r['rank'])}"
        )
        return (self.t("开发区", "zones ") + words) if r["is_park"] else words

    # -- Excel ---------------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables as the workbook holds them (sheet name → frame), in the report's language."""
        zh = self.lang == "zh"
        order = self.verdict_order()
        bc = self.by_city()
        by_city = pd.DataFrame(
            {
                self.t("城市", "City"): bc["city"],
                self.t("单位数", "Units"): bc["units"],
                self.t("已报送", "Reported"): bc["submitted"],
                **{self._verdict(v): bc[v] for v in order},
                self.t("未报送", "Not submitted"): bc["not_submitted"],
                self.t("平均综合评分", "Mean total"): bc["mean"].round(2),
            }
        )
        new, lost = self.changes()

        def change_table(frame: pd.DataFrame, reason_col: str) -> pd.DataFrame:
            return pd.DataFrame(
                {
                    self.t("代码", "Code"): frame["code"],
                    self.t("城市", "City"): [self._city(r) for _, r in frame.iterrows()],
                    self.t("县（市、区）", "Unit"): [self._name(r) for _, r in frame.iterrows()],
                    self.t(f"{self.year - 1}年结论", f"Verdict {self.year - 1}"): [
                        self._verdict(v) for v in frame["verdict_before"]
                    ],
                    self.t(f"{self.year}年结论", f"Verdict {self.year}"): [self._verdict(v) for v in frame["verdict"]],
                    self.t("综合评分", "Total"): frame["points"].round(6),
                    self.t("原因", "Reason"): frame.get(f"{reason_col}_{'zh' if zh else 'en'}", pd.Series(dtype=str)),
                }
            )

        near = self.near_pass()
        near_t = pd.DataFrame(
            {
                self.t("代码", "Code"): near["code"],
                self.t("城市", "City"): [self._city(r) for _, r in near.iterrows()],
                self.t("县（市、区）", "Unit"): [self._name(r) for _, r in near.iterrows()],
                self.t("综合评分", "Total"): near["points"].round(6),
                self.t("差距", "Gap"): near["gap"].round(6),
                self.t("可补足差距的计分标准", "Rows that would close the gap"): near["rows_zh" if zh else "rows_en"],
                self.t("其他未符合的认定条件", "Other conditions not met"): near["other_zh" if zh else "other_en"],
            }
        )
        d = self.distribution()
        dist = pd.DataFrame(
            {
                self.t("综合评分", "Total"): d["band"],
                self.t(f"{self.year - 1}年", str(self.year - 1)): d["before"],
                self.t(f"{self.year}年", str(self.year)): d["now"],
                self.t("变化", "Change"): d["change"],
            }
        )
        u = self._units_sorted()
        units = pd.DataFrame(
            {
                self.t("代码", "Code"): u["code"],
                self.t("城市", "City"): [self._city(r) for _, r in u.iterrows()],
                self.t("县（市、区）", "Unit"): [self._name(r) for _, r in u.iterrows()],
                self.rank_label: [self._rank(r) for _, r in u.iterrows()],
                self.t("综合评分", "Total"): u["points"].round(6),  # as index.xlsx (no float noise)
                self.t("认定结论", "Verdict"): [
                    self._verdict(v) if s else self.t(*NOT_SUBMITTED)
                    for v, s in zip(u["verdict"], u["submitted"], strict=True)
                ],
                self.t("原因", "Reason"): u["reason_zh" if zh else "reason_en"],
            }
        )
        banner = banner_text(self.lang, self.ev.synthetic_inputs or ("data",)) if self.ev.synthetic else ""
        return {
            **banner_sheet(banner, self.lang),
            self.t("各市认定结论", "Verdicts by city"): by_city,
            self.t("新认定", "Newly certified"): change_table(new, "reason_before"),
            self.t("不再认定", "No longer certified"): change_table(lost, "reason"),
            self.t("接近门槛", "Near the pass mark"): near_t,
            self.t("得分分布", "Distribution"): dist,
            self.t("全部单位", "All units"): units,
        }

    def write_excel(self, folder: str | Path | None = None) -> Path | None:
        """The tables as ``<folder>/<file_stem>.xlsx`` (atomic, safe cells); None without a folder."""
        folder = Path(folder) if folder is not None else self.params.output
        if folder is None:
            return None
        return write_xlsx(self.tables(), Path(folder) / f"{self.file_stem}.xlsx")

    def provenance_html(self) -> str:
        role = {
            "rubric": ("评估标准文件", "rubric"),
            "data": ("指标数据", "indicator data"),
            "context": ("认定条件数据", "certification-condition data"),
            "regions": ("行政区划表", "regions"),
            "zones": ("开发区表", "development zones"),
        }
        items = "".join(
            f"<li>{esc(self.t(*role.get(f['role'], (f['role'], f['role']))))}{self.t('：', ': ')}<code>{esc(f['path'])}"
            f"</code> SHA-256 <code>{esc(f['sha256'])}</code></li>"
            for f in self.ev.files
        )
        note = self._p(
            "本汇总与各县评估报告、报告索引使用同一评估结果（同一得分、结论、排名和原因）。",
            "This summary reads the very evaluation the county reports and the index read (the same "
            "totals, verdicts, ranks and reasons).",
            "note",
        )
        return self._wrap(self._h("数据来源", "Provenance") + f'<ul class="provenance">{items}</ul>' + note)


__all__ = [
    "NEAR",
    "PARAMETER_SPEC",
    "SummaryError",
    "SummaryParams",
    "SummaryReport",
    "check_params",
    "check_summary_params",
    "closing_rows",
]
