"""Losses against docs/maths.md §3: values, central differences, stability, pairing."""

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


# --- cross-entropy row by row (a huge logit in one row) --------------------------------


def ce_rows_by_definition(logits, y):
    """−Σ_j y_j log softmax(z)_j per row, with each row's maximum subtracted."""
    rows = []
    for z, t in zip(logits, y, strict=True):
        shifted = z - z.max()
        rows.append(-np.dot(t, shifted - np.log(np.exp(shifted).sum())))
    return np.array(rows)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_huge_logit_in_one_row_does_not_swallow_the_other_rows(dtype):
    # row 0: the target's logit is 1e15, so its loss is 2e^(−1e15) = 0 in floating point;
    # the other rows keep their ordinary losses, and the mean is theirs over B = 4.
    logits = np.array(
        [[1e15, 0.0, 0.0], [0.5, -0.2, 0.1], [0.0, 1.0, 2.0], [1.0, 0.0, 0.0]], dtype
    )
    y = np.eye(3, dtype=dtype)[[0, 2, 0, 1]]
    rows = ce_rows_by_definition(logits.astype(np.float64), y.astype(np.float64))
    assert rows[0] == 0.0
    expected = rows.mean()
    tol = 1e-6 if dtype == np.float32 else 1e-14
    loss = LOSSES.build("cross_entropy")
    assert loss.value(logits, y) == pytest.approx(expected, rel=tol)
    value, _ = loss.value_and_grad(logits.copy(), y)
    assert value == pytest.approx(expected, rel=tol)


def test_cross_entropy_is_the_mean_of_row_losses_with_soft_targets(rng):
    logits = rng.normal(size=(5, 4)) * 30
    y = rng.dirichlet(np.ones(4), size=5)  # rows summing to 1
    expected = ce_rows_by_definition(logits, y).mean()
    assert LOSSES.build("cross_entropy").value(logits, y) == pytest.approx(
        expected, rel=1e-13
    )


# --- binary cross-entropy with one logistic unit ---------------------------------------


def test_one_logistic_unit_is_softmax_cross_entropy_on_logits_zero_and_z(rng):
    """σ(z) = softmax(0, z)₁, so BCE(z, y) = CE((0, z), one-hot(y)) with y ∈ {0, 1}."""
    z = rng.normal(size=(9, 1)) * 4
    labels = rng.integers(0, 2, 9)
    bce, bce_grad = LOSSES.build("binary_cross_entropy").value_and_grad(
        z.copy(), labels[:, None].astype(float)
    )
    pair = np.hstack([np.zeros_like(z), z])
    ce, ce_grad = LOSSES.build("cross_entropy").value_and_grad(pair, np.eye(2)[labels])
    assert bce == pytest.approx(ce, rel=1e-13)
    # d/dz of CE on (0, z) is the second column of its gradient
    assert_allclose(bce_grad[:, 0], ce_grad[:, 1], rtol=1e-12, atol=1e-16)


def test_one_logistic_unit_gradient_matches_central_difference(rng):
    loss = LOSSES.build("binary_cross_entropy")
    z = rng.normal(size=(8, 1)) * 3
    y = rng.integers(0, 2, size=(8, 1)).astype(float)
    value, grad = loss.value_and_grad(z.copy(), y)
    assert grad.shape == (8, 1)
    assert value == pytest.approx(loss.value(z, y), rel=1e-12)
    num = numerical_gradient(lambda: loss.value(z, y), z)
    assert_allclose(grad, num, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("entry", LOSSES.entries(), ids=lambda e: e.name)
def test_targets_of_another_shape_are_refused_not_broadcast(entry):
    loss = entry.build()
    out = np.zeros((4, 1))
    y = np.eye(2)[[0, 1, 1, 0]]  # one-hot rows for a single output unit
    with pytest.raises(ValueError, match=r"outputs of shape \(4, 1\).*\(4, 2\)"):
        loss.value_and_grad(out.copy(), y)
    with pytest.raises(ValueError, match="one column per output unit"):
        loss.value(out, y)
