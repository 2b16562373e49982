"""The project's Jupyter kernel and the worker processes: BLAS single-threaded, set before numpy is imported.

Every matrix creditlab multiplies is narrow (regions × 12 weights): BLAS threads gain nothing there, and on a
machine whose cores are already busy with parallel kernels and workers they cost (Sobol 2.5× and Monte-Carlo
1.45× slower under contention, issue 16). OpenBLAS, OpenMP and MKL read their thread counts once, when the
library loads, so the variables must be in the process's environment before numpy is first imported:

- kernels: :func:`register_kernel` writes them into the ``creditlab`` kernelspec's ``env`` (``kernel.json``),
  which jupyter_client puts into the kernel's environment at start (``creditlab kernel``, run by ``make``);
- worker processes the batch starts: :func:`single_threaded_children` puts them into the environment they are
  spawned with (a spawned child imports numpy while unpickling its task, before any initializer could run);
- dask workers: dask's nanny already sets the same three to 1 (``distributed.nanny.pre-spawn-environ``).

A value the user set explicitly is kept (``setdefault``). This module imports nothing heavy.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator, MutableMapping
from pathlib import Path

KERNEL_NAME = "creditlab"
DISPLAY_NAME = "Python (creditlab)"
# One BLAS thread: OpenBLAS (numpy's wheels), OpenMP, MKL.
THREAD_ENV: dict[str, str] = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def thread_env(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """:data:`THREAD_ENV`, with any value already set in ``environ`` (default ``os.environ``) kept."""
    environ = os.environ if environ is None else environ
    return {k: environ.get(k, v) for k, v in THREAD_ENV.items()}


def register_kernel(prefix: str | Path | None = None, name: str = KERNEL_NAME,
                    display_name: str = DISPLAY_NAME) -> Path:
    """Install the project's kernelspec with :data:`THREAD_ENV` in its ``env``; return the spec's folder.

    ``prefix``: where to install (default ``sys.prefix``, i.e. inside the venv: notebooks and papermill never
    use a machine's own python3 kernel). Same as ``python -m ipykernel install --sys-prefix --name creditlab``,
    plus the environment."""
    from ipykernel.kernelspec import install

    path = Path(install(kernel_name=name, display_name=display_name, prefix=str(prefix or sys.prefix),
                        env=dict(THREAD_ENV)))
    spec = json.loads((path / "kernel.json").read_text(encoding="utf-8"))
    if spec.get("env") != THREAD_ENV:  # an ipykernel that ignores env: write it ourselves
        spec["env"] = dict(THREAD_ENV)
        (path / "kernel.json").write_text(json.dumps(spec, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


@contextlib.contextmanager
def single_threaded_children() -> Iterator[None]:
    """While open, processes started from this one get :data:`THREAD_ENV` (values set by the user kept); the
    environment is restored afterwards. Open it around the creation and use of a process pool."""
    saved = {k: os.environ.get(k) for k in THREAD_ENV}
    os.environ.update(thread_env())
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def cli_kernel(args: object = None) -> int:
    """``creditlab kernel``: (re)install the project's kernelspec in this environment and say where."""
    path = register_kernel(getattr(args, "prefix", None))
    print(f"kernelspec {KERNEL_NAME!r} installed in {path} (env: "
          f"{', '.join(f'{k}={v}' for k, v in THREAD_ENV.items())})")
    return 0


__all__ = ["DISPLAY_NAME", "KERNEL_NAME", "THREAD_ENV", "cli_kernel", "register_kernel", "single_threaded_children",
           "thread_env"]
