"""Per-layer diagnostics by epoch: dead-unit fraction, gradient norm, weight norm.

The trainer records ``layer{i}_dead_fraction`` (units whose activation derivative is
zero for every sample: dying ReLUs), ``layer{i}_grad_norm`` and
``layer{i}_weight_norm`` for each dense layer i = 1..L.
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

_LAYER_RE = re.compile(r"^layer(\d+)_(weight_norm|grad_norm|dead_fraction)$")


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
    """Per-layer dead-unit fraction, gradient norm and weight norm by epoch.

    Three panels with one line per dense layer; the gradient norm on a log axis, since
    vanishing or exploding gradients span orders of magnitude.

    Raises
    ------
    RunError
        When the history has no ``layer{i}_*`` columns.
    """
    check_history(history)
    columns = layer_columns(history)
    dead = list(columns.get("dead_fraction", {}).values())
    if dead and history[dead].isna().all().all():
        del columns["dead_fraction"]  # no validation split: nothing was counted
    if not columns:
        raise RunError(
            "this run has no per-layer columns (layer{i}_dead_fraction, "
            "layer{i}_grad_norm, layer{i}_weight_norm) to plot."
        )
    quantities = [
        q for q in ("dead_fraction", "grad_norm", "weight_norm") if q in columns
    ]
    fig, axes = panels(len(quantities), legend_outside=True)
    for ax, quantity in zip(axes, quantities, strict=True):
        plot_layers(ax, history, quantity, x=x)
        decorate(ax, quantity, x, quantity == "grad_norm", None)
    if "dead_fraction" in columns:
        axes[0].set_ylim(-3, 103)
    layers = sorted({i for cols in columns.values() for i in cols})
    figure_legend(fig, color_handles(color_map(f"layer {i}" for i in layers)))
    fig.suptitle(title or "Per-layer diagnostics")
    return fig


def draw_run(run: RunFigureInput) -> Figure:
    """The ``layers`` plot kind: one run's per-layer diagnostics."""
    return make_layer_diagnostics(
        run.history, title=f"{run.name}: per-layer diagnostics"
    )
