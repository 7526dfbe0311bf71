"""Every number of a metrics row against the same training written out by hand.

A linear network (identity activations, MSE, plain SGD) has gradients in closed form,
so a few lines of NumPy below redo the trainer's loop: the shuffled order of the
``shuffle`` stream, inverted dropout from the ``dropout`` stream, L2, a cosine schedule
per epoch or per step, and the diagnostics (mean training loss weighted by batch size,
mse and max |error|, grad norms on every ``norm_every``-th batch, weight norms,
penalty, validation metrics).  Classification runs check the training accuracy
(predictions in visiting order) and the ½ / logit-0 thresholds of one output unit.
"""

from __future__ import annotations

import math
import time
from types import SimpleNamespace

import numpy as np
import pytest
from numpy.testing import assert_allclose

from nnexp.engine import rng as rngmod
from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.layers import Dense
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import Network, build_network
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.engine.regularizers import REGULARIZERS
from nnexp.engine.schedules import SCHEDULES
from nnexp.training.callbacks import Callback
from nnexp.training.trainer import GRAD_NORM_SAMPLES, Trainer

BASE_LR, FLOOR = 0.05, 0.01


def split(x, y, labels=None):
    return SimpleNamespace(x=x, y=y, labels=labels)


def cosine(t: int, total: int) -> float:
    """The cosine schedule's closed form (docs/maths.md §5)."""
    return FLOOR + (BASE_LR - FLOOR) * 0.5 * (
        1 + math.cos(math.pi * min(t, total) / total)
    )


class Recorder(Callback):
    """Every hook call, with its arguments."""

    batch_every = 3

    def __init__(self):
        self.calls = []

    def on_train_begin(self, info):
        self.calls.append(("train_begin", dict(info)))

    def on_epoch_begin(self, epoch, n_batches):
        self.calls.append(("epoch_begin", epoch, n_batches))

    def on_batch_end(self, epoch, batch, n_batches, loss):
        self.calls.append(("batch_end", epoch, batch, n_batches, loss))

    def on_epoch_end(self, row, snapshot):
        self.calls.append(("epoch_end", row["epoch"], snapshot().step))

    def on_train_end(self, result):
        self.calls.append(("train_end", result.status))


