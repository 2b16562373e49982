"""Benchmark the scenario explorer: one slider move, recomputed and redrawn, at 115 and 3,000 regions.

    .venv/bin/python bench/explorer.py [--regions 3000] [--repeat 7] [--no-browser]

Server side, per size (the demo year of shaanxi-2020: 115 regions; a synthetic national-size year):

* **explorer** — what one slider move costs in the kernel now: the widget's observer recomputes ONE evaluation
  (``WeightModel.evaluate``), builds the verdict-change table, the score chart (one trace per verdict) and the
  weights chart as plain figure dicts, assigns them to the Output widget, and the JSON the widget would send
  is serialised (one MIME type per figure) — JupyterLab's way;
* **app** — the same in ``creditlab app``'s way: the figures go out inside one script for ``Plotly.react``;
* **previous** — the redraw this replaces, same weights, same run: ``explorer_html`` (its own evaluation),
  ``scores_figure(model.evaluate(w))`` (a second one, one colour per bar, plotly validation) and
  ``weights_figure``, formatted with both MIME types, serialised;
* **full re-score** — the baseline the issue names: ``creditlab.score`` + ``certify`` of that year from scratch.

Repeats are interleaved (explorer, previous, full; explorer, …); min and median are printed, and the ratios of
the minima. The explorer's evaluation at the rubric's weights is checked against the full re-score (same total
per region, same verdict), so the fast path computes what the slow one does.

The synthetic year's regions are relabelled onto the counties of a synthetic province of the same size
(:func:`creditlab.runs.synthetic.write_scope`, inside 610000, used through ``$CREDITLAB_DATA`` while that size
is measured): the rubric assesses the units of its jurisdiction only.

Browser side (115 regions): ``creditlab app`` is started on a free port, chromium (Debian's, through
Playwright) opens the explorer, C1's slider is dragged back and forth, and the time from the slider's release
(``pointerup``) to the redrawn score chart in the page (its ``plotly_afterplot`` event) is read with
``performance.now()`` in the page.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from creditlab.analysis.certification import certify  # noqa: E402
from creditlab.analysis.scoring import score  # noqa: E402
from creditlab.analysis.sensitivity import prepare  # noqa: E402
from creditlab.analysis.weights import load_scenarios  # noqa: E402
from creditlab.loaders.data import load_context, load_data  # noqa: E402
from creditlab.loaders.rubric import load_rubric  # noqa: E402
from creditlab.runs.synthetic import write_scope  # noqa: E402
from creditlab.views import sensitivity_figures as sf  # noqa: E402
from creditlab.views.figures import widget_outputs  # noqa: E402
from creditlab.views.scenario_explorer import PLOTLY_URL_ENV, ExplorerWidgets, ScenarioExplorer  # noqa: E402

DEMO = ROOT / "data" / "demo"
YEAR = 2024


def demo_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    rubric = load_rubric("shaanxi-2020")
    data = load_data(DEMO / "shaanxi-2020_indicators.csv", rubric=rubric)
    ctx = load_context([DEMO / "context.csv", DEMO / "national_npl.csv"])
    return data[data["year"] == YEAR].reset_index(drop=True), ctx


def synthetic(n_regions: int, seed: int = 16) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``(data, context, zones)`` of one year for ``n_regions`` synthetic regions (codes ``S00000``, …).

    Each copies a demo region drawn with ``seed`` (its values, one in ten replaced by another demo region's
    value of the same criterion, and its context); a copy of a development zone is a zone. Same seed, same data.
    """
    data, ctx = demo_inputs()
    rubric = load_rubric("shaanxi-2020")
    rng = np.random.default_rng(seed)
    regions = np.asarray(sorted(data["region"].astype(str).unique()), dtype=object)
    crits = rubric.criteria["id"].to_numpy(object)
    cube = (data.astype({"region": str, "criterion": str}).set_index(["region", "criterion"])["value"]
            .reindex(pd.MultiIndex.from_product([regions, crits])).to_numpy(float).reshape(len(regions), len(crits)))
    pick = rng.integers(0, len(regions), n_regions)
    is_zone = np.char.startswith(regions.astype(str), "KF")
    values = cube[pick]
    donor = np.empty(values.shape, dtype=np.int64)
    for kind in (False, True):  # a replacing value comes from a region of the same kind
        pool = np.flatnonzero(is_zone == kind)
        rows = is_zone[pick] == kind
        donor[rows] = pool[rng.integers(0, len(pool), (int(rows.sum()), len(crits)))]
    values = np.where(rng.random(values.shape) < 0.1, cube[donor, np.arange(len(crits))[None, :]], values)
    codes = np.asarray([f"S{i:05d}" for i in range(n_regions)], dtype=object)
    out = pd.DataFrame({"region": np.repeat(codes, len(crits)), "year": YEAR,
                        "criterion": np.tile(crits, n_regions), "value": values.ravel()})
    out = out.dropna(subset=["value"]).astype({"region": "category", "criterion": "category"})
    c = ctx.assign(region=ctx["region"].astype(str))
    src = pd.DataFrame({"region": codes, "source": regions[pick]})
    context = src.merge(c.rename(columns={"region": "source"}), on="source").drop(columns="source")
    zones = [str(code) for code, p in zip(codes, regions[pick], strict=True) if p.startswith("KF")]
    return out, context.reset_index(drop=True), zones


