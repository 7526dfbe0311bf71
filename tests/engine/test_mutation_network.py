"""The network's passes by hand: dropout in training mode from a known generator, the
gradient through a dropout layer, the defaults of ``forward`` and ``build_network``,
and what layers and networks refuse."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.layers import Dense, Dropout
from nnexp.engine.metrics import dead_units
from nnexp.engine.network import Network, build_network, describe_component


def dropout_net():
    rng = np.random.default_rng(3)
    identity = ACTIVATIONS.build("identity")
    W1, W2 = rng.normal(size=(2, 4)), rng.normal(size=(4, 3))
    b1, b2 = rng.normal(size=4), rng.normal(size=3)
    net = Network([Dense(W1, b1, identity), Dropout(0.5), Dense(W2, b2, identity)])
    return net, (W1, b1, W2, b2)


def test_training_mode_drops_units_with_the_given_generator():
    net, (W1, b1, W2, b2) = dropout_net()
    X = np.random.default_rng(4).normal(size=(5, 2))
    out, caches = net.forward(X, train=True, rng=np.random.default_rng(9))
    keep = np.random.default_rng(9).random((5, 4)) >= 0.5
    mask = keep * 2.0
    assert_allclose(out, ((X @ W1 + b1) * mask) @ W2 + b2, rtol=1e-13)
    assert 0 < keep.sum() < keep.size

    # the gradient of Σ out² through the same mask
    d_out = 2 * out
    grads = net.backward(d_out.copy(), caches)
    h = (X @ W1 + b1) * mask
    dh = (d_out @ W2.T) * mask
    assert_allclose(grads["W2"], h.T @ d_out, rtol=1e-13)
    assert_allclose(grads["W1"], X.T @ dh, rtol=1e-13)
    assert_allclose(grads["b1"], dh.sum(0), rtol=1e-13)


def test_forward_defaults_to_evaluation_mode_and_the_activated_output():
    net, (W1, b1, W2, b2) = dropout_net()
    X = np.random.default_rng(4).normal(size=(5, 2))
    out, _ = net.forward(X)
    assert_allclose(out, (X @ W1 + b1) @ W2 + b2, rtol=1e-13)
    softmax_net = build_network([2, 3], output_activation="softmax")
    assert_allclose(softmax_net.predict(X).sum(axis=1), 1.0, rtol=1e-13)


def test_dense_backward_gives_dx_unless_told_not_to():
    W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    layer = Dense(W, np.zeros(2), ACTIVATIONS.build("identity"))
    X = np.ones((1, 3))
    _, cache = layer.forward(X)
    dX, grads = layer.backward(np.array([[1.0, -1.0]]), cache)
    assert_array_equal(dX, [[-1.0, -1.0, -1.0]])
    assert_array_equal(grads["W"], [[1.0, -1.0]] * 3)
    dX, _ = layer.backward(np.array([[1.0, -1.0]]), cache, need_dX=False)
    assert dX is None


def test_dense_forward_applies_the_activation_unless_told_not_to():
    layer = Dense(np.array([[2.0]]), np.array([0.5]), ACTIVATIONS.build("tanh"))
    a, cache = layer.forward(np.array([[1.0]]))
    assert a[0, 0] == np.tanh(2.5) and cache.a is a
    z, cache = layer.forward(np.array([[1.0]]), activate=False)
    assert z[0, 0] == 2.5 and cache.a is None


def test_a_dense_layer_needs_a_matrix_and_a_bias_per_column():
    with pytest.raises(ValueError, match="W must be"):
        Dense(np.zeros((2, 3)), np.zeros(2), ACTIVATIONS.build("identity"))


def test_a_network_must_end_with_a_dense_layer():
    dense = Dense(np.zeros((2, 2)), np.zeros(2), ACTIVATIONS.build("identity"))
    with pytest.raises(ValueError, match="must end with a dense layer"):
        Network([dense, Dropout(0.5)])


def test_set_weights_names_the_missing_arrays():
    net = build_network([2, 3])
    weights = net.get_weights()
    del weights["b1"]
    with pytest.raises(ValueError, match="weights lack b1"):
        net.set_weights(weights)


def test_build_network_defaults():
    net = build_network([2, 3, 1])
    same = build_network(
        [2, 3, 1],
        activation="relu",
        output_activation="identity",
        initializer="randn_average",
        rng=0,
    )
    for k, v in net.get_weights().items():
        assert_array_equal(v, same.get_weights()[k])
    assert [describe_component(d.activation) for d in net.dense] == ["relu", "identity"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"sizes": [3]}, "sizes must be at least two positive integers, got [3]"),
        (
            {"activation": ["relu", "tanh"]},
            "activation: a list needs one entry per hidden layer (1), got 2",
        ),
        ({"dropout": [0.1, 0.2]}, "dropout: a list needs one entry per hidden layer"),
    ],
)
def test_build_network_names_what_is_wrong(kw, message):
    kw = dict(kw)  # the parameter itself is shared between runs of the test
    sizes = kw.pop("sizes", [2, 3, 1])
    with pytest.raises(ValueError) as info:
        build_network(sizes, **kw)
    assert str(info.value).startswith(message)


def test_describe_component_lists_every_constructor_argument():
    class TwoParams:
        def __init__(self, a=1, b="x"):
            self.a, self.b = a, b

    assert describe_component(TwoParams(2, "y")) == "TwoParams(a=2, b='y')"


def test_a_plugin_without_elementwise_is_elementwise_for_dead_units():
    class Step:
        def derivative(self, z, a):
            return np.zeros_like(z)

    z = np.ones((3, 2))
    assert_array_equal(dead_units(z, z, Step()), [True, True])
