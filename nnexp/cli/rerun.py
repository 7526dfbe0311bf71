"""``nnexp rerun RUN [--check]``: train a run again from its config.yaml."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nnexp.cli.console import console
from nnexp.cli.progress import TrainProgress
from nnexp.cli.runs_cmd import find_run, print_wide
from nnexp.cli.train import EXIT_CODES, _print_header, _print_summary, ctrl_c_finishes_the_batch, download_progress
from nnexp.rerun import RerunCheck, check_rerun, rerun


def report_table(check: RerunCheck) -> Table:
    """Rows: status, metrics, weights, each with the first difference if any."""
    table = Table(show_header=False, box=None, title=f"rerun check of {check.original}", title_justify="left")
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    same = "[green]match[/]"
    status = same if check.original_status == check.rerun_status else "[red]differ[/]"
    table.add_row("status", f"{status}: original {check.original_status}, rerun {check.rerun_status}")
    diff = check.metric_difference
    if diff is None:
        table.add_row("metrics", f"{same} ({check.epochs} epochs × {len(check.compared_columns)} columns, time columns aside)")
    elif diff[1] is None:
        table.add_row("metrics", f"[red]differ[/]: {diff[0]}: original {diff[2]}, rerun {diff[3]}")
    else:
        table.add_row("metrics", f"[red]differ[/]: first at column {diff[0]}, epoch {diff[1]}: original {diff[2]!r}, rerun {diff[3]!r}")
    wdiff = check.weight_difference
    if wdiff is None:
        table.add_row("weights", f"{same} (bit for bit: {', '.join(check.weight_names)})")
    else:
        table.add_row("weights", f"[red]differ[/]: first in {wdiff[0]}, max |difference| {wdiff[1]:.3g}")
    if check.rerun is not None:
        table.add_row("rerun folder", str(check.rerun))
    table.add_row("result", "[green]reproduced exactly[/]" if check.matches else "[red]NOT reproduced[/]")
    return table


def rerun_cmd(
    run: Annotated[str, typer.Argument(help="A run folder, or its name under --runs-dir (the latest match).")],
    check: Annotated[bool, typer.Option("--check", help="Train in a temporary folder and compare metrics and weights with RUN.")] = False,
    runs_dir: Annotated[Path | None, typer.Option("--runs-dir", help="Where to look for RUN by name (default runs/), and where a plain rerun goes (default: the config's output.runs_dir).")] = None,
    keep: Annotated[bool, typer.Option("--keep", help="With --check: keep the rerun's folder.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Train again from a run's config.yaml; with --check, verify it reproduces exactly.

    Exit code with --check: 0 when metrics (time columns aside) and model.npz match bit
    for bit, 1 when they do not.

    Examples:
      nnexp rerun runs/2026-11-23_10-00-00_quickstart --check
      nnexp rerun quickstart
    """
    folder = find_run(run, runs_dir or Path("runs"))
    stop = threading.Event()
    callbacks = [] if quiet else [TrainProgress(console)]
    with ctrl_c_finishes_the_batch(stop):
        if check:
            result = check_rerun(folder, keep=keep, callbacks=callbacks, stop=stop, progress=download_progress())
        else:
            new = rerun(folder, runs_dir=runs_dir, callbacks=callbacks, stop=stop,
                        progress=download_progress(), on_start=None if quiet else _print_header)
    if check:
        print_wide(report_table(result))
        if result.rerun_status == "interrupted":
            raise typer.Exit(130)
        if not result.matches:
            raise typer.Exit(1)
        return
    _print_summary(new)
    code = EXIT_CODES.get(new.summary.get("status"), 1)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("rerun")(rerun_cmd)
