"""Learning curves: one run, many runs overlaid, groups with mean ± std bands.

Every curve follows one convention: the train split dashed, the validation split
solid, both in the run's (or group's) colour; accuracy and dead fractions in percent.
A run whose last loss is not finite has *diverged*: its curves end at their last
finite point, marked with ×.  Histories are DataFrames with the trainer's columns
(see :mod:`nnexp.plots.series`); runs come as ``(label, history)`` pairs, the labels
chosen by the caller (e.g. ``"activation=tanh"``).  The per-layer diagnostics
figure is in :mod:`nnexp.plots.layers`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnexp.errors import RunError
from nnexp.plots.base import (
    RAW_ALPHA,
    SPLIT_NAME,
    SPLIT_STYLE,
    color_map,
    finite_or_nan,
    metric_scale,
)
from nnexp.plots.panels import (
    color_handles,
    decorate,
    figure_legend,
    panels,
    style_handles,
)
from nnexp.plots.series import (
    aggregate,
    check_history,
    default_metrics,
    is_diverged,
    last_finite,
    metric_columns,
    moving_average,
    trusted_rows,
    x_values,
)

Runs = Mapping[str, pd.DataFrame] | Iterable[tuple[str, pd.DataFrame]]
BAND_ALPHA = 0.18


def plot_metric(
    ax: Axes,
    history: pd.DataFrame,
    metric: str,
    *,
    x: str = "epoch",
    color: str = "C0",
    label: str | None = None,
    smooth: int = 1,
) -> list[Artist]:
    """Draw one run's ``metric`` on ``ax``: train dashed, validation solid.

    Parameters
    ----------
    ax : Axes
    history : DataFrame
        One row per epoch (the trainer's columns).
    metric : str
        ``"loss"``, ``"accuracy"``, ``"mse"``, ``"max_abs_error"`` or a column name.
    x : {"epoch", "time"}
        Epoch number or cumulative ``seconds``.
    color : str
        Colour of both splits.
    label : str, optional
        Run label; lines are labelled ``"<label> (train)"`` etc.
    smooth : int
        Moving-average window in epochs; above 1 the raw curve stays, faint.

    Returns
    -------
    list of Artist
        The lines drawn, raw ones (label starting ``_raw``) and × markers included.
        A diverged run is drawn up to its last epoch with finite losses, marked ×.
    """
    diverged = is_diverged(history)
    columns = metric_columns(history, metric, label or "run")
    history = trusted_rows(history)
    xs = x_values(history, x)
    factor = metric_scale(metric)
    artists: list[Artist] = []
    for split, column in columns.items():
        ys = finite_or_nan(history[column]) * factor
        name = _series_label(label, split)
        style = SPLIT_STYLE.get(split, "-")
        artists += _draw_series(ax, xs, ys, color, style, name, smooth)
        if diverged:
            artists += _mark_end(ax, xs, ys, color)
    return artists


def plot_group(
    ax: Axes,
    histories: Sequence[pd.DataFrame],
    metric: str,
    *,
    x: str = "epoch",
    color: str = "C0",
    label: str | None = None,
    smooth: int = 1,
) -> list[Artist]:
    """Draw a group's mean ``metric`` per epoch, with a ± std band over its runs.

    The band (a ``PolyCollection``) is drawn only when the group has at least two
    runs, and only at epochs where two or more runs have a finite value.  The std is
    the sample standard deviation (ddof=1).  Diverged members count up to their last
    finite epoch and get a × there.  Parameters as in :func:`plot_metric`.

    Returns
    -------
    list of Artist
        Mean lines, bands and markers.
    """
    columns = metric_columns(histories[0], metric, label or "group")
    diverged = [is_diverged(h) for h in histories]
    histories = [trusted_rows(h) for h in histories]
    factor = metric_scale(metric)
    artists: list[Artist] = []
    for split, column in columns.items():
        stats = aggregate(histories, column, x)
        xs = stats["x"].to_numpy()
        mean = stats["mean"].to_numpy() * factor
        style = SPLIT_STYLE.get(split, "-")
        artists += _draw_series(
            ax, xs, mean, color, style, _series_label(label, split), smooth
        )
        if len(histories) >= 2:
            std = moving_average(stats["std"].to_numpy() * factor, smooth)
            mid = moving_average(mean, smooth)
            artists.append(
                ax.fill_between(
                    xs,
                    mid - std,
                    mid + std,
                    where=(stats["n"] >= 2).to_numpy(),
                    color=color,
                    alpha=BAND_ALPHA,
                    linewidth=0,
                )
            )
        for history, bad in zip(histories, diverged, strict=True):
            if bad and column in history.columns:
                ys = finite_or_nan(history[column]) * factor
                artists += _mark_end(ax, x_values(history, x), ys, color)
    return artists


def _series_label(label: str | None, split: str) -> str:
    if not split:
        return label or "run"
    return f"{label} ({SPLIT_NAME[split]})" if label else SPLIT_NAME[split]


def _draw_series(
    ax: Axes,
    xs: np.ndarray,
    ys: np.ndarray,
    color: str,
    style: str,
    label: str,
    smooth: int,
) -> list[Artist]:
    """The curve, smoothed over ``smooth`` epochs with the raw one faint beneath."""
    # a run of one epoch is one point: a line alone would draw nothing
    marker = None
    if np.isfinite(ys).sum() < 2:
        marker = "o" if style == "-" else "x"  # validation ●, train ×
    if smooth == 1:
        return ax.plot(
            xs, ys, linestyle=style, color=color, linewidth=1.8, label=label,
            marker=marker, markersize=5,
        )  # fmt: skip
    raw = ax.plot(
        xs,
        ys,
        linestyle=style,
        color=color,
        linewidth=1.0,
        alpha=RAW_ALPHA,
        label=f"_raw {label}",
    )
    smoothed = moving_average(ys, smooth)
    return raw + ax.plot(
        xs, smoothed, linestyle=style, color=color, linewidth=1.8, label=label,
        marker=marker, markersize=5,
    )  # fmt: skip


def _mark_end(ax: Axes, xs: np.ndarray, ys: np.ndarray, color: str) -> list[Artist]:
    """A × at the last finite point of a diverged run's curve."""
    idx = last_finite(ys)
    if idx is None:
        return []
    return ax.plot(
        [xs[idx]],
        [ys[idx]],
        linestyle="none",
        marker="x",
        markersize=10,
        markeredgewidth=2.2,
        color=color,
        label="_diverged",
        zorder=5,
    )


def _pairs(runs: Runs) -> list[tuple[str, pd.DataFrame]]:
    pairs = list(runs.items()) if isinstance(runs, Mapping) else list(runs)
    if not pairs:
        raise RunError("no runs to plot: give at least one run folder or sweep.")
    for label, history in pairs:
        check_history(history, f"run '{label}'")
    return pairs


def make_learning_curves(
    history: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    x: str = "epoch",
    log: bool | None = None,
    smooth: int = 1,
    title: str | None = None,
    loss_name: str | None = None,
) -> Figure:
    """The learning curves of one run: one panel per metric, train vs validation.

    Parameters
    ----------
    history : DataFrame
        One row per epoch.
    metrics : sequence of str, optional
        Panels; default loss and accuracy (classification) or loss and mse.
    x : {"epoch", "time"}
    log : bool or None
        Logarithmic y axis on the panels that are not percentages; None (default)
        chooses it where the positive values span more than three decades (a
        diverged run), False forces linear axes.
    smooth : int
        Moving-average window in epochs (1: none).
    title : str, optional
        Figure title; default ``"Learning curves"``.
    loss_name : str, optional
        Shown in the loss axis label, e.g. ``"mse"`` gives ``"loss (mse)"``.
    """
    check_history(history)
    metrics = list(metrics or default_metrics(history))
    fig, axes = panels(len(metrics), legend_outside=False)
    for ax, metric in zip(axes, metrics, strict=True):
        plot_metric(ax, history, metric, x=x, smooth=smooth)
        decorate(ax, metric, x, log, loss_name)
        splits = metric_columns(history, metric)
        handles = style_handles(splits, is_diverged(history))
        if handles:
            ax.legend(handles=handles, loc="best", fontsize="small")
    fig.suptitle(title or "Learning curves")
    return fig


def make_overlay(
    runs: Runs,
    *,
    metrics: Sequence[str] | None = None,
    x: str = "epoch",
    log: bool | None = None,
    smooth: int = 1,
    title: str | None = None,
    loss_name: str | None = None,
) -> Figure:
    """Learning curves of many runs overlaid, one colour per run.

    ``runs`` maps labels to histories (or is a sequence of ``(label, history)``);
    the legend, outside the panels, shows the labels and the split styles.  Every
    run must have every metric shown (runs of different tasks cannot share a panel).
    Other parameters as in :func:`make_learning_curves`.
    """
    pairs = _pairs(runs)
    metrics = list(metrics or default_metrics(pairs[0][1]))
    colors = color_map(label for label, _ in pairs)
    fig, axes = panels(len(metrics), legend_outside=True)
    splits: set[str] = set()
    for ax, metric in zip(axes, metrics, strict=True):
        for label, history in pairs:
            splits |= set(metric_columns(history, metric, f"run '{label}'"))
            plot_metric(
                ax,
                history,
                metric,
                x=x,
                color=colors[label],
                label=label,
                smooth=smooth,
            )
        decorate(ax, metric, x, log, loss_name)
    diverged = any(is_diverged(h) for _, h in pairs)
    figure_legend(fig, color_handles(colors) + style_handles(splits, diverged))
    fig.suptitle(title or f"Learning curves ({len(pairs)} runs)")
    return fig


def make_grouped_curves(
    runs: Iterable[tuple[str, pd.DataFrame]],
    *,
    metrics: Sequence[str] | None = None,
    x: str = "epoch",
    log: bool | None = None,
    smooth: int = 1,
    title: str | None = None,
    loss_name: str | None = None,
) -> Figure:
    """Runs grouped by label: per group the mean curve and a ± std band.

    ``runs`` is a sequence of ``(group label, history)``; runs sharing a label form a
    group (e.g. the seeds of one sweep cell).  A group keeps its colour in every
    panel; a band is drawn only for groups of two or more runs.  Other parameters as
    in :func:`make_learning_curves`.
    """
    pairs = _pairs(runs)
    groups: dict[str, list[pd.DataFrame]] = {}
    for label, history in pairs:
        groups.setdefault(label, []).append(history)
    metrics = list(metrics or default_metrics(pairs[0][1]))
    colors = color_map(groups)
    fig, axes = panels(len(metrics), legend_outside=True)
    splits: set[str] = set()
    for ax, metric in zip(axes, metrics, strict=True):
        for label, histories in groups.items():
            for h in histories:
                splits |= set(metric_columns(h, metric, f"run of group '{label}'"))
            plot_group(
                ax,
                histories,
                metric,
                x=x,
                color=colors[label],
                label=label,
                smooth=smooth,
            )
        decorate(ax, metric, x, log, loss_name)
    counted = {f"{k} (n={len(v)})": colors[k] for k, v in groups.items()}
    diverged = any(is_diverged(h) for _, h in pairs)
    figure_legend(fig, color_handles(counted) + style_handles(splits, diverged))
    fig.suptitle(title or "Learning curves: mean ± std per group")
    return fig
