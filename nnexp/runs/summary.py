"""The typed form of ``summary.json``: what a run folder says about its run.

The writer assembles the summary as plain data and writes it as JSON (its keys are a
file format: old folders must go on reading); :class:`Summary` is the same data typed,
for readers (``Run.record``). Keys this version does not know (a newer or older
nnexp's) are kept in ``model_extra``, never refused, so a reader of an old folder does
not fail; a training run's summary written by this version has none (a test checks it;
a landscape run's summary has keys of its own).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


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
    sweep: dict[str, Any] | None = None


def parse_summary(data: dict[str, Any]) -> Summary:
    """The typed summary of a ``summary.json``'s data (any nnexp version's)."""
    return Summary.model_validate(data)
