"""One problem collector for every loader: all problems at once, located, bilingual, grouped and capped.

A loader creates a :class:`Problems`, adds every problem it finds (``add``) or notes a change it made
to a value (``warn``), and calls :meth:`Problems.raise_if_any` once at the end. Each problem names
where it is — file, sheet, the row a person sees in Excel (header = row 1), the column, and the
county by name and code — in Chinese by default, English on request::

    宝鸡市金台区（610303）.xlsx：工作表“610303”第12行，列D（value）：宝鸡市金台区（610303）A2.4a：……
    baoji.xlsx: sheet '610303': row 12: column D (value): 宝鸡市金台区 (610303) A2.4a: ...

The same problem on many rows (1,500 identical duplicate rows, say) is one line listing the first
rows and the count, and the whole message is capped, so hostile input cannot blow up the report.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .errors import CreditlabError, DataError

LANG_ENV = "CREDITLAB_LANG"
MAX_LINES = 200          # lines in one error message (groups), the rest summarised in a count
MAX_ROWS_SHOWN = 10      # rows listed for one grouped problem
MAX_TEXT = 120           # characters of an offending value quoted in a message


def default_lang() -> str:
    """``zh`` unless ``CREDITLAB_LANG=en`` (set by ``--lang en`` on the command line)."""
    return "en" if os.environ.get(LANG_ENV, "zh").lower().startswith("en") else "zh"


def said(zh: str, en: str, lang: str | None = None) -> str:
    """``zh`` or ``en`` as ``lang`` says; without it the default language (``en`` when ``CREDITLAB_LANG=en``)."""
    return en if (lang or default_lang()) == "en" else zh


def quote(value: object, limit: int = MAX_TEXT) -> str:
    """A value for a message: repr-like, one line, at most ``limit`` characters."""
    text = repr(value) if not isinstance(value, str) else "'" + value.replace("\n", "\\n").replace("\r", "\\r") + "'"
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem, located. ``message`` is Chinese, ``message_en`` English (falls back to Chinese)."""

    file: str = ""
    sheet: str = ""
    row: int = 0
    column: str = ""
    message: str = ""
    message_en: str = ""
    region: str = ""            # "宝鸡市金台区（610303）": the county the problem concerns
    severity: str = "error"     # "error" stops the load; "warning" is a change or doubt worth saying
    rows: tuple[int, ...] = ()  # the same problem on many rows (first few kept) ...
    count: int = 0              # ... and on how many rows in all

    def where(self, lang: str = "zh", rows: str = "") -> str:
        """Location in words; ``rows`` replaces the single row (``第3、4行``, ``rows 3, 4``)."""
        if lang == "zh":
            parts = [self.file] if self.file else []
            loc = ""
            if self.sheet:
                loc += f"工作表“{self.sheet}”"
            if rows or self.row:
                loc += rows or f"第{self.row}行"
            if self.column:
                loc += ("，" if loc else "") + f"列{self.column}"
            if loc:
                parts.append(loc)
            return "：".join(parts)
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if rows or self.row:
            parts.append(rows or f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ": ".join(parts)

    def text(self, lang: str = "zh", rows: str = "") -> str:
        msg = self.message if lang == "zh" or not self.message_en else self.message_en
        where = self.where(lang, rows)
        sep = "：" if lang == "zh" else ": "
        return f"{where}{sep}{msg}" if where else msg

    def __str__(self) -> str:
        return self.text(default_lang())


@dataclass
class Problems:
    """Collects problems (and warnings) for one load; raises once with all of them."""

    what: str = ""                                    # "indicator data", "rubric shaanxi-2020.yaml"
    error: type[CreditlabError] = DataError
    lang: str = field(default_factory=default_lang)
    items: list[Problem] = field(default_factory=list)

    def add(self, message: str, message_en: str = "", *, file: str = "", sheet: str = "", row: int = 0,
            column: str = "", region: str = "", severity: str = "error") -> None:
        self.items.append(Problem(str(file), str(sheet), int(row or 0), str(column), message, message_en,
                                  region, severity))

    def add_rows(self, message: str, message_en: str, rows: Iterable[int], **where) -> None:
        """The same problem on many rows (a vectorised check): one entry, first rows kept, all counted."""
        rows = [int(r) for r in rows]
        if rows:
            self.items.append(Problem(message=message, message_en=message_en, row=rows[0],
                                      rows=tuple(rows[:MAX_ROWS_SHOWN]), count=len(rows), **where))

    def warn(self, message: str, message_en: str = "", **where) -> None:
        self.add(message, message_en, severity="warning", **where)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    def count(self, severity: str = "error") -> int:
        """Problems counted per row (a grouped entry counts its rows)."""
        return sum(p.count or 1 for p in self.items if p.severity == severity)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def lines(self, lang: str | None = None, severity: str = "error", limit: int = MAX_LINES) -> list[str]:
        """Grouped, capped lines: one per (file, sheet, column, message), listing its rows."""
        return group_lines([p for p in self.items if p.severity == severity], lang or self.lang, limit)

    def raise_if_any(self) -> None:
        errors = self.errors
        if not errors:
            return
        lang = self.lang
        lines = self.lines(lang)
        what = self.what
        n = self.count()
        head = (f"{what}：发现 {n} 个问题" if lang == "zh" else f"{n} problem(s) in {what}")
        if self.error is DataError or issubclass(self.error, DataError):
            exc = self.error(head, lines)
        else:
            exc = self.error(head + "\n" + "\n".join(f"- {line}" for line in lines))
            exc.problems = lines  # type: ignore[attr-defined]
        exc.records = errors  # type: ignore[attr-defined]
        exc.warnings = self.warnings  # type: ignore[attr-defined]
        raise exc


def group_lines(problems: list[Problem], lang: str = "zh", limit: int = MAX_LINES) -> list[str]:
    """Merge problems that differ only by row into one line; at most ``limit`` lines plus a count."""
    groups: dict[tuple, list[int]] = {}
    counts: dict[tuple, int] = {}
    first: dict[tuple, Problem] = {}
    for p in sorted(set(problems)):
        key = (p.file, p.sheet, p.column, p.message, p.message_en, p.region, p.severity)
        shown_rows = groups.setdefault(key, [])
        if len(shown_rows) < MAX_ROWS_SHOWN:
            shown_rows.extend(list(p.rows or ((p.row,) if p.row else ()))[: MAX_ROWS_SHOWN - len(shown_rows)])
        counts[key] = counts.get(key, 0) + (p.count or 1)
        first.setdefault(key, p)
    out: list[str] = []
    for key, rows in groups.items():
        p, total = first[key], counts[key]
        if total == 1 or not rows:
            times = "" if total == 1 else (f"（共{total}处）" if lang == "zh" else f" ({total} times)")
            out.append(p.text(lang) + times)
            continue
        sep = "、" if lang == "zh" else ", "
        shown = sep.join(map(str, rows))
        more = total - len(rows)
        if lang == "zh":
            rows_text = f"第{shown}行" + (f"等共{total}行" if more > 0 else "")
        else:
            rows_text = f"rows {shown}" + (f" and {more} more ({total} rows)" if more > 0 else "")
        out.append(p.text(lang, rows_text))
    if len(out) > limit:
        rest = len(out) - limit
        out = out[:limit] + [f"……另有 {rest} 类问题未列出" if lang == "zh" else f"... and {rest} more kinds of problem"]
    return out


def iter_texts(problems: Iterable[Problem], lang: str = "zh") -> Iterator[str]:
    """Each problem as one ungrouped line (for a problems file a county office reads)."""
    for p in problems:
        yield p.text(lang)
