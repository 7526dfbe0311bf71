"""``nnexp rerun RUN [--check]``: train a run again from its config.yaml."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nnexp.api import RerunCheck, check_rerun, find_run, rerun
from nnexp.cli.console import console
from nnexp.cli.progress import TrainProgress
from nnexp.cli.render import (
    EXIT_CODES,
    ctrl_c_finishes_the_batch,
    download_progress,
    print_header,
    print_summary,
)

SAME, DIFFER = "[green]match[/]", "[red]differ[/]"


def metrics_text(check: RerunCheck) -> str:
    """``match (…)`` or where the metrics first differ (column and epoch)."""
    diff = check.metric_difference
    if diff is None:
        n_cols = len(check.compared_columns)
        text = f"{SAME} ({check.epochs} epochs × {n_cols} columns, time columns aside)"
        if check.new_columns:
            text += f"; new columns not in the original: {', '.join(check.new_columns)}"
        return text
    if diff[1] is None:  # different columns or number of epochs
        return f"{DIFFER}: {diff[0]}: original {diff[2]}, rerun {diff[3]}"
    return (
        f"{DIFFER}: first at column {diff[0]}, epoch {diff[1]}:"
        f" original {diff[2]!r}, rerun {diff[3]!r}"
    )


def weights_text(check: RerunCheck) -> str:
    """``match (bit for bit …)`` or the first differing array and its max difference."""
    diff = check.weight_difference
    if diff is None:
        return f"{SAME} (bit for bit: {', '.join(check.weight_names)})"
    return f"{DIFFER}: first in {diff[0]}, max |difference| {diff[1]:.3g}"


def settings_text(check: RerunCheck) -> str:
    """The recorded settings (versions, BLAS, threads, CPU) that differ now."""
    diffs = check.environment_differences
    if not diffs:
        return f"{SAME} (nnexp, NumPy, BLAS library, kernel and threads, CPU)"
    parts = [f"{label}: original {a}, now {b}" for label, a, b in diffs]
    return f"{DIFFER}: " + "; ".join(parts)


def report_table(check: RerunCheck) -> Table:
    """Rows: status, metrics, weights, each with the first difference if any."""
    table = Table(
        show_header=False,
        box=None,
        title_justify="left",
        title=f"rerun check of {check.original}",
    )
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    same_status = check.original_status == check.rerun_status
    table.add_row(
        "status",
        f"{SAME if same_status else DIFFER}: original {check.original_status},"
        f" rerun {check.rerun_status}",
    )
    table.add_row("metrics", metrics_text(check))
    table.add_row("weights", weights_text(check))
    for parent in check.chain():
        verdict = "reproduced" if parent.matches else "[red]NOT reproduced[/]"
        table.add_row("continues", f"{parent.original}: {verdict}")
    table.add_row("settings", settings_text(check))
    if check.rerun is not None:
        table.add_row("rerun folder", str(check.rerun))
    if not check.matches and check.likely_cause:
        table.add_row("likely cause", check.likely_cause)
    verdict = (
        "[green]reproduced exactly[/]" if check.matches else "[red]NOT reproduced[/]"
    )
    table.add_row("result", verdict)
    return table


def rerun_cmd(
    run: Annotated[
        str,
        typer.Argument(
            help="A run folder, or its name under --runs-dir (the latest match)."
        ),
    ],
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Train in a temporary folder and compare metrics and weights"
            " with RUN.",
        ),
    ] = False,
    runs_dir: Annotated[
        Path | None,
        typer.Option(
            "--runs-dir",
            help="Where to look for RUN by name (default runs/), and where a plain"
            " rerun goes (default: the config's output.runs_dir).",
        ),
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="With --check: keep the rerun's folder.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress display.")
    ] = False,
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
    common = {"callbacks": callbacks, "stop": stop, "progress": download_progress()}
    with ctrl_c_finishes_the_batch(stop):
        if check:
            _exit_for_check(check_rerun(folder, keep=keep, **common))
            return
        header = None if quiet else print_header
        new = rerun(folder, runs_dir=runs_dir, on_start=header, **common)
    print_summary(new)
    code = EXIT_CODES.get(new.record.status, 1)
    if code:
        raise typer.Exit(code)


def _exit_for_check(result: RerunCheck) -> None:
    """Print the report; exit 130 if the rerun was interrupted, 1 on a mismatch."""
    console.print(report_table(result))
    if result.rerun_status == "interrupted":
        raise typer.Exit(130)
    if not result.matches:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("rerun")(rerun_cmd)
