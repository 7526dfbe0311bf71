"""Weight regularisers (docs/maths.md §3, §8): penalties on weight matrices, never biases.

A regulariser is a separate term the trainer adds (the course wired L2 into the dense
layer's backward): ``penalty(params)`` is added to the loss, and
``add_grad(params, grads)`` adds its gradient to ``grads`` in place.  Only parameters
whose names start with ``W`` (``W1``, ``W2``, …) count.  ``is_active(reg)`` is False
for ``none`` and for ``lam == 0``, so the trainer can skip the work entirely.

``add_grad`` runs every minibatch: it needs λW or λ·sign(W) as a temporary, which goes
into a scratch buffer kept per (shape, dtype) instead of a fresh array each call.  The
buffer is not part of the value (it is excluded from ``==``, ``hash`` and ``repr``).

A population's regulariser (:func:`stack_regularizers`) has one λ per member where the
members differ; ``penalty`` then gives one value per member, (P,) float64, each equal
to the member's own (the squared norms are taken as ``np.vdot`` takes them, see
:mod:`nnexp.engine.members`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnexp import types as protocols
from nnexp.engine import members as per_member
from nnexp.engine.optimizers import check_number, is_weight
from nnexp.registry import Registry
from nnexp.types import Array

REGULARIZERS: Registry[Any] = Registry(
    "regularizer", "regularizers", protocols.Regularizer
)


def _scratch_field() -> Any:
    return field(init=False, default_factory=dict, repr=False, compare=False)


def _buffer(cache: dict[tuple[Any, ...], Array], W: Array) -> Array:
    key = (W.shape, W.dtype)
    buf = cache.get(key)
    if buf is None:
        buf = cache[key] = np.empty(W.shape, dtype=W.dtype)
    return buf


def _lam_for(lam: Any, params: Mapping[str, Array]) -> Any:
    """λ as it multiplies the weights: a float, or per member cast to their dtype."""
    if not per_member.is_stacked(lam):
        return lam
    (cast,) = per_member.coefs(next(iter(params.values())).dtype, lam)
    return cast


@REGULARIZERS.register("none", aliases=("no_regularization",), description="no penalty")
@dataclass(frozen=True, slots=True)
class NoRegularizer:
    """No penalty: ``penalty`` is 0 and ``add_grad`` leaves the gradients unchanged."""

    def penalty(self, params: Mapping[str, Array]) -> float:
        return 0.0

    def add_grad(self, params: Mapping[str, Array], grads: Mapping[str, Array]) -> None:
        return None


@REGULARIZERS.register(
    "l2", aliases=("L2", "ridge"), description="(λ/2) Σ‖W‖² over weight matrices"
)
@dataclass(frozen=True, slots=True)
class L2:
    """L2 penalty (λ/2) Σ_W ‖W‖²_F; its gradient adds λW to each dW (docs/maths.md §3).

    Parameters
    ----------
    lam : float
        λ >= 0, required.
    """

    lam: float
    _scratch: dict[tuple[Any, ...], Array] = _scratch_field()

    def __post_init__(self) -> None:
        object.__setattr__(self, "lam", check_number("lam", self.lam, low=0))

    def penalty(self, params: Mapping[str, Array]) -> float:
        """(λ/2) Σ‖W‖² over the arrays named ``W…``, as a Python float."""
        total = 0.0
        for name, W in params.items():
            if is_weight(name):
                total += per_member.sq_norm(W)  # one BLAS dot, no temporary W²
        return 0.5 * self.lam * total

    def add_grad(self, params: Mapping[str, Array], grads: Mapping[str, Array]) -> None:
        """``grads[W] += λW`` in place for every weight matrix ``W`` (shape of W)."""
        lam = _lam_for(self.lam, params)
        for name, W in params.items():
            if is_weight(name):
                buf = _buffer(self._scratch, W)
                np.multiply(W, lam, out=buf)
                grads[name] += buf


@REGULARIZERS.register(
    "l1", aliases=("L1", "lasso"), description="λ Σ|W| over weight matrices"
)
@dataclass(frozen=True, slots=True)
class L1:
    """L1 penalty λ Σ_W Σ|W_ij|; its (sub)gradient adds λ·sign(W), 0 where W = 0.

    Parameters
    ----------
    lam : float
        λ >= 0, required.
    """

    lam: float
    _scratch: dict[tuple[Any, ...], Array] = _scratch_field()

    def __post_init__(self) -> None:
        object.__setattr__(self, "lam", check_number("lam", self.lam, low=0))

    def penalty(self, params: Mapping[str, Array]) -> float:
        """λ Σ|W| over the arrays named ``W…``, as a Python float."""
        total = 0.0
        for name, W in params.items():
            if is_weight(name):
                buf = _buffer(self._scratch, W)
                np.abs(W, out=buf)
                total += per_member.total(buf)
        return self.lam * total

    def add_grad(self, params: Mapping[str, Array], grads: Mapping[str, Array]) -> None:
        """``grads[W] += λ·sign(W)`` in place for every weight matrix ``W``."""
        lam = _lam_for(self.lam, params)
        for name, W in params.items():
            if is_weight(name):
                buf = _buffer(self._scratch, W)
                np.sign(W, out=buf)
                buf *= lam
                grads[name] += buf


def is_active(reg: Any) -> bool:
    """False when ``reg`` adds nothing (None, ``none``, or ``lam == 0``), else True.

    A plugin regulariser without a ``lam`` attribute counts as active; a population's
    is active when any member's λ is not 0.
    """
    if reg is None or isinstance(reg, NoRegularizer):
        return False
    lam = getattr(reg, "lam", None)
    return lam is None or bool(np.any(lam != 0))


def stack_regularizers(members: Sequence[Any]) -> Any:
    """One regulariser for a population: the members' class, λ shared or per member
    (a member without a regulariser joins an L1 or L2 population with λ = 0)."""
    kinds = {type(m) for m in members if is_active(m)}
    if not kinds:
        return NoRegularizer()
    if len(kinds) > 1 or not kinds <= {L1, L2}:
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise ValueError(
            "regularizer: every member of a population needs the same regularizer"
            f" (l1 or l2, λ may differ), got {names}"
        )
    kind = kinds.pop()
    lams = [m.lam if is_active(m) else 0.0 for m in members]
    out = copy.copy(next(m for m in members if is_active(m)))
    object.__setattr__(out, "lam", per_member.stack_values("lam", lams))
    object.__setattr__(out, "_scratch", {})
    assert isinstance(out, kind)
    return out
