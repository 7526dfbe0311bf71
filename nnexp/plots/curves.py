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
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from nnexp.errors import RunError
from nnexp.plots.base import (
    RAW_ALPHA,
    SPLIT_NAME,
    SPLIT_STYLE,
    color_map,
    finite_or_nan,
    metric_range,
    metric_scale,
)
from nnexp.plots.panels import (
    POINT_FACE,
    POINT_MARKER,
    color_handles,
    decorate,
    figure_legend,
    log_scale,
    panels,
    style_handles,
)
from nnexp.plots.run_input import RunFigureInput
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
        artists += _draw_series(ax, xs, ys, color, split, name, smooth)
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
    log: bool = False,
) -> list[Artist]:
    """Draw a group's mean ``metric`` per epoch, with a ± std band over its runs.

    The band (a ``PolyCollection``) is drawn only when the group has at least two
    runs, and only at epochs where two or more runs have a finite value.  The std is
    the sample standard deviation (ddof=1).  Statistics are taken in the space of the
    axis: for a log axis (``log=True``) those of log10 of the values, so the line is
    the geometric mean and the band spans mean ×/÷ 10^std (it stays positive);
    either way the band is clipped to the values the metric can take (0–100 % for
    accuracies, ≥ 0 for losses and errors).  Diverged members count up to their last
    finite epoch and get a × there.  Other parameters as in :func:`plot_metric`.

    Returns
    -------
    list of Artist
        Mean lines, bands and markers.
    """
    columns = metric_columns(histories[0], metric, label or "group")
    members = [_Member.of(h) for h in histories]
    return _draw_group(
        ax, members, metric, columns, x=x, color=color, label=label, smooth=smooth,
        log=log,
    )  # fmt: skip


@dataclass(frozen=True)
class _Member:
    """A run of a group as its curves use it: the history, whether it diverged and
    its trusted rows (:func:`trusted_rows`), found once per figure."""

    history: pd.DataFrame
    diverged: bool
    rows: pd.DataFrame

    @classmethod
    def of(cls, history: pd.DataFrame) -> _Member:
        return cls(history, is_diverged(history), trusted_rows(history))


def _draw_group(
    ax: Axes,
    members: Sequence[_Member],
    metric: str,
    columns: Mapping[str, str],
    *,
    x: str,
    color: str,
    label: str | None,
    smooth: int,
    log: bool,
) -> list[Artist]:
    """:func:`plot_group` of ``members``, drawing ``columns`` (split → column)."""
    diverged = [m.diverged for m in members]
    histories = [m.rows for m in members]
    factor = metric_scale(metric)
    artists: list[Artist] = []
    for split, column in columns.items():
        stats = aggregate(histories, column, x, log=log)
        xs = stats["x"].to_numpy()
        centre = stats["mean"].to_numpy()
        mean = (_exp10(centre) if log else centre) * factor
        artists += _draw_series(
            ax, xs, mean, color, split, _series_label(label, split), smooth
        )
        if len(histories) >= 2:
            values = [h[column].to_numpy() for h in histories if column in h.columns]
            bounds = metric_range(metric, np.concatenate(values))
            artists.append(_band(ax, xs, stats, log, smooth, bounds, factor, color))
        for history, bad in zip(histories, diverged, strict=True):
            if bad and column in history.columns:
                ys = finite_or_nan(history[column]) * factor
                artists += _mark_end(ax, x_values(history, x), ys, color)
    return artists


def _exp10(values: np.ndarray) -> np.ndarray:
    """10 ** values, within the float range (a log10 band of a loss near 1e308 would
    otherwise overflow)."""
    return 10.0 ** np.clip(values, -307.0, 307.0)


def _band(
    ax: Axes,
    xs: np.ndarray,
    stats: pd.DataFrame,
    log: bool,
    smooth: int,
    bounds: tuple[float, float],
    factor: float,
    color: str,
) -> Artist:
    """mean ± std from :func:`aggregate`'s ``stats`` (of log10 when ``log``) clipped
    to ``bounds`` (stored units), drawn in display units (× ``factor``)."""
    mid = moving_average(stats["mean"].to_numpy(), smooth)
    half = moving_average(stats["std"].to_numpy(), smooth)
    low, high = mid - half, mid + half
    if log:
        low, high = _exp10(low), _exp10(high)
    low, high = np.clip(low, *bounds) * factor, np.clip(high, *bounds) * factor
    if len(xs) == 1:  # one epoch: a band of no width would not show, a bar does
        ax.vlines(xs, low, high, color=color, alpha=2 * BAND_ALPHA, linewidth=8)
    return ax.fill_between(
        xs,
        low,
        high,
        where=(stats["n"] >= 2).to_numpy(),
        color=color,
        alpha=BAND_ALPHA,
        linewidth=0,
    )


def _series_label(label: str | None, split: str) -> str:
    if not split:
        return label or "run"
    return f"{label} ({SPLIT_NAME[split]})" if label else SPLIT_NAME[split]


