"""The length map, the correlation map, their slopes and fixed points.

Weights N(0, σ_w²/fan_in), biases N(0, σ_b²), z standard normal (docs/signal_propagation.md):

* length map  Q(q) = σ_w² E[φ(√q z)²] + σ_b², the pre-activation variance of the next
  layer; its slope Q′(q) = σ_w² E[φ(√q z)²·(z² − 1)] / (2q), the derivative of the
  Gaussian density with respect to its variance (no derivative of φ needed, and exact
  for step functions too);
* pair map  Q₁₂(q, c) = σ_w² E[φ(u₁)φ(u₂)] + σ_b² with Var u = q, corr(u₁, u₂) = c;
  correlation map C(c) = Q₁₂(q, c) / Q(q);
* its slope by Price's theorem, C′(c) = σ_w² q E[φ′(u₁)φ′(u₂)] / Q(q), with φ′ the
  distributional derivative: the registry's f′ plus a Dirac mass J·δ(x − k) at each
  jump of f (:mod:`nnexp.signal.profile`).  At c = 1 a jump makes it infinite; at
  c < 1 the masses add 2 J p(k) E[f′(u₂) | u₁ = k] and J J′ p(k, k′);
* the backward factor σ_w² E[f′(√q z)²] with the registry's f′: what backpropagation
  multiplies the squared gradient norm by per layer (0 for step functions).

At the length map's fixed point q* (Q(q*) = q*), C′(1) is Schoenholz et al.'s χ₁,
and equals the backward factor for activations without jumps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from nnexp.errors import NnexpError
from nnexp.signal.profile import Profile
from nnexp.signal.quadrature import Factor, expect, expect_pair, gaussian
from nnexp.types import Array

#: the smallest q the slopes are evaluated at (their limit as q → 0+)
Q_TINY = 1e-12


@dataclass(frozen=True)
class Variances:
    """σ_w² (> 0) and σ_b² (≥ 0) of weights N(0, σ_w²/fan_in) and biases N(0, σ_b²)."""

    sigma_w2: float
    sigma_b2: float

    def __post_init__(self) -> None:
        w, b = self.sigma_w2, self.sigma_b2
        bad = []
        if not (isinstance(w, int | float) and math.isfinite(w) and w > 0):
            bad.append(f"σ_w² must be a finite number > 0, got {w!r}")
        if not (isinstance(b, int | float) and math.isfinite(b) and b >= 0):
            bad.append(f"σ_b² must be a finite number ≥ 0, got {b!r}")
        if bad:
            raise NnexpError(
                "; ".join(bad) + ". They are the variances of the weights"
                " N(0, σ_w²/fan_in) and of the biases N(0, σ_b²); σ_b² = 0 means"
                " biases that start at zero."
            )
        object.__setattr__(self, "sigma_w2", float(w))
        object.__setattr__(self, "sigma_b2", float(b))

    def __str__(self) -> str:
        return f"σ_w² = {self.sigma_w2:g}, σ_b² = {self.sigma_b2:g}"

    def grid(self) -> VarianceGrid:
        """This one point as a :class:`VarianceGrid` of length 1."""
        return VarianceGrid(np.array([self.sigma_w2]), np.array([self.sigma_b2]))


class Weights(Protocol):
    """σ_w² and σ_b²: numbers (:class:`Variances`) or arrays that broadcast with the
    q and c the maps are evaluated at (:class:`VarianceGrid`)."""

    @property
    def sigma_w2(self) -> Array | float: ...

    @property
    def sigma_b2(self) -> Array | float: ...


@dataclass(frozen=True)
class VarianceGrid:
    """Many (σ_w², σ_b²) at once, as flat arrays of one length (checked by the
    caller), for the phase diagram."""

    sigma_w2: Array
    sigma_b2: Array

    def take(self, mask: npt.NDArray[Any]) -> VarianceGrid:
        """The points selected by a boolean mask or an index array."""
        return VarianceGrid(self.sigma_w2[mask], self.sigma_b2[mask])

    def __len__(self) -> int:
        return int(self.sigma_w2.size)


def length_map(
    prof: Profile, v: Weights, q: Array | float, *, strict: bool = True
) -> Array:
    """Q(q) = σ_w² E[φ(√q z)²] + σ_b², elementwise over ``q``."""
    return v.sigma_w2 * gaussian(prof.phi2, q, strict=strict) + v.sigma_b2


def length_slope(
    prof: Profile, v: Weights, q: Array | float, *, strict: bool = True
) -> Array:
    """Q′(q) = σ_w² E[φ(√q z)²(z² − 1)] / (2q); at q → 0 its limit (q floored at
    :data:`Q_TINY`)."""
    q_arr = np.maximum(np.asarray(q, dtype=np.float64), Q_TINY)
    factor = Factor(prof.phi2, np.zeros_like(q_arr), np.sqrt(q_arr))
    moment = expect([factor], weight=lambda z: z * z - 1.0, strict=strict)
    return v.sigma_w2 * moment / (2.0 * q_arr)


def backward_factor(prof: Profile, v: Weights, q: Array | float) -> Array:
    """σ_w² E[f′(√q z)²] with the registry's f′: the per-layer factor of the squared
    gradient norm in backpropagation (square layers)."""
    q_arr = np.maximum(np.asarray(q, dtype=np.float64), Q_TINY)
    return v.sigma_w2 * gaussian(prof.dphi2, q_arr, strict=False)


def pair_map(prof: Profile, v: Weights, q: Array | float, c: Array | float) -> Array:
    """Q₁₂(q, c) = σ_w² E[φ(u₁)φ(u₂)] + σ_b²."""
    return v.sigma_w2 * expect_pair(prof.phi, prof.phi, q, c) + v.sigma_b2


def correlation_map(
    prof: Profile, v: Weights, q: Array | float, c: Array | float
) -> Array:
    """C(c) = Q₁₂(q, c) / Q(q): the next layer's correlation of two inputs whose
    pre-activations have variance q and correlation c (q floored at Q_TINY)."""
    q_arr = np.maximum(np.asarray(q, dtype=np.float64), Q_TINY)
    return _ratio(pair_map(prof, v, q_arr, c), length_map(prof, v, q_arr))


def _ratio(top: Array, bottom: Array) -> Array:
    """top / bottom, NaN where bottom is 0: a length map of exactly 0 (an activation
    that is 0 around 0, with σ_b² = 0) leaves correlations undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)


