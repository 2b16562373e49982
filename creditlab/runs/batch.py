"""Regenerate the county evaluation reports of a year: ``creditlab reports`` and ``creditlab demo``.

How a run works:

1. The parent process resolves the inputs and computes each selected county's digest — data,
   context, rubric, regions, notebook, parameters, creditlab code — *before* scoring: when the
   manifest (``reports/<rubric>/<year>/<lang>/manifest.json``) records the same inputs and every selected county's
   outputs exist with its digest, nothing is scored at all (unless ``force``).
2. Otherwise it scores and certifies every region once (:func:`creditlab.report.evaluate`), skips
   the counties that are up to date, and writes for the others the parts their reports need
   (:func:`creditlab.report.save_county_parts`: each county's own rows, plus one shared file with the
   ranks of the year, units and rubric) into a private cache for this run: a county's cost does not
   grow with the scope.
3. ``jobs`` worker processes (spawned, so no ZMQ state is inherited; or the workers of a Dask
   cluster, :mod:`creditlab.runs.cluster`) each keep one warm kernel of
   the project's registered ``creditlab`` kernelspec (IPC transport: no TCP port races). Before
   every notebook the kernel's namespace is reset, so a run gives the same results as on a fresh
   kernel but without paying the ~2.5 s of kernel start and imports per county; after a failure
   (and every :data:`RECYCLE_AFTER` notebooks) the kernel is replaced by a fresh one.
4. Each notebook is executed with papermill into a staging folder, exported to HTML (nbconvert's
   ``basic`` template inside :mod:`creditlab.htmlpage`'s page: no input cells, no CDN) and, only
   when everything succeeded, renamed into ``reports/<rubric>/<year>/<lang>/``. A failed county's
   executed notebook is kept in ``…/<lang>/failed/<code>.ipynb``; its previous report stays.
5. ``index.html`` is rebuilt from the results files (``<code>.json``) and the manifest (units in
   scope that submitted nothing: 未报送; the scope of the runs in the folder) only.

Workers and their kernels die with the parent (Linux ``PR_SET_PDEATHSIG``), so a ``kill -9`` of
the batch leaves nothing running that could write reports the manifest never records. A full
disk stops the batch with one named error; every output written before stays as it was.
"""
from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.atomic import FILE_MODE, write_text
from ..core.errors import CreditlabError
from ..core.i18n import check_lang, tr
from ..core.kernel import single_threaded_children
from ..core.paths import report_folder, reports_dir
from ..core.problems import default_lang
from ..core.safecells import write_xlsx
from ..core.years import year_problem
from ..loaders.regions import in_city, load_regions, province_code
from ..loaders.zones import jurisdiction_place, jurisdiction_problem, province_problem, region_label
from ..views import report
from ..views.banner import banner_sheet
from ..views.figures import PLOTLYJS_ENV, copy_plotly_js
from ..views.htmlpage import index_frame, index_page, index_rows, index_units, page
from ..views.report import (
    REGION_ID,
    ReportError,
    check_region_code,
    display_path,
    save_county_parts,
    sha256_file,
    unit_table,
)
from ..views.report_inputs import no_data_problem
from . import cluster
from .export import notebook_body

KERNEL_NAME = "creditlab"
ENGINE_NAME = "creditlab-warm"
RECYCLE_AFTER = 500         # notebooks per kernel before a fresh one (memory is flat; a safety bound)
START_TIMEOUT = 120         # seconds for a kernel to start under load
CELL_TIMEOUT = 300          # seconds per notebook cell
MANIFEST = "manifest.json"
INDEX_XLSX = "index.xlsx"  # the index's rows as a workbook, beside index.html
FAILED_DIR = "failed"
STAGING_DIR = ".staging"

# Run in the kernel before each notebook: a clean user namespace and execution counter, the
# plotly defaults creditlab sets; imported modules stay (that is the point of a warm kernel).
_RESET_CODE = """\
get_ipython().reset(new_session=True)
import sys as _cl_sys
if "creditlab.figures" in _cl_sys.modules:
    _cl_sys.modules["creditlab.figures"].setup()
del _cl_sys
"""


# Run once in a new kernel: the imports every report needs, then gc.freeze() so that the full
# garbage collection IPython's reset does between notebooks skips the ~1e6 long-lived objects of
# pandas/plotly (0.25 s per county otherwise). It changes when memory is freed, never results.
_WARMUP_CODE = """\
import gc as _cl_gc
import creditlab.loaders.data, creditlab.report, IPython.display  # noqa
_cl_gc.collect()
_cl_gc.freeze()
del _cl_gc
"""


class BatchError(CreditlabError):
    """The batch cannot start (bad selection, folder in use, ...)."""


class DiskFullError(BatchError):
    """The disk (or a file-size limit) refused a write: the batch stops, earlier outputs stay intact."""


# Errors that mean "no room to write": a full disk, a quota, a file-size limit (RLIMIT_FSIZE).
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
_DISK_TEXTS = tuple(f"[Errno {n}]" for n in sorted(DISK_ERRNOS)) + ("No space left on device", "File too large")


