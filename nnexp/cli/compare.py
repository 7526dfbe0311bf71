"""``nnexp compare``: a table of what differed between runs and what it gave."""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from nnexp.analysis.compare import Comparison, compare
from nnexp.analysis.select import select_runs
from nnexp.analysis.stats import GroupStats, group_stats
from nnexp.analysis.tables import display_frame, header, to_csv, to_markdown
from nnexp.cli.console import console
from nnexp.cli.plot import report_skipped
from nnexp.errors import RunError

_STATUS_STYLE = {
    "completed": "green",
    "diverged": "red",
    "failed": "red",
    "running": "yellow",
    "interrupted": "yellow",
}


class Format(StrEnum):
    table = "table"
    csv = "csv"
    markdown = "markdown"


def _format_for(output: Path | None, chosen: Format | None) -> Format:
    """The format asked for, else the one the output file's extension suggests."""
    if chosen is not None:
        return chosen
    suffix = output.suffix.lower() if output else ""
    return {
        ".csv": Format.csv,
        ".md": Format.markdown,
        ".markdown": Format.markdown,
    }.get(suffix, Format.table)


def compare_cmd(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="RUN_OR_SWEEP",
            help="Run folders, sweep folders, folders of runs or glob patterns.",
        ),
    ],
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort",
            help="Column or metric to sort by, best first (default: final validation accuracy, or mse for regression), e.g. test_accuracy, best_val_accuracy, seconds, lr.",
        ),
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="table (terminal), csv (raw values) or markdown (default: table, or from the -o extension).",
        ),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Treat runs as replicates grouped by a setting (e.g. activation; repeat for several): mean, std, 95% CI, n, and a paired t-test of the best group against each other.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of the terminal."
        ),
    ] = None,
) -> None:
    """Compare runs: the settings that differ and their final, best and test metrics.

    With --by, seeds are replicates: per group the mean, standard deviation, 95%
    confidence interval and number of runs of the --sort metric, and a paired t-test
    (over runs with the same seed) between the best group and each other one.

    Examples:
      nnexp compare runs/sweeps/2026-11-23_11-00-00_activations
      nnexp compare "runs/*_mnist*" --sort test_accuracy --format markdown
      nnexp compare runs/sweeps/2026-11-23_11-00-00_activations --by activation
      nnexp compare runs/sweeps/2026-11-23_11-00-00_activations -o results.csv
    """
    if output is not None and not output.parent.is_dir():
        raise RunError(
            f"cannot write {output}: the folder {output.parent} does not exist; "
            "create it first or choose another output path."
        )
    chosen = _format_for(output, fmt)
    selection = select_runs(paths)
    report_skipped(selection.skipped)
    comparison = compare(selection.runs, sort=sort)
    stats = group_stats(comparison, by) if by else None
    text = _render(comparison, stats, chosen, to_file=output is not None)
    if output is None:
        if chosen is Format.table:
            _print_table(comparison, stats, console)
        else:
            typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise RunError(f"cannot write {output}: {err.strerror or err}") from err
    console.print(f"wrote {output}", markup=False, soft_wrap=True)


def _render(
    comparison: Comparison, stats: GroupStats | None, fmt: Format, *, to_file: bool
) -> str:
    if fmt is Format.csv:
        return to_csv(stats.table if stats else comparison.table)
    if fmt is Format.markdown:
        if stats:
            notes = "".join(f"\n- {n}" for n in stats.notes)
            return (
                to_markdown(display_frame(stats.table, metric=stats.metric))
                + notes
                + "\n"
            )
        return to_markdown(display_frame(comparison.table))
    if not to_file:
        return ""
    buffer = io.StringIO()
    _print_table(
        comparison,
        stats,
        Console(file=buffer, width=250, no_color=True, highlight=False),
    )
    return buffer.getvalue()


#: Columns left out, in this order, when the table is wider than the terminal.
_DROP_ORDER = (
    "folder",
    "final_train_accuracy",
    "final_train_loss",
    "final_train_mse",
    "final_train_max_abs_error",
    "test_loss",
    "seconds",
    "best_epoch",
    "epochs",
    "final_val_max_abs_error",
    "test_max_abs_error",
    "status",
    "runs",
    "t",
)
#: Columns whose text may wrap onto several lines.
_WRAPPING = ("note",)


