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


def layer_saturated_count(activation: Any, a: Array) -> Any:
    """:func:`saturated_count` of one layer's outputs ``a``, None when its activation
    is unbounded.  A population whose members differ in the activation
    (``MemberActivations``, with its ``runs`` of members) counts each member with its
    own activation's bounds: (P,) int64, 0 for members with an unbounded one."""
    runs = getattr(activation, "runs", None)
    if runs is None:
        bounds = activation_bounds(activation)
        return None if bounds is None else saturated_count(a, bounds)
    counts = np.zeros(len(a), dtype=np.int64)
    for member_activation, start, stop in runs:
        bounds = activation_bounds(member_activation)
        if bounds is not None:
            counts[start:stop] = saturated_count(a[start:stop], bounds)
    return counts


def layer_saturation(activation: Any, count: Any, rows: int, units: int) -> Any:
    """The saturation of one layer from its count: NaN for an unbounded activation
    (per member in a population whose members differ in it)."""
    runs = getattr(activation, "runs", None)
    if runs is None:
        if activation_bounds(activation) is None:
            return math.nan
        return saturation_fraction(count, rows, units)
    fractions = np.array(saturation_fraction(count, rows, units), dtype=np.float64)
    for member_activation, start, stop in runs:
        if activation_bounds(member_activation) is None:
            fractions[start:stop] = np.nan
    return fractions


def saturation_fraction(count: Any, rows: int, units: int) -> Any:
    """A saturated count over all entries (a float, or (P,) float64)."""
    total = rows * units
    if total == 0:
        return math.nan
    if per_member.is_stacked(count):
        return np.asarray(count, dtype=np.float64) / total
    return int(count) / total


def _ratio(step: Any, size: Any) -> Any:
    """step / size, NaN where size is 0 (floats, or (P,) arrays)."""
    if per_member.is_stacked(size):
        return np.divide(step, size, out=np.full(size.shape, np.nan), where=size > 0)
    return step / size if size > 0 else math.nan


def update_ratio(before: Array, after: Array) -> Any:
    """‖after − before‖ / ‖before‖ of one weight matrix (NaN where ‖before‖ = 0);
    one per member for a stack (3-D).

    For a stack both norms come from one stacked product (each member's row of it is
    its own ``np.vdot``, as :func:`nnexp.engine.members.norm` computes it): a sampled
    step of a population of tiny networks is Python calls, not arithmetic."""
    if before.ndim < 3:
        step = per_member.norm(after - before)
        size = per_member.norm(before)
        return step / size if size > 0 else math.nan
    P = len(before)
    both = np.empty((2 * P, *before.shape[1:]), dtype=before.dtype)
    np.subtract(after, before, out=both[:P])
    both[P:] = before
    norms = np.sqrt(per_member.sq_norms(both).astype(np.float64))
    step, size = norms[:P], norms[P:]
    return np.divide(step, size, out=np.full(P, np.nan), where=size > 0)


#: at most this many bytes of copies per epoch let :class:`SampledSteps` compute its
#: norms at the epoch's end in a few stacked calls instead of a dozen calls per step
BATCHED_BYTES = 1 << 22


class SampledSteps:
    """The per-layer gradient norms and update ratios of an epoch's sampled steps,
    summed in step order (the epoch's ``layer{i}_grad_norm`` and ``update_ratio`` are
    these sums over the number of samples).

    Per sampled step the trainer calls :meth:`grads` (before the optimiser, which may
    overwrite the gradients), :meth:`before` and, after the step, :meth:`after`;
    :meth:`sums` gives ``(grad-norm sums, update-ratio sums)`` by weight name.

    When every sampled step's gradients and weights (before and after) fit in
    :data:`BATCHED_BYTES`, they are copied into per-epoch buffers and the norms of all
    steps come from one stacked product per layer at the end (a tiny network's
    sampled step was a dozen NumPy calls per layer); otherwise each step's norms are
    computed at once.  Both give the same numbers: each step's norm is its own
    ``np.vdot`` either way (:func:`nnexp.engine.members.sq_norms`), and the sums are
    taken in step order."""

    def __init__(
        self,
        params: dict[str, Array],
        names: list[str],
        samples: int,
        *,
        batched: bool | None = None,
    ):
        self.params, self.names, self.samples = params, names, samples
        size = sum(params[w].nbytes for w in names)
        if batched is None:  # by the size of the copies
            batched = 3 * samples * size <= BATCHED_BYTES
        self.batched = batched
        self.gsq: dict[str, Any] = dict.fromkeys(names, 0.0)
        self.usum: dict[str, Any] = dict.fromkeys(names, 0.0)
        self.k = 0
        if self.batched:
            self.buffers = {
                w: np.empty((3, samples, *params[w].shape), dtype=params[w].dtype)
                for w in names
            }
        else:  # each step: a copy of the weights, then the update in its place
            self._before = {w: np.empty_like(params[w]) for w in names}
            self._size: dict[str, Any] = {}

    def grads(self, grads: dict[str, Array]) -> None:
        if self.batched:
            for w in self.names:
                self.buffers[w][0, self.k] = grads[w]
            return
        for w in self.names:
            gw = grads[w]
            self.gsq[w] += (
                math.sqrt(float(np.vdot(gw, gw)))
                if gw.ndim < 3
                else per_member.norm(gw)
            )

    def before(self) -> None:
        if self.batched:
            for w in self.names:
                self.buffers[w][1, self.k] = self.params[w]
            return
        for w in self.names:
            p = self.params[w]
            np.copyto(self._before[w], p)
            self._size[w] = per_member.norm(p)  # ‖W‖ before the step, while in cache

    def after(self) -> None:
        if self.batched:
            for w in self.names:
                self.buffers[w][2, self.k] = self.params[w]
        else:
            for w in self.names:
                update = np.subtract(
                    self.params[w], self._before[w], out=self._before[w]
                )
                self.usum[w] += _ratio(per_member.norm(update), self._size[w])
        self.k += 1

    def sums(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The grad-norm and update-ratio sums of the steps recorded so far."""
        if self.batched and self.k:
            for w in self.names:
                self._add_batched(w)
            self.k = 0
        return self.gsq, self.usum

    def _add_batched(self, w: str) -> None:
        buf = self.buffers[w][:, : self.k]
        before, after = buf[1], buf[2]
        np.subtract(after, before, out=after)  # the updates
        # one norm per (step[, member]): the rows of a (3k[·P], 1, N) stacked product
        lead = buf.shape[: buf.ndim - 2]
        sq = per_member.sq_norms(buf.reshape(-1, *buf.shape[-2:])).reshape(lead)
        norms = np.sqrt(sq.astype(np.float64))
        grad, step, size = norms[0], norms[2], norms[1]
        ratio = np.divide(step, size, out=np.full(step.shape, np.nan), where=size > 0)
        stacked = buf.ndim > 4  # (3, k, P, fan_in, fan_out)
        gsq, usum = self.gsq[w], self.usum[w]
        for j in range(self.k):  # in step order, as the per-step sums
            if stacked:
                gsq = gsq + grad[j]
                usum = usum + ratio[j]
            else:
                gsq += float(grad[j])
                usum += float(ratio[j])
        self.gsq[w], self.usum[w] = gsq, usum
