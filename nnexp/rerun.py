"""Train a run again from its ``config.yaml`` and check it reproduces (``nnexp rerun``).

A run folder's ``config.yaml`` is the fully resolved spec, and every random draw comes
from named generators of its seed, so training it again must give the same metrics (the
time columns aside) and the same weights, bit for bit.  :func:`check_rerun` does that
in a temporary runs folder and reports the first difference it finds.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nnexp import api
from nnexp.errors import RunError
from nnexp.runs.checkpoint import load_npz
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import Run, effective_status, load_run, read_summary
from nnexp.spec.load import load_spec
from nnexp.spec.models import RunSpec

#: metrics columns that measure the machine, not the training
TIME_COLUMNS = ("train_seconds", "seconds")
#: original runs whose metrics and weights can be compared with a full rerun
CHECKABLE = ("completed", "diverged")


@dataclass
class RerunCheck:
    """Outcome of :func:`check_rerun`.

    ``metric_difference`` is ``(column, epoch, original, rerun)`` for the first
    differing value (epochs in order, columns in file order), or a ``(what, None,
    original, rerun)`` tuple when the tables differ in columns or length;
    ``weight_difference`` is ``(name, max_abs_difference)`` for the first differing
    array (``inf`` when a name or shape differs).
    """

    original: Path
    rerun: Path | None
    original_status: str
    rerun_status: str
    epochs: int
    metric_difference: tuple[str, int | None, Any, Any] | None = None
    weight_difference: tuple[str, float] | None = None
    compared_columns: list[str] = field(default_factory=list)
    weight_names: list[str] = field(default_factory=list)

    @property
    def metrics_match(self) -> bool:
        return self.metric_difference is None

    @property
    def weights_match(self) -> bool:
        return self.weight_difference is None

    @property
    def matches(self) -> bool:
        return (
            self.metrics_match
            and self.weights_match
            and self.original_status == self.rerun_status
        )


def run_config(run_dir: str | Path) -> RunSpec:
    """The validated spec in a run folder's ``config.yaml``."""
    paths = RunPaths(Path(run_dir))
    if not paths.root.is_dir():
        raise RunError(f"{paths.root} is not a folder (expected a run folder)")
    if not paths.config.is_file():
        raise RunError(f"{paths.root} is not a run folder: it has no config.yaml")
    return load_spec(paths.config)


def rerun(
    run_dir: str | Path, *, runs_dir: str | Path | None = None, **run_kwargs: Any
) -> Run:
    """Train a new run from ``run_dir``'s config.yaml (into ``runs_dir`` if given,
    else the config's ``output.runs_dir``); ``run_kwargs`` go to
    :func:`nnexp.api.run`."""
    return api.run(run_config(run_dir), runs_dir=runs_dir, **run_kwargs)


def compare_metrics(
    a: pd.DataFrame, b: pd.DataFrame, ignore: Sequence[str] = TIME_COLUMNS
):
    """The first difference between two metrics tables, or None if they are equal.

    Values must be equal exactly (NaN equals NaN: a column the task does not fill).
    Returns ``(column, epoch, a_value, b_value)``; for a different set of columns or
    number of rows, ``("columns", None, ...)`` or ``("epochs", None, ...)``.
    """
    cols_a = [c for c in a.columns if c not in ignore]
    cols_b = [c for c in b.columns if c not in ignore]
    if cols_a != cols_b:
        return ("columns", None, cols_a, cols_b)
    if len(a) != len(b):
        return ("epochs", None, len(a), len(b))
    for i in range(len(a)):
        for col in cols_a:
            x, y = a[col].iloc[i], b[col].iloc[i]
            if not _same(x, y):
                epoch = int(a["epoch"].iloc[i]) if "epoch" in a else i + 1
                return (col, epoch, _py(x), _py(y))
    return None


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, float | np.floating) and isinstance(y, float | np.floating):
        return bool(x == y or (np.isnan(x) and np.isnan(y)))
    return bool(x == y)


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def compare_weights(
    a: dict[str, np.ndarray], b: dict[str, np.ndarray]
) -> tuple[str, float] | None:
    """The first array (in ``a``'s order) that differs, with its max |difference|."""
    for name in [*a, *(k for k in b if k not in a)]:
        if name not in a or name not in b or a[name].shape != b[name].shape:
            return (name, float("inf"))
        if not np.array_equal(a[name], b[name], equal_nan=True):
            with np.errstate(invalid="ignore", over="ignore"):
                diff = np.abs(a[name].astype(np.float64) - b[name].astype(np.float64))
            return (
                name,
                float(np.nanmax(diff)) if np.isfinite(diff).any() else float("inf"),
            )
    return None


def _checkable(run_dir: Path) -> str:
    summary = read_summary(run_dir)
    status = effective_status(summary) if summary else "unknown"
    if status not in CHECKABLE:
        hint = (
            " (resume it first: nnexp train --resume RUN)"
            if status == "interrupted"
            else ""
        )
        raise RunError(
            f"{run_dir} ended as {status!r}: only a completed or diverged run has final"
            f" metrics and weights to compare a rerun with{hint}"
        )
    if not RunPaths(run_dir).model.is_file():
        raise RunError(f"{run_dir} has no model.npz to compare a rerun with")
    return status


def check_rerun(
    run_dir: str | Path, *, keep: bool = False, **run_kwargs: Any
) -> RerunCheck:
    """Train ``run_dir`` again in a temporary runs folder; compare with the original.

    Parameters
    ----------
    run_dir : a completed or diverged run folder
    keep : keep the rerun's folder (its path is in the result); otherwise it is deleted
    run_kwargs : passed to :func:`nnexp.api.run` (``callbacks``, ``stop``, ``progress``)

    Returns
    -------
    RerunCheck : whether metrics (time columns aside) and ``model.npz`` match exactly,
        and the first difference of each
    """
    run_dir = Path(run_dir)
    spec = run_config(run_dir)
    status = _checkable(run_dir)
    original = load_run(run_dir)
    tmp = Path(tempfile.mkdtemp(prefix="nnexp-rerun-"))
    try:
        # plots do not change metrics or weights; skipping them makes the check faster
        spec = api.resolve_spec(spec, ["output.plots=false"], runs_dir=tmp)
        new = api.run(spec, **run_kwargs)
        weights_a = load_npz(RunPaths(run_dir).model)
        weights_b = load_npz(new.paths.model) if new.paths.model.is_file() else {}
        return RerunCheck(
            original=run_dir,
            rerun=new.path if keep else None,
            original_status=status,
            rerun_status=new.status,
            epochs=len(new.history),
            metric_difference=compare_metrics(original.history, new.history),
            weight_difference=compare_weights(weights_a, weights_b),
            compared_columns=[
                c for c in original.history.columns if c not in TIME_COLUMNS
            ],
            weight_names=list(weights_a),
        )
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
