"""Shared fixtures."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from creditlab import batch
from helpers import ROOT, SOURCES, squash, warm_kernel_session


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
