"""Every analysis as one command: ``creditlab progress | sensitivity | rankings | summary | compare``.

:data:`ANALYSES` is the one table the command line loops over: for each command its parameterised
notebook, its parameters (command-line option → notebook parameter, with the notebook's default), the
check that runs in the parent process before any kernel starts, and the name of its output.

A run (:func:`run_analysis`): check the parameters (every problem at once, through
:class:`creditlab.core.problems.Problems`, Chinese by default), execute the notebook with papermill on the
project's ``creditlab`` kernel (a progress bar on stderr), and write the document in one of the three forms
of :mod:`creditlab.runs.export`: a page beside one shared ``plotly.min.js`` (default), one standalone HTML
file, or an A4 PDF. A notebook that fails keeps its executed copy in ``<out>/failed/<name>.ipynb``.

Heavy modules (papermill, nbconvert, plotly, the analyses) are imported inside the functions that need
them: a bad parameter is answered within a second, before a kernel or plotly is loaded.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import CreditlabError
from ..core.i18n import LANGS, tr
from ..core.paths import PROJECT_ROOT, language_tag, reports_dir, slug
from ..core.problems import Problems
from ..core.years import year_problem
from ..loaders.regions import in_city, load_regions, resolve_city, resolve_units
from ..views.compare_inputs import compare_problems, compare_stem
from ..views.sensitivity_inputs import parameter_problems
from ..views.summary_inputs import check_summary_params, summary_stem
from .cluster import check_scheduler

NOTEBOOKS = PROJECT_ROOT / "parameterised"
FORMS = ("folder", "standalone", "pdf")
# The kernel keeps quiet (no TCP-encryption notice on the user's terminal) and keeps no history.
KERNEL_ARGS = ["--HistoryManager.enabled=False", "--IPKernelApp.log_level=CRITICAL"]


class AnalysisError(CreditlabError):
    """The analysis cannot run with these parameters (the message lists every problem)."""


class AnalysisFailed(CreditlabError):
    """The notebook ran and failed: the message names the cell's error and the kept notebook."""


@dataclass(frozen=True)
class Param:
    """One command-line option and the notebook parameter it sets."""

    name: str                      # the notebook parameter
    flag: str                      # the command-line option
    default: Any                   # the notebook's own default (tests compare them)
    help: str
    type: Callable[[str], Any] = str
    choices: tuple[str, ...] | None = None
    repeat: bool = False           # repeatable option: one value stays a string, several become a list


@dataclass(frozen=True)
class Analysis:
    """A command: its notebook, parameters, parent-side check and output name."""

    command: str
    notebook: str                  # file name in parameterised/
    help: str
    params: tuple[Param, ...]
    check: Callable[[dict[str, Any], str], dict[str, Any]]   # problems raised; the values to run with ("_…" keys:
    # what the check worked out for the runner, e.g. the output name; not passed to the notebook)
    name: Callable[[dict[str, Any]], str]                     # output file name without extension
    select: tuple[str, ...] = ()   # takes --region and/or --city (names or codes)
    scope_param: str | None = None   # receives "province", a city code or a list of region codes
    city_param: str | None = None    # receives a city code ("" for the whole province)
    output_param: str | None = None  # receives the output folder

    @property
    def notebook_path(self) -> Path:
        return NOTEBOOKS / self.notebook


# ---------------------------------------------------------------------------------------------
# Parameter checks (parent process): the notebooks' own checks, every problem at once


def _problems(lang: str) -> Problems:
    return Problems(what=tr("参数", "the parameters", lang), error=AnalysisError, lang=lang)


def _try(problems: Problems, fn: Callable[[], Any]) -> Any:
    """``fn()``, or ``None`` with its error added to ``problems`` (a check that needs it is then skipped)."""
    try:
        return fn()
    except (CreditlabError, ValueError) as exc:  # ValueError: the loaders' value checks (as_of, period, rule)
        for line in getattr(exc, "problems", None) or [str(exc)]:  # a loader's own list: one line each
            problems.add(str(line), str(line))
    return None


def _check_language(p: dict[str, Any], problems: Problems) -> None:
    if p.get("language") not in LANGS:
        problems.add(f"language（语言）须为{'、'.join(LANGS)}之一，而不是{p.get('language')!r}",
                     f"language must be one of {', '.join(LANGS)}, got {p.get('language')!r}")


