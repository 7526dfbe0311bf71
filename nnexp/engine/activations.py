"""Activation functions (SPEC §1): stateless frozen dataclasses in one registry.

Each activation has ``forward(z)``, ``derivative(z, a)`` (``a = forward(z)``, passed
so an implementation may reuse it), and ``backprop(z, a, da) = da * f'(z)``, which may
overwrite ``da`` in place (the trainer owns that buffer).  ``family`` fixes the default
initialisation gain; ``kinks`` lists the points where f' jumps, which finite-difference
checks stay away from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from nnexp.registry import Registry
from nnexp.types import Array, Family

ACTIVATIONS: Registry[Any] = Registry("activation", "activations", required=("forward", "derivative"))


class ActivationBase:
    """Shared defaults; subclasses are frozen dataclasses with their parameters as fields."""

    family: ClassVar[Family] = Family.IDENTITY
    kinks: ClassVar[tuple[float, ...]] = ()
    elementwise: ClassVar[bool] = True

    def forward(self, z: Array) -> Array:
        raise NotImplementedError

    def derivative(self, z: Array, a: Array) -> Array:
        raise NotImplementedError

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        """dL/dz from dL/da; may overwrite ``da``."""
        da *= self.derivative(z, a)
        return da


def family_of(act: Any) -> Family:
    """The family of a built-in or plugin activation (plugins default to identity)."""
    fam = getattr(act, "family", Family.IDENTITY)
    return fam if isinstance(fam, Family) else Family(str(fam).lower())


def backprop(act: Any, z: Array, a: Array, da: Array) -> Array:
    """``act.backprop`` when it exists (built-ins), else ``da * act.derivative(z, a)``."""
    method = getattr(act, "backprop", None)
    if method is not None:
        return method(z, a, da)
    da *= act.derivative(z, a)
    return da


@ACTIVATIONS.register("relu", aliases=("ReLU",), description="max(0, x)")
@dataclass(frozen=True, slots=True)
class Relu(ActivationBase):
    family: ClassVar[Family] = Family.RELU
    kinks: ClassVar[tuple[float, ...]] = (0.0,)

    def forward(self, z: Array) -> Array:
        return np.maximum(z, 0)

    def derivative(self, z: Array, a: Array) -> Array:
        return (z > 0).astype(z.dtype)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        da *= z > 0
        return da


@ACTIVATIONS.register("identity", aliases=("linear", "Identity", "Linear"), description="x")
@dataclass(frozen=True, slots=True)
class Identity(ActivationBase):
    family: ClassVar[Family] = Family.IDENTITY

    def forward(self, z: Array) -> Array:
        return z.copy()

    def derivative(self, z: Array, a: Array) -> Array:
        return np.ones_like(z)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        return da


@ACTIVATIONS.register(
    "softmax", aliases=("Softmax",), description="e^(x_i) / sum_j e^(x_j), output layer only"
)
@dataclass(frozen=True, slots=True)
class Softmax(ActivationBase):
    """Row-wise softmax; not elementwise, so ``derivative`` is the Jacobian's diagonal and
    ``backprop`` applies the full Jacobian p_j(δ_ij − p_i)."""

    family: ClassVar[Family] = Family.OUTPUT
    elementwise: ClassVar[bool] = False

    def forward(self, z: Array) -> Array:
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        e /= e.sum(axis=-1, keepdims=True)
        return e

    def derivative(self, z: Array, a: Array) -> Array:
        return a * (1 - a)

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        dot = (da * a).sum(axis=-1, keepdims=True)
        return a * (da - dot)
