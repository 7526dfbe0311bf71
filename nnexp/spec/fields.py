"""Pydantic field types for components and per-layer values.

``Annotated[Component, ComponentField("activation")]`` makes pydantic validate a field
with :func:`nnexp.spec.components.parse` and serialise it back to the flat YAML form.
Per-layer values (``activation``, ``optimizer``, ``dropout``: one value, or a list with
one per layer) are validated here too, by plain functions rather than pydantic unions,
so an error names ``model.activation.1`` instead of pydantic's union branches.
The spec's folder reaches the validators through the validation context
(``{"base_dir": Path}``); without one, relative paths are taken from the current folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import GetCoreSchemaHandler, ValidationInfo
from pydantic_core import core_schema

from nnexp.spec.components import Component, parse
from nnexp.spec.problems import Problems, join_key


def base_dir_of(info: ValidationInfo | None) -> Path | None:
    """The spec's folder from the validation context, if one was given."""
    context = getattr(info, "context", None) or {}
    base = context.get("base_dir")
    return Path(base) if base is not None else None


def per_layer(value: Any, item: Callable[[Any], Any]) -> Any:
    """``item(value)``, or ``[item(v) for v in value]`` for a list (problems keyed by
    index)."""
    if not isinstance(value, list | tuple):
        return item(value)
    out, problems = [], []
    for i, v in enumerate(value):
        try:
            out.append(item(v))
        except Problems as err:
            problems.extend((join_key(i, sub), msg) for sub, msg in err.items)
    if problems:
        raise Problems(problems)
    return out


class ComponentField:
    """Annotation marker: validate a field as a component of ``kind``.

    Parameters
    ----------
    kind : registry kind (``"activation"``, ``"optimizer"``, …)
    many : also accept a list, one component per layer
    hidden : refuse output-only activations (softmax)
    optional : accept ``null`` as "no component"
    """

    def __init__(
        self,
        kind: str,
        *,
        many: bool = False,
        hidden: bool = False,
        optional: bool = False,
    ):
        self.kind = kind
        self.many = many
        self.hidden = hidden
        self.optional = optional

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> Any:
        # the whole schema is ours: pydantic never looks inside Component
        return core_schema.with_info_plain_validator_function(
            self.validate,
            serialization=core_schema.plain_serializer_function_ser_schema(to_yaml),
        )

    def validate(self, value: Any, info: ValidationInfo) -> Any:
        if self.optional and value is None:
            return None
        base_dir = base_dir_of(info)

        def one(v: Any) -> Component:
            return parse(v, self.kind, base_dir=base_dir, hidden=self.hidden)

        # a list's length is checked against the layers by the model's validator
        return per_layer(value, one) if self.many else one(value)


def to_yaml(value: Any) -> Any:
    """Serialise a component, a list of them, or None."""
    if isinstance(value, Component):
        return value.to_yaml()
    if isinstance(value, list | tuple):
        return [to_yaml(v) for v in value]
    return value


def fraction(value: Any, *, low: float = 0.0, high: float = 1.0) -> float:
    """A number in ``[low, high)`` (a dropout rate), else :class:`Problems`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Problems(
            [("", f"expected a number in [{low:g}, {high:g}), got {value!r}")]
        )
    if not low <= value < high:
        raise Problems([("", f"must be in [{low:g}, {high:g}), got {value!r}")])
    return float(value)
