"""Dynamical isometry: the singular values of a deep random network's input–output
Jacobian (Pennington et al. 2017), Gaussian against orthonormal weights.

For a network x → h¹ = xW¹ + b¹ → a¹ = φ(h¹) → … → a^L (rows are samples, so
da^L = dx·J), the Jacobian is J = W¹D¹W²D²…W^L D^L with D^l = diag φ′(h^l) (the
registry's f′, what backpropagation uses).  Its mean squared singular value is
tr(JJᵀ)/N ≈ ∏_l σ_w² E[φ′(h^l)²], the mean-field product of the backward factors,
which is 1 at criticality; isometry asks more: that *all* singular values be near 1.
Pennington et al. found that orthogonal weights keep the spectrum concentrated for
tanh near q* → 0, and that nothing does for ReLU, whose D^l zero out half the units.

The Jacobians are drawn at the setup's depth and σ's, at a width of at most
:data:`WIDTH` (the cost grows like width³·depth), one input per network.  Its
‖x‖²/width is chosen so that the first layer already sits at the length map's fixed
point, q¹ = q* (:func:`start_at_fixed_point`): the spectrum is the fixed point's,
not the transient's that the networks figure shows.  Singular values below
:data:`LOST` are directions the network has lost (rank lost to ReLU's zeros, or
rounding): the figure counts them instead of drawing them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nnexp.runs.environment import pinned_threads
from nnexp.signal.maps import backward_factor
from nnexp.signal.montecarlo import Ensemble, ensembles, theory_layers
from nnexp.signal.setup import Setup
from nnexp.types import Array

#: the widest Jacobian drawn
WIDTH = 256
#: singular values below this count as lost directions
LOST = 1e-4


@dataclass(frozen=True)
class Spectrum:
    """The singular values of ``draws`` Jacobians of one weight ensemble."""

    ensemble: str
    values: Array  # (draws, width)
    theory_mean_square: float  # ∏ σ_w² E[f′(√q^l z)²]

    def to_dict(self) -> dict[str, Any]:
        s = self.values.ravel()
        square = s * s
        return {
            "draws": int(self.values.shape[0]),
            "width": int(self.values.shape[1]),
            "mean_square": float(np.mean(square)),
            "theory_mean_square": self.theory_mean_square,
            "std_square": float(np.std(square)),
            "quantiles_10_50_90": np.quantile(s, [0.1, 0.5, 0.9]).tolist(),
            "max": float(np.max(s)),
            "lost_fraction": self.lost_fraction,
        }

    @property
    def lost_fraction(self) -> float:
        """The fraction of singular values below :data:`LOST`."""
        return float(np.mean(self.values < LOST))


def jacobian_width(setup: Setup) -> int:
    return min(setup.width, WIDTH)


def start_at_fixed_point(setup: Setup, q_star: float) -> Setup:
    """``setup`` with q⁰ such that q¹ = σ_w² q⁰ + σ_b² = q* (unchanged when q* is
    not a positive finite number above σ_b²: no fixed point, or a fading signal)."""
    v = setup.variances
    if not (math.isfinite(q_star) and q_star > v.sigma_b2):
        return setup
    return replace(setup, q0=(q_star - v.sigma_b2) / v.sigma_w2)


def jacobian_spectra(
    setup: Setup, *, draws: int, rng: np.random.Generator
) -> list[Spectrum]:
    """One :class:`Spectrum` per weight ensemble of the setup
    (:func:`~nnexp.signal.montecarlo.ensembles`)."""
    width = jacobian_width(setup)
    theory = theory_layers(setup)
    product = float(np.prod(backward_factor(setup.profile, setup.variances, theory.q)))
    with pinned_threads(1):
        return [
            Spectrum(e.name, _values(setup, e, width, draws, rng), product)
            for e in ensembles(setup)
        ]


def _values(
    setup: Setup, ensemble: Ensemble, width: int, draws: int, rng: np.random.Generator
) -> Array:
    out = np.empty((draws, width))
    for d in range(draws):
        x = rng.standard_normal(width)
        x *= math.sqrt(setup.q0 * width) / np.linalg.norm(x)
        layers = [ensemble.draw(width, rng) for _ in range(setup.depth)]
        out[d] = np.linalg.svd(jacobian(setup.activation, layers, x), compute_uv=False)
    return out


def jacobian(activation: Any, layers: Sequence[tuple[Array, Array]], x: Array) -> Array:
    """J = W¹D¹…W^L D^L of the network ``layers`` = [(W, b), …] at the input ``x``
    (a row vector): da^L = dx·J."""
    J = np.eye(x.size)
    a = x
    for W, b in layers:
        h = a @ W + b
        with np.errstate(all="ignore"):
            a = np.asarray(activation.forward(h), dtype=np.float64)
            slope = np.asarray(activation.derivative(h, a), dtype=np.float64)
        J = (J @ W) * slope  # J ← J·W·D: D scales the columns
    return J
