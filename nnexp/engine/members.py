"""Per-member values of a population, computed exactly as a single run computes them.

A population stacks P same-shape networks along a leading axis: weights
``(P, fan_in, fan_out)``, biases ``(P, 1, fan_out)``, minibatches ``(P, batch, features)``.
Hyper-parameters that differ between members (learning rate, momentum, λ, …) are
``(P,)`` float64 arrays where a single run has a Python float; one all members share
stays a Python float.  The engine's maths is written once and takes either; the
helpers here are the few places where the two forms must be told apart to give each
member's single-run numbers bit for bit (benchmarks/population_identity.py measures
why):

* :func:`power` and :func:`sqrt`: a single run computes ``β**t`` and ``math.sqrt`` on
  Python floats; NumPy's vectorised power differs from ``**`` in about 1 % of values
  (square roots are correctly rounded either way).
* :func:`coefs`: a Python float multiplying a float32 array is rounded to float32 first
  (NEP 50 weak scalars); a float64 array would promote instead, so per-member values
  are cast to the arrays' dtype and shaped ``(P, 1, 1)`` to broadcast over a member's
  weights and biases.
* :func:`sq_norm` and :func:`total`: ``np.vdot`` and a flat sum, member by member;
  a vectorised sum of squares or ``einsum`` differs in the last bits, a stacked
  ``(P, 1, N) @ (P, N, 1)`` product does not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from nnexp.types import Array

#: a hyper-parameter: a Python float, or one float64 value per member, shape (P,)
PerMember = float | Array

T = TypeVar("T")


def is_stacked(value: Any) -> bool:
    """True for a per-member array (shape (P,)), False for one shared value."""
    return isinstance(value, np.ndarray) and value.ndim > 0


def power(base: Any, exponent: Any) -> Any:
    """``base ** exponent`` with Python's ``**`` (C ``pow``), member by member when
    either is a per-member array; a Python float when both are scalars."""
    if base.__class__ is float and exponent.__class__ is int:  # a single run's
        return base**exponent
    if not (is_stacked(base) or is_stacked(exponent)):
        return base**exponent
    b, e = np.broadcast_arrays(np.asarray(base, dtype=np.float64), exponent)
    flat = [x**y for x, y in zip(b.ravel().tolist(), e.ravel().tolist(), strict=True)]
    return np.array(flat, dtype=np.float64).reshape(b.shape)


def sqrt(value: Any) -> Any:
    """``math.sqrt`` for a float, ``np.sqrt`` for per-member values (both correctly
    rounded, so they agree)."""
    if value.__class__ is float:  # a single run's
        return math.sqrt(value)
    return np.sqrt(value) if is_stacked(value) else math.sqrt(value)


def above(floor: Any, value: Any) -> Any:
    """Python's ``max(floor, value)`` (``value`` only where it is greater), per member."""
    if is_stacked(floor) or is_stacked(value):
        return np.where(value > floor, value, floor).astype(np.float64)
    return max(floor, value)


def as_float(value: Any) -> Any:
    """``float(value)``, or the per-member float64 array unchanged."""
    if value.__class__ is float:  # a single run's
        return value
    return np.asarray(value, dtype=np.float64) if is_stacked(value) else float(value)


def coefs(dtype: Any, *values: Any) -> list[Any]:
    """``values`` ready to multiply arrays of ``dtype``: a scalar as a Python float
    (which NumPy rounds to ``dtype``, as in a single run), a per-member array cast to
    ``dtype`` (never a float64 promotion) and shaped (P, 1, 1) to broadcast over each
    member's (P, fan_in, fan_out) weights and (P, 1, fan_out) biases."""
    return [
        np.asarray(v).astype(dtype).reshape(-1, 1, 1) if is_stacked(v) else float(v)
        for v in values
    ]


def sq_norm(a: Array) -> Any:
    """Σ a², as ``float(np.vdot(a, a))`` for one run's array (up to 2-D); for a stack
    (3-D, one member per leading index) each member's value, (P,) float64, equal to its
    own ``np.vdot`` bit for bit."""
    if a.ndim < 3:
        return float(np.vdot(a, a))
    return sq_norms(a).astype(np.float64)


def sq_norms(a: Array) -> Array:
    """(P,) ``np.vdot(a[p], a[p])`` in ``a``'s dtype, as one stacked product."""
    flat = a.reshape(len(a), 1, -1)
    return (flat @ flat.mT)[:, 0, 0]


def norm(a: Array) -> Any:
    """‖a‖ as ``math.sqrt(float(np.vdot(a, a)))`` (a gradient norm); for a stack (3-D)
    each member's, (P,) float64."""
    if a.ndim < 3:
        return math.sqrt(float(np.vdot(a, a)))
    return np.sqrt(sq_norms(a).astype(np.float64))


def norm_in_dtype(a: Array) -> Any:
    """‖a‖ with the root taken in ``a``'s dtype, as ``float(np.sqrt(np.vdot(a, a)))``
    (a weight norm); for a stack (3-D) each member's, (P,) float64."""
    if a.ndim < 3:
        return float(np.sqrt(np.vdot(a, a)))
    return np.sqrt(sq_norms(a)).astype(np.float64)


def max_so_far(current: Any, a: Array) -> Any:
    """Python's ``max(current, float(a.max()))`` (a running maximum); for a stack
    (3-D) each member's, (P,) float64."""
    if a.ndim < 3:
        return max(current, float(a.max()))
    return above(current, a.reshape(len(a), -1).max(axis=-1).astype(np.float64))


