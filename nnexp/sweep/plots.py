"""Summary plots of a sweep folder, drawn with :mod:`nnexp.plots`.

* the final validation metric (accuracy when there is one, else the loss) per value:
  a heatmap of the mean with its std over seeds for a 2-D grid (``heatmap.png``), a
  mean ± std chart for a 1-D grid (``by_<key>.png``), and one chart per varied key,
  averaged over the others, beyond two;
* learning curves grouped by each varied key, mean ± std bands over seeds
  (``curves_by_<key>.png``; ``curves.png`` when only the seed varies): the other
  varied keys give rows of panels (or join the labels when they have too many
  combinations), values drawn by a random search are pooled and the title says so.

Keys that vary together (a zip group) count once, by their first key.  Only cells
that completed or diverged are drawn; a diverged cell's non-finite metric is left out
of the statistics and counted as such by the plots.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nnexp.runs.reader import FINAL, read_history
from nnexp.sweep.expand import Expansion
from nnexp.sweep.folder import summary_metric
from nnexp.sweep.naming import safe_part, short_keys


def plot_keys(expansion: Expansion, frame: pd.DataFrame) -> list[str]:
    """The first key of every axis with more than one value among ``frame``'s rows."""
    return [
        axis[0]
        for axis in expansion.axes
        if axis[0] in frame and frame[axis[0]].astype(str).nunique() > 1
    ]


def render_sweep_plots(
    folder: Path, expansion: Expansion, results: pd.DataFrame
) -> tuple[list[Path], list[str]]:
    """Write the plots into ``folder/plots``; returns the files and any errors (a plot
    that fails never fails the sweep)."""
    from nnexp.plots.base import save_figure

    figures = plot_plan(folder, expansion, results)
    written, errors = [], []
    if not figures:
        return written, ["no cell completed or diverged: no summary plots"]
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    for filename, make in figures:
        try:
            written.append(save_figure(make(), out / filename))
        except Exception as err:  # plots are a bonus; results.csv is the record
            errors.append(f"plot {filename} failed: {type(err).__name__}: {err}")
    return written, errors


def plot_plan(
    folder: Path, expansion: Expansion, results: pd.DataFrame
) -> list[tuple[str, object]]:
    """(file name, figure maker) of every summary plot for ``results`` (results.csv):
    the cells that completed or diverged, their keys as labels."""
    frame = _labelled(results[results["status"].isin(FINAL)], expansion)
    return [] if frame.empty else sweep_figures(folder, expansion, frame)


def _labelled(frame: pd.DataFrame, expansion: Expansion) -> pd.DataFrame:
    """Key columns as the cells' labels (text, in grid order)."""
    frame = frame.copy()
    labels = {c.name: c.labels for c in expansion.cells}
    for key in expansion.keys:
        if key != "seed" and key in frame:
            frame[key] = [labels[name][key] for name in frame["cell"]]
    return frame


def sweep_figures(
    folder: Path, expansion: Expansion, frame: pd.DataFrame
) -> list[tuple[str, object]]:
    """(file name, figure maker) for every plot that fits this sweep; ``frame`` holds
    the cells that completed or diverged, their keys as labels."""
    keys = plot_keys(expansion, frame)
    short = short_keys(keys)
    metric = summary_metric(frame)
    numeric = [
        k for k in keys if k in expansion.sampled and _numbers(frame[k]).notna().all()
    ]
    grouped = [k for k in keys if k not in numeric]
    figures: list[tuple[str, object]] = []
    if metric is not None:
        figures += _summaries(frame, grouped, metric, short)
        figures += [
            (f"by_{safe_part(short[k])}.png", lambda k=k: _scatter(frame, k, metric))
            for k in numeric
        ]
    histories = _histories(folder, frame)
    if histories and numeric and not grouped:
        # random search over numbers: every cell is its own setting, not a replicate
        figures.append(
            ("curves.png", lambda: _overlay(frame, histories, numeric, short))
        )
    elif histories:
        for key in grouped or [None]:
            name = f"curves_by_{safe_part(short[key])}.png" if key else "curves.png"
            figures.append(
                (
                    name,
                    lambda key=key: _grouped(
                        frame, histories, key, short, keys, numeric
                    ),
                )
            )
    return figures


