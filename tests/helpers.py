"""Helpers shared by test files of several layers (importable as ``helpers``: pytest's pythonpath)."""
from __future__ import annotations

import contextlib
import json
import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest
from papermill.engines import papermill_engines

from creditlab import batch, report
from creditlab.core.paths import report_folder
from creditlab.errors import DataError
from creditlab.scoring import totals

ROOT = Path(__file__).resolve().parent.parent  # tests/helpers.py → the project


SOURCES = ROOT / "data" / "sources"


NB_DIR = ROOT / "parameterised"  # the parameterised notebooks; their runs have it as working folder, as nbval does


# The outputs of each code cell nbval executed (and passed) in a run of a notebook with its defaults, by
# notebook path (conftest.py records them): the tests of a default run read these instead of executing the
# same notebook with the same parameters a second time.
NBVAL_OUTPUTS: dict[Path, list[list[dict]]] = {}


def nbval_run(notebook: Path) -> nbformat.NotebookNode | None:
    """The notebook as nbval executed it with its defaults in this session, if every code cell ran and passed.

    ``None`` when nbval did not run it (a test file run alone, a ``-k`` selection, a failed cell): the caller
    then runs papermill itself.
    """
    nb = nbformat.read(notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    runs = NBVAL_OUTPUTS.get(notebook.resolve(), [])
    if len(runs) != len(code) or any(outs is None for outs in runs):
        return None
    for cell, outs in zip(code, runs, strict=True):
        cell.outputs = [nbformat.from_dict(dict(o)) for o in outs]
    return nb


@contextlib.contextmanager
def warm_kernel_session() -> Iterator[batch.WarmKernel]:
    """One kernel of the project's kernelspec, started in :data:`NB_DIR`, for many papermill runs.

    It is the batch's own warm kernel (:class:`creditlab.batch.WarmKernel`): before each notebook its
    namespace is reset, which test_report.py proves gives the same report as a fresh kernel. Sharing it
    saves the ~2 s of kernel start and imports that every papermill run of a test paid.
    """
    papermill_engines.register(batch.ENGINE_NAME, batch._engine_class())
    kernel = batch.WarmKernel()
    with contextlib.chdir(NB_DIR):  # the kernel's working folder is the notebooks' (relative paths as with nbval)
        kernel.start()
    try:
        yield kernel
    finally:
        kernel.shutdown()


def run_warm(kernel: batch.WarmKernel, notebook: Path, out: Path,
             parameters: dict[str, object]) -> nbformat.NotebookNode:
    """Execute ``notebook`` with papermill on the shared ``kernel`` (reset first); return the executed notebook.

    A failing cell raises :class:`papermill.PapermillExecutionError` as with a fresh kernel. Unlike the batch,
    the kernel is not replaced after a failure: the failures tested are errors raised by a notebook's own
    parameter check, which leave nothing behind that the reset does not clear.
    """
    kernel.prepare()
    return pm.execute_notebook(str(notebook), str(out), parameters=parameters, kernel_name=batch.KERNEL_NAME,
                               engine_name=batch.ENGINE_NAME, warm_kernel=kernel, cwd=str(NB_DIR),
                               progress_bar=False, start_timeout=120, execution_timeout=300)


def squash(text: str) -> str:
    """Text without whitespace or HTML tags, for verbatim comparisons with the sources."""
    text = re.sub(r"<[^>]+>", "", text)
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if not ch.isspace())


DEMO = ROOT / "data" / "demo"


YEAR = 2024


DEMO_FILES = ("shaanxi-2020_indicators.csv", "context.csv", "national_npl.csv", "metadata.yaml")


@dataclass(frozen=True)
class DemoBatch:
    """The shared batch: its data copy, reports folder, summary and the three chosen counties."""

    data: Path
    reports: Path
    certified: str
    failing: str
    missing: str
    generated: tuple[str, ...]

    @property
    def year_dir(self) -> Path:
        return report_folder(self.reports, "shaanxi-2020", YEAR, "zh")

    @property
    def codes(self) -> tuple[str, str, str]:
        return (self.certified, self.failing, self.missing)

    def inputs(self) -> dict[str, object]:
        return {"data": str(self.data / DEMO_FILES[0]),
                "context": [str(self.data / DEMO_FILES[1]), str(self.data / DEMO_FILES[2])]}


