"""Figures of selected runs: overlaid or grouped learning curves, the sweep summary.

These functions choose what to draw from the runs (labels from the differing
settings, groups from ``--by``, the sweep's grid keys) and leave the drawing to
:mod:`nnexp.plots`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from nnexp.analysis.labels import (
    MISSING,
    differing_keys,
    flatten_configs,
    format_value,
    label_runs,
    label_value,
    resolve_key,
    run_label,
    shared_loss,
    short_names,
)
from nnexp.analysis.select import Selection
from nnexp.errors import RunError
from nnexp.plots import (
    make_grouped_curves,
    make_learning_curves,
    make_overlay,
    make_sweep_figure,
)
from nnexp.plots.base import metric_label
from nnexp.plots.facets import arrange_groups
from nnexp.plots.registry import RUN_PLOTS, RunPlot
from nnexp.plots.run_input import RunFigureInput
from nnexp.plots.series import X_LABELS, metric_columns
from nnexp.runs.figures import inside_values
from nnexp.runs.reader import Run
from nnexp.runs.snapshots import predictors


def loss_name(runs: Sequence[Run]) -> str | None:
    """The loss all runs share (for the axis label), or None when they differ."""
    return shared_loss([run.config for run in runs])


def check_metrics(runs: Sequence[Run], metrics: Sequence[str]) -> None:
    """Raise :class:`RunError` naming the run and listing its metrics when one of
    ``metrics`` is missing."""
    for metric in metrics:
        for run in runs:
            metric_columns(run.history, metric, f"the run {run.path}")


def group_labels(runs: Sequence[Run], by: Sequence[str]) -> tuple[list[str], list[str]]:
    """Per run the label of its group (``activation=tanh``) and the dotted keys."""
    flats = flatten_configs([r.config for r in runs])
    keys = list(dict.fromkeys(resolve_key(k, flats) for k in by))
    names = short_names(keys)
    labels = []
    for flat in flats:
        # a key a run lacks (another component's parameter) still names its group
        filled = {k: flat.get(k, MISSING) for k in keys}
        labels.append(run_label(filled, keys, names))
    return labels, keys


def other_settings(runs: Sequence[Run], keys: Sequence[str]) -> list[dict[str, str]]:
    """Per run the settings that differ between the runs other than ``keys`` and the
    seed, as short name → value text (what a group by ``keys`` would pool)."""
    flats = flatten_configs([r.config for r in runs])
    rest = [k for k in differing_keys(flats) if k not in keys and k != "seed"]
    names = short_names(rest)
    return [{names[k]: label_value(k, f.get(k, MISSING)) for k in rest} for f in flats]


def curves_figure(
    runs: Sequence[Run],
    *,
    metrics: Sequence[str] | None = None,
    by: Sequence[str] = (),
    x: str = "epoch",
    log: bool | None = None,
    smooth: int = 1,
    title: str | None = None,
    pool: bool = False,
) -> Figure:
    """Learning curves of ``runs``: one run alone, many overlaid, or grouped by ``by``.

    Parameters
    ----------
    runs : runs of one task with at least one epoch each
    metrics : panels (default loss and accuracy, or loss and mse)
    by : settings that group runs: one colour per value, mean ± std band per group
    x : ``"epoch"`` or ``"time"`` (cumulative seconds)
    log : logarithmic y axis (None: where the values span more than 1000×)
    smooth : moving-average window in epochs; the raw curve stays visible, faint
    title : figure title
    pool : with ``by``, let a band average over the other settings that differ (the
        title says which); by default only seeds are pooled and the other settings
        give rows of panels (see :func:`nnexp.plots.facets.arrange_groups`)

    Raises
    ------
    RunError
        For a metric a run lacks (its metrics are listed), an unknown ``by`` key or
        ``x``.
    """
    if x not in X_LABELS:
        raise RunError(f"unknown x axis '{x}'; allowed: {', '.join(X_LABELS)}.")
    if metrics:
        check_metrics(runs, metrics)
    options: dict[str, Any] = dict(
        metrics=list(metrics) if metrics else None,
        x=x,
        log=log,
        smooth=smooth,
        loss_name=loss_name(runs),
    )
    if by:
        labels, keys = group_labels(runs, by)
        plan = arrange_groups(labels, other_settings(runs, keys), pool=pool)
        what = ", ".join(short_names(keys).values())
        default = f"Learning curves by {what} (mean ± std)"
        histories = [run.history for run in runs]
        return make_grouped_curves(
            list(zip(plan.labels, histories, strict=True)),
            title=title or default,
            facets=plan.facets,
            note=plan.note,
            **options,
        )
    if len(runs) == 1:
        run = runs[0]
        return make_learning_curves(
            run.history, title=title or f"{run.name}: learning curves", **options
        )
    labels = label_runs([r.config for r in runs])
    pairs = [(label, run.history) for label, run in zip(labels, runs, strict=True)]
    return make_overlay(pairs, title=title, **options)


def sweep_keys(selection: Selection) -> list[str]:
    """The varied settings to summarise: every differing setting but the seed, in the
    sweep spec's order when the spec's grid covers them."""
    flats = flatten_configs([r.config for r in selection.runs])
    varied = [k for k in differing_keys(flats) if k != "seed"]
    grid = [_grid_key(k, flats) for k in selection.grid_keys]
    if grid and set(varied) <= set(grid):
        return [k for k in dict.fromkeys(grid) if k in varied]
    return varied


def _grid_key(key: str, flats: Sequence[dict[str, Any]]) -> str:
    """A grid key as the flattened configs spell it (``model.activation`` may be
    ``model.activation.name`` there)."""
    try:
        return resolve_key(key, flats)
    except RunError:
        return key


def sweep_cells(
    selection: Selection, keys: Sequence[str], table: pd.DataFrame, metric: str
) -> pd.DataFrame:
    """One row per run: the values of ``keys`` (full dotted names) and ``metric``,
    in the grid's order of values when the sweep spec gives it."""
    flats = flatten_configs([r.config for r in selection.runs])
    by_folder = dict(zip(table["folder"], table[metric], strict=True))
    cells = pd.DataFrame(
        {
            **{k: [_cell_value(f.get(k, MISSING)) for f in flats] for k in keys},
            metric: [by_folder[str(r.path)] for r in selection.runs],
        }
    )
    order = _grid_order(selection, keys, flats)
    if order:
        position = cells[list(keys)].apply(
            lambda row: tuple(order[k].get(row[k], len(order[k])) for k in keys), axis=1
        )
        cells = cells.iloc[sorted(range(len(cells)), key=lambda i: position.iloc[i])]
    return cells.reset_index(drop=True)


