"""The ``creditlab`` command line: ``creditlab <command> --help`` for each command."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .core.errors import CreditlabError
from .core.kernel import cli_kernel
from .core.paths import report_folder, reports_dir
from .core.problems import LANG_ENV, default_lang
from .loaders import data
from .loaders.plan import list_plans, load_plan
from .loaders.rubric import list_rubrics, load_rubric
from .runs.analyses import ANALYSES, Analysis, cli_run, resolve_selection

RUBRIC_HELP = "a bundled rubric: creditlab rubrics lists them (default: shaanxi-2020)"


def _cmd_rubrics(args: argparse.Namespace) -> int:
    rubrics, plans = list_rubrics(), list_plans()
    width = max(map(len, [*rubrics, *plans]), default=0)  # one column of names, however long the longest
    for name in rubrics:
        r = load_rubric(name)
        pts = "—" if r.max_points is None else f"{r.max_points:g}"
        print(f"{name:{width}s}  {r.title_zh}  ({len(r.criteria)} 行 rows, {pts} 分 points, "
              f"{int(r.criteria['mandatory'].sum())} 必备条件 mandatory)")
    for name in plans:
        p = load_plan(name)
        print(f"{name:{width}s}  {p.title_zh}  ({len(p.targets)} 指标 indicators, "
              f"{len(p.milestones)} milestones)")
    return 0


def _with_names(func):
    """``--region`` / ``--city`` given as names (淳化县, 淳化, 宝鸡市) become codes before ``func`` runs, and
    ``--province`` is checked against the rubric's jurisdiction with them (every problem at once)."""
    def run(args: argparse.Namespace) -> int:
        lang = getattr(args, "lang", None) or default_lang()
        args.region, args.city = resolve_selection(getattr(args, "region", None), getattr(args, "city", None), lang,
                                                   getattr(args, "rubric", None), getattr(args, "province", None))
        return func(args)
    return run


def _reports(args: argparse.Namespace) -> int:
    """``creditlab reports`` and, with ``--standalone`` / ``--pdf``, each selected report in that form too."""
    # The batch (plotly, nbformat, the scoring stack) is imported when a command needs it: a bad parameter of
    # any command is answered without paying for it.
    from .runs import batch
    from .runs.export import export_reports

    code = batch.cli_reports(args)
    form = "pdf" if args.pdf else "standalone" if args.standalone else None
    year_dir = report_folder(Path(args.out or reports_dir()).resolve(), args.rubric, args.year,
                             args.lang or default_lang())
    if form and year_dir.is_dir():
        docs = batch.read_results(year_dir)  # the reports in place, as the index lists them
        codes = args.region or [d["region"] for d in docs if not args.city or d.get("city_code") == args.city]
        for path in export_reports(year_dir, list(codes), form, args.lang or default_lang()):
            print(path)
    return code


def _app(args: argparse.Namespace) -> int:
    from .runs import app  # Voilà and the explorer's widgets: imported when the app starts (see _reports)

    return app.cli_app(args)


def _demo(args: argparse.Namespace) -> int:
    from .runs import batch  # imported when needed (see _reports)

    return batch.cli_demo(args)


def _add_forms(p: argparse.ArgumentParser) -> None:
    form = p.add_mutually_exclusive_group()
    form.add_argument("--standalone", action="store_true",
                      help="one HTML file with plotly.js inside: works alone when copied or mailed")
    form.add_argument("--pdf", action="store_true", help="an A4 PDF (printed by Debian's chromium)")


