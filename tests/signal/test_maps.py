"""The length and correlation maps, their fixed points, slopes, depth scales and the
critical line, against closed forms and the issue's known values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from nnexp.engine.activations import ACTIVATIONS
from nnexp.errors import NnexpError
from nnexp.signal.fixed_points import depth_scale, fixed_length
from nnexp.signal.gains import (
    critical_weight_variance,
    torch_gain,
    variance_preserving_gain,
)
from nnexp.signal.maps import (
    VarianceGrid,
    Variances,
    correlation_map,
    correlation_slope,
    length_map,
    length_slope,
)
from nnexp.signal.meanfield import mean_field, mean_field_grid
from nnexp.signal.profile import profile
from nnexp.signal.quadrature import OverflowRegion
from tests.signal.closed_forms import reference_single


def prof(name, **params):
    return profile(ACTIVATIONS.build({"name": name, **params}), name)


@pytest.mark.parametrize("sw2", [0.5, 1.5, 1.9])
@pytest.mark.parametrize("sb2", [0.01, 0.1, 1.0])
def test_relu_fixed_point_chi1_and_depth_scales_match_their_closed_forms(sw2, sb2):
    """Q(q) = σ_w² q/2 + σ_b²: q* = σ_b²/(1 − σ_w²/2), Q′ = χ₁ = σ_w²/2."""
    m = mean_field(prof("relu"), Variances(sw2, sb2))
    assert m.q_status == "finite" and m.phase == "ordered"
    assert m.q_star == pytest.approx(sb2 / (1 - sw2 / 2), rel=1e-13)
    assert m.chi1 == pytest.approx(sw2 / 2, rel=1e-14)
    assert m.backward == pytest.approx(sw2 / 2, rel=1e-14)
    assert m.length_slope == pytest.approx(sw2 / 2, rel=1e-12)
    assert m.c_star == 1.0 and m.chi_c == pytest.approx(sw2 / 2, rel=1e-12)
    assert m.xi_c == pytest.approx(-1 / math.log(sw2 / 2), rel=1e-10)


@pytest.mark.parametrize("sb2", [0.0, 0.05, 0.3])
def test_relu_is_critical_at_sigma_w2_two_for_every_bias(sb2):
    assert critical_weight_variance(prof("relu"), sb2).sigma_w2 == pytest.approx(
        2.0, rel=1e-12
    )
    assert mean_field(prof("relu"), Variances(2.0, sb2)).chi1 == pytest.approx(1.0)


def test_relu_on_and_beyond_its_critical_line_states_that_q_has_no_fixed_point():
    on = mean_field(prof("relu"), Variances(2.0, 0.1))
    assert on.q_status == "grows" and math.isinf(on.q_star)
    assert "no finite q*" in on.notes[0] and "linearly" in on.notes[0]
    assert on.to_dict()["q_star"] is None  # JSON: null, and the note says why
    beyond = mean_field(prof("relu"), Variances(3.0, 0.1))
    assert beyond.q_status == "grows" and beyond.phase == "chaotic"
    assert "geometrically" in beyond.notes[0] and beyond.chi1 == pytest.approx(1.5)
    kept = mean_field(prof("relu"), Variances(2.0, 0.0), q0=3.0)
    assert kept.q_status == "kept" and kept.q_star == 3.0 and "every q" in kept.notes[0]


def test_a_linear_network_keeps_q_exactly_at_sigma_w_one_and_no_bias():
    ident, v = prof("identity"), Variances(1.0, 0.0)
    q = np.array([1e-3, 1.0, 7.5, 1e3])
    assert np.allclose(length_map(ident, v, q), q, rtol=1e-14, atol=0)
    assert fixed_length(ident, v, 7.5).status == "kept"
    m = mean_field(ident, v)
    assert m.q_star == 1.0 and m.chi1 == pytest.approx(1.0, abs=1e-14)
    c = np.array([-0.5, 0.2, 0.9])
    w = Variances(1.3, 0.2)
    want = (1.3 * 2.0 * c + 0.2) / (1.3 * 2.0 + 0.2)
    assert np.allclose(correlation_map(ident, w, 2.0, c), want, rtol=1e-14)


def test_tanh_without_bias_is_critical_at_sigma_w_one():
    """Below σ_w = 1 the signal fades (q* = 0, χ₁ = σ_w²); above, q* > 0 and χ₁ > 1.
    Just above 1, χ₁ − 1 = O((σ_w² − 1)²): the root is found to ~1e-8."""
    tanh = prof("tanh")
    crit = critical_weight_variance(tanh, 0.0)
    assert crit.sigma_w == pytest.approx(1.0, abs=1e-7)
    low = mean_field(tanh, Variances(0.8, 0.0))
    assert low.q_status == "fades" and low.q_star == 0.0
    assert low.chi1 == pytest.approx(0.8, rel=1e-9) and low.phase == "ordered"
    assert any("fades" in n for n in low.notes)
    high = mean_field(tanh, Variances(1.5, 0.0))
    assert high.q_star > 0 and high.chi1 > 1 and high.phase == "chaotic"


def test_tanh_with_bias_has_chi1_one_at_its_critical_sigma_w():
    """σ_b² = 0.05: σ_w² ≈ 1.76, the critical point of Schoenholz et al.'s figure."""
    tanh = prof("tanh")
    crit = critical_weight_variance(tanh, 0.05)
    assert crit.sigma_w2 == pytest.approx(1.76, abs=0.01)
    m = mean_field(tanh, Variances(crit.sigma_w2, 0.05))
    assert m.chi1 == pytest.approx(1.0, abs=1e-10) and m.phase == "critical"


