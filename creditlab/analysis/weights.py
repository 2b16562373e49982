"""Indicator weights: nominal weights, renormalisation, random schemes and named scenarios.

Weights are in points. Whatever a scheme draws is renormalised so that the weights sum to the
rubric's maximum (100 for shaanxi-2020): a weight is a share of the total, never extra points.

Schemes (one row of weights per draw, seeded with :func:`numpy.random.default_rng`):

* ``uniform`` — COINr's noisy weights: ``w * (1 + U(-1, 1) * spread)`` per weight, then renormalised
  (``spread=0.25`` is ±25 % around each nominal weight);
* ``dirichlet`` — shares drawn from ``Dirichlet(concentration * nominal share)``: centred on the
  nominal shares, tighter as the concentration grows (the sd of a share ``p`` is
  ``sqrt(p (1 - p) / (concentration + 1))``).

Named scenarios (``data/scenarios/<rubric>.yaml``) are weights an analyst writes down, e.g.
成效优先 with 建设成效 at 50 points; see :func:`load_scenarios`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import CreditlabError
from ..core.i18n import tr
from ..core.paths import data_dir
from ..core.problems import Problems, default_lang, quote
from ..core.yamlio import load_yaml, show
from ..loaders.rubric import Rubric

SCHEMES = ("uniform", "dirichlet")
WEIGHT_LEVELS = ("level1", "level2")
_SUM_TOL = 1e-6


class ScenarioError(CreditlabError):
    """A scenario file or a set of weights is invalid; the message names the file and the item."""


def renormalise(weights: np.ndarray, total: float) -> np.ndarray:
    """Scale each row of ``weights`` (non-negative) so that it sums to ``total``."""
    w = np.asarray(weights, dtype=float)
    sums = w.sum(axis=-1, keepdims=True)
    if (w < 0).any():
        raise ValueError("weights must be non-negative")
    if (sums <= 0).any():
        raise ValueError("weights sum to zero")
    return w * (total / sums)


def draw_weights(scheme: str, nominal: np.ndarray, param: float, n: int,
                 seed: int | np.random.Generator | None) -> np.ndarray:
    """``n`` renormalised weight vectors (rows) around ``nominal`` under ``scheme``.

    ``param`` is the spread for ``uniform`` (0 < spread ≤ 1) and the concentration for
    ``dirichlet`` (> 0). Weights with a nominal value of 0 stay 0.
    """
    w0 = np.asarray(nominal, dtype=float)
    total = w0.sum()
    if n < 1:
        raise ValueError(f"number of draws must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    if scheme == "uniform":
        if not 0 < param <= 1:
            raise ValueError(f"uniform spread must lie in (0, 1] (a share of each weight), got {param}")
        raw = w0 * (1 + rng.uniform(-1.0, 1.0, size=(n, len(w0))) * param)
        return renormalise(raw, total)
    if scheme == "dirichlet":
        if not param > 0:
            raise ValueError(f"dirichlet concentration must be positive, got {param}")
        alpha = param * w0 / total
        out = np.zeros((n, len(w0)))
        pos = alpha > 0  # numpy refuses zero alphas; those weights stay 0
        out[:, pos] = rng.dirichlet(alpha[pos], size=n) * total
        return out
    raise ValueError(f"unknown weighting scheme {scheme!r} (known: {', '.join(SCHEMES)})")


def nominal_weights(rubric: Rubric, level: str = "level2") -> pd.Series:
    """The rubric's own weights (points) of the ``level1`` or ``level2`` indicators, indexed by id."""
    if level not in WEIGHT_LEVELS:
        raise ValueError(f"level must be one of {', '.join(WEIGHT_LEVELS)}, got {level!r}")
    depth = int(level[-1])
    lv = rubric.levels[(rubric.levels["depth"] == depth) & ~rubric.levels["bonus"]]
    if lv.empty or lv["points"].isna().any():
        raise ScenarioError(f"rubric {rubric.name} gives no points for its {level} indicators; "
                            "pass nominal weights explicitly")
    return pd.Series(lv["points"].to_numpy(float), index=lv["id"].to_numpy(object), name="weight")


def expansion(rubric: Rubric, nominal2: pd.Series) -> pd.DataFrame:
    """Matrix (level1 × level2) that spreads a level1 weight over its level2 children in their
    nominal proportions: ``w2 = W1 @ E``."""
    lv = rubric.levels.set_index("id")
    parents = lv.loc[nominal2.index, "parent"].to_numpy(object)
    ids1 = pd.unique(parents)
    e = np.zeros((len(ids1), len(nominal2)))
    for i, p in enumerate(ids1):
        mask = parents == p
        e[i, mask] = nominal2.to_numpy(float)[mask] / nominal2.to_numpy(float)[mask].sum()
    return pd.DataFrame(e, index=ids1, columns=nominal2.index)