def total(a: Array, dtype: Any = None) -> Any:
    """``float(a.sum(dtype=dtype))`` for one run's array (up to 2-D); for a stack (3-D)
    each member's flat sum, (P,) float64, equal to its own bit for bit."""
    if a.ndim < 3:
        return float(a.sum(dtype=dtype))
    return a.reshape(len(a), -1).sum(axis=-1, dtype=dtype).astype(np.float64)


# stacking ------------------------------------------------------------------------------


def stack_values(name: str, values: Sequence[Any]) -> Any:
    """One hyper-parameter of every member: the value itself when all agree, else a
    (P,) array (float64, or int64 for whole numbers such as a step schedule's
    ``every``)."""
    first = values[0]
    if all(v == first for v in values):
        return first
    if all(isinstance(v, int | np.integer) for v in values):
        return np.array(values, dtype=np.int64)
    try:
        return np.array([float(v) for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} differs between the members ({', '.join(map(repr, values))}) and"
            " is not a number; only numeric parameters may differ within a population"
        ) from None


def member_value(value: Any, i: int) -> Any:
    """Member ``i``'s value of a (possibly per-member) hyper-parameter."""
    if not is_stacked(value):
        return value
    item = value[i].item()
    return int(item) if value.dtype.kind in "iu" else float(item)


def stack_param(name: str, arrays: Sequence[Array]) -> Array:
    """Stack one parameter (or optimiser state) of every member: weights ``W…`` to
    (P, fan_in, fan_out), biases to (P, 1, fan_out)."""
    out = np.stack([np.asarray(a) for a in arrays])
    return out if name.startswith("W") else out[:, None, :]


def member_param(name: str, stacked: Array, i: int) -> Array:
    """Member ``i``'s copy of a stacked parameter, in a single run's shape."""
    return (stacked[i] if name.startswith("W") else stacked[i, 0]).copy()


def same_for_all(kind: str, members: Sequence[T], key: Any, what: str) -> None:
    """Refuse members that differ in ``key(member)`` (a structural choice)."""
    values = [key(m) for m in members]
    if any(v != values[0] for v in values):
        raise ValueError(
            f"{kind}: every member of a population needs the same {what}, got"
            f" {', '.join(map(repr, values))}"
        )


def stacked_fields(
    kind: str, members: Sequence[Any], names: Sequence[str]
) -> Mapping[str, Any]:
    """{name: shared value or per-member array} for the numeric fields ``names``."""
    if not members:
        raise ValueError(f"{kind}: a population needs at least one member")
    same_for_all(kind, members, lambda m: type(m), "class")
    return {n: stack_values(n, [getattr(m, n) for m in members]) for n in names}


# per-member activations --------------------------------------------------------------


class MemberActivations:
    """The activations of one stacked dense layer whose members differ in it: each
    run of consecutive members sharing an activation gets that activation applied to
    its slice of the stack (element-wise functions give on a slice the numbers they
    give on the member's own array).  Members ordered by activation make one run per
    activation, so a layer costs one call per distinct activation."""

    elementwise = True

    def __init__(self, activations: Sequence[Any]):
        self.activations = list(activations)
        #: (activation, first member, one past the last) of each run
        self.runs: list[tuple[Any, int, int]] = []
        start = 0
        for p in range(1, len(self.activations) + 1):
            first = self.activations[start]
            if p == len(self.activations) or not _same(self.activations[p], first):
                self.runs.append((first, start, p))
                start = p
        self.overflows = any(getattr(a, "overflows", False) for a in self.activations)

    def member(self, i: int) -> Any:
        return self.activations[i]

    def forward(self, z: Array) -> Array:
        out = np.empty_like(z)
        for act, a, b in self.runs:
            out[a:b] = act.forward(z[a:b])
        return out

    def derivative(self, z: Array, a: Array) -> Array:
        out = np.empty_like(z)
        for act, start, stop in self.runs:
            out[start:stop] = act.derivative(z[start:stop], a[start:stop])
        return out

    def backprop(self, z: Array, a: Array, da: Array) -> Array:
        for act, start, stop in self.runs:
            part = da[start:stop]
            method = getattr(act, "backprop", None)
            if method is None:  # a plugin with a derivative only
                part *= act.derivative(z[start:stop], a[start:stop])
            else:
                part[...] = method(z[start:stop], a[start:stop], part)
        return da

    def __repr__(self) -> str:
        return " | ".join(f"{act!r} × {b - a}" for act, a, b in self.runs)


def stack_activations(activations: Sequence[Any], layer: int) -> Any:
    """One dense layer's activation for a population: the shared one when every
    member has the same, else :class:`MemberActivations` (element-wise ones only)."""
    first = activations[0]
    if all(_same(a, first) for a in activations):
        return first
    for k, act in enumerate(activations):
        if not getattr(act, "elementwise", True) or not _built_in(act):
            raise ValueError(
                f"dense layer {layer}: member {k}'s activation {act!r} is not a"
                " built-in element-wise one; members may differ only in those (a"
                " plugin that raises would otherwise fail the other members)"
            )
    return MemberActivations(activations)


def _built_in(activation: Any) -> bool:
    return type(activation).__module__.startswith("nnexp.engine.activations.")


def member_activation(activation: Any, i: int) -> Any:
    """Member ``i``'s activation of a stacked layer."""
    return (
        activation.member(i)
        if isinstance(activation, MemberActivations)
        else activation
    )


def _same(a: Any, b: Any) -> bool:
    return a is b or a == b
