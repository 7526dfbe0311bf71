"""Metrics: accuracy for classification, mse and max absolute error for regression,
and the per-layer diagnostics (dead units, norms)."""

from __future__ import annotations

import numpy as np

from nnexp.types import Array


def predicted_labels(out: Array) -> Array:
    """Class indices from outputs or logits: argmax, or a 0.5 / 0 threshold for one
    output (probabilities in [0, 1] or logits; both thresholds agree through σ)."""
    if out.shape[1] == 1:
        raise ValueError("use binary_labels for a single output")
    return np.argmax(out, axis=1)


def binary_labels(out: Array, *, logits: bool) -> Array:
    """Class 1 where σ(logit) ≥ ½ (logit ≥ 0) or the output ≥ ½."""
    return (out[:, 0] >= (0.0 if logits else 0.5)).astype(np.int64)


def accuracy(pred: Array, labels: Array) -> float:
    """Fraction of ``pred == labels`` (both (n,) integer arrays)."""
    return float(np.mean(pred == labels)) if len(labels) else float("nan")


def mse(out: Array, y: Array) -> float:
    """Mean squared error over samples and outputs: mean((out − y)²)."""
    d = out - y
    return float(np.vdot(d, d)) / d.size


def max_abs_error(out: Array, y: Array) -> float:
    return float(np.max(np.abs(out - y))) if out.size else float("nan")


def dead_units(z: Array, a: Array, activation: object) -> Array:
    """(fan_out,) bool: units whose activation derivative is zero for every row of z.

    A non-elementwise activation (softmax) has no dead units by this definition.
    """
    if not getattr(activation, "elementwise", True):
        return np.zeros(z.shape[1], dtype=bool)
    deriv = activation.derivative(z, a)  # type: ignore[attr-defined]
    return ~np.any(deriv != 0, axis=0)
