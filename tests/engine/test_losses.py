"""Losses against SPEC §3: values, central-difference gradients, stability, pairing."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.gradcheck import numerical_gradient
from nnexp.engine.losses import LOSSES, pairing_problem


def targets(name, rng, shape):
    if name == "cross_entropy":
        return np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    return rng.uniform(0, 1, size=shape)


@pytest.mark.parametrize("entry", LOSSES.entries(), ids=lambda e: e.name)
def test_loss_gradient_matches_central_difference(entry, rng):
    loss = entry.build()
    out = rng.normal(size=(5, 4))
    y = targets(entry.name, rng, out.shape)
    value, grad = loss.value_and_grad(out.copy(), y)
    assert value == pytest.approx(loss.value(out, y), rel=1e-12)
    num = numerical_gradient(lambda: loss.value(out, y), out)
    assert_allclose(grad, num, rtol=1e-6, atol=1e-9)


def test_mse_closed_form(rng):
    a, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    value, grad = LOSSES.build("mse").value_and_grad(a, y)
    assert value == pytest.approx(0.5 * np.sum((a - y) ** 2) / 4)
    assert_allclose(grad, (a - y) / 4)


def test_cross_entropy_equals_the_definition_and_fused_gradient(rng):
    logits = rng.normal(size=(6, 5))
    y = np.eye(5)[rng.integers(0, 5, 6)]
    p = ACTIVATIONS.build("softmax").forward(logits)
    value, grad = LOSSES.build("cross_entropy").value_and_grad(logits.copy(), y)
    assert value == pytest.approx(-np.sum(y * np.log(p)) / 6, rel=1e-12)
    assert_allclose(grad, (p - y) / 6, atol=1e-15)


def test_binary_cross_entropy_equals_the_definition(rng):
    logits = rng.normal(size=(7, 2))
    y = rng.integers(0, 2, size=(7, 2)).astype(float)
    p = 1 / (1 + np.exp(-logits))
    value, grad = LOSSES.build("binary_cross_entropy").value_and_grad(logits, y)
    expected = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / 7
    assert value == pytest.approx(expected, rel=1e-12)
    assert_allclose(grad, (p - y) / 7, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["cross_entropy", "binary_cross_entropy"])
def test_fused_losses_are_stable_for_huge_logits(name, dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-3e4, 2e4, 5.0]], dtype=dtype)
    y = np.array([[1.0, 0, 0], [0, 0, 1.0]], dtype=dtype)
    value, grad = LOSSES.build(name).value_and_grad(logits.copy(), y)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert grad.dtype == dtype


def test_cross_entropy_keeps_float32(rng):
    logits = rng.normal(size=(3, 4)).astype(np.float32)
    y = np.eye(4, dtype=np.float32)[[0, 1, 2]]
    _, grad = LOSSES.build("cross_entropy").value_and_grad(logits, y)
    assert grad.dtype == np.float32


def test_pairing_rule():
    assert pairing_problem("mse", "tanh") is None
    assert pairing_problem("cross_entropy", "softmax") is None
    assert pairing_problem("binary_cross_entropy", "logistic") is None
    msg = pairing_problem("cross_entropy", "relu")
    assert (
        "softmax" in msg and "relu" in msg and "mse with any output activation" in msg
    )
    assert "logistic" in pairing_problem("binary_cross_entropy", "softmax")


def test_loss_names_resolve_any_spelling():
    assert LOSSES.resolve("Cross-Entropy").name == "cross_entropy"
    assert LOSSES.resolve("MSE").name == "mse"