def test_the_fixed_points_are_where_plain_iteration_goes():
    """q* and c* against iterating the maps themselves, as a network does."""
    tanh, v = prof("tanh"), Variances(3.0, 0.05)
    m = mean_field(tanh, v)
    q = 1.0
    for _ in range(200):
        q = float(length_map(tanh, v, q))
    assert m.q_star == pytest.approx(q, rel=1e-13)
    c = 0.9
    for _ in range(400):  # |C′(c*)| ≈ 0.9: 400 steps shrink the error by 1e-18
        c = float(correlation_map(tanh, v, m.q_star, c))
    assert m.c_star == pytest.approx(c, abs=1e-12)
    assert 0 < m.c_star < 1 and m.phase == "chaotic" and m.chi_c < 1


def test_the_length_slope_without_derivatives_matches_finite_differences():
    """Q′(q) = σ_w² E[φ²(z² − 1)]/(2q) against a central difference of Q."""
    v = Variances(1.7, 0.1)
    for name in ("tanh", "softplus", "selu", "sign", "heaviside", "exp"):
        p = prof(name)
        for q in (0.3, 2.0):
            h = 1e-5 * q
            numeric = (length_map(p, v, q + h) - length_map(p, v, q - h)) / (2 * h)
            assert float(length_slope(p, v, q)) == pytest.approx(
                float(numeric), abs=1e-8 * max(1.0, abs(float(numeric)))
            ), (name, q)


@pytest.mark.parametrize("name", ["tanh", "relu", "selu", "sign", "heaviside", "abs"])
def test_the_correlation_slope_by_prices_theorem_matches_finite_differences(name):
    """With the Dirac masses of sign's and Heaviside's jumps: their registry
    derivative is 0, yet the slope of C is not."""
    p, v, q = prof(name), Variances(1.4, 0.2), 1.3
    for c in (-0.5, 0.3, 0.8):
        h = 1e-5
        numeric = (
            correlation_map(p, v, q, c + h) - correlation_map(p, v, q, c - h)
        ) / (2 * h)
        assert float(correlation_slope(p, v, q, c)) == pytest.approx(
            float(numeric), rel=1e-7
        ), c


def test_sign_and_heaviside_are_always_chaotic_with_closed_form_fixed_points():
    sw2, sb2 = 1.2, 0.1
    for name, kernel, second in [
        ("sign", lambda c: 2 / math.pi * math.asin(c), 1.0),
        ("heaviside", lambda c: 0.25 + math.asin(c) / (2 * math.pi), 0.5),
    ]:
        m = mean_field(prof(name), Variances(sw2, sb2))
        q_star = sw2 * second + sb2
        assert m.q_star == pytest.approx(q_star, rel=1e-14)

        def gap(c, k=kernel, q_star=q_star):
            return (sw2 * k(c) + sb2) / q_star - c

        c_star = brentq(gap, 0.0, 1 - 1e-9)
        assert m.c_star == pytest.approx(c_star, abs=1e-12)
        assert math.isinf(m.chi1) and m.phase == "chaotic" and m.backward == 0.0
        assert m.xi_q == 0.0  # the length map is constant: one layer reaches q*
        assert any("jumps" in n and "backpropagation passes no" in n for n in m.notes)
        crit = critical_weight_variance(prof(name), sb2)
        assert crit.sigma_w2 is None and "always chaotic" in crit.note
    # sign's slope: σ_w² (2/π) / √(1 − c²) / q*
    v, q = Variances(1.0, 0.0), 1.0
    assert float(correlation_slope(prof("sign"), v, q, 0.6)) == pytest.approx(
        2 / math.pi / 0.8, rel=1e-13
    )