def _draw_series(
    ax: Axes,
    xs: np.ndarray,
    ys: np.ndarray,
    color: str,
    split: str,
    label: str,
    smooth: int,
) -> list[Artist]:
    """The curve, smoothed over ``smooth`` epochs with the raw one faint beneath."""
    style = SPLIT_STYLE.get(split, "-")
    # a run of one epoch is one point: a line alone would draw nothing.  Validation ●,
    # train ○; never ×, which marks a diverged run
    point: dict[str, object] = {}
    if np.isfinite(ys).sum() < 2:
        point = dict(marker=POINT_MARKER, markerfacecolor=POINT_FACE[split])
    if smooth == 1:
        return ax.plot(
            xs, ys, linestyle=style, color=color, linewidth=1.8, label=label,
            markersize=6, **point,
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
        markersize=6, **point,
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
        handles = style_handles(splits, is_diverged(history), _one_point([history]))
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
    points = _one_point(h for _, h in pairs)
    figure_legend(fig, color_handles(colors) + style_handles(splits, diverged, points))
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
    facets: Sequence[str] | None = None,
    note: str | None = None,
) -> Figure:
    """Runs grouped by label: per group the mean curve and a ± std band.

    ``runs`` is a sequence of ``(group label, history)``; runs sharing a label form a
    group (e.g. the seeds of one sweep cell).  A group keeps its colour in every
    panel; a band is drawn only for groups of two or more runs, in the space of the
    axis (see :func:`plot_group`).  ``facets`` gives each run a row of panels (e.g.
    ``"lr=0.05"``: the settings the grouping leaves varying), so that only runs of
    one row share a band; ``note`` (e.g. which settings a band pools) is added under
    the title.  Other parameters as in :func:`make_learning_curves`.
    """
    pairs = _pairs(runs)
    rows = list(facets) if facets is not None else [""] * len(pairs)
    if len(rows) != len(pairs):
        raise ValueError(f"{len(rows)} facets for {len(pairs)} runs")
    members = [_Member.of(history) for _, history in pairs]
    groups: dict[tuple[str, str], list[_Member]] = {}
    for row, (label, _), member in zip(rows, pairs, members, strict=True):
        groups.setdefault((row, label), []).append(member)
    metrics = list(metrics or default_metrics(pairs[0][1]))
    colors = color_map(label for label, _ in pairs)
    facet_rows = list(dict.fromkeys(rows))
    fig, axes = panels(len(metrics), legend_outside=True, rows=len(facet_rows))
    splits: set[str] = set()
    for i, metric in enumerate(metrics):
        use_log = log_scale(metric, log, _values(members, metric))
        for r, row in enumerate(facet_rows):
            ax = axes[r * len(metrics) + i]
            for (facet, label), group in groups.items():
                if facet != row:
                    continue
                found = [
                    metric_columns(m.history, metric, f"run of group '{label}'")
                    for m in group
                ]
                splits |= {split for columns in found for split in columns}
                _draw_group(
                    ax, group, metric, found[0], x=x, color=colors[label],
                    label=label, smooth=smooth, log=use_log,
                )  # fmt: skip
            decorate(ax, metric, x, use_log, loss_name)
            if row:
                ax.set_title(f"{ax.get_title()}: {row}")
    handles = color_handles(_counted(groups, colors))
    handles += style_handles(
        splits,
        any(m.diverged for m in members),
        any(len(m.rows) < 2 for m in members),
    )
    if any(len(v) >= 2 for v in groups.values()):
        log_axes = any(ax.get_yscale() == "log" for ax in axes)
        handles.append(_band_handle(log_axes))
    figure_legend(fig, handles)
    heading = title or "Learning curves: mean ± std per group"
    fig.suptitle(f"{heading}\n{note}" if note else heading)
    return fig


def _values(members: Sequence[_Member], metric: str) -> np.ndarray:
    """Every finite value of ``metric`` (both splits) over the runs' trusted rows."""
    chunks = [
        finite_or_nan(m.rows[column])
        for m in members
        for column in metric_columns(m.history, metric).values()
    ]
    return np.concatenate(chunks) if chunks else np.empty(0)


def _counted(
    groups: Mapping[tuple[str, str], Sequence[object]], colors: Mapping[str, str]
) -> dict[str, str]:
    """Legend labels with the runs per band: ``relu (n=3)``, ``relu (n=2–3)``."""
    sizes: dict[str, set[int]] = {}
    for (_, label), runs in groups.items():
        sizes.setdefault(label, set()).add(len(runs))
    out = {}
    for label, n in sizes.items():
        text = str(min(n)) if len(n) == 1 else f"{min(n)}–{max(n)}"
        out[f"{label} (n={text})"] = colors[label]
    return out


def _band_handle(log_axes: bool) -> Patch:
    """The legend entry of a band: which spread it shows, and on log axes of what."""
    text = "± 1 std over the runs" + (" (of log10 on log axes)" if log_axes else "")
    return Patch(facecolor="0.5", alpha=BAND_ALPHA * 2, label=text)


def _one_point(histories: Iterable[pd.DataFrame]) -> bool:
    """True when some run's curves are a single point (one trusted epoch)."""
    return any(len(trusted_rows(h)) < 2 for h in histories)


def draw_run(run: RunFigureInput) -> Figure:
    """The ``curves`` plot kind: one run's learning curves."""
    return make_learning_curves(
        run.history, title=f"{run.name}: learning curves", loss_name=run.loss_name
    )
