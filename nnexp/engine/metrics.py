"""Metrics: predicted labels and accuracy for classification, and dead units for the
per-layer diagnostics.  The regression metrics (mse, max |error|) are accumulated over
batches and chunks where they are computed (trainer, evaluation).

Each takes a population's stacked arrays too (a leading member axis, see
:mod:`nnexp.engine.members`) and then gives one result per member."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnexp.types import Array, BoolArray, IntArray


def predicted_labels(out: Array, *, logits: bool = False) -> IntArray:
    """([P,] n) class indices from ([P,] n, classes) outputs or logits: the argmax, or
    for a single output class 1 where it is ≥ ½ (≥ 0 for a logit; the same through σ)."""
    if out.shape[-1] == 1:
        return (out[..., 0] >= (0.0 if logits else 0.5)).astype(np.int64)
    return np.argmax(out, axis=-1)


def accuracy(pred: IntArray, labels: IntArray) -> Any:
    """Fraction of ``pred == labels`` (both (n,) integer arrays); for a population's
    (P, n) predictions one fraction per member, (P,)."""
    if not len(labels):
        return float("nan")
    if pred.ndim == 1:
        return float(np.mean(pred == labels))
    return np.mean(pred == labels, axis=-1)


def dead_units(z: Array, a: Array, activation: object) -> BoolArray:
    """([P,] fan_out) bool: units whose activation derivative is zero for every row
    of z.

    A non-elementwise activation (softmax) has no dead units by this definition.
    """
    if not getattr(activation, "elementwise", True):
        return np.zeros(z.shape[:-2] + z.shape[-1:], dtype=bool)
    deriv = activation.derivative(z, a)  # type: ignore[attr-defined]
    return ~np.any(deriv != 0, axis=-2)
