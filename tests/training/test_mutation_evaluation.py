"""``evaluate`` by hand: the regression metrics (also through a fused loss), chunking,
an empty split, the predictions of one logit, dead units of every dense layer, and
the metrics table's columns and rows (``History``, ``best_epoch``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from fragile_activation import Fragile

from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.layers import Dense, Dropout
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import Network
from nnexp.training.evaluation import evaluate
from nnexp.training.history import History, best_epoch, columns


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def logistic_unit(w=(0.4, -0.3), b=0.1):
    return Network(
        [
            Dense(
                np.array(w, float)[:, None],
                np.array([b]),
                ACTIVATIONS.build("logistic"),
            )
        ]
    )


class Chunks(Network):
    """A network that remembers the size of every batch it is given."""

    def __init__(self, layers):
        super().__init__(layers)
        self.batches = []

    def forward(self, X, **kw):
        self.batches.append(len(X))
        return super().forward(X, **kw)


def test_regression_metrics_over_chunks():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 2)), 0.3 * rng.normal(size=(5, 1))
    W = np.array([[0.2], [-0.1]])
    net = Chunks([Dense(W, np.zeros(1), ACTIVATIONS.build("identity"))])
    got = evaluate(net, LOSSES.build("mse"), X, Y, None, chunk=2)
    d = X @ W - Y
    assert net.batches == [2, 2, 1]
    assert got == pytest.approx(
        {
            "loss": 0.5 * np.sum(d * d) / 5,
            "mse": np.sum(d * d) / 5,
            "max_abs_error": np.abs(d).max(),
        },
        rel=1e-13,
    )
    assert got["max_abs_error"] < 1.0


def test_regression_through_a_fused_loss_measures_the_probabilities():
    """Binary cross-entropy on one logistic unit, no labels: a regression on 0/1
    targets, whose errors are those of σ(z), not of the logit z."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 2))
    Y = rng.integers(0, 2, (7, 1)).astype(float)
    net = logistic_unit()
    got = evaluate(net, LOSSES.build("binary_cross_entropy"), X, Y, None, chunk=3)
    z = X @ np.array([[0.4], [-0.3]]) + 0.1
    p, d = sigmoid(z), sigmoid(z) - Y
    bce = -np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p))
    assert got == pytest.approx(
        {"loss": bce, "mse": np.mean(d * d), "max_abs_error": np.abs(d).max()},
        rel=1e-12,
    )


def test_regression_without_a_fused_loss_measures_the_outputs():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(5, 2)), rng.uniform(size=(5, 1))
    got = evaluate(logistic_unit(), LOSSES.build("mse"), X, Y, None)
    d = sigmoid(X @ np.array([[0.4], [-0.3]]) + 0.1) - Y
    assert got == pytest.approx(
        {
            "loss": 0.5 * np.mean(d * d),
            "mse": np.mean(d * d),
            "max_abs_error": np.abs(d).max(),
        },
        rel=1e-12,
    )


def test_one_logit_between_0_and_one_half_is_class_1():
    """Logits 0.2: σ = 0.55, class 1; read as a probability 0.2 it would be class 0."""
    net = logistic_unit(w=(0.0, 0.0), b=0.2)
    X = np.ones((4, 2))
    labels = np.array([1, 1, 1, 0])
    got = evaluate(net, LOSSES.build("binary_cross_entropy"), X,
                   labels[:, None].astype(float), labels)  # fmt: skip
    assert got["accuracy"] == 0.75


def test_an_empty_split_has_no_loss_and_no_mse():
    net = logistic_unit()
    empty = np.zeros((0, 2))
    got = evaluate(net, LOSSES.build("mse"), empty, np.zeros((0, 1)), None)
    assert math.isnan(got["loss"]) and math.isnan(got["mse"])
    assert got["max_abs_error"] == 0.0
    got = evaluate(net, LOSSES.build("mse"), empty, np.zeros((0, 1)), np.zeros(0, int))
    assert math.isnan(got["loss"]) and math.isnan(got["accuracy"])


def test_evaluation_of_a_blown_up_network_is_silent():
    net = Network([Dense(np.array([[1e300]]), np.zeros(1), Fragile())])
    got = evaluate(net, LOSSES.build("mse"), np.ones((3, 1)), np.zeros((3, 1)), None)
    assert math.isnan(got["loss"])


def test_dead_fractions_of_every_dense_layer_in_order():
    """Three dense layers (a dropout between the first two, as built networks have):
    layer 1 has 1 of 4 logistic units saturated dead (σ' underflows to 0) and 3 at
    z = 0 (σ' = ¼: alive, though a derivative computed from z instead of σ(z) would
    be 0); layer 2 has 2 of 3 relu units dead; the fused logistic output at z = 0
    is alive."""
    logistic, relu = ACTIVATIONS.build("logistic"), ACTIVATIONS.build("relu")
    W1 = np.zeros((2, 4))
    b1 = np.array([0.0, 0.0, 0.0, -1e3])
    W2 = np.zeros((4, 3))
    b2 = np.array([-1.0, 1.0, -1.0])
    layers = [
        Dense(W1, b1, logistic),
        Dropout(0.5),
        Dense(W2, b2, relu),
        Dense(np.zeros((3, 1)), np.zeros(1), logistic),
    ]
    X = np.random.default_rng(2).normal(size=(6, 2))
    labels = np.array([0, 1, 0, 1, 1, 0])
    got = evaluate(Network(layers), LOSSES.build("binary_cross_entropy"), X,
                   labels[:, None].astype(float), labels, dead=True)  # fmt: skip
    assert got["dead_fraction"] == [0.25, 2 / 3, 0.0]


# --- the metrics table ---------------------------------------------------------------


def test_columns_of_two_dense_layers():
    assert columns("regression", 2) == [
        "epoch", "train_loss", "val_loss",
        "train_mse", "val_mse", "train_max_abs_error", "val_max_abs_error",
        "penalty", "lr", "train_seconds", "seconds",
        "layer1_weight_norm", "layer1_grad_norm", "layer1_dead_fraction",
        "layer1_saturation", "layer1_update_ratio",
        "layer2_weight_norm", "layer2_grad_norm", "layer2_dead_fraction",
        "layer2_saturation", "layer2_update_ratio",
    ]  # fmt: skip


def test_a_history_fills_missing_columns_with_nan_and_keeps_its_task():
    history = History("classification", 1)
    assert history.task == "classification"
    assert list(history.to_frame().columns) == columns("classification", 1)
    history.append({"epoch": 1, "train_loss": 0.5, "not_a_column": 3})
    row = history.rows[0]
    assert list(row) == columns("classification", 1)
    assert row["train_loss"] == 0.5 and math.isnan(row["val_loss"])
    assert len(history) == 1


def test_best_epoch_reads_text_as_missing():
    frame = pd.DataFrame({"epoch": [1, 2, 3], "val_loss": ["0.3", "n/a", 0.2]})
    assert best_epoch(frame) == 3


def test_best_epoch_skips_infinite_values_of_either_sign():
    frame = pd.DataFrame(
        {"epoch": [1, 2, 3], "val_loss": [float("-inf"), 0.5, float("inf")]}
    )
    assert best_epoch(frame) == 2
