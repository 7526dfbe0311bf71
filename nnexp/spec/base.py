"""The base model of every spec (run, sweep, landscape) and its error reporting.

A spec section is a :class:`SpecModel`: ``extra="forbid"`` (an unknown key is an error
with close matches) and ``frozen=True``.  :meth:`SpecModel.from_mapping` validates a
whole spec and raises one :class:`~nnexp.errors.SpecError` with every problem keyed by
its dotted path (``methods.1.lr``, ``model.activation.alpah``) and the file it came
from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from nnexp.errors import SpecError
from nnexp.spec.problems import dedupe, problems_from_error

M = TypeVar("M", bound="SpecModel")


class SpecModel(BaseModel):
    """A frozen spec section that refuses unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: what the whole spec is called in messages (``a sweep spec must be a mapping``)
    noun: ClassVar[str] = "a spec"

    @classmethod
    def from_mapping(
        cls: type[M],
        data: Any,
        *,
        source: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> M:
        """A raw mapping → a validated spec.

        Raises
        ------
        SpecError
            every problem as ``(dotted key, message)``, naming ``source`` (the file)
        """
        if not isinstance(data, Mapping):
            kind = type(data).__name__
            raise SpecError([("", f"{cls.noun} must be a mapping, got {kind}")], source)
        try:
            return cls.model_validate(dict(data), context=context)
        except ValidationError as err:
            problems = problems_from_error(err, cls)
            problems += cls.problems_of_parts(data, context or {})
            raise SpecError(dedupe(problems), source=source) from None

    @classmethod
    def problems_of_parts(
        cls, data: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[tuple[str, str]]:
        """Cross-field problems among the parts of an invalid ``data`` that are valid
        on their own (pydantic runs a model's own checks only when all its fields are
        valid); none by default."""
        return []
