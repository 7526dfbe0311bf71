"""Panel furniture shared by the curve figures: layout, labels, scales, legends."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from nnexp.plots.base import (
    SPLIT_NAME,
    SPLIT_STYLE,
    is_error_metric,
    metric_label,
    metric_scale,
    new_figure,
)
from nnexp.plots.series import X_LABELS

#: Marker of a curve of one point (a one-epoch run), per split: validation filled,
#: train hollow.  Never ×, which marks a diverged run.
POINT_MARKER = "o"
POINT_FACE: dict[str, str | None] = {"train": "none", "val": None, "": None}


def style_handles(
    splits: Iterable[str], diverged: bool = False, points: bool = False
) -> list[Line2D]:
    """Legend entries explaining the styles: train dashed, validation solid, ×.

    ``points``: some curve is a single point (a one-epoch run), so the entries show
    its marker too (● validation, ○ train).
    """
    handles = [
        Line2D(
            [],
            [],
            color="0.3",
            linestyle=SPLIT_STYLE[s],
            label=SPLIT_NAME[s],
            marker=POINT_MARKER if points else None,
            markerfacecolor=POINT_FACE[s],
        )  # fmt: skip
        for s in ("train", "val")
        if s in splits
    ]
    if diverged:
        handles.append(
            Line2D(
                [],
                [],
                color="0.3",
                linestyle="none",
                marker="x",
                markeredgewidth=2,
                label="diverged",
            )
        )
    return handles


def color_handles(colors: Mapping[str, str], limit: int = 20) -> list[Line2D]:
    """One legend entry per run or group, in its colour.

    Beyond ``limit`` entries the rest are summed up as ``"… and N more"``: a legend
    of hundreds of runs would take the whole figure and tell nothing.
    """
    items = list(colors.items())
    shown = items if len(items) <= limit else items[: limit - 1]
    handles = [Line2D([], [], color=c, linewidth=3, label=str(k)) for k, c in shown]
    if len(shown) < len(items):
        handles.append(
            Line2D(
                [], [], linestyle="none", label=f"… and {len(items) - len(shown)} more"
            )
        )
    return handles


def panels(n: int, *, legend_outside: bool, rows: int = 1) -> tuple[Figure, list[Axes]]:
    """``rows`` rows of ``n`` panels (row by row), wider when the legend goes outside
    on the right."""
    width = 4.8 * n + (2.4 if legend_outside else 0.4)
    fig = new_figure(width, 4.0 if rows == 1 else 3.4 * rows + 0.6)
    axes = fig.subplots(rows, n, squeeze=False)
    return fig, list(axes.ravel())


def decorate(
    ax: Axes, metric: str, x: str, log: bool | None, loss_name: str | None
) -> None:
    """Axis labels with units, a title, a grid and the y scale of a metric panel.

    ``log``: True for a log axis, False for linear, None to choose as
    :func:`log_scale` does from the values drawn.
    """
    ax.set_xlabel(X_LABELS[x])
    if x == "epoch":  # whole epochs only: a 2-epoch run has no epoch 1.5
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        lo, hi = ax.dataLim.intervalx
        if np.isfinite(lo) and hi - lo < 1:  # one epoch: give the point some room
            ax.set_xlim(lo - 0.5, hi + 0.5)
    ax.set_ylabel(metric_label(metric, loss_name))
    heading = metric_label(metric).split(" (")[0]
    ax.set_title(heading[:1].upper() + heading[1:])
    ax.grid(True, alpha=0.3)
    ys = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]
    values = np.concatenate(ys) if ys else np.empty(0)
    # (a forced log axis of lines with no positive value stays linear: matplotlib
    # would warn that it cannot log-scale them)
    if log_scale(metric, log, values) and bool((values > 0).any()):
        ax.set_yscale("log")
        log_limits(ax, values)


#: a log axis spans at most 1e-150 … 1e150 (and a margin): matplotlib's ticks overflow
#: past 1e308 when a diverged run's loss of 1e266 sets the range, and a value that
#: large only says that the run blew up (its curve leaves the top of the panel)
LOG_RANGE = 1e150


def log_limits(ax: Axes, values: np.ndarray) -> None:
    """The y range of a log panel: its positive finite ``values`` within
    :data:`LOG_RANGE`, with a margin of 5 % of the decades either side (zeros, which a
    log axis cannot show, fall off the bottom)."""
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return
    lo = float(np.clip(values.min(), 1 / LOG_RANGE, LOG_RANGE))
    hi = float(np.clip(values.max(), 1 / LOG_RANGE, LOG_RANGE))
    pad = (hi / lo) ** 0.05 if hi > lo else 2.0
    ax.set_ylim(lo / pad, hi * pad)


def log_scale(metric: str, log: bool | None, values: np.ndarray) -> bool:
    """Whether the panel of ``metric`` gets a log y axis.

    Percentages never do; otherwise ``log`` decides, and when it is None the finite
    ``values`` do: none negative, and the positive ones spanning more than three
    decades (a diverged run's loss can grow a thousandfold, and on a linear axis every
    other run would lie flat on zero) or those of a regression error (mse, max
    |error|), which falls by orders of magnitude.  Exact zeros (a run that fits its
    data exactly, as E1's logic gates do) do not force a linear axis, where every
    curve near machine precision would lie flat on zero: they fall off the bottom.
    """
    if metric_scale(metric) != 1.0:
        return False
    if log is not None:
        return log
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not values.size or values.min() < 0:
        return False
    positive = values[values > 0]
    if not positive.size:
        return False
    return is_error_metric(metric) or bool(positive.max() > 1e3 * positive.min())


def figure_legend(fig: Figure, handles: list[Line2D]) -> None:
    """A legend outside the panels, so it can never hide a curve: on the right for a
    few short entries, below the panels in columns for many or long ones (a legend of
    27 runs on the right would squeeze the panels to nothing), the figure widened
    where the legend would be wider than it."""
    labels = [str(h.get_label()) for h in handles]
    longest = max((len(label) for label in labels), default=0)
    if len(handles) <= 10 and longest <= 45:
        # about four entries per inch of height fit; more go into further columns
        per_column = max(8, int(4 * fig.get_figheight()))
        ncols = max(1, math.ceil(len(handles) / per_column))
        fig.legend(
            handles=handles, loc="outside right upper", ncols=ncols,
            fontsize="small", frameon=False,
        )  # fmt: skip
        return
    # "small" text is about 5.5 points a character; one column per fitting width
    ncols = max(1, int(fig.get_figwidth() * 72 / (5.5 * longest + 40)))
    rows = math.ceil(len(handles) / ncols)
    fig.set_figheight(fig.get_figheight() + 0.2 * rows + 0.3)
    legend = fig.legend(
        handles=handles, loc="outside lower center", ncols=ncols,
        fontsize="small", frameon=False,
    )  # fmt: skip
    # a label longer than the figure is wide (runs differing in many settings next
    # to one narrow panel) would be clipped on both sides: widen the figure to it
    width = legend.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi
    if width + 0.3 > fig.get_figwidth():
        fig.set_figwidth(width + 0.3)
