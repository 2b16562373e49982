"""Where per-item work runs: a local pool of spawned processes (the default), or the workers of a Dask
distributed cluster given its scheduler's address (``creditlab reports --scheduler tcp://host:8786``).

Both are a :class:`concurrent.futures.Executor` (``submit`` returns a ``concurrent.futures.Future``), so the
caller's loop is the same either way and so are the outputs: the work function and its arguments are pickled
and sent; each worker computes exactly what a local process would.

On a cluster the workers run the function where they are: they must import the same creditlab (same project
path, same venv) and see the same files at the same absolute paths (a shared folder for the data, the staging
folder and the reports). See docs/cluster.md.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from ..core.errors import CreditlabError
from ..core.i18n import tr

# tcp://host:port (also tls://, and a bare host:port, which Dask reads as tcp).
SCHEDULER = re.compile(r"((tcp|tls)://)?[A-Za-z0-9_.\-\[\]:]+:\d{1,5}")
CONNECT_TIMEOUT = 20  # seconds to reach the scheduler


class ClusterError(CreditlabError):
    """The cluster cannot be used (malformed address, scheduler not reachable)."""


def check_scheduler(address: str, lang: str = "en") -> str:
    """``address`` stripped if it reads as a scheduler address, else :class:`ClusterError` (in ``lang``)."""
    text = str(address).strip()
    if not SCHEDULER.fullmatch(text):
        raise ClusterError(tr(f"调度器地址应为 tcp://主机:端口（例如 tcp://10.0.0.5:8786），实际为 {address!r}",
                              f"the scheduler address must read tcp://host:port (e.g. tcp://10.0.0.5:8786), "
                              f"got {address!r}", lang))
    return text


@contextlib.contextmanager
def executor(jobs: int, scheduler: str | None = None, *, initializer: Callable[..., Any] | None = None,
             initargs: tuple[Any, ...] = (), lang: str = "en",
             connect_timeout: float = CONNECT_TIMEOUT) -> Iterator[Executor]:
    """An executor for the duration of the block.

    Without ``scheduler``: ``jobs`` spawned processes (no inherited ZMQ or thread state), each started with
    ``initializer(*initargs)``. With ``scheduler``: the cluster's workers (``jobs`` and ``initializer`` do not
    apply: the work function prepares its worker itself on first use). The client is closed on leaving; the
    cluster keeps running.
    """
    if not scheduler:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx, initializer=initializer,
                                 initargs=initargs) as pool:
            yield pool
        return
    address = check_scheduler(scheduler, lang)
    from distributed import Client  # only a cluster run imports dask

    try:
        client = Client(address, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(tr(f"无法连接调度器 {address}：{exc}", f"cannot reach the scheduler {address}: {exc}",
                              lang)) from None
    try:
        # pure=False: every submission is its own task, even with equal arguments.
        yield client.get_executor(pure=False)
    finally:
        client.close()


def cancel(pool: Executor) -> None:
    """Cancel what has not started and wait for what runs (a local pool) or drop it (a cluster)."""
    if isinstance(pool, ProcessPoolExecutor):
        pool.shutdown(wait=True, cancel_futures=True)
    else:
        pool.shutdown(wait=False)

