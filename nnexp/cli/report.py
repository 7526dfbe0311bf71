"""``nnexp report``: one self-contained HTML file to read and share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nnexp.api import default_output, report, select_runs
from nnexp.cli.console import console
from nnexp.cli.options import FairOption, TuneOption
from nnexp.cli.render import report_skipped
from nnexp.errors import RunError


def report_cmd(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="RUN_OR_SWEEP",
            help="Run folders, sweep folders, folders of runs or glob patterns.",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The HTML file to write (default: <input>_report.html in the current folder).",
        ),
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Heading of the report.")
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Group runs by a setting for the replicate statistics and grouped curves (default: every differing setting but the seed).",
        ),
    ] = None,
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort",
            help="Column or metric the comparison table is sorted by and the groups are compared on.",
        ),
    ] = None,
    tune: TuneOption = None,
    fair: FairOption = False,
) -> None:
    """Write an HTML report: differing settings, comparison table, replicate
    statistics, learning curves, the sweep heatmap and confusion matrices.

    Images are embedded and nothing is loaded from elsewhere: the file opens offline
    and can be mailed as it is.

    With --by KEY --tune lr (or --fair), each group is shown at its own best lr,
    chosen on validation and reported on test (see nnexp compare --help). Runs whose
    loss exploded without becoming infinite are marked in the tables and figure
    captions.

    Examples:
      nnexp report runs/sweeps/2026-11-23_11-00-00_activations -o report.html
      nnexp report "runs/*_mnist*" --title "MNIST: relu vs tanh"
      nnexp report runs/sweeps/2026-11-23_12-00-00_act_lr --by activation --tune lr
    """
    output = output or default_output(paths, "report", ".html")
    if not output.parent.is_dir():
        raise RunError(
            f"cannot write the report to {output}: the folder {output.parent} "
            "does not exist; create it first or choose another output path."
        )
    selection = select_runs(paths)  # the arguments: run and sweep folders, patterns
    report_skipped(selection.skipped)
    written = report(
        selection,
        output,
        title=title,
        by=by or (),
        sort=sort,
        tune=tune or (),
        fair=fair,
    )
    size = written.stat().st_size / 1e6
    console.print(
        f"wrote {written} ({len(selection.runs)} run{'s' if len(selection.runs) != 1 else ''}, "
        f"{size:.1f} MB)",
        markup=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
