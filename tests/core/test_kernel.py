"""The project's kernelspec and the batch's worker processes run BLAS single-threaded (issue 16)."""
from __future__ import annotations

import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from creditlab import cli
from creditlab.core.kernel import KERNEL_NAME, THREAD_ENV, single_threaded_children, thread_env


def test_the_kernel_command_writes_the_env_and_a_kernel_started_from_it_has_it(tmp_path, capsys, monkeypatch):
    for k in THREAD_ENV:  # the kernel must get them from its spec, not from this process
        monkeypatch.delenv(k, raising=False)
    assert cli.main(["kernel", "--prefix", str(tmp_path)]) == 0
    folder = tmp_path / "share" / "jupyter" / "kernels" / KERNEL_NAME
    assert str(folder) in capsys.readouterr().out
    spec = json.loads((folder / "kernel.json").read_text(encoding="utf-8"))
    assert spec["env"] == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    assert spec["argv"][0] == sys.executable and spec["display_name"] == "Python (creditlab)"
    ksm = KernelSpecManager(kernel_dirs=[str(folder.parent)])
    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        seen: list[str] = []
        kc.execute_interactive("import os; print(','.join(os.environ.get(k, '-') for k in "
                               "('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')))",
                               output_hook=lambda m: seen.append(m["content"].get("text", "")), timeout=60)
        assert "".join(seen).strip() == "1,1,1"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_workers_are_spawned_single_threaded_and_the_parent_env_is_restored(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # set by the user: kept
    with single_threaded_children(), ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        got = [pool.submit(os.getenv, k).result(timeout=60) for k in THREAD_ENV]
    assert got == ["1", "3", os.environ.get("MKL_NUM_THREADS", "1")]
    assert "OPENBLAS_NUM_THREADS" not in os.environ and os.environ["OMP_NUM_THREADS"] == "3"
    assert thread_env({"MKL_NUM_THREADS": "4"})["MKL_NUM_THREADS"] == "4"