def disk_full(exc: BaseException | None) -> bool:
    """True if ``exc`` (or what caused it, also inside a notebook's cell) is a write refused for lack of room."""
    from papermill.exceptions import PapermillExecutionError

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
            return True
        if isinstance(exc, PapermillExecutionError) and any(x in str(exc.evalue) for x in _DISK_TEXTS):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def disk_full_message(where: str | Path, lang: str = "zh") -> str:
    """The one error a full disk gives: what could not be written and that earlier outputs are intact."""
    return tr(f"磁盘空间不足（磁盘已满或超出文件大小限制），无法写入 {where}：已停止生成报告；此前已生成的报告、"
              "清单和索引均保持原样，未写入任何不完整的文件。请腾出空间后重新运行。",
              f"disk full (no space left or file-size limit reached): cannot write {where}; report generation "
              "stopped. Every report, the manifest and the index written before are unchanged, and no "
              "incomplete file was written. Free some space and run again.", lang)


# ---------------------------------------------------------------------------------------------
# Processes that die with their parent


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@functools.cache
def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def die_with_parent(parent: int | None = None) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux; nothing elsewhere).

    ``parent``: the pid the caller expects as parent; if it already died (before the ``prctl``),
    exit at once. Also used as a kernel's ``preexec_fn`` (between fork and exec).
    """
    if not sys.platform.startswith("linux"):
        return
    _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


# ---------------------------------------------------------------------------------------------
# Kernel kept warm in a worker process


class WarmKernel:
    """One kernel of the ``creditlab`` kernelspec, reused across notebooks with a namespace reset.

    It uses jupyter_client's *async* manager and client, like nbclient does: with a blocking
    client nbclient's per-cell timeout never fires (its output poll blocks the event loop).
    """

    def __init__(self, kernel_name: str = KERNEL_NAME, start_timeout: float = START_TIMEOUT):
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.km: Any = None
        self.kc: Any = None
        self.runs = 0
        self._dir: str | None = None

    def start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        # IPC sockets in a private folder: no TCP ports to race for between parallel workers.
        self._dir = tempfile.mkdtemp(prefix="cl-kernel-")
        km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc", ip=os.path.join(self._dir, "k"))
        # No IPython history: parallel kernels would contend for its SQLite file, and reports need none.
        # The kernel dies with this process (even on kill -9): it must never outlive the batch.
        _libc()  # loaded before the fork: the child only calls it
        # Pages load the shared plotly.js: no chart output needs to carry its own copy (figures.PLOTLYJS_ENV).
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.enabled=False"],
                                  env={**os.environ, PLOTLYJS_ENV: "page"},
                                  preexec_fn=functools.partial(die_with_parent, os.getpid()))
        kc = km.client()
        kc.start_channels()
        self.km, self.kc, self.runs = km, kc, 0
        try:
            run_sync(kc.wait_for_ready)(timeout=self.start_timeout)
            self._run(_WARMUP_CODE, self.start_timeout)
        except BaseException:
            self.shutdown()
            raise

    def _run(self, code: str, timeout: float) -> None:
        from jupyter_core.utils import run_sync

        reply = run_sync(self.kc.execute_interactive)(code, silent=True, store_history=False, timeout=timeout,
                                                       allow_stdin=False)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel set-up failed: {reply['content'].get('evalue', '')}")

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def prepare(self, fresh: bool = False) -> None:
        """Make the kernel ready for the next notebook: fresh if asked/needed, else reset."""
        if fresh or self.runs >= RECYCLE_AFTER or not self.alive():
            self.shutdown()
            self.start()
        elif self.runs:
            try:
                self._run(_RESET_CODE, 60)
            except Exception:  # noqa: BLE001 - a kernel that cannot reset is replaced
                self.shutdown()
                self.start()
        self.runs += 1

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        if self.km is not None:
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
        self.km = self.kc = self._dir = None


def _engine_class() -> type:
    """A papermill engine that executes on a :class:`WarmKernel` instead of starting a kernel."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     warm_kernel: WarmKernel | None = None, partial_path: str | None = None,
                                     **kwargs):
            if warm_kernel is None:
                return super().execute_managed_notebook(
                    nb_man, kernel_name, log_output=log_output, stdout_file=stdout_file,
                    stderr_file=stderr_file, start_timeout=start_timeout, execution_timeout=execution_timeout,
                    **kwargs)
            client = PapermillNotebookClient(
                nb_man, km=warm_kernel.km, kernel_name=kernel_name, timeout=execution_timeout,
                startup_timeout=start_timeout, log_output=log_output, stdout_file=stdout_file,
                stderr_file=stderr_file)
            client.kc = warm_kernel.kc  # reuse the worker's client: no new channels per notebook
            try:
                return client.execute()
            except BaseException:
                # papermill saves the notebook after a cell *error*, not after a timeout or a dead
                # kernel: keep what ran so far for the error notebook.
                if partial_path:
                    import nbformat

                    with contextlib.suppress(Exception):
                        nbformat.write(nb_man.nb, partial_path)
                raise

    return WarmKernelEngine


# ---------------------------------------------------------------------------------------------
# Worker side


@dataclass(frozen=True)
class Task:
    """One county to run (picklable: sent to a worker process)."""

    region: str
    year: int
    notebook: str
    parameters: dict[str, Any]
    year_dir: str
    staging: str
    digest: str
    lang: str
    fresh_kernel: bool = False
    timeout: int = CELL_TIMEOUT     # seconds per cell


