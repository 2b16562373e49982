"""Bench: creditlab.views.maps.county_map against the obvious way of drawing the same map.

Both sides draw the same simplified boundaries of ``data/maps`` (offline, no geo subplot) with the
same values and hover text; they differ in the figure's shape:

- ``ours``: one filled trace per colour class (rings separated by gaps, float32 arrays) and one
  invisible marker per county for the hover (``views.maps.county_map``);
- ``naive``: one filled trace per county (``fill="toself"``, ``hoveron="fills"``, its own colour and
  hover text), float64 lists.

Timed: building the figure and its HTML fragment (``figure_html``), which is what a report, the index
or the explorer pays per redraw. Repeats are interleaved (ours, naive, ours, …); min and median are
printed, and the ratio naive / ours. Sizes are the HTML fragment's bytes (what a map adds to a page).

    .venv/bin/python bench/maps.py [--provinces 610000,430000,510000] [--repeats 7]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from creditlab.loaders.boundaries import load_boundaries
from creditlab.views.figures import figure_html
from creditlab.views.maps import county_map


def ours(values: dict[str, float], province: str) -> tuple[go.Figure, str]:
    fig = county_map(values, kind="score", province=province)
    return fig, figure_html(fig, div_id="map")


def naive(values: dict[str, float], province: str) -> tuple[go.Figure, str]:
    shapes = load_boundaries(province)
    lo, hi = min(values.values()), max(values.values())
    fig = go.Figure()
    for i, code in enumerate(shapes.codes):
        if shapes.outlying[i]:
            continue
        v = values.get(code)
        color = "#d3d7dd" if v is None else sample_colorscale("Viridis", [(v - lo) / (hi - lo)])[0]
        x = [None if np.isnan(a) else float(a) for a in shapes.x[i]]
        y = [None if np.isnan(a) else float(a) for a in shapes.y[i]]
        fig.add_scatter(x=x, y=y, fill="toself", fillcolor=color, mode="lines", hoveron="fills",
                        line=dict(color="#ffffff", width=0.6), showlegend=False, name=code,
                        text=f"{shapes.names[i]}（{code}）：{'无数据' if v is None else f'{v:.1f}'}", hoverinfo="text")
    fig.update_xaxes(visible=False, scaleanchor="y")
    fig.update_yaxes(visible=False)
    return fig, figure_html(fig, div_id="map")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--provinces", default="610000,430000,510000")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print("county map of a province: figure + HTML fragment, interleaved repeats (min / median)")
    for province in args.provinces.split(","):
        shapes = load_boundaries(province)  # loaded and cached once, as in a kernel or the app
        values = {c: float(rng.uniform(60, 100)) for c in shapes.codes}
        times: dict[str, list[float]] = {"ours": [], "naive": []}
        sizes: dict[str, int] = {}
        fig_only: list[float] = []
        for _ in range(args.repeats):
            for name, fn in (("ours", ours), ("naive", naive)):
                t0 = time.perf_counter()
                _, html = fn(values, province)
                times[name].append(time.perf_counter() - t0)
                sizes[name] = len(html.encode())
            t0 = time.perf_counter()
            county_map(values, kind="score", province=province)
            fig_only.append(time.perf_counter() - t0)
        o, n = times["ours"], times["naive"]
        print(f"  {province} {shapes.province} ({len(shapes.codes)} counties, "
              f"{sum(len(x) for x in shapes.x)} points)")
        print(f"    ours : {min(o) * 1e3:6.1f} / {statistics.median(o) * 1e3:6.1f} ms   "
              f"{sizes['ours'] / 1e3:6.0f} KB   (figure alone: {min(fig_only) * 1e3:.1f} / "
              f"{statistics.median(fig_only) * 1e3:.1f} ms)")
        print(f"    naive: {min(n) * 1e3:6.1f} / {statistics.median(n) * 1e3:6.1f} ms   {sizes['naive'] / 1e3:6.0f} KB")
        print(f"    ratio naive / ours: time {statistics.median(n) / statistics.median(o):.1f}x, "
              f"size {sizes['naive'] / sizes['ours']:.1f}x")


if __name__ == "__main__":
    main()