def _check_file(path: str, problems: Problems, role_zh: str, role_en: str) -> None:
    from ..loaders.plan import resolve_path

    if path and not resolve_path(path).is_file():
        problems.add(f"找不到{role_zh}文件 {path!r}", f"{role_en} file {path!r} not found")


def check_progress(p: dict[str, Any], lang: str) -> dict[str, Any]:
    """``plan_progress.ipynb``: the plan, ``as_of``, the method and the observations file."""
    from ..loaders.plan import METHODS, check_as_of, load_observations, load_plan, resolve_path

    problems = _problems(lang)
    _check_language(p, problems)
    if p["method"] not in METHODS:
        problems.add(f"method（方法）须为{'、'.join(METHODS)}之一，而不是{p['method']!r}",
                     f"method must be one of {', '.join(METHODS)}, got {p['method']!r}")
    plan = _try(problems, lambda: load_plan(p["plan"], lang=lang))
    if plan is not None:
        obs = None
        if resolve_path(p["data"]).is_file():
            obs = _try(problems, lambda: load_observations(resolve_path(p["data"]), plan, lang=lang))
        else:
            _check_file(p["data"], problems, "观测数据", "observations")
        _try(problems, lambda: check_as_of(plan, p["as_of"], obs, lang))  # not after the latest observation
    problems.raise_if_any()
    return p


def check_rankings(p: dict[str, Any], lang: str) -> dict[str, Any]:
    """``city_rankings.ipynb``: the province, quarter, low-rank rule, plan and rankings file."""
    from ..analysis.monitoring import LowRankRule, check_quarter
    from ..loaders.plan import load_plan, resolve_path
    from ..loaders.rankings import load_rankings

    problems = _problems(lang)
    _check_language(p, problems)
    _try(problems, lambda: LowRankRule.from_param(p["low_rank_rule"], lang))
    _try(problems, lambda: load_plan(p["plan"], lang=lang))
    if not resolve_path(p["data"]).is_file():
        _check_file(p["data"], problems, "排名数据", "rankings")
    else:
        rankings = _try(problems, lambda: load_rankings(resolve_path(p["data"]), province=p["province"], lang=lang))
        if rankings is not None:
            _try(problems, lambda: check_quarter(rankings, p["period"], lang))
    problems.raise_if_any()
    return p


def _scope_codes(scope: Any, rubric: str) -> list[str] | None:
    """The units an analysis covers: a list of codes as given, a city's units (:func:`in_city`), else None (all)."""
    from ..loaders.rubric import load_rubric
    from ..loaders.zones import jurisdiction_units

    if isinstance(scope, list):
        return [str(c) for c in scope]
    if isinstance(scope, str) and scope.strip().lower() not in ("", "province", "全省"):  # a city
        units = jurisdiction_units(load_rubric(rubric).jurisdiction)
        return units.loc[in_city(units, scope), "code"].astype(str).tolist()
    return None


def _check_rubric_year(p: dict[str, Any], problems: Problems, lang: str) -> int | None:
    """The rubric, the input files and the year (:func:`creditlab.views.report_inputs.check_year`: creditlab's
    years, the rubric's, a county's data in it — the data files' years only, read cheaply); returns the year to
    evaluate: the one given, else the latest with data."""
    from ..views.report_inputs import check_year, resolve_inputs

    inputs = _try(problems, lambda: resolve_inputs(p["rubric"], p["data"], p["context"], lang=lang))
    if inputs is None:  # no data to look at: creditlab's range of years only
        bad = year_problem(p["year"], lang) if p.get("year") is not None else None
        if bad:
            problems.add(bad, bad)
        return p.get("year")
    # Only the analysed units' data count: a city's latest year, not the whole file's.
    regions = _try(problems, lambda: _scope_codes(p.get("scope"), p["rubric"]))
    year, bad_year = check_year(p.get("year"), inputs, lang, regions)
    for bad in bad_year:
        problems.add(bad, bad)
    return year


