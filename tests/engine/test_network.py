"""Network forward/backward against SPEC §6 worked examples and finite differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose

from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.gradcheck import numerical_gradient
from nnexp.engine.layers import Dense, Dropout
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import Network, build_network
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.engine.regularizers import REGULARIZERS


def course_net(hidden: str) -> Network:
    W1 = np.array([[2.0, 1.0, 3.0], [2.0, -1.0, 1.0]])
    b1 = np.array([1.0, 0.0, -1.0])
    W2 = np.array([[3.0], [1.0], [2.0]])
    b2 = np.array([1.0])
    return Network(
        [
            Dense(W1, b1, ACTIVATIONS.build(hidden)),
            Dense(W2, b2, ACTIVATIONS.build("identity")),
        ]
    )


@pytest.mark.parametrize(("hidden", "expected"), [("identity", 36.0), ("relu", 38.0)])
def test_spec_forward_pass(hidden, expected):
    out = course_net(hidden).predict(np.array([[1.0, 3.0]]))
    assert out.shape == (1, 1)
    assert out[0, 0] == expected


def test_one_gradient_step_spec_example():
    # L(θ) = 2(θ1 − 2)² + θ2 at θ = (1, 3), one plain gradient step of size 2 → (9, 1)
    theta = np.array([1.0, 3.0])
    grad = np.array([4 * (theta[0] - 2), 1.0])
    OPTIMIZERS.build({"name": "sgd", "lr": 2.0}).step({"W": theta}, {"W": grad}, 2.0)
    assert_allclose(theta, [9.0, 1.0])


def test_relu_interpolation_net_reproduces_f():
    # SPEC §6: unit input weights, biases −(a−h), −a, …, −(b−h); h·L m = f
    a, b, n = 0.0, 2.0, 9
    xs = np.linspace(a, b, n)
    h = xs[1] - xs[0]
    f = np.sin(3 * xs) + xs**2
    L = np.array(
        [[max(i - j + 1, 0) if i >= j else 0 for j in range(n)] for i in range(n)],
        float,
    )
    m = np.linalg.solve(h * L, f)
    W1 = np.ones((1, n))
    b1 = -(a - h + h * np.arange(n))
    net = Network(
        [
            Dense(W1, b1, ACTIVATIONS.build("relu")),
            Dense(m[:, None], np.zeros(1), ACTIVATIONS.build("identity")),
        ]
    )
    assert_allclose(net.predict(xs[:, None])[:, 0], f, rtol=1e-10, atol=1e-10)


def _loss_at(net, loss, reg, X, Y, fused):
    out = net.forward(X, logits=fused)[0]
    value = loss.value(out, Y)
    return value + (reg.penalty(net.params) if reg is not None else 0.0)


CASES = [
    ("tanh", "identity", "mse", None),
    ("relu", "identity", "mse", {"name": "l2", "lam": 0.1}),
    ("logistic", "logistic", "mse", None),
    ("softplus", "softmax", "cross_entropy", {"name": "l2", "lam": 0.05}),
    ("elu", "softmax", "mse", None),
    ("swish", "logistic", "binary_cross_entropy", {"name": "l1", "lam": 0.01}),
    ("abs", "tanh", "mse", None),
    ("loco", "softmax", "cross_entropy", None),
]


@pytest.mark.parametrize(("hidden", "output", "loss_name", "reg_ref"), CASES)
def test_network_gradients_match_central_differences(
    hidden, output, loss_name, reg_ref
):
    rng = np.random.default_rng(7)
    net = build_network(
        [3, 4, 5, 2],
        activation=hidden,
        output_activation=output,
        rng=rng,
        dtype="float64",
    )
    for layer in net.dense:  # non-zero biases so their gradients are exercised
        layer.b[:] = rng.normal(size=layer.b.shape) * 0.3
    X = rng.normal(size=(6, 3))
    if loss_name == "cross_entropy":
        Y = np.eye(2)[rng.integers(0, 2, 6)]
    else:
        Y = rng.uniform(0.1, 0.9, size=(6, 2))
    loss = LOSSES.build(loss_name)
    reg = REGULARIZERS.build(reg_ref) if reg_ref else None
    fused = loss.fused_with is not None
    out, caches = net.forward(X, logits=fused)
    _, d = loss.value_and_grad(out.copy(), Y)
    grads = net.backward(d, caches)
    if reg is not None:
        reg.add_grad(net.params, grads)
    for name, p in net.params.items():
        num = numerical_gradient(lambda: _loss_at(net, loss, reg, X, Y, fused), p)
        assert_allclose(grads[name], num, rtol=1e-5, atol=1e-8, err_msg=name)


def test_random_direction_check_on_a_bigger_network():
    # a JAX-style directional check: <grad, v> equals the directional finite difference
    rng = np.random.default_rng(3)
    net = build_network(
        [20, 30, 30, 10], activation="tanh", output_activation="softmax", rng=rng
    )
    X = rng.normal(size=(16, 20))
    Y = np.eye(10)[rng.integers(0, 10, 16)]
    loss = LOSSES.build("cross_entropy")
    out, caches = net.forward(X, logits=True)
    _, d = loss.value_and_grad(out.copy(), Y)
    grads = net.backward(d, caches)
    params = net.params
    v = {k: rng.normal(size=p.shape) for k, p in params.items()}
    eps = 1e-6

    def shifted(sign):
        for k, p in params.items():
            p += sign * eps * v[k]
        value = loss.value(net.forward(X, logits=True)[0], Y)
        for k, p in params.items():
            p -= sign * eps * v[k]
        return value

    numeric = (shifted(1) - shifted(-1)) / (2 * eps)
    analytic = sum(float(np.vdot(grads[k], v[k])) for k in params)
    assert analytic == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("act", ["relu", "tanh", "softsign"])
def test_float32_gradients_track_float64(act):
    rng = np.random.default_rng(11)
    net64 = build_network([5, 8, 3], activation=act, output_activation="softmax", rng=1)
    net32 = build_network(
        [5, 8, 3], activation=act, output_activation="softmax", rng=1, dtype="float32"
    )
    X = rng.normal(size=(9, 5))
    Y = np.eye(3)[rng.integers(0, 3, 9)]
    loss = LOSSES.build("cross_entropy")
    grads = []
    for net, dt in ((net64, np.float64), (net32, np.float32)):
        out, caches = net.forward(X.astype(dt), logits=True)
        _, d = loss.value_and_grad(out, Y.astype(dt))
        grads.append(net.backward(d, caches))
    for name in grads[0]:
        assert grads[1][name].dtype == np.float32
        assert_allclose(grads[1][name], grads[0][name], rtol=2e-4, atol=1e-6)


def test_weights_names_number_dense_layers_only():
    net = build_network([4, 6, 5, 3], activation="relu", dropout=0.5, rng=0)
    assert [type(layer).__name__ for layer in net.layers] == [
        "Dense",
        "Dropout",
        "Dense",
        "Dropout",
        "Dense",
    ]
    params = net.params
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert params["W1"].shape == (4, 6) and params["b3"].shape == (3,)


def test_activation_objects_hold_no_per_call_state():
    act = ACTIVATIONS.build("relu")
    net = build_network([3, 4, 4, 2], activation=act, rng=0)
    X1, X2 = np.ones((2, 3)), -np.ones((5, 3))
    out1, caches1 = net.forward(X1)
    net.forward(X2)  # a second pass must not disturb the first pass's caches
    grads = net.backward(np.ones_like(out1), caches1)
    assert grads["W1"].shape == (3, 4)
    assert caches1[0].X is X1


def test_dropout_is_inverted_and_off_in_evaluation():
    rng = np.random.default_rng(0)
    drop = Dropout(0.25)
    X = np.ones((2000, 50))
    out, cache = drop.forward(X, train=True, rng=rng)
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.01
    assert_allclose(out[kept], 1 / 0.75)  # survivors scaled, so the mean is kept
    assert abs(out.mean() - 1.0) < 0.02
    d = drop.backward(np.ones_like(X), cache)
    assert_allclose(d, out)
    out_eval, _ = drop.forward(X, train=False)
    assert out_eval is X


def test_dropout_rejects_bad_rates():
    with pytest.raises(ValueError, match="dropout"):
        Dropout(1.0)


def test_build_network_checks_its_input():
    with pytest.raises(ValueError, match="one entry per hidden layer"):
        build_network([2, 3, 3, 1], activation=["relu"])
    with pytest.raises(ValueError, match="positive"):
        build_network([2, 0, 1])


@pytest.mark.parametrize(
    ("name", "fam_gain"), [("relu", np.sqrt(2)), ("tanh", 1.0), ("abs", 1.0)]
)
def test_auto_gain_follows_the_layer_family(name, fam_gain):
    sizes = [300, 400, 10]
    nets = [
        build_network(sizes, activation=name, initializer=init, rng=5)
        for init in ("randn_average", {"name": "randn_average", "gain": 1.0})
    ]
    ratio = nets[0].params["W1"].std() / nets[1].params["W1"].std()
    assert ratio == pytest.approx(fam_gain, rel=1e-9)


def test_set_weights_checks_shapes():
    net = build_network([2, 3, 1], rng=0)
    with pytest.raises(ValueError, match="W1"):
        net.set_weights(
            {
                "W1": np.zeros((3, 3)),
                "b1": np.zeros(3),
                "W2": np.zeros((3, 1)),
                "b2": np.zeros(1),
            }
        )


def test_every_pairing_of_dense_sizes_chains():
    for sizes in itertools.islice(itertools.product([1, 2, 5], repeat=3), 10):
        net = build_network(list(sizes), rng=0)
        assert net.predict(np.zeros((4, sizes[0]))).shape == (4, sizes[-1])
