"""The cheap per-epoch statistics that the findings read (issue 15), for one run or a
population (arrays with a leading member axis), equal member by member.

* ``layer{i}_saturation``: the share of a bounded activation's outputs on the
  validation split that lie beyond :data:`SATURATION_LEVEL` of the way from the
  middle of its range to a bound (``|tanh| > 0.99``; a logistic output below 0.005 or
  above 0.995). Empty for unbounded activations.  Counted once per epoch, in the
  validation pass that also finds the dead units, as whole numbers (so a member's
  share equals its single run's exactly).
* ``layer{i}_update_ratio``: ``‖ΔW‖ / ‖W‖`` of one optimiser step, the update's size
  relative to the weights it changes, averaged over the same evenly spaced minibatches
  as the gradient norms (``GRAD_NORM_SAMPLES``).  A rule of thumb puts a healthy
  ratio near 1e-3.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnexp.engine import members as per_member
from nnexp.types import Array

#: an output beyond this fraction of the way from the middle of the range to a bound
#: counts as saturated
SATURATION_LEVEL = 0.99

#: the ranges of the bounded activations, by class name (plugins: an attribute
#: ``bounds = (low, high)`` on the activation)
BOUNDS: dict[str, tuple[float, float]] = {
    "Tanh": (-1.0, 1.0),
    "Softsign": (-1.0, 1.0),
    "Logistic": (0.0, 1.0),
}


def activation_bounds(activation: Any) -> tuple[float, float] | None:
    """(low, high) of a bounded smooth activation, None for an unbounded one."""
    own = getattr(activation, "bounds", None)
    if own is not None:
        return float(own[0]), float(own[1])
    return BOUNDS.get(type(activation).__name__)


def saturated_count(a: Array, bounds: tuple[float, float]) -> Any:
    """How many entries of ``a`` ((rows, units), or (P, rows, units)) are saturated:
    an int, or one per member ((P,) int64)."""
    low, high = bounds
    mid, half = (low + high) / 2.0, (high - low) / 2.0
    beyond = np.abs(a - mid) > SATURATION_LEVEL * half
    if a.ndim < 3:
        return int(np.count_nonzero(beyond))
    return np.count_nonzero(beyond.reshape(len(a), -1), axis=-1)


def saturation_fraction(count: Any, rows: int, units: int) -> Any:
    """A saturated count over all entries (a float, or (P,) float64)."""
    total = rows * units
    if total == 0:
        return math.nan
    if per_member.is_stacked(count):
        return np.asarray(count, dtype=np.float64) / total
    return int(count) / total


def update_ratio(before: Array, after: Array) -> Any:
    """‖after − before‖ / ‖before‖ of one weight matrix (NaN where ‖before‖ = 0);
    one per member for a stack (3-D)."""
    step = per_member.norm(after - before)
    size = per_member.norm(before)
    if per_member.is_stacked(size):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(size > 0, step / np.where(size > 0, size, 1.0), np.nan)
    return step / size if size > 0 else math.nan
