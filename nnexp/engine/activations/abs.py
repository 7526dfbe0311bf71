"""Abs family (gain 1): abs, loco, twist, softabs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnexp.engine.activations.base import (
    ACTIVATIONS,
    ActivationBase,
    _kinks_unless,
    _scaled,
)
from nnexp.types import Array, Family

# --- abs family (gain 1) --------------------------------------------------------------


@ACTIVATIONS.register(
    "abs",
    aliases=("Abs", "absolute"),
    description="|x| if alpha = 0, else sqrt(x^2 + alpha^2) - alpha",
)
@dataclass(frozen=True, slots=True)
class Abs(ActivationBase):
    """|x|, or the smoothed √(x²+α²) − α.  With t = x/α the latter is
    x·t/(√(t²+1)+1) (no cancellation near 0) and f' = t/√(t²+1); x is clipped where
    t² would overflow, beyond which the relative change is below 4/√max.  An α that
    is 0 in the array's dtype (1e-50 in float32) means |x|; one above its max, 0."""

    alpha: float = 0.0
    checks: ClassVar[dict[str, str]] = {"alpha": "nonneg"}
    family: ClassVar[Family] = Family.ABS

    @property  # a parameter decides it here, a constant elsewhere
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return _kinks_unless(self.alpha > 0.0)

    def _t(self, z: Array) -> Array | None:
        if self.alpha == 0.0:  # |x| (the common case: no errstate, no dtype cast)
            return None
        with np.errstate(over="ignore", under="ignore"):
            alpha = z.dtype.type(self.alpha)
        if alpha == 0:
            return None
        top = float(np.finfo(z.dtype).max)
        bound = min(float(alpha) * math.sqrt(top) / 4.0, top)
        t = np.clip(z, -bound, bound)
        t /= alpha
        return t

    def forward(self, z: Array) -> Array:
        t = self._t(z)
        if t is None:
            return np.abs(z)
        r = t * t
        r += 1.0
        np.sqrt(r, out=r)
        r += 1.0
        np.divide(t, r, out=r)  # ∈ (−1, 1)
        r *= z
        return r

    def derivative(self, z: Array, a: Array) -> Array:
        t = self._t(z)
        if t is None:
            return np.sign(z)
        r = t * t
        r += 1.0
        np.sqrt(r, out=r)
        return np.divide(t, r, out=r)


@ACTIVATIONS.register(
    "loco", aliases=("LOCo", "logcosh"), description="log(cosh(kx)) / k"
)
@dataclass(frozen=True, slots=True)
class Loco(ActivationBase):
    """log(cosh(kx))/k, never through cosh (docs/maths.md §1).  With y = k|x|:
    y < 1: 2·atanh(tanh²(y/2)) (exact identity, relative-accurate as y → 0);
    y ≥ 1: y + log1p(e^(−2y)) − log 2, divided by k term by term so k|x| = inf is fine.
    f' = tanh(kx)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.ABS

    def forward(self, z: Array) -> Array:
        ax = np.abs(z)
        y = _scaled(self.k, ax)
        small = np.minimum(y, 1.0)
        small *= 0.5
        np.tanh(small, out=small)
        small *= small
        np.arctanh(small, out=small)
        small *= 2.0 / self.k
        big = _scaled(-2.0, y)
        np.exp(big, out=big)
        np.log1p(big, out=big)
        big -= math.log(2.0)
        if self.k != 1.0:
            big /= self.k
        big += ax  # |x| + (log1p(e^(−2y)) − log 2)/k: no k|x| left to overflow
        near = y < 1.0
        small *= near  # blend by exact 0/1 masks: one side is always 0
        big *= ~near
        big += small
        return big

    def derivative(self, z: Array, a: Array) -> Array:
        return np.tanh(_scaled(self.k, z))


@ACTIVATIONS.register("twist", aliases=("Twist",), description="x * tanh(kx)")
@dataclass(frozen=True, slots=True)
class Twist(ActivationBase):
    """x tanh(kx); f' = tanh(kx) + kx(1 − tanh²(kx)) (the corrected form, docs/maths.md §1)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.ABS

    def forward(self, z: Array) -> Array:
        t = np.tanh(_scaled(self.k, z))
        t *= z
        return t

    def derivative(self, z: Array, a: Array) -> Array:
        t = np.tanh(_scaled(self.k, z))
        d = 1.0 - t
        d *= 1.0 + t
        d *= z  # |x|(1 − t²) is tiny wherever |x| is large: no overflow
        if self.k != 1.0:
            d *= self.k
        d += t
        return d


@ACTIVATIONS.register(
    "softabs", aliases=("SoftAbs", "Softabs"), description="k x^2 / (1 + |kx|)"
)
@dataclass(frozen=True, slots=True)
class Softabs(ActivationBase):
    """kx²/(1+|kx|) = x·s with s = x/(1/k + |x|) ∈ (−1, 1), so it cannot overflow;
    f' = kx(2+|kx|)/(1+|kx|)² = s(2 − |s|)."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.ABS

    def _s(self, z: Array) -> Array:
        s = np.abs(z)
        s += 1.0 / self.k
        return np.divide(z, s, out=s)

    def forward(self, z: Array) -> Array:
        s = self._s(z)
        s *= z
        return s

    def derivative(self, z: Array, a: Array) -> Array:
        s = self._s(z)
        t = np.abs(s)
        np.subtract(2.0, t, out=t)
        t *= s
        return t