def pick_counties(ev: report.Evaluation, year: int = YEAR) -> tuple[str, str, str]:
    """(certified, failing a mandatory condition, with data missing), chosen from the results."""
    v = ev.verdicts[ev.verdicts["year"] == year].set_index("region")
    t = totals(ev.scores)
    t = t[t["year"] == year].set_index("region")
    counties = set(ev.units.loc[~ev.units["is_park"], "code"])
    complete = [r for r in sorted(v.index) if r in counties and t.loc[r, "status"] == "complete"]
    certified = next(r for r in complete if v.loc[r, "verdict"] == "certified")
    failing = next(r for r in complete if v.loc[r, "unmet_mandatory"])
    missing = next(r for r in sorted(v.index) if r in counties and t.loc[r, "status"] == "incomplete")
    return certified, failing, missing


def demo_batch(tmp_path_factory: pytest.TempPathFactory) -> DemoBatch:
    """Generate (once per session) the reports of three demo counties with ``jobs=1``.

    One worker runs them in turn on one kernel: the first on a fresh kernel, the others on the
    warm kernel after a reset — test_report.py compares one of those with a fresh papermill run.
    """
    base = tmp_path_factory.getbasetemp() / "creditlab-demo-batch"
    done = base / "done.json"
    if done.is_file():
        d = json.loads(done.read_text())
        return DemoBatch(Path(d["data"]), Path(d["reports"]), d["certified"], d["failing"], d["missing"],
                         tuple(d["generated"]))
    if base.exists():
        shutil.rmtree(base)
    data = base / "data"
    data.mkdir(parents=True)
    for name in DEMO_FILES:
        shutil.copy(DEMO / name, data / name)
    inputs = report.resolve_inputs("shaanxi-2020", str(data / DEMO_FILES[0]),
                                   [str(data / DEMO_FILES[1]), str(data / DEMO_FILES[2])])
    certified, failing, missing = pick_counties(report.evaluate(inputs))
    reports = base / "reports"
    summary = batch.run_reports(YEAR, [certified, failing, missing], data=str(data / DEMO_FILES[0]),
                                context=[str(data / DEMO_FILES[1]), str(data / DEMO_FILES[2])],
                                out=reports, jobs=1, progress=False)
    assert summary.ok, summary.text()
    result = DemoBatch(data, reports, certified, failing, missing, tuple(summary.generated))
    done.write_text(json.dumps({"data": str(data), "reports": str(reports), "certified": certified,
                                "failing": failing, "missing": missing, "generated": summary.generated}))
    return result


def full_marks(rubric, region="610102", year=2024) -> pd.DataFrame:
    """Values that earn every row its full points (development zones: ids starting KF)."""
    c = rubric.criteria
    park = region.startswith("KF") & c["park_rule"].notna()
    value = np.select(
        [park, c["rule"] == "binary", (c["rule"] == "threshold") & (c["unit"] == "percent"), c["rule"] == "threshold",
         c["rule"] == "per_unit"],
        [c["points"], 1.0, 100.0, 10.0, np.ceil(c["cap"] / c["per_unit"])], default=c["points"])
    return pd.DataFrame({"region": region, "year": year, "criterion": c["id"], "value": value})


def with_values(df: pd.DataFrame, **values) -> pd.DataFrame:
    df = df.copy()
    for cid, v in values.items():
        df.loc[df["criterion"] == cid.replace("_", "."), "value"] = v
    return df


def problems_of(call, *args, **kwargs) -> list[str]:
    with pytest.raises(DataError) as exc:
        call(*args, **kwargs)
    return exc.value.problems


def one(problems: list[str], *parts: str) -> str:
    """The single problem containing every part; fails listing the problems otherwise."""
    hits = [p for p in problems if all(part in p for part in parts)]
    assert len(hits) == 1, f"expected one problem with {parts}, got:\n" + "\n".join(problems)
    return hits[0]


# A YAML alias bomb (a billion laughs): the YAML reader must refuse it without expanding.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))