def check_sensitivity(p: dict[str, Any], lang: str) -> dict[str, Any]:
    """``weight_sensitivity.ipynb``: the notebook's own value checks, the rubric, year and input files. Without
    ``year``, the latest year with data is resolved here and passed on, so that the output's name and the page
    name the same year (``…_latest_…`` would hold another year once next year's data arrive)."""
    problems = parameter_problems(p)
    problems.error, problems.lang = AnalysisError, lang
    if p.get("scheduler"):
        _try(problems, lambda: check_scheduler(p["scheduler"], lang))
    year = _check_rubric_year(p, problems, lang)
    problems.raise_if_any()
    return {**p, "year": year}


def _summary_args(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in ("rubric", "year", "data", "context", "city", "province") if k in p}


def check_summary(p: dict[str, Any], lang: str) -> dict[str, Any]:
    """``summary.ipynb``: the notebook's own check (:func:`check_summary_params`), before any kernel starts."""
    try:
        checked = check_summary_params(**_summary_args(p), language=lang)
    except CreditlabError as exc:
        raise AnalysisError(str(exc)) from None
    return {**p, "_stem": summary_stem(checked)}  # the name, from what was checked (not checked again)


def check_compare(p: dict[str, Any], lang: str) -> dict[str, Any]:
    """``compare.ipynb``: the notebook's own check (:func:`compare_problems`: language, year, each side's rubric,
    scenario and files, own data never beside demo data) and the province, before any kernel starts."""
    problems, sides = compare_problems(p)
    problems.what, problems.error, problems.lang = tr("参数", "the parameters", lang), AnalysisError, lang
    if p.get("province", "").strip():
        _try(problems, lambda: load_regions(p["province"].strip()))
    year = _compare_year(p.get("year"), sides, problems, lang) if len(sides) == 2 else p.get("year")
    problems.raise_if_any()
    return {**p, "year": year}


def _compare_year(year: int | None, sides: dict[str, Any], problems: Problems, lang: str) -> int | None:
    """The year both sides are compared in: the one given, which each side's data must hold, else the latest year
    with data under both, resolved here so that the output's name and the page say the same year."""
    from ..loaders.indicators import data_years

    if year is not None and year_problem(year, lang):  # already said: no data can hold such a year
        return year
    have = {}
    for key, side in sides.items():
        years = _try(problems, lambda side=side: data_years(side.inputs.data, lang))
        if years is None:
            return year
        have[key] = set(years)
    common = sorted(have["a"] & have["b"])
    if year is None:
        if not common:
            problems.add(f"两方的指标数据没有共同的年份（A方：{_years(have['a'], 'zh')}；"
                         f"B方：{_years(have['b'], 'zh')}）",
                         f"the two sides' data have no year in common (A: {_years(have['a'], 'en')}; "
                         f"B: {_years(have['b'], 'en')})")
            return None
        return common[-1]
    same = sides["a"].inputs.data == sides["b"].inputs.data  # one data set on both sides: one problem
    for key in ("a",) if same else ("a", "b"):
        if year not in have[key]:
            who_zh, who_en = ("", "the") if same else (f"{key.upper()}方的", f"side {key.upper()}'s")
            problems.add(f"{who_zh}指标数据没有{year}年的填报值（有数据的年份：{_years(have[key], 'zh')}）",
                         f"{who_en} data hold no value for {year} (years with data: {_years(have[key], 'en')})")
    return year


