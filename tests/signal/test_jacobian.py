"""Dynamical isometry: the Jacobian's definition, and Pennington et al.'s finding that
orthogonal weights keep tanh's spectrum concentrated at criticality, not ReLU's."""

from __future__ import annotations

import numpy as np
import pytest

from nnexp.engine.activations import ACTIVATIONS
from nnexp.signal.jacobian import (
    jacobian,
    jacobian_spectra,
    start_at_fixed_point,
)
from nnexp.signal.meanfield import mean_field
from nnexp.signal.setup import activation_setup


def test_the_jacobian_is_the_derivative_of_the_forward_pass():
    """Against central differences of x ↦ a^L(x), column by column."""
    rng = np.random.default_rng(0)
    tanh = ACTIVATIONS.build("tanh")
    layers = [
        (rng.standard_normal((6, 6)) / 2, rng.standard_normal(6)) for _ in range(3)
    ]
    x = rng.standard_normal(6)

    def forward(v):
        for W, b in layers:
            v = tanh.forward(v @ W + b)
        return v

    J = jacobian(tanh, layers, x)
    h = 1e-6
    for i in range(6):
        e = np.zeros(6)
        e[i] = h
        numeric = (forward(x + e) - forward(x - e)) / (2 * h)
        assert np.allclose(J[i], numeric, atol=1e-9)


def test_a_linear_network_of_orthogonal_layers_is_an_exact_isometry():
    setup = activation_setup("identity", sigma_w2=1.0, sigma_b2=0.0, depth=10, width=64)
    gaussian, orthonormal = jacobian_spectra(
        setup, draws=2, rng=np.random.default_rng(1)
    )
    assert np.allclose(orthonormal.values, 1.0, atol=1e-12)
    assert orthonormal.theory_mean_square == pytest.approx(1.0, rel=1e-14)
    assert gaussian.values.max() > 3 and gaussian.values.min() < 0.1  # products spread


def test_orthogonal_weights_keep_tanh_near_isometry_but_not_relu():
    """tanh at its critical σ_w² for σ_b² = 1e-4 (q* small), depth 32: orthonormal
    weights keep 95 % of the singular values within a factor 3 of 1 (none below 3
    and none lost); Gaussian ones spread over orders of magnitude.  ReLU at
    σ_w² = 2 loses most directions either way."""
    tanh = activation_setup("tanh", sigma_b2=1e-4, depth=32, width=128)
    q_star = mean_field(tanh.profile, tanh.variances, tanh.q1).q_star
    at = start_at_fixed_point(tanh, q_star)
    assert at.q1 == pytest.approx(q_star, rel=1e-12)
    gaussian, orthonormal = jacobian_spectra(at, draws=3, rng=np.random.default_rng(2))
    low, high = np.quantile(orthonormal.values, [0.05, 0.95])
    assert 1 / 3 < low and high < 3 and orthonormal.values.max() < 3
    assert orthonormal.lost_fraction == 0.0
    assert gaussian.lost_fraction > 0.2 and gaussian.values.max() > 5
    relu = activation_setup("relu", sigma_b2=0.0, depth=32, width=128)
    for spectrum in jacobian_spectra(relu, draws=3, rng=np.random.default_rng(2)):
        assert spectrum.lost_fraction > 0.4, spectrum.ensemble
        assert spectrum.theory_mean_square == pytest.approx(1.0, rel=1e-12)


def test_start_at_fixed_point_leaves_edge_cases_alone():
    setup = activation_setup("relu", sigma_w2=2.0, sigma_b2=0.1, depth=2, width=4)
    assert start_at_fixed_point(setup, float("inf")) is setup
    assert start_at_fixed_point(setup, 0.05) is setup  # below σ_b²: unreachable
