"""``nnexp show RUN``: one run's summary, resolved config and last epochs of metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from nnexp.api import (
    FINDING_THRESHOLDS,
    Run,
    find_run,
    load_run,
    run_date,
    run_findings,
)
from nnexp.cli.console import console
from nnexp.cli.render import fmt, print_findings
from nnexp.errors import RunError

#: summary fields shown first, in this order (the rest follow as they come)
_FIRST = (
    "name",
    "status",
    "message",
    "error",
    "epochs",
    "epochs_planned",
    "best_epoch",
    "stopped_early",
    "seed",
    "wall_seconds",
    "samples_per_second",
    "started",
    "finished",
)
_SECTIONS = ("final", "best", "test")
_HIDDEN = (
    "pid",
    "host",
    "plots",
    "wall_seconds_before",
    "train_seconds",
    "findings",
)


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return fmt(value)


def summary_table(run: Run) -> Table:
    """Key/value rows of summary.json: status first, metrics sections, then the rest."""
    record = run.record
    s = record.model_dump(exclude_unset=True)  # every key the file has, in its order
    table = Table(
        title=f"run {run.path}", title_justify="left", show_header=False, box=None
    )
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("date", run_date(run))
    s["status"] = run.status + (
        " (process gone)" if run.status != record.status else ""
    )
    for key in _FIRST:
        if s.get(key) not in (None, ""):
            table.add_row(key, fmt(s[key], key))
    for section in _SECTIONS:
        metrics = s.get(section) or {}
        shown = ", ".join(
            f"{k} {fmt(v, k)}" for k, v in metrics.items() if k not in ("epoch",)
        )
        if shown:
            table.add_row(section, shown)
    for key, value in s.items():
        if key not in (*_FIRST, *_SECTIONS, *_HIDDEN) and value not in (
            None,
            "",
            [],
            {},
        ):
            table.add_row(key, _plain(value))
    return table


def metrics_table(run: Run, last: int, every_column: bool = False) -> Table:
    """The last ``last`` epochs, one column per epoch and one row per metric (the
    per-layer metrics only with ``every_column``): many metrics still fit a terminal.
    """
    frame = run.history.tail(last)
    cols = [
        c
        for c in frame.columns
        if c != "epoch" and (every_column or not c.startswith("layer"))
    ]
    table = Table(
        title=f"metrics (last {len(frame)} of {len(run.history)} epochs)",
        title_justify="left",
    )
    table.add_column("epoch", style="bold cyan", no_wrap=True)
    for epoch in frame["epoch"]:
        table.add_column(str(int(epoch)), justify="right", no_wrap=True)
    for col in cols:
        table.add_row(col, *(fmt(v, col) for v in frame[col]))
    return table


def show(
    run: Annotated[
        str,
        typer.Argument(
            help="A run folder, or its name under --runs-dir (the latest match)."
        ),
    ],
    runs_dir: Annotated[
        Path, typer.Option("--runs-dir", help="Where to look for RUN by name.")
    ] = Path("runs"),
    last: Annotated[
        int, typer.Option(min=1, help="How many of the last epochs to show.")
    ] = 5,
    layers: Annotated[
        bool, typer.Option("--layers", help="Also show the per-layer metrics columns.")
    ] = False,
    config: Annotated[
        bool,
        typer.Option("--config/--no-config", help="Show the resolved config.yaml."),
    ] = True,
    threshold: Annotated[
        list[str] | None,
        typer.Option(
            "--threshold",
            help="A finding threshold NAME=VALUE (repeatable): the findings are"
            " computed again from metrics.csv. Names: "
            + ", ".join(f"{k} ({v:g})" for k, v in FINDING_THRESHOLDS.items()),
        ),
    ] = None,
) -> None:
    """Show one run: its summary, resolved config and the last epochs of its metrics.

    Examples:
      nnexp show runs/2026-11-23_10-00-00_quickstart
      nnexp show quickstart --last 10 --layers
      nnexp show quickstart --threshold dead_fraction=0.3
    """
    found = load_run(find_run(run, runs_dir))
    chosen = _thresholds(threshold or [])
    console.print(summary_table(found))
    findings = run_findings(found, chosen)
    console.print()
    if findings:
        print_findings(findings)
    else:
        console.print("findings: none (no rule of `nnexp show --help` triggered)")
    if config and found.paths.config.is_file():
        console.print()
        console.print("[bold]config.yaml[/]")
        console.print(
            found.paths.config.read_text(),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if len(found.history):
        console.print()
        console.print(metrics_table(found, last, layers))
    else:
        console.print("\nno epochs recorded yet")


def _thresholds(texts: list[str]) -> dict[str, str]:
    """NAME=VALUE texts as a mapping (the values are checked by run_findings)."""
    out = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep:
            raise RunError(
                f"--threshold {text!r}: expected NAME=VALUE, with NAME one of "
                + ", ".join(FINDING_THRESHOLDS)
            )
        out[name.strip()] = value.strip()
    return out


def register(app: typer.Typer) -> None:
    app.command("show")(show)
