"""Reading a run's history DataFrame for plotting: metric columns, x values, smoothing.

The history has one row per epoch (``epoch`` from 1) and the trainer's columns
(DESIGN.md §2.3): ``train_<m>`` and ``val_<m>`` for each metric ``m`` (``loss``,
``accuracy`` or ``mse``/``max_abs_error``), ``lr``, ``train_seconds``, ``seconds`` (the
whole epoch) and ``layer{i}_{weight_norm,grad_norm,dead_fraction}``.  A split whose
column is missing or entirely NaN (no validation set) is treated as absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nnexp.errors import RunError
from nnexp.plots.base import finite_or_nan

#: Values of the ``x`` option and the axis label each gives.
X_LABELS: dict[str, str] = {"epoch": "epoch", "time": "time (s)"}
SPLITS = ("train", "val")
#: The task's metric :func:`default_metrics` draws next to the loss, the first found.
TASK_METRICS = ("accuracy", "max_abs_error", "mse")
_LOSS_COLUMNS = ("train_loss", "val_loss")


def check_history(history: pd.DataFrame, label: str = "run") -> None:
    """Raise :class:`RunError` unless ``history`` has an ``epoch`` column and a row."""
    if "epoch" not in history.columns:
        raise RunError(
            f"{label}: the metrics table has no 'epoch' column (columns: "
            f"{', '.join(map(str, history.columns)) or 'none'}); is it a metrics.csv?"
        )
    if len(history) == 0:
        raise RunError(
            f"{label}: no epoch has been recorded yet, so there is nothing to plot."
        )


def has_data(history: pd.DataFrame, column: str) -> bool:
    """True when ``column`` exists and holds at least one non-NaN value (inf counts)."""
    if column not in history.columns:
        return False
    values = history[column].to_numpy()
    if values.dtype.kind == "f":  # the usual case, without a Series of flags
        return not bool(np.isnan(values).all())
    return bool(pd.notna(values).any())


def available_metrics(history: pd.DataFrame) -> list[str]:
    """Names accepted by :func:`metric_columns`: split metrics first, then columns."""
    split_metrics = [
        col.split("_", 1)[1]
        for col in history.columns
        if str(col).startswith(("train_", "val_")) and has_data(history, col)
    ]
    others = [c for c in history.columns if c != "epoch" and has_data(history, c)]
    return list(dict.fromkeys(split_metrics + [str(c) for c in others]))


def metric_columns(
    history: pd.DataFrame, metric: str, label: str = "run"
) -> dict[str, str]:
    """The columns that hold ``metric``, keyed by split.

    ``"loss"`` gives ``{"train": "train_loss", "val": "val_loss"}`` (a split without
    data is left out); a plain column such as ``"lr"`` gives ``{"": "lr"}``.

    Raises
    ------
    RunError
        When the history holds no such metric; the message lists the ones it has.
    """
    found = {s: f"{s}_{metric}" for s in SPLITS if has_data(history, f"{s}_{metric}")}
    if found:
        return found
    if has_data(history, metric) and metric != "epoch":
        return {"": metric}
    # a run that diverged in its first epoch has the columns but no finite value: it
    # has the metric, with nothing to draw
    present = {s: f"{s}_{metric}" for s in SPLITS if f"{s}_{metric}" in history.columns}
    if present and len(history):
        return present
    raise RunError(
        f"{label} has no metric '{metric}'; available metrics: "
        f"{', '.join(available_metrics(history)) or 'none'}."
    )


def default_metrics(history: pd.DataFrame) -> list[str]:
    """Loss plus the task's metric: accuracy (classification), or for regression the
    maximum absolute error (the mse would repeat the mse loss up to a factor)."""
    for metric in TASK_METRICS:
        if any(has_data(history, f"{s}_{metric}") for s in SPLITS):
            return ["loss", metric]
    return ["loss"]


def default_columns(x: str = "epoch") -> list[str]:
    """The history columns that the curves of :func:`default_metrics` over ``x`` read
    (and, through the losses, whether a run diverged): a reader of many runs needs
    no others."""
    metrics = [f"{s}_{m}" for m in ("loss", *TASK_METRICS) for s in SPLITS]
    return ["epoch", *metrics, *(["seconds"] if x == "time" else [])]


def x_values(history: pd.DataFrame, x: str) -> np.ndarray:
    """The horizontal coordinate of each row: the epoch, or cumulative seconds.

    ``x="time"`` sums the per-epoch ``seconds`` column (a missing value counts as 0 s),
    so the curve shows what a run reached after so much wall time.
    """
    if x == "epoch":
        return history["epoch"].to_numpy(dtype=float)
    if x == "time":
        if "seconds" not in history.columns:
            raise RunError("x='time' needs the 'seconds' column, which this run lacks.")
        return history["seconds"].astype(float).fillna(0.0).cumsum().to_numpy()
    raise RunError(f"unknown x axis '{x}'; allowed: {', '.join(X_LABELS)}.")


def is_diverged(history: pd.DataFrame) -> bool:
    """True when a loss column has data and its last value is not finite."""
    for column in _LOSS_COLUMNS:
        if has_data(history, column) and not np.isfinite(
            float(history[column].to_numpy()[-1])
        ):
            return True
    return False


def trusted_rows(history: pd.DataFrame) -> pd.DataFrame:
    """The rows of a diverged run up to its last epoch with finite losses.

    The metrics of the epoch that diverged were computed from non-finite weights (an
    accuracy of 9.8 % from NaN outputs means nothing), so curves stop one epoch
    earlier.  A run that never had a finite loss, or did not diverge, is returned
    whole.
    """
    if not is_diverged(history):
        return history
    columns = [c for c in _LOSS_COLUMNS if has_data(history, c)]
    finite = np.isfinite(history[columns].to_numpy(dtype=float)).all(axis=1)
    last = last_finite(np.where(finite, 0.0, np.nan))
    return history if last is None else history.iloc[: last + 1]


def last_finite(values: np.ndarray) -> int | None:
    """Index of the last finite entry of ``values``, or None when there is none."""
    idx = np.flatnonzero(np.isfinite(values))
    return int(idx[-1]) if idx.size else None


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over ``window`` epochs; NaN stays NaN.

    Near the ends the window is cut short (``min_periods=1``), and missing values are
    skipped inside a window but never filled in, so a diverged tail stays visible.
    """
    if window < 1:
        raise RunError(f"smoothing window must be a whole number ≥ 1, got {window}.")
    values = np.asarray(values, dtype=float)
    if window == 1:
        return values.copy()
    series = pd.Series(values).rolling(window, center=True, min_periods=1).mean()
    smoothed = series.to_numpy(copy=True)
    smoothed[np.isnan(values)] = np.nan
    return smoothed


