"""Wide random networks against the mean-field recursion (width 1000, depth ≤ 10).

The rule (nnexp.signal.montecarlo.tolerances): at layer l the mean over draws may
differ from the theory by 4 standard errors of that mean plus 2·l/width (relative
for q and the gradient ratio, absolute for the correlation), the finite-width drift
of O(depth/width).  At width 1000 and depth 10 that allowance is 2 %; the measured
deviations are ~1 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnexp.signal.montecarlo import (
    C0,
    deviations,
    ensembles,
    input_pairs,
    sample_networks,
    theory_layers,
)
from nnexp.signal.setup import activation_setup

WIDTH = 1000


@pytest.mark.parametrize(
    ("name", "sigma_w2", "sigma_b2"),
    [
        ("tanh", "critical", 0.05),  # χ₁ = 1
        ("tanh", 3.0, 0.05),  # chaotic: c → c* ≈ 0.3
        ("tanh", 1.2, 0.05),  # ordered: c → 1, gradients vanish
        ("relu", 2.0, 0.0),  # critical ReLU keeps q
        ("selu", 1.0, 0.0),  # kinked, f′ jumps at 0
    ],
)
def test_wide_gaussian_networks_follow_the_mean_field_recursion(
    name, sigma_w2, sigma_b2
):
    setup = activation_setup(
        name, sigma_w2=sigma_w2, sigma_b2=sigma_b2, depth=10, width=WIDTH
    )
    theory = theory_layers(setup)
    gaussian = ensembles(setup)[0]
    stats = sample_networks(setup, gaussian, draws=12, rng=np.random.default_rng(7))
    dev = deviations(theory, stats, WIDTH)
    assert max(dev.values()) <= 1.0, dev


def test_wide_orthonormal_networks_follow_it_too():
    setup = activation_setup("tanh", sigma_b2=0.05, depth=5, width=WIDTH)
    orthonormal = ensembles(setup)[1]
    assert orthonormal.name == "orthonormal"
    stats = sample_networks(setup, orthonormal, draws=5, rng=np.random.default_rng(3))
    dev = deviations(theory_layers(setup), stats, WIDTH)
    assert max(dev.values()) <= 1.0, dev


def test_the_agreement_rule_sees_a_five_percent_error_in_sigma_w2():
    """Networks drawn at 1.05 σ_w² disagree with the theory at σ_w²."""
    setup = activation_setup("tanh", sigma_w2=3.0, sigma_b2=0.05, depth=10, width=WIDTH)
    wrong = activation_setup(
        "tanh", sigma_w2=3.15, sigma_b2=0.05, depth=10, width=WIDTH
    )
    stats = sample_networks(
        wrong, ensembles(wrong)[0], draws=12, rng=np.random.default_rng(7)
    )
    assert deviations(theory_layers(setup), stats, WIDTH)["q"] > 1.0


def test_input_pairs_have_the_asked_length_and_correlation_exactly():
    x = input_pairs(50, 2.5, C0, 4, np.random.default_rng(0))
    assert x.shape == (3, 4, 2, 50)
    assert np.allclose(np.sum(x * x, axis=-1) / 50, 2.5, rtol=1e-13)
    dots = np.sum(x[:, :, 0] * x[:, :, 1], axis=-1) / (50 * 2.5)
    assert np.allclose(dots, np.array(C0)[:, None], atol=1e-13)


def test_the_recursion_of_a_linear_network_is_exact():
    """identity, σ_w = 1, σ_b = 0: q, c and the gradient ratio stay at 1, c⁰, 1."""
    setup = activation_setup("identity", sigma_w2=1.0, sigma_b2=0.0, depth=6)
    th = theory_layers(setup)
    assert np.allclose(th.q, 1.0, rtol=1e-14)
    assert np.allclose(th.c, np.array(C0)[:, None], atol=1e-14)
    assert np.allclose(th.grad, 1.0, rtol=1e-14)


def test_too_few_draws_is_an_error():
    setup = activation_setup("tanh", depth=2, width=10)
    with pytest.raises(Exception, match="draws must be at least 2"):
        sample_networks(
            setup, ensembles(setup)[0], draws=1, rng=np.random.default_rng()
        )
