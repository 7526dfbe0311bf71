"""``nnexp plot``: overlaid or grouped learning curves of runs and sweeps, the sweep
summary, or any per-run plot kind of one run (``--kind``)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from nnexp.api import (
    MANY_RUN_KINDS,
    check_output,
    default_output,
    figure_kinds,
    plot,
    safe_name,
    save_figure,
    select_runs,
)
from nnexp.cli.console import console
from nnexp.cli.render import report_skipped
from nnexp.errors import RunError


class XAxis(StrEnum):
    epoch = "epoch"
    time = "time"


def plot_cmd(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="RUN_OR_SWEEP",
            help="Run folders, sweep folders, folders of runs or glob patterns.",
        ),
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            "-k",
            help="Which figure: curves (of any runs), summary (the metric per varied setting: heatmap or mean ± std), or a plot kind of one run: "
            + ", ".join(k for k in figure_kinds() if k not in MANY_RUN_KINDS)
            + ".",
            autocompletion=lambda: figure_kinds(),
        ),
    ] = "curves",
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            "-m",
            help="A panel per metric (repeat): loss, accuracy, mse, max_abs_error, lr, layer1_grad_norm, …",
        ),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Group runs by a setting (e.g. activation or optimizer.lr; repeat for several): one colour per value, mean ± std band over the group's runs.",
        ),
    ] = None,
    pool: Annotated[
        bool,
        typer.Option(
            "--pool",
            help="With --by: one band per group over every other differing setting (the title names them). Default: bands pool only seeds; other differing settings give rows of panels.",
        ),
    ] = False,
    x: Annotated[
        XAxis, typer.Option("--x", help="Horizontal axis: epoch or cumulative time.")
    ] = XAxis.epoch,
    log: Annotated[
        bool | None,
        typer.Option(
            "--log/--linear",
            help="Logarithmic or linear y axis (default: log where values span > 1000×).",
        ),
    ] = None,
    smooth: Annotated[
        int,
        typer.Option(
            "--smooth",
            min=1,
            help="Moving average over N epochs; the raw curve stays, faint.",
        ),
    ] = 1,
    title: Annotated[str | None, typer.Option("--title", help="Figure title.")] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="PNG, SVG or PDF by extension (default: a PNG in the current folder).",
        ),
    ] = None,
) -> None:
    """Plot the learning curves of runs and sweeps: train dashed, validation solid.

    Legend labels are the settings that differ between the runs; a diverged run ends
    with a ×, a one-epoch run is a dot (● validation, ○ train).  With --by, a band
    pools only seeds unless --pool is given.

    --kind chooses another figure: summary (heatmap or mean ± std of the sweep's
    metric), or a plot kind of one run (layers, confusion, samples, fit; the data set
    is loaded again for those that show predictions).

    Examples:
      nnexp plot runs/2026-11-23_10-00-00_quickstart
      nnexp plot runs/2026-11-23_10-00-00_quickstart --kind confusion
      nnexp plot runs/sweeps/2026-11-23_12-00-00_act_lr --kind summary
      nnexp plot runs/sweeps/2026-11-23_11-00-00_activations --by activation
      nnexp plot runs/sweeps/2026-11-23_11-00-00_activations --by activation --pool
      nnexp plot "runs/*_mnist*" --metric accuracy --smooth 3 -o curves.pdf
    """
    if kind not in figure_kinds():
        raise RunError(
            f"unknown plot kind '{kind}' (--kind); allowed: {', '.join(figure_kinds())}."
        )
    curves_only = {
        "--metric": metric,
        "--by": by,
        "--pool": pool,
        "--smooth": smooth > 1,
    }
    given = [option for option, value in curves_only.items() if value]
    if kind != "curves" and given:
        raise RunError(
            f"{', '.join(given)} only appl{'ies' if len(given) == 1 else 'y'} to "
            f"--kind curves, not to --kind {kind}."
        )
    stem = "curves_by_" + safe_name("_".join(by)) if by else kind
    output = check_output(output or default_output(paths, stem))
    selection = select_runs(paths)  # the arguments: run and sweep folders, patterns
    report_skipped(selection.skipped)
    fig = plot(
        selection,
        kind,
        metrics=metric or None,
        by=by or (),
        pool=pool,
        x=x.value,
        log=log,
        smooth=smooth,
        title=title,
    )
    written = save_figure(fig, output)
    console.print(
        f"wrote {written} ({len(selection.runs)} run{'s' if len(selection.runs) != 1 else ''})",
        markup=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("plot")(plot_cmd)
