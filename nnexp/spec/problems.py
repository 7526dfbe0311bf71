"""Problems found while validating a spec, and their conversion to ``SpecError``.

Validation happens inside pydantic, which collects one error per failing field.  A
single field (a component, a per-layer list, a model's cross-field check) can have
several problems at different sub-keys, so validators raise :class:`Problems`, a
``ValueError`` that carries ``(sub-key, message)`` pairs; pydantic keeps the exception
object in the error's context and :func:`problems_from_error` expands it again into
full dotted key paths (``model.activation.alpah``).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

#: stands for the full key path inside a message; replaced once the path is known
#: (a validator only knows its own field, not where the field sits in the spec)
KEY = "\x00key\x00"


class Problems(ValueError):
    """One or more ``(sub-key, message)`` problems of one value.

    The sub-key is relative to the value being validated (``""`` for the value itself,
    ``"lr"`` for a component's parameter, ``"1.alpha"`` for an item of a list).
    """

    def __init__(self, items: Iterable[tuple[str, str]]):
        self.items = list(items)
        super().__init__("; ".join(f"{k}: {m}" if k else m for k, m in self.items))


def join_key(*parts: object) -> str:
    """``join_key("model", "activation", 1)`` → ``"model.activation.1"``; empty parts
    are skipped."""
    return ".".join(str(p) for p in parts if p != "" and p is not None)


def finish(prefix: str, items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Prefix sub-keys with ``prefix`` and put each full key into its message."""
    out = []
    for sub, msg in items:
        key = join_key(prefix, sub)
        out.append((key, msg.replace(KEY, key or "spec")))
    return out


def problems_from_error(
    err: ValidationError, root: type[BaseModel]
) -> list[tuple[str, str]]:
    """Every error of a pydantic ``ValidationError`` as ``(dotted key, message)``."""
    out: list[tuple[str, str]] = []
    for e in err.errors():
        loc = tuple(e["loc"])
        key = join_key(*loc)
        kind = e["type"]
        exc = (e.get("ctx") or {}).get("error")
        if isinstance(exc, Problems):
            out.extend(finish(key, exc.items))
        elif kind == "value_error" and exc is not None:
            out.append((key, str(exc).replace(KEY, key)))
        elif kind == "extra_forbidden":
            out.append((key, unknown_key_message(root, loc)))
        elif kind == "missing":
            out.append((key, "required key is missing"))
        elif kind == "model_type":
            out.append((key, mapping_message(root, loc, e.get("input"))))
        else:
            out.append((key, _with_input(e["msg"], e.get("input"))))
    return dedupe(out)


def _with_input(msg: str, value: Any) -> str:
    """Pydantic's message plus the offending value, which it leaves out."""
    if isinstance(value, dict | list) or value is None:
        return msg
    return f"{msg} (got {value!r})"


def dedupe(problems: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def unknown_key_message(root: type[BaseModel], loc: Sequence[Any]) -> str:
    """``unknown key in training. Did you mean: epochs? Allowed: epochs, …``."""
    parent = model_at(root, loc[:-1])
    where = join_key(*loc[:-1]) or "the spec"
    if parent is None:
        return f"unknown key in {where}"
    allowed = list(parent.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return f"unknown key in {where}.{hint} Allowed keys: {', '.join(allowed)}."


def mapping_message(root: type[BaseModel], loc: Sequence[Any], value: Any) -> str:
    """``model`` given a scalar: what the section expects, with an example."""
    key = join_key(*loc)
    section = model_at(root, loc)
    if section is None:
        return f"expected a mapping, got {value!r}"
    example = getattr(section, "example", None)
    hint = f"; e.g. {key}: {example}" if example else ""
    return (
        f"expected a mapping of {key} settings (keys: {', '.join(section.model_fields)}),"
        f" got {value!r}{hint}"
    )


def model_at(root: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The nested model class found by following field names ``loc`` from ``root``."""
    current: type[BaseModel] | None = root
    for part in loc:
        if current is None or part not in current.model_fields:
            return None
        current = model_in(current.model_fields[part].annotation)
    return current


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel class inside ``X``, ``X | None`` or ``Optional[X]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = model_in(arg)
            if found is not None:
                return found
    return None
