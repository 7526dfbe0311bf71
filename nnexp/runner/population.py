"""Several runs trained as one population, each into its own run folder.

:func:`train_members` does for a group of runs what :func:`~nnexp.runner.train.train`
does for one (the same steps: ``prepare``, ``open_run``/``reopen_run``,
``make_trainer``, ``finish_run``), except that the member Trainers train together in a
:class:`~nnexp.training.population.PopulationTrainer`.  Each folder ends exactly as the
run's own ``nnexp train`` would leave it (config.yaml, metrics.csv, summary.json,
model.npz, checkpoint, plots, status), with the same numbers.

The data set is loaded once per group when the members' splits are the same: a loader
that does not draw from the run's split generator gives every seed the same split; one
that does (a validation fraction) gives one split per seed, loaded once per seed, and
each member trains on its own (:mod:`nnexp.training.member_data`).  Members that cannot
share one stacked loop (splits of different shapes, resumed from checkpoints of
different epochs, components the engine cannot stack) train in separate populations,
or alone.

A member that fails before training (a bad spec, a missing folder) is that member's
error only; the others train on::

    runs = nnexp.train_population(["configs/quickstart.yaml"] * 4,
                                  overrides=["training.epochs=3"])  # seeds differ?
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnexp.engine import rng as rngmod
from nnexp.runner.train import (
    Hooks,
    finish_run,
    load_data,
    make_trainer,
    open_run,
    prepare,
    record_failure,
    reopen_run,
    resolve_spec,
    resumable_spec,
)
from nnexp.runs import environment
from nnexp.runs.reader import Run
from nnexp.runs.writer import RunWriter
from nnexp.spec.check import check_against_data, one_hot_targets
from nnexp.spec.models import RunSpec
from nnexp.training.callbacks import Callback
from nnexp.training.population import PopulationTrainer
from nnexp.training.trainer import Trainer

__all__ = ["Member", "train_members", "train_population"]

#: a population of P members checkpoints each at most every
#: ``CHECKPOINT_SECONDS × max(1, P / CHECKPOINT_SHARE)`` seconds (2 s up to 5 members,
#: 8 s for 20), so its checkpoints cost what 5 runs' cost; the first epoch's and the
#: last are always written
CHECKPOINT_SHARE = 5


@dataclass
class Member:
    """One run of a population: a new run of ``spec``, or the interrupted run folder
    ``resume`` continued; its own progress ``callbacks`` and ``on_start`` hook (see
    :func:`~nnexp.runner.train.train`)."""

    spec: RunSpec | None = None
    resume: Path | None = None
    callbacks: Sequence[Callback] = ()
    on_start: Callable[[Path, RunSpec, Any, Any], None] | None = None


@dataclass
class _Prepared:
    """A member ready to train: its spec, data and engine objects, writer, Trainer."""

    index: int
    spec: RunSpec
    prepared: tuple[Any, Any, Any, dict]
    writer: RunWriter
    trainer: Trainer = field(repr=False)


def train_population(
    specs: Sequence[str | Path | dict | RunSpec],
    overrides: Sequence[str] = (),
    *,
    runs_dir: str | Path | None = None,
    callbacks: Sequence[Sequence[Callback]] | None = None,
    stop: Any = None,
    progress: Callable[..., None] | None = None,
) -> list[Run]:
    """Train ``specs`` (paths, dicts or RunSpecs; ``overrides`` and ``runs_dir`` apply
    to each) as one population, each into its own run folder; one Run per spec, in
    their order.  ``callbacks``: one list of extra callbacks per spec.  Every member
    trains (or fails) before the first member's error, if any, is raised."""
    resolved = [resolve_spec(s, overrides, runs_dir=runs_dir) for s in specs]
    extra = list(callbacks) if callbacks is not None else [()] * len(resolved)
    if len(extra) != len(resolved):
        raise ValueError(
            f"callbacks: one list per spec ({len(resolved)}), got {len(extra)}"
        )
    members = [
        Member(spec, callbacks=cbs) for spec, cbs in zip(resolved, extra, strict=True)
    ]
    outcomes = train_members(members, stop=stop, progress=progress)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [o for o in outcomes if isinstance(o, Run)]


def train_members(
    members: Sequence[Member],
    *,
    stop: Any = None,
    progress: Callable[..., None] | None = None,
) -> list[Run | Exception]:
    """Train ``members`` in as few populations as their data and states allow; each
    member's Run, or the exception that ended it (its folder records it when it has
    one).  A KeyboardInterrupt marks the unfinished members' folders ``interrupted``
    and is raised."""
    outcomes: list[Run | Exception | None] = [None] * len(members)
    data = SharedData()
    ready: list[_Prepared] = []
    for i, member in enumerate(members):
        try:
            ready.append(_prepare(i, member, stop, data, progress))
        except Exception as err:  # this member only
            outcomes[i] = err
    for group in _compatible(ready):
        with environment.pinned_threads(group[0].spec.training.blas_threads):
            for p, outcome in _train_group(group, stop).items():
                outcomes[p] = outcome
    return [o if o is not None else RuntimeError("not trained") for o in outcomes]