@dataclass
class Outcome:
    """What happened to one county."""

    region: str
    status: str                    # generated | failed | disk_full
    seconds: float
    error: str = ""
    failed_notebook: str = ""
    html_bytes: int = 0


_KERNEL: WarmKernel | None = None
# The run (its staging folder) the kernel last served: a Dask worker outlives a batch, and its kernel must not
# carry one run's imports (creditlab's code, say, updated since) into the next run.
_KERNEL_RUN: str | None = None
_KERNEL_LOCK = threading.Lock()


def _worker_init(ignore_sigint: bool = False, parent: int | None = None) -> None:
    global _KERNEL
    from papermill.engines import papermill_engines

    if parent is not None:  # a worker of a batch: it dies with the batch (kill -9 included)
        die_with_parent(parent)
    if ignore_sigint:
        # Ctrl-C is the parent's business: it cancels what has not started, and each worker
        # finishes (or fails) the notebook in hand cleanly instead of dying halfway.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # SIGTERM (the parent's process group killed) unwinds: staging removed, kernel shut down.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    papermill_engines.register(ENGINE_NAME, _engine_class())
    _KERNEL = WarmKernel()
    atexit.register(_KERNEL.shutdown)


def run_task(task: Task) -> Outcome:
    """Execute one county's notebook, export it, and move the outputs into place (worker side)."""

    with _KERNEL_LOCK:  # one notebook at a time on this process's kernel (a Dask worker may have threads)
        return _run_task(task)


def _run_task(task: Task) -> Outcome:
    import papermill as pm

    global _KERNEL, _KERNEL_RUN
    if _KERNEL is None:  # called in-process (tests, or jobs=0) or on a Dask worker: prepared on first use
        _worker_init()
        _KERNEL_RUN = None  # a kernel just started serves any run
    assert _KERNEL is not None
    new_run = _KERNEL_RUN is not None and _KERNEL_RUN != task.staging  # a kernel left from an earlier batch
    _KERNEL_RUN = task.staging
    t0 = time.perf_counter()
    year_dir = Path(task.year_dir)
    code = task.region
    work = Path(tempfile.mkdtemp(prefix=f"{code}.", dir=task.staging))
    out_nb = work / f"{code}.ipynb"
    params = {**task.parameters, "output": str(work)}
    try:
        try:
            _KERNEL.prepare(fresh=task.fresh_kernel or new_run)
            nb = pm.execute_notebook(
                task.notebook, str(out_nb), parameters=params, kernel_name=KERNEL_NAME, engine_name=ENGINE_NAME,
                warm_kernel=_KERNEL, partial_path=str(out_nb), progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, start_timeout=START_TIMEOUT, execution_timeout=task.timeout,
            )
        except BaseException:
            _KERNEL.runs = RECYCLE_AFTER  # whatever happened in it, the next notebook gets a fresh kernel
            raise
        results_path = work / f"{code}.json"
        if not results_path.is_file():
            raise RuntimeError(f"the notebook wrote no results file {results_path.name}")
        results = json.loads(results_path.read_text(encoding="utf-8"))
        if results.get("region") != code or results.get("year") != task.year:
            raise RuntimeError("the results file is for another region or year")
        results["provenance"]["notebook"] = {"path": _display(task.notebook), "sha256": _sha256(task.notebook)}
        results["provenance"]["parameters"] = {k: v for k, v in params.items() if k not in ("output", "cache")}
        results["provenance"]["digest"] = task.digest
        page = export_html(nb, results)
        html_tmp = work / f"{code}.html"
        html_tmp.write_text(page, encoding="utf-8")
        results_path.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        for p in (html_tmp, results_path):
            os.chmod(p, FILE_MODE)
        # Complete outputs only: the HTML, then the results file the index reads.
        os.replace(html_tmp, year_dir / f"{code}.html")
        os.replace(results_path, year_dir / f"{code}.json")
        (year_dir / FAILED_DIR / f"{code}.ipynb").unlink(missing_ok=True)
        return Outcome(code, "generated", time.perf_counter() - t0, html_bytes=len(page.encode()))
    except Exception as exc:  # noqa: BLE001 - a county's failure is reported, the batch goes on
        if not disk_full(exc):
            try:
                kept = _keep_failed(out_nb, year_dir, code, exc)
                return Outcome(code, "failed", time.perf_counter() - t0, error=_last_line(exc),
                               failed_notebook=str(kept))
            except OSError as exc2:
                if not disk_full(exc2):
                    raise
                exc = exc2
        # No room: nothing of this county is kept (a truncated notebook helps nobody); the batch stops.
        return Outcome(code, "disk_full", time.perf_counter() - t0, error=_last_line(exc))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _keep_failed(out_nb: Path, year_dir: Path, code: str, exc: BaseException) -> Path:
    """Keep the executed (error) notebook as ``failed/<code>.ipynb``, written atomically.

    papermill's own copy is kept only if it reads back as a whole notebook; otherwise (not saved,
    or cut short) a small notebook with the error takes its place.
    """
    import nbformat

    nb = None
    if out_nb.is_file():
        try:
            nb = nbformat.read(str(out_nb), as_version=4)
        except Exception:  # noqa: BLE001 - truncated or empty: replaced below
            nb = None
    if nb is None:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
            f"# {code}: the run failed before the notebook was saved\n\n```\n"
            + "".join(traceback.format_exception(exc))[-5000:] + "\n```")])
    return write_text(year_dir / FAILED_DIR / f"{code}.ipynb", nbformat.writes(nb))