@dataclass(frozen=True)
class Scenario:
    """A named set of weights written down by an analyst."""

    id: str
    name_zh: str
    name_en: str
    level: str
    weights: pd.Series  # points, summing to the rubric's maximum
    note_zh: str = ""
    note_en: str = ""

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def weights_at(self, rubric: Rubric, level: str) -> pd.Series:
        """The scenario's weights at ``level``: level1 weights are spread over their level2
        children in the rubric's proportions; level2 weights are summed to level1."""
        if level == self.level:
            return self.weights
        nominal2 = nominal_weights(rubric, "level2")
        e = expansion(rubric, nominal2)
        if self.level == "level1" and level == "level2":
            return pd.Series(self.weights.reindex(e.index).to_numpy() @ e.to_numpy(), index=e.columns,
                             name="weight")
        # level2 → level1: the within-level1 proportions are lost; the sums are what a level1 model sees.
        return pd.Series((e.to_numpy() > 0).astype(float) @ self.weights.reindex(e.columns).to_numpy(),
                         index=e.index, name="weight")


def scenarios_path(rubric: Rubric) -> Path:
    """Where a rubric's scenarios live: ``<data>/scenarios/<rubric>.yaml``."""
    return data_dir() / "scenarios" / f"{rubric.name}.yaml"


SCENARIO_FIELDS = ("id", "name_zh", "name_en", "level", "weights", "note_zh", "note_en")
SCENARIO_REQUIRED = ("id", "name_zh", "name_en", "level", "weights")


def load_scenarios(rubric: Rubric, path: str | Path | None = None, lang: str | None = None) -> list[Scenario]:
    """Read and validate named weight scenarios (default: the rubric's bundled file).

    File format::

        rubric: shaanxi-2020
        scenarios:
          - id: results-first
            name_zh: 成效优先
            name_en: Results first
            level: level1            # level1 or level2
            weights: {A: 30, B: 20, C: 50}   # points, every id of the level, sum = max_points
          - id: equal
            ...
            weights: equal           # every indicator of the level the same weight

    Raises one :class:`ScenarioError` listing every problem (file, scenario, problem), in Chinese unless
    ``lang="en"`` (default: ``$CREDITLAB_LANG``).
    """
    path = Path(path) if path is not None else scenarios_path(rubric)
    lang = lang or default_lang()
    what = f"权重情景 {path.name}" if lang == "zh" else f"scenarios {path.name}"
    pb = Problems(what, error=ScenarioError, lang=lang)
    doc = load_yaml(path, ScenarioError, lang=lang, what=what, problems=pb)  # duplicate keys go into pb

    def add(item: tuple[str, str], zh: str, en: str) -> None:
        pb.add(f"{item[0]}：{zh}", f"{item[1]}: {en}", file=str(path))

    if not isinstance(doc, dict) or not isinstance(doc.get("scenarios"), list):
        add(("文件", "file"), "应为带 'scenarios' 列表的映射", "expected a mapping with a 'scenarios' list")
        pb.raise_if_any()
    for key in doc:
        if key not in ("rubric", "scenarios"):
            add(("文件", "file"), f"未知字段 {quote(key)}", f"unknown field {quote(key)}")
    if doc.get("rubric") != rubric.name:
        add(("rubric", "rubric"), f"该文件属于评估标准 {show(doc.get('rubric'))}，不是 '{rubric.name}'",
            f"file is for rubric {show(doc.get('rubric'))}, not '{rubric.name}'")
    nominal: dict[str, pd.Series | None] = {}

    def nominal_at(level: str) -> pd.Series | None:
        """The rubric's weights at ``level``; a rubric without points there is said once, in the collector."""
        if level not in nominal:
            try:
                nominal[level] = nominal_weights(rubric, level)
            except ScenarioError as exc:  # henan-2021 gives no points
                nominal[level] = None
                add(("rubric", "rubric"), f"评估标准 {rubric.name} 的 {level} 指标没有分值，无法设权重", str(exc))
        return nominal[level]

    out: list[Scenario] = []
    seen: set[str] = set()
    for i, item in enumerate(doc["scenarios"]):
        sid = item.get("id") if isinstance(item, dict) else None
        plain = isinstance(sid, str) and sid and all(c.isalnum() or c in "-_." for c in sid) and len(sid) <= 60
        where = (f"情景 {sid}", f"scenario {sid}") if plain else (f"第{i + 1}个情景", f"scenario #{i + 1}")
        if not isinstance(item, dict):
            add(where, f"应为映射，实际为 {show(item)}", f"expected a mapping, got {show(item)}")
            continue
        start = len(pb.items)
        for key in SCENARIO_REQUIRED:
            if key not in item:
                add(where, f"缺少字段 '{key}'", f"missing field '{key}'")
        for key in item:
            if key not in SCENARIO_FIELDS:
                add(where, f"未知字段 {quote(key)}", f"unknown field {quote(key)}")
        if "id" in item and not plain:
            add(where, f"id 应为由字母、数字、'-'、'_' 组成的文本，实际为 {show(sid)}",
                f"id should be text of letters, digits, '-' or '_', got {show(sid)}")
        elif plain and sid in seen:
            add(where, "id 重复", "duplicate id")
        seen.add(sid if plain else f"#{i}")
        for key in ("name_zh", "name_en", "note_zh", "note_en"):
            if key in item and not (isinstance(item[key], str) and (item[key].strip() or key.startswith("note"))):
                add(where, f"字段 '{key}' 应为非空文本，实际为 {show(item[key])}",
                    f"field '{key}' should be non-empty text, got {show(item[key])}")
        level = item.get("level")
        if "level" in item and level not in WEIGHT_LEVELS:
            add(where, f"level 应为 {', '.join(WEIGHT_LEVELS)} 之一，实际为 {show(level)}",
                f"level must be one of {', '.join(WEIGHT_LEVELS)}, got {show(level)}")
        elif "weights" in item and level in WEIGHT_LEVELS and nominal_at(level) is not None:
            weights = _scenario_weights(nominal[level], level, item["weights"],
                                        lambda zh, en, w=where: add(w, zh, en))
            if len(pb.items) == start:
                out.append(Scenario(id=sid, name_zh=item["name_zh"], name_en=item["name_en"], level=level,
                                    weights=weights, note_zh=item.get("note_zh", ""),
                                    note_en=item.get("note_en", "")))
    if not doc["scenarios"]:
        add(("scenarios", "scenarios"), "没有任何情景", "no scenarios")
    pb.raise_if_any()
    return out


