"""Closed forms of Gaussian expectations the signal tests check against.

For (u₁, u₂) centred Gaussian with Var u = q and correlation c = cos θ:

* ReLU (Cho & Saul's arc-cosine kernel of degree 1):
  E[relu(u₁) relu(u₂)] = q (sin θ + (π − θ) cos θ) / (2π);
* sign: E[sign u₁ sign u₂] = (2/π) arcsin c;
* Heaviside: P(u₁ ≥ 0, u₂ ≥ 0) = 1/4 + arcsin(c) / (2π);
* |x| = relu(x) + relu(−x), and (u₁, −u₂) has correlation −c, so
  E[|u₁||u₂|] = 2 k(c) + 2 k(−c) = (2q/π)(√(1 − c²) + c arcsin c);
* leaky ReLU relu(x) − α relu(−x): (1 + α²) k(c) − 2α k(−c);
* identity: q c.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import integrate


def relu_kernel(q, c):
    theta = np.arccos(np.clip(c, -1.0, 1.0))
    return q * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2 * np.pi)


def sign_kernel(q, c):
    return 2.0 / np.pi * np.arcsin(c) + 0.0 * q


def heaviside_kernel(q, c):
    return 0.25 + np.arcsin(c) / (2 * np.pi) + 0.0 * q


def abs_kernel(q, c):
    return 2 * q / np.pi * (np.sqrt(1 - c * c) + c * np.arcsin(c))


def leaky_kernel(q, c, alpha):
    return (1 + alpha**2) * relu_kernel(q, c) - 2 * alpha * relu_kernel(q, -c)


KERNELS = {
    "relu": relu_kernel,
    "sign": sign_kernel,
    "heaviside": heaviside_kernel,
    "abs": abs_kernel,
    "identity": lambda q, c: q * c,
}


def reference_pair(f, q: float, c: float, kinks=(0.0,)) -> float:
    """E[f(u₁) f(u₂)] by nested adaptive quadrature (QUADPACK), split at the kink
    lines: an independent high-order reference (slow; a few values per test)."""
    s = math.sqrt(1 - c * c)
    r = math.sqrt(q)
    norm = 1 / math.sqrt(2 * math.pi)

    def inner(z1: float) -> float:
        def g(z2: float) -> float:
            return f(r * (c * z1 + s * z2)) * math.exp(-z2 * z2 / 2) * norm

        points = [(k / r - c * z1) / s for k in kinks if abs((k / r - c * z1) / s) < 14]
        return integrate.quad(
            g, -14, 14, epsabs=1e-15, epsrel=1e-14, limit=500, points=points or None
        )[0]

    def outer(z1: float) -> float:
        return f(r * z1) * inner(z1) * math.exp(-z1 * z1 / 2) * norm

    points = [k / r for k in kinks] + [0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # QUADPACK's round-off notes at 1e-15
        return integrate.quad(
            outer, -14, 14, epsabs=1e-15, epsrel=1e-14, limit=500, points=points
        )[0]


def reference_single(f, q: float, kinks=(0.0,)) -> float:
    """E[f(√q z)] by adaptive quadrature split at the kinks."""
    r = math.sqrt(q)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return integrate.quad(
            lambda z: f(r * z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi),
            -14,
            14,
            epsabs=1e-15,
            epsrel=1e-14,
            limit=500,
            points=sorted({0.0, *(k / r for k in kinks)}),
        )[0]
