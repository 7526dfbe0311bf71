"""``nnexp eval`` / :func:`evaluate_run` and ``nnexp rerun`` / :mod:`nnexp.runner.rerun`."""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import QUICKSTART, small

from nnexp import api
from nnexp.errors import DataError, RunError
from nnexp.runner.evaluate import evaluate_run, parse_dataset_ref
from nnexp.runner.rerun import check_rerun, compare_metrics, compare_weights
from nnexp.runs.reader import load_run


@pytest.fixture
def run_copy(trained_run, tmp_path: Path) -> Path:
    """A private copy of the shared two-epoch run (tests may damage it)."""
    return Path(shutil.copytree(trained_run.path, tmp_path / trained_run.path.name))


# --- eval -----------------------------------------------------------------------------


def test_evaluate_run_reproduces_the_test_and_validation_metrics_of_training(
    trained_run,
):
    test = evaluate_run(trained_run.path)
    assert (
        test["split"] == "test" and test["n"] == 2000 and test["dataset"] == "mnist_10k"
    )
    assert test["loss"] == trained_run.summary["test"]["loss"]
    assert test["accuracy"] == trained_run.summary["test"]["accuracy"]
    val = evaluate_run(trained_run.path, split="val")  # the same held-out 30 digits
    assert val["n"] == 30
    assert val["loss"] == trained_run.summary["final"]["val_loss"]
    assert val["accuracy"] == trained_run.summary["final"]["val_accuracy"]


def test_evaluate_run_on_another_data_set_of_the_same_shape(trained_run):
    same = evaluate_run(
        trained_run.path, "{name: mnist_10k, limit: 300, validation: 0.1}"
    )
    assert same == evaluate_run(trained_run.path)  # spelled out, the run's own data set
    other = evaluate_run(
        trained_run.path, "{name: mnist_10k, limit: 500, validation: 0.2}", "train"
    )
    assert other["n"] == 400
    assert 0.0 <= other["accuracy"] <= 1.0 and math.isfinite(other["loss"])


def test_eval_command_prints_loss_and_accuracy(cli: Callable, trained_run):
    result = cli("eval", trained_run.path, "--split", "val")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "mnist_10k (val, 30 samples)" in out
    assert f"{trained_run.summary['final']['val_loss']:.4g}" in out
    assert f"{100 * trained_run.summary['final']['val_accuracy']:.2f}%" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--dataset", "sincos"], ["sincos", "1 input features", "784", "regression"]),
        (
            ["--dataset", "{name: blobs, features: 784, classes: 3}"],
            ["3 outputs", "10"],
        ),
        (["--dataset", "mnsit"], ["mnsit", "mnist"]),
        (["--dataset", "[1, 2]"], ["--dataset", "name"]),
        (
            ["--dataset", "{name: mnist_10k, validation: null}", "--split", "val"],
            ["no val split"],
        ),
        (["--split", "training"], ["training", "test, val, train"]),
    ],
    ids=[
        "other-shape",
        "other-outputs",
        "unknown-dataset",
        "not-a-dataset",
        "no-such-split",
        "bad-split",
    ],
)
def test_eval_bad_input_exits_2(cli: Callable, trained_run, args, expected):
    result = cli("eval", trained_run.path, *args)
    text = result.stderr + result.stdout
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    for part in expected:
        assert part in text, (part, text)


def test_eval_without_weights_or_folder_exits_2(
    cli: Callable, run_copy: Path, tmp_path: Path
):
    (run_copy / "model.npz").unlink()
    result = cli("eval", run_copy)
    assert result.exit_code == 2 and "no model.npz" in result.stderr
    result = cli("eval", tmp_path / "nowhere")
    assert result.exit_code == 2 and "not found" in result.stderr
    with pytest.raises(RunError, match="no config.yaml"):
        evaluate_run(tmp_path)


def test_parse_dataset_ref():
    assert parse_dataset_ref("mnist_10k") == "mnist_10k"
    assert parse_dataset_ref("{name: sincos, n: 20}") == {"name": "sincos", "n": 20}
    with pytest.raises(DataError):
        parse_dataset_ref("{n: 20}")


# --- rerun ----------------------------------------------------------------------------


def test_rerun_check_reproduces_a_run_exactly(cli: Callable, trained_run):
    result = cli("rerun", trained_run.path, "--check", "--quiet")
    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.stdout
    assert "reproduced exactly" in out
    assert "original completed, rerun completed" in out
    assert "2 epochs" in out and "W1, b1, W2, b2" in out


