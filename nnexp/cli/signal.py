"""``nnexp signal SOURCE``: signal propagation at initialisation.

SOURCE is an activation (a name, ``path/to/file.py:Class``, or a mapping
``"{name: tanh, k: 2}"``, read as ``nnexp check`` reads it) or a run spec
(``.yaml``), whose activation, initialiser, depth and width decide everything.  One
call to :func:`nnexp.api.signal_propagation`; the table, the notes and the folder are
printed here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from nnexp.api import SignalResult, signal_propagation
from nnexp.cli.activation_arg import build_activation, label
from nnexp.cli.console import console
from nnexp.cli.options import OutFolderOption
from nnexp.errors import NnexpError

_GRID = re.compile(r"^\s*(\d+)\s*[x×,]\s*(\d+)\s*$")


def parse_grid(text: str) -> tuple[int, int]:
    """``"24x16"`` → ``(24, 16)``: σ_w² values × σ_b² values."""
    match = _GRID.match(text)
    if not match:
        raise NnexpError(
            f"--grid {text!r}: expected two counts NxM (σ_w² values x σ_b² values),"
            " e.g. --grid 24x16"
        )
    return int(match[1]), int(match[2])


def parse_weight_variance(text: str | None) -> float | str | None:
    """A number, ``critical``, or None (not given)."""
    if text is None or text.strip().casefold() == "critical":
        return text
    try:
        return float(text)
    except ValueError:
        raise NnexpError(
            f"--sigma-w2 {text!r}: expected a number > 0 or 'critical' (the σ_w² where"
            " χ₁ = 1 at the given σ_b²)"
        ) from None


def signal(
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE",
            help="An activation (tanh, my_acts.py:Isru, '{name: tanh, k: 2}') or a"
            " run spec (.yaml) whose activation, initialiser, depth and width to use.",
        ),
    ],
    sigma_w2: Annotated[
        str | None,
        typer.Option(
            "--sigma-w2",
            help="Weight variance σ_w² (weights N(0, σ_w²/fan_in)), or 'critical'"
            " [default: critical].",
        ),
    ] = None,
    sigma_b2: Annotated[
        float | None,
        typer.Option("--sigma-b2", help="Bias variance σ_b² ≥ 0 [default: 0.05]."),
    ] = None,
    depth: Annotated[
        int | None,
        typer.Option(help="Hidden layers of the networks drawn [default: 20]."),
    ] = None,
    width: Annotated[
        int | None, typer.Option(help="Units per hidden layer [default: 500].")
    ] = None,
    q0: Annotated[
        float | None,
        typer.Option("--q0", help="The inputs' mean square ‖x‖²/width [default: 1]."),
    ] = None,
    grid: Annotated[
        str,
        typer.Option(help="Phase diagram resolution: σ_w² values x σ_b² values."),
    ] = "24x16",
    draws: Annotated[
        int,
        typer.Option(help="Random networks per weight ensemble (0: none)."),
    ] = 8,
    seed: Annotated[int, typer.Option(help="Seed of the random networks.")] = 0,
    sweep: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            help="A trainability sweep folder (configs/sweeps/trainability_depth.yaml):"
            " draw its accuracies over (σ_w², depth) under 6 ξ_c.",
        ),
    ] = None,
    runs_dir: Annotated[
        Path,
        typer.Option(
            "--runs-dir", help="Where the output folder <stamp>_signal_<name> goes."
        ),
    ] = Path("runs"),
    out: OutFolderOption = None,
) -> None:
    """Mean-field signal propagation at initialisation, for any activation.

    Weights N(0, σ_w²/fan_in), biases N(0, σ_b²). Prints q* (the length map's fixed
    point), χ₁ (ordered < 1 < chaotic), c*, the depth scales ξ_q and ξ_c, the critical
    σ_w² at σ_b², and three gains side by side (He's variance-preserving gain, the
    course's family gain, torch's); writes signal.json and plots/ (length map,
    correlation map, phase diagram, depth scales, and random networks of the given
    width and depth on the mean-field recursion) into a folder like a run's. Edge
    cases (no finite q*, an activation that jumps, an infinite depth scale) are
    stated as notes, never as NaN.

    Examples:
      nnexp signal tanh
      nnexp signal relu --sigma-b2 0
      nnexp signal tanh --sigma-w2 3 --sigma-b2 0.05
      nnexp signal configs/mnist_relu.yaml
      nnexp signal tanh --sweep runs/sweeps/<stamp>_trainability_depth
    """
    parsed_grid = parse_grid(grid)
    weight = parse_weight_variance(sigma_w2)
    source_arg: object = source
    shown = None
    if Path(source).suffix.lower() not in (".yaml", ".yml"):
        entry, params, built = build_activation(source, "SOURCE")
        source_arg, shown = built, label(source, entry, params)
    result = signal_propagation(
        source_arg,
        sigma_w2=weight,
        sigma_b2=sigma_b2,
        depth=depth,
        width=width,
        q0=q0,
        label=shown,
        grid=parsed_grid,
        draws=draws,
        seed=seed,
        sweep=sweep,
        runs_dir=runs_dir,
        out=out,
    )
    render(result)


def render(result: SignalResult) -> None:
    s = result.setup
    v = s.variances
    head = (
        f"{s.label}: σ_w² = {v.sigma_w2:.6g} ({s.origin}), σ_b² = {v.sigma_b2:.6g},"
        f" q¹ = {s.q1:.6g}"
    )
    console.print(escape(head), style="bold")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("quantity", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("meaning", overflow="fold")
    for name, value, meaning in result.table():
        table.add_row(name, value, escape(meaning))
    console.print(table)
    for note in result.notes:
        console.print(f"note: {escape(note)}")
    nets = result.networks
    if nets is not None:
        parts = [
            f"{name} within {max(dev.values()):.2f}"
            for name, dev in nets.deviations.items()
        ]
        console.print(
            f"random networks (width {s.width}, depth {s.depth},"
            f" {nets.stats[0].draws} each) against the theory: {', '.join(parts)}"
            " of the tolerance (4 SE + 2·layers/width; ≤ 1 agrees)"
        )
    grid = result.trainability
    if grid is not None:
        console.print(
            f"trainability: {grid.cells} networks of the sweep, {grid.epochs} epochs"
            f" each, {grid.seconds / 60:.1f} minutes of training in all;"
            " plots/trainability.png"
        )
    console.print(f"folder: [bold]{result.folder}[/] (signal.json, plots/)")


def register(app: typer.Typer) -> None:
    app.command()(signal)
