"""``nnexp landscape``: optimiser trajectories on a 2-D objective (E7)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from nnexp import api
from nnexp.api import LandscapeResult, landscape_title, start_label
from nnexp.cli.console import console
from nnexp.cli.options import OutFolderOption


def landscape(
    spec: Annotated[
        Path,
        typer.Argument(
            metavar="SPEC",
            dir_okay=False,
            help="Landscape spec (YAML), e.g. configs/landscape_e7.yaml.",
        ),
    ],
    runs_dir: Annotated[
        Path,
        typer.Option("--runs-dir", help="Where the output folder <stamp>_<name> goes."),
    ] = Path("runs"),
    out: OutFolderOption = None,
) -> None:
    """Run optimisers on a 2-D objective; write trajectories, a summary and plots.

    Examples:
      nnexp landscape configs/landscape_e7.yaml
      nnexp landscape configs/landscape_quadratic.yaml -o quadratic_run
    """
    result = api.landscape(spec, runs_dir=runs_dir, out=out)
    console.print(
        landscape_title(result).replace("\n", " "), style="bold", markup=False
    )
    for label in result.spec.labels:
        console.print(_table(result, label))
    console.print(
        f"folder: [bold]{result.folder}[/] (config.yaml, trajectories.csv, summary.json, plots/)"
    )


def _table(result: LandscapeResult, method: str) -> Table:
    """One method's trajectories: a table narrow enough for an 80-column terminal."""
    table = Table(
        title=method, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    for col in ("start", "steps", "final w", "f", "‖∇f‖", "stopped by"):
        table.add_column(
            col,
            justify="right" if col in ("steps", "f", "‖∇f‖") else "left",
            no_wrap=True,
        )
    for t in (t for t in result.trajectories if t.method == method):
        w1, w2 = t.points[-1]
        table.add_row(
            start_label(t.start), str(t.iterations), f"({w1:.4f}, {w2:.4f})",
            f"{t.values[-1]:.6g}", f"{t.grad_norms[-1]:.1e}", t.stopped_by,
        )  # fmt: skip
    return table


def register(app: typer.Typer) -> None:
    app.command()(landscape)
