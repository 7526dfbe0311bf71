"""fit on boolean targets: one True per row is one-hot labels; several outputs of
True/False (logic gates) are 0/1 regression targets, as the same values as floats."""

from __future__ import annotations

import numpy as np

from nnexp.engine.network import build_network
from nnexp.training.inputs import split_of


def test_boolean_one_hot_rows_are_class_labels():
    y = np.array([[True, False, False], [False, False, True], [False, True, False]])
    net = build_network(
        [2, 3], activation="identity", output_activation="softmax", rng=0
    )
    got = split_of(net, (np.zeros((3, 2)), y), "train")
    assert got.labels.tolist() == [0, 2, 1]
    assert np.array_equal(got.y, y.astype(np.float64))


def test_boolean_multi_output_targets_train_as_zeros_and_ones():
    # AND, OR, XOR of two inputs: rows with two or no True are not one-hot
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0, 0, 0], [0, 1, 1], [0, 1, 1], [1, 1, 0]], dtype=bool)
    net = build_network(
        [2, 4, 3], activation="tanh", output_activation="logistic", rng=0
    )
    got = split_of(net, (x, y), "train")
    assert got.labels is None
    assert np.array_equal(got.y, y.astype(np.float64))
