"""Heaviside family (gain 1): heaviside, modified_heaviside, logistic, exp."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnexp.engine.activations.base import (
    ACTIVATIONS,
    ActivationBase,
    _scaled,
    _sigmoid,
)
from nnexp.types import Array, Family

# --- heaviside family (gain 1) --------------------------------------------------------


class _Flat(ActivationBase):
    """Piecewise-constant functions: f' = 0 (docs/maths.md §1 table), a jump at 0."""

    __slots__ = ()
    kinks: ClassVar[tuple[float, ...]] = (0.0,)

    def derivative(self, z: Array, a: Array) -> Array:
        return np.zeros_like(z)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        da.fill(0)  # not da *= 0: that would turn an inf in da into NaN
        return da


@ACTIVATIONS.register(
    "heaviside", aliases=("Heaviside", "step"), description="1 if x >= 0 else 0"
)
@dataclass(frozen=True, slots=True)
class Heaviside(_Flat):
    """Unit step; f' = 0, so nothing flows back through it."""

    family: ClassVar[Family] = Family.HEAVISIDE

    def forward(self, z: Array) -> Array:
        return (z >= 0).astype(z.dtype)


@ACTIVATIONS.register(
    "modified_heaviside",
    aliases=("ModifiedHeaviside",),
    description="1 if x > 0, 1/2 if x = 0, else 0",
)
@dataclass(frozen=True, slots=True)
class ModifiedHeaviside(_Flat):
    """Step with value ½ at 0; f' = 0."""

    family: ClassVar[Family] = Family.HEAVISIDE

    def forward(self, z: Array) -> Array:
        out = np.sign(z)  # −1, 0, 1 → 0, ½, 1
        out *= 0.5
        out += 0.5
        return out


@ACTIVATIONS.register(
    "logistic",
    aliases=("Logistic", "sigmoid", "Sigmoid"),
    description="sigma(kx) = 1/(1+e^(-kx))",
)
@dataclass(frozen=True, slots=True)
class Logistic(ActivationBase):
    """σ(kx), relative-accurate in both tails.  f' = k·a(1−a) reuses ``a``: its
    absolute error is below k·eps, so where f' < k·eps (|kx| > 37 in float64) it is 0."""

    k: float = 1.0
    checks: ClassVar[dict[str, str]] = {"k": "positive"}
    family: ClassVar[Family] = Family.HEAVISIDE

    def forward(self, z: Array) -> Array:
        return _sigmoid(_scaled(self.k, z))

    def derivative(self, z: Array, a: Array) -> Array:
        out = 1.0 - a
        out *= a
        if self.k != 1.0:
            out *= self.k
        return out


@ACTIVATIONS.register("exp", aliases=("Exp", "exponential"), description="e^x")
@dataclass(frozen=True, slots=True)
class Exp(ActivationBase):
    """e^x; overflows to +inf for x > log(max) by nature, silently (docs/maths.md §1)."""

    family: ClassVar[Family] = Family.HEAVISIDE
    overflows: ClassVar[bool] = True

    def forward(self, z: Array) -> Array:
        with np.errstate(over="ignore"):
            return np.exp(z)

    def derivative(self, z: Array, a: Array) -> Array:
        return a.copy()  # a fresh array: callers may scale it in place

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        # inf·0 = NaN here is the documented failure mode of exp (docs/maths.md §7, E4)
        with np.errstate(over="ignore", invalid="ignore"):
            da *= a
        return da
