"""Activation functions (docs/maths.md §1): the registry, the base class and shared numerics.

Each activation has ``forward(z)``, ``derivative(z, a)`` (``a = forward(z)``, passed
so an implementation may reuse it), and ``backprop(z, a, da) = da * f'(z)``, which may
overwrite ``da`` in place (the trainer owns that buffer).  ``family`` fixes the default
initialisation gain; ``kinks`` lists the points where f' jumps, which finite-difference
checks stay away from; ``overflows`` is True only where f itself leaves the float range
by nature (``exp``).

Numerics (the contract tested in ``tests/engine/test_activations.py``): for every finite
input of any magnitude, in float32 and float64, no floating-point warning and a finite
result (``exp`` excepted); the input dtype is kept (Python-float constants are "weak"
under NEP 50, so they never upcast float32).  Three habits make that hold:

* exponentials only ever see ``-|y|`` or a clipped argument, so they cannot overflow;
* a parameter k is applied as ``1/k + |x|`` or ``x / ...`` where ``k·x`` could
  overflow, or through ``_scaled`` (which lets ``k·x`` become ±inf silently) where the
  formula then saturates correctly;
* ``np.where`` is avoided in hot paths (it is 5-10x slower than arithmetic on masks for
  random sign patterns); branch selection uses ``maximum`` with boolean masks instead.

Shapes: every elementwise method maps an array of any shape to the same shape.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from nnexp import types as protocols
from nnexp.registry import Registry
from nnexp.types import Array, Family

ACTIVATIONS: Registry[Any] = Registry("activation", "activations", protocols.Activation)


class ActivationBase:
    """Shared defaults; subclasses are frozen dataclasses, parameters as fields."""

    __slots__ = ()  # so that ``slots=True`` subclasses really have no ``__dict__``

    family: ClassVar[Family] = Family.IDENTITY
    kinks: ClassVar[tuple[float, ...]] = ()
    elementwise: ClassVar[bool] = True
    overflows: ClassVar[bool] = False
    #: parameter field → "positive", "nonneg" or "finite"; checked on construction
    checks: ClassVar[dict[str, str]] = {}

    def __post_init__(self) -> None:
        for name, rule in self.checks.items():
            _number(self, name, rule)

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
    """``act.backprop`` if it exists (built-ins), else ``da * act.derivative(z, a)``."""
    method = getattr(act, "backprop", None)
    if method is not None:
        return method(z, a, da)
    da *= act.derivative(z, a)
    return da


# --- shared numerics -----------------------------------------------------------------


def _number(obj: Any, name: str, rule: str) -> None:
    """Check the field ``name`` (rule "positive", "nonneg" or "finite") of a frozen
    dataclass and store it as a Python float, which keeps float32 arrays float32 (an
    ``np.float64`` would upcast them under NEP 50)."""
    value = getattr(obj, name)
    number = isinstance(value, int | float | np.integer | np.floating)
    x = float(value) if number and not isinstance(value, bool) else math.nan
    low = {"positive": (x > 0, " > 0"), "nonneg": (x >= 0, " >= 0")}.get(rule, (1, ""))
    if not (math.isfinite(x) and low[0]):
        raise ValueError(f"{name} must be a finite number{low[1]}, got {value!r}")
    object.__setattr__(obj, name, x)


def _scaled(k: float, z: Array) -> Array:
    """``k * z``; ±inf (silently) where it leaves the float range.  May return ``z``."""
    if k == 1.0:
        return z
    with np.errstate(over="ignore"):
        return k * z


def _sigmoid(y: Array) -> Array:
    """σ(y), accurate in both tails, for any y including ±inf.

    With e = exp(−|y|) ≤ 1 (never overflows): σ(y) = 1/(1+e) for y ≥ 0 and e/(1+e)
    for y < 0; the numerator is max(e, [y ≥ 0]), which picks 1 or e without np.where.
    """
    e = np.abs(y)
    np.negative(e, out=e)
    np.exp(e, out=e)
    num = np.maximum(e, y >= 0)
    e += 1.0
    num /= e
    return num


def _kinks_unless(condition: bool) -> tuple[float, ...]:
    return () if condition else (0.0,)
