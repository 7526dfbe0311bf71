"""What the theory needs of an activation: f, f′, where they break, and where f jumps.

An activation of the registry (or a plugin) provides ``forward``, ``derivative`` and
``kinks``, the points where f′ jumps.  At some of them f itself jumps (Heaviside,
sign): there the registry's derivative is 0 on both sides, but the distributional
derivative has a Dirac mass of the jump's height, which the correlation map feels
(its slope at c = 1 is infinite).  :func:`profile` finds those jumps by evaluating f
just left and right of each kink, so plugins need to declare nothing more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnexp.errors import NnexpError
from nnexp.signal.quadrature import Piece
from nnexp.types import Array

#: how far left and right of a kink f is compared, relative to max(1, |kink|)
JUMP_STEP = 1e-9
#: a difference above this (relative to max(1, |f|)) is a jump, not a slope
JUMP_SIZE = 1e-6
#: where f′ is looked at to decide that it is 0 everywhere
FLAT_PROBE = np.linspace(-10.0, 10.0, 2001)


@dataclass(frozen=True)
class Profile:
    """An activation as the theory sees it.

    Attributes
    ----------
    name : how messages and figures name it
    activation : the activation object (``forward``, ``derivative``)
    kinks : the points where f′ jumps, finite and sorted
    jumps : (x, f(x+) − f(x−)) at each kink where f itself jumps
    flat : the registry's f′ is 0 at every probe point (step functions): the
        integrals of f′ are 0 and are not computed
    """

    name: str
    activation: Any
    kinks: tuple[float, ...]
    jumps: tuple[tuple[float, float], ...]
    flat: bool = False

    @property
    def points(self) -> tuple[float, ...]:
        """The special points of every integrand: the kinks and 0."""
        return tuple(sorted({0.0, *self.kinks}))

    def f(self, x: Array) -> Array:
        with np.errstate(all="ignore"):
            return np.asarray(self.activation.forward(x), dtype=np.float64)

    def df(self, x: Array) -> Array:
        """The registry's derivative (0 on both sides of a jump)."""
        with np.errstate(all="ignore"):
            a = self.activation.forward(x)
            return np.asarray(self.activation.derivative(x, a), dtype=np.float64)

    @property
    def phi(self) -> Piece:
        return Piece(self.f, self.points, f"{self.name}(x)")

    @property
    def phi2(self) -> Piece:
        return Piece(lambda x: self.f(x) ** 2, self.points, f"{self.name}(x)²")

    @property
    def dphi(self) -> Piece:
        return Piece(self.df, self.points, f"{self.name}′(x)")

    @property
    def dphi2(self) -> Piece:
        return Piece(lambda x: self.df(x) ** 2, self.points, f"{self.name}′(x)²")

    @property
    def has_jumps(self) -> bool:
        return bool(self.jumps)

    def value_at(self, x: float) -> float:
        return float(self.f(np.array([x]))[0])


def profile(activation: Any, name: str | None = None) -> Profile:
    """The :class:`Profile` of a built activation (registry or plugin).

    Raises NnexpError for an activation that is not elementwise (softmax), whose
    kinks are not finite numbers, or whose forward pass fails on a float64 array.
    """
    label = name or type(activation).__name__.lower()
    if not getattr(activation, "elementwise", True):
        raise NnexpError(
            f"{label} is not elementwise (each output depends on the whole row), so a"
            " unit's pre-activation has no single-variable map; mean-field theory here"
            " needs an elementwise hidden activation such as tanh or relu."
        )
    raw = getattr(activation, "kinks", ()) or ()
    try:
        kinks = tuple(sorted({float(k) for k in raw}))
    except (TypeError, ValueError):
        kinks = (math.nan,)
    if not all(math.isfinite(k) for k in kinks):
        raise NnexpError(
            f"{label}: kinks must be a tuple of finite numbers (the points where f′"
            f" jumps), got {raw!r}."
        )
    probe = np.linspace(-3.0, 3.0, 7)
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(activation.forward(probe.copy()), dtype=np.float64)
            d = activation.derivative(probe.copy(), activation.forward(probe.copy()))
            d = np.asarray(d, dtype=np.float64)
    except Exception as err:  # a plugin may raise anything
        raise NnexpError(
            f"{label}: its forward or derivative fails on a float64 array:"
            f" {type(err).__name__}: {err}"
        ) from err
    if out.shape != probe.shape or d.shape != probe.shape:
        raise NnexpError(
            f"{label}: forward and derivative must keep the input's shape (7,), got"
            f" {out.shape} and {d.shape}."
        )
    prof = Profile(label, activation, kinks, ())
    flat = bool(np.all(prof.df(FLAT_PROBE) == 0.0))
    jumps = []
    for k in kinks:
        h = JUMP_STEP * max(1.0, abs(k))
        left, right = prof.f(np.array([k - h, k + h]))
        if abs(right - left) > JUMP_SIZE * max(1.0, abs(left), abs(right)):
            jumps.append((k, float(right - left)))
    return Profile(label, activation, kinks, tuple(jumps), flat)
