"""ReLU family (gain √2): relu, leaky_relu, elu, softplus, swish, gelu, mish."""

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
    _sigmoid,
)
from nnexp.types import Array, Family

# --- relu family (gain √2) ------------------------------------------------------------


@ACTIVATIONS.register("relu", aliases=("ReLU",), description="max(0, x)")
@dataclass(frozen=True, slots=True)
class Relu(ActivationBase):
    """max(0, x); f'(0) = 0 (docs/maths.md §1)."""

    family: ClassVar[Family] = Family.RELU
    kinks: ClassVar[tuple[float, ...]] = (0.0,)

    def forward(self, z: Array) -> Array:
        return np.maximum(z, 0)

    def derivative(self, z: Array, a: Array) -> Array:
        return (z > 0).astype(z.dtype)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        da *= z > 0
        return da


@ACTIVATIONS.register(
    "leaky_relu",
    aliases=("leakyReLU", "LeakyReLU", "leaky_ReLU"),
    description="x if x >= 0 else alpha*x",
)
@dataclass(frozen=True, slots=True)
class LeakyRelu(ActivationBase):
    """x for x ≥ 0, αx below; f'(0) = 1.  Any finite α; for |α| > 1 the value αx
    itself may exceed the float range when |x| > max/|α| (then ±inf, silently)."""

    alpha: float = 0.01
    checks: ClassVar[dict[str, str]] = {"alpha": "finite"}
    family: ClassVar[Family] = Family.RELU

    @property  # a parameter decides it here, a constant elsewhere
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return _kinks_unless(self.alpha == 1.0)

    @property
    def overflows(self) -> bool:  # type: ignore[override]
        return abs(self.alpha) > 1.0

    def forward(self, z: Array) -> Array:
        # max(x, αx) for α ≤ 1 (docs/maths.md §1), min(x, αx) for α > 1: no np.where
        pick = np.maximum if self.alpha <= 1.0 else np.minimum
        return pick(z, _scaled(self.alpha, z))

    def derivative(self, z: Array, a: Array) -> Array:
        # [x < 0]·α + [x ≥ 0]: exactly α and exactly 1 (1 − α + α could round)
        out = (z < 0).astype(z.dtype)
        out *= self.alpha
        out += z >= 0
        return out


def _neg_expm1(z: Array) -> Array:
    """e^min(z,0) − 1: the negative branch of elu/selu, never overflowing."""
    return np.expm1(np.minimum(z, 0))


def _step_or_exp(z: Array, left: float, right: float, *, right_at_zero: bool) -> Array:
    """``right`` for z > 0 (and at 0 if ``right_at_zero``), ``left·e^z`` below.

    Requires left, right ≥ 0, so ``maximum`` can pick the branch without np.where.
    """
    on_right = z >= 0 if right_at_zero else z > 0
    out = np.exp(np.minimum(z, 0))
    out *= left
    out *= ~on_right
    if right == 1.0:
        return np.maximum(out, on_right, out=out)
    return np.maximum(out, on_right * z.dtype.type(right), out=out)


@ACTIVATIONS.register(
    "elu", aliases=("ELU", "Elu"), description="x if x >= 0 else alpha*(e^x - 1)"
)
@dataclass(frozen=True, slots=True)
class Elu(ActivationBase):
    """x for x ≥ 0, α(eˣ − 1) below (expm1 of the clipped negative part); α ≥ 0."""

    alpha: float = 1.0
    checks: ClassVar[dict[str, str]] = {"alpha": "nonneg"}
    family: ClassVar[Family] = Family.RELU

    @property  # a parameter decides it here, a constant elsewhere
    def kinks(self) -> tuple[float, ...]:  # type: ignore[override]
        return _kinks_unless(self.alpha == 1.0)

    def forward(self, z: Array) -> Array:
        out = _neg_expm1(z)
        if self.alpha != 1.0:
            out *= self.alpha
        out += np.maximum(z, 0)
        return out

    def derivative(self, z: Array, a: Array) -> Array:
        return _step_or_exp(z, self.alpha, 1.0, right_at_zero=True)


