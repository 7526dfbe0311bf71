"""``nnexp eval RUN``: loss and metrics of a run's saved weights on a data split."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nnexp.api import EVAL_SPLITS, evaluate, find_run
from nnexp.cli.console import console
from nnexp.cli.render import download_progress, fmt


def eval_run(
    run: Annotated[
        str,
        typer.Argument(
            help="A run folder, or its name under --runs-dir (the latest match)."
        ),
    ],
    dataset: Annotated[
        str | None,
        typer.Option(
            help="Another data set of the same shape: a name or a YAML mapping,"
            " e.g. '{name: mnist_10k, limit: 500}'."
        ),
    ] = None,
    split: Annotated[
        str, typer.Option(help=f"Which split: {', '.join(EVAL_SPLITS)}.")
    ] = "test",
    runs_dir: Annotated[
        Path, typer.Option("--runs-dir", help="Where to look for RUN by name.")
    ] = Path("runs"),
) -> None:
    """Evaluate a run's saved weights (model.npz) on its data set or another one.

    Examples:
      nnexp eval runs/2026-11-23_10-00-00_quickstart
      nnexp eval quickstart --split val
      nnexp eval quickstart --dataset '{name: mnist_10k, validation: 0.2}'
    """
    result = evaluate(
        find_run(run, runs_dir), dataset, split, progress=download_progress()
    )
    table = Table(
        show_header=False, box=None, title=f"eval {result['run']}", title_justify="left"
    )
    table.add_column(style="bold cyan")
    table.add_column()
    table.add_row(
        "data", f"{result['dataset']} ({result['split']}, {result['n']} samples)"
    )
    for key, value in result.items():
        if key not in ("run", "dataset", "split", "n"):
            table.add_row(key, fmt(value, key))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_run)
