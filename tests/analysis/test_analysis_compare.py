"""The comparison table reads the run's own files; sorting and its errors."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from analysis_fixtures import make_config, make_history, write_run

from nnexp.analysis.compare import compare
from nnexp.analysis.select import select_runs
from nnexp.errors import RunError


def test_values_equal_the_metrics_and_summary_files(runs_dir):
    comparison = compare(select_runs([runs_dir]).runs)
    assert len(comparison.table) == 3
    for row in comparison.table.to_dict("records"):
        metrics = pd.read_csv(f"{row['folder']}/metrics.csv")
        summary = json.loads(open(f"{row['folder']}/summary.json").read())
        last = metrics.iloc[-1]
        for column in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
            assert (
                row[f"final_{column}"] == last[column]
            )  # exactly: same file, same parse
        best = metrics[metrics["epoch"] == summary["best_epoch"]].iloc[0]
        assert row["best_val_accuracy"] == best["val_accuracy"]
        assert row["best_epoch"] == summary["best_epoch"]
        assert row["test_accuracy"] == summary["test"]["accuracy"]
        assert row["epochs"] == int(last["epoch"])
        assert row["seconds"] == summary["wall_seconds"]


def test_columns_are_the_differing_settings_then_the_metrics(runs_dir):
    table = compare(select_runs([runs_dir]).runs).table
    assert list(table.columns[:2]) == ["activation", "optimizer"]
    assert "name" not in table.columns  # the spec name is not a setting that differs
    assert table.columns[-1] == "folder"


def test_sorted_best_first_by_validation_accuracy_by_default(runs_dir):
    comparison = compare(select_runs([runs_dir]).runs)
    assert comparison.sort == "final_val_accuracy" and comparison.higher_is_better
    assert list(comparison.table["activation"]) == ["relu", "tanh", "abs"]
    values = comparison.table["final_val_accuracy"]
    assert values.is_monotonic_decreasing


@pytest.mark.parametrize(
    ("sort", "column", "first"),
    [
        ("loss", "final_val_loss", "relu"),  # a metric name: its validation column
        ("final_train_loss", "final_train_loss", "relu"),
        ("test_accuracy", "test_accuracy", "relu"),
        ("activation", "activation", "abs"),  # a setting: alphabetical
    ],
)
def test_sort_by_any_column(runs_dir, sort, column, first):
    comparison = compare(select_runs([runs_dir]).runs, sort=sort)
    assert comparison.sort == column
    assert comparison.table["activation"].iloc[0] == first


def test_an_unknown_sort_column_lists_the_columns(runs_dir):
    with pytest.raises(
        RunError, match="cannot sort by 'speed'.*final_val_accuracy.*test_accuracy"
    ):
        compare(select_runs([runs_dir]).runs, sort="speed")


def test_a_diverged_run_sorts_last_by_loss(runs_dir, rng):
    write_run(
        runs_dir / "diverged",
        make_config(model__activation__name="exp"),
        make_history(rng, diverge_at=3),
    )
    comparison = compare(select_runs([runs_dir]).runs, sort="loss")
    last = comparison.table.iloc[-1]
    assert last["status"] == "diverged" and math.isinf(last["final_val_loss"])


def test_a_running_run_gets_its_best_epoch_from_the_rows_so_far(tmp_path, rng):
    history = make_history(rng).iloc[:4].copy()
    history.loc[1, "val_accuracy"] = 0.99  # epoch 2 is the best so far
    run = write_run(tmp_path / "going", make_config(), history, status="running")
    row = compare(select_runs([run]).runs).table.iloc[0]
    assert row["status"] == "running" and row["epochs"] == 4
    assert (row["best_epoch"], row["best_val_accuracy"]) == (2, 0.99)
    assert (
        "test_accuracy" not in row.index
    )  # no test metrics yet: the column is left out


def test_regression_compares_mse_lowest_first(regression_run, tmp_path, rng):
    from analysis_fixtures import REGRESSION_CONFIG
    from analysis_fixtures import make_config as config

    other = write_run(
        tmp_path / "reg2",
        config(REGRESSION_CONFIG, optimizer__lr=0.01),
        make_history(rng, task="regression", quality=0.5),
        task="regression",
    )
    comparison = compare(select_runs([regression_run, other]).runs)
    assert comparison.sort == "final_val_mse" and not comparison.higher_is_better
    assert list(comparison.table["lr"]) == [0.1, 0.01]
    assert {"best_val_mse", "final_val_max_abs_error", "test_mse"} <= set(
        comparison.table.columns
    )
    assert "final_val_accuracy" not in comparison.table.columns
