"""Regularisers: penalties and gradients on weight matrices only (SPEC.md §3, §8)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from nnexp.engine.regularizers import REGULARIZERS, is_active
from nnexp.errors import RegistryError


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def small_params():
    return {
        "W1": np.array([[1.0, -2.0], [3.0, 0.0]]),
        "b1": np.array([100.0, -100.0]),
        "W2": np.array([[0.5], [-0.5]]),
        "b2": np.array([7.0]),
    }


def random_params(rng, dtype=np.float64):
    # entries at least 0.1 away from 0, so L1's kink stays outside a finite difference
    def away(shape):
        x = rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        return x.astype(dtype)

    return {"W1": away((4, 3)), "b1": away(3), "W2": away((3, 2)), "b2": away(2)}


def test_l2_penalty_value():
    # (λ/2)(1 + 4 + 9 + 0 + 0.25 + 0.25); biases (100², 7²) do not count
    assert REGULARIZERS.build({"name": "l2", "lam": 0.1}).penalty(small_params()) == (
        pytest.approx(0.05 * 14.5, rel=1e-15)
    )


def test_l1_penalty_value():
    # λ(1 + 2 + 3 + 0 + 0.5 + 0.5)
    assert REGULARIZERS.build({"name": "l1", "lam": 0.1}).penalty(small_params()) == (
        pytest.approx(0.7, rel=1e-15)
    )


def test_penalties_are_python_floats_also_for_float32():
    params = {k: v.astype(np.float32) for k, v in small_params().items()}
    for name in ("l1", "l2", "none"):
        value = REGULARIZERS.build(
            {"name": name, "lam": 0.1} if name != "none" else name
        )
        assert type(value.penalty(params)) is float


@pytest.mark.parametrize("name", ["l2", "l1"])
def test_gradient_matches_central_difference(name, rng):
    reg = REGULARIZERS.build({"name": name, "lam": 0.3})
    params = random_params(rng)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    reg.add_grad(params, grads)
    h = 1e-6
    for key, p in params.items():
        numeric = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            up = reg.penalty(params)
            p[i] = old - h
            down = reg.penalty(params)
            p[i] = old
            numeric[i] = (up - down) / (2 * h)
        assert_allclose(grads[key], numeric, rtol=1e-7, atol=1e-9)


def test_l2_gradient_adds_lambda_w_and_leaves_biases(rng):
    params = random_params(rng)
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    before = {k: v.copy() for k, v in grads.items()}
    arrays = dict(grads)
    REGULARIZERS.build({"name": "l2", "lam": 0.25}).add_grad(params, grads)
    for k in ("W1", "W2"):
        assert_allclose(grads[k], before[k] + 0.25 * params[k], rtol=1e-15)
        assert grads[k] is arrays[k]  # in place
    for k in ("b1", "b2"):
        assert_array_equal(grads[k], before[k])


def test_l1_gradient_is_lambda_sign_and_zero_at_zero():
    params = small_params()
    grads = {k: np.ones_like(v) for k, v in params.items()}
    REGULARIZERS.build({"name": "L1", "lam": 0.5}).add_grad(params, grads)
    assert_array_equal(grads["W1"], [[1.5, 0.5], [1.5, 1.0]])
    assert_array_equal(grads["W2"], [[1.5], [0.5]])
    assert_array_equal(grads["b1"], [1.0, 1.0])
    assert_array_equal(grads["b2"], [1.0])


@pytest.mark.parametrize("name", ["l2", "l1"])
def test_float32_gradients_stay_float32(name, rng):
    params = random_params(rng, np.float32)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    REGULARIZERS.build({"name": name, "lam": 0.1}).add_grad(params, grads)
    assert all(g.dtype == np.float32 for g in grads.values())
    expected = 0.1 * (params["W1"] if name == "l2" else np.sign(params["W1"]))
    assert_allclose(grads["W1"], expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["l2", "l1"])
def test_add_grad_allocates_no_arrays_after_the_first(name, rng):
    params = {"W1": rng.normal(size=(300, 200)), "b1": np.zeros(200)}
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    reg = REGULARIZERS.build({"name": name, "lam": 0.1})
    reg.add_grad(params, grads)
    tracemalloc.start()
    try:
        reg.add_grad(params, grads)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000  # one temporary W1 would be 480 kB


def test_none_adds_nothing():
    reg = REGULARIZERS.build("none")
    params = small_params()
    grads = {k: np.ones_like(v) for k, v in params.items()}
    reg.add_grad(params, grads)
    assert reg.penalty(params) == 0.0
    assert all(np.array_equal(g, np.ones_like(g)) for g in grads.values())
    assert REGULARIZERS.resolve("none").params == ()


def test_is_active():
    class Plugin:
        def penalty(self, params):
            return 1.0

        def add_grad(self, params, grads):
            pass

    assert not is_active(None)
    assert not is_active(REGULARIZERS.build("none"))
    assert not is_active(REGULARIZERS.build({"name": "l2", "lam": 0}))
    assert not is_active(REGULARIZERS.build({"name": "l1", "lam": 0.0}))
    assert is_active(REGULARIZERS.build({"name": "l2", "lam": 0.005}))
    assert is_active(REGULARIZERS.build({"name": "l1", "lam": 1e-9}))
    assert is_active(Plugin())


@pytest.mark.parametrize("name", ["l2", "l1"])
@pytest.mark.parametrize(
    ("lam", "match"),
    [
        (-0.1, "lam >= 0"),
        (float("nan"), "lam"),
        (float("inf"), "lam"),
        ("big", "real number"),
    ],
)
def test_invalid_lambda_is_rejected(name, lam, match):
    with pytest.raises(ValueError, match=match):
        REGULARIZERS.resolve(name).factory(lam=lam)
    with pytest.raises(RegistryError, match=f"regularizer {name}: "):
        REGULARIZERS.build({"name": name, "lam": lam})


def test_lambda_is_required():
    with pytest.raises(RegistryError, match="lam: missing required parameter"):
        REGULARIZERS.build("l2")


def test_regularisers_are_values():
    a, b = (
        REGULARIZERS.build({"name": "l2", "lam": 0.1}),
        REGULARIZERS.build({"name": "L2", "lam": 0.1}),
    )
    a.add_grad(
        {"W1": np.ones((2, 2))}, {"W1": np.zeros((2, 2))}
    )  # fills a's scratch only
    assert a == b and hash(a) == hash(b) and repr(a) == "L2(lam=0.1)"


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("L2", "l2"),
        ("l-2", "l2"),
        ("Ridge", "l2"),
        ("L1", "l1"),
        ("lasso", "l1"),
        ("None", "none"),
        ("NONE", "none"),
    ],
)
def test_names_resolve_in_any_spelling(spelling, canonical):
    assert REGULARIZERS.resolve(spelling).name == canonical


def test_unknown_name_lists_close_matches():
    with pytest.raises(RegistryError, match="Did you mean: .*l1"):
        REGULARIZERS.resolve("lassso")
