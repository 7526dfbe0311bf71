"""The kinds of component and where each kind's registry lives.

The registries are defined next to their components (``ACTIVATIONS`` in
``nnexp/engine/activations``); this table names them by module, so that a kind's
modules are imported on first use (importing ``nnexp.spec`` does not import every data
loader) and nothing here imports an upper floor at import time.  The order is the
order of ``nnexp list``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nnexp.registry.core import Registry

#: kind (the spec's word) → (module whose import registers the built-ins, attribute)
_WHERE: dict[str, tuple[str, str]] = {
    "activation": ("nnexp.engine.activations", "ACTIVATIONS"),
    "initializer": ("nnexp.engine.initializers", "INITIALIZERS"),
    "loss": ("nnexp.engine.losses", "LOSSES"),
    "optimizer": ("nnexp.engine.optimizers", "OPTIMIZERS"),
    "regularizer": ("nnexp.engine.regularizers", "REGULARIZERS"),
    "schedule": ("nnexp.engine.schedules", "SCHEDULES"),
    "dataset": ("nnexp.data", "DATASETS"),
    "layer": ("nnexp.engine.layers", "LAYERS"),
    "objective": ("nnexp.teaching.objectives", "OBJECTIVES"),
}
KINDS = tuple(_WHERE)


def registry_for(kind: str) -> Registry[Any]:
    """The registry of one kind of component (``"activation"``, …, ``"objective"``)."""
    module, attr = _WHERE[kind]
    return getattr(importlib.import_module(module), attr)


def registries() -> list[Registry[Any]]:
    """Every registry, in the order of :data:`KINDS`."""
    return [registry_for(kind) for kind in KINDS]


@contextmanager
def plugins_forgotten_after() -> Iterator[None]:
    """Restore every registry on exit: plugins loaded inside are forgotten (tests,
    notebooks trying a plugin)."""
    saved = [(r, r.snapshot()) for r in registries()]
    try:
        yield
    finally:
        for r, snap in saved:
            r.restore(snap)
