"""``nnexp probe``: plot an output of random networks against one input (E6)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from nnexp.cli.console import console
from nnexp.engine.rng import stream
from nnexp.errors import NnexpError
from nnexp.plots.base import save_figure
from nnexp.runs.layout import safe_name
from nnexp.teaching.probe import (
    ProbeRow,
    probe_figure,
    probe_networks,
    same_activation_rows,
)

_SIZES = re.compile(r"^\s*\d+(\s*[,x-]\s*\d+)+\s*$")
DEFAULT_ACTIVATIONS = "tanh,relu,identity"


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


def model_from_spec(
    path: Path, activations: str | None, seed: int
) -> tuple[list[int], list[ProbeRow], Any, str]:
    """Sizes, grid rows, initialiser and a name from a run spec's model section.

    Without ``--activations`` the grid has one row: the spec's own activations.  With
    it, each named activation replaces the hidden ones while the spec's output
    activation stays.  Sizes given as ``hidden`` take input and output sizes from
    the data set, which is then loaded.
    """
    from nnexp import api
    from nnexp.data import load_dataset
    from nnexp.spec.check import layer_sizes

    spec = api.resolve_spec(path)
    model, info = spec.model, None
    if model.layers is None:
        _, info = load_dataset(
            spec.dataset.to_yaml(), seed_rng=stream(seed, "split"), dtype="float64"
        )
    sizes = layer_sizes(spec, info)
    output = model.output_activation.build()
    if activations is None:
        hidden = tuple(c.build() for c in model.hidden_activations)
        label = (
            ", ".join(c.describe() for c in model.hidden_activations)
            or "no hidden layer"
        )
        rows = [
            ProbeRow(f"{label} → {model.output_activation.describe()}", hidden, output)
        ]
    else:
        out_name = model.output_activation.describe()
        rows = [
            ProbeRow(f"{a} → {out_name}", (a,) * model.n_hidden, output)
            for a in _names(activations)
        ]
    return sizes, rows, model.initializer.build(), spec.name


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


def _model(
    spec_or_sizes: str, activations: str | None, seed: int
) -> tuple[list[int], list[ProbeRow], Any, str]:
    """Sizes, rows, initialiser and a name for the output file, from either form."""
    if _SIZES.match(spec_or_sizes):
        sizes = [int(s) for s in re.split(r"[,x-]", spec_or_sizes.replace(" ", ""))]
        acts = _names(activations or DEFAULT_ACTIVATIONS)
        rows = same_activation_rows(acts, len(sizes) - 2)
        return sizes, rows, "randn_average", "-".join(map(str, sizes))
    path = Path(spec_or_sizes)
    if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
        return model_from_spec(path, activations, seed)
    raise NnexpError(
        "SPEC_OR_SIZES must be a run spec file (.yaml) or layer sizes such as"
        f" 5,5,5,5; got {spec_or_sizes!r}"
    )


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
            help=f"Activations, one grid row each, used in every layer including the output (default {DEFAULT_ACTIVATIONS}). With a spec they replace its hidden activations; default: the spec's own."
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
    sizes, rows, init, name = _model(spec_or_sizes, activations, seed)
    if initializer is not None:
        init = parse_initializer(initializer)
    result = probe_networks(
        sizes, rows, rng=stream(seed, "probe"), draws=draws, x_index=input_,
        y_index=output, x_range=(lo, hi), initializer=init,
    )  # fmt: skip
    path = out or Path(f"probe_{safe_name(name)}.png")
    save_figure(probe_figure(result), path)
    console.print(
        f"probe grid ({len(rows)} × {draws} panels) written to [bold]{path}[/]"
    )


def register(app: typer.Typer) -> None:
    app.command()(probe)
