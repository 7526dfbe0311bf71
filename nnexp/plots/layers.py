"""Per-layer diagnostics by epoch: dead-unit fraction, saturation, gradient norm,
update/weight ratio, weight norm.

The trainer records ``layer{i}_dead_fraction`` (units whose activation derivative is
zero for every sample: dying ReLUs), ``layer{i}_saturation`` (units of a bounded
activation near its bounds), ``layer{i}_grad_norm``, ``layer{i}_update_ratio`` (a
step's change of the weights over the weights) and ``layer{i}_weight_norm`` for each
dense layer i = 1..L (nnexp.training.insight for the two newer ones; older runs lack
them).
"""

from __future__ import annotations

import re

import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnexp.errors import RunError
from nnexp.plots.base import color_map, finite_or_nan, metric_scale
from nnexp.plots.panels import color_handles, decorate, figure_legend, panels
from nnexp.plots.run_input import RunFigureInput
from nnexp.plots.series import check_history, x_values

#: the per-layer quantities in the order the figure shows them; log axes for the
#: two that span orders of magnitude
QUANTITIES = ("dead_fraction", "saturation", "grad_norm", "update_ratio", "weight_norm")
LOG_AXIS = ("grad_norm", "update_ratio")
_LAYER_RE = re.compile(rf"^layer(\d+)_({'|'.join(QUANTITIES)})$")


def layer_columns(history: pd.DataFrame) -> dict[str, dict[int, str]]:
    """``{quantity: {layer index: column}}`` for the per-layer diagnostic columns."""
    found: dict[str, dict[int, str]] = {}
    for column in history.columns:
        match = _LAYER_RE.match(str(column))
        if match:
            found.setdefault(match.group(2), {})[int(match.group(1))] = str(column)
    return {q: dict(sorted(cols.items())) for q, cols in found.items()}


def plot_layers(
    ax: Axes, history: pd.DataFrame, quantity: str, *, x: str = "epoch"
) -> list[Artist]:
    """One line per dense layer of ``quantity`` (``dead_fraction``, ``grad_norm`` or
    ``weight_norm``) against ``x``; dead fractions in percent."""
    columns = layer_columns(history).get(quantity, {})
    colors = color_map(f"layer {i}" for i in columns)
    xs = x_values(history, x)
    artists: list[Artist] = []
    for i, column in columns.items():
        ys = finite_or_nan(history[column]) * metric_scale(quantity)
        artists += ax.plot(
            xs,
            ys,
            color=colors[f"layer {i}"],
            linewidth=1.8,
            marker="o" if len(xs) <= 30 else None,
            markersize=3,
            label=f"layer {i}",
        )
    return artists


def make_layer_diagnostics(
    history: pd.DataFrame, *, x: str = "epoch", title: str | None = None
) -> Figure:
    """Per-layer dead-unit fraction, saturation, gradient norm, update/weight ratio and
    weight norm by epoch (those the history has).

    One panel per quantity with one line per dense layer; the gradient norm and the
    update ratio on log axes, since they span orders of magnitude.

    Raises
    ------
    RunError
        When the history has no ``layer{i}_*`` columns.
    """
    check_history(history)
    columns = layer_columns(history)
    for quantity in ("dead_fraction", "saturation", "update_ratio"):
        cols = list(columns.get(quantity, {}).values())
        if cols and history[cols].isna().all().all():
            del columns[quantity]  # no validation split or no sampled step: not counted
    if not columns:
        raise RunError(
            "this run has no per-layer columns (layer{i}_dead_fraction, "
            "layer{i}_grad_norm, layer{i}_weight_norm) to plot."
        )
    quantities = [q for q in QUANTITIES if q in columns]
    rows = 1 if len(quantities) <= 3 else 2  # four or five panels: two rows, not one
    fig, axes = panels(-(-len(quantities) // rows), legend_outside=True, rows=rows)
    for spare in axes[len(quantities) :]:
        spare.remove()
    axes = axes[: len(quantities)]
    for ax, quantity in zip(axes, quantities, strict=True):
        plot_layers(ax, history, quantity, x=x)
        decorate(ax, quantity, x, quantity in LOG_AXIS, None)
        if quantity in ("dead_fraction", "saturation"):
            ax.set_ylim(-3, 103)
    layers = sorted({i for cols in columns.values() for i in cols})
    figure_legend(fig, color_handles(color_map(f"layer {i}" for i in layers)))
    fig.suptitle(title or "Per-layer diagnostics")
    return fig


def draw_run(run: RunFigureInput) -> Figure:
    """The ``layers`` plot kind: one run's per-layer diagnostics."""
    return make_layer_diagnostics(
        run.history, title=f"{run.name}: per-layer diagnostics"
    )
