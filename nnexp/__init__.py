"""nnexp: neural-network experiments from first principles, in NumPy.

``nnexp.run`` and ``nnexp.load_run`` are the front door (see :mod:`nnexp.api`), with
``find_run`` and ``filter_runs`` (as ``show`` and ``runs`` find runs), ``probe`` and
``landscape`` (the teaching commands); ``nnexp.build_network`` and ``nnexp.fit`` use
the engine directly on arrays.  They are imported lazily, so ``import nnexp.engine``
needs nothing but NumPy.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"

_LAZY = {
    "run": ("nnexp.api", "run"),
    "load_run": ("nnexp.api", "load_run"),
    "continue_run": ("nnexp.api", "continue_run"),
    "find_run": ("nnexp.runs.find", "find_run"),
    "filter_runs": ("nnexp.analysis.filters", "filter_runs"),
    "probe": ("nnexp.teaching.probe", "probe"),
    "landscape": ("nnexp.teaching.landscape", "landscape"),
    "build_network": ("nnexp.engine.network", "build_network"),
    "fit": ("nnexp.training.trainer", "fit"),
}
__all__ = ["__version__", *_LAZY]


def __dir__() -> list[str]:
    """The lazy names too, so notebooks complete ``nnexp.run`` and friends."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__"))})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'nnexp' has no attribute {name!r}")
