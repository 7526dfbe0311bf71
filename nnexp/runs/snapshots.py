"""The weights of a run over its epochs: ``initial.npz`` (before the first epoch,
always kept) and ``snapshots.npz`` (chosen epochs, ``output.snapshots``).

Snapshots are what the views of issue 15 read: decision boundaries and fits over the
epochs, the training trajectory of a loss landscape, per-layer distributions.  The
epochs are evenly spaced on a log scale (learning changes most early), the last one
included; ``auto`` keeps :data:`AUTO` of them for networks of at most
:data:`AUTO_PARAMETERS` parameters (a few megabytes at most) and none for larger
ones, so an MNIST run does not write a gigabyte.  ``snapshots.npz`` holds each
epoch's arrays as ``e<epoch>/<name>`` (``e0`` is the initial weights).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nnexp.runs.checkpoint import load_npz, save_npz_atomic

#: how many epochs ``snapshots: auto`` keeps, for small networks
AUTO = 24
#: the largest network (parameters) that ``snapshots: auto`` keeps snapshots of
AUTO_PARAMETERS = 20_000


def snapshot_count(setting: int | str, parameters: int) -> int:
    """How many epochs ``output.snapshots`` keeps for a network of ``parameters``."""
    if setting == "auto":
        return AUTO if parameters <= AUTO_PARAMETERS else 0
    return int(setting)


def snapshot_epochs(epochs: int, count: int) -> list[int]:
    """``count`` epochs out of 1..``epochs``, log-spaced, the last one included."""
    if count <= 0 or epochs <= 0:
        return []
    if count >= epochs:
        return list(range(1, epochs + 1))
    chosen = {int(round(e)) for e in np.geomspace(1, epochs, count)}
    return sorted(chosen | {epochs})


def save_snapshots(path: Path, snapshots: dict[int, dict[str, np.ndarray]]) -> None:
    """Write ``{epoch: weights}`` as one .npz (atomically)."""
    arrays = {
        f"e{epoch}/{name}": array
        for epoch, weights in sorted(snapshots.items())
        for name, array in weights.items()
    }
    save_npz_atomic(path, arrays)


def load_snapshots(path: Path) -> dict[int, dict[str, np.ndarray]]:
    """``{epoch: weights}`` of a snapshots.npz, epochs in order."""
    out: dict[int, dict[str, np.ndarray]] = {}
    for key, array in load_npz(path, "snapshots file").items():
        epoch, _, name = key.partition("/")
        out.setdefault(int(epoch[1:]), {})[name] = array
    return dict(sorted(out.items()))


def run_weights(root: Path) -> dict[int, dict[str, Any]]:
    """Every set of weights a run folder keeps over its epochs: 0 (initial.npz) and
    the snapshots, epochs in order (empty for a folder that keeps none)."""
    root = Path(root)
    found: dict[int, dict[str, Any]] = {}
    if (root / "snapshots.npz").is_file():
        found.update(load_snapshots(root / "snapshots.npz"))
    if (root / "initial.npz").is_file():
        found[0] = load_npz(root / "initial.npz")
    return dict(sorted(found.items()))


def predictors(
    network: Any, root: Path, final_epoch: int
) -> dict[int, Callable[[np.ndarray], np.ndarray]]:
    """The output function of ``network``'s architecture at every epoch whose weights
    the run folder ``root`` keeps, and ``network`` itself (the final weights) at
    ``final_epoch``; epochs in order."""
    kept = run_weights(root)
    clone = copy.deepcopy(network)
    dtype = next(iter(network.params.values())).dtype

    def at(weights: dict[str, Any]) -> Callable[[np.ndarray], np.ndarray]:
        def predict(x: np.ndarray) -> np.ndarray:
            clone.set_weights(weights)
            return clone.predict(np.asarray(x, dtype=dtype))

        return predict

    out = {epoch: at(w) for epoch, w in kept.items() if epoch < final_epoch}
    out[final_epoch] = lambda x: network.predict(np.asarray(x, dtype=dtype))
    return out


#: what the per-layer distributions show, in figure order
QUANTITIES = ("weights", "pre-activations", "gradients")


def layer_values(
    network: Any, loss: Any, kept: dict[int, dict[str, Any]], x: Any, y: Any
) -> dict[int, dict[str, list[np.ndarray]]]:
    """Per kept epoch, per quantity of :data:`QUANTITIES`, one flat array per dense
    layer: its weights, its pre-activations on ``x`` and the loss gradient of its
    weights on (``x``, ``y``) (one batch, dropout off)."""
    clone = copy.deepcopy(network)
    fused = getattr(loss, "fused_with", None) is not None
    out: dict[int, dict[str, list[np.ndarray]]] = {}
    with np.errstate(all="ignore"):
        for epoch, weights in sorted(kept.items()):
            clone.set_weights(weights)
            result, caches = clone.forward(x, logits=fused)
            # copies: the backward pass may overwrite the caches' arrays
            zs = [
                c.z.ravel().copy() for c in caches if getattr(c, "z", None) is not None
            ]
            _, d_out = loss.value_and_grad(result, y)
            grads = clone.backward(d_out, caches)
            n = len(clone.dense)
            out[epoch] = {
                "weights": [np.ravel(weights[f"W{i}"]) for i in range(1, n + 1)],
                "pre-activations": zs[:n],
                "gradients": [np.ravel(grads[f"W{i}"]) for i in range(1, n + 1)],
            }
    return out
