"""A run folder written by nnexp 0.2.0 still loads: old folders survive format changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from nnexp.api import load_run
from nnexp.runs.checkpoint import load_checkpoint, load_weights
from nnexp.training.history import columns

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "v0.2.0_fixture_blobs"

#: summary.json keys that readers (show, runs, compare, report, rerun) rely on
SUMMARY_KEYS = {
    "name", "seed", "tags", "dataset", "model", "epochs_planned", "environment",
    "status", "started", "finished", "versions", "command", "message", "epochs",
    "best_epoch", "stopped_early", "final", "best", "test", "wall_seconds",
}  # fmt: skip


@pytest.fixture
def run_dir(tmp_path):
    return Path(shutil.copytree(FIXTURE, tmp_path / FIXTURE.name))


def test_the_summary_keeps_its_keys(run_dir):
    run = load_run(run_dir)
    assert SUMMARY_KEYS <= set(run.summary)
    assert run.status == "completed" and run.task == "classification"
    assert run.summary["best_epoch"] == 2 and run.summary["epochs"] == 2
    assert set(run.summary["test"]) == {"loss", "accuracy"}
    assert run.name == "fixture_blobs"


def test_the_history_has_the_metrics_columns(run_dir):
    history = load_run(run_dir).history
    # the columns of this version less those added since (issue 15's statistics)
    added = ("_saturation", "_update_ratio")
    now = [c for c in columns("classification", 2) if not c.endswith(added)]
    assert list(history.columns) == now
    assert list(history["epoch"]) == [1, 2]
    final = load_run(run_dir).summary["final"]
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        assert history[key].iloc[-1] == final[key], key


def test_predict_is_the_forward_pass_of_model_npz(run_dir):
    run = load_run(run_dir)
    w = load_weights(run_dir / "model.npz")
    x = np.array([[0.0, 0.0], [1.5, -2.0], [-3.0, 4.0]])
    hidden = np.tanh(x @ w["W1"] + w["b1"])
    logits = hidden @ w["W2"] + w["b2"]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert_allclose(run.predict(x), expected, rtol=1e-12)


def test_the_checkpoint_loads(run_dir):
    state = load_checkpoint(run_dir / "checkpoint.npz")
    assert state.epoch == 2 and set(state.weights) == {"W1", "b1", "W2", "b2"}
