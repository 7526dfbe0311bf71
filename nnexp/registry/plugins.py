"""User plugins: ``path/to/file.py:Class`` or ``package.module:Class``, imported on
demand and checked against the Protocol of their kind (:mod:`nnexp.types`).

A Protocol's methods can be checked on the class when it is imported; its data members
(an optimiser's ``lr``, a schedule's ``per``) exist only on an instance, so they are
checked on the instance built with the spec's parameters (:func:`lacking`).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from nnexp.errors import PluginError
from nnexp.registry.params import article


def is_plugin_ref(name: str) -> bool:
    """``file.py:Class`` or ``pkg.mod:Class``."""
    return ":" in name and not name.startswith(":") and not name.endswith(":")


def _is_file_ref(module_part: str) -> bool:
    return module_part.endswith(".py") or "/" in module_part or "\\" in module_part


def canonical_plugin_ref(ref: str, base_dir: Path | None) -> str:
    """``file.py:Class`` with the file made absolute (relative to ``base_dir``), so the
    same relative name in two folders means two plugins; module refs are unchanged."""
    module_part, _, attr = ref.rpartition(":")
    if not _is_file_ref(module_part):
        return ref
    path = Path(module_part).expanduser()
    if not path.is_absolute():
        path = (Path(base_dir) if base_dir is not None else Path.cwd()) / path
    return f"{path.resolve()}:{attr}"


def plugin_version(ref: str) -> str | None:
    """The sha256 of a ``file.py:Class`` plugin's file (None for a module or a
    missing file): what tells an edited plugin from the one already loaded."""
    module_part = ref.rpartition(":")[0]
    path = Path(module_part)
    if not module_part.endswith(".py") or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


# the protocol -------------------------------------------------------------------------


def protocol_members(protocol: type | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(data members, methods)`` a Protocol declares, in declaration order
    (``(("lr",), ("step", "state_dict", "load_state_dict"))`` for an optimiser)."""
    data: list[str] = []
    methods: list[str] = []
    for klass in reversed((protocol or object).__mro__):
        if not getattr(klass, "_is_protocol", False) or klass.__module__ == "typing":
            continue
        data += [n for n in klass.__dict__.get("__annotations__", {}) if n[0] != "_"]
        methods += [
            n
            for n, v in vars(klass).items()
            if callable(v) and (n[0] != "_" or n == "__call__")
        ]
    return tuple(dict.fromkeys(data)), tuple(dict.fromkeys(methods))


def _shown(data: tuple[str, ...], methods: tuple[str, ...]) -> list[str]:
    return [*data, *(f"{m}()" for m in methods)]


def lacking(obj: Any, protocol: type | None, *, instance: bool) -> list[str]:
    """The members of ``protocol`` that ``obj`` lacks, as shown in messages (``lr``,
    ``step()``).  On a class (``instance=False``) only methods can be seen."""
    data, methods = protocol_members(protocol)
    gone_data = tuple(m for m in data if instance and not hasattr(obj, m))
    gone = tuple(m for m in methods if not callable(getattr(obj, m, None)))
    return _shown(gone_data, gone)


def not_valid(ref: str, kind: str, protocol: type | None, missing: list[str]) -> str:
    """``x.py:Plain is not a valid optimizer: it lacks lr; an optimizer needs lr,
    step(), state_dict(), load_state_dict().``"""
    needs = ", ".join(_shown(*protocol_members(protocol)))
    return (
        f"{ref} is not a valid {kind}: it lacks {', '.join(missing)};"
        f" {article(kind)} needs {needs}."
    )


# importing ----------------------------------------------------------------------------


def load_object(
    ref: str, *, base_dir: Path | None = None, key: str | None = None
) -> Any:
    """Import the object named by ``path/to/file.py:Name`` or ``pkg.module:Name``.

    This executes the user's module: it is only called because a spec names it.
    """
    where = f"{key}: " if key else ""
    module_part, _, attr = ref.rpartition(":")
    if _is_file_ref(module_part):
        module = _import_file(module_part, attr, ref, base_dir, where)
    else:
        try:
            module = importlib.import_module(module_part)
        except Exception as err:
            raise PluginError(
                f"{where}cannot import module {module_part!r} (from {ref!r}): {type(err).__name__}: {err}"
            ) from err
    obj = getattr(module, attr, None)
    if obj is None:
        names = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(attr, names, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise PluginError(f"{where}{module_part} has no {attr!r}.{hint}")
    return obj


def _import_file(
    module_part: str, attr: str, ref: str, base_dir: Path | None, where: str
) -> Any:
    """The module of a plugin file, imported once per file content."""
    path = Path(module_part)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if not path.is_file():
        raise PluginError(f"{where}plugin file {path} does not exist (from {ref!r})")
    version = plugin_version(f"{path}:{attr}") or ""
    mod_name = f"nnexp_plugin_{abs(hash(str(path.resolve())))}_{version[:16]}"
    module = sys.modules.get(mod_name)
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"{where}cannot import plugin file {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[mod_name]
        raise PluginError(
            f"{where}importing plugin file {path} failed: {type(err).__name__}: {err}"
        ) from err
    return module
