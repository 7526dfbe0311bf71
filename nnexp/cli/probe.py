"""``nnexp probe``: plot an output of random networks against one input (E6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from nnexp import api
from nnexp.api import DEFAULT_ACTIVATIONS, safe_name, save_figure
from nnexp.cli.console import console


def parse_range(text: str) -> tuple[float, float]:
    """``"-10,10"`` → (-10.0, 10.0); anything else is a bad parameter (exit 2)."""
    parts = text.split(",")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise typer.BadParameter(
            f"expected two numbers low,high such as -10,10; got {text!r}"
        ) from None
    return lo, hi


def _names(text: str) -> list[str]:
    names = [a.strip() for a in text.split(",") if a.strip()]
    if not names:
        raise typer.BadParameter(
            f"expected activation names separated by commas, got {text!r}"
        )
    return names


def parse_initializer(text: str) -> Any:
    """A name (``he_normal``) or a YAML mapping (``{name: randn_average, gain: 3}``)."""
    if not text.lstrip().startswith("{"):
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise typer.BadParameter(f"not a YAML mapping: {err}") from None
    if not isinstance(value, dict) or "name" not in value:
        raise typer.BadParameter(f"expected {{name: ..., gain: ...}}, got {text!r}")
    return value


def probe(
    spec_or_sizes: Annotated[
        str,
        typer.Argument(
            metavar="SPEC_OR_SIZES",
            help="A run spec YAML (its model section is used) or layer sizes such as 5,5,5,5.",
        ),
    ],
    activations: Annotated[
        str | None,
        typer.Option(
            help=f"Activations, one grid row each, used in every layer including the output (default {','.join(DEFAULT_ACTIVATIONS)}). With a spec they replace its hidden activations; default: the spec's own."
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            min=1, max=20, help="Random networks per activation (grid columns)."
        ),
    ] = 3,
    input_: Annotated[
        int,
        typer.Option(
            "--input", min=1, help="The input on the x axis (1-based: 1 is x₁)."
        ),
    ] = 1,
    output: Annotated[
        int, typer.Option("--output", min=1, help="The output on the y axis (1-based).")
    ] = 1,
    x_range: Annotated[
        str,
        typer.Option(
            "--range",
            help="Range of the probed input, low,high such as -10,10.",
        ),
    ] = "-10,10",
    initializer: Annotated[
        str | None,
        typer.Option(
            help="Initialiser: a name (nnexp list initializers) or a mapping such as '{name: randn_average, gain: 3}'; default the spec's, else randn_average."
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(min=0, help="Seed of the fixed inputs and the weights.")
    ] = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            dir_okay=False,
            help="Image file (.png, .svg, .pdf); default probe_<sizes or spec name>.png here.",
        ),
    ] = None,
) -> None:
    """Plot an output of random networks against one input, the others fixed (E6).

    Examples:
      nnexp probe 5,5,5,5 --activations tanh,relu,identity --draws 3 --range -10,10
      nnexp probe configs/mnist_relu.yaml --input 400 --output 3 --draws 4
    """
    lo, hi = parse_range(x_range)
    acts = None if activations is None else _names(activations)
    init = None if initializer is None else parse_initializer(initializer)
    result = api.probe(
        spec_or_sizes, activations=acts, draws=draws, input=input_, output=output,
        x_range=(lo, hi), initializer=init, seed=seed,
    )  # fmt: skip
    path = out or Path(f"probe_{safe_name(result.name)}.png")
    save_figure(result.figure(), path)
    console.print(
        f"probe grid ({len(result.labels)} × {draws} panels) written to [bold]{path}[/]"
    )


def register(app: typer.Typer) -> None:
    app.command()(probe)
