"""Engine components at the values their formulas fix: activations with k = 2 (where
a forgotten factor k shows), parameter messages, silent overflow, the optimisers'
and regularisers' float32 arithmetic and state, schedules at their ends, the
cross-entropy mean of float32 rows, orthonormal initial weights and the seed streams.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from nnexp.engine import rng as rngmod
from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.initializers import INITIALIZERS
from nnexp.engine.losses import LOSSES, pairing_problem
from nnexp.engine.optimizers import OPTIMIZERS, OptimizerBase, check_number
from nnexp.engine.regularizers import L1, L2
from nnexp.engine.schedules import SCHEDULES


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


X = np.array([-3.0, -0.7, -0.1, 0.2, 1.3, 4.0])
K2 = {  # name: (f, f') with k = 2
    "logistic": (sigmoid(2 * X), 2 * sigmoid(2 * X) * (1 - sigmoid(2 * X))),
    "softplus": (np.log1p(np.exp(2 * X)) / 2, sigmoid(2 * X)),
    "swish": (
        X * sigmoid(2 * X),
        sigmoid(2 * X) + 2 * X * sigmoid(2 * X) * (1 - sigmoid(2 * X)),
    ),
    "loco": (np.log(np.cosh(2 * X)) / 2, np.tanh(2 * X)),
    "twist": (X * np.tanh(2 * X), np.tanh(2 * X) + 2 * X * (1 - np.tanh(2 * X) ** 2)),
    "tanh": (np.tanh(2 * X), 2 * (1 - np.tanh(2 * X) ** 2)),
    "softsign": (2 * X / (1 + np.abs(2 * X)), 2 / (1 + np.abs(2 * X)) ** 2),
    "softabs": (
        2 * X**2 / (1 + np.abs(2 * X)),
        2 * X * (2 + np.abs(2 * X)) / (1 + np.abs(2 * X)) ** 2,
    ),
}


@pytest.mark.parametrize("name", K2)
def test_activations_with_k_2(name):
    act = ACTIVATIONS.build({"name": name, "k": 2.0})
    f, df = K2[name]
    a = act.forward(X.copy())
    assert_allclose(a, f, rtol=1e-12, atol=1e-15)
    assert_allclose(act.derivative(X.copy(), a), df, rtol=1e-12, atol=1e-15)


def test_leaky_relu_with_a_slope_above_1_takes_the_smaller_branch():
    act = ACTIVATIONS.build({"name": "leaky_relu", "alpha": 1.5})
    assert_array_equal(act.forward(np.array([-2.0, 2.0])), [-3.0, 2.0])


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ({"name": "logistic", "k": -1}, "k must be a finite number > 0, got -1"),
        ({"name": "elu", "alpha": -1}, "alpha must be a finite number >= 0, got -1"),
        (
            {"name": "leaky_relu", "alpha": float("nan")},
            "alpha must be a finite number, got nan",
        ),
    ],
)
def test_parameter_checks_say_what_they_need(ref, message):
    with pytest.raises(Exception) as info:
        ACTIVATIONS.build(ref)
    assert message in str(info.value)


def test_overflow_inside_activations_is_silent():
    """pytest turns RuntimeWarning into errors: each of these would warn unsilenced."""
    exp = ACTIVATIONS.build("exp")
    got = exp.backprop(np.zeros(2), np.array([np.inf, 1e300]), np.array([0.0, 1e300]))
    assert np.isnan(got[0]) and got[1] == np.inf
    assert ACTIVATIONS.build("selu").forward(np.array([1.75e308]))[0] == np.inf
    softmax = ACTIVATIONS.build("softmax")
    assert_array_equal(softmax.forward(np.array([[-1.7e308, 1.7e308]])), [[0.0, 1.0]])
    huge = ACTIVATIONS.build({"name": "abs", "alpha": 1e300})  # inf in float32
    assert_array_equal(huge.forward(np.array([-2.0, 3.0], np.float32)), [0.0, 0.0])


def test_relu_backprop_is_0_at_0():
    relu = ACTIVATIONS.build("relu")
    z = np.array([-1.0, 0.0, 1.0])
    assert_array_equal(relu.backprop(z, relu.forward(z), np.ones(3)), [0.0, 0.0, 1.0])


# --- optimisers and regularisers ------------------------------------------------------


def test_plain_sgd_keeps_no_state():
    sgd = OPTIMIZERS.build({"name": "sgd", "lr": 0.5})
    p, g = np.ones(2), np.array([1.0, -2.0])
    sgd.step({"W1": p}, {"W1": g}, 0.5)
    assert_array_equal(p, [0.5, 2.0])
    assert sgd.state_dict() == {"t": 1}


def test_nesterov_sgd_stays_in_float32_arithmetic():
    rng = np.random.default_rng(0)
    p = rng.normal(size=1000).astype(np.float32)
    g = rng.normal(size=1000).astype(np.float32)
    expected = p - (g * np.float32(0.9) + g) * np.float32(0.1)
    sgd = OPTIMIZERS.build(
        {"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True}
    )
    sgd.step({"W1": p}, {"W1": g.copy()}, 0.1)
    assert p.dtype == np.float32
    assert_array_equal(p, expected)


def test_adamw_decays_by_lr_times_weight_decay():
    adamw = OPTIMIZERS.build({"name": "adamw", "lr": 0.1, "weight_decay": 1.0})
    p = np.array([2.0, -4.0])
    adamw.step({"W1": p}, {"W1": np.zeros(2)}, 0.1)  # no gradient: decay only
    assert_allclose(p, [1.8, -3.6], rtol=1e-15)


def test_check_number_bounds_and_messages():
    assert check_number("x", 1.0, high=1.0) == 1.0
    assert check_number("x", 0.0, low=0.0) == 0.0
    for kw, need in [
        ({"high": 1.0}, "x <= 1"),
        ({"high": 1.0, "high_open": True}, "x < 1"),
        ({"low": 3.0, "high": 4.0, "low_open": True}, "3 < x <= 4"),
        ({}, "x"),
    ]:
        with pytest.raises(ValueError) as info:
            check_number("x", 5 if kw else float("inf"), **kw)
        assert str(info.value).endswith(f"is out of range: need a finite {need}")


def test_optimizer_state_keys_split_at_the_first_slash():
    sgd = OPTIMIZERS.build({"name": "sgd", "momentum": 0.5})
    sgd.load_state_dict({"t": 2, "v/enc/W1": np.ones(2)})
    assert list(sgd.v) == ["enc/W1"]
    with pytest.raises(ValueError) as info:
        sgd.load_state_dict({"t": 2, "v/": np.ones(2)})
    assert str(info.value) == (
        "unknown SGD state key 'v/'; expected 't' and keys of the form 'v/<param>'"
    )
    with pytest.raises(ValueError) as info:
        OPTIMIZERS.build("adam").load_state_dict({"t": 0, "x/W1": np.ones(2)})
    assert str(info.value).endswith("of the form 'm/<param>', 'v/<param>'")
    with pytest.raises(ValueError) as info:
        OptimizerBase().load_state_dict({"t": 0, "m/W1": np.ones(2)})
    assert str(info.value).endswith("keys of the form none")


def test_l1_sums_float32_weights_in_float32():
    W = np.random.default_rng(1).normal(size=(40, 25)).astype(np.float32)
    assert L1(lam=0.1).penalty({"W1": W, "b1": np.ones(3)}) == 0.1 * float(
        np.abs(W).sum()
    )


def test_a_regulariser_is_its_lambda_whatever_its_scratch_holds():
    used = L2(lam=0.1)
    used.add_grad({"W1": np.ones(2)}, {"W1": np.zeros(2)})
    assert used == L2(lam=0.1) and hash(used) == hash(L2(lam=0.1))
    assert repr(used) == "L2(lam=0.1)"
    with pytest.raises(TypeError):
        L2(0.1, {})


# --- schedules and losses -------------------------------------------------------------


def test_cosine_over_a_single_step():
    cosine = SCHEDULES.build({"name": "cosine", "floor": 0.1})
    assert cosine.lr(1.0, 0, 1) == 1.0 and cosine.lr(1.0, 1, 1) == 0.1


def test_linear_to_floor_refuses_a_negative_floor_by_name():
    with pytest.raises(Exception, match="floor = -1 is out of range"):
        SCHEDULES.build({"name": "linear_to_floor", "slope": 1, "floor": -1})


def test_pairing_problem_lists_every_pair():
    assert pairing_problem("cross_entropy", "relu") == (
        "loss cross_entropy needs output_activation softmax, not relu. Pairs that"
        " work: mse with any output activation; cross_entropy with softmax;"
        " binary_cross_entropy with logistic."
    )


def test_cross_entropy_of_float32_rows_is_averaged_in_float64():
    """One row of loss 1e8 and 1000 rows of log 2: a float32 sum would lose the
    small rows against the big one."""
    logits = np.zeros((1001, 2), np.float32)
    y = np.zeros((1001, 2), np.float32)
    logits[0, 0] = 1e8
    y[0, 1] = 1.0
    y[1:, 0] = 1.0
    expected = (1e8 + 1000 * float(np.float32(np.log(2.0)))) / 1001
    assert LOSSES.build("cross_entropy").value(logits, y) == pytest.approx(
        expected, rel=1e-12
    )


# --- initial weights and seeds ---------------------------------------------------------


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthonormal_weights_are_the_q_of_an_r_with_a_positive_diagonal(shape):
    m, n = shape
    init = INITIALIZERS.build({"name": "randn_orthonormal", "gain": 1.0})
    W = init.sample(shape, np.random.default_rng(0), family_gain=1.0, dtype="float64")
    tall = m >= n
    G = np.random.default_rng(0).standard_normal(shape if tall else (n, m))
    R = W.T @ G if tall else W @ G
    assert_allclose(np.tril(R, -1), 0.0, atol=1e-12)
    assert np.all(np.diag(R) > 0)


def test_the_seed_streams_are_stable():
    """Recorded runs replay only if seed 0 keeps giving the same streams."""
    draws = {
        n: rngmod.stream(0, n).integers(0, 10**6, 3).tolist() for n in rngmod.STREAMS
    }
    assert draws == {
        "init": [413788, 516966, 153271],
        "split": [998799, 347710, 445235],
        "shuffle": [724054, 175610, 610434],
        "dropout": [920783, 574490, 929293],
    }
