"""``nnexp compare``: a table of what differed between runs and what it gave."""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nnexp.api import (
    EXPLOSION_RULE,
    Comparison,
    FairComparison,
    GroupStats,
    compare,
    display_frame,
    header,
    select_runs,
    to_csv,
    to_markdown,
    tune_option,
)
from nnexp.cli.console import console
from nnexp.cli.fit_table import escape, print_fitted
from nnexp.cli.options import FairOption, TuneOption
from nnexp.cli.render import report_skipped
from nnexp.errors import RunError


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
            help="Column or metric to sort by, best first (default: final validation accuracy, or mse for regression), e.g. test_accuracy, best_val_accuracy, seconds, lr. With --tune/--fair: the metric (accuracy, loss, mse).",
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
    tune: TuneOption = None,
    fair: FairOption = False,
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

    With --tune KEY (or --fair), each group is compared at its own best value of KEY:
    per group the value whose runs have the best mean final validation metric over
    the seeds, reported on the test split, paired by seed. One fixed learning rate
    can make an activation lose only because that rate does not suit it.

    Runs whose train loss rose above 10x its start without becoming infinite are
    marked "exploded" (status completed, numbers of a broken network).

    Examples:
      nnexp compare runs/sweeps/2026-11-23_11-00-00_activations
      nnexp compare "runs/*_mnist*" --sort test_accuracy --format markdown
      nnexp compare runs/sweeps/2026-11-23_11-00-00_activations --by activation
      nnexp compare runs/sweeps/2026-11-23_12-00-00_act_lr --by activation --tune lr
      nnexp compare runs/sweeps/2026-11-23_11-00-00_activations -o results.csv
    """
    if output is not None and not output.parent.is_dir():
        raise RunError(
            f"cannot write {output}: the folder {output.parent} does not exist; "
            "create it first or choose another output path."
        )
    tune_option(by or [], tune or [], fair)  # the options checked before any work
    chosen = _format_for(output, fmt)
    selection = select_runs(paths)  # the arguments: run and sweep folders, patterns
    report_skipped(selection.skipped)
    view = compare(selection, sort=sort, by=by or (), tune=tune or (), fair=fair)
    text = _render(view, chosen, to_file=output is not None)
    if output is None:
        if chosen is Format.table:
            _print_view(view, console)
        else:
            typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise RunError(f"cannot write {output}: {err.strerror or err}") from err
    console.print(f"wrote {output}", markup=False, soft_wrap=True)


def _render(
    view: Comparison | GroupStats | FairComparison, fmt: Format, *, to_file: bool
) -> str:
    stats = view.stats if isinstance(view, FairComparison) else view
    if fmt is Format.csv:
        return to_csv(stats.table)
    if fmt is Format.markdown:
        if not isinstance(stats, GroupStats):
            return to_markdown(display_frame(stats.table))
        text = to_markdown(display_frame(stats.table, metric=stats.metric))
        if isinstance(view, FairComparison):  # and every setting tried
            text += "\n" + to_markdown(display_frame(view.grid, metric=view.report))
        return text + "".join(f"\n- {n}" for n in _notes(view)) + "\n"
    if not to_file:
        return ""
    buffer = io.StringIO()
    _print_view(view, Console(file=buffer, width=250, no_color=True, highlight=False))
    return buffer.getvalue()


def _notes(view: Comparison | GroupStats | FairComparison) -> list[str]:
    """Notes and warnings under the table (warnings first, marked)."""
    if isinstance(view, Comparison):
        notes: list[str] = []
        warnings = [EXPLOSION_RULE] if "exploded" in view.table.columns else []
    else:
        notes, warnings = list(view.notes), list(view.warnings)
        if isinstance(view, GroupStats) and "exploded_runs" in view.table.columns:
            notes.append(EXPLOSION_RULE)
        if isinstance(view, FairComparison) and view.grid["exploded_runs"].any():
            notes.append(EXPLOSION_RULE)
    return [f"warning: {w}" for w in warnings] + notes


def _print_view(view: Comparison | GroupStats | FairComparison, out: Console) -> None:
    if isinstance(view, FairComparison):
        stats = view.stats
        tuned = ", ".join(
            view.stats.table.columns[len(stats.by) : len(stats.by) + len(view.tuned)]
        )
        direction = "highest" if stats.higher_is_better else "lowest"
        title = (
            f"{header(view.report)} by group, each at its best {tuned} "
            f"(chosen on {header(view.select)}; {direction} first)"
        )
        print_fitted(
            stats.table, title, out, metric=view.report, best_row=len(stats.table) > 1
        )
        print_fitted(
            view.grid,
            f"every setting tried (mean over seeds; {header(view.select)} chooses)",
            out,
            metric=view.report,
            best_row=False,
        )
    elif isinstance(view, GroupStats):
        direction = "highest" if view.higher_is_better else "lowest"
        title = f"{header(view.metric)} by group ({direction} first)"
        print_fitted(
            view.table, title, out, metric=view.metric, best_row=len(view.table) > 1
        )
    else:
        direction = "highest" if view.higher_is_better else "lowest"
        n = len(view.table)
        title = f"{n} run{'s' if n != 1 else ''}, sorted by {header(view.sort)} ({direction} first)"
        print_fitted(view.table, title, out, best_row=n > 1)
    for line in _notes(view):
        style = "yellow" if line.startswith("warning:") else "dim"
        out.print(f"[{style}]{escape(line)}[/]", soft_wrap=True)
    if not isinstance(view, Comparison):
        out.print(
            "[dim]95% CI: t-based interval of the mean; p: two-sided paired t-test "
            "against the best group (p < 0.05: unlikely to be luck).[/]",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    app.command(name="compare")(compare_cmd)
