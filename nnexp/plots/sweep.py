"""Sweep summaries: a heatmap for a 2-D grid, mean ± std per value for a 1-D one.

``cells`` is a DataFrame with one row per run (``results.csv``): a column per varying
key (full dotted names such as ``model.activation``), optionally ``seed``, and metric
columns such as ``final_val_accuracy``.  Rows sharing the key values are replicates
(seeds); their metric is summarised by mean, sample std (ddof=1) and count.  A
non-finite metric (a diverged run) is left out of the statistics and the count says
so: ``2/3`` finite runs.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnexp.errors import RunError
from nnexp.plots.base import (
    color_map,
    finite_or_nan,
    metric_label,
    metric_scale,
    new_figure,
)


def summarize_cells(
    cells: pd.DataFrame, keys: Sequence[str], metric: str
) -> pd.DataFrame:
    """Mean, std, finite count and total count of ``metric`` per combination of keys.

    Groups keep the order in which they first appear (the grid's order), values are
    in display units (percent for accuracies).

    Returns
    -------
    DataFrame
        Columns ``*keys, mean, std, n, total``.
    """
    missing = [c for c in (*keys, metric) if c not in cells.columns]
    if missing:
        raise RunError(
            f"the sweep results have no column {', '.join(map(repr, missing))}; "
            f"columns: {', '.join(map(str, cells.columns))}."
        )
    frame = pd.DataFrame({k: cells[k].map(_hashable) for k in keys})
    frame["y"] = finite_or_nan(cells[metric]) * metric_scale(metric)
    grouped = frame.groupby(list(keys), sort=False, dropna=False)["y"]
    summary = grouped.agg(mean="mean", std="std", n="count", total="size")
    return summary.reset_index()


def _hashable(value: object) -> Hashable:
    # Lists such as model.layers = [784, 32, 10] label a cell by their text.
    return value if isinstance(value, Hashable) else str(value)


def _formats(metric: str) -> tuple[str, str]:
    """Formats of a mean and its std: percentages to 0.1, else 3 and 2 digits."""
    return (".1f", ".1f") if metric_scale(metric) == 100.0 else (".3g", ".2g")


def _cell_text(
    mean: float, std: float, n: int, total: int, formats: tuple[str, str]
) -> str:
    if np.isnan(mean):
        return f"no finite run\n(0/{total})"
    text = f"{mean:{formats[0]}}" + (
        f"\n± {std:{formats[1]}}" if np.isfinite(std) else ""
    )
    return text + (f"\n({n}/{total} finite)" if n < total else "")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def plot_heatmap(
    ax: Axes,
    cells: pd.DataFrame,
    row_key: str,
    col_key: str,
    metric: str,
    *,
    cmap: str = "viridis",
) -> list[Artist]:
    """Draw the mean of ``metric`` per (row value, column value) as a heatmap.

    Every cell is annotated ``"mean\\n± std"`` (std over the replicates when there
    are two or more) and greyed when no run of the cell has a finite value.

    Returns
    -------
    list of Artist
        The image first, then one text per cell, row by row.
    """
    summary = summarize_cells(cells, [row_key, col_key], metric)
    rows, cols = pd.unique(summary[row_key]), pd.unique(summary[col_key])
    mean, std, count, total = _grid(summary, row_key, col_key, rows, cols)
    colormap = colormaps[cmap].with_extremes(bad="0.88")
    image = ax.imshow(
        np.ma.masked_invalid(mean),
        cmap=colormap,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks(range(len(cols)), [str(c) for c in cols])
    ax.set_yticks(range(len(rows)), [str(r) for r in rows])
    ax.set_xlabel(col_key)
    ax.set_ylabel(row_key)
    formats = _formats(metric)
    texts: list[Artist] = []
    for (i, j), value in np.ndenumerate(mean):
        if total[i, j] == 0:
            continue
        dark = np.isfinite(value) and _luminance(colormap(image.norm(value))) < 0.5
        texts.append(
            ax.text(
                j,
                i,
                _cell_text(value, std[i, j], count[i, j], total[i, j], formats),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else "black",
            )
        )
    return [image, *texts]


def _grid(summary: pd.DataFrame, row_key: str, col_key: str, rows, cols):
    """Mean, std, finite count and total as (rows, cols) arrays; NaN/0 where absent."""
    shape = (len(rows), len(cols))
    mean, std = np.full(shape, np.nan), np.full(shape, np.nan)
    count, total = np.zeros(shape, dtype=int), np.zeros(shape, dtype=int)
    row_of = {r: i for i, r in enumerate(rows)}
    col_of = {c: j for j, c in enumerate(cols)}
    for r, c, m, s, n, t in summary[
        [row_key, col_key, "mean", "std", "n", "total"]
    ].itertuples(index=False):
        i, j = row_of[r], col_of[c]
        mean[i, j], std[i, j], count[i, j], total[i, j] = m, s, n, t
    return mean, std, count, total


def _luminance(rgba: tuple[float, ...]) -> float:
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def make_heatmap(
    cells: pd.DataFrame,
    row_key: str,
    col_key: str,
    metric: str,
    *,
    title: str | None = None,
) -> Figure:
    """A 2-D sweep as a heatmap with a labelled colour bar (see :func:`plot_heatmap`)."""
    summary = summarize_cells(cells, [row_key, col_key], metric)
    n_rows, n_cols = summary[row_key].nunique(), summary[col_key].nunique()
    fig = new_figure(min(16.0, 1.35 * n_cols + 3.2), min(12.0, 0.75 * n_rows + 2.0))
    ax = fig.add_subplot()
    artists = plot_heatmap(ax, cells, row_key, col_key, metric)
    bar = fig.colorbar(artists[0], ax=ax)
    bar.set_label(f"mean {metric_label(metric)}")
    replicates = int(summary["total"].max())
    fig.suptitle(
        title
        or _capital(
            f"{metric_label(metric)}: mean ± std over {_runs(replicates)} per cell"
        )
    )
    return fig


def plot_errorbars(
    ax: Axes, cells: pd.DataFrame, key: str, metric: str
) -> list[Artist]:
    """Mean ± std of ``metric`` per value of ``key``, with each replicate as a dot.

    Points in the colours of :func:`~nnexp.plots.base.color_map` over the values, so
    they match curves grouped by the same key.

    Returns
    -------
    list of Artist
        One errorbar container per value, then the replicate dots.
    """
    summary = summarize_cells(cells, [key], metric)
    artists = _draw_means(ax, summary, key)
    positions = {value: i for i, value in enumerate(summary[key])}
    xs = np.array([positions[v] for v in cells[key].map(_hashable)], dtype=float)
    ys = finite_or_nan(cells[metric]) * metric_scale(metric)
    artists.append(
        ax.scatter(
            xs + 0.12, ys, s=14, color="0.35", alpha=0.7, zorder=3, label="single run"
        )
    )
    artists += _note_missing(ax, summary)
    labels = [str(v) for v in summary[key]]
    long = max(map(len, labels)) > 8
    ax.set_xticks(
        range(len(labels)),
        labels,
        rotation=30 if long else 0,
        ha="right" if long else "center",
    )
    ax.set_xlim(-0.6, len(labels) - 0.4)
    return artists


def _draw_means(ax: Axes, summary: pd.DataFrame, key: str) -> list[Artist]:
    """One point with a ± std bar per value, in the value's colour."""
    colors = color_map(summary[key])
    stats = zip(
        summary[key],
        summary["mean"].astype(float),
        summary["std"].astype(float),
        strict=True,
    )
    return [
        ax.errorbar(
            [i],
            [mean],
            yerr=std if np.isfinite(std) else None,
            fmt="o",
            markersize=8,
            capsize=6,
            elinewidth=2,
            color=colors[value],
        )
        for i, (value, mean, std) in enumerate(stats)
    ]


def _note_missing(ax: Axes, summary: pd.DataFrame) -> list[Artist]:
    """Under a value with diverged replicates, how many of its runs are finite."""
    missing = summary["n"] < summary["total"]
    if not missing.any():
        return []
    low, high = ax.get_ylim()  # room below the points for the notes
    ax.set_ylim(low - 0.12 * (high - low), high)
    return [
        ax.text(
            i,
            0.03,
            f"{n}/{t} finite",
            transform=ax.get_xaxis_transform(),
            ha="center",
            fontsize="small",
            color="0.35",
        )
        for i, (n, t) in enumerate(zip(summary["n"], summary["total"], strict=True))
        if n < t
    ]


def make_errorbars(
    cells: pd.DataFrame, key: str, metric: str, *, title: str | None = None
) -> Figure:
    """A 1-D sweep: mean ± std of ``metric`` per value of ``key``."""
    n_values = cells[key].map(_hashable).nunique()
    fig = new_figure(min(16.0, max(5.5, 0.95 * n_values + 2.5)), 4.5)
    ax = fig.add_subplot()
    plot_errorbars(ax, cells, key, metric)
    ax.set_xlabel(key)
    ax.set_ylabel(metric_label(metric))
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.suptitle(title or _capital(f"{metric_label(metric)} by {key}: mean ± std"))
    return fig


def make_sweep_figure(
    cells: pd.DataFrame, keys: Sequence[str], metric: str, *, title: str | None = None
) -> Figure:
    """:func:`make_errorbars` for one varying key, :func:`make_heatmap` for two.

    Raises
    ------
    RunError
        For any other number of keys (choose two to show).
    """
    if len(keys) == 1:
        return make_errorbars(cells, keys[0], metric, title=title)
    if len(keys) == 2:
        return make_heatmap(cells, keys[0], keys[1], metric, title=title)
    raise RunError(
        f"a sweep summary shows one or two varying keys, got {len(keys)} "
        f"({', '.join(keys) or 'none'}); choose one or two of them."
    )