@ACTIVATIONS.register(
    "softplus", aliases=("SoftPlus", "Softplus"), description="log(1 + e^(kx)) / k"
)
@dataclass(frozen=True, slots=True)
class Softplus(ActivationBase):
    """log(1+e^(kx))/k = max(x, 0) + log1p(e^(−k|x|))/k; f' = σ(kx) of the *input*."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.RELU

    def forward(self, z: Array) -> Array:
        t = _scaled(-self.k, np.abs(z))  # −k|x| ≤ 0, possibly −inf
        np.exp(t, out=t)
        np.log1p(t, out=t)
        if self.k != 1.0:
            t /= self.k
        t += np.maximum(z, 0)
        return t

    def derivative(self, z: Array, a: Array) -> Array:
        return _sigmoid(_scaled(self.k, z))


@ACTIVATIONS.register(
    "swish", aliases=("Swish", "silu", "SiLU"), description="x * sigma(kx)"
)
@dataclass(frozen=True, slots=True)
class Swish(ActivationBase):
    """x σ(kx); f' = σ + kxσ(1−σ), ordered so that no product overflows."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.RELU

    def forward(self, z: Array) -> Array:
        s = _sigmoid(_scaled(self.k, z))
        s *= z
        return s

    def derivative(self, z: Array, a: Array) -> Array:
        s = _sigmoid(_scaled(self.k, z))
        t = 1.0 - s
        t *= s
        t *= z  # |x|σ(1−σ) is small wherever |x| is large
        if self.k != 1.0:
            t *= self.k
        t += s
        return t


_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_A = 0.044715
# beyond |x| = 50, 2u(x) > 9000 and σ(2u) is exactly 0 or 1 in both dtypes: clipping
# there changes no result and keeps x³ far from overflow
_GELU_CLIP = 50.0


@ACTIVATIONS.register(
    "gelu",
    aliases=("GELU", "Gelu"),
    description="x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))",
)
@dataclass(frozen=True, slots=True)
class Gelu(ActivationBase):
    """The tanh form of GELU, written as x·σ(2u) (½(1+tanh u) = σ(2u)), which is
    accurate in the negative tail; f' = σ(2u) + 2x σ(2u)(1−σ(2u)) u'(x) exactly."""

    family: ClassVar[Family] = Family.RELU

    def _s_and_x(self, z: Array) -> tuple[Array, Array]:
        x = np.clip(z, -_GELU_CLIP, _GELU_CLIP)
        u2 = x * x
        u2 *= _GELU_A
        u2 += 1.0
        u2 *= x
        u2 *= 2.0 * _GELU_C  # 2u
        return _sigmoid(u2), x

    def forward(self, z: Array) -> Array:
        s, _ = self._s_and_x(z)
        s *= z
        return s

    def derivative(self, z: Array, a: Array) -> Array:
        s, x = self._s_and_x(z)
        du = x * x
        du *= 3.0 * _GELU_A
        du += 1.0
        du *= 2.0 * _GELU_C  # 2u'(x)
        du *= x
        du *= s
        du *= 1.0 - s  # zero beyond the clip, so clipped x is exact there
        du += s
        return du


# at x = 40, tanh(softplus(x)) = 1 and the f' tail 4x·e^(−2x) ≈ 3e-33 in both dtypes;
# e(1+e)·4x = 160·e^80 ≈ 9e36 still fits float32, and (n+2)² is never formed
_MISH_CLIP = 40.0


@ACTIVATIONS.register("mish", aliases=("Mish",), description="x * tanh(softplus(x))")
@dataclass(frozen=True, slots=True)
class Mish(ActivationBase):
    """x·tanh(softplus(x)) with e = e^min(x, 40), n = e(e+2): tanh(softplus) = n/(n+2)
    and 1 − tanh² = 4(1+e)²/(n+2)², so f' = n/(n+2) + 4x e(1+e)/(n+2)²."""

    family: ClassVar[Family] = Family.RELU

    @staticmethod
    def _e_n(z: Array) -> tuple[Array, Array, Array]:
        x = np.minimum(z, _MISH_CLIP)
        e = np.exp(x)
        n = e + 2.0
        n *= e
        return x, e, n

    def forward(self, z: Array) -> Array:
        _, _, n = self._e_n(z)
        t = n + 2.0
        np.divide(n, t, out=t)
        t *= z
        return t

    def derivative(self, z: Array, a: Array) -> Array:
        x, e, n = self._e_n(z)
        d = n + 2.0
        tail = e + 1.0
        tail *= e
        tail *= x  # the clipped x: beyond the clip the term is ~1e-33 either way
        tail *= 4.0
        tail /= d
        tail /= d
        np.divide(n, d, out=d)
        d += tail
        return d