def reference(net, X, Y, Xv, Yv, *, epochs, B, per, lam, seed, shuffle, rate):
    """The trainer's loop for the linear network [2, 3, 2], by hand."""
    W1, b1, W2, b2 = (net.params[k].copy() for k in ("W1", "b1", "W2", "b2"))
    streams = rngmod.streams(seed)
    n = len(X)
    nb = math.ceil(n / B)
    every = max(1, nb // GRAD_NORM_SAMPLES)
    count = len(range(0, nb, every))
    rows, batch_calls, step = [], [], 0
    for epoch in range(1, epochs + 1):
        order = streams["shuffle"].permutation(n) if shuffle else np.arange(n)
        loss_sum = sq = mx = 0.0
        norms = np.zeros(2)
        for bi, start in enumerate(range(0, n, B)):
            idx = order[start : start + B]
            x, y, m = X[idx], Y[idx], len(idx)
            h = x @ W1 + b1
            mask = 1.0
            if rate:
                keep = streams["dropout"].random(h.shape) >= rate
                mask = keep * (1.0 / (1.0 - rate))
            hd = h * mask
            d = hd @ W2 + b2 - y
            loss_sum += 0.5 * np.sum(d * d)
            sq += np.sum(d * d)
            mx = max(mx, np.abs(d).max())
            dout = d / m
            gW2, gb2 = hd.T @ dout + lam * W2, dout.sum(0)
            dh = (dout @ W2.T) * mask
            gW1, gb1 = x.T @ dh + lam * W1, dh.sum(0)
            if bi % every == 0:
                norms += [np.linalg.norm(gW1), np.linalg.norm(gW2)]
            lr = (
                cosine(step, epochs * nb)
                if per == "step"
                else cosine(epoch - 1, epochs)
            )
            W1, b1, W2, b2 = W1 - lr * gW1, b1 - lr * gb1, W2 - lr * gW2, b2 - lr * gb2
            step += 1
            if (bi + 1) % 3 == 0:
                batch_calls.append((epoch, bi + 1, loss_sum / (start + m)))
        dv = (Xv @ W1 + b1) @ W2 + b2 - Yv
        rows.append(
            {
                "epoch": epoch,
                "train_loss": loss_sum / n,
                "train_mse": sq / Y.size,
                "train_max_abs_error": mx,
                "val_loss": 0.5 * np.sum(dv * dv) / len(Xv),
                "val_mse": np.sum(dv * dv) / dv.size,
                "val_max_abs_error": np.abs(dv).max(),
                "lr": cosine(step - 1, epochs * nb)
                if per == "step"
                else cosine(epoch - 1, epochs),
                "penalty": 0.5 * lam * (np.sum(W1 * W1) + np.sum(W2 * W2)),
                "layer1_weight_norm": np.linalg.norm(W1),
                "layer2_weight_norm": np.linalg.norm(W2),
                "layer1_grad_norm": norms[0] / count,
                "layer2_grad_norm": norms[1] / count,
                "layer1_dead_fraction": 0.0,
                "layer2_dead_fraction": 0.0,
            }
        )
    return rows, batch_calls, (W1, b1, W2, b2), step


CASES = {
    # 7 samples in batches of 3, 3, 1: the last batch weighs 1/7 of the epoch's loss
    "shuffled_dropout_l2_per_step": dict(
        n=7,
        B=3,
        epochs=3,
        per="step",
        lam=0.1,
        seed=3,
        shuffle=True,
        rate=0.5,
        scale=1.0,
    ),
    # 130 batches: the gradient norm is read on every 2nd (65 of them); errors < 1
    "in_order_per_epoch": dict(
        n=130,
        B=1,
        epochs=2,
        per="epoch",
        lam=0.0,
        seed=0,
        shuffle=False,
        rate=0.0,
        scale=0.1,
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_column_equals_the_loop_written_out(case):
    data = case["scale"] * np.random.default_rng(11).normal(size=(case["n"] + 4, 4))
    X, Y, Xv, Yv = data[:-4, :2], data[:-4, 2:], data[-4:, :2], data[-4:, 2:]
    net = build_network(
        [2, 3, 2],
        activation="identity",
        output_activation="identity",
        dropout=case["rate"],
        rng=case["seed"],
    )
    rows, batch_calls, final, steps = reference(
        net, X, Y, Xv, Yv, **{k: case[k] for k in case if k not in ("n", "scale")}
    )
    recorder = Recorder()
    trainer = Trainer(
        net,
        SimpleNamespace(train=split(X, Y), val=split(Xv, Yv), test=split(Xv, Yv)),
        loss=LOSSES.build("mse"),
        optimizer=OPTIMIZERS.build({"name": "sgd", "lr": BASE_LR}),
        schedule=SCHEDULES.build(
            {"name": "cosine", "floor": FLOOR, "per": case["per"]}
        ),
        regularizer=REGULARIZERS.build({"name": "l2", "lam": case["lam"]}),
        epochs=case["epochs"],
        batch_size=case["B"],
        shuffle=case["shuffle"],
        rngs=case["seed"],
        callbacks=[recorder],
    )
    before = time.perf_counter()
    result = trainer.run()
    elapsed = time.perf_counter() - before
    frame = result.frame
    assert list(frame.columns[:3]) == ["epoch", "train_loss", "val_loss"]
    for row, expected in zip(frame.to_dict("records"), rows, strict=True):
        for key, value in expected.items():
            assert row[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
        assert 0.0 <= row["train_seconds"] <= row["seconds"] <= elapsed
    for name, value in zip(("W1", "b1", "W2", "b2"), final, strict=True):
        assert_allclose(net.params[name], value, rtol=1e-12)
    dv = (Xv @ final[0] + final[1]) @ final[2] + final[3] - Yv
    assert result.test == pytest.approx(
        {
            "loss": 0.5 * np.sum(dv * dv) / len(Xv),
            "mse": np.sum(dv * dv) / dv.size,
            "max_abs_error": np.abs(dv).max(),
        },
        rel=1e-12,
    )
    assert result.status == "completed" and result.epochs == case["epochs"]
    assert result.state.step == steps and result.state.epoch == case["epochs"]
    assert not result.stopped_early and result.best_epoch is None
    assert result.message == ""

    nb = math.ceil(case["n"] / case["B"])
    info = {
        "task": "regression",
        "epochs": case["epochs"],
        "n_batches": nb,
        "start_epoch": 1,
    }
    calls = recorder.calls
    assert calls[0] == ("train_begin", info) and calls[-1] == ("train_end", "completed")
    assert [c[1:] for c in calls if c[0] == "epoch_begin"] == [
        (e, nb) for e in range(1, case["epochs"] + 1)
    ]
    assert [c[1:] for c in calls if c[0] == "epoch_end"] == [
        (e, e * nb) for e in range(1, case["epochs"] + 1)
    ]
    got = [c[1:] for c in calls if c[0] == "batch_end"]
    assert [(e, b, nbatches) for e, b, nbatches, _ in got] == [
        (e, b, nb) for e, b, _ in batch_calls
    ]
    assert_allclose([c[-1] for c in got], [c[-1] for c in batch_calls], rtol=1e-12)
    if case["scale"] < 1:
        assert frame["train_max_abs_error"].max() < 1.0


def test_without_a_regulariser_the_penalty_column_is_zero():
    x = np.random.default_rng(1).normal(size=(6, 4))
    net = build_network([2, 2], activation="identity", output_activation="identity")
    result = Trainer(
        net,
        SimpleNamespace(train=split(x[:, :2], x[:, 2:]), val=None, test=None),
        loss=LOSSES.build("mse"),
        optimizer=OPTIMIZERS.build("sgd"),
        epochs=2,
        batch_size=4,
    ).run()
    assert list(result.frame["penalty"]) == [0.0, 0.0]
    assert result.test == {}


def test_the_default_seed_is_0():
    x = np.random.default_rng(2).normal(size=(9, 4))
    frames = []
    for kw in ({}, {"rngs": 0}, {"rngs": 1}):
        net = build_network([2, 2], activation="identity", output_activation="identity")
        frames.append(
            Trainer(
                net,
                SimpleNamespace(train=split(x[:, :2], x[:, 2:]), val=None, test=None),
                loss=LOSSES.build("mse"),
                optimizer=OPTIMIZERS.build("sgd"),
                epochs=1,
                batch_size=2,
                **kw,
            )
            .run()
            .frame["train_loss"]
            .iloc[0]
        )
    assert frames[0] == frames[1] != frames[2]


# --- classification ------------------------------------------------------------------


def softmax_reference(W, b, X, Y, labels, order_of, B, lr):
    """One epoch of a single softmax layer with cross-entropy: loss and accuracy."""
    n = len(X)
    order = order_of(n)
    correct, loss_sum = 0, 0.0
    for start in range(0, n, B):
        idx = order[start : start + B]
        z = X[idx] @ W + b
        correct += int(np.sum(np.argmax(z, axis=1) == labels[idx]))
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        loss_sum += -np.sum(np.log(p[np.arange(len(idx)), labels[idx]]))
        g = (p - Y[idx]) / len(idx)
        W, b = W - lr * X[idx].T @ g, b - lr * g.sum(0)
    return loss_sum / n, correct / n


@pytest.mark.parametrize("classes", [2, 3])
def test_training_accuracy_counts_the_predictions_in_visiting_order(classes):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 2))
    labels = rng.integers(0, classes, 40)
    Y = np.eye(classes)[labels]
    W = rng.normal(size=(2, classes))
    net = Network([Dense(W.copy(), np.zeros(classes), ACTIVATIONS.build("softmax"))])
    shuffle = rngmod.streams(4)["shuffle"]
    expected = softmax_reference(
        W, np.zeros(classes), X, Y, labels, shuffle.permutation, 6, 0.5
    )
    result = Trainer(
        net,
        SimpleNamespace(train=split(X, Y, labels), val=None, test=None),
        loss=LOSSES.build("cross_entropy"),
        optimizer=OPTIMIZERS.build({"name": "sgd", "lr": 0.5}),
        epochs=1,
        batch_size=6,
        rngs=4,
    ).run()
    row = result.frame.iloc[0]
    assert row["train_loss"] == pytest.approx(expected[0], rel=1e-12)
    assert row["train_accuracy"] == pytest.approx(expected[1], abs=1e-15)
    assert 0.2 < expected[1] < 0.9  # neither all right nor all wrong


@pytest.mark.parametrize(
    ("loss", "bias", "predicted"),
    [
        # fused: the logit 0 is class 1 (σ(0) = ½ counts as class 1)
        ("binary_cross_entropy", 0.0, 1),
        # not fused: σ(0) = ½ itself is class 1 …
        ("mse", 0.0, 1),
        # … and σ(−1) ≈ 0.27 is class 0 (a logit threshold 0 would say 1)
        ("mse", -1.0, 0),
    ],
)
def test_one_logistic_unit_predicts_class_1_from_one_half(loss, bias, predicted):
    """All weights 0 and one batch: the epoch's predictions are those of the bias."""
    labels = np.array([1, 1, 1, 0])
    X = np.random.default_rng(0).normal(size=(4, 2))
    net = Network(
        [Dense(np.zeros((2, 1)), np.full(1, bias), ACTIVATIONS.build("logistic"))]
    )
    result = Trainer(
        net,
        SimpleNamespace(
            train=split(X, labels[:, None].astype(float), labels), val=None, test=None
        ),
        loss=LOSSES.build(loss),
        optimizer=OPTIMIZERS.build("sgd"),
        epochs=1,
        batch_size=4,
    ).run()
    assert result.frame["train_accuracy"].iloc[0] == np.mean(labels == predicted)
