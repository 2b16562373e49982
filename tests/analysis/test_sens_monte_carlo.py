"""Monte Carlo in tasks (issue 16): the same numbers whatever the cut and wherever the tasks run; memory linear."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from creditlab import load_rubric
from creditlab import points as P
from creditlab import sensitivity as S
from creditlab.analysis import sens_monte_carlo
from creditlab.data import load_context, load_data
from helpers import DEMO


@pytest.fixture(scope="module")
def model():
    sx = load_rubric("shaanxi-2020")
    data = load_data(DEMO / "shaanxi-2020_indicators.csv", rubric=sx)
    ctx = load_context([DEMO / "context.csv", DEMO / "national_npl.csv"])
    return S.prepare(sx, data, ctx, year=2024)


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a.summary, b.summary)
    for k in ("weights", "n_certified", "n_possible", "rank_shift"):
        np.testing.assert_array_equal(getattr(a.draws, k), getattr(b.draws, k))
    assert a.rank_shift == b.rank_shift


def test_tasks_and_chunks_do_not_change_the_numbers(model, monkeypatch):
    whole = model.monte_carlo("uniform", 0.3, 257, seed=5, keep_draws=False)
    monkeypatch.setattr(sens_monte_carlo, "_TASK_DRAWS", 40)  # 7 tasks ...
    monkeypatch.setattr(sens_monte_carlo, "_CHUNK_CELLS", 9 * model.n_regions)  # ... of chunks of 9 draws
    cut = model.monte_carlo("uniform", 0.3, 257, seed=5, keep_draws=False)
    same(whole, cut)
    with ThreadPoolExecutor(3) as pool:  # tasks finishing in any order
        same(whole, model.monte_carlo("uniform", 0.3, 257, seed=5, keep_draws=False, executor=pool))


def test_rank_quantiles_in_bins_beyond_the_exact_size(model, monkeypatch):
    """With fewer rank bins than regions (national scale), quantiles stay within one bin of the exact ones."""
    exact = model.monte_carlo("uniform", 0.4, 300, seed=2, keep_draws=True)
    monkeypatch.setattr(sens_monte_carlo, "_RANK_BINS", 16)
    binned = model.monte_carlo("uniform", 0.4, 300, seed=2, keep_draws=True)
    width = binned.params["rank_resolution"]
    assert width == -(-model.n_regions // 16) > 1 and exact.params["rank_resolution"] == 1
    for col in ("rank_p05", "median_rank", "rank_p95"):
        gap = np.abs(binned.summary[col].to_numpy() - exact.summary[col].to_numpy())
        assert gap.max() < width
    cols = [c for c in exact.summary.columns if c not in ("rank_p05", "median_rank", "rank_p95")]
    pd.testing.assert_frame_equal(binned.summary[cols], exact.summary[cols])


def test_memory_is_linear_in_the_regions(model, monkeypatch):
    """No regions × regions array: the rank counts have at most _RANK_BINS columns whatever the regions."""
    w = np.repeat(model.nominal.to_numpy(float)[None, :], 3, axis=0)
    assert S.run_draws(model, w, keep_draws=False)["rank_hist"].shape == (model.n_regions, model.n_regions)
    monkeypatch.setattr(sens_monte_carlo, "_RANK_BINS", 16)
    stats = S.run_draws(model, w, keep_draws=False)
    assert stats["rank_hist"].shape == (model.n_regions, 15) and stats["score_hist"].shape == (model.n_regions, 1000)
    assert (stats["rank_hist"].sum(axis=1) == 3).all()


def test_a_dask_cluster_gives_the_numbers_of_the_local_run(model):
    distributed = pytest.importorskip("distributed")
    local = model.monte_carlo("dirichlet", 50.0, 300, seed=11, keep_draws=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = model.monte_carlo("dirichlet", 50.0, 300, seed=11, keep_draws=False,
                                   executor=client.get_executor())
        # The worker process is BLAS single-threaded (dask's nanny sets the variables before numpy loads).
        env = client.run(lambda: tuple(os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")))
    same(local, remote)
    assert list(env.values()) == [("1", "1")]


def test_the_counts_are_those_of_every_kept_draw(model, monkeypatch):
    """Histograms, rank shifts and verdict counts equal what the kept draws give when counted directly, also
    when the histogram bins are counted in several batches within a task (issue 16's buffers)."""
    monkeypatch.setattr(sens_monte_carlo, "_CHUNK_CELLS", 7 * model.n_regions)
    monkeypatch.setattr(sens_monte_carlo, "_HIST_CELLS", 20 * model.n_regions)  # bins counted every 14 draws
    w = S.draw_weights("uniform", model.nominal.to_numpy(float), 0.3, 61, 4)
    st = S.run_draws(model, w, keep_draws=True)
    scores = model.scores_for(w)
    # the published rank, draw by draw, counties and development zones each among their own
    ranks = np.vstack([P.rank(row, model.step, model.is_park) for row in scores])
    np.testing.assert_array_equal(st["ranks"], ranks)
    m = model.n_regions
    expect = np.zeros((m, m), int)
    np.add.at(expect, (np.tile(np.arange(m), len(w)), ranks.ravel() - 1), 1)
    np.testing.assert_array_equal(st["rank_hist"], expect)
    shift = np.abs(ranks - model.nominal_ranks())
    np.testing.assert_array_equal(st["shift_sum"], shift.sum(axis=0))
    np.testing.assert_allclose(st["rank_shift"], shift.mean(axis=1))
    res = model.results_for(w)  # the three-valued codes, condition by condition
    np.testing.assert_array_equal(st["certified"], (res == 1).sum(axis=0))
    np.testing.assert_array_equal(st["failed"], (res == 0).sum(axis=0))
    np.testing.assert_array_equal(st["n_certified"], (res == 1).sum(axis=1))
    bins = np.clip(((scores - st["score_lo"]) / st["score_width"]).astype(int), 0, 999)
    expect = np.zeros((m, 1000), int)
    np.add.at(expect, (np.tile(np.arange(m), len(w)), bins.ravel()), 1)
    np.testing.assert_array_equal(st["score_hist"], expect)
