"""Where per-item work runs: the address check and the local pool (the Dask cluster run is in test_batch.py)."""
from __future__ import annotations

import os

import pytest

from creditlab.runs import cluster


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", " tls://node-1.example:8786 ", "10.0.0.5:8786",
                                     "tcp://[::1]:8786"])
def test_scheduler_addresses_that_read_as_one(address: str) -> None:
    assert cluster.check_scheduler(address) == address.strip()


@pytest.mark.parametrize("address", ["", "10.0.0.5", "http://x:80", "tcp://host", "tcp://a:b", "a b:1"])
def test_a_malformed_address_is_one_message_in_the_language_asked(address: str) -> None:
    with pytest.raises(cluster.ClusterError, match="调度器地址应为 tcp://主机:端口"):
        cluster.check_scheduler(address, "zh")
    with pytest.raises(cluster.ClusterError, match="must read tcp://host:port"):
        cluster.check_scheduler(address, "en")


def _pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def test_the_default_is_a_local_pool_of_spawned_processes() -> None:
    with cluster.executor(2) as pool:
        results = [f.result(timeout=120) for f in [pool.submit(_pid, i) for i in range(4)]]
    assert [r for r, _ in results] == [0, 1, 4, 9]
    assert os.getpid() not in {p for _, p in results}  # the work ran in other processes


def test_an_unreachable_scheduler_is_named() -> None:
    with pytest.raises(cluster.ClusterError, match="cannot reach the scheduler tcp://127.0.0.1:9"):
        with cluster.executor(1, "tcp://127.0.0.1:9", connect_timeout=2):
            pass
