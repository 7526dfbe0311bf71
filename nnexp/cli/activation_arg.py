"""One reader for an activation named on the command line (``nnexp check``,
``nnexp gallery``): the forms a spec takes.

``relu`` (any spelling or alias), ``path/to/file.py:Class`` (relative to the current
folder), ``package.module:Class``, or a YAML mapping with parameters such as
``"{name: softplus, k: 2}"`` or ``"{name: acts.py:ISRU, a: 0.5}"``.  A spec's
``check: false`` is accepted and ignored (these commands never train).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from nnexp.api import CHECK, Entry, components, is_plugin_ref
from nnexp.errors import NnexpError, PluginError, RegistryError


def read_activation(text: str, key: str) -> tuple[str, dict[str, Any]]:
    """``"{name: softplus, k: 2}"`` → ``("softplus", {"k": 2})``; a name → no
    parameters.  ``key`` names the argument in errors."""
    if not text.lstrip().startswith("{"):
        return text, {}
    try:
        ref = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise RegistryError(
            f"{key}: cannot read the activation {text!r} as a YAML mapping: {err}"
        ) from None
    name = ref.get("name") if isinstance(ref, dict) else None
    if not isinstance(name, str) or not all(isinstance(k, str) for k in ref):
        raise RegistryError(
            f"{key}: {text!r} is not an activation mapping; expected"
            " {name: NAME, PARAMETER: VALUE, ...}, e.g. '{name: softplus, k: 2}'"
        )
    return name, {k: v for k, v in ref.items() if k != "name"}


def build_activation(
    text: str, key: str, extra: Mapping[str, Any] | None = None
) -> tuple[Entry[Any], dict[str, Any], Any]:
    """The entry, the parameters and the built activation of ``text`` (see
    :func:`read_activation`), with ``extra`` parameters on top (``--param``).

    Raises RegistryError for an unknown name or parameter, PluginError for a plugin
    that cannot be imported or built.
    """
    name, params = read_activation(text, key)
    entry = components("activations").resolve(name, key=key, base_dir=Path.cwd())
    params.update(extra or {})
    if entry.param(CHECK) is None:
        params.pop(CHECK, None)
    try:
        return entry, params, entry.build(**params)
    except RegistryError as err:
        where = "--param " if extra else f"{key}: "
        raise RegistryError(f"{where}{err}") from None
    except NnexpError:
        raise
    except Exception as err:  # a plugin's constructor may raise anything
        raise PluginError(
            f"building {text} failed: {type(err).__name__}: {err}"
        ) from err


def label(text: str, entry: Entry[Any], params: Mapping[str, Any]) -> str:
    """How the activation is shown: a plugin as written (``acts.py:Isru``), a
    built-in by its canonical name, and parameters given in a mapping after it
    (``acts.py:Isru(a=0.5)``)."""
    name, given = read_activation(text, "")
    shown = name if is_plugin_ref(name) else entry.name
    args = ", ".join(f"{k}={params[k]}" for k in given if k in params)
    return f"{shown}({args})" if args else shown