def _years(years: set[int], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(map(str, sorted(years))) or "—"


# ---------------------------------------------------------------------------------------------
# Output names: codes and plain words only (names from data never become paths unchecked)


def _scope_words(scope: Any) -> str:
    if isinstance(scope, list):
        return slug(*scope[:3], f"{len(scope)}" if len(scope) > 3 else "")
    return slug(scope)


ANALYSES: tuple[Analysis, ...] = (
    Analysis(
        "progress", "plan_progress.ipynb", "plan progress: each indicator of a five-year plan against its target",
        (Param("plan", "--plan", "shaanxi-14th-fyp", "a plan in data/plans/"),
         Param("as_of", "--as-of", 2024, "assess with the observations up to this year", type=int),
         Param("data", "--data", "data/demo/plan_observations.csv", "observations (CSV or Excel)"),
         Param("method", "--method", "compound", "compound (Eurostat) or linear")),
        check_progress, lambda p: slug("plan_progress", p["plan"], p["as_of"], language_tag(p["language"]))),
    Analysis(
        "sensitivity", "weight_sensitivity.ipynb", "weight sensitivity: ranks and verdicts under other weights",
        (Param("rubric", "--rubric", "shaanxi-2020", "a rubric in data/rubrics/"),
         Param("year", "--year", None, "evaluation year (default: the latest in the data)", type=int),
         Param("level", "--level", "level2", "weights varied at level2 or level1"),
         Param("scheme", "--scheme", "uniform", "uniform (±spread) or dirichlet"),
         Param("spread", "--spread", 0.25, "± share around each weight", type=float),
         Param("concentration", "--concentration", 100.0, "dirichlet concentration", type=float),
         Param("n_draws", "--draws", 500, "Monte-Carlo draws", type=int),
         Param("seed", "--seed", 2020, "random seed", type=int),
         Param("sobol_n", "--sobol-n", 4096, "Sobol base sample (a power of two)", type=int),
         Param("sobol_output", "--sobol-output", "n_certified", "n_certified or rank_shift"),
         Param("bounds", "--bounds", 0.5, "tipping points: each weight within ± this share", type=float),
         Param("data", "--data", "", "indicator data file (default: the bundled demo data)"),
         Param("context", "--context", "", "certification context file (default: the demo context with the demo "
                                           "data)"),
         Param("province", "--province", "", "a province (name or code) within the rubric's jurisdiction"),
         Param("scheduler", "--scheduler", "", "a Dask scheduler (tcp://host:8786) for the Monte-Carlo draws "
                                               "(docs/cluster.md)")),
        check_sensitivity, lambda p: slug("weight_sensitivity", p["rubric"], p["year"] or "latest",
                                          _scope_words(p["scope"]), language_tag(p["language"])),
        select=("region", "city"), scope_param="scope"),
    Analysis(
        "rankings", "city_rankings.ipynb", "city credit-monitoring rankings against the plan path",
        (Param("province", "--province", "陕西", "the province whose cities are ranked"),
         Param("period", "--period", "2024Q4", "the bulletin's quarter (or a month such as 2024-12)"),
         Param("data", "--data", "data/demo/city_rankings.csv", "monthly rankings (CSV or Excel)"),
         Param("low_rank_rule", "--low-rank-rule", {"kind": "bottom", "n": 1, "quarters": 3},
               "persistently low: bottom:N:QUARTERS or percentile:P:QUARTERS"),
         Param("plan", "--plan", "shaanxi-14th-fyp", "the plan whose ranking target gives the path")),
        check_rankings, lambda p: slug("city_rankings", p["province"], p["period"], language_tag(p["language"]))),
    Analysis(
        "summary", "summary.ipynb", "province or city summary report (全省/全市汇总) for leadership",
        (Param("rubric", "--rubric", "shaanxi-2020", "a rubric in data/rubrics/"),
         Param("year", "--year", 2024, "evaluation year", type=int),
         Param("data", "--data", "", "indicator data file (repeatable; default: the bundled demo data)", repeat=True),
         Param("context", "--context", "", "certification context file (repeatable)", repeat=True),
         Param("province", "--province", "", "the province (default: the rubric's)")),
        check_summary, lambda p: p["_stem"],
        select=("city",), city_param="city", output_param="output"),
    Analysis(
        "compare", "compare.ipynb", "comparison of two rubrics or two weightings: rank shifts and verdict changes",
        (Param("rubric_a", "--rubric-a", "shaanxi-2020", "rubric of side A (a rubric in data/rubrics/)"),
         Param("rubric_b", "--rubric-b", "shaanxi-2020", "rubric of side B"),
         Param("scenario_a", "--scenario-a", "", "a scenario id of rubric A (data/scenarios/; default: its own "
                                                 "weights)"),
         Param("scenario_b", "--scenario-b", "results-first", "a scenario id of rubric B (empty: its own weights)"),
         Param("year", "--year", None, "evaluation year (default: the latest with data under both)", type=int),
         Param("data", "--data", "", "indicator data of side A (repeatable; default: the bundled demo data)",
               repeat=True),
         Param("data_b", "--data-b", "", "indicator data of side B (repeatable; default: side A's for the same "
                                         "rubric, else its demo data)", repeat=True),
         Param("context", "--context", "", "certification context file (repeatable)", repeat=True),
         Param("province", "--province", "", "list every county of this province (name or code)")),
        check_compare, compare_stem,
        select=("city",), city_param="city", output_param="output"),
)


def analysis(command: str) -> Analysis:
    """The registry entry of ``command``."""
    return next(a for a in ANALYSES if a.command == command)


# ---------------------------------------------------------------------------------------------
# Parameters from the command line


def parameters(a: Analysis, values: dict[str, Any], lang: str) -> dict[str, Any]:
    """The notebook parameters from the options' ``values`` (names resolved to codes, defaults filled)."""
    p: dict[str, Any] = {}
    for par in a.params:
        v = values.get(par.name)
        if par.repeat and isinstance(v, list):
            v = v[0] if len(v) == 1 else v
        p[par.name] = par.default if v is None else v
    if a.scope_param:  # sensitivity: the whole province, a city or a list of counties
        p[a.scope_param] = _scope(values, lang) or "province"
    if a.city_param:
        city = values.get("city")
        p[a.city_param] = _city(city, lang, p.get("province"), p.get("rubric") or p.get("rubric_a")) if city else ""
    p["language"] = lang
    return p


def _jurisdiction(rubric: str | None) -> dict[str, Any]:
    """What the resolvers need to place a name: the units of ``rubric``'s jurisdiction (the default province
    without a rubric, or with one that does not load: its own check says so), the rest of the country and
    the words naming the jurisdiction. A name found only elsewhere resolves there, so that the run names it as
    outside the jurisdiction; several found elsewhere are listed as outside it."""
    from ..core.errors import CreditlabError
    from ..loaders.rubric import load_rubric
    from ..loaders.zones import NATIONAL, jurisdiction_place, jurisdiction_units

    name, code = None, None
    if rubric:
        try:
            r = load_rubric(rubric)
            name, code = r.name, r.jurisdiction
        except CreditlabError:
            pass
    place = jurisdiction_place(code or "610000")
    where_zh, where_en = f"{place['name']}（{place['code']}）", f"{place['name_en'] or place['name']} ({place['code']})"
    scope = ((f"评估标准 {name} 的适用范围{where_zh}", f"the jurisdiction of rubric {name}, {where_en}") if name
             else (f"适用范围{where_zh}", f"the jurisdiction, {where_en}"))
    return {"table": jurisdiction_units(code), "elsewhere": jurisdiction_units(NATIONAL), "scope": scope,
            "code": code, "rubric": name}


def _city(city: str, lang: str, province: str | None = None, rubric: str | None = None) -> str:
    if province:
        return resolve_city(city, load_regions(province), lang=lang)  # type: ignore[return-value]
    j = _jurisdiction(rubric)
    return resolve_city(city, j["table"], lang=lang, elsewhere=j["elsewhere"],  # type: ignore[return-value]
                        scope=j["scope"])


def _scope(values: dict[str, Any], lang: str) -> str | list[str] | None:
    rubric = values.get("rubric")
    if values.get("region"):
        j = _jurisdiction(rubric)
        return resolve_units(list(values["region"]), j["table"], lang=lang, elsewhere=j["elsewhere"],
                             scope=j["scope"])
    if values.get("city"):
        return _city(values["city"], lang, rubric=rubric)
    return None


def resolve_selection(regions: Sequence[str] | None, city: str | None, lang: str, rubric: str | None = None,
                      province: str | None = None) -> tuple[list[str] | None, str | None]:
    """``--region`` and ``--city`` of ``creditlab reports`` and ``template`` as codes (names accepted), among
    the rubric's jurisdiction (a name only found elsewhere in the country resolves there), and ``--province``
    checked against that jurisdiction: every problem of the three raised at once."""
    from ..core.errors import DataError
    from ..loaders.zones import province_problem

    if not (regions or city or province):
        return regions, city
    j = _jurisdiction(rubric)
    flags = [f for f, v in (("--region", regions), ("--city", city), ("--province", province)) if v]
    problems = Problems(what=("、" if lang == "zh" else ", ").join(flags), error=DataError, lang=lang)
    kw = {"lang": lang, "elsewhere": j["elsewhere"], "scope": j["scope"], "problems": problems}
    codes = resolve_units(list(regions), j["table"], **kw) if regions else regions
    code = resolve_city(city, j["table"], **kw) if city else city
    if province:
        try:
            bad = province_problem(province, j["code"], j["rubric"])
        except CreditlabError as exc:
            bad = (str(exc), str(exc))
        if bad:
            problems.add(*bad)
    problems.raise_if_any()
    return (list(codes) if codes else codes), code


# ---------------------------------------------------------------------------------------------
# A run


def default_out(a: Analysis, lang: str) -> Path:
    """``reports/<command>/`` (Chinese) or ``reports/<command>/en/``: languages never share a folder."""
    base = reports_dir() / a.command
    return base if lang == "zh" else base / lang


def run_analysis(a: Analysis, params: dict[str, Any], *, out: str | Path | None = None, form: str = "folder",
                 progress: bool = True, notebook: str | Path | None = None) -> Path:
    """Check ``params``, execute the notebook and write the document; returns its path.

    Raises :class:`AnalysisError` (nothing started) for bad parameters, :class:`AnalysisFailed` when a
    cell fails (the executed notebook kept in ``<out>/failed/``).
    """
    lang = params["language"]
    if form not in FORMS:
        raise AnalysisError(f"form must be one of {', '.join(FORMS)}")
    params = a.check(params, lang)
    # Only now the heavy part (papermill, nbconvert, plotly, the batch's kernel settings).
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from . import export
    from .batch import CELL_TIMEOUT, KERNEL_NAME, START_TIMEOUT, _check_kernel

    nb_path = Path(notebook or a.notebook_path)
    if not nb_path.is_file():
        raise AnalysisError(tr(f"找不到笔记本 {nb_path}", f"notebook {nb_path} not found", lang))
    _check_kernel()
    folder = Path(out) if out else default_out(a, lang)
    export.check_folder(folder, lang)
    name = a.name(params)
    with tempfile.TemporaryDirectory(prefix=f".{name}.", dir=folder) as work:
        executed = Path(work) / f"{name}.ipynb"
        run_params = {k: v for k, v in params.items() if not k.startswith("_")}
        if a.output_param:
            run_params[a.output_param] = str(folder.resolve())
        try:
            nb = pm.execute_notebook(str(nb_path), str(executed), parameters=run_params, kernel_name=KERNEL_NAME,
                                     progress_bar=progress, log_output=False, request_save_on_cell_execute=False,
                                     start_timeout=START_TIMEOUT, execution_timeout=CELL_TIMEOUT,
                                     cwd=str(PROJECT_ROOT), extra_arguments=KERNEL_ARGS)
        except PapermillExecutionError as exc:
            kept = folder / "failed" / f"{name}.ipynb"
            kept.parent.mkdir(exist_ok=True)
            if executed.is_file():
                shutil.copyfile(executed, kept)
            lines = [x for x in str(exc.evalue).splitlines() if x.strip()]
            raise AnalysisFailed(tr(f"{a.command} 运行失败：{exc.ename}: {' '.join(lines)[:1500]}\n"
                                    f"已保存执行后的笔记本：{kept}",
                                    f"{a.command} failed: {exc.ename}: {' '.join(lines)[:1500]}\n"
                                    f"the executed notebook is kept in {kept}", lang)) from None
        return export.write_document(nb, folder / name, form=form, lang=lang, title=a.help)


def cli_run(a: Analysis, args: Any) -> int:
    """The command line of one analysis: prints the output path; exit 0, 1 (the notebook failed), 2 (bad input)."""
    from ..core.problems import default_lang

    lang = args.lang or default_lang()
    values = {par.name: getattr(args, par.name, None) for par in a.params}
    values.update(region=getattr(args, "region", None), city=getattr(args, "city", None))
    form = "pdf" if args.pdf else "standalone" if args.standalone else "folder"
    try:
        path = run_analysis(a, parameters(a, values, lang), out=args.out, form=form,
                            progress=not getattr(args, "quiet", False))
    except AnalysisFailed as exc:
        print(f"creditlab：{exc}" if lang == "zh" else f"creditlab: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0
