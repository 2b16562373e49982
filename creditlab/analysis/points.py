"""Points at the rubric's own precision: the one comparison, the one rank and their wording.

Points in 0.1 or 0.2 steps do not add up exactly in binary floating point: 85 built from such steps
can be 84.99999999999999. Every verdict, threshold, tie and rank therefore compares points in units
of the rubric's smallest points step (:func:`points_step`, 0.1 for shaanxi-2020): a total on the
rubric's grid is a whole number of steps (84.99999999999999 → 850 tenths = 85). Scores that are not
on the grid (other weights in the sensitivity analysis, norm-referenced or weighted rubrics) keep
their fraction of a step to :data:`RESOLUTION` decimals; they are never rounded up to the next step.

Ranks: higher points are better; regions with the same points (in steps) share the best rank
("min": 1, 2, 2, 4), written 并列第2名 / "tied 2nd"; ranks are taken within a population (e.g. the
province's counties, or its development zones), always named in words next to the rank.
"""
from __future__ import annotations

import operator
from collections.abc import Iterable
from decimal import Decimal

import numpy as np
import pandas as pd

from ..loaders.rubric import Rubric

RESOLUTION = 6  # decimals of a step kept for scores off the rubric's grid (1e-6 step)
_SCALE = 10.0 ** RESOLUTION
DEFAULT_STEP = 0.01  # rubrics whose files give no points at all (henan-2021)
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq, "!=": operator.ne}


def _decimals(x: float) -> int:
    """Decimal places of a number as written in the YAML (0.2 → 1, 0.25 → 2, 3 → 0)."""
    exp = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return max(0, -int(exp))


def points_step(rubric: Rubric) -> float:
    """The rubric's smallest points step: ``points_step`` in the YAML if given, else 10^-d with d the
    most decimals of any points, per-unit value or points threshold in the file (shaanxi-2020: 0.1)."""
    explicit = (rubric.raw or {}).get("points_step")
    if explicit is not None:
        return float(explicit)
    c, lv = rubric.criteria, rubric.levels
    numbers = pd.concat([c["points"], c["per_unit"], c["cap"], c["max"], c["park_max"], lv["points"]]).dropna()
    numbers = [float(v) for v in numbers] + [
        float(chk["value"]) for cond in rubric.certification.get("conditions", []) for chk in cond["checks"]
        if chk["field"] == "total" and "value" in chk]
    if not numbers:
        return DEFAULT_STEP
    return 10.0 ** -max(_decimals(v) for v in numbers)


def keys(points: float | np.ndarray | pd.Series, step: float, out: np.ndarray | None = None) -> np.ndarray:
    """Points as whole millionths of a rubric step (float64; NaN stays NaN): :func:`units` before its last
    division, what every comparison and rank works on. Exact whole numbers, so sorting and comparing them is
    exact; ``out``: a float64 buffer of the same shape (many chunks of draws, no allocation per chunk)."""
    a = np.asarray(points, dtype=float)
    x = np.divide(a, float(step), out=np.empty(a.shape) if out is None else out)
    np.multiply(x, _SCALE, out=x)
    return np.rint(x, out=x)  # numpy's round(·, 6) is this multiply and rint, then a division by 1e6


def units(points: float | np.ndarray | pd.Series, step: float) -> np.ndarray:
    """Points in rubric steps, floating-point error removed (NaN stays NaN)."""
    return keys(points, step) / _SCALE


def compare_keys(x: np.ndarray, op: str, y: np.ndarray) -> np.ndarray:
    """``x op y`` on :func:`keys`; False where either side is NaN."""
    with np.errstate(invalid="ignore"):
        out = _OPS[op](x, y)
    if op == "!=":  # the one operator that is True on NaN
        out &= ~(np.isnan(x) | np.isnan(y))
    return out


def compare(a: float | np.ndarray, op: str, b: float | np.ndarray, step: float) -> np.ndarray:
    """``a op b`` on points at the rubric's precision; False where either side is NaN."""
    return compare_keys(keys(a, step), op, keys(b, step))


def at_least(a: float | np.ndarray, b: float | np.ndarray, step: float) -> np.ndarray:
    """``a ≥ b`` at the rubric's precision (exactly 85 reaches 85)."""
    return compare(a, ">=", b, step)