# The profile: full marks except A3.1b = 7 fields, B2.2a = 4 fields, C1.1a = 0, C1.2a = 0,
# C2.3a = 2.8 — exactly 85 points, which floating point adds up to 84.99999999999999.
EXACT_85 = {"A3_1b": 7, "B2_2a": 4, "C1_1a": 0, "C1_2a": 0, "C2_3a": 2.8}
CLEAN = {"major_incident": False, "debtor_share_legal": 0.4, "debtor_share_natural": 0.2, "government_debtors": 0,
         "rectification_rate": 92.0, "government_rectification_rate": 96.0, "npl_ratio": 1.2,
         "national_npl_ratio": 1.59}


def exact_85(rubric, region: str = "610102", year: int = 2024) -> pd.DataFrame:
    return with_values(full_marks(rubric, region, year), **EXACT_85)


def clean_context(regions, year: int = 2024) -> pd.DataFrame:
    return pd.DataFrame([{"region": r, "year": year, **CLEAN} for r in regions])


HEADER = "region,year,criterion,value,evidence"  # the long format's header


def write_csv(folder: Path, name: str, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    """A CSV file of ``rows`` under ``header`` in ``folder``."""
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def row_of(ws, criterion: str) -> int:
    """The row of a template sheet holding ``criterion`` (column A)."""
    return next(c.row for c in ws["A"] if c.value == criterion)


def rankings_frame(rows: list[tuple]) -> pd.DataFrame:
    """City monitoring rankings as a frame: rows of ``(city, group, period, rank, group_size)``."""
    return pd.DataFrame(rows, columns=["city", "group", "period", "rank", "group_size"])


# ---------------------------------------------------------------------------------------------
# A real browser: Debian's chromium, headless and offline


def chromium_exe() -> str:
    """Debian's chromium, or a skip (a failure in CI) when it is not installed."""
    import os

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (make browser installs it)")
        pytest.skip("chromium is not installed (make browser installs it)")
    return exe


def chromium_dom(page: Path, profile: Path, budget_ms: int = 5000) -> str:
    """The DOM of ``page`` after ``budget_ms`` of virtual time in headless chromium with no network at all."""
    import subprocess

    cmd = [chromium_exe(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
           f"--virtual-time-budget={budget_ms}", "--dump-dom", page.resolve().as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def drawn_charts(dom: str) -> tuple[int, int]:
    """(chart divs, chart divs with a drawn ``.main-svg`` inside) in a DOM dump."""
    from html.parser import HTMLParser

    class Counter(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[tuple[str, bool]] = []   # (tag, is a chart div)
            self.charts = 0
            self.drawn = 0
            self.current: list[bool] = []             # per open chart: drawn yet

        def handle_starttag(self, tag: str, attrs: list) -> None:
            classes = (dict(attrs).get("class") or "").split()
            is_chart = tag == "div" and "plotly-graph-div" in classes
            if is_chart:
                self.charts += 1
                self.current.append(False)
            if "main-svg" in classes and self.current and not self.current[-1]:
                self.current[-1] = True
                self.drawn += 1
            if tag not in ("br", "img", "meta", "link", "input", "hr", "path", "rect", "line", "circle", "use",
                           "stop", "image"):
                self.stack.append((tag, is_chart))

        def handle_endtag(self, tag: str) -> None:
            while self.stack:
                t, chart = self.stack.pop()
                if chart:
                    self.current.pop()
                if t == tag:
                    break

    c = Counter()
    c.feed(dom)
    return c.charts, c.drawn


def rubric_variant(folder: Path, name: str, jurisdiction: str) -> Path:
    """A copy of a bundled rubric applied to another jurisdiction (an analyst's variant, e.g. the Linyi indicators
    for 西安市's districts), written into ``folder``: the rubric file with only its ``jurisdiction`` line changed."""
    source = ROOT / "data" / "rubrics" / f"{name}.yaml"
    text = re.sub(r'(?m)^jurisdiction: "\d{6}"', f'jurisdiction: "{jurisdiction}"', source.read_text(encoding="utf-8"))
    path = folder / f"{name}.yaml"  # a rubric's id is its file's name
    path.write_text(text, encoding="utf-8")
    return path