def _add_analysis(sub: Any, a: Analysis) -> None:
    """One analysis command from its registry entry (creditlab.runs.analyses.ANALYSES)."""
    p = sub.add_parser(a.command, help=a.help, description=f"{a.help}. Runs parameterised/{a.notebook} with "
                       "papermill; prints the path of the document written.")
    for par in a.params:
        shown = par.default if not isinstance(par.default, dict) else "the notebook's"
        p.add_argument(par.flag, dest=par.name, type=par.type, choices=par.choices,
                       action="append" if par.repeat else "store", default=None,
                       help=f"{par.help} (default: {shown!s})" if shown not in (None, "") else par.help)
    if "region" in a.select:
        p.add_argument("--region", action="append", default=None,
                       help="a county or zone, by name (淳化县, 淳化) or code (repeatable)")
    if "city" in a.select:
        p.add_argument("--city", help="a prefecture city, by name (宝鸡市, 宝鸡) or code")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="language (default: zh, or $CREDITLAB_LANG)")
    p.add_argument("--out", help=f"output folder (default: reports/{a.command}/, English in reports/{a.command}/en/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_forms(p)
    p.set_defaults(func=lambda args, a=a: cli_run(a, args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="creditlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("rubrics", help="list the bundled rubrics and plans")
    p.set_defaults(func=_cmd_rubrics)

    p = sub.add_parser("template", help="write an Excel workbook a county fills in")
    p.add_argument("--rubric", default="shaanxi-2020", help=RUBRIC_HELP)
    p.add_argument("--year", type=int, required=True, help="the evaluation year the counties report for")
    p.add_argument("--region", action="append", default=[],
                   help="region, by name (淳化县, 淳化) or code (repeatable); default: all")
    p.add_argument("--city", help="all counties of this prefecture city (宝鸡市, 宝鸡 or 610300)")
    p.add_argument("--province", help="all counties of this province (name or code); default: the rubric's "
                                      "jurisdiction")
    p.add_argument("--out", required=True, help="output .xlsx path (its folder must exist)")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="language of messages (default: zh)")
    p.set_defaults(func=_with_names(data.cli_template))

    p = sub.add_parser("ingest", help="read a folder of filled workbooks and CSVs into one dataset",
                       description="Exit 0: everything went in. Exit 1: problems; the complete output is "
                                   "left untouched, the valid part goes to OUT.partial.csv and the problems "
                                   "to OUT.problems.csv. Exit 2: the command cannot run (bad --out, ...).")
    p.add_argument("folder", help="the folder of returned workbooks and CSV files (it must exist)")
    p.add_argument("--rubric", default="shaanxi-2020", help=RUBRIC_HELP)
    p.add_argument("--out", required=True, help="consolidated .csv or .xlsx to write (atomically; its folder "
                                                "must exist); the context goes beside it (OUT.context.csv, "
                                                "or OUT.context.xlsx) when there are 认定条件 rows")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="language of the messages (default zh, "
                   "or $CREDITLAB_LANG)")
    p.set_defaults(func=data.cli_ingest)

    p = sub.add_parser("reports", help="regenerate county evaluation reports for a year")
    p.add_argument("--year", type=int, required=True, help="the evaluation year (a year with data)")
    sel = p.add_mutually_exclusive_group()
    sel.add_argument("--region", action="append", default=None,
                     help="a county or zone, by name (淳化县, 淳化) or code (repeatable)")
    sel.add_argument("--city", help="all counties of this prefecture city (宝鸡市, 宝鸡 or 610300)")
    sel.add_argument("--province", help="all counties of this province (name or code), within the rubric's "
                                        "jurisdiction")
    sel.add_argument("--all", action="store_true", help="every county (the default)")
    p.add_argument("--rubric", default="shaanxi-2020", help=RUBRIC_HELP)
    p.add_argument("--data", action="append", default=None,
                   help="indicator data file (repeatable; default: the bundled demo data)")
    p.add_argument("--context", action="append", default=None,
                   help="certification context file, e.g. context.csv and national_npl.csv (repeatable). "
                        "Without it the conditions that need it are not assessed; the bundled demo context is "
                        "used only with the bundled demo data (no --data)")
    p.add_argument("--jobs", type=int, default=2, help="reports made at once, one kernel each (default: 2)")
    p.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="report language (default: zh, or en if CREDITLAB_LANG=en)")
    p.add_argument("--scope", choices=["city", "province"], default="province",
                   help="the population each county is ranked in: its province (default) or its city")
    p.add_argument("--out", help="reports folder (default: reports/)")
    p.add_argument("--force", action="store_true", help="regenerate even if inputs are unchanged")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run the reports on the workers of this Dask scheduler instead of --jobs local processes "
                        "(same outputs; the workers must see this project and the files at the same paths: "
                        "docs/cluster.md)")
    _add_forms(p)
    p.set_defaults(func=_with_names(_reports))

    for a in ANALYSES:
        _add_analysis(sub, a)

    p = sub.add_parser("demo", help="the main job on the bundled demo data (make demo)")
    p.add_argument("--year", type=int, default=2024, help="the demo year (default: 2024)")
    p.add_argument("--jobs", type=int, default=2, help="reports made at once (default: 2)")
    p.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="report language (default: zh, or en if CREDITLAB_LANG=en)")
    p.add_argument("--force", action="store_true", help="regenerate even if inputs are unchanged")
    p.set_defaults(func=_demo)

    p = sub.add_parser("kernel", help="install the project's Jupyter kernel (BLAS single-threaded) in this venv")
    p.add_argument("--prefix", help="install prefix (default: this Python's sys.prefix)")
    p.set_defaults(func=cli_kernel)

    p = sub.add_parser("app", help="serve the scenario explorer and the rubric browser as web pages (make app)",
                       description="Voilà on 127.0.0.1 with a token in the printed address; Ctrl-C stops it.")
    p.add_argument("--port", type=int, default=None, help="port to listen on (default: a free one)")
    p.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="interface language (default: zh, or en if CREDITLAB_LANG=en)")
    p.set_defaults(func=_app)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a creditlab error or a file that cannot be written is one message and exit 2."""
    args = build_parser().parse_args(argv)
    lang = getattr(args, "lang", None)
    before = os.environ.get(LANG_ENV)
    if lang:  # every message of this run in that language, the loaders' too (restored after: main() is a function)
        os.environ[LANG_ENV] = lang
    zh = (lang or default_lang()) == "zh"
    prefix = "creditlab：错误：" if zh else "creditlab: error: "
    try:
        return int(args.func(args) or 0)
    except CreditlabError as exc:
        print(f"{prefix}{exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, permissions, a path that vanished: say which file, no traceback
        where = exc.filename or ""
        print(f"{prefix}{where}{'：' if zh else ': '}{exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        if lang and before is None:
            os.environ.pop(LANG_ENV, None)
        elif lang:
            os.environ[LANG_ENV] = before


if __name__ == "__main__":
    sys.exit(main())
