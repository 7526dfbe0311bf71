"""Spec + data set → engine objects: the only place where registries meet the spec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnexp.engine.network import Network, build_network
from nnexp.errors import RunError
from nnexp.runs.checkpoint import load_weights
from nnexp.spec.check import layer_sizes
from nnexp.spec.models import RunSpec
from nnexp.training.callbacks import EarlyStopping


@dataclass
class Built:
    """Everything a trainer needs besides the data."""

    network: Network
    loss: Any
    optimizer: Any  # one optimiser, or a list with one per dense layer
    schedule: Any
    regularizer: Any
    early_stopping: EarlyStopping | None


def build_run(spec: RunSpec, info: Any, init_rng: np.random.Generator) -> Built:
    """Build the network (weights drawn from ``init_rng``) and the training components."""
    network = _network(spec, layer_sizes(spec, info), init_rng)
    if spec.training.init_from:
        expected = {k: v.shape for k, v in network.params.items()}
        network.set_weights(load_weights(spec.training.init_from, expected))
    optimizer = (
        [c.build() for c in spec.optimizer]
        if isinstance(spec.optimizer, list)
        else spec.optimizer.build()
    )
    es = spec.training.early_stopping
    early = None
    if es is not None:
        early = EarlyStopping(
            monitor=es.monitor,
            mode=es.mode,
            patience=es.patience,
            min_delta=es.min_delta,
            restore_best=es.restore_best,
        )
    return Built(
        network=network,
        loss=spec.loss.build(),
        optimizer=optimizer,
        schedule=spec.schedule.build(),
        regularizer=spec.regularizer.build() if spec.regularizer is not None else None,
        early_stopping=early,
    )


def build_trained(spec: RunSpec, weights: Mapping[str, np.ndarray]) -> Network:
    """The network of a trained run: the spec's layers with ``weights`` (a run's
    ``model.npz``) in place; the layer sizes come from the weights, so no data set is
    loaded."""
    n_dense = sum(1 for k in weights if k.startswith("W"))
    if n_dense == 0 or any(f"W{i}" not in weights for i in range(1, n_dense + 1)):
        raise RunError(
            f"the weights hold {sorted(weights)}; expected W1, b1, W2, b2, …"
        )
    sizes = [int(weights["W1"].shape[0])]
    sizes += [int(weights[f"W{i}"].shape[1]) for i in range(1, n_dense + 1)]
    network = _network(spec, sizes, np.random.default_rng(0))
    network.set_weights(weights)
    return network


def _network(spec: RunSpec, sizes: list[int], rng: np.random.Generator) -> Network:
    model = spec.model
    return build_network(
        sizes,
        activation=[c.build() for c in model.hidden_activations],
        output_activation=model.output_activation.build(),
        initializer=model.initializer.build(),
        dropout=model.dropouts,
        rng=rng,
        dtype=spec.training.dtype,
    )