def aggregate(
    histories: list[pd.DataFrame], column: str, x: str, *, log: bool = False
) -> pd.DataFrame:
    """Per epoch, over runs: mean x, mean and sample std of ``column``, count.

    Non-finite values (a diverged tail) are left out of the statistics.  With
    ``x="time"`` the x of an epoch is the runs' mean cumulative time.  With ``log``
    the statistics are those of log10 of the values (the space of a log axis);
    values ≤ 0, which a log axis cannot show, are left out.

    Returns
    -------
    DataFrame
        Indexed by epoch, columns ``x``, ``mean``, ``std`` (ddof=1, NaN below 2
        values) and ``n``.
    """
    used = [h for h in histories if column in h.columns]
    epochs = np.concatenate([h["epoch"].to_numpy() for h in used])
    ys = np.concatenate([finite_or_nan(h[column]) for h in used])
    if log:
        ys = _log10(ys)
    known = ~pd.isna(epochs)  # a row without an epoch belongs to no epoch
    index, group = _epoch_groups(epochs[known])
    ys = ys[known]
    count = len(index)
    n = np.bincount(group[~np.isnan(ys)], minlength=count)
    with np.errstate(invalid="ignore", divide="ignore"):
        if x == "epoch":  # the mean of an epoch's copies of itself is itself
            x_mean = index.astype(float)
        else:
            xs = np.concatenate([x_values(h, x) for h in used])[known]
            n_x = np.bincount(group[~np.isnan(xs)], minlength=count)
            x_mean = _group_sums(group, xs, count) / n_x
        mean = _group_sums(group, ys, count) / n
        spread = _group_sums(group, (ys - mean[group]) ** 2, count)
        std = np.sqrt(spread / np.where(n >= 2, n - 1, np.nan))
    return pd.DataFrame(
        {"x": x_mean, "mean": mean, "std": std, "n": n},
        index=pd.Index(index, name="epoch"),
    )


def _epoch_groups(epochs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct epochs, sorted, and each row's position among them
    (``np.unique(epochs, return_inverse=True)``; for whole numbers by counting,
    without sorting the rows of every run)."""
    if epochs.dtype.kind not in "iu" or not epochs.size:
        return np.unique(epochs, return_inverse=True)
    low = epochs.min()
    if epochs.max() - low > 4 * epochs.size:  # sparse epochs: a table per epoch is
        return np.unique(epochs, return_inverse=True)  # not worth it
    present = np.bincount(epochs - low) > 0
    position = np.cumsum(present) - 1
    return np.flatnonzero(present) + low, position[epochs - low]


def _group_sums(group: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """Per group, the sum of ``values`` that are not NaN (0 for a group of none)."""
    weights = np.where(np.isnan(values), 0.0, values)
    return np.bincount(group, weights=weights, minlength=count)


def _log10(values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape, np.nan)
    positive = values > 0
    out[positive] = np.log10(values[positive])
    return out