def _print_table(
    comparison: Comparison, stats: GroupStats | None, out: Console
) -> None:
    if stats is not None:
        direction = "highest" if stats.higher_is_better else "lowest"
        title = f"{header(stats.metric)} by group ({direction} first)"
        _print_fitted(
            stats.table, title, out, metric=stats.metric, best_row=len(stats.table) > 1
        )
        for line in stats.notes:
            out.print(f"[dim]{_escape(line)}[/]", soft_wrap=True)
        out.print(
            "[dim]95% CI: t-based interval of the mean; p: two-sided paired t-test "
            "against the best group (p < 0.05: unlikely to be luck).[/]",
            soft_wrap=True,
        )
        return
    direction = "highest" if comparison.higher_is_better else "lowest"
    n = len(comparison.table)
    title = f"{n} run{'s' if n != 1 else ''}, sorted by {header(comparison.sort)} ({direction} first)"
    _print_fitted(comparison.table, title, out, best_row=n > 1)


def _print_fitted(
    raw: pd.DataFrame,
    title: str,
    out: Console,
    *,
    metric: str | None = None,
    best_row: bool,
) -> None:
    """Print the table, leaving out less important columns until it fits a terminal.

    Output that is not a terminal (a pipe, a file) gets every column at full width.
    """
    dropped: list[str] = []
    display = display_frame(raw, metric=metric, folders="relative")
    if out.is_terminal:
        for column in (c for c in _DROP_ORDER if c in raw.columns):
            if _natural_width(display) <= out.width:
                break
            dropped.append(column)
            display = display_frame(
                raw, metric=metric, folders="relative", drop=dropped
            )
    else:
        wide = _natural_width(display, wrap_headers=False) + 4
        out = Console(
            file=out.file,
            width=max(out.width, wide),
            no_color=out.no_color,
            highlight=False,
        )
    out.print(_rich_table(display, title, best_row=best_row))
    if dropped:
        shown = ", ".join(header(c) for c in dropped)
        out.print(
            f"[dim]left out to fit the terminal: {shown} (see --format csv or "
            "markdown for every column)[/]",
            soft_wrap=True,
        )


def _natural_width(display: pd.DataFrame, *, wrap_headers: bool = True) -> int:
    """The width of the table with cells on one line and headers wrapped at spaces
    (or not)."""
    total = 2
    for name in display.columns:
        cells = max((len(str(v)) for v in display[name]), default=0)
        words = _word_width(name) if wrap_headers else len(str(name))
        if name in _WRAPPING:
            cells = min(cells, 24)
        total += max(cells, words) + 3
    return total


def _word_width(text: str) -> int:
    return max((len(w) for w in str(text).split()), default=0)


def _rich_table(display: pd.DataFrame, title: str, *, best_row: bool) -> Table:
    numeric = display.attrs.get("numeric") or [False] * len(display.columns)
    table = Table(
        title=title, box=box.SIMPLE_HEAD, title_justify="left", header_style="bold"
    )
    for name, num in zip(display.columns, numeric, strict=True):
        width = max(
            max((len(str(v)) for v in display[name]), default=1), _word_width(name)
        )
        table.add_column(
            name,
            justify="right" if num else "left",
            overflow="fold",
            min_width=None if name in _WRAPPING else width,
        )
    for i, row in enumerate(display.itertuples(index=False)):
        cells = []
        for name, value in zip(display.columns, row, strict=True):
            style = _STATUS_STYLE.get(value, "") if name == "status" else ""
            cells.append(f"[{style}]{_escape(value)}[/]" if style else _escape(value))
        table.add_row(*cells, style="bold" if best_row and i == 0 else None)
    return table


def _escape(text: str) -> str:
    return str(text).replace("[", "\\[")


def register(app: typer.Typer) -> None:
    app.command(name="compare")(compare_cmd)
