"""``nnexp gallery``: activation functions and their derivatives, grouped by family."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from nnexp.api import activation_gallery, check_output, components, save_figure
from nnexp.cli.activation_arg import build_activation, label
from nnexp.cli.console import console


def parse_range(text: str) -> tuple[float, float]:
    """``"-5,5"`` → ``(-5.0, 5.0)``; two finite numbers, the first smaller."""
    parts = text.split(",")
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise typer.BadParameter(
            f"expected two numbers LOW,HIGH such as -5,5; got {text!r}"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise typer.BadParameter(
            f"LOW must be below HIGH and both finite; got {text!r}"
        )
    return low, high


def activation(text: str) -> tuple[str, Any]:
    """Build one activation from a name, an alias, ``file.py:Class`` or a YAML
    mapping such as ``{name: softplus, k: 2}`` (as ``nnexp check`` reads it);
    returns (panel title, object)."""
    entry, params, built = build_activation(text, "NAMES")
    return _title(label(text, entry, params)), built


def _title(name: str) -> str:
    """A plugin ``path/to/acts.py:Cube(k=2)`` is titled ``Cube(k=2)``."""
    ref, paren, args = name.partition("(")
    return ref.rpartition(":")[2] + paren + args


def gallery(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="NAMES",
            help="Activations to draw (default: every built-in): names, aliases, file.py:Class plugins, or '{name: softplus, k: 2}'.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="PNG, SVG or PDF by extension (default: activations.png in the current folder).",
        ),
    ] = None,
    x_range: Annotated[
        str,
        typer.Option(
            "--range",
            metavar="LOW,HIGH",
            help="Interval of x, e.g. -5,5 (write --range=-5,5 if your shell needs it).",
        ),
    ] = "-4,4",
) -> None:
    """Draw activation functions f(x) and their derivatives f'(x), one row per family.

    Examples:
      nnexp gallery
      nnexp gallery relu leaky_relu elu softplus --range=-3,3 -o relu_family.pdf
      nnexp gallery tanh my_acts.py:Cube
    """
    bounds = parse_range(x_range)
    output = check_output(output or Path("activations.png"))
    builtin = [
        e.name for e in components("activations").entries() if e.source == "builtin"
    ]
    acts = list(dict(activation(n) for n in names or builtin).items())
    fig = activation_gallery(acts, x_range=bounds)
    written = save_figure(fig, output)
    console.print(
        f"wrote {written} ({len(acts)} activation{'s' if len(acts) != 1 else ''})",
        markup=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command()(gallery)
