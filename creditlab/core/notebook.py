"""Helpers for parameterised notebooks: catch misspelled or ill-typed papermill parameters.

papermill injects parameters as a new cell after the one tagged ``parameters`` and only *warns*
about names the notebook does not declare. Each parameterised notebook therefore records the
names that exist before its parameters cell (``_names_before = set(globals())``) and then calls
:func:`check_parameters` in the cell after the injected one.
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any


class ParameterError(ValueError):
    """A notebook parameter is unknown, missing or invalid."""


def check_parameters(
    namespace: Mapping[str, Any],
    names_before: set[str],
    spec: Mapping[str, type | tuple[type, ...]],
) -> dict[str, Any]:
    """Validate the notebook's parameters and return them as a dict.

    ``spec`` maps each declared parameter to its accepted type(s). Any other new global name
    (a misspelled parameter injected by papermill) raises :class:`ParameterError` with a
    suggestion.
    """
    declared = set(spec)
    new_names = {n for n in namespace if n not in names_before and not n.startswith("_")}
    unknown = sorted(n for n in new_names - declared if not _is_tooling(n))
    problems = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(declared), n=1)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        problems.append(f"unknown parameter '{name}'{hint}")
    params: dict[str, Any] = {}
    for name, types in spec.items():
        if name not in namespace:
            problems.append(f"parameter '{name}' is missing")
            continue
        value = namespace[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
            problems.append(f"parameter '{name}' should be {_typename(types)}, got {value!r}")
        params[name] = value
    if problems:
        raise ParameterError("invalid notebook parameters:\n" + "\n".join(f"- {p}" for p in problems))
    return params


def _is_tooling(name: str) -> bool:
    # Names IPython or papermill may add between cells.
    return name in {"In", "Out", "get_ipython", "exit", "quit", "open"}


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _typename(types: type | tuple[type, ...]) -> str:
    return " or ".join("None" if t is type(None) else t.__name__ for t in _as_tuple(types))
