"""The field types of every spec (run, sweep, landscape).

``Annotated[Component, ComponentField("activation")]`` makes pydantic validate a field
with :func:`nnexp.spec.components.parse` and serialise it back to the flat YAML form;
``Annotated[T, Parsed(parser)]`` does the same with any parser raising
:class:`~nnexp.spec.problems.Problems` (a landscape's methods).  Numbers: :data:`Count`
(≥ 1), :data:`NonNegativeInt`, :data:`Finite`, :data:`Tolerance` (finite, > 0); names:
:data:`FolderName` (the name of a run, sweep or landscape folder).
Per-layer values (``activation``, ``optimizer``, ``dropout``: one value, or a list with
one per layer) are validated here too, by plain functions rather than pydantic unions,
so an error names ``model.activation.1`` instead of pydantic's union branches.
The spec's folder reaches the validators through the validation context
(``{"base_dir": Path}``); without one, relative paths are taken from the current folder.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    ValidationInfo,
)
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
    out: list[Any] = []
    problems: list[tuple[str, str]] = []
    for i, v in enumerate(value):
        try:
            out.append(item(v))
        except Problems as err:
            problems.extend((join_key(i, sub), msg) for sub, msg in err.items)
    if problems:
        raise Problems(problems)
    return out


class Parsed:
    """Annotation marker: validate a field with ``parser(value)`` (raising
    :class:`Problems`, keyed below the field) and serialise it with ``to_yaml``."""

    def __init__(self, parser: Callable[[Any], Any] | None = None):
        self.parser = parser

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> Any:
        # the whole schema is ours: pydantic never looks inside the value
        return core_schema.with_info_plain_validator_function(
            self.validate,
            serialization=core_schema.plain_serializer_function_ser_schema(to_yaml),
        )

    def validate(self, value: Any, info: ValidationInfo) -> Any:
        assert self.parser is not None
        return self.parser(value)


class ComponentField(Parsed):
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
        super().__init__()
        self.kind = kind
        self.many = many
        self.hidden = hidden
        self.optional = optional

    def validate(self, value: Any, info: ValidationInfo) -> Any:
        if self.optional and value is None:
            return None
        base_dir = base_dir_of(info)

        def one(v: Any) -> Component:
            return parse(v, self.kind, base_dir=base_dir, hidden=self.hidden)

        # a list's length is checked against the layers by the model's validator
        return per_layer(value, one) if self.many else one(value)


def to_yaml(value: Any) -> Any:
    """Serialise a component (or any value with ``to_yaml``), a list of them, or
    None."""
    if hasattr(value, "to_yaml"):
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


# numbers and names ---------------------------------------------------------------------


def _no_bool(value: Any) -> Any:
    # pydantic's lax mode reads `epochs: true` as 1; that is a typo, not a count
    if isinstance(value, bool):
        raise ValueError(
            f"Input should be a valid integer, not a boolean (got {value!r})"
        )
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, not a boolean (got {value!r})")
    if isinstance(value, int | float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return value


def _folder_name(value: str) -> str:
    # a run's, sweep's or landscape's name becomes part of its folder's name
    if not value.strip() or value in (".", "..") or any(c in value for c in "/\\\0"):
        msg = "must be a non-empty name usable in a folder name (no / or \\)"
        raise ValueError(f"{msg}, got {value!r}")
    return value


#: a whole number ≥ 1 (epochs, a batch size, a number of draws)
Count = Annotated[int, BeforeValidator(_no_bool), Field(ge=1)]
#: a whole number ≥ 0 (a seed, a patience)
NonNegativeInt = Annotated[int, BeforeValidator(_no_bool), Field(ge=0)]
#: a finite number (no boolean, no inf or nan)
Finite = Annotated[float, BeforeValidator(_finite)]
#: a finite number > 0 (a stopping tolerance)
Tolerance = Annotated[float, BeforeValidator(_finite), Field(gt=0)]
#: a name usable as (part of) a folder name
FolderName = Annotated[str, AfterValidator(_folder_name)]