def rank(points: np.ndarray | pd.Series, step: float, groups: np.ndarray | pd.Series | None = None) -> np.ndarray:
    """Rank (1 = most points) within each group; equal points in steps share the best rank.

    NaN points rank after every number."""
    u = pd.Series(units(points, step))
    by = np.zeros(len(u), int) if groups is None else np.asarray(groups)
    r = u.groupby(by, sort=False).rank(method="min", ascending=False, na_option="bottom")
    return r.to_numpy().astype(int)


def peers(groups: np.ndarray | pd.Series | None, n: int) -> np.ndarray:
    """Size of each row's group (the population its rank is taken in)."""
    if groups is None:
        return np.full(n, n, dtype=int)
    g = pd.Series(np.asarray(groups))
    return g.map(g.value_counts()).to_numpy(int)


def is_tied(ranks: np.ndarray, groups: np.ndarray | pd.Series | None = None) -> np.ndarray:
    """Whether another row of the same group shares the rank."""
    by = np.zeros(len(ranks), int) if groups is None else np.asarray(groups)
    frame = pd.DataFrame({"g": by, "r": np.asarray(ranks)})
    return (frame.groupby(["g", "r"], sort=False)["r"].transform("size") > 1).to_numpy()


def rank_rows(scores: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """Ranks within each row (1 = highest; scores within ``tol`` share the best rank, "min").

    One argsort per row, a gather and a scatter — as cheap as a plain double argsort — then a fix-up
    that touches only the tied pairs (regions with identical indicator profiles tie in every draw).
    Give it points in steps (:func:`units`) and ``tol=0`` for the rubric's tie rule. NaN ranks after every
    number, NaNs tied (as :func:`rank`).
    """
    s = np.atleast_2d(np.asarray(scores, dtype=float))
    if np.isnan(s).any():  # below every number, and equal to each other (their difference is 0, not NaN)
        s = np.where(np.isnan(s), -np.finfo(float).max, s)
    c, m = s.shape
    order = np.argsort(s, axis=1)[:, ::-1]  # descending; tied regions come out in any order
    flat = order + np.arange(c, dtype=np.int64)[:, None] * m
    ranks = np.empty(c * m, dtype=np.int32)
    ranks[flat.ravel()] = np.tile(np.arange(1, m + 1, dtype=np.int32), c)
    ss = s.ravel()[flat]
    tie_r, tie_p = np.nonzero(ss[:, :-1] - ss[:, 1:] <= tol)  # sorted positions p and p+1 are tied
    if len(tie_r):
        src, dst = flat[tie_r, tie_p], flat[tie_r, tie_p + 1]
        # Each tied region takes the rank of the one before it; a group of g regions needs g − 1 passes.
        while True:
            new = ranks[src]
            if np.array_equal(ranks[dst], new):
                break
            ranks[dst] = new
    return ranks.reshape(c, m)


class RankWork:
    """Buffers for :func:`rank_keys` over many chunks of at most ``rows`` × ``cols`` (a Monte Carlo's chunks of
    draws): a chunk allocates nothing, and the ranks it returns live in :attr:`ranks` until the next chunk."""

    def __init__(self, rows: int, cols: int) -> None:
        self.packed = np.empty((rows, cols))
        self.flat = np.empty((rows, cols), dtype=np.int64)
        self.ranks = np.empty((rows, cols), dtype=np.int32)
        self.gap = np.empty((rows, max(cols - 1, 0)))
        self.descending = np.tile(np.arange(cols, 0, -1, dtype=np.int32), (rows, 1))  # rank at sorted position
        self.column = np.arange(cols, dtype=float)
        self.row_start = np.arange(rows, dtype=np.int64)[:, None] * cols
        self._groups: dict[object, tuple[np.ndarray, np.ndarray, RankWork]] | None = None

    def fits(self, shape: tuple[int, int]) -> bool:
        return shape[0] <= len(self.ranks) and shape[1] == self.ranks.shape[1]

    def populations(self, groups: np.ndarray | pd.Series) -> list[tuple[np.ndarray, np.ndarray, RankWork]]:
        """Per population of ``groups`` (the same every chunk): its columns, a buffer for their keys and its own
        :class:`RankWork`, made once."""
        if self._groups is None:
            g = np.asarray(groups)
            rows = len(self.ranks)
            self._groups = {}
            for kind in pd.unique(g):
                cols = np.flatnonzero(g == kind)
                self._groups[kind] = (cols, np.empty((rows, len(cols))), RankWork(rows, len(cols)))
        return list(self._groups.values())


def rank_keys(k: np.ndarray, groups: np.ndarray | pd.Series | None = None, work: RankWork | None = None,
              bound: float | None = None) -> np.ndarray:
    """:func:`rank` for many rows of :func:`keys` at once (draws × regions), within each group of columns.

    Each key and its column are packed into one float64 (key × 2^b + column, exact below 2^53), so one plain
    sort per row gives the order and the sorted keys together: cheaper than an argsort and a gather. Equal
    keys are adjacent after the sort and take the best rank of their run ("min"). Keys too large to pack
    fall back to :func:`rank_rows`. ``work``: buffers reused chunk after chunk with the same ``groups`` (the
    result is a view into them); ``bound``: the largest absolute key there can be, when known (saves a pass to
    find it and to look for NaN: give it only for keys that are numbers, e.g. scores of finite shares; a NaN
    bound falls back)."""
    k = np.atleast_2d(k)
    c = len(k)
    work = work if work is not None and work.fits(k.shape) else RankWork(*k.shape)
    if groups is None or len(work.populations(groups)) == 1:  # one population: no copies of the columns
        return _rank_packed(k, work, bound)
    out = work.ranks[:c]  # free: each population ranks in its own buffers
    for cols, buf, own in work.populations(groups):  # a handful of populations (counties, zones)
        out[:, cols] = _rank_packed(np.take(k, cols, axis=1, out=buf[:c]), own, bound)
    return out


def _rank_packed(k: np.ndarray, work: RankWork, bound: float | None = None) -> np.ndarray:
    c, n = k.shape
    if n == 0:
        return np.empty((c, 0), dtype=np.int32)
    shift = 2 ** (2 * n).bit_length()  # > 2n: keys that differ end up more than n apart once packed
    if bound is None:
        bound = max(abs(float(k.min())), abs(float(k.max()))) if k.size else 0.0
    if not bound < 2.0 ** 53 / shift - 1:  # too large to pack exactly, or NaN
        return rank_rows(k)
    packed = np.multiply(k, float(shift), out=work.packed[:c])
    packed += work.column
    packed.sort(axis=1)
    flat = work.flat[:c]
    np.copyto(flat, packed, casting="unsafe")  # whole numbers: exact
    flat &= shift - 1  # the column (two's complement keeps it for negative keys too)
    flat += work.row_start[:c]
    ranks = work.ranks[:c]
    fl = ranks.ravel()
    fl[flat.ravel()] = work.descending[:c].ravel()
    gap = np.subtract(packed[:, 1:], packed[:, :-1], out=work.gap[:c])
    tied = np.flatnonzero(gap < n)  # equal keys differ by their columns only (< n)
    if len(tied):
        row, pos = np.divmod(tied, n - 1)
        # Ascending order: a run of equal keys takes the rank of its last position (the best); each tied
        # position takes the rank of the one after it, a run of g needing g − 1 passes.
        src, dst = flat[row, pos + 1], flat[row, pos]
        while True:
            new = fl[src]
            if np.array_equal(fl[dst], new):
                break
            fl[dst] = new
    return ranks


def rank_draws(scores: np.ndarray, step: float, groups: np.ndarray | None = None) -> np.ndarray:
    """:func:`rank` for many rows of scores at once (draws × regions), within each group of columns."""
    return rank_keys(keys(np.atleast_2d(scores), step), groups)


def rank_words(rank_: int, tied: bool, lang: str = "zh") -> str:
    """第5名 / 并列第5名; English #5 / tied #5."""
    if lang == "zh":
        return f"{'并列' if tied else ''}第{int(rank_)}名"
    return f"{'tied ' if tied else ''}#{int(rank_)}"


def top_share(rank_: float | np.ndarray, n: float | np.ndarray) -> float | np.ndarray:
    """Share of the population at or above this rank, in percent (rank 5 of 107: top 4.7 %)."""
    return np.asarray(rank_, dtype=float) / np.asarray(n, dtype=float) * 100


REPORTED = "*"  # population area: the units that reported, not all of them (alone: the province's)


def reported_in(area: str) -> str:
    """The ``area`` for :func:`population_words` naming the units of one city that reported (*宝鸡市)."""
    return f"{REPORTED}{area}"


def population_words(n: int, is_park: bool, area: str | None = None, lang: str = "zh",
                     area_en: str | None = None) -> str:
    """The population a rank is taken in: 全省107个县（市、区） / 西安市8个县（市、区） / 全省8个开发区 /
    宝鸡市已报送数据的2个县（市、区）.

    ``area``: ``None`` for the whole province, a city name, ``""`` for a selection of regions,
    :data:`REPORTED` for the province's units with data when some did not report, or :func:`reported_in` a
    city for that city's units with data when some of its units did not (see :func:`population_area`)."""
    partial = area is not None and area.startswith(REPORTED)
    city = area[len(REPORTED):] if partial else area
    city_en = (area_en or "").removeprefix(REPORTED) or city
    if lang == "zh":
        kind = "开发区" if is_park else "县（市、区）"
        where = {None: "全省", "": "所选"}.get(city, city) if not partial else f"{city or '全省'}已报送数据的"
        return f"{where}{int(n)}个{kind}"
    kind = ("development zone" if is_park else "county") if n == 1 else (
        "development zones" if is_park else "counties (cities, districts)")
    if area is None:
        return f"the province's {int(n)} {kind}"
    if area == "":
        return f"the {int(n)} selected {kind}"
    if partial:
        return f"the {int(n)} {kind} of {city_en or 'the province'} that reported data"
    return f"the {int(n)} {kind} of {area_en or area}"


def population_area(codes: Iterable[str], units: pd.DataFrame, is_park: bool,
                    area: str | None = None) -> tuple[str | None, str | None]:
    """(area, area_en) for :func:`population_words`, from the regions actually ranked.

    A province-wide ranking (``area`` None) names the province only when every unit of the kind is
    ranked; when all ranked units lie in one city it names that city (also when the units are one city's,
    a city's rubric); otherwise :data:`REPORTED`. A city whose units of the kind are not all ranked (some
    did not report) is named as its units that reported (:func:`reported_in`: 宝鸡市已报送数据的2个县（市、区）,
    never 宝鸡市2个县（市、区）, which would read as the whole city).
    ``units``: ``code, city, city_en (optional), is_park`` (creditlab.data.assessment_units).
    A declared ``area`` that is a city of ``units`` gets its English name (榆林市 → Yulin), as when
    the city is found from the codes: the same population reads the same in every output."""
    if units is None or not len(units):
        return area, area
    same = units[units["is_park"].astype(bool) == bool(is_park)]
    ranked = same[same["code"].astype(str).isin(set(map(str, codes)))]

    def city_area(name: str, rows: pd.DataFrame) -> tuple[str, str]:
        city_en = rows["city_en"].iloc[0] if len(rows) and "city_en" in rows else None
        en = str(city_en) if isinstance(city_en, str) and city_en else name
        of_city = same[same["city"].astype(str) == name]
        in_city = ranked[ranked["city"].astype(str) == name]
        if 0 < len(in_city) < len(of_city):  # some of the city's units did not report
            return reported_in(name), reported_in(en)
        return name, en

    if area is not None:
        named = units[units["city"].astype(str) == str(area)]
        return city_area(str(area), named) if len(named) else (area, area)
    cities = ranked["city"].astype(str).unique()
    if len(cities) == 1 and (len(ranked) < len(same) or same["city"].astype(str).nunique() == 1):
        # one city's units: a selection, or a jurisdiction that is one city (linyi-2019: 临沂市)
        return city_area(str(cities[0]), ranked)
    if len(ranked) and len(ranked) == len(same):
        return None, None
    return REPORTED, REPORTED


def kinds(codes: Iterable[str], is_park: pd.Series | None = None) -> np.ndarray:
    """True for development zones: from the units table where known, else by the KF code prefix."""
    s = pd.Series(list(codes), dtype=object).astype(str)
    by_code = s.str.startswith("KF")
    if is_park is None:
        return by_code.to_numpy(bool)
    return s.map(is_park.astype(object)).where(lambda v: v.notna(), by_code).to_numpy(bool)
