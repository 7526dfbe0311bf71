"""Weights and checkpoint files: exact round trips, and clear errors for bad files."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from nnexp.engine.network import build_network
from nnexp.errors import RunError
from nnexp.runs.checkpoint import (
    load_checkpoint,
    load_weights,
    save_checkpoint,
    save_weights,
)
from nnexp.training.trainer import fit


def trained_state():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    labels = (x[:, 0] > 0).astype(np.int64)
    net = build_network([2, 5, 2], activation="tanh", output_activation="softmax")
    result = fit(
        net, (x, labels), loss="cross_entropy", optimizer={"name": "adam", "lr": 0.01},
        epochs=2, batch_size=8, early_stopping={"monitor": "train_loss", "patience": 3},
    )  # fmt: skip
    return result.state


def test_a_checkpoint_round_trips_exactly(tmp_path):
    state = trained_state()
    save_checkpoint(tmp_path / "checkpoint.npz", state)
    back = load_checkpoint(tmp_path / "checkpoint.npz")
    assert (back.epoch, back.step) == (state.epoch, state.step) == (2, 10)
    for k, v in state.weights.items():
        assert_array_equal(back.weights[k], v)
        assert back.weights[k].dtype == v.dtype
    assert back.rng == state.rng
    assert len(back.optimizers) == 1
    assert set(back.optimizers[0]) == set(state.optimizers[0])
    for k, v in state.optimizers[0].items():
        assert_array_equal(back.optimizers[0][k], v)
    assert set(back.early_stopping) == set(state.early_stopping)
    assert back.early_stopping["best_epoch"] == state.early_stopping["best_epoch"]


def test_a_loaded_checkpoint_saves_the_same_file(tmp_path):
    state = trained_state()
    save_checkpoint(tmp_path / "c.npz", state)
    again = load_checkpoint(tmp_path / "c.npz")
    save_checkpoint(tmp_path / "d.npz", again)
    with np.load(tmp_path / "c.npz") as c, np.load(tmp_path / "d.npz") as d:
        assert sorted(c.files) == sorted(d.files)
        for k in c.files:
            assert_array_equal(c[k], d[k])


def test_weights_round_trip_and_file_permissions(tmp_path):
    weights = {"W1": np.arange(6.0).reshape(2, 3), "b1": np.array([0.5, -0.0, 1e-300])}
    save_weights(tmp_path / "model.npz", weights)
    back = load_weights(tmp_path / "model.npz", {"W1": (2, 3), "b1": (3,)})
    for k, v in weights.items():
        assert_array_equal(back[k], v)
    mode = stat.S_IMODE(os.stat(tmp_path / "model.npz").st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_weights_of_the_wrong_shape(tmp_path):
    save_weights(tmp_path / "m.npz", {"W1": np.zeros((2, 3))})
    with pytest.raises(RunError, match=r"W1 has shape \(2, 3\).*b1 missing"):
        load_weights(tmp_path / "m.npz", {"W1": (2, 4), "b1": (4,)})


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"W1,b1\n1,2\n", "not an .npz file"),
        ("damaged", "damaged or cut short"),
        ("object", "Python objects"),
        ("strings", "must be arrays of numbers"),
    ],
)
def test_bad_weights_files_are_run_errors(tmp_path, content, words):
    path = tmp_path / "m.npz"
    if content == "damaged":
        save_weights(path, {"W1": np.zeros((50, 50))})
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF  # one damaged byte inside the array
        path.write_bytes(bytes(data))
    elif content == "object":
        np.savez(path, W1=np.array([{"a": 1}], dtype=object))
    elif content == "strings":
        np.savez(path, W1=np.array(["a", "b"]))
    else:
        path.write_bytes(content)
    with pytest.raises(RunError, match=words):
        load_weights(path)


def test_missing_and_incomplete_checkpoints(tmp_path):
    with pytest.raises(RunError, match="does not exist"):
        load_checkpoint(tmp_path / "nothing.npz")
    save_weights(tmp_path / "w.npz", {"W1": np.zeros(2)})
    with pytest.raises(RunError, match="incomplete or from another version"):
        load_checkpoint(tmp_path / "w.npz")
