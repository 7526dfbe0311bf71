"""Every key a spec can set, as dotted paths, and the values of the keys that take a
closed set of them (component names, choices, booleans).

For shell completion of overrides and sweep keys: read from the spec model and the
component registries, so a new key or component is completed by being added.
Per-layer list items (``optimizer.0.lr``) are not listed.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from nnexp.registry import registry_for
from nnexp.spec.fields import ComponentField
from nnexp.spec.models import RunSpec
from nnexp.spec.monitor import monitor_names
from nnexp.spec.problems import join_key, model_in

#: keys whose values are a closed set that their type does not say
_VALUES = {"training.early_stopping.monitor": monitor_names}


def _fields(
    model: type[BaseModel], prefix: str = ""
) -> Iterator[tuple[str, FieldInfo]]:
    for name, info in model.model_fields.items():
        path = join_key(prefix, name)
        yield path, info
        section = model_in(info.annotation)
        if section is not None:
            yield from _fields(section, path)


def _kind(info: FieldInfo) -> str | None:
    """The component kind of a field (``"optimizer"``), None for other fields."""
    return next((m.kind for m in info.metadata if isinstance(m, ComponentField)), None)


def _param_names(kind: str) -> list[str]:
    """Every parameter name of the built-in components of ``kind``."""
    names = {p.name for e in registry_for(kind).entries() for p in e.params}
    return sorted(names)


def spec_keys() -> list[str]:
    """Dotted keys of the spec: sections, their keys, and for a component its
    ``name`` and the parameters of every component of its kind."""
    keys = []
    for path, info in _fields(RunSpec):
        keys.append(path)
        kind = _kind(info)
        if kind is not None:
            keys += [f"{path}.name", *(f"{path}.{p}" for p in _param_names(kind))]
    return keys


def choices(tp: Any) -> list[str]:
    """The values a type allows when they are few: ``Literal`` arguments, true and
    false, null for an optional; [] for open types (numbers, strings)."""
    if tp is bool:
        return ["true", "false"]
    if tp is type(None):
        return ["null"]
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return [str(a) for a in typing.get_args(tp)]
    if origin in (typing.Union, types.UnionType):
        out = [c for a in typing.get_args(tp) for c in choices(a)]
        # an open type among the arms (int | None) leaves only null to suggest
        return list(dict.fromkeys(out))
    if origin is typing.Annotated:
        return choices(typing.get_args(tp)[0])
    return []


def key_values(key: str) -> list[str]:
    """The values ``key`` takes, where they are a closed set ([] otherwise)."""
    if key in _VALUES:
        return list(_VALUES[key]())
    fields = dict(_fields(RunSpec))
    parent, _, last = key.rpartition(".")
    if key in fields:
        kind = _kind(fields[key])
        if kind is not None:
            return registry_for(kind).names()
        return choices(fields[key].annotation)
    kind = _kind(fields[parent]) if parent in fields else None
    if kind is None:
        return []
    if last == "name":
        return registry_for(kind).names()
    found = [
        c
        for e in registry_for(kind).entries()
        for p in e.params
        if p.name == last
        for c in choices(p.type)
    ]
    return list(dict.fromkeys(found))