def _cell_value(value: Any) -> Any:
    return (
        value
        if isinstance(value, int | float | str) and not isinstance(value, bool)
        else format_value(value)
    )


def _grid_order(
    selection: Selection, keys: Sequence[str], flats: Sequence[dict[str, Any]]
) -> dict[str, dict[Any, int]]:
    """``{key: {value: position in the sweep spec}}`` for keys the spec lists."""
    order: dict[str, dict[Any, int]] = {}
    for spec in selection.sweep_specs:
        grid = spec.get("grid") or (spec.get("spec") or {}).get("grid")
        if not isinstance(grid, dict):
            continue
        for raw_key, values in grid.items():
            key = _grid_key(str(raw_key), flats)
            if key in keys and isinstance(values, list):
                order[key] = {_cell_value(v): i for i, v in enumerate(values)}
    return {k: order.get(k, {}) for k in keys} if order else {}


def sweep_figure(
    selection: Selection, table: pd.DataFrame, metric: str, *, title: str | None = None
) -> Figure | None:
    """The heatmap (two varied settings) or mean ± std chart (one) of ``metric``;
    None when the runs vary in no setting or in more than two.

    The axes are labelled with the settings' short names (``activation``).
    """
    keys = sweep_keys(selection)
    if not 1 <= len(keys) <= 2:
        return None
    names = short_names(keys)
    cells = sweep_cells(selection, keys, table, metric).rename(columns=names)
    shown = [names[k] for k in keys]
    if title is None and len(keys) == 1:
        text = metric_label(metric)
        title = f"{text[:1].upper()}{text[1:]} by {shown[0]}: mean ± std"
    return make_sweep_figure(cells, shown, metric, title=title)


#: ``nnexp plot --kind`` beyond the per-run plot kinds: figures of many runs
MANY_RUN_KINDS = ("curves", "summary")


def figure_kinds() -> list[str]:
    """The choices of ``nnexp plot --kind``: the learning curves of any runs, the
    sweep summary, and every per-run plot kind (of one run)."""
    return list(dict.fromkeys([*MANY_RUN_KINDS, *RUN_PLOTS.names()]))


def kind_figure(selection: Selection, kind: str) -> Figure:
    """The figure ``kind`` (not ``curves``: see :func:`curves_figure`) of the
    selected runs.

    Raises
    ------
    RunError
        For an unknown kind (the kinds are listed), a summary of runs that do not
        vary in one or two settings, a per-run kind of several runs or of a run that
        cannot draw it.
    """
    if kind not in figure_kinds():
        raise RunError(
            f"unknown plot kind '{kind}'; allowed: {', '.join(figure_kinds())}."
        )
    if kind == "summary":
        from nnexp.analysis.compare import compare

        comparison = compare(selection.runs)
        fig = sweep_figure(selection, comparison.table, comparison.sort)
        if fig is None:
            raise RunError(
                "--kind summary needs runs that differ in one or two settings besides "
                f"the seed; these differ in {len(sweep_keys(selection))}."
            )
        return fig
    if len(selection.runs) != 1:
        raise RunError(
            f"--kind {kind} draws one run; {len(selection.runs)} were selected "
            "(give one run folder)."
        )
    return draw_run_kind(selection.runs[0], RUN_PLOTS.get(kind))


def draw_run_kind(run: Run, kind: RunPlot) -> Figure:
    """The per-run figure ``kind`` of a run folder; the data set is loaded, and the
    trained network rebuilt, only for a kind that needs predictions."""
    prepared: list[Any] = []

    def built() -> Any:  # the data and engine objects, made once if asked for
        if not prepared:
            prepared.append(_prepared(run))
        return prepared[0]

    final_epoch = int(run.record.epochs or len(run.history))
    figure_input = RunFigureInput(
        name=run.name,
        history=run.history,
        loss_name=loss_name([run]),
        data=lambda: built()[:2],
        predict=run.predict,
        over_epochs=lambda: predictors(run.network, run.path, final_epoch),
        inside=lambda: inside_values(
            run.paths, built()[0], run.network, built()[2].loss, final_epoch
        ),
    )
    missing = kind.missing(figure_input)
    if missing:
        raise RunError(
            f"cannot draw '{kind.name}' for the run {run.path}: it needs "
            f"{', '.join(missing)}."
        )
    return kind.draw(figure_input)


def _prepared(run: Run) -> tuple[Any, Any, Any, Any]:
    """The run's data splits, their description and its engine objects, made as the
    run made them."""
    from nnexp.runner.train import prepare
    from nnexp.runs.reader import run_spec

    return prepare(run_spec(run.path))
