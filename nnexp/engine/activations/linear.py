"""Identity family (identity, selu) and the output-only softmax."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnexp.engine.activations.base import ACTIVATIONS, ActivationBase
from nnexp.engine.activations.relu import _neg_expm1, _step_or_exp
from nnexp.types import Array, Family

# --- identity family (gain 1) ---------------------------------------------------------


@ACTIVATIONS.register(
    "identity", aliases=("linear", "Identity", "Linear"), description="x"
)
@dataclass(frozen=True, slots=True)
class Identity(ActivationBase):
    """x; ``backprop`` passes ``da`` through untouched."""

    family: ClassVar[Family] = Family.IDENTITY

    def forward(self, z: Array) -> Array:
        return z.copy()

    def derivative(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        return da


_SELU_LAMBDA = 1.0507009873554805
_SELU_ALPHA = 1.6732632423543772


@ACTIVATIONS.register(
    "selu",
    aliases=("SELU", "Selu"),
    description="lambda*x if x > 0 else lambda*alpha*(e^x - 1)",
)
@dataclass(frozen=True, slots=True)
class Selu(ActivationBase):
    """Self-normalising ELU with the fixed λ, α of docs/maths.md §1; f'(0) = λα.  λx exceeds the
    float range only for x > max/λ (then +inf, silently)."""

    family: ClassVar[Family] = Family.IDENTITY
    kinks: ClassVar[tuple[float, ...]] = (0.0,)

    def forward(self, z: Array) -> Array:
        out = _neg_expm1(z)
        out *= _SELU_ALPHA
        out += np.maximum(z, 0)
        with np.errstate(over="ignore"):
            out *= _SELU_LAMBDA
        return out

    def derivative(self, z: Array, a: Array) -> Array:
        return _step_or_exp(
            z, _SELU_LAMBDA * _SELU_ALPHA, _SELU_LAMBDA, right_at_zero=False
        )


# --- output only ----------------------------------------------------------------------


@ACTIVATIONS.register(
    "softmax",
    aliases=("Softmax",),
    description="e^(x_i) / sum_j e^(x_j), output layer only",
)
@dataclass(frozen=True, slots=True)
class Softmax(ActivationBase):
    """Row-wise softmax over the last axis; not elementwise, so ``derivative`` is the
    Jacobian's diagonal p(1 − p) and ``backprop`` applies the full Jacobian
    p_j(δ_ij − p_i): dz = p ⊙ (da − ⟨da, p⟩)."""

    family: ClassVar[Family] = Family.OUTPUT
    elementwise: ClassVar[bool] = False

    def forward(self, z: Array) -> Array:
        # z − max ≤ 0; it can only overflow towards −inf, where exp gives the right 0
        with np.errstate(over="ignore"):
            e = z - z.max(axis=-1, keepdims=True)
        np.exp(e, out=e)
        e /= e.sum(axis=-1, keepdims=True)
        return e

    def derivative(self, z: Array, a: Array) -> Array:
        return a * (1 - a)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        dot = (da * a).sum(axis=-1, keepdims=True)
        da -= dot
        da *= a
        return da
