"""The ``creditlab`` command line: ``creditlab <command> --help`` for each command."""
from __future__ import annotations

import argparse
import sys

from .core.errors import CreditlabError
from .core.problems import default_lang
from .loaders import data
from .loaders.plan import list_plans, load_plan
from .loaders.rubric import list_rubrics, load_rubric
from .runs import batch


def _cmd_rubrics(args: argparse.Namespace) -> int:
    for name in list_rubrics():
        r = load_rubric(name)
        pts = "—" if r.max_points is None else f"{r.max_points:g}"
        print(f"{name:14s} {r.title_zh}  ({len(r.criteria)} 行 rows, {pts} 分 points, "
              f"{int(r.criteria['mandatory'].sum())} 必备条件 mandatory)")
    for name in list_plans():
        p = load_plan(name)
        print(f"{name:14s} {p.title_zh}  ({len(p.targets)} 指标 indicators, "
              f"{len(p.milestones)} milestones)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="creditlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("rubrics", help="list the bundled rubrics and plans")
    p.set_defaults(func=_cmd_rubrics)

    p = sub.add_parser("template", help="write an Excel workbook a county fills in")
    p.add_argument("--rubric", default="shaanxi-2020")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--region", action="append", default=[], help="region code (repeatable); default: all")
    p.add_argument("--city", help="all counties of this prefecture city")
    p.add_argument("--out", required=True, help="output .xlsx path (its folder must exist)")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="language of messages (default: zh)")
    p.set_defaults(func=data.cli_template)

    p = sub.add_parser("ingest", help="read a folder of filled workbooks and CSVs into one dataset",
                       description="Exit 0: everything went in. Exit 1: problems; the complete output is "
                                   "left untouched, the valid part goes to OUT.partial.csv and the problems "
                                   "to OUT.problems.csv. Exit 2: the command cannot run (bad --out, ...).")
    p.add_argument("folder")
    p.add_argument("--rubric", default="shaanxi-2020")
    p.add_argument("--out", required=True, help="consolidated .csv or .xlsx to write (atomically; its folder "
                                                "must exist); the context goes beside it (OUT.context.csv, "
                                                "or OUT.context.xlsx)")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="language of the messages (default zh, "
                   "or $CREDITLAB_LANG)")
    p.set_defaults(func=data.cli_ingest)

    p = sub.add_parser("reports", help="regenerate county evaluation reports for a year")
    p.add_argument("--year", type=int, required=True)
    sel = p.add_mutually_exclusive_group()
    sel.add_argument("--region", action="append", default=None, help="region code (repeatable)")
    sel.add_argument("--city", help="all counties of this prefecture city")
    sel.add_argument("--all", action="store_true", help="every county (the default)")
    p.add_argument("--rubric", default="shaanxi-2020")
    p.add_argument("--data", action="append", default=None,
                   help="indicator data file (repeatable; default: the bundled demo data)")
    p.add_argument("--context", action="append", default=None,
                   help="certification context file, e.g. context.csv and national_npl.csv (repeatable). "
                        "Without it the conditions that need it are not assessed; the bundled demo context is "
                        "used only with the bundled demo data (no --data)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="report language (default: zh, or en if CREDITLAB_LANG=en)")
    p.add_argument("--scope", choices=["city", "province"], default="province")
    p.add_argument("--out", help="reports folder (default: reports/)")
    p.add_argument("--force", action="store_true", help="regenerate even if inputs are unchanged")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run the reports on the workers of this Dask scheduler instead of --jobs local processes "
                        "(same outputs; the workers must see this project and the files at the same paths: "
                        "docs/cluster.md)")
    p.set_defaults(func=batch.cli_reports)

    p = sub.add_parser("demo", help="the main job on the bundled demo data (make demo)")
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="report language (default: zh, or en if CREDITLAB_LANG=en)")
    p.add_argument("--force", action="store_true", help="regenerate even if inputs are unchanged")
    p.set_defaults(func=batch.cli_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a creditlab error or a file that cannot be written is one message and exit 2."""
    args = build_parser().parse_args(argv)
    zh = (getattr(args, "lang", None) or default_lang()) == "zh"
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


if __name__ == "__main__":
    sys.exit(main())
