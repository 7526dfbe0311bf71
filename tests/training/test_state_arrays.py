"""TrainState through the flat arrays of a checkpoint file, exactly."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_array_equal

from nnexp.training.state import TrainState


def state(early=True):
    return TrainState(
        epoch=3,
        step=12,
        weights={"W1": np.arange(6.0).reshape(2, 3), "b1": np.array([0.5, -1.0, 2.0])},
        optimizers=[
            {"t": np.int64(12), "m/W1": np.ones((2, 3)), "lr": np.float64(0.1)},
            {"t": 4, "v/b1": np.full(3, 0.25)},
        ],
        rng={"shuffle": {"state": {"state": 123, "inc": 7}}},
        early_stopping=(
            {"best": 0.5, "best_epoch": 2, "wait": 1, "best_weights/W1": np.eye(2)}
            if early
            else None
        ),
        extra={"note": "kept"},
    )


def through_file(s, tmp_path):
    np.savez(tmp_path / "c.npz", **s.to_arrays())
    with np.load(tmp_path / "c.npz") as f:
        return TrainState.from_arrays(dict(f))


def test_every_field_round_trips(tmp_path):
    original = state()
    back = through_file(original, tmp_path)
    assert (back.epoch, back.step) == (3, 12)
    assert type(back.epoch) is int and type(back.step) is int
    assert back.rng == original.rng and back.extra == {"note": "kept"}
    assert sorted(back.weights) == ["W1", "b1"]
    for k, v in original.weights.items():
        assert_array_equal(back.weights[k], v)
    assert [sorted(o) for o in back.optimizers] == [["lr", "m/W1", "t"], ["t", "v/b1"]]
    assert back.optimizers[0]["t"] == 12 and back.optimizers[0]["lr"] == 0.1
    assert_array_equal(back.optimizers[0]["m/W1"], np.ones((2, 3)))
    assert_array_equal(back.optimizers[1]["v/b1"], np.full(3, 0.25))
    early = back.early_stopping
    assert sorted(early) == ["best", "best_epoch", "best_weights/W1", "wait"]
    assert (early["best"], early["best_epoch"], early["wait"]) == (0.5, 2, 1)
    assert_array_equal(early["best_weights/W1"], np.eye(2))


def test_no_early_stopping_stays_none(tmp_path):
    back = through_file(state(early=False), tmp_path)
    assert back.early_stopping is None
    assert not any(k.startswith("early_stopping/") for k in state(False).to_arrays())
