"""Curves as JSON for the charts: one run's learning curves and per-layer diagnostics,
and groups of runs (mean with a band of ± one standard deviation over the seeds).

Values are lists of numbers with None where metrics.csv has no finite value (JSON has
no NaN), against the epoch.  Smoothing is :func:`nnexp.plots.series.moving_average`,
what ``nnexp plot --smooth`` draws.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from nnexp.plots.layers import layer_columns
from nnexp.plots.series import moving_average
from nnexp.runs.reader import Run

#: ``<split>_<metric>`` columns drawn as learning curves (not seconds, not lr)
CURVE = re.compile(r"^(train|val)_(?!seconds$)(\w+)$")
LAYER_TITLES = {
    "dead_fraction": "dead units (fraction)",
    "saturation": "saturated units (fraction)",
    "grad_norm": "gradient norm",
    "update_ratio": "update / weight ratio",
    "weight_norm": "weight norm",
}


def values(column: pd.Series | np.ndarray) -> list[float | None]:
    """Numbers for JSON: anything not a finite number is None."""
    array = pd.to_numeric(pd.Series(np.asarray(column)), errors="coerce").to_numpy(
        dtype=float
    )
    return [float(v) if np.isfinite(v) else None for v in array]


def epochs(history: pd.DataFrame) -> list[float | None]:
    if "epoch" in history.columns:
        return values(history["epoch"])
    return [float(i + 1) for i in range(len(history))]


def curve_metrics(history: pd.DataFrame) -> list[str]:
    """The metrics with a train or val column (``loss``, ``accuracy`` …), loss first."""
    found = []
    for column in history.columns:
        match = CURVE.match(str(column))
        if match and match.group(2) not in found:
            found.append(match.group(2))
    return sorted(found, key=lambda m: (m != "loss", found.index(m)))


def run_series(run: Run) -> dict[str, Any]:
    """The panels of a run page: one per metric (train and val lines) and one per
    per-layer diagnostic (a line per layer)."""
    history = run.history
    x = epochs(history)
    panels = []
    for metric in curve_metrics(history):
        traces = [
            {"name": split, "x": x, "y": values(history[f"{split}_{metric}"])}
            for split in ("train", "val")
            if f"{split}_{metric}" in history.columns
        ]
        panels.append({"title": metric, "traces": traces})
    layers = [
        {
            "title": LAYER_TITLES.get(quantity, quantity),
            "traces": [
                {"name": f"layer {i}", "x": x, "y": values(history[column])}
                for i, column in columns.items()
            ],
        }
        for quantity, columns in layer_columns(history).items()
    ]
    return {"epochs": len(history), "panels": panels, "layers": layers}


def group_series(
    runs: Sequence[Run], labels: Sequence[str], smooth: int = 1
) -> list[dict[str, Any]]:
    """Per metric a panel with, per group of runs (same label), the mean curve and,
    for two runs or more, the band mean ± std (ddof 1) over its runs, both smoothed
    over ``smooth`` epochs."""
    groups: dict[str, list[Run]] = {}
    for run, label in zip(runs, labels, strict=True):
        groups.setdefault(label, []).append(run)
    metrics = list(dict.fromkeys(m for run in runs for m in curve_metrics(run.history)))
    panels = []
    for metric in metrics:
        for split in ("val", "train"):
            column = f"{split}_{metric}"
            traces = [
                trace
                for label, members in groups.items()
                if (trace := _group_trace(label, members, column, smooth)) is not None
            ]
            if traces:
                panels.append({"title": f"{split} {metric}", "traces": traces})
    return panels


def _group_trace(
    label: str, runs: Sequence[Run], column: str, smooth: int
) -> dict[str, Any] | None:
    columns = {}
    for i, run in enumerate(runs):
        history = run.history
        if column in history.columns and "epoch" in history.columns:
            frame = history[["epoch", column]].apply(pd.to_numeric, errors="coerce")
            frame = frame.dropna(subset=["epoch"]).drop_duplicates("epoch", keep="last")
            columns[i] = frame.set_index("epoch")[column]
    if not columns:
        return None
    table = pd.DataFrame(columns).sort_index()
    table = table.replace([np.inf, -np.inf], np.nan)
    mean = moving_average(table.mean(axis=1).to_numpy(), smooth)
    trace: dict[str, Any] = {
        "name": label or "runs",
        "runs": len(columns),
        "x": values(table.index.to_numpy()),
        "y": values(mean),
    }
    if len(columns) > 1:
        std = moving_average(table.std(axis=1, ddof=1).to_numpy(), smooth)
        trace["low"], trace["high"] = values(mean - std), values(mean + std)
    return trace
