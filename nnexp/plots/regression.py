"""1-D regression: the data, the network's fit and the log10 of its error.

This is the course's sin/cos figure (docs/maths.md §7, E2): above, each output's data points
and the prediction; below, ``log10 |prediction − target|``, which shows whether a run
converged to a few digits or to near machine precision.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from nnexp.errors import RunError
from nnexp.plots.base import color_map, new_figure
from nnexp.plots.run_input import RunFigureInput

#: At most this many data markers per output, so the fitted line stays visible.
MAX_MARKERS = 120


def _columns(x: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray):
    """Sorted ``x`` (n,) and targets and predictions as (n, outputs)."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise RunError(
            f"the fit plot needs one input feature, got inputs of shape {x.shape}."
        )
    y_true = np.asarray(y_true, dtype=float).reshape(len(x), -1)
    y_pred = np.asarray(y_pred, dtype=float).reshape(len(x), -1)
    if y_true.shape != y_pred.shape:
        raise RunError(f"targets {y_true.shape} and predictions {y_pred.shape} differ.")
    order = np.argsort(x, kind="stable")
    return x[order], y_true[order], y_pred[order]


def _names(count: int, names: Sequence[str] | None) -> list[str]:
    return (
        [str(n) for n in names]
        if names is not None
        else [f"y{k + 1}" for k in range(count)]
    )


def log10_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``log10 |y_pred − y_true|`` elementwise; NaN where the error is exactly 0."""
    err = np.abs(np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float))
    out = np.full(err.shape, np.nan)
    np.log10(err, out=out, where=err > 0)  # log10(0) = -inf would warn and not draw
    return out


def plot_fit(
    ax: Axes,
    x: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    names: Sequence[str] | None = None,
) -> list[Artist]:
    """Data points (open circles) and prediction (line) per output, one colour each.

    Parameters
    ----------
    ax : Axes
    x : (n,) or (n, 1)
    y_true, y_pred : (n,) or (n, outputs)
    names : sequence of str, optional
        Output names for the legend (default ``y1``, ``y2``, …).

    Returns
    -------
    list of Artist
        Per output: the data markers, then the prediction line.
    """
    x, y_true, y_pred = _columns(x, y_true, y_pred)
    labels = _names(y_true.shape[1], names)
    colors = color_map(labels)
    every = max(1, len(x) // MAX_MARKERS)
    artists: list[Artist] = []
    for k, label in enumerate(labels):
        artists += ax.plot(
            x,
            y_true[:, k],
            linestyle="none",
            marker="o",
            markersize=4,
            markerfacecolor="none",
            markevery=every,
            alpha=0.7,
            color=colors[label],
            label=f"{label}: data",
        )
        artists += ax.plot(
            x,
            y_pred[:, k],
            color=colors[label],
            linewidth=1.8,
            label=f"{label}: network",
        )
    return artists


def plot_log_error(
    ax: Axes,
    x: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    names: Sequence[str] | None = None,
) -> list[Artist]:
    """``log10 |error|`` against ``x``, one line per output (see :func:`plot_fit`)."""
    x, y_true, y_pred = _columns(x, y_true, y_pred)
    labels = _names(y_true.shape[1], names)
    colors = color_map(labels)
    errors = log10_error(y_true, y_pred)
    return [
        line
        for k, label in enumerate(labels)
        for line in ax.plot(
            x,
            errors[:, k],
            color=colors[label],
            linewidth=1.2,
            label=f"{label}: log10 |error|",
        )
    ]


def make_fit(
    x: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    names: Sequence[str] | None = None,
    x_label: str = "x",
    title: str | None = None,
) -> Figure:
    """The fit above and ``log10 |error|`` below, sharing the x axis.

    Parameters as in :func:`plot_fit`; ``x_label`` names the input.
    """
    fig = new_figure(8.5, 6.5)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    plot_fit(top, x, y_true, y_pred, names=names)
    top.set_ylabel("output")
    top.set_title("Data and network prediction")
    top.grid(True, alpha=0.3)
    lines = plot_log_error(bottom, x, y_true, y_pred, names=names)
    bottom.set_xlabel(x_label)
    bottom.set_ylabel("log10 |error|")
    bottom.set_title("Absolute error (log10)")
    bottom.grid(True, alpha=0.3)
    # One legend for both panels, outside them: colours are outputs, styles kinds.
    outputs = [
        Line2D(
            [],
            [],
            color=line.get_color(),
            linewidth=3,
            label=line.get_label().split(":")[0],
        )
        for line in lines
    ]
    kinds = [
        Line2D(
            [],
            [],
            color="0.3",
            linestyle="none",
            marker="o",
            markerfacecolor="none",
            label="data",
        ),
        Line2D([], [], color="0.3", linewidth=1.8, label="network"),
    ]
    fig.legend(handles=outputs + kinds, loc="outside right upper", frameon=False)
    fig.suptitle(title or "1-D regression fit")
    return fig


def draw_run(run: RunFigureInput) -> Figure:
    """The ``fit`` plot kind: a 1-D regression's fit, inputs in increasing order."""
    x = run.split.x
    order = np.argsort(x[:, 0])
    return make_fit(
        x[order, 0],
        run.split.y[order],
        run.predictions[order],
        title=f"{run.name}: fit on the {run.split_name} set",
    )
