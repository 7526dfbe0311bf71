"""Reading many runs: list and filter them (``nnexp runs``), select them from folders
and patterns, compare them (``nnexp compare``), report on them (``nnexp report``) and
plot them (``nnexp plot``); with the table helpers the command line renders with.

::

    import nnexp
    relu = nnexp.list_runs("runs", ["model.activation=relu"], status="completed")
    selection = nnexp.select_runs(["runs/sweeps/2026-11-23_11-00-00_activations"])
    nnexp.compare(selection, by=["activation"], tune=["lr"]).stats.table
    nnexp.plot(selection, by=["activation"])           # a matplotlib Figure
    nnexp.report(selection, "activations.html")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from nnexp.analysis.compare import Comparison
from nnexp.analysis.compare import compare as compare_runs
from nnexp.analysis.explode import RULE as EXPLOSION_RULE
from nnexp.analysis.fair import FairComparison, fair_stats, tune_option
from nnexp.analysis.figures import (
    MANY_RUN_KINDS,
    curves_figure,
    figure_kinds,
    kind_figure,
)
from nnexp.analysis.filters import STATUSES as RUN_STATUSES
from nnexp.analysis.filters import check_status, filter_runs
from nnexp.analysis.report import build_report, write_report
from nnexp.analysis.select import Selection, is_sweep_dir, select_runs
from nnexp.analysis.stats import GroupStats, group_stats
from nnexp.analysis.tables import display_frame, header, to_csv, to_markdown
from nnexp.errors import RunError
from nnexp.runs.reader import Run, discover_runs, load_run
from nnexp.sweep.folder import refresh_results

__all__ = [
    "EXPLOSION_RULE",
    "MANY_RUN_KINDS",
    "RUN_STATUSES",
    "Comparison",
    "FairComparison",
    "GroupStats",
    "Selection",
    "compare",
    "display_frame",
    "figure_kinds",
    "filter_runs",
    "header",
    "is_sweep_dir",
    "list_runs",
    "load_runs",
    "plot",
    "report",
    "select_runs",
    "to_csv",
    "to_markdown",
    "tune_option",
]


def load_runs(root: str | Path) -> list[Run]:
    """Every run folder at or below ``root``, read; a damaged one (unreadable
    summary.json, config.yaml or metrics.csv) as a run with status ``unreadable``.
    The results.csv of the sweeps found is brought up to date first (after a kill -9
    it may lag behind its cells)."""
    runs, paths = [], discover_runs(root)
    refresh_results(p.parent for p in paths)  # sweeps' results.csv after a kill -9
    for path in paths:
        try:
            run = load_run(path)
            _ = run.record  # a summary with a wrong type is damaged too
            runs.append(run)
        except RunError:  # a damaged folder is shown, not fatal to the listing
            runs.append(
                Run(
                    path=path,
                    config={},
                    summary={"status": "unreadable"},
                    history=pd.DataFrame(),
                )
            )
    return runs


def list_runs(
    runs_dir: str | Path = "runs",
    filters: Sequence[str] = (),
    status: str | None = None,
) -> list[Run]:
    """The runs under ``runs_dir`` (``nnexp runs``) that pass every ``key=value``
    filter and, if given, have ``status`` (see :func:`filter_runs`).

    Raises NnexpError for an unknown status (before anything is read), RunError when
    ``runs_dir`` does not exist.
    """
    check_status(status)  # before the folder: a typo is named first
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise RunError(
            f"runs directory {runs_dir} does not exist"
            " (train a run first: nnexp train SPEC)"
        )
    return filter_runs(load_runs(runs_dir), filters, status)


def compare(
    runs: Selection | Sequence[Run],
    *,
    sort: str | None = None,
    by: Sequence[str] = (),
    tune: Sequence[str] = (),
    fair: bool = False,
) -> Comparison | GroupStats | FairComparison:
    """What differed between ``runs`` and what it gave (``nnexp compare``).

    Without ``by``: a :class:`Comparison` (one row per run, sorted by ``sort``,
    best first).  With ``by``: the runs are replicates grouped by those settings, a
    :class:`GroupStats` (mean, std, 95 % CI, paired t-tests); with ``tune`` keys (or
    ``fair``: every varying key but the seed) each group at its own best value of
    them, chosen on validation and reported on test, a :class:`FairComparison`.

    Raises RunError for ``tune``/``fair`` without ``by``, or both.
    """
    tuned = tune_option(by, tune, fair)
    chosen = runs.runs if isinstance(runs, Selection) else list(runs)
    comparison = compare_runs(chosen, sort=sort)
    if by and not isinstance(tuned, bool):  # None: tune every other varying key
        return fair_stats(comparison, by, tuned)
    if by:
        return group_stats(comparison, by)
    return comparison


def report(
    selection: Selection,
    output: str | Path,
    *,
    title: str | None = None,
    by: Sequence[str] = (),
    sort: str | None = None,
    tune: Sequence[str] = (),
    fair: bool = False,
) -> Path:
    """Write the HTML report of ``selection`` to ``output`` and return its path
    (``nnexp report``; the options are :func:`nnexp.analysis.report.build_report`'s).
    """
    text = build_report(selection, title=title, by=by, sort=sort, tune=tune, fair=fair)
    return write_report(text, output)


def plot(
    selection: Selection,
    kind: str = "curves",
    *,
    metrics: Sequence[str] | None = None,
    by: Sequence[str] = (),
    pool: bool = False,
    x: str = "epoch",
    log: bool | None = None,
    smooth: int = 1,
    title: str | None = None,
) -> Figure:
    """The figure ``kind`` of ``selection`` (``nnexp plot``): learning curves of
    every run (``curves``: the other options apply to it, see
    :func:`nnexp.analysis.figures.curves_figure`), the sweep ``summary``, or a plot
    kind of one run (:func:`figure_kinds` lists them)."""
    if kind != "curves":
        return kind_figure(selection, kind)
    return curves_figure(
        selection.runs,
        metrics=metrics or None,
        by=by,
        pool=pool,
        x=x,
        log=log,
        smooth=smooth,
        title=title,
    )