def _last_line(exc: BaseException) -> str:
    """One line for the summary: the error's type and message (the cell's error for papermill)."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        name, message = exc.ename, exc.evalue
    else:
        name, message = type(exc).__name__, str(exc)
    lines = [x.strip() for x in message.splitlines() if x.strip().strip("-=")]
    text = f"{name}: {' '.join(lines)}" if lines else name
    return text if len(text) <= 300 else text[:297] + "..."


def export_html(nb: Any, results: dict[str, Any]) -> str:
    """The report page: the notebook's outputs only (no code, no prompts, no stderr) in our shell."""
    body = notebook_body(nb)
    lang = results.get("lang", "zh")
    title = (f"{results['name']} {results['year']}年度社会信用体系建设评估报告" if lang == "zh"
             else f"{results.get('name_en') or results['name']}: evaluation {results['year']}")
    return page(title, body, lang=lang)


def _sha256(path: str | Path) -> str:
    return sha256_file(path)


def _display(path: str | Path) -> str:
    return display_path(Path(path))


# ---------------------------------------------------------------------------------------------
# Parent side: selection, manifest, parallel run, index


@dataclass
class Summary:
    """The result of a batch run."""

    year: int
    year_dir: Path
    generated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    no_data: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    index: Path | None = None
    seconds: float = 0.0
    lang: str = "zh"

    @property
    def ok(self) -> bool:
        return not self.failed

    def text(self) -> str:
        """What the run did, in ``lang``; each unit without data by name and code (宝鸡市金台区（610303）)."""
        def t(zh: str, en: str) -> str:
            return tr(zh, en, self.lang)

        sep = t("、", ", ")
        lines = [t(f"{self.year}年度报告：新生成 {len(self.generated)} 份，未变化跳过 {len(self.skipped)} 份，"
                   f"失败 {len(self.failed)} 份，用时 {self.seconds:.1f} 秒 — {self.year_dir}",
                   f"reports {self.year}: {len(self.generated)} generated, {len(self.skipped)} skipped (unchanged), "
                   f"{len(self.failed)} failed in {self.seconds:.1f} s — {self.year_dir}")]
        if self.no_data:
            names = sep.join(region_label(c, self.lang) for c in self.no_data)
            lines.append(t(f"{self.year}年未报送数据（{len(self.no_data)} 个，列为未报送、不评分）：{names}",
                           f"no data for {self.year} (not submitted, {len(self.no_data)}; listed, not scored): "
                           f"{names}"))
        for o in self.failed:
            who = region_label(o.region, self.lang)
            lines.append(t(f"失败 {who}：{o.error}", f"FAILED {who}: {o.error}"))
            lines.append(t(f"       错误记录：{o.failed_notebook}", f"       error notebook: {o.failed_notebook}"))
        if self.index:
            lines.append(t(f"索引：{self.index}", f"index: {self.index}"))
        return "\n".join(lines)


@dataclass(frozen=True)
class Recorded:
    """What :func:`select_regions` reads of an evaluation, as the manifest recorded it for the same inputs
    (``manifest["evaluated"]``): an unchanged re-run selects its counties without scoring anything."""

    units: Any
    rubric: Any
    with_data: list[str]

    def regions(self, year: int) -> list[str]:
        """The units with data in the year of the manifest's folder."""
        return self.with_data


def select_regions(ev: Any, year: int, regions: Sequence[str] | None = None, city: str | None = None,
                   lang: str = "en", province: str | None = None) -> tuple[list[str], list[str]]:
    """The region codes to report on and those without data for ``year``.

    Explicit ``regions`` are checked (format, and units of the rubric's jurisdiction) and all
    run, with or without data: a county without data fails visibly. ``city``, ``province`` (name or
    code) and the default (every county and zone of the jurisdiction) take the units with data and list
    the others as without data.
    """
    units = ev.units
    known = set(units["code"])
    with_data = set(ev.regions(year))
    if regions:
        codes = []
        for r in regions:
            try:
                code = check_region_code(str(r), lang)
            except ReportError as exc:
                raise BatchError(str(exc)) from None
            if code not in known:
                outside = jurisdiction_problem([code], ev.rubric.jurisdiction, ev.rubric.name)
                if outside is not None and not outside[0].startswith(code):  # a real county elsewhere
                    raise BatchError(tr(*outside, lang))
                raise BatchError(tr(f"未知区划代码 {code!r}（不在 regions.csv 或 zones.csv 中）",
                                    f"unknown region {code!r}: not in the regions or zones tables", lang))
            if code not in codes:
                codes.append(code)
        return codes, []
    if city:
        c = city.strip()
        sel = units[in_city(units, c)]
        if sel.empty:
            raise BatchError(tr(f"找不到城市 {city!r} 的区县", f"no counties found for city {city!r}", lang))
    elif province:
        sel = province_units(units, province, ev.rubric, lang)
    else:
        sel = units
    codes = list(sel["code"])
    # Every unit of the scope is accounted for, a development zone as much as a county: with data it is
    # reported on, without it is listed as 未报送 (the index's header counts the zones too).
    return [c for c in codes if c in with_data], [c for c in codes if c not in with_data]


