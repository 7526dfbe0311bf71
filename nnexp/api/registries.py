"""The components: their registries by kind (``nnexp list``), an activation's family,
and the finite-difference check of an activation (``nnexp check``).

::

    import nnexp
    nnexp.components("optimizers").names()            # adam, sgd, …
    relu = nnexp.components("activation").build("relu")
    nnexp.check_activation(relu).passed               # True
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from nnexp.engine import gradcheck
from nnexp.engine.activations import family_of as activation_family
from nnexp.engine.gradcheck import ActivationReport, error_text
from nnexp.errors import NnexpError
from nnexp.registry import Entry, Registry, is_plugin_ref, kind_named, kinds, type_text

__all__ = [
    "COMPONENT_KINDS",
    "ActivationReport",
    "Entry",
    "Registry",
    "activation_family",
    "check_activation",
    "component_kind",
    "components",
    "error_text",
    "is_plugin_ref",
    "type_text",
]

#: the kinds as ``nnexp list`` names them, in the order shown
COMPONENT_KINDS: tuple[str, ...] = tuple(k.plural for k in kinds())


def component_kind(text: str) -> str:
    """``Activation``, ``activations``, ``data-sets`` … → the canonical kind.

    Raises NnexpError with close matches for anything else.
    """
    found = kind_named(text)
    if found is not None:
        return found.plural
    close = difflib.get_close_matches(
        text.lower(), list(COMPONENT_KINDS), n=3, cutoff=0.5
    )
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise NnexpError(
        f"unknown kind {text!r} for nnexp list.{hint}"
        f" Allowed kinds: {', '.join(COMPONENT_KINDS)}."
    )


def components(kind: str) -> Registry[Any]:
    """The registry of one kind of component (any spelling of the kind, see
    :func:`component_kind`): its ``entries()`` with their parameters, ``names()``,
    ``build(name, **params)``."""
    plural = component_kind(kind)
    return next(k.registry for k in kinds() if k.plural == plural)


def check_activation(
    activation: Any, *, dtype: str = "float64", seed: int = 0, name: str | None = None
) -> ActivationReport:
    """The finite-difference check of a built activation (``nnexp check``): its
    derivative region by region, finiteness at extreme inputs, the array contract;
    ``seed`` draws the random check points.  See
    :func:`nnexp.engine.gradcheck.check_activation`."""
    return gradcheck.check_activation(
        activation, rng=np.random.default_rng(seed), dtype=dtype, name=name
    )