def _scenario_weights(nominal: pd.Series, level: str, raw: Any, add: Callable[[str, str], None]) -> pd.Series:
    """A scenario's weights for every id of ``nominal``; each problem goes to ``add(zh, en)``."""
    total = float(nominal.sum())
    if isinstance(raw, str) and raw == "equal":
        return pd.Series(total / len(nominal), index=nominal.index, name="weight")
    if not isinstance(raw, Mapping):
        add(f"'weights' 应为“id: 分值”映射或 'equal'，实际为 {show(raw)}",
            f"'weights' should be a mapping id → points or 'equal', got {show(raw)}")
        return nominal
    known = ", ".join(nominal.index)
    unknown = [str(k) for k in raw if str(k) not in nominal.index]
    if unknown:
        listed = ", ".join(quote(k, 40) for k in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        add(f"未知的 {level} 指标 id：{listed}（现有：{known}）",
            f"unknown {level} id(s) {listed} (known: {known})")
    missing = [k for k in nominal.index if k not in raw]
    if missing:
        add(f"缺少 {', '.join(missing)} 的权重（{level} 的每个指标都要给权重）",
            f"no weight for {', '.join(missing)} (give every {level} indicator a weight)")
    values = {}
    bad = False
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v < 0:
            add(f"{quote(str(k), 40)} 的权重应为非负数，实际为 {show(v)}",
                f"weight of {quote(str(k), 40)} should be a non-negative number, got {show(v)}")
            bad = True
        else:
            values[str(k)] = float(v)
    if bad or unknown or missing:
        return nominal
    w = pd.Series(values, name="weight").reindex(nominal.index)
    if abs(w.sum() - total) > _SUM_TOL:
        add(f"权重合计 {w.sum():g}，应为评估标准总分 {total:g}",
            f"weights sum to {w.sum():g}, expected the rubric's total {total:g}")
    return w


def check_weights(weights: Mapping[str, float] | pd.Series, nominal: pd.Series,
                  renorm: bool = True) -> pd.Series:
    """Weights for exactly the ids of ``nominal`` (missing ids keep their nominal weight),
    renormalised to the nominal total unless ``renorm`` is False."""
    w = pd.Series(dict(weights), dtype=float)
    unknown = sorted(set(w.index) - set(nominal.index))
    if unknown:
        raise ScenarioError(f"weights for unknown id(s) {', '.join(unknown)} "
                            f"(known: {', '.join(nominal.index)})")
    full = nominal.astype(float).copy()
    full.loc[w.index] = w.to_numpy()
    if not np.isfinite(full.to_numpy()).all() or (full < 0).any():
        raise ScenarioError("weights must be finite and non-negative")
    if renorm:
        full[:] = renormalise(full.to_numpy(), float(nominal.sum()))
    return full.rename("weight")


def find_scenario(rubric: Rubric, scenario: str, lang: str | None = None) -> Scenario | None:
    """The named scenario ``scenario`` of ``rubric`` (``data/scenarios/<rubric>.yaml``); ``""``: none (the
    rubric's own weights). :class:`ScenarioError` naming the known ids if there is no such scenario."""
    sid = str(scenario).strip()
    if not sid:
        return None
    lang = lang or default_lang()
    if not scenarios_path(rubric).is_file():
        raise ScenarioError(tr(f"评估标准 {rubric.name} 没有命名权重方案（无 {scenarios_path(rubric).name}）",
                               f"rubric {rubric.name} has no named scenarios (no {scenarios_path(rubric).name})", lang))
    found = load_scenarios(rubric, lang=lang)
    for sc in found:
        if sc.id == sid:
            return sc
    known = ", ".join(s.id for s in found)
    raise ScenarioError(tr(f"评估标准 {rubric.name} 没有权重方案 {sid!r}；现有：{known}",
                           f"rubric {rubric.name} has no scenario {sid!r}; known: {known}", lang))
