"""Looking at finished (or running) runs: selection, labels, tables, figures, reports.

Everything here reads run folders through :mod:`nnexp.runs.reader` and draws with
:mod:`nnexp.plots`; the CLI commands ``plot``, ``compare``, ``report`` are thin
wrappers.  In a notebook::

    from nnexp.analysis import select_runs, compare, group_stats, curves_figure
    selection = select_runs(["runs/sweeps/2026-11-23_11-00-00_activations"])
    table = compare(selection.runs).table            # a pandas DataFrame
    stats = group_stats(compare(selection.runs), ["activation"]).table
    fair = fair_stats(compare(selection.runs), ["activation"], ["lr"]).stats.table
    fig = curves_figure(selection.runs, by=["activation"])
"""

from __future__ import annotations

from nnexp.analysis.compare import Comparison, compare
from nnexp.analysis.fair import FairComparison, fair_stats
from nnexp.analysis.figures import curves_figure, sweep_figure
from nnexp.analysis.labels import label_runs
from nnexp.analysis.report import build_report, write_report
from nnexp.analysis.select import Selection, select_runs
from nnexp.analysis.stats import GroupStats, group_stats

__all__ = [
    "Comparison",
    "FairComparison",
    "GroupStats",
    "Selection",
    "build_report",
    "compare",
    "curves_figure",
    "fair_stats",
    "group_stats",
    "label_runs",
    "select_runs",
    "sweep_figure",
    "write_report",
]
