"""The trainer's resumable state as plain arrays and JSON-able values.

Everything that decides the rest of a run is here: weights, optimiser state, the
epoch and step counters (the schedule's position), the random generators' states and
the early-stopping tracker.  ``to_arrays``/``from_arrays`` flatten it into one dict of
NumPy arrays (generator states, whose 128-bit integers NumPy cannot store, travel as a
JSON string), which :mod:`nnexp.runs.checkpoint` writes as an ``.npz`` file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnexp.types import Array


@dataclass
class TrainState:
    epoch: int  # completed epochs
    step: int  # completed optimiser steps
    weights: dict[str, Array]
    optimizers: list[dict[str, Any]]
    rng: dict[str, Any]
    early_stopping: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            f"weights/{k}": v for k, v in self.weights.items()
        }
        scalars: dict[str, Any] = {
            "epoch": self.epoch,
            "step": self.step,
            "rng": self.rng,
            "n_optimizers": len(self.optimizers),
            "extra": self.extra,
        }
        for i, state in enumerate(self.optimizers):
            _split(state, f"opt{i}/", out, scalars)
        if self.early_stopping is not None:
            _split(self.early_stopping, "early_stopping/", out, scalars)
            scalars["has_early_stopping"] = True
        out["meta"] = np.array(json.dumps(scalars))
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any]) -> TrainState:
        meta = json.loads(str(arrays["meta"]))
        weights = _prefixed(arrays, meta, "weights/")
        optimizers = [
            _prefixed(arrays, meta, f"opt{i}/") for i in range(meta["n_optimizers"])
        ]
        early = (
            _prefixed(arrays, meta, "early_stopping/")
            if meta.get("has_early_stopping")
            else None
        )
        return cls(
            epoch=int(meta["epoch"]),
            step=int(meta["step"]),
            weights=weights,
            optimizers=optimizers,
            rng=meta["rng"],
            early_stopping=early,
            extra=meta.get("extra", {}),
        )


def _split(
    state: dict[str, Any], prefix: str, arrays: dict[str, Any], scalars: dict[str, Any]
) -> None:
    """Arrays go to ``arrays``, Python/NumPy scalars to the JSON ``scalars``."""
    for key, value in state.items():
        if isinstance(value, np.ndarray) and value.ndim > 0:
            arrays[prefix + key] = value
        else:
            scalars[prefix + key] = (
                value.item() if isinstance(value, np.generic | np.ndarray) else value
            )


def _prefixed(
    arrays: dict[str, Any], meta: dict[str, Any], prefix: str
) -> dict[str, Any]:
    out = {
        k[len(prefix) :]: np.asarray(v)
        for k, v in arrays.items()
        if k.startswith(prefix)
    }
    out.update({k[len(prefix) :]: v for k, v in meta.items() if k.startswith(prefix)})
    return out
