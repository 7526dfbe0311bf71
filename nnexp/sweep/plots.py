"""Summary plots of a sweep folder, drawn with :mod:`nnexp.plots`.

* the final validation metric (accuracy when there is one, else the loss) per value:
  a heatmap of the mean with its std over seeds for a 2-D grid (``heatmap.png``), a
  mean ± std chart for a 1-D grid (``by_<key>.png``), and one chart per varied key,
  averaged over the others, beyond two;
* learning curves grouped by each varied key, mean ± std bands over seeds
  (``curves_by_<key>.png``; ``curves.png`` when only the seed varies): the other
  varied keys give rows of panels (or join the labels when they have too many
  combinations), values drawn by a random search are pooled and the title says so.

Keys that vary together (a zip group) count once, by their first key.  Settings are
labelled as every figure and table labels them (:mod:`nnexp.analysis.labels`:
``optimizer.name`` → ``optimizer``, a plugin by its file name), a value by the label
the sweep spec gave it, if any; the cell folders keep their own names
(:mod:`nnexp.sweep.naming`).  The figure kinds are registered in
:data:`nnexp.plots.registry.SWEEP_FIGURES`.  Only cells
that completed or diverged are drawn; a diverged cell's non-finite metric is left out
of the statistics and counted as such by the plots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from nnexp.analysis.labels import shared_loss, short_names, value_labels
from nnexp.plots.registry import SWEEP_FIGURES, SweepFigure
from nnexp.plots.series import default_columns
from nnexp.runs.reader import FINAL, Run, load_run
from nnexp.sweep.expand import Expansion
from nnexp.sweep.folder import summary_metric
from nnexp.sweep.naming import safe_part, value_text

Plan = list[tuple[str, Callable[[], object]]]


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


def plot_plan(folder: Path, expansion: Expansion, results: pd.DataFrame) -> Plan:
    """(file name, figure maker) of every summary plot for ``results`` (results.csv):
    the cells that completed or diverged, their keys as labels."""
    frame = _labelled(results[results["status"].isin(FINAL)], expansion)
    return [] if frame.empty else sweep_figures(folder, expansion, frame)


def _labelled(frame: pd.DataFrame, expansion: Expansion) -> pd.DataFrame:
    """Key columns as the cells' labels (text, in grid order): the label the sweep
    spec gave a value, else the value as every label shows it
    (:func:`nnexp.analysis.labels.value_labels`)."""
    frame = frame.copy()
    cells = {c.name: c for c in expansion.cells}
    for key in expansion.keys:
        if key != "seed" and key in frame:
            chosen = [cells[name] for name in frame["cell"]]
            shown = value_labels(key, [c.values[key] for c in chosen])
            frame[key] = [
                text if c.labels[key] == value_text(c.values[key]) else c.labels[key]
                for c, text in zip(chosen, shown, strict=True)
            ]
    return frame


@dataclass
class SweepPlotInput:
    """What the sweep figures draw from: ``frame`` holds the cells that completed or
    diverged (their keys as labels); ``keys`` the varied keys, ``short`` their
    labels, ``numeric`` the sampled numbers, ``grouped`` the others."""

    folder: Path
    expansion: Expansion
    frame: pd.DataFrame

    @cached_property
    def keys(self) -> list[str]:
        return plot_keys(self.expansion, self.frame)

    @cached_property
    def short(self) -> dict[str, str]:
        return short_names(self.keys)

    @cached_property
    def metric(self) -> str | None:
        return summary_metric(self.frame)

    @cached_property
    def numeric(self) -> list[str]:
        return [
            k
            for k in self.keys
            if k in self.expansion.sampled and _numbers(self.frame[k]).notna().all()
        ]

    @cached_property
    def grouped(self) -> list[str]:
        return [k for k in self.keys if k not in self.numeric]

    @cached_property
    def runs(self) -> dict[str, Run]:
        """Each cell's run, its history of the columns the curves draw; a run that
        diverged in its first epoch (no value at all) has no curve to draw and is
        left out."""
        out = {}
        for name in self.frame["cell"]:
            # the figures draw the default metrics over epochs: only their columns
            run = load_run(self.folder / name, columns=default_columns())
            history = run.history
            if "train_loss" in history and history["train_loss"].notna().any():
                out[name] = run
        return out

    def table(self, keys: list[str]) -> pd.DataFrame:
        """``keys`` and the metric, the keys' columns named by their labels."""
        columns = [*keys, str(self.metric)]
        return self.frame[columns].rename(columns=self.short)


def sweep_figures(folder: Path, expansion: Expansion, frame: pd.DataFrame) -> Plan:
    """(file name, figure maker) for every plot that fits this sweep, kind by kind;
    ``frame`` holds the cells that completed or diverged, their keys as labels."""
    sweep = SweepPlotInput(folder, expansion, frame)
    return [item for kind in SWEEP_FIGURES for item in kind.plan(sweep)]


def _file(prefix: str, sweep: SweepPlotInput, key: str) -> str:
    return f"{prefix}{safe_part(sweep.short[key])}.png"


