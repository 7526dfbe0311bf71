"""``nnexp landscape``: optimiser trajectories on a 2-D objective (E7), or the loss
landscape around trained runs (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from nnexp import api
from nnexp.api import (
    LandscapeResult,
    StudySettings,
    find_run,
    landscape_title,
    start_label,
)
from nnexp.cli.console import console
from nnexp.cli.options import OutFolderOption
from nnexp.errors import RunError


def landscape(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="SPEC | RUN [RUN2]",
            help="A landscape spec (YAML, e.g. configs/landscape_e7.yaml), or one or"
            " two trained run folders (or run names under --runs-dir).",
        ),
    ],
    runs_dir: Annotated[
        Path,
        typer.Option(
            "--runs-dir",
            help="Where the output folder <stamp>_<name> goes (and RUN names are looked up).",
        ),
    ] = Path("runs"),
    out: OutFolderOption = None,
    samples: Annotated[
        int,
        typer.Option(
            min=1,
            help="RUN: training samples the loss is computed on (a seeded subset).",
        ),
    ] = 1000,
    grid: Annotated[
        int, typer.Option(min=3, help="RUN: points per side of the 2-D slice.")
    ] = 41,
    span: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="RUN: the slice covers ±SPAN along each filter-normalised direction.",
        ),
    ] = 1.0,
    seed: Annotated[
        int, typer.Option(help="RUN: seed of the subset and the random directions.")
    ] = 0,
) -> None:
    """Optimiser paths on a 2-D objective (SPEC), or the loss landscape around
    trained networks (RUN): the line from the initial to the final weights, the
    barrier between two runs, a filter-normalised 2-D slice and the trajectory.

    Examples:
      nnexp landscape configs/landscape_e7.yaml
      nnexp landscape configs/landscape_quadratic.yaml -o quadratic_run
      nnexp landscape quickstart --grid 41
      nnexp landscape runs/A_quickstart runs/B_quickstart --samples 2000
    """
    first = Path(targets[0])
    if len(targets) == 1 and first.suffix in (".yaml", ".yml") and not first.is_dir():
        _objective(first, runs_dir, out)
        return
    folders = [find_run(t, runs_dir) for t in targets]
    settings = StudySettings(samples=samples, grid=grid, span=span, seed=seed)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=True,
    ) as bar:  # fmt: skip
        tasks: dict[str, TaskID] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done)

        result = api.landscape_runs(
            folders, settings=settings, runs_dir=runs_dir, out=out, progress=progress
        )
    console.print(f"[bold]loss landscape of {', '.join(result.names)}[/]"
                  f" ({result.samples} training samples)")  # fmt: skip
    for part, seconds in result.seconds.items():
        console.print(f"  {part}: {seconds:.1f}s")
    if result.barrier is not None:
        b = result.barrier
        console.print(f"  barrier between the runs: loss {b['loss_barrier']:.4g}"
                      + ("" if b["accuracy_barrier"] != b["accuracy_barrier"]
                         else f", accuracy {100 * b['accuracy_barrier']:.2f} points"))  # fmt: skip
    for note in result.notes:
        console.print(f"  note: {note}")
    console.print(
        f"folder: [bold]{result.folder}[/] (summary.json, lines.csv, plane.npz, plots/)"
    )


def _objective(spec: Path, runs_dir: Path, out: Path | None) -> None:
    if not spec.is_file():
        raise RunError(f"landscape spec {spec} does not exist")
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