def _summaries(
    frame: pd.DataFrame, keys: list[str], metric: str, short: dict[str, str]
) -> list[tuple[str, object]]:
    """A heatmap for two keys; a mean ± std chart per key otherwise."""
    from nnexp.plots.sweep import make_errorbars, make_heatmap

    if len(keys) == 2:
        return [("heatmap.png", lambda: make_heatmap(frame, keys[0], keys[1], metric))]
    out = []
    for key in keys:
        title = (
            None
            if len(keys) == 1
            else (f"{metric} by {key} (mean ± std over the other keys and seeds)")
        )
        out.append(
            (
                f"by_{safe_part(short[key])}.png",
                lambda key=key, title=title: make_errorbars(
                    frame, key, metric, title=title
                ),
            )
        )
    return out


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def _scatter(frame: pd.DataFrame, key: str, metric: str) -> object:
    """Random search over a number: the metric of each run against the drawn value
    (log axis for values spanning more than a decade and a half)."""
    from nnexp.plots.base import finite_or_nan, metric_label, metric_scale, new_figure

    fig = new_figure(6.5, 4.5)
    ax = fig.add_subplot()
    x = _numbers(frame[key]).to_numpy(dtype=float)
    ax.scatter(x, finite_or_nan(frame[metric]) * metric_scale(metric), s=28, alpha=0.8)
    if (x > 0).all() and x.max() / x.min() > 30:
        ax.set_xscale("log")
    ax.set_xlabel(key)
    ax.set_ylabel(metric_label(metric))
    ax.grid(True, alpha=0.3)
    label = metric_label(metric)
    fig.suptitle(
        f"{label[:1].upper()}{label[1:]} by {key}: random search, {len(frame)} runs"
    )
    return fig


def _histories(folder: Path, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each cell's metrics.csv; a run that diverged in its first epoch (no value at
    all) has no curve to draw and is left out."""
    out = {}
    for name in frame["cell"]:
        history = read_history(folder / name)
        if "train_loss" in history and history["train_loss"].notna().any():
            out[name] = history
    return out


def _grouped(
    frame: pd.DataFrame,
    histories: dict[str, pd.DataFrame],
    key: str | None,
    short: dict[str, str],
    keys: list[str],
    sampled: list[str],
) -> object:
    """Curves by ``key``: one band per value over seeds; the other varied keys as
    rows of panels, the ``sampled`` numbers pooled (and said so)."""
    from nnexp.plots.curves import make_grouped_curves
    from nnexp.plots.facets import arrange_groups

    rows = [row for _, row in frame.iterrows() if row["cell"] in histories]
    labels = [f"{short[key]}={row[key]}" if key else "all seeds" for row in rows]
    others = [
        {short[k]: str(row[k]) for k in keys if k not in (key, "seed")} for row in rows
    ]
    plan = arrange_groups(labels, others, pool=[short[k] for k in sampled])
    title = (
        f"Learning curves by {key}: mean ± std over seeds"
        if key
        else "Learning curves: mean ± std over seeds"
    )
    return make_grouped_curves(
        list(zip(plan.labels, [histories[row["cell"]] for row in rows], strict=True)),
        title=title,
        facets=plan.facets,
        note=plan.note,
    )


def _overlay(
    frame: pd.DataFrame,
    histories: dict[str, pd.DataFrame],
    keys: list[str],
    short: dict[str, str],
) -> object:
    """One curve per cell, labelled by its sampled values (no mean over settings)."""
    from nnexp.plots.curves import make_overlay

    runs = []
    for _, row in frame.iterrows():
        if row["cell"] in histories:
            values = [row[k] for k in keys]
            parts = [
                f"{short[k]}={v:.3g}" if isinstance(v, float) else f"{short[k]}={v}"
                for k, v in zip(keys, values, strict=True)
            ]
            if "seed" in row:
                parts.append(f"seed={row['seed']}")
            runs.append((", ".join(parts), histories[row["cell"]]))
    return make_overlay(runs, title="Learning curves of the sampled cells")