def test_exp_beyond_its_overflow_region_is_an_error_naming_it():
    with pytest.raises(OverflowRegion) as err:
        mean_field(prof("exp"), Variances(1.0, 0.0))
    assert isinstance(err.value, NnexpError)
    text = str(err.value)
    assert "exp at σ_w² = 1, σ_b² = 0" in text and "no finite fixed point q*" in text
    assert mean_field(prof("exp"), Variances(0.05, 0.0)).q_status == "finite"


@pytest.mark.parametrize(
    ("sw2", "sb2", "word"),
    [
        (0.0, 0.1, "σ_w²"),
        (-1.0, 0.1, "σ_w²"),
        (math.nan, 0.1, "σ_w²"),
        (1, -0.1, "σ_b²"),
    ],
)
def test_bad_variances_are_named(sw2, sb2, word):
    with pytest.raises(NnexpError, match=word) as err:
        Variances(sw2, sb2)
    assert "N(0, σ_w²/fan_in)" in str(err.value)


def test_gains_side_by_side():
    """He's variance-preserving gain 1/√E[φ(z)²], torch's table, none changed."""
    assert variance_preserving_gain(prof("relu")) == pytest.approx(math.sqrt(2), 1e-14)
    tanh2 = reference_single(lambda x: math.tanh(x) ** 2, 1.0)
    assert variance_preserving_gain(prof("tanh")) == pytest.approx(
        1 / math.sqrt(tanh2), rel=1e-12
    )
    assert variance_preserving_gain(prof("tanh")) == pytest.approx(1.5925, abs=1e-4)
    assert variance_preserving_gain(prof("sign")) == pytest.approx(1.0, rel=1e-14)
    assert variance_preserving_gain(prof("heaviside")) == pytest.approx(math.sqrt(2))
    assert variance_preserving_gain(prof("identity")) == pytest.approx(1.0, rel=1e-14)
    assert variance_preserving_gain(prof("exp")) == pytest.approx(math.exp(-1), 1e-13)
    tanh = ACTIVATIONS.build("tanh")
    assert torch_gain("tanh", tanh) == pytest.approx(5 / 3)
    assert torch_gain("relu", None) == pytest.approx(math.sqrt(2))
    leaky = ACTIVATIONS.build({"name": "leaky_relu", "alpha": 0.2})
    assert torch_gain("leaky_relu", leaky) == pytest.approx(math.sqrt(2 / 1.04))
    assert torch_gain("selu", None) == 0.75 and torch_gain("softplus", None) is None
    steep = ACTIVATIONS.build({"name": "tanh", "k": 2.0})
    assert torch_gain("tanh", steep) is None


def test_the_profile_finds_jumps_and_refuses_softmax():
    assert prof("sign").jumps == ((0.0, 2.0),) and prof("sign").flat
    assert prof("heaviside").jumps == ((0.0, 1.0),)
    assert prof("relu").jumps == () and not prof("relu").flat
    assert prof("selu").jumps == () and prof("tanh").kinks == ()
    with pytest.raises(NnexpError, match="not elementwise"):
        prof("softmax")

    class BadKinks:
        kinks = ("here",)

        def forward(self, z):
            return z

        def derivative(self, z, a):
            return np.ones_like(z)

    with pytest.raises(NnexpError, match="kinks must be a tuple of finite numbers"):
        profile(BadKinks(), "bad")


def test_the_grid_gives_the_numbers_of_single_points():
    for name in ("tanh", "relu"):
        p = prof(name)
        sw2 = np.array([0.8, 1.5, 2.5, 3.5])
        sb2 = np.array([0.0, 0.05, 0.05, 0.2])
        grid = mean_field_grid(p, VarianceGrid(sw2, sb2))
        for i in range(sw2.size):
            one = mean_field(p, Variances(float(sw2[i]), float(sb2[i])))
            assert grid.q_status[i] == one.q_status
            for key in ("q_star", "chi1", "c_star", "chi_c", "xi_q", "xi_c"):
                a, b = getattr(grid, key)[i], getattr(one, key)
                assert a == pytest.approx(b, rel=1e-9, abs=1e-12), (name, i, key)


def test_depth_scales_at_their_edges():
    got = depth_scale(np.array([0.0, 1e-13, math.exp(-0.5), 1.0, 1.2]))
    assert got.tolist() == [0.0, 0.0, pytest.approx(2.0), math.inf, math.inf]
