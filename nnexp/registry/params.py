"""A component's parameters: read from its constructor's signature, described in one
way for messages (``alpha (float, default 0.01)``) and one way for tables
(``alpha: float = 0.01``), both from :func:`type_text`."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

_EMPTY = inspect.Parameter.empty
_PLAIN = {float: "a number", int: "an integer", str: "a string", bool: "true or false"}

#: ``spec``: messages (``'scale' | 'none'``, ``null``); ``plain``: prose for value
#: errors (``a number or 'auto'``); ``table``: ``nnexp list`` (``epoch|step``, ``None``)
Style = Literal["spec", "plain", "table"]


def article(noun: str) -> str:
    """``an activation``, ``a loss``."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def summary(obj: Any) -> str:
    """The first paragraph of a docstring on one line (a sentence that wraps onto a
    second line is kept whole), or ``""``."""
    doc = (inspect.getdoc(obj) or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def type_text(tp: Any, style: Style = "spec") -> str:
    """The one type text: ``float | Literal['auto']`` → ``float | 'auto'`` (spec),
    ``a number or 'auto'`` (plain), ``float | auto`` (table)."""
    origin = typing.get_origin(tp)
    if tp is type(None):
        return "None" if style == "table" else "null"
    if tp is Any:
        return "any"
    if is_union(tp):
        sep = " or " if style == "plain" else " | "
        return sep.join(type_text(a, style) for a in typing.get_args(tp))
    if origin is typing.Literal:
        if style == "table":
            return "|".join(str(a) for a in typing.get_args(tp))
        sep = " or " if style == "plain" else " | "
        return sep.join(repr(a) for a in typing.get_args(tp))
    if style == "plain" and tp in _PLAIN:
        return _PLAIN[tp]
    if tp is np.ndarray or origin is np.ndarray:
        return "array"  # NDArray[np.floating] spelled out is numpy's internals
    if origin is not None:
        args = [type_text(a, style) for a in typing.get_args(tp) if a is not Ellipsis]
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(args)}]"
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


@dataclass(frozen=True)
class Param:
    """One constructor keyword of a component."""

    name: str
    type: Any
    default: Any = _EMPTY

    @property
    def required(self) -> bool:
        return self.default is _EMPTY

    @property
    def has_default(self) -> bool:
        """A default value to show and fill in (not a dataclass default factory)."""
        return not self.required and self.default is not getattr(
            dataclasses, "_HAS_DEFAULT_FACTORY", None
        )

    def type_text(self, style: Style = "spec") -> str:
        return type_text(self.type, style)

    def describe(self) -> str:
        """``alpha (float, default 0.01)`` or ``lam (float, required)``."""
        if self.required:
            return f"{self.name} ({self.type_text()}, required)"
        default = f", default {self.default!r}" if self.has_default else ""
        return f"{self.name} ({self.type_text()}{default})"

    def signature(self) -> str:
        """``k: float = 1.0`` or ``lam: float (required)`` (the table's form)."""
        if self.required:
            return f"{self.name}: {self.type_text('table')} (required)"
        default = f" = {self.default!r}" if self.has_default else ""
        return f"{self.name}: {self.type_text('table')}{default}"


def signature_params(factory: Callable[..., Any]) -> tuple[Param, ...]:
    """Keyword parameters of a class or function, with resolved type hints."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return ()
    target = factory.__init__ if inspect.isclass(factory) else factory
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # a plugin with unresolvable annotations still works untyped
        hints = {}
    out = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name == "self":
            continue
        out.append(Param(p.name, hints.get(p.name, Any), p.default))
    return tuple(out)
