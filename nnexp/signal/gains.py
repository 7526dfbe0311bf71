"""Gains and the critical line: three different "gains", and the critical σ_w².

* the variance-preserving gain 1/√E[φ(z)²] (He's sense): the weight scale g with
  weights N(0, g²/fan_in) that keeps a unit pre-activation variance from one layer
  to the next when biases are 0 (relu √2, tanh ≈ 1.593);
* the course's family gain (:attr:`nnexp.types.Family.gain`, √2 for the relu family,
  1 for every other), which ``gain: auto`` uses: with Glorot's 2/(fan_in + fan_out)
  it gives σ_w² = gain² only for square layers;
* torch's ``calculate_gain`` (tanh 5/3, relu √2, selu 3/4), a third convention, for
  the names it knows.

None of them changes a default.  The critical σ_w² for a given σ_b² is where
χ₁ = σ_w² E[φ′(√q* z)²] = 1 (φ′ distributional, q* the length map's fixed point at
that σ_w²): :func:`critical_weight_variance` brackets it on a grid of σ_w² in factors
of two and refines it by Brent's method on log χ₁.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from nnexp.signal.fixed_points import fixed_length
from nnexp.signal.maps import Variances, derivative_pair
from nnexp.signal.profile import Profile
from nnexp.signal.quadrature import OverflowRegion, gaussian

#: the range of σ_w² searched for the critical line
SEARCH = (2.0**-10, 2.0**10)

#: torch.nn.init.calculate_gain for the registry names it knows (leaky_relu: its
#: negative slope α gives √(2 / (1 + α²)))
TORCH_GAINS: dict[str, float] = {
    "identity": 1.0,
    "logistic": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "selu": 0.75,
}


def variance_preserving_gain(prof: Profile) -> float:
    """1/√E[φ(z)²] (inf if φ is 0 almost everywhere)."""
    second = float(gaussian(prof.phi2, 1.0))
    return math.inf if second <= 0 else 1.0 / math.sqrt(second)


def torch_gain(name: str, activation: Any) -> float | None:
    """torch's ``calculate_gain`` for the registry name ``name``, None if torch has
    none (a plugin, or an activation torch does not list)."""
    if name == "leaky_relu":
        alpha = float(getattr(activation, "alpha", 0.01))
        return math.sqrt(2.0 / (1.0 + alpha * alpha))
    if name in ("tanh", "logistic") and float(getattr(activation, "k", 1.0)) != 1.0:
        return None  # torch's gains are for k = 1
    return TORCH_GAINS.get(name)


def chi1_at(prof: Profile, v: Variances, q0: float = 1.0) -> float:
    """χ₁ = σ_w² E[φ′(√q̄ z)²] at the length map's point q̄ from ``q0``."""
    point = fixed_length(prof, v, q0)
    return float(v.sigma_w2 * derivative_pair(prof, point.at, 1.0))


@dataclass(frozen=True)
class Critical:
    """The critical σ_w² at one σ_b², or why there is none (``sigma_w2`` None)."""

    sigma_b2: float
    sigma_w2: float | None
    note: str = ""

    @property
    def sigma_w(self) -> float | None:
        return None if self.sigma_w2 is None else math.sqrt(self.sigma_w2)


def critical_weight_variance(
    prof: Profile, sigma_b2: float, q0: float = 1.0
) -> Critical:
    """The σ_w² where χ₁ = 1 at ``sigma_b2`` (the smallest in :data:`SEARCH`)."""
    Variances(1.0, sigma_b2)  # checks σ_b²
    if prof.jumps:
        where = ", ".join(f"{k:g}" for k, _ in prof.jumps)
        return Critical(
            sigma_b2,
            None,
            f"none: {prof.name} jumps at {where}, so χ₁ (the correlation map's slope"
            " at c = 1) is infinite for every σ_w, σ_b: always chaotic",
        )

    def log_chi(log_w: float) -> float:
        chi = chi1_at(prof, Variances(math.exp(log_w), sigma_b2), q0)
        return math.log(chi) if chi > 0 else -math.inf

    grid = np.log(2.0) * np.arange(
        round(math.log2(SEARCH[0])), round(math.log2(SEARCH[1])) + 1
    )
    previous: tuple[float, float] | None = None
    for x in grid:
        try:
            value = log_chi(float(x))
        except OverflowRegion:
            break
        if value == 0.0:
            return Critical(sigma_b2, math.exp(float(x)))
        if previous is not None and previous[1] < 0 < value:
            root = brentq(log_chi, previous[0], float(x), xtol=1e-15, rtol=1e-15)
            return Critical(sigma_b2, math.exp(root))
        previous = (float(x), value)
    return Critical(
        sigma_b2,
        None,
        f"none for σ_w² in [{SEARCH[0]:g}, {SEARCH[1]:g}]: χ₁ stays on one side of 1"
        " there (or the length map overflows first)",
    )
