"""The typed form of ``summary.json``: what a run folder says about its run.

:class:`Summary` is both what the writer assembles (``nnexp.runs.record``) and what
readers get (``Run.record``). Its keys are a file format, so old folders must go on
reading and a summary is written back as it was read:

- keys this version does not know (a newer or older nnexp's) are kept, never refused
  (a training run's summary written by this version has none: a test checks it; a
  landscape run's summary has keys of its own);
- a key missing from the file stays missing (``model_dump(exclude_unset=True)``): an
  old folder rewritten (a resume, a sweep noting its cell) gains no keys it never had;
- keys keep the order they came in, as in a dict: the file's order when read, the
  order of the keyword arguments when built, and a key added by :meth:`updated` last.

Records are frozen: :meth:`~_Record.updated` returns a changed copy.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Self

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidatorFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from nnexp.runs.checkpoint import atomic_write_json


class _Record(BaseModel):
    """A frozen record that keeps unknown keys and the order of its keys."""

    model_config = ConfigDict(extra="allow", frozen=True)
    _keys: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_order(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        record = handler(data)
        if isinstance(data, dict):
            record._keys = tuple(data)
        return record

    @model_serializer(mode="wrap")
    def _in_order(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        keys = [k for k in self._keys if k in data]
        keys += [k for k in data if k not in self._keys]
        return {k: data[k] for k in keys}

    def updated(self, **fields: Any) -> Self:
        """A copy with ``fields`` set (validated; a new key goes last, as in a dict)."""
        values = type(self).model_validate(fields)
        copy = self.model_copy(update={k: getattr(values, k) for k in fields})
        copy._keys = (*self._keys, *(k for k in fields if k not in self._keys))
        return copy


class DatasetRecord(_Record):
    name: str
    task: str | None = None
    sizes: dict[str, int] = {}
    source: str | None = None
    notes: list[str] = []
    n_features: int | None = None
    n_outputs: int | None = None


class ModelRecord(_Record):
    sizes: list[int]
    parameters: int


class BlasRecord(_Record):
    library: str | None = None
    version: str | None = None
    architecture: str | None = None
    threading_layer: str | None = None


class Environment(_Record):
    """What besides the spec decides the numbers (see nnexp.runs.environment)."""

    nnexp: str | None = None
    numpy: str | None = None
    python: str | None = None
    machine: str | None = None
    cpu: str | None = None
    blas: BlasRecord = BlasRecord()
    blas_threads: int | None = None
    openblas_coretype: str | None = None
    openblas_l2_size: str | None = None
    plugins: dict[str, str] = {}


class ContinuedFrom(_Record):
    run: str
    epoch: int


class SweepCell(_Record):
    """A sweep cell's run: its sweep folder's name, the cell, its values (as labels)
    and every override it was trained with."""

    sweep: str
    cell: str
    values: dict[str, Any] = {}
    overrides: list[str] = []


#: metric name → value (a per-layer metric such as dead_fraction is a list)
Metrics = dict[str, Any]


class Summary(_Record):
    """``summary.json``: identity, data, model, environment, then how the run ended."""

    name: str | None = None
    seed: int | None = None
    tags: list[str] = []
    overrides: list[str] = []
    dataset: DatasetRecord | None = None
    model: ModelRecord | None = None
    epochs_planned: int | None = None
    environment: Environment | None = None
    continued_from: ContinuedFrom | None = None
    resumed_from_epoch: int | None = None
    environment_on_resume: Environment | None = None
    status: str = "unknown"
    pid: int | None = None
    host: str | None = None
    started: str | None = None
    versions: dict[str, str] = {}
    command: str = ""
    plots: list[str] = []
    plot_error: str | None = None
    message: str = ""
    error: str | None = None
    epochs: int | None = None
    best_epoch: int | None = None
    stopped_early: bool = False
    final: Metrics = {}
    best: Metrics = {}
    test: Metrics = {}
    train_seconds: float | None = None
    samples_per_second: float | None = None
    finished: str | None = None
    wall_seconds: float | None = None
    wall_seconds_before: float | None = None
    sweep: SweepCell | None = None
    #: what the run's diagnostics mean (nnexp.training.findings): a list of
    #: {rule, layer, epoch, message, evidence}; missing in folders before issue 15
    findings: list[dict[str, Any]] | None = None


def parse_summary(data: dict[str, Any]) -> Summary:
    """The typed summary of a ``summary.json``'s data (any nnexp version's)."""
    return Summary.model_validate(data)


def summary_data(record: Summary) -> dict[str, Any]:
    """What ``summary.json`` holds for ``record``: the keys it was given, in their
    order, NaN and ±inf as null (JSON has no such numbers)."""
    return clean(record.model_dump(exclude_unset=True))


def write_summary(path: Path, record: Summary) -> None:
    """Replace ``summary.json`` at ``path`` with ``record``, atomically."""
    atomic_write_json(path, summary_data(record))


def clean(value: Any) -> Any:
    """JSON-friendly floats (NaN and ±inf become None)."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value
