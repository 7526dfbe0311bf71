"""``nnexp list [KIND]``: the component registries as tables.

One table per kind: name, aliases, parameters (type and default), description, and for
activations the family with its initialisation gain (docs/maths.md §1, §2).  Everything shown is
read from the registries, so a new component appears here by being registered.
"""

from __future__ import annotations

import difflib
import importlib
import math
import types
import typing
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table
from rich.text import Text

from nnexp.cli.console import console
from nnexp.errors import NnexpError
from nnexp.registry import Entry, Param, Registry, normalize_name

#: ``nnexp list`` kind → (module, registry attribute), in the order shown
KINDS: dict[str, tuple[str, str]] = {
    "activations": ("nnexp.engine.activations", "ACTIVATIONS"),
    "initializers": ("nnexp.engine.initializers", "INITIALIZERS"),
    "losses": ("nnexp.engine.losses", "LOSSES"),
    "optimizers": ("nnexp.engine.optimizers", "OPTIMIZERS"),
    "regularizers": ("nnexp.engine.regularizers", "REGULARIZERS"),
    "schedules": ("nnexp.engine.schedules", "SCHEDULES"),
    "datasets": ("nnexp.data", "DATASETS"),
    "layers": ("nnexp.engine.layers", "LAYERS"),
    "objectives": ("nnexp.teaching.objectives", "OBJECTIVES"),
}


def registry(kind: str) -> Registry[Any]:
    """The registry listed under ``kind`` (a key of :data:`KINDS`)."""
    module, attr = KINDS[kind]
    return getattr(importlib.import_module(module), attr)


def resolve_kind(text: str) -> str:
    """``Activation``, ``activations``, ``data-sets`` … → the canonical kind.

    Raises NnexpError with close matches for anything else.
    """
    wanted = normalize_name(text)
    for kind in KINDS:
        canon = normalize_name(kind)
        if wanted in (canon, canon.removesuffix("s"), canon.removesuffix("es")):
            return kind
    close = difflib.get_close_matches(text.lower(), list(KINDS), n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise NnexpError(
        f"unknown kind {text!r} for nnexp list.{hint}"
        f" Allowed kinds: {', '.join(KINDS)}."
    )


def type_name(tp: Any) -> str:
    """A short readable type: ``float``, ``int | None``, ``epoch|step`` for Literals."""
    if tp is Any or tp is None:
        return "any" if tp is Any else "None"
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "|".join(str(v) for v in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in typing.get_args(tp))
    if tp is np.ndarray or origin is np.ndarray:
        return "array"  # NDArray[np.floating] spelled out is numpy's internals
    if origin is not None:
        args = ", ".join(type_name(a) for a in typing.get_args(tp) if a is not Ellipsis)
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if tp is type(None):
        return "None"
    return getattr(tp, "__name__", str(tp).replace("typing.", ""))


def param_text(p: Param) -> str:
    """``k: float = 1.0`` or ``lam: float (required)``."""
    if p.required:
        return f"{p.name}: {type_name(p.type)} (required)"
    return f"{p.name}: {type_name(p.type)} = {p.default!r}"


def family_text(entry: Entry[Any]) -> str:
    """An activation's family and default gain, e.g. ``relu (gain 1.414)``."""
    from nnexp.engine.activations import family_of

    try:
        fam = family_of(entry.factory)
    except ValueError:
        return "?"
    gain = "√2" if abs(fam.gain - math.sqrt(2.0)) < 1e-12 else f"{fam.gain:g}"
    return f"{fam.value} ({gain})"


def kind_table(kind: str) -> Table:
    """The rich table of one registry."""
    reg = registry(kind)
    is_act = kind == "activations"
    table = Table(
        title=f"{kind} ({len(reg.entries())})", title_justify="left", show_lines=False
    )
    table.add_column("name", style="bold cyan", no_wrap=True)
    # fold rather than truncate: a name cut to "Heavisid…" is no use to anybody
    table.add_column("aliases", overflow="fold")
    table.add_column("parameters", overflow="fold")
    if is_act:
        table.add_column("family (gain)", overflow="fold")
    table.add_column("description", overflow="fold", ratio=1)
    for entry in reg.entries():
        params = "\n".join(param_text(p) for p in entry.params) or "-"
        row = [entry.name, ", ".join(entry.aliases) or "-", params]
        if is_act:
            row.append(family_text(entry))
        row.append(entry.description or "-")
        # formulas contain [brackets] that rich would read as markup
        table.add_row(*(Text(cell) for cell in row))
    return table


def list_components(
    kind: Annotated[
        str | None,
        typer.Argument(
            help=f"One of: {', '.join(KINDS)} (singular works too)."
            " Omit to list every kind.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List the registered components with their parameters, defaults and descriptions.

    Examples:
      nnexp list
      nnexp list activations
      nnexp list optimizers
    """
    kinds = list(KINDS) if kind is None else [resolve_kind(kind)]
    for i, k in enumerate(kinds):
        if i:
            console.print()
        console.print(kind_table(k))


def register(app: typer.Typer) -> None:
    app.command("list")(list_components)