def _prepare(
    index: int, member: Member, stop: Any, data: SharedData, progress: Any
) -> _Prepared:
    """The member's spec, data, engine objects, folder and Trainer (as ``train``)."""
    if (member.spec is None) == (member.resume is None):
        raise ValueError("a member is a spec or a run folder to resume, not both")
    if member.resume is not None:
        spec = resumable_spec(Path(member.resume))
    else:
        assert member.spec is not None
        spec = member.spec
        if spec.training.continue_from is not None:
            raise ValueError(
                "a continuation (training.continue_from) trains alone: use train()"
            )
    with environment.pinned_threads(spec.training.blas_threads):
        prepared = prepare(spec, progress, data=data)
        rows: list[dict[str, Any]] | None
        if member.resume is not None:
            writer, state, rows = reopen_run(Path(member.resume), spec)
        else:
            writer, state, rows = open_run(spec, prepared)
        hooks = Hooks(member.callbacks, stop, member.on_start)
        trainer = make_trainer(spec, prepared, writer, hooks, state, rows)
    return _Prepared(index, spec, prepared, writer, trainer)


def _compatible(ready: list[_Prepared]) -> list[list[_Prepared]]:
    """Members that can share one loop: splits of the same shapes (each member trains
    on its own), the same completed epochs and steps, and the same BLAS threads."""
    groups: dict[tuple, list[_Prepared]] = {}
    for m in ready:
        key = (
            _shapes(m.prepared[0]),
            m.trainer.epoch,
            m.trainer.step,
            m.spec.training.blas_threads,
        )
        groups.setdefault(key, []).append(m)
    return list(groups.values())


def _shapes(splits: Any) -> tuple:
    """The shapes and dtypes of every array of the splits (None for a missing one)."""
    return tuple(
        None
        if split is None
        else tuple(
            None if a is None else (a.shape, str(a.dtype))
            for a in (split.x, split.y, getattr(split, "labels", None))
        )
        for split in (splits.train, splits.val, splits.test)
    )


def _train_group(group: list[_Prepared], stop: Any) -> dict[int, Run | Exception]:
    """One population (or single runs, when the engine cannot stack the members)."""
    population = None
    if len(group) > 1:
        # members with the same activations side by side: one call per activation
        group = sorted(group, key=_activations)
        try:
            population = PopulationTrainer([m.trainer for m in group], stop=stop)
        except ValueError:  # not stackable (the engine says why)
            population = None
            kinds: dict[str, list[_Prepared]] = {}
            for m in group:
                kinds.setdefault(_activations(m), []).append(m)
            if len(kinds) > 1:  # activations it cannot mix: one population each
                return {
                    index: outcome
                    for part in kinds.values()
                    for index, outcome in _train_group(part, stop).items()
                }
    if population is None:
        return {m.index: _alone(m) for m in group}
    for m in group:  # P members share the disk: P checkpoints per interval
        m.writer.checkpoint_scale = max(1.0, len(group) / CHECKPOINT_SHARE)
    try:
        results: list[Any] = population.train()
    except BaseException as err:
        finished = population.results
        for m, result in zip(group, finished, strict=True):
            if result is None:
                record_failure(m.writer, m.trainer, err)
        if not isinstance(err, Exception):
            raise
        out: dict[int, Run | Exception] = {}
        for m, result in zip(group, finished, strict=True):
            out[m.index] = err if result is None else _finished(m, result)
        return out
    return {m.index: _finished(m, r) for m, r in zip(group, results, strict=True)}


def _activations(m: _Prepared) -> str:
    model = m.spec.model
    return json.dumps([model.activation, model.output_activation], default=str)


def _alone(m: _Prepared) -> Run | Exception:
    try:
        result = m.trainer.run()
    except BaseException as err:
        record_failure(m.writer, m.trainer, err)
        if not isinstance(err, Exception):
            raise
        return err
    return _finished(m, result)


def _finished(m: _Prepared, result: Any) -> Run | Exception:
    try:
        return finish_run(m.spec, m.prepared, m.writer, result)
    except Exception as err:  # this member's files only
        return err


class SharedData:
    """``load_data`` with a memory: members whose splits are the same get the same
    loaded :class:`~nnexp.data.Splits` (and each its split generator in the state its
    own load would leave it)."""

    def __init__(self) -> None:
        self.loaded: dict[str, tuple[Any, Any, Any]] = {}
        self.seeded: set[str] = set()  # data sets whose loader drew from the generator

    def __call__(
        self, spec: RunSpec, progress: Any = None, *, rngs: dict[str, Any]
    ) -> tuple[Any, Any]:
        key = json.dumps(
            [spec.dataset.to_yaml(), spec.training.dtype, one_hot_targets(spec)],
            sort_keys=True,
            default=str,
        )
        seeded = f"{key}|{spec.seed}"
        found = self.loaded.get(seeded if key in self.seeded else key)
        if found is not None:
            splits, info, after = found
            check_against_data(spec, info)
            rngs["split"].bit_generator.state = after
            return splits, info
        before = rngmod.get_states({"split": rngs["split"]})["split"]
        splits, info = load_data(spec, progress, rngs=rngs)
        after = rngs["split"].bit_generator.state
        if after != before:  # the split depends on the seed
            self.seeded.add(key)
            key = seeded
        self.loaded[key] = (splits, info, after)
        return splits, info
