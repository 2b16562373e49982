"""Shared fixtures."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbval.plugin import IPyNbCell

from creditlab import batch
from helpers import NB_DIR, NBVAL_OUTPUTS, ROOT, SOURCES, squash, warm_kernel_session


class NbvalRecorder:
    """Keeps what nbval's default runs of the parameterised notebooks printed, for ``helpers.nbval_run``.

    A plugin, not conftest hooks: the notebooks' items live outside tests/, where this conftest's hooks
    would not be called for them.
    """

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Those nbval runs go first, so the default-run tests find them instead of executing them again."""
        first = [i for i in items if isinstance(i, IPyNbCell) and Path(i.path).resolve().parent == NB_DIR]
        if first:
            ids = {id(i) for i in first}
            items[:] = first + [i for i in items if id(i) not in ids]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
        """Record each cell's outputs (``None`` if it failed), in order from the first cell."""
        rep = yield
        if isinstance(item, IPyNbCell) and rep.when == "call":
            runs = NBVAL_OUTPUTS.setdefault(Path(item.path).resolve(), [])
            if item.cell_num == 0:
                runs.clear()
            if len(runs) == item.cell_num:
                runs.append(list(item.test_outputs or []) if rep.passed else None)
        return rep


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(NbvalRecorder(), "creditlab-nbval-recorder")


@pytest.fixture(scope="session")
def source_text():
    """Return the squashed text of a vendored source document by file name."""
    cache: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in cache:
            cache[name] = squash((SOURCES / name).read_text(encoding="utf-8"))
        return cache[name]

    return get


@pytest.fixture(scope="session")
def warm_kernel() -> Iterator[batch.WarmKernel]:
    """One shared kernel for the papermill runs of the notebook tests (see ``helpers.run_warm``)."""
    with warm_kernel_session() as kernel:
        yield kernel


@pytest.fixture()
def data_copy(tmp_path, monkeypatch):
    """A writable copy of data/ used through CREDITLAB_DATA."""
    import shutil

    dst = tmp_path / "data"
    shutil.copytree(ROOT / "data", dst, ignore=shutil.ignore_patterns("sources", "demo"))
    monkeypatch.setenv("CREDITLAB_DATA", str(dst))
    return dst


def in_ci() -> bool:
    return bool(os.environ.get("CI"))
