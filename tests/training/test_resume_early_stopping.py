"""Resuming restores early stopping's state too (best value, wait, best weights)."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_array_equal

from nnexp.engine.network import build_network
from nnexp.training.callbacks import Callback
from nnexp.training.trainer import fit


def data():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, 120)
    x = np.array([[0, 0], [3, 0], [0, 3]], float)[labels] + rng.normal(size=(120, 2))
    return (x[:90], labels[:90]), (x[90:], labels[90:])


class Keep(Callback):
    def __init__(self):
        self.states = {}

    def on_epoch_end(self, row, snapshot):
        self.states[row["epoch"]] = snapshot()


def run(epochs=8, early=True, **kw):
    train, val = data()
    net = build_network([2, 6, 3], activation="tanh", output_activation="softmax")
    result = fit(
        net, train, val=val, loss="ce", optimizer={"name": "sgd", "lr": 2.0},
        epochs=epochs, batch_size=30, rngs=1,
        early_stopping={"monitor": "val_loss", "patience": 2} if early else None,
        **kw,
    )  # fmt: skip
    return net, result


def test_a_resumed_run_stops_where_the_uninterrupted_run_stops():
    keep = Keep()
    net_a, full = run(callbacks=[keep])
    assert full.stopped_early and full.best_epoch is not None
    k = full.best_epoch  # resume after the best epoch, with the wait counter at 0
    net_b, resumed = run(state=keep.states[k], rows=full.history.rows[:k])
    assert resumed.stopped_early and resumed.epochs == full.epochs
    assert resumed.best_epoch == full.best_epoch
    for name, w in net_a.get_weights().items():
        assert_array_equal(net_b.get_weights()[name], w)  # the restored best weights


def test_a_state_without_early_stopping_resumes_into_a_run_with_it():
    keep = Keep()
    run(epochs=2, early=False, callbacks=[keep])
    assert keep.states[2].early_stopping is None
    _, resumed = run(epochs=3, state=keep.states[2], rows=[])
    assert resumed.status == "completed" and resumed.epochs == 3