def _edit_metrics(
    folder: Path, column: str, epoch: int, change: Callable[[float], float]
) -> None:
    path = folder / "metrics.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if int(r["epoch"]) == epoch)
    row[column] = repr(float(change(float(row[column]))))
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_rerun_check_names_the_first_differing_metric(cli: Callable, run_copy: Path):
    _edit_metrics(run_copy, "val_loss", 2, lambda v: np.nextafter(v, np.inf))  # one ulp
    result = cli("rerun", run_copy, "--check", "--quiet")
    assert result.exit_code == 1
    assert "first at column val_loss, epoch 2" in result.stdout, result.stdout
    assert "NOT reproduced" in result.stdout
    assert re.search(r"weights +match", result.stdout)


def test_rerun_check_ignores_the_time_columns(run_copy: Path):
    _edit_metrics(run_copy, "seconds", 1, lambda v: v + 100.0)
    _edit_metrics(run_copy, "train_seconds", 2, lambda v: v * 3.0)
    check = check_rerun(run_copy)
    assert check.matches and check.metrics_match and check.weights_match
    assert (
        "seconds" not in check.compared_columns and "val_loss" in check.compared_columns
    )
    assert check.rerun is None  # the temporary rerun folder is gone


def test_rerun_check_names_the_first_differing_weight(cli: Callable, run_copy: Path):
    with np.load(run_copy / "model.npz") as f:
        weights = {k: f[k].copy() for k in f.files}
    weights["W2"][3, 4] += np.float32(0.5)
    np.savez(run_copy / "model.npz", **weights)
    result = cli("rerun", run_copy, "--check", "--quiet")
    assert result.exit_code == 1
    assert "first in W2, max |difference| 0.5" in result.stdout
    assert re.search(r"metrics +match", result.stdout)


def test_rerun_check_refuses_an_interrupted_run(cli: Callable, run_copy: Path):
    path = run_copy / "summary.json"
    summary = json.loads(path.read_text())
    path.write_text(json.dumps({**summary, "status": "interrupted"}))
    result = cli("rerun", run_copy, "--check")
    assert result.exit_code == 2
    assert "interrupted" in result.stderr and "--resume" in result.stderr


def test_plain_rerun_trains_a_new_identical_run(
    cli: Callable, trained_run, tmp_path: Path
):
    result = cli("rerun", trained_run.path, "--runs-dir", tmp_path, "--quiet")
    assert result.exit_code == 0, result.stderr
    (folder,) = list(tmp_path.iterdir())
    new = load_run(folder)
    assert new.status == "completed" and folder != trained_run.path
    time_cols = ["train_seconds", "seconds"]
    pd.testing.assert_frame_equal(
        new.history.drop(columns=time_cols),
        trained_run.history.drop(columns=time_cols),
        check_exact=True,
    )
    assert new.config == {
        **trained_run.config,
        "output": {**trained_run.config["output"], "runs_dir": str(tmp_path.resolve())},
    }


def test_rerun_of_a_different_seed_differs(trained_run, tmp_path: Path):
    other = api.run(QUICKSTART, small(epochs=2), runs_dir=tmp_path, seed=1)
    assert compare_metrics(trained_run.history, other.history)[0] == "train_loss"
    with np.load(trained_run.paths.model) as a, np.load(other.paths.model) as b:
        name, diff = compare_weights(dict(a), dict(b))
    assert name == "W1" and 0 < diff < math.inf


def test_compare_metrics_and_weights_edge_cases():
    a = pd.DataFrame(
        {
            "epoch": [1, 2],
            "loss": [1.0, 0.5],
            "val": [math.nan, math.nan],
            "seconds": [1, 2],
        }
    )
    assert (
        compare_metrics(a, a.assign(seconds=[5, 6])) is None
    )  # NaN equals NaN; time ignored
    assert compare_metrics(a, a.assign(loss=[1.0, 0.25])) == ("loss", 2, 0.5, 0.25)
    assert compare_metrics(a, a.iloc[:1])[0] == "epochs"
    assert compare_metrics(a, a.drop(columns=["val"]))[0] == "columns"
    w = {"W1": np.zeros((2, 3)), "b1": np.zeros(3)}
    assert compare_weights(w, {k: v.copy() for k, v in w.items()}) is None
    assert compare_weights(w, {"W1": w["W1"]}) == ("b1", math.inf)
    assert compare_weights(w, {"W1": np.zeros((3, 2)), "b1": w["b1"]}) == (
        "W1",
        math.inf,
    )
