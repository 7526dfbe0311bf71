"""One seed → named, independent generators (NEP 19).

``streams(seed)`` gives ``{"init", "split", "shuffle", "dropout"}`` generators spawned
from one ``SeedSequence``; adding a stream never changes the others.  Generator states
are plain dicts, so a checkpoint can save and restore them exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

STREAMS = ("init", "split", "shuffle", "dropout")


def _stream_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator for one named stream of ``seed`` (independent of other names)."""
    return np.random.default_rng(np.random.SeedSequence([seed, _stream_key(name)]))


def streams(
    seed: int, names: tuple[str, ...] = STREAMS
) -> dict[str, np.random.Generator]:
    return {name: stream(seed, name) for name in names}


def get_states(gens: Mapping[str, np.random.Generator]) -> dict[str, Any]:
    return {name: g.bit_generator.state for name, g in gens.items()}


def set_states(
    gens: Mapping[str, np.random.Generator], states: Mapping[str, Any]
) -> None:
    for name, state in states.items():
        gens[name].bit_generator.state = state
