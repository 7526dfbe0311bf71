"""Figures drawn from arrays and DataFrames, never from folders and never with pyplot.

Each module offers ``plot_*(ax, data, ...) -> list of artists`` helpers, for callers
that compose their own figures, and ``make_*(...) -> Figure`` builders; write a figure
with :func:`save_figure` (PNG, SVG or PDF by extension) or encode it with
:func:`figure_bytes`.  Input problems a user can cause raise
:class:`nnexp.errors.RunError`.

:mod:`nnexp.plots.registry` names every figure nnexp draws: the per-run plot kinds
(``output.plots``, ``nnexp plot --kind``), the sweep figures and the report's sections.
"""

from __future__ import annotations

from nnexp.plots.activations import make_activation_gallery, plot_activation
from nnexp.plots.base import (
    color_map,
    figure_bytes,
    metric_label,
    new_figure,
    save_figure,
)
from nnexp.plots.classification import (
    confusion_matrix,
    make_confusion,
    make_sample_grid,
    plot_confusion,
    plot_samples,
)
from nnexp.plots.curves import (
    make_grouped_curves,
    make_learning_curves,
    make_overlay,
    plot_group,
    plot_metric,
)
from nnexp.plots.layers import make_layer_diagnostics, plot_layers
from nnexp.plots.regression import make_fit, plot_fit, plot_log_error
from nnexp.plots.series import available_metrics, default_metrics, is_diverged
from nnexp.plots.sweep import (
    make_errorbars,
    make_heatmap,
    make_sweep_figure,
    plot_errorbars,
    plot_heatmap,
    summarize_cells,
)

__all__ = [
    "available_metrics",
    "color_map",
    "confusion_matrix",
    "default_metrics",
    "figure_bytes",
    "is_diverged",
    "make_activation_gallery",
    "make_confusion",
    "make_errorbars",
    "make_fit",
    "make_grouped_curves",
    "make_heatmap",
    "make_layer_diagnostics",
    "make_learning_curves",
    "make_overlay",
    "make_sample_grid",
    "make_sweep_figure",
    "metric_label",
    "new_figure",
    "plot_activation",
    "plot_confusion",
    "plot_errorbars",
    "plot_fit",
    "plot_group",
    "plot_heatmap",
    "plot_layers",
    "plot_log_error",
    "plot_metric",
    "plot_samples",
    "save_figure",
    "summarize_cells",
]
