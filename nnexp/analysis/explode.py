"""Runs whose loss blew up without becoming infinite or NaN ("exploded").

The trainer stops a run whose loss becomes non-finite and records it as ``diverged``.
A loss can also grow by orders of magnitude and stay finite (|x| at lr 0.1 with
momentum 0.9 reaches ~1e16): the run ends ``completed``, and its accuracy is that of
a broken network, which says nothing about the activation or optimiser compared.

The rule: a run that did not diverge **exploded** when its largest train loss is more
than :data:`EXPLODE_FACTOR` times its reference loss.  The reference is the first
epoch's train loss, or, when smaller, the loss of a network that guesses every class
with equal probability (ln K for cross-entropy over K classes, K·ln 2 for binary
cross-entropy over K outputs), so that a loss already far too high in the first
epoch is caught too.  A network that learns never scores worse than ten times that.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from nnexp.runs.reader import Run

#: A train loss this many times above the reference loss means the run exploded.
EXPLODE_FACTOR = 10.0


def chance_loss(run: Run) -> float | None:
    """The loss of a network that guesses uniformly, for the cross-entropies."""
    loss = run.config.get("loss")
    name = loss.get("name") if isinstance(loss, dict) else loss
    outputs = run.record.dataset.n_outputs if run.record.dataset else None
    if not isinstance(outputs, int) or outputs < 1:
        return None
    if name == "cross_entropy" and outputs >= 2:
        return math.log(outputs)
    if name == "binary_cross_entropy":
        return outputs * math.log(2.0)
    return None


def explosion(run: Run) -> float | None:
    """How many times the reference loss the run's train loss peaked at, when that is
    more than :data:`EXPLODE_FACTOR` and the run did not diverge; else None."""
    if run.status in ("diverged", "failed") or "train_loss" not in run.history:
        return None
    losses = pd.to_numeric(run.history["train_loss"], errors="coerce").to_numpy(float)
    losses = losses[np.isfinite(losses)]
    if not losses.size:
        return None
    reference = float(losses[0])
    chance = chance_loss(run)
    if chance is not None:
        reference = min(reference, chance)
    if reference <= 0:
        return None
    ratio = float(losses.max()) / reference
    return ratio if ratio > EXPLODE_FACTOR else None


def explosion_text(ratio: float) -> str:
    """``×7.6e+02``: how far the loss rose, for a table cell."""
    return f"×{ratio:.2g}" if ratio < 100 else f"×{ratio:.1e}"


RULE = (
    f"exploded: the run completed, but its train loss rose above "
    f"{EXPLODE_FACTOR:g}× its first epoch's (or a uniform guess's, ln K, when smaller) "
    "without becoming infinite; its numbers are those of a broken network."
)