@contextmanager
def synthetic_scope(data: pd.DataFrame, context: pd.DataFrame, zones: list[str]
                    ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, list[str]]]:
    """The frames of :func:`synthetic` relabelled (``S00000``, … in order) onto the counties of a synthetic
    province of as many counties, with ``$CREDITLAB_DATA`` pointing at it meanwhile (then restored)."""
    names = sorted(data["region"].astype(str).unique())
    folder = Path(tempfile.mkdtemp(prefix="creditlab-bench-explorer-"))
    before = os.environ.get("CREDITLAB_DATA")
    try:
        write_scope(folder, len(names))
        regions = pd.read_csv(folder / "regions" / "regions.csv", dtype=str, keep_default_na=False)
        code = dict(zip(names, regions.loc[regions["level"] == "county", "code"], strict=True))
        os.environ["CREDITLAB_DATA"] = str(folder)
        yield (data.assign(region=data["region"].astype(str).map(code).astype("category")),
               context.assign(region=context["region"].map(code)), [code[z] for z in zones])
    finally:
        if before is None:
            os.environ.pop("CREDITLAB_DATA", None)
        else:
            os.environ["CREDITLAB_DATA"] = before
        shutil.rmtree(folder, ignore_errors=True)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_size(label: str, data: pd.DataFrame, context: pd.DataFrame, zones: list[str] | None,
               repeat: int) -> dict[str, float]:
    rubric = load_rubric("shaanxi-2020")
    model = prepare(rubric, data, context, year=YEAR, zones=zones)
    explorer = ScenarioExplorer(model=model, scenarios=load_scenarios(rubric), synthetic=("data",), lang="zh")
    ui = ExplorerWidgets(explorer, pickers=False)
    slider = ui.sliders["C1"]
    values = [10.0, 15.0]
    os.environ[PLOTLY_URL_ENV] = "/voila/static/plotly.min.js"  # the app's way: one script into standing divs
    try:
        app_ui = ExplorerWidgets(explorer, pickers=False)
    finally:
        del os.environ[PLOTLY_URL_ENV]
    app_slider = app_ui.sliders["C1"]

    # Same numbers as a full re-score at the rubric's weights (totals and verdicts).
    full_scores = score(rubric, data, zones)
    full = certify(rubric, full_scores, context)
    tot = full_scores[full_scores["level"] == "total"].set_index("region")["points"]
    ev = ui.evaluation.set_index("region")
    assert np.allclose(ev["score"].to_numpy(), tot.reindex(ev.index.astype(str)).to_numpy()), "scores differ"
    verdicts = full.set_index("region")["verdict"].reindex(ev.index.astype(str))
    assert (verdicts.to_numpy() == ev["verdict"].to_numpy()).all(), "verdicts differ"

    def explorer_move() -> None:
        slider.value = values[0] if slider.value != values[0] else values[1]
        json.dumps(ui.out.outputs)  # what the Output widget sends

    def app_move() -> None:
        app_slider.value = values[0] if app_slider.value != values[0] else values[1]
        json.dumps(app_ui.out.outputs)

    def previous_move() -> None:
        w = model.weights_vector(pd.Series({**model.nominal, "C1": values[0]}))
        outs = widget_outputs(sf.explorer_html(model, w, "zh"),
                              sf.scores_figure(model.evaluate(w), explorer.threshold, "zh"),
                              sf.weights_figure(model, w, "zh"))
        json.dumps([o["data"] for o in outs], default=str)

    def full_rescore() -> None:
        certify(rubric, score(rubric, data, zones), context)

    runs: dict[str, list[float]] = {"explorer": [], "app": [], "previous": [], "full": []}
    for _ in range(repeat):  # interleaved
        runs["explorer"].append(timed(explorer_move))
        runs["app"].append(timed(app_move))
        runs["previous"].append(timed(previous_move))
        runs["full"].append(timed(full_rescore))
    size = len(json.dumps(ui.out.outputs))
    mins = {k: min(v) for k, v in runs.items()}
    print(f"\n== {label}: {model.n_regions} regions, {repeat} interleaved repeats (ms, min / median)")
    for k, v in runs.items():
        print(f"  {k:10s} {1000 * min(v):8.1f} / {1000 * statistics.median(v):8.1f}")
    print(f"  explorer / full re-score: {mins['explorer'] / mins['full']:.3f}   "
          f"app / full re-score: {mins['app'] / mins['full']:.3f}   "
          f"explorer / previous redraw: {mins['explorer'] / mins['previous']:.3f}   "
          f"sent per move: {size / 1024:.0f} KB")
    return {**{f"{k}_ms": 1000 * v for k, v in mins.items()}, "regions": model.n_regions}


