"""Strip outputs and execution counts from notebooks so that committed diffs stay readable.

``python -m creditlab.nbstrip FILE.ipynb ...`` rewrites the files in place (atomically);
``--check`` only reports the notebooks that carry outputs and exits 1 if any do.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from .core.atomic import write_text


def has_outputs(nb: nbformat.NotebookNode) -> bool:
    """True if any code cell carries outputs or an execution count."""
    return any(c.get("outputs") or c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs, execution counts and papermill's run metadata."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    nb.metadata.pop("papermill", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    dirty = []
    for path in args.paths:
        nb = nbformat.read(path, as_version=4)
        if has_outputs(nb):
            dirty.append(path)
            if not args.check:
                write_text(path, nbformat.writes(strip(nb)) + "\n")
    for path in dirty:
        print(f"{path}: {'has outputs' if args.check else 'stripped'}")
    return 1 if (args.check and dirty) else 0


if __name__ == "__main__":
    sys.exit(main())
