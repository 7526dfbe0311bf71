"""``fit`` on arrays: which ``y`` means classification, what is refused and how the
refusal names the argument, and the arguments ``fit`` passes on to the trainer."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest

from nnexp.engine.activations import Softmax
from nnexp.engine.network import build_network
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.errors import RegistryError
from nnexp.training.inputs import FitError, split_of
from nnexp.training.trainer import fit


def net(outputs=3, output_activation="softmax", **kw):
    return build_network(
        [2, 4, outputs], activation="tanh", output_activation=output_activation, **kw
    )


def xy(n=12, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)), rng.integers(0, classes, n)


# --- what y means ---------------------------------------------------------------------


def test_integer_labels_as_a_column_are_labels():
    x, labels = xy()
    s = split_of(net(), (x, labels[:, None]), "data")
    assert s.labels.shape == (12,) and (s.labels == labels).all()
    assert (s.y == np.eye(3)[labels]).all()


@pytest.mark.parametrize("classes", [2, 3])
def test_integer_one_hot_rows_are_labels(classes):
    x, labels = xy(classes=classes)
    onehot = np.eye(classes, dtype=np.int64)[labels]
    s = split_of(net(classes), (x, onehot), "data")
    assert s.labels.shape == (12,) and (s.labels == labels).all()
    assert s.y.dtype == np.float64 and (s.y == onehot).all()


def test_a_float_vector_of_zeros_and_ones_is_a_regression_target():
    x, labels = xy(classes=2)
    s = split_of(net(1, "identity"), (x, labels.astype(float)), "data")
    assert s.labels is None and s.y.shape == (12, 1)


def test_integer_inputs_and_integer_targets_that_are_not_labels_are_numbers():
    x = np.arange(8).reshape(4, 2)
    y = np.array([[2, 5], [0, 3], [4, 4], [1, 0]])
    s = split_of(net(2, "identity"), (x, y), "data")
    assert s.labels is None and (s.x == x).all() and (s.y == y).all()
    assert s.x.dtype == s.y.dtype == np.float64


def test_a_single_sample_is_enough():
    x, labels = xy(n=1)
    s = split_of(net(), (x, labels), "data")
    assert s.x.shape == (1, 2) and s.labels.tolist() == labels.tolist()


def test_float32_networks_get_float32_inputs_and_targets():
    x, labels = xy()
    s = split_of(net(dtype="float32"), (x, labels), "data")
    assert s.x.dtype == np.float32 and s.y.dtype == np.float32
    s = split_of(net(2, "identity", dtype="float32"), (x, x), "data")
    assert s.x.dtype == np.float32 and s.y.dtype == np.float32


def test_one_output_unit_takes_the_labels_0_and_1_only():
    x = np.zeros((3, 2))
    with pytest.raises(FitError) as info:
        split_of(net(1, "logistic"), (x, np.array([0, 1, 2])), "val")
    assert str(info.value) == (
        "fit: val y holds class labels 0..2, but a network with 1 output(s) takes"
        " labels 0..1"
    )


# --- what is refused, named -----------------------------------------------------------


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("ab", "fit: test must be a pair (x, y) of arrays"),
        ((np.zeros((2, 2)), np.zeros(2, int), None), "fit: test must be a pair (x, y)"),
        ((np.array([["a", "b"]]), np.zeros(1, int)), "fit: test x must hold finite"),
        ((np.zeros((2, 2)), np.array([0.0, np.nan])), "fit: test y must hold finite"),
        ((np.zeros((2, 2)), np.array(["a", "b"])), "fit: test y must hold finite"),
        ((np.zeros((2, 3)), np.zeros(2, int)), "fit: test x must have shape (n, 2)"),
    ],
)
def test_bad_pairs_are_refused_with_the_split_named(pair, message):
    x, labels = xy()
    with pytest.raises(FitError) as info:
        fit(net(1, "identity"), (x, labels.astype(float)), test=pair, loss="mse",
            optimizer="sgd", epochs=1, batch_size=4)  # fmt: skip
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"optimizer": 42}, "fit: optimizer must be an optimizer name"),
        ({"optimizer": ["sgd", 42]}, "fit: optimizer[1] must be an optimizer name"),
        ({"schedule": 42}, "fit: schedule must be a schedule name"),
        ({"regularizer": 42}, "fit: regularizer must be a regularizer name"),
        ({"loss": 42}, "fit: loss must be a loss name"),
        ({"epochs": 0}, "fit: epochs must be a whole number ≥ 1, got 0"),
        ({"batch_size": 0}, "fit: batch_size must be a whole number ≥ 1, got 0"),
    ],
)
def test_a_bad_component_or_number_is_named(overrides, message):
    x, labels = xy()
    args = dict(loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=4)
    args.update(overrides)
    with pytest.raises(FitError) as info:
        fit(net(), (x, labels), **args)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"optimizer": "sgdd"}, "(optimizer)"),
        ({"optimizer": ["sgd", "sgdd"]}, "(optimizer[1])"),
    ],
)
def test_an_unknown_name_says_which_argument_it_was(overrides, where):
    x, labels = xy()
    args = dict(loss="cross_entropy", epochs=1, batch_size=4, **overrides)
    with pytest.raises(RegistryError, match=re.escape(f"'sgdd' {where}")):
        fit(net(), (x, labels), **args)


def test_an_unregistered_output_activation_is_not_checked_against_the_loss():
    """A plugin output activation has no registered name: any loss may follow it."""

    class MySoftmax(Softmax):
        pass

    x, labels = xy()
    network = build_network([2, 3], output_activation=MySoftmax())
    result = fit(network, (x, labels), loss="cross_entropy", optimizer="sgd", epochs=1,
                 batch_size=4)  # fmt: skip
    assert result.status == "completed"


# --- what fit passes on ---------------------------------------------------------------


def run(**kw):
    x, labels = xy(n=20)
    args = dict(loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=3)
    args.update(kw)
    return fit(net(), (x, labels), **args)


def losses(result):
    return list(result.frame["train_loss"])


def test_shuffle_and_seed_reach_the_trainer():
    default = losses(run())
    assert default == losses(run(rngs=0))
    assert default != losses(run(rngs=1))
    assert default != losses(run(shuffle=False))
    assert losses(run(shuffle=False)) == losses(run(shuffle=False, rngs=1))


def test_per_layer_optimizers_by_name():
    two = run(optimizer=["sgd", {"name": "sgd", "lr": 0.01}])
    assert two.status == "completed" and losses(two) == losses(run())


def test_the_stop_flag_reaches_the_trainer():
    flag = threading.Event()
    flag.set()
    assert run(stop=flag).status == "interrupted"


def test_resuming_keeps_the_rows_before_the_state():
    first = run(epochs=2)
    resumed = run(epochs=3, state=first.state, rows=first.history.rows)
    assert list(resumed.frame["epoch"]) == [1, 2, 3]
    assert losses(resumed)[:2] == losses(first)
    assert losses(resumed) == losses(run(epochs=3))


def test_an_optimizer_object_is_used_as_given():
    opt = OPTIMIZERS.build({"name": "sgd", "lr": 0.01})
    run(optimizer=opt)
    assert opt.t == 14  # 2 epochs of 7 batches
