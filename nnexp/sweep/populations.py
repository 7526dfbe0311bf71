"""Which cells of a sweep train together as one population (issue 13).

Cells are *compatible* when one stacked loop can train them
(:class:`~nnexp.training.population.PopulationTrainer`): the same data set, layer
sizes, loss, epochs, batch size, shuffle flag, dtype, BLAS threads, optimiser kind
(and its non-numeric options), schedule kind and regulariser kind.  They may differ
in the seed (and so in the data split drawn from it), in every numeric
hyper-parameter (learning rate, momentum, betas, λ, schedule parameters, dropout
rate), in the initialiser, in nnexp's element-wise activations (each applied to its
members' slice of the stack; a plugin activation is part of the key), the early
stopping and the output options.

A data set whose loader draws from the run's split generator (a validation fraction)
gives each seed its own split; members of different seeds still share a population,
each training on its own split (:mod:`nnexp.training.member_data`), which has the same
shapes.  (The planner's ``seeded`` knowledge, which data sets draw their split from
the seed, no longer separates populations.)

Groups are cut to fit a memory budget (an estimate from the parameter count and the
batch), to keep the members' weights and gradients within :data:`CACHE_MB` (a stack
of large layers is memory-bound), to at most :data:`MAX_SIZE` members, and into at
least as many groups as there are workers when the cells allow it, so no worker sits
idle.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nnexp.spec.dump import spec_to_dict
from nnexp.spec.models import RunSpec

#: most members in one population (the gain per member flattens well before)
MAX_SIZE = 64
#: memory budget of one population, in MiB (weights, gradients, optimiser state,
#: best-epoch copies and a batch's activations, estimated)
MEMORY_MB = 1024.0
#: the members' weights and gradients should fit in this much cache (MiB): a larger
#: stack of big layers is memory-bound, and each member then trains slower than alone.
#: 784-100-10 in float64 (1.3 MB a member) at batch 10 on mnist_10k, on the project's
#: 2-core machine: in one process, populations of 2 and 3 cost 0.78–0.85× the CPU of
#: their members alone (start-up included), of 7 1.18×, of 14 1.3–1.6×; but a sweep
#: of 4 seeds with -j 2 in 2 populations of 2 took 1.09× the CPU and wall time of 4
#: cells alone (3 interleaved pairs), and make reproduce's E3 and E4 in populations
#: of 3 were 20-40 % slower.  So such nets train alone; the small nets of E1 and E2
#: (a few kB a member) stack up to MAX_SIZE.
CACHE_MB = 1.0


def data_key(spec: RunSpec) -> str:
    """The data set as configured (the same key for every cell loading the same)."""
    return json.dumps(spec.dataset.to_yaml(), sort_keys=True, default=str)


def group_key(spec: RunSpec, seeded: Mapping[str, bool]) -> str | None:
    """What members of one population share, as text; None for a cell that trains
    alone (a continuation)."""
    data = spec_to_dict(spec)
    training = dict(data["training"])
    if training.pop("continue_from", None) is not None:
        return None
    training.pop("early_stopping", None)
    training.pop("init_from", None)
    model = {
        k: v
        for k, v in data["model"].items()
        if k not in ("initializer", "dropout")
        and not (k in ("activation", "output_activation") and _built_in(v))
    }
    reg = data.get("regularizer") or {}
    key = {
        "dataset": data["dataset"],
        "model": model,  # the sizes
        "loss": data["loss"],
        "optimizer": _kinds(data["optimizer"]),
        "schedule": _kinds(data["schedule"]),
        "regularizer": _kinds(reg),
        "training": training,
    }
    return json.dumps(key, sort_keys=True, default=str)


def _built_in(activation: Any) -> bool:
    """True for nnexp's own activations (by name, with parameters or one per layer),
    which members may mix; a plugin's stays in the key (one that raises must fail
    its own cells only)."""
    from nnexp.engine.activations import ACTIVATIONS

    if isinstance(activation, list):
        return all(_built_in(a) for a in activation)
    name = activation.get("name") if isinstance(activation, Mapping) else activation
    return any(
        name == entry.name or name in entry.aliases
        for entry in ACTIVATIONS.entries()
        if entry.source == "builtin"
    )


def _kinds(value: Any) -> Any:
    """A component's options without its numbers (members may differ in those)."""
    if isinstance(value, Mapping):
        return {k: _kinds(v) for k, v in value.items() if not _is_number(v)}
    if isinstance(value, list):
        return [_kinds(v) for v in value]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def member_bytes(spec: RunSpec) -> int:
    """A rough size of one member: parameters ×6 (weights, gradients, two optimiser
    slots, best weights, a copy) and a batch's activations ×4 (sizes given as
    ``hidden`` only: 100 inputs and 10 outputs assumed)."""
    layers = list(spec.model.layers or [100, *(spec.model.hidden or []), 10])
    params = sum((a + 1) * b for a, b in zip(layers[:-1], layers[1:], strict=False))
    units = sum(layers)
    itemsize = np.dtype(spec.training.dtype).itemsize
    return itemsize * (6 * params + 4 * spec.training.batch_size * units)


def working_bytes(spec: RunSpec) -> int:
    """A member's weights and gradients, the arrays every step reads and writes."""
    layers = list(spec.model.layers or [100, *(spec.model.hidden or []), 10])
    params = sum((a + 1) * b for a, b in zip(layers[:-1], layers[1:], strict=False))
    return 2 * params * np.dtype(spec.training.dtype).itemsize


def population_groups(
    specs: Mapping[str, RunSpec],
    names: Sequence[str],
    *,
    seeded: Mapping[str, bool],
    workers: int = 1,
    memory_mb: float = MEMORY_MB,
    max_size: int = MAX_SIZE,
) -> list[list[str]]:
    """The cells ``names`` in groups that train as one population each (a group of
    one trains as a single run), in the cells' order."""
    by_key: dict[str, list[str]] = {}
    alone: list[list[str]] = []
    for name in names:
        key = group_key(specs[name], seeded)
        if key is None:
            alone.append([name])
        else:
            by_key.setdefault(key, []).append(name)
    groups: list[list[str]] = []
    for members in by_key.values():
        first = specs[members[0]]
        fits = int(memory_mb * 2**20 // max(member_bytes(first), 1))
        cached = int(CACHE_MB * 2**20 // max(working_bytes(first), 1))
        size = max(1, min(max_size, fits, cached))
        # share the workers: at least this group's share of them, when it has cells
        share = math.ceil(workers * len(members) / max(len(names), 1))
        pieces = max(math.ceil(len(members) / size), min(share, len(members)))
        step = math.ceil(len(members) / pieces)
        groups += [members[i : i + step] for i in range(0, len(members), step)]
    order = {name: i for i, name in enumerate(names)}
    return sorted(groups + alone, key=lambda g: order[g[0]])
