"""The mean-field quantities at one (σ_w², σ_b²), with every edge case in words.

:func:`mean_field` gives q*, χ₁, c*, the slope of the correlation map there, the depth
scales ξ_q and ξ_c and the backward factor, as a :class:`MeanField` whose ``notes``
say, in a sentence each, whatever is not an ordinary finite number: no finite q*
(ReLU on or beyond its critical line with σ_b² > 0), a fading signal, an identity
length map, an infinite χ₁ (an activation that jumps), an infinite depth scale.
Infinite values are ``math.inf`` here and ``null`` with the note in JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnexp.signal.fixed_points import (
    CRITICAL_TOL,
    FADES,
    FINITE,
    GROWS,
    KEPT,
    correlation_weights,
    depth_scale,
    fixed_correlation,
    fixed_length,
    fixed_lengths,
)
from nnexp.signal.maps import VarianceGrid, Variances, backward_factor, derivative_pair
from nnexp.signal.profile import Profile
from nnexp.types import Array

ORDERED, CRITICAL, CHAOTIC = "ordered", "critical", "chaotic"


@dataclass(frozen=True)
class MeanField:
    """Mean-field theory of one activation at one (σ_w², σ_b²), from input q⁰.

    Attributes
    ----------
    q_star : the length map's fixed point (0, inf or q⁰ in the edge cases, see
        ``q_status``)
    q_status : ``finite``, ``fades``, ``grows`` or ``kept``
    length_slope : Q′(q*)
    chi1 : σ_w² E[φ′(√q* z)²], φ′ distributional (inf when φ jumps)
    c_star : the correlation map's stable fixed point
    chi_c : the correlation map's slope at c*
    xi_q, xi_c : −1/log of those slopes (inf where the slope is 1: no exponential
        approach)
    backward : σ_w² E[f′(√q* z)²] with the registry's f′ (the gradient's factor)
    phase : ``ordered`` (χ₁ < 1), ``critical`` (χ₁ = 1) or ``chaotic`` (χ₁ > 1)
    notes : the edge cases, one sentence each
    """

    activation: str
    sigma_w2: float
    sigma_b2: float
    q0: float
    q_star: float
    q_status: str
    length_slope: float
    chi1: float
    c_star: float
    chi_c: float
    xi_q: float
    xi_c: float
    backward: float
    phase: str
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: infinities become None (the notes say why)."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            out[key] = list(value) if isinstance(value, tuple) else value
        return out


def mean_field(prof: Profile, v: Variances, q0: float = 1.0) -> MeanField:
    """Every quantity of :class:`MeanField` at ``v`` (see the module docstring)."""
    length = fixed_length(prof, v, q0)
    notes = [length.note] if length.note else []
    at = length.at
    chi1 = float(v.sigma_w2 * derivative_pair(prof, at, 1.0))
    backward = float(backward_factor(prof, v, at))
    weights = correlation_weights(v.grid(), np.array([length.status], dtype=object))
    c, chi_c, _ = fixed_correlation(prof, weights, np.array([at]))
    c_star, slope_c = float(c[0]), float(chi_c[0])
    if prof.jumps:
        notes.append(
            f"{prof.name} jumps, so χ₁ (the correlation map's slope at c = 1) is"
            " infinite and the network is chaotic for every σ_w, σ_b; its registry"
            f" derivative is 0, so backpropagation passes no gradient (factor"
            f" {backward:g})"
        )
    if math.isnan(slope_c):
        notes.append(
            "the correlation map is undefined: Q(q*) = 0, every pre-activation is"
            f" exactly 0 ({prof.name} is 0 around 0 and σ_b² = 0), so c*, C′(c*) and"
            " ξ_c have no value"
        )
    elif length.status == FADES:
        notes.append(
            "as q → 0 the correlation map's slope at c = 1 tends to"
            f" {slope_c:.4g}, so c* and ξ_c describe that limit"
        )
    xi_q = float(depth_scale(length.slope))
    if length.status in (GROWS, KEPT):
        xi_q = math.inf
    xi_c = float(depth_scale(slope_c))
    if math.isinf(xi_q) and length.status in (FINITE, FADES):
        notes.append(
            f"ξ_q is infinite: the length map's slope at q* is {length.slope:.6g}, so"
            " q approaches q* more slowly than exponentially"
        )
    if math.isinf(xi_c) and not math.isnan(slope_c):
        notes.append(
            f"ξ_c is infinite: the correlation map's slope at c* = {c_star:.6g} is"
            f" {slope_c:.6g}, so correlations approach c* more slowly than"
            " exponentially (the critical line, or a limit that behaves like it)"
        )
    phase = str(phase_of(np.array(chi1)))
    return MeanField(
        activation=prof.name,
        sigma_w2=v.sigma_w2,
        sigma_b2=v.sigma_b2,
        q0=q0,
        q_star=length.q,
        q_status=length.status,
        length_slope=length.slope,
        chi1=chi1,
        c_star=c_star,
        chi_c=slope_c,
        xi_q=xi_q,
        xi_c=xi_c,
        backward=backward,
        phase=phase,
        notes=tuple(notes),
    )


def phase_of(chi1: Array) -> Array:
    """``ordered``, ``critical`` or ``chaotic`` by χ₁ against 1 (± CRITICAL_TOL)."""
    return np.where(
        chi1 > 1 + CRITICAL_TOL,
        CHAOTIC,
        np.where(chi1 < 1 - CRITICAL_TOL, ORDERED, CRITICAL),
    )


@dataclass(frozen=True)
class MeanFieldGrid:
    """:class:`MeanField`'s numbers over many (σ_w², σ_b²), as flat arrays (NaN where
    the length map overflows: ``q_status`` says ``overflows``)."""

    sigma_w2: Array
    sigma_b2: Array
    q_star: Array
    q_status: Array
    chi1: Array
    c_star: Array
    chi_c: Array
    xi_q: Array
    xi_c: Array


def mean_field_grid(prof: Profile, v: VarianceGrid, q0: float = 1.0) -> MeanFieldGrid:
    """q*, χ₁, c*, χ_c, ξ_q and ξ_c at every point of ``v`` (the phase diagram)."""
    length = fixed_lengths(prof, v, q0)
    n = len(v)
    chi1, c_star, chi_c = (np.full(n, np.nan) for _ in range(3))
    ok = np.flatnonzero(length.status != "overflows")
    if ok.size:
        at = length.at[ok]
        chi1[ok] = v.sigma_w2[ok] * derivative_pair(prof, at, 1.0)
        weights = correlation_weights(v.take(ok), length.status[ok])
        c_star[ok], chi_c[ok], _ = fixed_correlation(prof, weights, at)
    xi_q = depth_scale(length.slope)
    xi_q = np.where(np.isin(length.status, [GROWS, KEPT]), np.inf, xi_q)
    xi_q = np.where(np.isnan(length.slope), np.nan, xi_q)
    xi_c = np.where(np.isnan(chi_c), np.nan, depth_scale(chi_c))
    return MeanFieldGrid(
        v.sigma_w2, v.sigma_b2, length.q, length.status, chi1, c_star, chi_c, xi_q, xi_c
    )
