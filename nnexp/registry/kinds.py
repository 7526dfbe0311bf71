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
from dataclasses import dataclass
from typing import Any

from nnexp.registry.core import Registry, normalize_name


@dataclass(frozen=True)
class Kind:
    """One kind of component: the spec's word, the word of ``nnexp list``, and the
    module whose import registers the built-ins (with the registry's attribute)."""

    key: str
    plural: str
    module: str
    attr: str

    @property
    def registry(self) -> Registry[Any]:
        return getattr(importlib.import_module(self.module), self.attr)


_TABLE = (
    Kind("activation", "activations", "nnexp.engine.activations", "ACTIVATIONS"),
    Kind("initializer", "initializers", "nnexp.engine.initializers", "INITIALIZERS"),
    Kind("loss", "losses", "nnexp.engine.losses", "LOSSES"),
    Kind("optimizer", "optimizers", "nnexp.engine.optimizers", "OPTIMIZERS"),
    Kind("regularizer", "regularizers", "nnexp.engine.regularizers", "REGULARIZERS"),
    Kind("schedule", "schedules", "nnexp.engine.schedules", "SCHEDULES"),
    Kind("dataset", "datasets", "nnexp.data", "DATASETS"),
    Kind("layer", "layers", "nnexp.engine.layers", "LAYERS"),
    Kind("objective", "objectives", "nnexp.teaching.objectives", "OBJECTIVES"),
)
_BY_KEY = {k.key: k for k in _TABLE}
#: every kind, in the order of ``nnexp list``
KINDS = tuple(_BY_KEY)


def kinds() -> tuple[Kind, ...]:
    return _TABLE


def kind_named(text: str) -> Kind | None:
    """The kind spelled ``text`` (``Activation``, ``activations``, ``data-sets``)."""
    wanted = normalize_name(text)
    for kind in _TABLE:
        if wanted in {normalize_name(kind.key), normalize_name(kind.plural)}:
            return kind
    return None


def registry_for(kind: str) -> Registry[Any]:
    """The registry of one kind of component (``"activation"``, …, ``"objective"``)."""
    return _BY_KEY[kind].registry


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