def bench_browser(moves: int = 6) -> list[float]:
    """Slider release → redrawn chart in Debian's chromium, ms (Playwright's page clock)."""
    from playwright.sync_api import sync_playwright

    from creditlab.runs.app import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CREDITLAB_LANG": "zh"}
    proc = subprocess.Popen([sys.executable, "-m", "creditlab.cli", "app", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        url = None
        while url is None:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("creditlab app ended before printing its address")
            hit = re.search(r"http://127\.0\.0\.1:\d+/voila/render/02\S+", line)
            url = hit.group(0) if hit else None
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/lib/chromium/chromium",
                                  args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                        "--disable-component-update", "--no-first-run"])
            page = b.new_page(viewport={"width": 1300, "height": 1000})
            page.goto(url, timeout=180_000)
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2",
                                   timeout=180_000)
            page.evaluate("""() => { window.__t = []; let released = null;
              document.addEventListener('pointerup', () => { released = performance.now(); }, true);
              document.querySelector('[id^=creditlab-score]').on('plotly_afterplot', () => {
                if (released !== null) { window.__t.push(performance.now() - released); released = null; } }); }""")
            row = page.locator(".widget-hbox", has_text="C1 ").first
            for i in range(moves):
                box = row.locator(".noUi-handle").bounding_box()
                track = row.locator(".noUi-target").bounding_box()
                y = box["y"] + box["height"] / 2
                page.mouse.move(box["x"] + box["width"] / 2, y)
                page.mouse.down()
                page.mouse.move(track["x"] + track["width"] * (0.25 if i % 2 == 0 else 0.5), y, steps=5)
                page.mouse.up()
                page.wait_for_function(f"window.__t.length >= {i + 1}", timeout=60_000)
            times = page.evaluate("window.__t")
            b.close()
        return times
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    data, ctx = demo_inputs()
    small = bench_size("demo year (shaanxi-2020, 2024)", data, ctx, None, args.repeat)
    with synthetic_scope(*synthetic(args.regions)) as (big_data, big_ctx, zones):
        big = bench_size(f"synthetic national-size year (seed 16, {args.regions} regions)", big_data, big_ctx,
                         zones, args.repeat)
    print(f"\naims: ≤ 50 ms at 115 regions → {small['explorer_ms']:.1f} ms; "
          f"≤ 100 ms at {big['regions']} → {big['explorer_ms']:.1f} ms")
    if not args.no_browser:
        times = bench_browser()
        print(f"browser (chromium, 115 regions): slider release → redrawn chart, {len(times)} moves: "
              f"min {min(times):.0f} ms, median {statistics.median(times):.0f} ms (aim < 300 ms); "
              f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