def province_units(units: Any, province: str, rubric: Any, lang: str = "en") -> Any:
    """The units of a province (name or code) within the rubric's jurisdiction; :class:`BatchError` naming
    the jurisdiction if there are none (河南 under linyi-2019), or the known provinces for a bad name."""
    try:
        code = province_code(province)
        outside = province_problem(province, rubric.jurisdiction, rubric.name)
    except CreditlabError as exc:
        raise BatchError(str(exc)) from None
    if outside is not None:
        raise BatchError(tr(*outside, lang))
    return units[units["city_code"].astype(str).str[:2] == code[:2]]


def _merge_scope(previous: Any, units: Any, regions: Sequence[str] | None, city: str | None,
                 province: str | None = None) -> str | list[str]:
    """The city codes the runs into one year folder covered (``"*"``: the whole jurisdiction)."""
    before = previous.get("cities") if isinstance(previous, dict) else None
    if before == "*" or not (regions or city or province):
        return "*"
    if regions:
        sel = units[units["code"].isin([str(r).strip() for r in regions])]
    elif province:
        sel = units[units["city_code"].astype(str).str[:2] == province_code(province)[:2]]
    else:
        c = str(city).strip()
        sel = units[in_city(units, c)]
    mine = set(sel["city_code"].astype(str))
    if isinstance(before, list):
        mine |= {str(x) for x in before}
    return "*" if mine >= set(units["city_code"].astype(str)) else sorted(mine)


def index_scope(cities: Any, units: Any = None, jurisdiction: str | None = None) -> dict[str, Any]:
    """The scope an index states (see :func:`creditlab.htmlpage.scope_words`) from the covered city codes;
    ``jurisdiction``: the rubric's (a city's whole jurisdiction is that city, 临沂市)."""
    units = unit_table(jurisdiction) if units is None else units
    place = jurisdiction_place(jurisdiction) if jurisdiction else None
    if cities == "*" and place is not None and place["level"] == "city":
        cities = [place["code"]]
    if cities != "*" and isinstance(cities, list) and cities:
        out = []
        for code in cities:
            u = units[units["city_code"] == code]
            if len(u):
                out.append({"code": code, "name": str(u["city"].iloc[0]), "name_en": str(u["city_en"].iloc[0]),
                            "counties": int((~u["is_park"]).sum()), "zones": int(u["is_park"].sum())})
        if out:
            return {"kind": "cities", "cities": out}
    if place is not None and place["level"] == "province":
        prov = place
    else:
        prov = load_regions()
        prov = prov[prov["level"] == "province"].iloc[0]
    return {"kind": "province", "name": str(prov["name"]), "name_en": str(prov["name_en"]),
            "counties": int((~units["is_park"]).sum()), "zones": int(units["is_park"].sum())}


def task_digest(inputs_key: str, notebook_sha: str, params: dict[str, Any]) -> str:
    """What a county's report depends on: input files and code (``inputs_key``), notebook, parameters."""
    blob = json.dumps({"inputs": inputs_key, "notebook": notebook_sha, "parameters": params}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def load_manifest(year_dir: Path) -> dict[str, Any]:
    path = year_dir / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"regions": {}}
    return doc if isinstance(doc, dict) and isinstance(doc.get("regions"), dict) else {"regions": {}}


