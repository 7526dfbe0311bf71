"""Train a run again from its ``config.yaml`` and check it reproduces (``nnexp rerun``).

A run folder's ``config.yaml`` is the fully resolved spec, and every random draw comes
from named generators of its seed, so training it again must give the same metrics (the
time columns aside) and the same weights, bit for bit.  :func:`check_rerun` does that
in a temporary runs folder and reports the first difference it finds, and which of
the settings recorded in the summary (nnexp and NumPy versions, BLAS library, kernel
architecture and thread count, ``OPENBLAS_CORETYPE``, CPU) differ on this machine, so
a mismatch comes with its likely cause.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnexp.errors import RunError
from nnexp.runner.train import resolve_spec, train
from nnexp.runs import environment
from nnexp.runs.checkpoint import load_npz
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import Run, effective_status, load_run, read_record, run_spec

if TYPE_CHECKING:  # pandas is loaded by the run reader when a table is read
    import pandas as pd

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
    #: columns the rerun records that the original's metrics.csv has not (not compared)
    new_columns: list[str] = field(default_factory=list)
    weight_names: list[str] = field(default_factory=list)
    #: (setting, original, now) for recorded settings that differ on this machine
    environment_differences: list[tuple[str, Any, Any]] = field(default_factory=list)
    #: the check of the run this one continues (a continued run reruns its chain)
    parent: RerunCheck | None = None

    def chain(self) -> list[RerunCheck]:
        """The checks of the ancestors, the first run of the chain first."""
        return [*self.parent.chain(), self.parent] if self.parent else []

    @property
    def likely_cause(self) -> str | None:
        """Why a mismatch happened, if a recorded setting explains it."""
        return environment.likely_cause(self.environment_differences)

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
            and (self.parent is None or self.parent.matches)
        )


def rerun(
    run_dir: str | Path, *, runs_dir: str | Path | None = None, **run_kwargs: Any
) -> Run:
    """Train a new run from ``run_dir``'s config.yaml (into ``runs_dir`` if given,
    else the config's ``output.runs_dir``); ``run_kwargs`` go to
    :func:`~nnexp.runner.train.train`."""
    return train(run_spec(run_dir), runs_dir=runs_dir, **run_kwargs)


def compare_metrics(
    a: pd.DataFrame, b: pd.DataFrame, ignore: Sequence[str] = TIME_COLUMNS
):
    """The first difference between two metrics tables, or None if they are equal.

    Values must be equal exactly (NaN equals NaN: a column the task does not fill).
    Returns ``(column, epoch, a_value, b_value)``; for a different set of columns or
    number of rows, ``("columns", None, ...)`` or ``("epochs", None, ...)``.  Columns
    that only ``b`` has (a newer nnexp records more: :func:`new_columns`) are not
    compared; a column of ``a`` that ``b`` lacks is a difference.
    """
    cols_a = [c for c in a.columns if c not in ignore]
    cols_b = [c for c in b.columns if c not in ignore and c in cols_a]
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


def new_columns(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """The columns of ``b`` (a rerun's metrics) that ``a`` (an older folder's) lacks."""
    return [c for c in b.columns if c not in a.columns]


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
    summary = read_record(run_dir)
    status = effective_status(summary) if summary is not None else "unknown"
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

    A continued run (``training.continue_from``) is checked with its chain: the
    parent is rerun first (and compared), and the child continues from the parent's
    rerun.

    Parameters
    ----------
    run_dir : a completed or diverged run folder
    keep : keep the rerun's folder (its path is in the result); otherwise it is deleted
    run_kwargs : passed to :func:`~nnexp.runner.train.train` (``callbacks``, ``stop``,
        ``progress``)

    Returns
    -------
    RerunCheck : whether metrics (time columns aside) and ``model.npz`` match exactly,
        the first difference of each, and the recorded settings that differ from
        this machine's
    """
    tmp = Path(tempfile.mkdtemp(prefix="nnexp-rerun-"))
    try:
        result = _check(Path(run_dir), tmp, run_kwargs)
        if not keep:
            result.rerun = None
            for parent in result.chain():
                parent.rerun = None
        return result
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _check(run_dir: Path, tmp: Path, run_kwargs: dict[str, Any]) -> RerunCheck:
    spec = run_spec(run_dir)
    status = _checkable(run_dir)
    original = load_run(run_dir)
    # plots do not change metrics or weights; skipping them makes the check faster
    overrides = ["output.plots=false"]
    parent = None
    if spec.training.continue_from is not None:
        parent_dir = Path(spec.training.continue_from)
        if not parent_dir.is_dir():
            raise RunError(
                f"{run_dir} continues {parent_dir}, which is gone: a continued run is"
                " checked by rerunning its chain, and that needs the parent's folder"
            )
        parent = _check(parent_dir, tmp, run_kwargs)
        if parent.rerun_status != "completed":
            return _outcome(run_dir, status, original, None, parent)
        overrides.append(f"training.continue_from={parent.rerun}")
    new = train(resolve_spec(spec, overrides, runs_dir=tmp), **run_kwargs)
    return _outcome(run_dir, status, original, new, parent)


def _outcome(
    run_dir: Path, status: str, original: Run, new: Run | None, parent: Any
) -> RerunCheck:
    weights_a = load_npz(RunPaths(run_dir).model)
    weights_b = (
        load_npz(new.paths.model)
        if new is not None and new.paths.model.is_file()
        else {}
    )
    now = environment.recorded(new.record) if new is not None else environment.current()
    diffs = environment.differences(environment.recorded(original.record), now)
    return RerunCheck(
        original=run_dir,
        rerun=new.path if new is not None else None,
        original_status=status,
        rerun_status=new.status
        if new is not None
        else "not run (its parent did not complete)",
        epochs=len(new.history) if new is not None else 0,
        metric_difference=compare_metrics(
            original.history,
            new.history if new is not None else original.history.iloc[:0],
        ),
        weight_difference=compare_weights(weights_a, weights_b),
        compared_columns=[c for c in original.history.columns if c not in TIME_COLUMNS],
        new_columns=new_columns(original.history, new.history)
        if new is not None
        else [],
        weight_names=list(weights_a),
        environment_differences=diffs,
        parent=parent,
    )
