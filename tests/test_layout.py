"""The package's shape: layers, no import cycle, imports at the top, the old flat names still work."""
from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

import creditlab

PACKAGE = Path(creditlab.__file__).resolve().parent
# Lower layers never import higher ones: core ← loaders ← analysis ← views ← runs ← (cli, nbstrip, __init__).
LAYERS = ("core", "loaders", "analysis", "views", "runs")
# Third-party imports allowed inside functions, each for a reason (creditlab's own modules: never).
DEFERRED_OK = {
    "distributed": "a cluster run only (--scheduler): dask is never imported otherwise",
    "dask": "a cluster run only (--scheduler)",
    "papermill": "the batch runner only; ~1 s to import, not needed to load or score data",
    "nbconvert": "HTML export in the batch runner only",
    "nbformat": "notebook files in the batch runner only",
    "jupyter_client": "kernels, batch runner only",
    "jupyter_core": "kernels, batch runner only",
    "openpyxl": "Excel workbooks only (templates, ingest of .xlsx): CSV users never pay for it",
    "scipy": "linprog / Student t in two functions; scipy.optimize costs ~0.5 s",
    "IPython": "only inside a kernel (display formatters)",
    "SALib": "Sobol runs only; it imports scipy.stats (~0.8 s), which nothing else needs at import",
    "ipykernel": "installing the kernelspec (creditlab kernel) only",
    "plotly": "the figure module's renderer set-up reads plotly's own files lazily",
    "tqdm": "the progress bar of a batch only",
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PACKAGE.rglob("*.py")):
        rel = p.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = p
    return out


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    return [base] + [f"{base}.{a.name}" for a in node.names]


def _imports(module: str, path: Path) -> tuple[set[str], list[tuple[int, str]]]:
    """creditlab modules imported by ``module`` and (line, name) of every import inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    known = _modules()
    targets, inside = set(), []
    funcs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    nested = {id(n) for f in funcs for n in ast.walk(f) if n is not f}
    for f in funcs:
        for n in ast.walk(f):
            if isinstance(n, ast.Import | ast.ImportFrom):
                names = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or "."]
                if isinstance(n, ast.ImportFrom) and n.level:
                    names = ["creditlab"]
                inside.extend((n.lineno, name) for name in names)
    del nested
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            names = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            names = _resolve(module, path.name == "__init__.py", n)
        else:
            continue
        for name in names:
            name = creditlab.MOVED.get(name.removeprefix("creditlab."), name.removeprefix("creditlab."))
            name = name if name.startswith("creditlab") else f"creditlab.{name}"
            if name in known and name != module and name != "creditlab":
                targets.add(name)
    return targets, inside


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return len(LAYERS)  # creditlab, creditlab.cli, creditlab.nbstrip: the top


GRAPH = {m: _imports(m, p) for m, p in _modules().items()}


def test_lower_layers_never_import_higher_ones():
    bad = [f"{m} ({LAYERS[_layer(m)] if _layer(m) < len(LAYERS) else 'top'}) imports {t}"
           for m, (targets, _) in GRAPH.items() for t in sorted(targets)
           if _layer(t) > _layer(m) and not (m == "creditlab" or m.endswith("__init__"))]
    assert not bad, "\n".join(bad)


def test_import_graph_is_acyclic():
    graph = {m: {t for t in targets if t != "creditlab" and not _is_layer_package(t)}
             for m, (targets, _) in GRAPH.items() if m != "creditlab"}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                pytest.fail("import cycle: " + " → ".join([*stack[stack.index(t):], t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def _is_layer_package(name: str) -> bool:
    return name.count(".") == 1 and name.split(".")[1] in LAYERS


# The command layer answers a bad parameter within a second (issue 12): it imports the runners it dispatches
# to (the batch, papermill's notebooks, the export) only when a command runs. Nowhere else.
COMMAND_LAYER = {"creditlab.cli", "creditlab.runs.analyses"}


def test_imports_at_the_top():
    bad = [f"{_modules()[m].relative_to(PACKAGE.parent)}:{line}: {name}"
           for m, (_, inside) in GRAPH.items() for line, name in inside
           if name.split(".")[0] not in DEFERRED_OK
           and not (m in COMMAND_LAYER and name.split(".")[0] == "creditlab")]
    assert not bad, "imports inside functions (move them to the top):\n" + "\n".join(bad)


@pytest.mark.parametrize("old", sorted(creditlab.MOVED))
def test_old_flat_names_are_the_layered_modules(old):
    module = importlib.import_module(f"creditlab.{old}")
    assert module is importlib.import_module(f"creditlab.{creditlab.MOVED[old]}")
    assert sys.modules[f"creditlab.{old}"] is module and getattr(creditlab, old) is module


def test_old_dotted_names_and_api():
    import creditlab.scoring
    from creditlab.data import ingest
    from creditlab.sensitivity import local_sensitivity

    assert creditlab.scoring is creditlab.analysis.scoring
    assert creditlab.scoring.rank is creditlab.analysis.scoring.rank
    assert ingest is creditlab.loaders.data.ingest
    assert local_sensitivity is creditlab.analysis.sensitivity.local_sensitivity
    for name in creditlab.__all__:
        assert getattr(creditlab, name) is not None
    assert creditlab.load_rubric is creditlab.loaders.rubric.load_rubric


def test_every_module_has_a_test_file():
    tests = {p.stem.removeprefix("test_") for p in Path(__file__).resolve().parent.rglob("test_*.py")}
    missing = [m for m in _modules() if m.rsplit(".", 1)[-1] not in tests and not m.endswith("__init__")
               and m != "creditlab" and not _is_layer_package(m)]
    assert not missing, missing