def save_manifest(year_dir: Path, manifest: dict[str, Any]) -> None:
    write_text(year_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


@contextlib.contextmanager
def _lock(year_dir: Path, lang: str = "en") -> Iterator[None]:
    """One batch at a time per year folder (two would fight over the manifest)."""
    fh = open(year_dir / ".lock", "w")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError(tr(f"另一个 creditlab reports 正在使用 {year_dir}，请等它结束",
                                f"another creditlab reports run is using {year_dir}", lang)) from None
        yield
    finally:
        fh.close()


def run_reports(
    year: int,
    regions: Sequence[str] | None = None,
    city: str | None = None,
    *,
    rubric: str = "shaanxi-2020",
    data: str | Sequence[str] = "",
    context: str | Sequence[str] = "",
    jobs: int = 2,
    lang: str = "zh",
    scope: str = "province",
    out: str | Path | None = None,
    force: bool = False,
    notebook: str | Path | None = None,
    fresh_kernels: bool = False,
    progress: bool = True,
    province: str | None = None,
    scheduler: str | None = None,
) -> Summary:
    """Regenerate the selected reports of ``year`` into ``<out>/<rubric>/<year>/<lang>/`` and rebuild its index.

    Raises :class:`BatchError` before any work for a bad selection or a year without any data
    (naming the years with data), and :class:`DiskFullError` when a write finds no room.
    ``scheduler``: run the notebooks on the workers of the Dask cluster at this address (``tcp://host:port``;
    they must see this project and the files at the same paths, docs/cluster.md) instead of ``jobs`` local
    processes; the outputs are the same.
    """
    try:
        return _run_reports(year, regions, city, rubric=rubric, data=data, context=context, jobs=jobs, lang=lang,
                            scope=scope, out=out, force=force, notebook=notebook, fresh_kernels=fresh_kernels,
                            progress=progress, province=province, scheduler=scheduler)
    except OSError as exc:
        if not disk_full(exc):
            raise
        raise DiskFullError(disk_full_message(exc.filename or out or "reports", lang)) from None


def _run_reports(
    year: int, regions: Sequence[str] | None, city: str | None, *, rubric: str, data: str | Sequence[str],
    context: str | Sequence[str], jobs: int, lang: str, scope: str, out: str | Path | None, force: bool,
    notebook: str | Path | None, fresh_kernels: bool, progress: bool, province: str | None = None,
    scheduler: str | None = None,
) -> Summary:
    t0 = time.perf_counter()
    check_lang(lang)
    if scope not in report.SCOPES:
        raise BatchError(tr(f"scope 应为 {'、'.join(report.SCOPES)} 之一", f"scope must be one of "
                            f"{', '.join(report.SCOPES)}", lang))
    bad_year = year_problem(year, lang)  # the one range of years (creditlab.years), as template and ingest
    if bad_year:
        raise BatchError(bad_year)
    if scheduler:  # a malformed address is refused before any work
        scheduler = cluster.check_scheduler(scheduler, lang)
    notebook = Path(notebook or report.NOTEBOOK).resolve()
    if not notebook.is_file():
        raise BatchError(f"notebook {notebook} not found")
    _check_kernel()
    if regions:  # refuse malformed codes before any work (they would become file names)
        for r in regions:
            try:
                report.check_region_code(str(r), lang)
            except report.ReportError as exc:
                raise BatchError(str(exc)) from None
    inputs = report.resolve_inputs(rubric, data, context, lang=lang)
    root = Path(out or reports_dir()).resolve()
    try:
        year_dir = report_folder(root, inputs.rubric, year, lang)  # <root>/<rubric>/<year>/<lang>/: never mixed
    except ValueError as exc:
        raise BatchError(str(exc)) from None
    existing = next((p for p in (year_dir, *year_dir.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():  # --out x.xlsx, or under a file
        raise BatchError(tr(f"无法写入报告文件夹 {root}：{existing} 是文件，不是文件夹（--out 应为文件夹）",
                            f"cannot write the reports folder {root}: {existing} is a file, not a folder "
                            "(--out names a folder)", lang))
    try:
        year_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if disk_full(exc):
            raise
        raise BatchError(tr(f"无法创建报告文件夹 {year_dir}：{exc.strerror or exc}",
                            f"cannot create the reports folder {year_dir}: {exc.strerror or exc}", lang)) from None
    summary = Summary(year, year_dir, lang=lang)
    with _lock(year_dir, lang):
        key = report.inputs_key(inputs)
        notebook_sha = report.sha256_file(notebook)
        manifest = load_manifest(year_dir)
        entries = manifest["regions"]
        rub = report.load_rubric(inputs.rubric)
        base = {"year": year, "rubric": rub.name, "scope": scope, "language": lang}
        # The digests are known before scoring (files, code, notebook, parameters): when the manifest records
        # the same inputs and every selected county's report is in place with its digest, nothing is scored.
        known = manifest.get("evaluated") or {}
        ev = None
        if force or known.get("key") != key or not isinstance(known.get("regions_with_data"), list):
            ev = report.evaluate(inputs, key)
            source, have = ev, ev.data_years()
        else:
            source = Recorded(unit_table(rub.jurisdiction), rub, known["regions_with_data"])
            have = known.get("data_years", [])
        units = source.units
        no_data = no_data_problem(year, have, lang)  # the wording of summary and sensitivity too
        if no_data:
            raise BatchError(no_data + tr("；未生成任何报告", "; no report generated", lang))
        codes, summary.no_data = select_regions(source, year, regions, city, lang, province)
        manifest["scope"] = {"cities": _merge_scope(manifest.get("scope"), units, regions, city, province),
                             "jurisdiction": rub.jurisdiction}
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        for code in summary.no_data:  # in scope, nothing submitted: listed as 未报送, no score
            entries[code] = {"status": "not_submitted", "checked_at": now}
        if ev is not None:
            manifest["evaluated"] = {"key": key, "data_years": [int(y) for y in have],
                                     "regions_with_data": [str(c) for c in ev.regions(year)]}
        save_manifest(year_dir, manifest)
        # The input files (names and bytes) and code are in ``key``; not their absolute paths, so
        # moving the project does not regenerate anything.
        todo: list[tuple[str, str]] = []
        for code in codes:
            digest = task_digest(key, notebook_sha, {**base, "region": code})
            have_files = (year_dir / f"{code}.html").is_file() and (year_dir / f"{code}.json").is_file()
            if not force and have_files and entries.get(code, {}).get("digest") == digest:
                summary.skipped.append(code)
            else:
                todo.append((code, digest))
        if todo and ev is None:  # something to run after all: the evaluation it needs
            ev = report.evaluate(inputs, key)
        copy_plotly_js(year_dir)
        # We hold the lock: whatever is in the staging folder is left over from a killed run.
        shutil.rmtree(year_dir / STAGING_DIR, ignore_errors=True)
        failure: BaseException | None = None
        try:
            if todo:
                _run_all(todo, ev, inputs, notebook, year, year_dir, base, jobs, lang, fresh_kernels, progress,
                         manifest, summary, scheduler)
        except BaseException as exc:
            failure = exc
            raise
        finally:  # also after Ctrl-C: the index lists the complete reports there are
            try:
                summary.index = write_index(year_dir, lang=lang, manifest=load_manifest(year_dir))
            except OSError:
                if failure is None:
                    raise
                # The first error is the one to report (e.g. the disk full that also stops this write).
    summary.seconds = time.perf_counter() - t0
    return summary


def _check_kernel() -> None:
    """The project's kernel must be registered: never fall back to a machine's default kernel."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        raise BatchError(f"the Jupyter kernel {KERNEL_NAME!r} is not registered: run `make setup` (or "
                         f"{sys.executable} -m ipykernel install --sys-prefix --name {KERNEL_NAME})") from None


def _run_all(todo: list[tuple[str, str]], ev: Any, inputs: Any, notebook: Path, year: int, year_dir: Path,
             base: dict[str, Any], jobs: int, lang: str, fresh_kernels: bool, progress: bool,
             manifest: dict[str, Any], summary: Summary, scheduler: str | None = None) -> None:
    from tqdm.auto import tqdm

    staging_root = year_dir / STAGING_DIR
    staging_root.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=staging_root))
    # Each kernel reads only its county's rows and the parts every report shares (not the whole evaluation).
    cache = save_county_parts(ev, year, base["scope"], [code for code, _ in todo], staging)
    (year_dir / FAILED_DIR).mkdir(exist_ok=True)
    params = {"year": year, "rubric": str(inputs.rubric), "data": [str(p) for p in inputs.data],
              "context": [str(p) for p in inputs.context], "scope": base["scope"], "language": lang,
              "cache": str(cache)}
    tasks = [Task(code, year, str(notebook), {"region": code, **params}, str(year_dir), str(staging), digest, lang,
                  fresh_kernels) for code, digest in todo]
    entries = manifest["regions"]
    # A bar on a terminal only: in a log file its redraws become one endless line; the summary line says it all.
    bar = tqdm(total=len(tasks), desc=f"reports {year}", unit="county", file=sys.stderr, mininterval=0.5,
               disable=not progress or not sys.stderr.isatty())
    try:
        for outcome in _execute(tasks, jobs, scheduler, lang):
            summary.outcomes.append(outcome)
            task = next((t for t in tasks if t.region == outcome.region), None)
            if task is None:  # a worker died without saying which county: reported, nothing recorded
                summary.failed.append(outcome)
                continue
            if outcome.status == "disk_full":  # stop: pending counties are cancelled, outputs stay as they are
                summary.outcomes.pop()
                raise DiskFullError(disk_full_message(year_dir, lang))
            entry = dict(entries.get(outcome.region, {}))
            if outcome.status == "generated":
                summary.generated.append(outcome.region)
                entry = {"digest": task.digest, "status": "generated", "seconds": round(outcome.seconds, 2),
                         "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            else:
                summary.failed.append(outcome)
                entry.update({"status": "failed", "error": outcome.error,
                              "failed_notebook": f"{FAILED_DIR}/{outcome.region}.ipynb",
                              "failed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
            entries[outcome.region] = entry
            save_manifest(year_dir, manifest)  # after each county: an interrupted run keeps its progress
            bar.set_postfix_str(f"{len(summary.failed)} failed" if summary.failed else "")
            bar.update(1)
    finally:
        bar.close()
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging_root.rmdir()  # only if empty
        with contextlib.suppress(OSError):
            (year_dir / FAILED_DIR).rmdir()  # only if empty: no error notebook, no folder for them


def _execute(tasks: list[Task], jobs: int, scheduler: str | None = None, lang: str = "en") -> Iterator[Outcome]:
    """Run tasks in ``jobs`` spawned worker processes (in-process when ``jobs`` is 0), or on the workers of the
    Dask cluster at ``scheduler`` (:mod:`creditlab.runs.cluster`), as they finish."""
    global _KERNEL
    if jobs <= 0 and not scheduler:
        try:
            for t in tasks:
                yield run_task(t)
        finally:  # in-process: don't leave a kernel running in the caller's process
            if _KERNEL is not None:
                _KERNEL.shutdown()
                _KERNEL = None
        return
    with single_threaded_children(), cluster.executor(  # workers' BLAS single-threaded (core.kernel)
            min(jobs, len(tasks)), scheduler, initializer=_worker_init, initargs=(True, os.getpid()),
            lang=lang) as pool:
        pending: set[Future] = {pool.submit(run_task, t) for t in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        yield fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker died: report, go on
                        yield Outcome("?", "disk_full" if disk_full(exc) else "failed", 0.0, error=_last_line(exc))
        except BaseException:
            cluster.cancel(pool)
            raise


# ---------------------------------------------------------------------------------------------
# Index


def read_results(year_dir: Path) -> list[dict[str, Any]]:
    """The results files of the reports in ``year_dir`` (only checked codes with an HTML beside)."""
    out = []
    for path in sorted(year_dir.glob("*.json")):
        code = path.stem
        if not REGION_ID.fullmatch(code) or not (year_dir / f"{code}.html").is_file():
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc.get("region") == code:
            out.append(doc)
    return out


def write_index(year_dir: Path, lang: str = "zh", manifest: dict[str, Any] | None = None) -> Path:
    """Write ``index.html``: every report of the year, sortable, with a province summary chart."""
    entries = (manifest or {}).get("regions", {})
    # <rubric>/<year>/<lang>/ (or a bare <year>/ folder)
    year = next((int(p.name) for p in (year_dir, year_dir.parent) if p.name.isdigit()), None)
    failed = {code: e for code, e in entries.items() if e.get("status") == "failed"}
    missing = {code for code, e in entries.items() if e.get("status") == "not_submitted"}
    # The latest word on a unit is the manifest's: a report left from earlier data is not listed.
    docs = [d for d in read_results(year_dir) if d["region"] not in missing]
    jurisdiction = ((manifest or {}).get("scope") or {}).get("jurisdiction")
    units = unit_table(jurisdiction)
    rows = units[units["code"].isin(missing)]
    not_submitted = [{"region": r.code, "name": r.name, "name_en": r.name_en, "city": r.city, "city_en": r.city_en,
                      "city_code": r.city_code} for r in rows.itertuples()]
    recorded = ((manifest or {}).get("scope") or {}).get("cities")
    cities = recorded if recorded else sorted({str(d.get("city_code", "")) for d in docs} - {""})
    scope = index_scope(cities, units, jurisdiction) if (cities or docs or not_submitted) else None
    text = index_page(docs, year, lang, failed, scope=scope, not_submitted=not_submitted, workbook=INDEX_XLSX)
    path = year_dir / "index.html"
    with contextlib.suppress(OSError):
        if path.read_text(encoding="utf-8") == text and (year_dir / INDEX_XLSX).is_file():
            return path  # unchanged: no write (none is needed, e.g. on a full disk)
    # The same rows as a workbook beside the page (written first: the page is the run's last word).
    scored, missing_docs = index_units(docs, not_submitted)
    banner = next((str(d["banner"]) for d in docs if d.get("banner")), "")  # the reports' own banner
    sheets = {**banner_sheet(banner, lang),
              tr("报告索引", "Reports", lang): index_frame(index_rows(scored, lang, missing_docs), lang)}
    if failed:  # as on the page: the units whose report could not be made this run, each with its error
        names, listed = units.set_index("code"), {d["region"] for d in docs}
        sheets[tr("未能生成的报告", "Reports that failed", lang)] = pd.DataFrame({
            tr("代码", "Code", lang): list(failed),
            tr("县（市、区）", "County", lang): [
                (names.loc[c, "name"] if lang == "zh" else names.loc[c, "name_en"] or names.loc[c, "name"])
                if c in names.index else c for c in failed],
            tr("错误", "Error", lang): [str(e.get("error", "")) for e in failed.values()],
            tr("仍列出上一版报告", "Earlier report still listed", lang): [
                tr("是", "yes", lang) if c in listed else tr("否", "no", lang) for c in failed]})
    write_xlsx(sheets, year_dir / INDEX_XLSX)
    return write_text(path, text)


# ---------------------------------------------------------------------------------------------
# Command line


@contextlib.contextmanager
def _terminate_gracefully() -> Iterator[None]:
    """SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C: workers stop, staging is removed, the last
    good reports and the manifest stay consistent."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted() -> int:
    print("creditlab: interrupted — every report in place is complete (new or the previous one); "
          "run again to finish", file=sys.stderr)
    return 130


def _print_summary(summary: Summary) -> int:
    print(summary.text())
    return 0 if summary.ok else 1


def cli_reports(args: argparse.Namespace) -> int:
    """``creditlab reports``: exit 0 when every selected county's report was generated or unchanged."""
    try:
        with _terminate_gracefully():
            summary = _run_cli_reports(args)
    except KeyboardInterrupt:
        return _interrupted()
    return _print_summary(summary)


def _run_cli_reports(args: argparse.Namespace) -> Summary:
    return run_reports(
        args.year, regions=args.region, city=args.city, rubric=args.rubric, data=args.data or "",
        context=args.context or "", jobs=max(0, args.jobs), lang=args.lang or default_lang(), scope=args.scope,
        out=args.out,
        force=args.force, scheduler=getattr(args, "scheduler", None),
        province=getattr(args, "province", None),
    )


def cli_demo(args: argparse.Namespace) -> int:
    """``creditlab demo``: every county's report on the bundled synthetic data."""
    try:
        with _terminate_gracefully():
            summary = run_reports(args.year, jobs=max(0, args.jobs), force=getattr(args, "force", False),
                                  lang=getattr(args, "lang", None) or default_lang())
    except KeyboardInterrupt:
        return _interrupted()
    code = _print_summary(summary)
    if summary.index:
        print(f"open {summary.index.as_uri()}")
    return code


