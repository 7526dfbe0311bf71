"""``nnexp list [KIND]``: the component registries as tables.

One table per kind: name, aliases, parameters (type and default), description, and for
activations the family with its initialisation gain (docs/maths.md §1, §2).  Everything shown is
read from the registries, so a new component appears here by being registered.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from nnexp.api import COMPONENT_KINDS as KINDS
from nnexp.api import Entry, activation_family, type_text
from nnexp.api import component_kind as resolve_kind
from nnexp.api import components as registry
from nnexp.cli.console import console

#: ``float``, ``int | None``, ``epoch|step``: the registry's type text, table style
type_name = partial(type_text, style="table")


def family_text(entry: Entry[Any]) -> str:
    """An activation's family and default gain, e.g. ``relu (gain 1.414)``."""
    try:
        fam = activation_family(entry.factory)
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
        params = "\n".join(p.signature() for p in entry.params) or "-"
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