def derivative_pair(prof: Profile, q: Array | float, c: Array | float) -> Array:
    """E[φ′(u₁)φ′(u₂)] with φ′ the distributional derivative (see the module
    docstring): infinite at c = 1 when f jumps."""
    q_arr, c_arr = np.broadcast_arrays(
        np.asarray(q, dtype=np.float64), np.clip(np.asarray(c, dtype=np.float64), -1, 1)
    )
    total: Array
    if prof.flat:
        total = np.zeros(q_arr.shape)
    else:
        total = expect_pair(prof.dphi, prof.dphi, q_arr, c_arr)
    if not prof.jumps:
        return total
    s2 = 1.0 - c_arr * c_arr
    for k, jump in prof.jumps:
        density = np.exp(-k * k / (2 * q_arr)) / np.sqrt(2 * math.pi * q_arr)
        if not prof.flat:
            conditional = gaussian(prof.dphi, q_arr * s2, mean=c_arr * k)
            total = total + 2.0 * jump * density * conditional
        for k2, jump2 in prof.jumps:
            with np.errstate(divide="ignore", invalid="ignore"):
                quad = (k * k - 2 * c_arr * k * k2 + k2 * k2) / (2 * q_arr * s2)
                both = np.exp(-quad) / (2 * math.pi * q_arr * np.sqrt(s2))
            both = np.where(s2 > 0, both, np.where(k == k2, np.inf, 0.0))
            total = total + jump * jump2 * both
    return total


def correlation_slope(
    prof: Profile, v: Weights, q: Array | float, c: Array | float
) -> Array:
    """C′(c) = σ_w² q E[φ′(u₁)φ′(u₂)] / Q(q) (Price's theorem)."""
    q_arr = np.maximum(np.asarray(q, dtype=np.float64), Q_TINY)
    top = v.sigma_w2 * q_arr * derivative_pair(prof, q_arr, c)
    return _ratio(top, length_map(prof, v, q_arr))
