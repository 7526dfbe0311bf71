"""Reading histories for plotting (nnexp.plots.series)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from nnexp.errors import RunError
from nnexp.plots.series import (
    aggregate,
    available_metrics,
    check_history,
    default_metrics,
    is_diverged,
    metric_columns,
    moving_average,
    trusted_rows,
    x_values,
)


def test_moving_average_is_centred_and_cut_short_at_the_ends():
    assert_allclose(moving_average(np.array([1.0, 2, 3, 4, 5]), 3), [1.5, 2, 3, 4, 4.5])
    assert_allclose(moving_average(np.array([1.0, 2, 3]), 1), [1, 2, 3])


def test_moving_average_keeps_missing_values_missing():
    out = moving_average(np.array([1.0, 3.0, np.nan, 5.0]), 3)
    assert np.isnan(out[2])
    assert_allclose(out[[0, 1, 3]], [2.0, 2.0, 5.0])  # NaN skipped inside a window


def test_moving_average_rejects_a_window_below_one():
    with pytest.raises(RunError, match="≥ 1"):
        moving_average(np.ones(3), 0)


def test_time_axis_is_cumulative_epoch_seconds():
    history = pd.DataFrame({"epoch": [1, 2, 3], "seconds": [1.5, 2.0, np.nan]})
    assert_allclose(x_values(history, "time"), [1.5, 3.5, 3.5])
    assert_allclose(x_values(history, "epoch"), [1, 2, 3])
    with pytest.raises(RunError, match="allowed: epoch, time"):
        x_values(history, "step")
    with pytest.raises(RunError, match="seconds"):
        x_values(history.drop(columns="seconds"), "time")


def test_a_split_without_data_is_absent(cls_history):
    no_val = cls_history.assign(val_loss=np.nan, val_accuracy=np.nan)
    assert metric_columns(no_val, "loss") == {"train": "train_loss"}
    assert metric_columns(cls_history, "loss") == {
        "train": "train_loss",
        "val": "val_loss",
    }
    assert metric_columns(cls_history, "lr") == {"": "lr"}
    # A NaN val_loss without a validation set is not divergence.
    assert not is_diverged(no_val)


def test_unknown_metric_lists_the_available_ones(reg_history):
    with pytest.raises(RunError) as info:
        metric_columns(reg_history, "accuracy", "run 'b'")
    assert "run 'b' has no metric 'accuracy'" in str(info.value)
    assert "mse" in str(info.value) and "max_abs_error" in str(info.value)
    assert available_metrics(reg_history)[:3] == ["loss", "mse", "max_abs_error"]


def test_default_metrics_follow_the_task(cls_history, reg_history):
    assert default_metrics(cls_history) == ["loss", "accuracy"]
    assert default_metrics(reg_history) == ["loss", "max_abs_error"]
    assert default_metrics(pd.DataFrame({"epoch": [1], "train_loss": [1.0]})) == [
        "loss"
    ]


def test_diverged_run_is_cut_at_its_last_finite_epoch(diverged, cls_history):
    assert is_diverged(diverged)
    assert not is_diverged(cls_history)
    kept = trusted_rows(diverged)
    assert len(kept) == len(diverged) - 1
    assert np.isfinite(kept[["train_loss", "val_loss"]].to_numpy()).all()
    assert trusted_rows(cls_history) is cls_history


def test_check_history_errors():
    with pytest.raises(RunError, match="no 'epoch' column"):
        check_history(pd.DataFrame({"loss": [1.0]}))
    with pytest.raises(RunError, match="no epoch has been recorded"):
        check_history(pd.DataFrame({"epoch": []}))


def test_aggregate_mean_std_and_count_by_epoch():
    a = pd.DataFrame({"epoch": [1, 2, 3], "val_loss": [1.0, 2.0, 3.0], "seconds": 1.0})
    b = pd.DataFrame(
        {"epoch": [1, 2, 3], "val_loss": [3.0, 4.0, np.inf], "seconds": 3.0}
    )
    c = pd.DataFrame({"epoch": [1, 2], "val_loss": [5.0, 6.0], "seconds": 2.0})
    stats = aggregate([a, b, c], "val_loss", "time")
    assert_allclose(stats["mean"], [3.0, 4.0, 3.0])
    assert_allclose(stats["std"].iloc[:2], [2.0, 2.0])  # sample std of (1, 3, 5)
    assert np.isnan(stats["std"].iloc[2])  # one finite value: no spread
    assert list(stats["n"]) == [3, 3, 1]
    assert_allclose(stats["x"], [2.0, 4.0, 6.0])  # mean cumulative seconds: (3 + 9) / 2
