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


def groupby_reference(histories, column, x, log=False):
    """aggregate as pandas computes it (concat, then groupby over epochs): the
    definition the NumPy version must keep."""
    frames = []
    for h in histories:
        if column not in h.columns:
            continue
        y = h[column].to_numpy(dtype=float)
        y = np.where(np.isfinite(y), y, np.nan)
        if log:
            y = np.where(y > 0, np.log10(np.where(y > 0, y, 1.0)), np.nan)
        frames.append(pd.DataFrame({"epoch": h["epoch"], "x": x_values(h, x), "y": y}))
    return (
        pd.concat(frames, ignore_index=True)
        .groupby("epoch")
        .agg(x=("x", "mean"), mean=("y", "mean"), std=("y", "std"), n=("y", "count"))
    )


@pytest.mark.parametrize("x", ["epoch", "time"])
@pytest.mark.parametrize("log", [False, True])
def test_aggregate_equals_the_groupby_definition(rng, x, log):
    """Runs of different lengths, epochs out of order and repeated (a resumed run),
    inf, NaN, values ≤ 0 (left out on a log axis), an epoch only one run reached and
    a run without the column."""
    histories = []
    for length in (50, 37, 50, 1, 12):
        values = rng.lognormal(0.0, 1.0, length) * rng.choice(
            [1, -1], length, p=[0.9, 0.1]
        )
        values[rng.random(length) < 0.1] = np.inf
        values[rng.random(length) < 0.1] = np.nan
        histories.append(
            pd.DataFrame(
                {
                    "epoch": np.arange(1, length + 1),
                    "val_loss": values,
                    "seconds": rng.uniform(0.5, 1.5, length),
                }
            )  # fmt: skip
        )
    histories[1] = histories[1].iloc[rng.permutation(37)]
    histories[2] = pd.concat([histories[2], histories[2].iloc[30:34]])  # repeats
    histories.append(pd.DataFrame({"epoch": [1, 2, 60], "seconds": 1.0}))
    histories.append(pd.DataFrame({"epoch": [60], "val_loss": [2.5], "seconds": [4.0]}))
    got = aggregate(histories, "val_loss", x, log=log)
    want = groupby_reference(histories, "val_loss", x, log=log)
    pd.testing.assert_index_equal(got.index, want.index)
    assert list(got.columns) == ["x", "mean", "std", "n"]
    assert got["n"].tolist() == want["n"].tolist() and got["n"].dtype == np.int64
    for column in ("x", "mean", "std"):
        assert_allclose(got[column], want[column], rtol=1e-12, atol=1e-15)
    assert np.isnan(got.loc[60, "std"]) and got.loc[60, "n"] == 1


def test_epoch_groups_are_those_of_unique():
    from nnexp.plots.series import _epoch_groups

    for epochs in (
        np.array([3, 1, 2, 3, 1, 7]),
        np.array([5]),
        np.array([1.0, 2.0, 2.0]),  # not whole numbers: sorted by np.unique
        np.array([10**9, 1, 10**9]),  # too sparse for a table per epoch
        np.array([-2, 4, -2, 0]),
    ):
        index, group = _epoch_groups(epochs)
        want_index, want_group = np.unique(epochs, return_inverse=True)
        assert index.dtype == want_index.dtype
        assert index.tolist() == want_index.tolist()
        assert group.tolist() == want_group.tolist()


def test_has_data_for_every_kind_of_column():
    from nnexp.plots.series import has_data

    history = pd.DataFrame(
        {
            "epoch": [1, 2],
            "empty": [np.nan, np.nan],
            "inf": [np.nan, np.inf],
            "text": [None, "a"],
            "nothing": [None, None],
        }
    )
    assert has_data(history, "epoch") and has_data(history, "inf")
    assert has_data(history, "text")
    assert not has_data(history, "empty") and not has_data(history, "nothing")
    assert not has_data(history, "missing")


def test_default_columns_hold_what_the_default_curves_read(cls_history, reg_history):
    from nnexp.plots.series import default_columns

    for history in (cls_history, reg_history):
        for metric in default_metrics(history):
            columns = metric_columns(history, metric).values()
            assert set(columns) <= set(default_columns())
    assert "seconds" in default_columns("time") and "seconds" not in default_columns()
    assert {"epoch", "train_loss", "val_loss"} <= set(default_columns())


def test_aggregate_leaves_out_rows_without_an_epoch():
    a = pd.DataFrame({"epoch": [1.0, np.nan, 2.0], "val_loss": [1.0, 50.0, 2.0]})
    b = pd.DataFrame({"epoch": [1, 2], "val_loss": [3.0, 4.0]})
    got = aggregate([a, b], "val_loss", "epoch")
    want = groupby_reference([a, b], "val_loss", "epoch")
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
    assert got["mean"].tolist() == [2.0, 3.0]
