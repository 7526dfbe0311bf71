"""initial.npz and snapshots.npz (issue 15): which epochs, the file format, and the
per-layer values the distributions figure reads."""

from __future__ import annotations

import numpy as np
import pytest

from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network
from nnexp.runs import snapshots as snap


def test_snapshot_epochs_are_log_spaced_with_the_last():
    # 5000^(k/5): 1, 5.5, 30.2, 165.7, 910.3, 5000
    assert snap.snapshot_epochs(5000, 6) == [1, 5, 30, 166, 910, 5000]
    assert snap.snapshot_epochs(5, 24) == [1, 2, 3, 4, 5]
    assert snap.snapshot_epochs(10, 0) == []


def test_auto_keeps_snapshots_of_small_networks_only():
    assert snap.snapshot_count("auto", 79_510) == 0  # quickstart: opt in
    assert snap.snapshot_count("auto", 27) == snap.AUTO  # E1's 2-4-3 network
    assert snap.snapshot_count(7, 10**9) == 7


def test_snapshots_round_trip(tmp_path):
    kept = {3: {"W1": np.arange(6.0).reshape(2, 3), "b1": np.ones(3)},
            12: {"W1": np.zeros((2, 3)), "b1": np.zeros(3)}}  # fmt: skip
    snap.save_snapshots(tmp_path / "s.npz", kept)
    back = snap.load_snapshots(tmp_path / "s.npz")
    assert list(back) == [3, 12]
    assert all(np.array_equal(back[e][k], kept[e][k]) for e in kept for k in kept[e])


def test_layer_values_are_the_weights_pre_activations_and_gradients():
    net = build_network([2, 3, 1], activation="tanh", rng=np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(5, 2))
    y = np.zeros((5, 1))
    w = net.get_weights()
    values = snap.layer_values(net, LOSSES.build("mse"), {0: w}, x, y)[0]
    np.testing.assert_array_equal(values["weights"][0], w["W1"].ravel())
    z1 = x @ w["W1"] + w["b1"]
    np.testing.assert_allclose(values["pre-activations"][0], z1.ravel(), rtol=1e-12)
    z2 = np.tanh(z1) @ w["W2"] + w["b2"]
    np.testing.assert_allclose(values["pre-activations"][1], z2.ravel(), rtol=1e-12)
    # the mse loss is ½·mean((out − y)²): dL/dW2 = tanh(z1)ᵀ (z2 − 0) / N
    grad = np.tanh(z1).T @ (z2 / z2.size)
    assert values["gradients"][1] == pytest.approx(grad.ravel(), rel=1e-9)
