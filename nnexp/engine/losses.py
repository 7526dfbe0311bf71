"""Losses (docs/maths.md §3): batch means, each returning the value and its gradient.

``value_and_grad(output, y)`` takes the network's output and the targets, both of shape
``(batch, outputs)``, and returns ``(loss, d_output)``.  The two fused losses take the
*logits* (the output layer's pre-activation) instead, because softmax with
cross-entropy and the logistic with binary cross-entropy have the simple, stable
gradient ``(p − y) / B`` at the logits; ``fused_with`` names the output activation
they absorb, and the network then skips that activation's backward pass.

A population's outputs and targets are (P, batch, outputs): the loss is then one value
per member, a (P,) float64 array equal bit for bit to each member's own float (the
batch axis is ``-2`` and every sum is taken as in a single run, see
:mod:`nnexp.engine.members`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from nnexp import types as protocols
from nnexp.engine.members import sq_norm, total
from nnexp.registry import Registry
from nnexp.types import Array

LOSSES: Registry[Any] = Registry("loss", "losses", protocols.Loss)

#: output activations each loss accepts; ``None`` means any (docs/maths.md §3)
PAIRING = {
    "mse": None,
    "cross_entropy": ("softmax",),
    "binary_cross_entropy": ("logistic",),
}


def _same_shape(out: Array, y: Array) -> None:
    """Refuse targets of another shape: a broadcast would train on nonsense silently."""
    if out.shape != y.shape:
        raise ValueError(
            f"the network gives outputs of shape {out.shape} but the targets have shape"
            f" {y.shape}; targets must have one column per output unit (one-hot rows,"
            " or a single 0/1 column for one logistic unit)"
        )


@LOSSES.register("mse", aliases=("MSE", "mean_squared_error", "quadratic"))
@dataclass(frozen=True, slots=True)
class MSE:
    """C = (1/B) Σ_b ½‖a_b − y_b‖²; works with any output activation."""

    fused_with: ClassVar[str | None] = None

    def value(self, a: Array, y: Array) -> Any:
        _same_shape(a, y)
        d = a - y
        return 0.5 * sq_norm(d) / a.shape[-2]

    def value_and_grad(self, a: Array, y: Array) -> tuple[Any, Array]:
        """
        Parameters
        ----------
        a : (batch, outputs) network output ((P, batch, outputs) for a population)
        y : targets, shaped like ``a``

        Returns
        -------
        loss : float (one per member, (P,), for a population)
        da : like ``a``, (a − y) / B
        """
        _same_shape(a, y)
        d = a - y
        B = a.shape[-2]
        loss = 0.5 * sq_norm(d) / B
        d *= 1.0 / B
        return loss, d


@LOSSES.register(
    "cross_entropy", aliases=("CrossEntropy", "categorical_cross_entropy", "ce")
)
@dataclass(frozen=True, slots=True)
class CrossEntropy:
    """Softmax cross-entropy on logits, C = −(1/B) Σ y log p (fused with softmax)."""

    fused_with: ClassVar[str | None] = "softmax"

    def value(self, logits: Array, y: Array) -> Any:
        _same_shape(logits, y)
        m = logits.max(axis=-1, keepdims=True)
        s = np.exp(logits - m).sum(axis=-1, keepdims=True)
        return _mean_row_loss(m, s, _row_dot(logits, y))

    def value_and_grad(self, logits: Array, y: Array) -> tuple[Any, Array]:
        """
        Parameters
        ----------
        logits : (batch, classes), overwritten (it becomes the gradient);
            (P, batch, classes) for a population
        y : one-hot rows (summing to 1), shaped like ``logits``

        Returns
        -------
        loss : float, log-sum-exp form: no overflow for large logits; (P,) for a
            population
        dlogits : like ``logits``, (softmax(logits) − y) / B
        """
        if logits.shape != y.shape:
            _same_shape(logits, y)
        B = logits.shape[-2]
        m = logits.max(axis=-1, keepdims=True)
        ylogit = _row_dot(logits, y)  # before the in-place exp
        logits -= m
        np.exp(logits, out=logits)
        s = logits.sum(axis=-1, keepdims=True)
        loss = _mean_row_loss(m, s, ylogit)
        logits /= s
        logits -= y
        logits *= 1.0 / B
        return loss, logits


def _row_dot(logits: Array, y: Array) -> Array:
    """([P,] batch) Σ_j y_bj logits_bj, without a (batch, classes) temporary."""
    return np.einsum("...j,...j->...", logits, y)


def _mean_row_loss(m: Array, s: Array, ylogit: Array) -> Any:
    """(1/B) Σ_b [(m_b − y_b·z_b) + log s_b], each row's loss formed before the mean.

    With rows of y summing to 1, a row's −Σ_j y_j log p_j is m + log s − y·z (m the row
    maximum, s = Σ_j e^(z_j − m)).  Subtracting y·z from m within the row cancels a huge
    logit there; summing m and y·z over the batch first would let one row's 1e15
    swallow every other row's loss.
    """
    rows = m[..., 0] - ylogit
    rows += np.log(s[..., 0])
    if rows.ndim == 1:  # np.add.reduce is np.sum without its Python wrapper
        return float(np.add.reduce(rows, dtype=np.float64)) / len(rows)
    # a population: each member's batch sum, (P,)
    return np.sum(rows, axis=-1, dtype=np.float64) / rows.shape[-1]


@LOSSES.register(
    "binary_cross_entropy",
    aliases=("BinaryCrossEntropy", "bce", "log_loss"),
    description=(
        "Logistic cross-entropy on logits, C = −(1/B) Σ [y log p + (1−y) log(1−p)]"
        " (fused with logistic); two classes: one unit with 0/1 targets, or two units"
    ),
)
@dataclass(frozen=True, slots=True)
class BinaryCrossEntropy:
    """Logistic cross-entropy on logits, C = −(1/B) Σ [y log p + (1−y) log(1−p)].

    Each output unit is an independent logistic probability p = σ(z).  For a two-class
    task this is either one unit with the class index (0 or 1) as its target, the
    classical set-up, or two units with one-hot targets.  One unit with logit z equals
    softmax cross-entropy on the logits (0, z), since σ(z) = e^z / (e^0 + e^z).
    """

    fused_with: ClassVar[str | None] = "logistic"

    def value(self, logits: Array, y: Array) -> Any:
        _same_shape(logits, y)
        # log(1 + e^z) − y z, written with |z| so neither term overflows
        softplus = np.maximum(logits, 0) + np.log1p(np.exp(-np.abs(logits)))
        return total(softplus - y * logits) / logits.shape[-2]

    def value_and_grad(self, logits: Array, y: Array) -> tuple[Any, Array]:
        """
        Parameters
        ----------
        logits : (batch, outputs); (P, batch, outputs) for a population
        y : like ``logits``, in [0, 1]; (batch, 1) class indices for one unit

        Returns
        -------
        loss : float ((P,) for a population)
        dlogits : like ``logits``, (σ(logits) − y) / B
        """
        loss = self.value(logits, y)
        e = np.exp(-np.abs(logits))
        p = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
        p -= y
        p *= 1.0 / logits.shape[-2]
        return loss, p.astype(logits.dtype, copy=False)


def pairing_problem(loss_name: str, output_activation: str) -> str | None:
    """A message when ``loss_name`` cannot follow ``output_activation``, else None."""
    allowed = PAIRING.get(loss_name)
    if allowed is None or output_activation in allowed:
        return None
    pairs = "; ".join(
        f"{loss} with {'any output activation' if acts is None else ' or '.join(acts)}"
        for loss, acts in PAIRING.items()
    )
    return (
        f"loss {loss_name} needs output_activation {' or '.join(allowed)}, "
        f"not {output_activation}. Pairs that work: {pairs}."
    )
