"""What differed between runs and what it gave: one row per run, and per group.

:func:`compare` reads every metric from the run's own files: final values from the
last row of ``metrics.csv``, best values from the row of ``summary.json``'s
``best_epoch`` (or, for a run still going, the epoch with the best validation
accuracy, or the lowest validation loss), test values from ``summary.json``.

:func:`group_stats` treats the runs of a group (e.g. the seeds of one activation) as
replicates: mean, sample standard deviation, a t-based 95 % confidence interval, and
a paired t-test between the best group and each other one over runs that match in
every other setting (in a sweep, the same seed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from nnexp.analysis.explode import explosion
from nnexp.analysis.labels import (
    MISSING,
    differing_keys,
    flatten_configs,
    format_value,
    short_names,
)
from nnexp.analysis.select import run_task
from nnexp.errors import RunError
from nnexp.runs.reader import Run
from nnexp.training.history import best_epoch

#: Metrics of each task (columns ``<split>_<metric>`` of metrics.csv).
TASK_METRICS = {
    "classification": ("loss", "accuracy"),
    "regression": ("loss", "mse", "max_abs_error"),
}
SPLITS = ("train", "val")


@dataclass
class Comparison:
    """The per-run table and what it was built from.

    ``table`` has one row per run, best first: a column per differing setting
    (named by its short name, see :mod:`nnexp.analysis.labels`), ``status``,
    ``exploded`` (how many times its reference loss the train loss peaked at, for runs
    that exploded, see :mod:`nnexp.analysis.explode`), ``epochs``, ``final_<split>_<metric>``, ``best_val_<metric>``, ``best_epoch``,
    ``test_<metric>``, ``seconds`` and ``folder``.  Columns without any value (no
    validation split, no test set) are left out.
    """

    table: pd.DataFrame
    keys: list[str]
    names: dict[str, str]
    sort: str
    higher_is_better: bool
    task: str
    flats: list[dict[str, Any]] = field(repr=False, default_factory=list)


def higher_is_better(column: str) -> bool:
    """Accuracies rank high first; losses, errors, seconds and epochs low first."""
    return "accuracy" in column


def run_metrics(run: Run, task: str) -> dict[str, Any]:
    """Final, best and test metrics of one run, read from its files."""
    history = run.history
    last = history.iloc[-1]
    out: dict[str, Any] = {
        "status": run.status,
        "exploded": explosion(run),
        "epochs": int(last["epoch"]),
    }
    metrics = TASK_METRICS.get(task, ("loss",))
    for metric in metrics:
        for split in SPLITS:
            out[f"final_{split}_{metric}"] = _value(last, f"{split}_{metric}")
    best = best_row(run, task)
    for metric in metrics:
        if task == "classification" and metric == "loss":
            continue  # the best epoch is chosen by accuracy; its loss says little
        split = "val" if _has(history, f"val_{metric}") else "train"
        out[f"best_{split}_{metric}"] = _value(best, f"{split}_{metric}")
    out["best_epoch"] = int(best["epoch"]) if best is not None else None
    test = run.record.test
    for metric in metrics:
        value = test.get(metric)
        out[f"test_{metric}"] = float(value) if value is not None else math.nan
    out["seconds"] = _seconds(run)
    return out


def _has(history: pd.DataFrame, column: str) -> bool:
    return column in history.columns and bool(history[column].notna().any())


def _value(row: pd.Series | None, column: str) -> float:
    if row is None or column not in row.index:
        return math.nan
    return float(row[column])


def _seconds(run: Run) -> float:
    wall = run.record.wall_seconds
    if wall is not None:
        return float(wall)
    if "seconds" in run.history.columns:  # a run still going: the epochs so far
        return float(run.history["seconds"].sum())
    return math.nan


def best_row(run: Run, task: str) -> pd.Series | None:
    """The row of the best epoch: summary.json's ``best_epoch`` when recorded, else
    the rule of :func:`nnexp.training.history.best_epoch` (ties in validation
    accuracy broken by validation loss)."""
    history = run.history
    recorded = run.record.best_epoch
    if recorded is not None:
        rows = history[history["epoch"] == recorded]
        if len(rows):
            return rows.iloc[0]
    epoch = best_epoch(history)
    return None if epoch is None else history[history["epoch"] == epoch].iloc[0]


def compare(runs: Sequence[Run], *, sort: str | None = None) -> Comparison:
    """The comparison table of ``runs``, sorted by ``sort`` (best first).

    Parameters
    ----------
    runs : runs of one task, each with at least one epoch
    sort : a column of the table (``test_accuracy``, ``seconds``, a setting such as
        ``lr``) or a metric (``accuracy`` means ``final_val_accuracy``); default the
        final validation accuracy (classification) or mse (regression)

    Raises
    ------
    RunError
        When ``sort`` names no column; the message lists the ones there are.
    """
    if not runs:
        raise RunError("nothing to compare: no runs were given.")
    task = run_task(runs[0])
    flats = flatten_configs([r.config for r in runs])
    keys = differing_keys(flats)
    names = short_names(keys)
    rows = []
    for run, flat in zip(runs, flats, strict=True):
        row: dict[str, Any] = {names[k]: _cell(flat.get(k, MISSING)) for k in keys}
        if not keys:
            row["name"] = run.name
        row.update(run_metrics(run, task))
        row["folder"] = str(run.path)
        rows.append(row)
    table = pd.DataFrame(rows)
    table = table.loc[:, [c for c in table.columns if table[c].notna().any()]]
    column = sort_column(table, sort, task)
    ascending = not higher_is_better(column) if _numeric(table, column) else True
    table = table.sort_values(
        column, ascending=ascending, na_position="last", kind="stable"
    )
    flats = [flats[i] for i in table.index]  # stay aligned with the sorted rows
    return Comparison(
        table.reset_index(drop=True), keys, names, column, not ascending, task, flats
    )


def _cell(value: Any) -> Any:
    """A setting as a table cell: numbers and text as they are, the rest as YAML."""
    if value is MISSING:
        return None
    if isinstance(value, bool | list | dict) or value is None:
        return format_value(value)
    return value


def _numeric(table: pd.DataFrame, column: str) -> bool:
    return pd.api.types.is_numeric_dtype(
        table[column]
    ) and not pd.api.types.is_bool_dtype(table[column])


def default_metric(table: pd.DataFrame, task: str) -> str:
    """The column a user looks at first: validation accuracy, or validation mse."""
    names = {"classification": "accuracy", "regression": "mse"}.get(task, "loss")
    for column in (
        f"final_val_{names}",
        f"final_train_{names}",
        "final_val_loss",
        "final_train_loss",
    ):
        if column in table.columns:
            return column
    return "epochs"


def sort_column(table: pd.DataFrame, sort: str | None, task: str) -> str:
    """The column ``sort`` names (see :func:`compare`)."""
    if sort is None:
        return default_metric(table, task)
    if sort in table.columns:
        return sort
    for column in (f"final_val_{sort}", f"test_{sort}", f"final_train_{sort}"):
        if column in table.columns:
            return column
    raise RunError(
        f"cannot sort by '{sort}': no such metric or column; available: "
        f"{', '.join(c for c in table.columns if c != 'folder')}."
    )
