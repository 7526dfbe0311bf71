"""nnexp.fit on plain arrays, with components given by name, as a notebook user calls it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import nnexp
from nnexp.data.base import Split, Splits
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.errors import NnexpError, RegistryError
from nnexp.training.callbacks import EarlyStopping
from nnexp.training.inputs import FitError
from nnexp.training.trainer import fit


def blobs(n=240, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[0, 0], [3, 0], [0, 3]], float)
    x = centres[labels] + rng.normal(scale=0.8, size=(n, 2))
    return x, labels


def net3(seed=0, **kw):
    return build_network(
        [2, 8, 3], activation="tanh", output_activation="softmax", rng=seed, **kw
    )


def drop_time(frame):
    return frame.drop(columns=["train_seconds", "seconds"])


def test_arrays_and_names_give_the_numbers_of_engine_objects_and_splits():
    x, labels = blobs()
    onehot = np.eye(3)[labels]
    by_names = fit(
        net_a := net3(),
        (x[:180], labels[:180]),
        val=(x[180:], labels[180:]),
        test=(x[180:], labels[180:]),
        loss="cross_entropy",
        optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9},
        schedule="constant",
        epochs=3,
        batch_size=16,
    )
    splits = Splits(
        Split(x[:180], onehot[:180], labels[:180]),
        Split(x[180:], onehot[180:], labels[180:]),
        Split(x[180:], onehot[180:], labels[180:]),
    )
    by_objects = fit(
        net_b := net3(),
        splits,
        loss=LOSSES.build("cross_entropy"),
        optimizer=OPTIMIZERS.build({"name": "sgd", "lr": 0.1, "momentum": 0.9}),
        epochs=3,
        batch_size=16,
    )
    assert drop_time(by_names.frame).equals(drop_time(by_objects.frame))
    for k, v in net_a.get_weights().items():
        assert_array_equal(v, net_b.get_weights()[k])
    assert by_names.test == by_objects.test
    assert by_names.frame["val_accuracy"].iloc[-1] > 0.8


def test_one_hot_rows_and_integer_labels_are_the_same_classification():
    x, labels = blobs()
    common = dict(loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=20)
    a = fit(net_a := net3(), (x, labels), val=(x, labels), **common)
    b = fit(
        net_b := net3(), (x, np.eye(3)[labels]), val=(x, np.eye(3)[labels]), **common
    )
    assert "train_accuracy" in a.frame and "train_mse" not in a.frame
    assert drop_time(a.frame).equals(drop_time(b.frame))
    assert_array_equal(net_a.get_weights()["W1"], net_b.get_weights()["W1"])
    # the accuracy is the fraction of argmax predictions equal to the labels
    predicted = np.argmax(net_a.predict(x), axis=1)
    assert a.frame["val_accuracy"].iloc[-1] == pytest.approx(
        np.mean(predicted == labels)
    )


def test_labels_of_one_logistic_unit_are_a_0_1_column():
    x, labels = blobs()
    binary = (labels == 1).astype(np.int64)
    net = build_network([2, 6, 1], activation="tanh", output_activation="logistic")
    result = fit(
        net,
        (x, binary),
        val=(x, binary),
        loss="binary_cross_entropy",
        optimizer={"name": "adam", "lr": 0.01},
        epochs=20,
        batch_size=20,
    )
    predicted = (net.predict(x)[:, 0] >= 0.5).astype(int)
    assert result.frame["val_accuracy"].iloc[-1] == pytest.approx(
        np.mean(predicted == binary)
    )
    assert result.frame["val_accuracy"].iloc[-1] > 0.85


def test_float_targets_are_regression_and_a_vector_becomes_a_column():
    x = np.linspace(-1, 1, 64)[:, None]
    y = 0.5 * x[:, 0]  # (n,): one target per row
    net = build_network([1, 1], activation="identity", output_activation="identity")
    result = nnexp.fit(
        net, (x, y), val=(x, y), loss="mse", optimizer="sgd", epochs=2, batch_size=8
    )
    frame = result.frame
    assert "val_mse" in frame and "val_accuracy" not in frame
    # closed form of the recorded metric: mean squared error of the final weights
    mse = np.mean((net.predict(x)[:, 0] - y) ** 2)
    assert frame["val_mse"].iloc[-1] == pytest.approx(mse, rel=1e-12)


def test_arrays_take_the_networks_dtype():
    x, labels = blobs()
    net = net3(dtype="float32")
    fit(net, (x, labels), loss="ce", optimizer="sgd", epochs=1, batch_size=40)
    assert all(w.dtype == np.float32 for w in net.get_weights().values())


def test_the_callers_early_stopping_is_not_changed():
    x, labels = blobs()
    es = EarlyStopping(monitor="val_loss", patience=1)
    result = fit(
        net3(), (x, labels), loss="ce", optimizer="sgd", epochs=3, batch_size=40,
        early_stopping=es,
    )  # fmt: skip
    assert es.monitor == "val_loss" and es.best_epoch == 0  # no val: train_loss watched
    assert result.best_epoch is not None
    mapping = fit(
        net3(), (x, labels), loss="ce", optimizer="sgd", epochs=3, batch_size=40,
        early_stopping={"monitor": "val_loss", "patience": 1},
    )  # fmt: skip
    assert mapping.best_epoch == result.best_epoch


def bad(**overrides):
    x, labels = blobs(40)
    args = dict(
        network=net3(),
        data=(x, labels),
        loss="cross_entropy",
        optimizer="sgd",
        epochs=1,
        batch_size=8,
    )
    args.update(overrides)
    with pytest.raises(NnexpError) as info:
        fit(args.pop("network"), args.pop("data"), **args)
    return info.value


@pytest.mark.parametrize(
    ("overrides", "kind", "words"),
    [
        ({"optimizer": "sgdd"}, RegistryError, ["optimizer", "sgd"]),
        ({"optimizer": {"name": "adam", "lrr": 1}}, RegistryError, ["lrr", "lr"]),
        ({"loss": "msee"}, RegistryError, ["loss", "mse"]),
        ({"loss": "mse", "schedule": "cosin"}, RegistryError, ["schedule", "cosine"]),
        ({"regularizer": "l3"}, RegistryError, ["regularizer"]),
        ({"loss": 3}, FitError, ["loss", "nnexp list losses"]),
        ({"loss": "binary_cross_entropy"}, FitError, ["logistic", "softmax"]),
        (
            {"data": (np.zeros((5, 3)), np.zeros(5, int))},
            FitError,
            ["(n, 2)", "(5, 3)"],
        ),
        ({"data": (np.zeros((5, 2)), np.zeros(4, int))}, FitError, ["data y", "(5)"]),
        ({"data": (np.zeros((5, 2)), np.full(5, 3))}, FitError, ["labels 0..2"]),
        ({"data": (np.zeros((5, 2)), np.zeros((5, 2)))}, FitError, ["2 columns", "3"]),
        ({"data": (np.full((5, 2), np.nan), np.zeros(5, int))}, FitError, ["finite"]),
        ({"data": np.zeros((5, 2))}, FitError, ["pair (x, y)"]),
        ({"val": (np.zeros((5, 1)), np.zeros(5, int))}, FitError, ["val x"]),
        ({"epochs": 0}, FitError, ["epochs", "≥ 1"]),
        ({"batch_size": 2.5}, FitError, ["batch_size"]),
        ({"early_stopping": {"patienc": 2}}, FitError, ["early_stopping", "patience"]),
        ({"early_stopping": 5}, FitError, ["early_stopping"]),
    ],
)
def test_bad_arguments_are_clear_errors(overrides, kind, words):
    error = bad(**overrides)
    assert isinstance(error, kind), error
    for word in words:
        assert word in str(error), (word, str(error))


def test_val_with_a_splits_object_is_refused():
    x, labels = blobs(40)
    split = SimpleNamespace(x=x, y=np.eye(3)[labels], labels=labels)
    data = SimpleNamespace(train=split, val=None, test=None)
    with pytest.raises(FitError, match="splits object"):
        fit(net3(), data, val=(x, labels), loss="ce", optimizer="sgd", epochs=1,
            batch_size=8)  # fmt: skip


def test_the_readme_fit_example_runs():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Python API", 1)[1].split("```", 2)[1]
    example = section[section.index("from nnexp import build_network, fit") :]
    x, labels = blobs(300)
    names = {
        "x": x[:200], "labels": labels[:200], "x_val": x[200:250],
        "labels_val": labels[200:250], "x_test": x[250:], "labels_test": labels[250:],
    }  # fmt: skip
    exec(example, names)
    result = names["result"]
    assert result.status == "completed" and set(result.test) == {"loss", "accuracy"}
    assert len(result.frame) == result.epochs >= 1
