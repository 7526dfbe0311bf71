"""Early-stopping monitors against the data set's task and splits."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nnexp.spec.check import data_problems
from nnexp.spec.load import load_spec
from nnexp.spec.monitor import monitor_names, monitor_problem, monitor_problems

SPEC = {
    "name": "t",
    "dataset": "blobs",
    "model": {"hidden": [4]},
    "training": {"epochs": 1, "batch_size": 8, "early_stopping": True},
}


def info(task: str, val: int) -> SimpleNamespace:
    sizes = {"train": 100, "val": val, "test": 20}
    return SimpleNamespace(
        name="d", task=task, n_features=2, n_outputs=3, n_classes=3, sizes=sizes
    )


def spec_with(monitor: str):
    return load_spec(SPEC, [f"training.early_stopping.monitor={monitor}"])


def test_the_names_are_the_metrics_csv_columns_of_each_task():
    assert monitor_names("classification") == [
        "train_loss",
        "val_loss",
        "train_accuracy",
        "val_accuracy",
    ]
    assert monitor_names("regression", validation=False) == [
        "train_loss",
        "train_mse",
        "train_max_abs_error",
    ]
    assert set(monitor_names()) == {
        *monitor_names("classification"),
        *monitor_names("regression"),
    }


@pytest.mark.parametrize("name", monitor_names())
def test_every_known_name_loads(name):
    assert monitor_problem(name) is None
    assert spec_with(name).training.early_stopping.monitor == name


@pytest.mark.parametrize(
    ("monitor", "task", "val", "fragments"),
    [
        ("val_accuracy", "classification", 10, None),
        ("train_mse", "regression", 0, None),
        ("val_mse", "classification", 10, ["not recorded", "val_accuracy"]),
        ("train_accuracy", "regression", 10, ["regression", "train_mse"]),
        ("val_loss", "regression", 0, ["needs a validation split", "train_loss"]),
        ("val_accuracy", "classification", 0, ["validation split", "train_accuracy"]),
    ],
)
def test_the_monitor_must_be_recorded_by_this_run(monitor, task, val, fragments):
    problems = monitor_problems(spec_with(monitor), info(task, val))
    if fragments is None:
        assert problems == []
        return
    ((key, msg),) = problems
    assert key == "training.early_stopping.monitor"
    assert all(f in msg for f in fragments), msg
    # the data check reports it with the others
    assert (key, msg) in data_problems(spec_with(monitor), info(task, val))


def test_no_early_stopping_no_monitor_problem():
    spec = load_spec(SPEC, ["training.early_stopping=null"])
    assert monitor_problems(spec, info("regression", 0)) == []
