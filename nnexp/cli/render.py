"""What more than one command prints: run headers and summaries, values, progress of
downloads, runs left out of a selection, and what Ctrl-C does (shared by ``train``,
``rerun``, ``eval``, ``show``, ``sweep``, ``plot``, ``compare`` and ``report``)."""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

from rich.table import Table

from nnexp.cli.console import console, err_console, first_ctrl_c_sets
from nnexp.cli.progress import model_table

#: exit code of a run command by the run's status
EXIT_CODES = {"completed": 0, "diverged": 3, "failed": 1, "interrupted": 130}


def ctrl_c_finishes_the_batch(stop: threading.Event):
    """First Ctrl-C: finish the batch, write everything, mark the run interrupted.
    A second Ctrl-C raises KeyboardInterrupt at once."""
    return first_ctrl_c_sets(
        stop, "stopping after this batch (Ctrl-C again to abort now)…"
    )


def download_progress():
    """A plain download progress printer for data sets fetched on first use."""
    state = {"last": -1}

    def report(label: str, done: int, total: int | None) -> None:
        pct = int(100 * done / total) if total else -1
        if pct // 10 != state["last"] // 10 or (total and done >= total):
            state["last"] = pct
            size = f"{done / 1e6:.1f} MB" + (
                f" of {total / 1e6:.1f} MB" if total else ""
            )
            err_console.print(f"downloading {label}: {size}")

    return report


def print_header(folder: Path, resolved: Any, network: Any, info: Any) -> None:
    console.print(f"run folder: [bold]{folder}[/]")
    console.print(f"data: {info.name} ({info.task}), sizes {dict(info.sizes)}")
    optim = resolved.optimizer
    opt_text = (
        ", ".join(c.describe() for c in optim)
        if isinstance(optim, list)
        else optim.describe()
    )
    console.print(
        model_table(network.summary_rows(), opt_text, resolved.loss.describe())
    )


def print_summary(run: Any) -> None:
    s = run.record  # the typed summary.json
    table = Table(show_header=False, show_edge=False, box=None)
    status = s.status
    colour = {"completed": "green", "diverged": "red", "interrupted": "yellow"}.get(
        status, "red"
    )
    table.add_row(
        "status",
        f"[{colour}]{status}[/]" + (f" — {s.message}" if s.message else ""),
    )
    table.add_row("epochs", f"{s.epochs} (best {s.best_epoch})")
    for name, metrics in (("final", s.final), ("best", s.best), ("test", s.test)):
        shown = ", ".join(
            f"{k} {_fmt(v, k)}"
            for k, v in metrics.items()
            if k not in ("epoch", "lr")
            and v is not None
            and not (k == "penalty" and v == 0)
        )
        if shown:
            table.add_row(name, shown)
    if s.samples_per_second:
        table.add_row(
            "speed",
            f"{s.samples_per_second:,.0f} samples/s, {s.wall_seconds or 0:.1f}s wall",
        )
    table.add_row("folder", str(run.path))
    if status == "interrupted":
        table.add_row("resume", f"nnexp train --resume {run.path}")
    console.print(table)
    if s.findings:
        print_findings(s.findings)


def print_findings(findings: list[dict[str, Any]]) -> None:
    """Each finding of a run as one line: its rule, then its message."""
    console.print("[bold]findings[/]")
    for f in findings:
        console.print(f"  [yellow]{f['rule']}[/]: {f['message']}", highlight=False)


def fmt(value: Any, key: str = "") -> str:
    """Accuracies as percentages, floats to 4 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if "accuracy" in key:
        return f"{100 * value:.2f}%"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def report_skipped(skipped: list[str]) -> None:
    """The runs a selection left out, one ``left out:`` line each on stderr."""
    for note in skipped:
        err_console.print(f"[yellow]left out:[/] {note}", soft_wrap=True)


def _fmt(value: Any, key: str) -> str:
    if value is None:
        return "-"
    if "accuracy" in key:
        return f"{100 * value:.2f}%"
    return f"{value:.4g}"
