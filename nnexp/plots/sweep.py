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
from nnexp.plots.base import color_map, finite_or_nan, metric_label, metric_scale, new_figure


def summarize_cells(cells: pd.DataFrame, keys: Sequence[str], metric: str) -> pd.DataFrame:
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


def _fmt(metric: str) -> str:
    return ".1f" if metric_scale(metric) == 100.0 else ".3g"


def _cell_text(mean: float, std: float, n: int, total: int, fmt: str) -> str:
    if np.isnan(mean):
        return f"no finite run\n(0/{total})"
    text = f"{mean:{fmt}}" + (f"\n± {std:{fmt}}" if np.isfinite(std) else "")
    return text + (f"\n({n}/{total})" if n < total else "")


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
    table = summary.set_index([row_key, col_key])
    shape = (len(rows), len(cols))
    mean, std = np.full(shape, np.nan), np.full(shape, np.nan)
    count, total = np.zeros(shape, dtype=int), np.zeros(shape, dtype=int)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            if (r, c) in table.index:
                mean[i, j], std[i, j], count[i, j], total[i, j] = table.loc[
                    (r, c), ["mean", "std", "n", "total"]
                ]
    colormap = colormaps[cmap].with_extremes(bad="0.88")
    image = ax.imshow(np.ma.masked_invalid(mean), cmap=colormap, aspect="auto",
                      interpolation="nearest")
    ax.set_xticks(range(len(cols)), [str(c) for c in cols])
    ax.set_yticks(range(len(rows)), [str(r) for r in rows])
    ax.set_xlabel(col_key)
    ax.set_ylabel(row_key)
    fmt = _fmt(metric)
    texts: list[Artist] = []
    for (i, j), value in np.ndenumerate(mean):
        if total[i, j] == 0:
            continue
        dark = np.isfinite(value) and _luminance(colormap(image.norm(value))) < 0.5
        texts.append(ax.text(j, i, _cell_text(value, std[i, j], count[i, j], total[i, j], fmt),
                             ha="center", va="center", fontsize=9,
                             color="white" if dark else "black"))
    return [image, *texts]


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
    fig.suptitle(title or f"{metric_label(metric)}: mean ± std over {replicates} run(s) per cell")
    return fig


def plot_errorbars(ax: Axes, cells: pd.DataFrame, key: str, metric: str) -> list[Artist]:
    """Mean ± std of ``metric`` per value of ``key``, with each replicate as a dot.

    Points in the colours of :func:`~nnexp.plots.base.color_map` over the values, so
    they match curves grouped by the same key.

    Returns
    -------
    list of Artist
        One errorbar container per value, then the replicate dots.
    """
    summary = summarize_cells(cells, [key], metric)
    colors = color_map(summary[key])
    positions = {value: i for i, value in enumerate(summary[key])}
    artists: list[Artist] = []
    for i, row in summary.iterrows():
        yerr = row["std"] if np.isfinite(row["std"]) else None
        artists.append(ax.errorbar([i], [row["mean"]], yerr=yerr, fmt="o", markersize=8,
                                   capsize=6, elinewidth=2, color=colors[row[key]]))
    values = cells[key].map(_hashable)
    ys = finite_or_nan(cells[metric]) * metric_scale(metric)
    xs = np.array([positions[v] for v in values], dtype=float) + 0.12
    artists.append(ax.scatter(xs, ys, s=14, color="0.35", alpha=0.7, zorder=3,
                              label="single run"))
    labels = [_tick(v, n, t) for v, n, t in zip(summary[key], summary["n"], summary["total"],
                                               strict=True)]
    long = max(map(len, labels)) > 8
    ax.set_xticks(range(len(summary)), labels, rotation=30 if long else 0,
                  ha="right" if long else "center")
    ax.set_xlim(-0.6, len(summary) - 0.4)
    return artists


def _tick(value: Hashable, n: int, total: int) -> str:
    return f"{value}" if n == total else f"{value}\n({n}/{total} finite)"


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
    fig.suptitle(title or f"{metric_label(metric)} by {key}: mean ± std")
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
