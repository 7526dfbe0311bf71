"""nnexp: neural-network experiments from first principles, in NumPy.

Everything the ``nnexp`` command does is a function here, from :mod:`nnexp.api` (the
front door): ``nnexp.train`` (or ``nnexp.run``) a spec, ``resume``, ``continue_run``,
``rerun`` and ``check_rerun`` a run, ``evaluate`` its saved weights; ``find_run``,
``load_run``, ``load_trained``, ``list_runs``, ``filter_runs``, ``select_runs``,
``compare``, ``report``, ``plot``; ``run_sweep`` and ``plan_sweep`` (its dry run);
``probe`` and ``landscape`` (the teaching commands); ``components``,
``check_activation`` and ``activation_gallery``; ``signal_propagation`` (mean-field
theory at initialisation); and ``build_network`` and ``fit``,
the engine directly on arrays.  They are imported on first use, so ``import
nnexp.engine`` needs nothing but NumPy.
"""

from __future__ import annotations

from typing import Any

from nnexp.api import ACTIONS as _ACTIONS  # names only: nnexp.api imports lazily

__version__ = "0.2.0"

__all__ = ["__version__", *_ACTIONS]


def __dir__() -> list[str]:
    """The lazy names too, so notebooks complete ``nnexp.train`` and friends."""
    return sorted({*__all__, *(n for n in globals() if n.startswith("__"))})


def __getattr__(name: str) -> Any:
    if name in _ACTIONS:
        from nnexp import api

        return getattr(api, name)
    raise AttributeError(f"module 'nnexp' has no attribute {name!r}")
