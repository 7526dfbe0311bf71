"""One evaluation pass over a data split: loss, task metrics and dead units.

The pass runs in chunks (evaluation mode: dropout off), so a 60,000-sample split needs
no 60,000-row intermediate arrays.  A population (stacked networks) is evaluated on the
same split in one pass, each value then being one per member, equal to the member's own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnexp.engine import members as per_member
from nnexp.engine import metrics
from nnexp.engine.layers import Dense
from nnexp.engine.network import Network
from nnexp.training import insight
from nnexp.types import Array, IntArray

CHUNK = 4096
#: targets of at most this many values (all members) are copied, not broadcast
SMALL = 1 << 16


def network_outputs(network: Network, X: Array, *, fused: bool, chunk: int = CHUNK):
    """Yield ``(start, stop, out, caches)`` per chunk; ``out`` is logits when fused."""
    for start in range(0, len(X), chunk):
        stop = min(start + chunk, len(X))
        out, caches = network.forward(X[start:stop], logits=fused)
        yield start, stop, out, caches


def evaluate(
    network: Network,
    loss: Any,
    X: Array,
    Y: Array,
    labels: IntArray | None,
    *,
    dead: bool = False,
    chunk: int = CHUNK,
) -> dict[str, Any]:
    """Loss and metrics of ``network`` on one split.

    Parameters
    ----------
    X : (n, inputs); Y : (n, outputs) targets; labels : (n,) class indices or None
    dead : also return ``dead_fraction``, one float per dense layer: the fraction of
        its units whose activation derivative is zero on every sample of the split;
        and ``saturation``, one per dense layer: the share of its outputs near the
        bounds of a bounded activation (NaN for others; :mod:`nnexp.training.insight`)

    Returns
    -------
    {"loss": float, "accuracy": float} for classification, or
    {"loss", "mse", "max_abs_error"} for regression; plus "dead_fraction" if asked.
    For a population each value is a (P,) array, one per member.
    """
    fused = getattr(loss, "fused_with", None) is not None
    n = len(X)
    lead = () if network.population is None else (network.population,)
    total = 0.0
    preds = np.empty(lead + (n,), dtype=np.int64) if labels is not None else None
    sq_err, max_err = 0.0, 0.0
    alive = (
        [np.zeros(lead + (d.fan_out,), dtype=bool) for d in network.dense]
        if dead
        else None
    )
    saturated: list[Any] = [0] * len(network.dense)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start, stop, out, caches in network_outputs(
            network, X, fused=fused, chunk=chunk
        ):
            yb = Y[start:stop]
            if lead and yb.ndim < out.ndim:  # every member's targets: the same rows
                # (a small split copied: np.broadcast_to's Python costs more than
                # copying 4 rows 20 times)
                yb = (
                    np.repeat(yb[np.newaxis], lead[0], axis=0)
                    if yb.size * lead[0] <= SMALL
                    else np.broadcast_to(yb, out.shape)
                )
            if preds is not None:
                preds[..., start:stop] = metrics.predicted_labels(out, logits=fused)
            if labels is None:
                pred = out if not fused else network.output_activation.forward(out)
                d = pred - yb
                sq_err += per_member.sq_norm(d)
                max_err = (
                    per_member.max_so_far(max_err, np.abs(d))
                    if d.size
                    else max(max_err, 0.0)
                )
            total += loss.value(out, yb) * (stop - start)
            if alive is not None:
                _mark_alive(network, caches, alive, fused, saturated)
    result: dict[str, Any] = {"loss": total / n if n else float("nan")}
    if labels is not None and preds is not None:
        result["accuracy"] = metrics.accuracy(preds, labels)
    else:
        result["mse"] = sq_err / Y.size if Y.size else float("nan")
        result["max_abs_error"] = max_err
    if alive is not None:
        # a count over a count, so 7 of 100 units is exactly 0.07 (per member too)
        result["dead_fraction"] = [
            int((~a).sum()) / a.size if a.ndim == 1 else (~a).sum(-1) / a.shape[-1]
            for a in alive
        ]
        result["saturation"] = [
            insight.layer_saturation(d.activation, count, n, d.fan_out)
            for count, d in zip(saturated, network.dense, strict=True)
        ]
    return result


def _mark_alive(
    network: Network,
    caches: list[Any],
    alive: list[np.ndarray],
    fused: bool,
    saturated: list[Any],
) -> None:
    """Mark the units alive in this chunk; add its saturated outputs (bounded
    activations only) to ``saturated``."""
    k = 0
    last = len(network.layers) - 1
    for pos, (layer, cache) in enumerate(zip(network.layers, caches, strict=True)):
        if not isinstance(layer, Dense):
            continue
        a = cache.a
        if a is None:  # fused output layer: its activation was not applied
            a = layer.activation.forward(cache.z) if pos == last and fused else cache.z
        alive[k] |= ~metrics.dead_units(cache.z, a, layer.activation)
        count = insight.layer_saturated_count(layer.activation, a)
        if count is not None:
            saturated[k] = saturated[k] + count
        k += 1