def _summaries(sweep: SweepPlotInput) -> Plan:
    """A heatmap for two keys; a mean ± std chart per key otherwise."""
    from nnexp.plots.sweep import make_errorbars, make_heatmap

    keys, metric, short = sweep.grouped, sweep.metric, sweep.short
    if metric is None:
        return []
    if len(keys) == 2:
        rows, cols = short[keys[0]], short[keys[1]]
        table = sweep.table(keys)
        return [("heatmap.png", lambda: make_heatmap(table, rows, cols, metric))]
    out: Plan = []
    for key in keys:
        title = (
            None
            if len(keys) == 1
            else f"{metric} by {short[key]} (mean ± std over the other keys and seeds)"
        )
        out.append(
            (
                _file("by_", sweep, key),
                lambda key=key, title=title: make_errorbars(
                    sweep.table([key]), short[key], metric, title=title
                ),
            )
        )
    return out


def _scatters(sweep: SweepPlotInput) -> Plan:
    if sweep.metric is None:
        return []
    return [
        (_file("by_", sweep, k), lambda k=k: _scatter(sweep, k)) for k in sweep.numeric
    ]


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def _scatter(sweep: SweepPlotInput, key: str) -> object:
    """Random search over a number: the metric of each run against the drawn value
    (log axis for values spanning more than a decade and a half)."""
    from nnexp.plots.base import finite_or_nan, metric_label, metric_scale, new_figure

    frame, metric, shown = sweep.frame, str(sweep.metric), sweep.short[key]
    fig = new_figure(6.5, 4.5)
    ax = fig.add_subplot()
    x = _numbers(frame[key]).to_numpy(dtype=float)
    ax.scatter(x, finite_or_nan(frame[metric]) * metric_scale(metric), s=28, alpha=0.8)
    if (x > 0).all() and x.max() / x.min() > 30:
        ax.set_xscale("log")
    ax.set_xlabel(shown)
    ax.set_ylabel(metric_label(metric))
    ax.grid(True, alpha=0.3)
    label = metric_label(metric)
    fig.suptitle(
        f"{label[:1].upper()}{label[1:]} by {shown}: random search, {len(frame)} runs"
    )
    return fig


def _curves(sweep: SweepPlotInput) -> Plan:
    """Grouped curves per varied key (one file for a sweep over seeds only), or one
    overlay of every cell for a random search over numbers."""
    if not sweep.runs:
        return []
    if sweep.numeric and not sweep.grouped:
        # random search over numbers: every cell is its own setting, not a replicate
        return [("curves.png", lambda: _overlay(sweep))]
    return [
        (
            _file("curves_by_", sweep, key) if key else "curves.png",
            lambda key=key: _grouped(sweep, key),
        )
        for key in sweep.grouped or [None]
    ]


def _loss_name(sweep: SweepPlotInput) -> str | None:
    return shared_loss([run.config for run in sweep.runs.values()])


def _grouped(sweep: SweepPlotInput, key: str | None) -> object:
    """Curves by ``key``: one band per value over seeds; the other varied keys as
    rows of panels, the sampled numbers pooled (and said so)."""
    from nnexp.plots.curves import make_grouped_curves
    from nnexp.plots.facets import arrange_groups

    short = sweep.short
    rows = [row for _, row in sweep.frame.iterrows() if row["cell"] in sweep.runs]
    labels = [f"{short[key]}={row[key]}" if key else "all seeds" for row in rows]
    others = [
        {short[k]: str(row[k]) for k in sweep.keys if k not in (key, "seed")}
        for row in rows
    ]
    plan = arrange_groups(labels, others, pool=[short[k] for k in sweep.numeric])
    title = (
        f"Learning curves by {short[key]}: mean ± std over seeds"
        if key
        else "Learning curves: mean ± std over seeds"
    )
    histories = [sweep.runs[row["cell"]].history for row in rows]
    return make_grouped_curves(
        list(zip(plan.labels, histories, strict=True)),
        title=title,
        facets=plan.facets,
        note=plan.note,
        loss_name=_loss_name(sweep),
    )


def _overlay(sweep: SweepPlotInput) -> object:
    """One curve per cell, labelled by its sampled values (no mean over settings)."""
    from nnexp.plots.curves import make_overlay

    short = sweep.short
    runs = []
    for _, row in sweep.frame.iterrows():
        if row["cell"] in sweep.runs:
            parts = [
                f"{short[k]}={v:.3g}" if isinstance(v, float) else f"{short[k]}={v}"
                for k, v in ((k, row[k]) for k in sweep.numeric)
            ]
            if "seed" in row:
                parts.append(f"seed={row['seed']}")
            runs.append((", ".join(parts), sweep.runs[row["cell"]].history))
    return make_overlay(
        runs, title="Learning curves of the sampled cells", loss_name=_loss_name(sweep)
    )


SWEEP_FIGURES.add(SweepFigure("summary", _summaries, "the metric per value"))
SWEEP_FIGURES.add(SweepFigure("scatter", _scatters, "the metric per sampled number"))
SWEEP_FIGURES.add(SweepFigure("curves", _curves, "learning curves by value"))
