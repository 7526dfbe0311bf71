"""The metrics an early-stopping ``monitor`` can name.

A run records ``train_<metric>`` and, with a validation split, ``val_<metric>`` for the
metrics of its task (the columns of metrics.csv).  The spec alone does not say the task
(the data set does), so a spec is checked twice: the name against every metric when it
loads (:func:`monitor_problem`, a typo such as ``val_los`` is caught at once), and
against the run's task and splits once the data set is known (:func:`monitor_problems`).
"""

from __future__ import annotations

import difflib
from typing import Any

#: per-split metrics recorded for each task
TASK_METRICS = {
    "classification": ("loss", "accuracy"),
    "regression": ("loss", "mse", "max_abs_error"),
}
KEY = "training.early_stopping.monitor"


def monitor_names(task: str | None = None, *, validation: bool = True) -> list[str]:
    """The monitor names of ``task`` (every task when None); ``val_`` ones only
    with a validation split."""
    splits = ("train", "val") if validation else ("train",)
    names: list[str] = []
    for t in [task] if task else list(TASK_METRICS):
        for metric in TASK_METRICS.get(t, ("loss",)):
            names += [f"{s}_{metric}" for s in splits if f"{s}_{metric}" not in names]
    return names


def _did_you_mean(name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    return f" Did you mean {close[0]}?" if close else ""


def monitor_problem(name: str) -> str | None:
    """Why ``name`` is no metric of any run (None when it is one)."""
    if name in monitor_names():
        return None
    per_task = "; ".join(
        f"{task}: {', '.join(monitor_names(task))}" for task in TASK_METRICS
    )
    return (
        f"{name!r} is not a metric a run records.{_did_you_mean(name, monitor_names())}"
        f" Allowed ({per_task}; val_ ones need a validation split)."
    )


def monitor_problems(spec: Any, info: Any) -> list[tuple[str, str]]:
    """The early-stopping monitor of ``spec`` against the data set's task and splits
    (``info``: ``name``, ``task`` and ``sizes["val"]``), as ``(key, message)``."""
    early = spec.training.early_stopping
    if early is None:
        return []
    has_val = bool((getattr(info, "sizes", None) or {}).get("val"))
    allowed = monitor_names(info.task, validation=has_val)
    name = early.monitor
    if name in allowed:
        return []
    data = f"data set {info.name}"
    metric = name.partition("_")[2]
    if name.startswith("val_") and f"train_{metric}" in allowed:
        msg = (
            f"{name} needs a validation split, but {data} has none; give it one"
            f" (dataset.validation: 0.1) or monitor train_{metric}"
        )
    else:
        msg = (
            f"{name} is not recorded for {data} (a {info.task} task).{_did_you_mean(name, allowed)}"
            f" Allowed: {', '.join(allowed)}"
        )
    return [(KEY, msg)]
