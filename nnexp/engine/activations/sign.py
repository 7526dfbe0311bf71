"""Sign family (gain 1): sign, tanh, softsign."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnexp.engine.activations.base import ACTIVATIONS, ActivationBase, _scaled
from nnexp.engine.activations.heaviside import _Flat
from nnexp.types import Array, Family

# --- sign family (gain 1) -------------------------------------------------------------


@ACTIVATIONS.register("sign", aliases=("Sign", "signum"), description="sign(x)")
@dataclass(frozen=True, slots=True)
class Sign(_Flat):
    """sign(x) ∈ {−1, 0, 1}; f' = 0."""

    family: ClassVar[Family] = Family.SIGN

    def forward(self, z: Array) -> Array:
        return np.sign(z)


@ACTIVATIONS.register("tanh", aliases=("TanH", "Tanh"), description="tanh(kx)")
@dataclass(frozen=True, slots=True)
class Tanh(ActivationBase):
    """tanh(kx); f' = k(1−a)(1+a) reuses ``a`` (more accurate than k(1−a²) near ±1;
    where f' < k·eps, i.e. |kx| > 19 in float64, it is 0)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.SIGN

    def forward(self, z: Array) -> Array:
        return np.tanh(_scaled(self.k, z))

    def derivative(self, z: Array, a: Array) -> Array:
        out = 1.0 - a
        out *= 1.0 + a
        if self.k != 1.0:
            out *= self.k
        return out


@ACTIVATIONS.register(
    "softsign", aliases=("SoftSign", "Softsign"), description="kx / (1 + |kx|)"
)
@dataclass(frozen=True, slots=True)
class Softsign(ActivationBase):
    """kx/(1+|kx|) = x/(1/k+|x|); f' = k/(1+|kx|)² (docs/maths.md §1's correction, not k/f²)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.SIGN

    def forward(self, z: Array) -> Array:
        den = np.abs(z)
        den += 1.0 / self.k  # written with 1/k so that k·x never overflows
        return np.divide(z, den, out=den)

    def derivative(self, z: Array, a: Array) -> Array:
        c = 1.0 / self.k
        t = np.abs(z)
        t += c
        np.divide(c, t, out=t)  # 1/(1+|kx|) ∈ (0, 1]
        t *= t
        if self.k != 1.0:
            t *= self.k
        return t
