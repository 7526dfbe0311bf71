"""Run a sweep: plan and validate it, run its cells on an executor, record results.

:func:`plan_sweep` (or :func:`open_sweep` for ``--resume``) expands and validates
every cell before anything runs; :func:`run_sweep` runs the cells that are not done,
isolates failures (``fail_fast`` stops at the first), writes ``results.csv`` as cells
end and the summary plots at the end.  Progress goes to ``on_event`` as plain dicts
(``kind``: ``plan``, ``start``, ``train``, ``epoch``, ``end``, ``stopping``), so the
library never prints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nnexp.errors import NnexpError, SpecError
from nnexp.runs.layout import new_run_dir
from nnexp.runs.reader import FINAL
from nnexp.spec.check import data_problems
from nnexp.spec.dump import dump_spec, spec_to_dict
from nnexp.spec.models import RunSpec
from nnexp.sweep import folder as sf
from nnexp.sweep import worker as cellworker
from nnexp.sweep.expand import Base, Cell, Expansion, describe_cells, expand, load_base, validate_cells
from nnexp.sweep.spec import SweepSource, validate_sweep
from nnexp.sweep.worker import CellJob, CellOutcome

Event = dict[str, Any]
#: what a resumed sweep does with a cell, by the state of its folder
ACTIONS = {"missing": "start", "half-written": "restart", "stale": "restart",
           "resumable": "resume", "completed": "done", "diverged": "done", "failed": "failed"}
RUN_ACTIONS = ("start", "restart", "resume", "rerun")


@dataclass
class Sweep:
    """A validated sweep: its cells, their run specs, and where it runs."""

    name: str
    source: SweepSource
    base: Base
    expansion: Expansion
    specs: dict[str, RunSpec]
    runs_dir: Path
    folder: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[Cell]:
        return self.expansion.cells


@dataclass
class SweepResult:
    """How a sweep ended; ``frame`` is results.csv."""

    folder: Path
    frame: pd.DataFrame
    stopped: str | None = None  # "interrupted", "fail-fast" or "aborted"
    plots: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return self.frame["status"].value_counts().to_dict() if len(self.frame) else {}

    @property
    def status(self) -> str:
        """``interrupted``, ``failed`` (a cell failed, or fail-fast stopped the
        sweep) or ``completed`` (every cell completed or diverged)."""
        if self.stopped in ("interrupted", "aborted"):
            return "interrupted"
        if self.counts.get("failed") or self.stopped == "fail-fast":
            return "failed"
        done = sum(self.counts.get(s, 0) for s in FINAL)
        return "completed" if done == len(self.frame) else "interrupted"

    @property
    def exit_code(self) -> int:
        return {"completed": 0, "failed": 1}.get(self.status, 130)


# planning ------------------------------------------------------------------------------


def plan_sweep(source: SweepSource, *, runs_dir: str | Path | None = None, name: str | None = None,
               check_data: bool = True, data_required: bool = True,
               progress: Callable[..., None] | None = None) -> Sweep:
    """Expand ``source`` and validate every cell (specs, then sizes against the data
    sets when ``check_data``); raises SpecError naming the bad cells."""
    base = load_base(source)
    expansion = expand(source.spec)
    label = source.label or (str(base.file) if base.file else None)
    specs = validate_cells(base, expansion.cells, source=label)
    notes = list(expansion.notes)
    if check_data:
        notes += check_cells_data(expansion.cells, specs, required=data_required,
                                  progress=progress, source=label)
    where = Path(runs_dir if runs_dir is not None else specs[0].output.runs_dir).expanduser()
    title = name or source.spec.name or str(base.data.get("name") or "sweep")
    return Sweep(title, source, base, expansion, {c.name: s for c, s in zip(expansion.cells, specs, strict=True)},
                 where.resolve(), notes=notes)


def check_cells_data(cells: Sequence[Cell], specs: Sequence[RunSpec], *, required: bool,
                     progress: Callable[..., None] | None = None, source: str | None = None) -> list[str]:
    """Layer sizes and losses against each data set (loaded once per distinct data
    set).  A data set that cannot be loaded here is an error when ``required``, else
    a note (dask workers may have it)."""
    from nnexp.data import load_dataset
    from nnexp.engine.rng import streams

    groups: dict[str, list[int]] = {}
    for i, spec in enumerate(specs):
        key = json.dumps(spec.dataset.to_yaml(), sort_keys=True, default=str)
        groups.setdefault(key, []).append(i)
    failures: dict[tuple[str, str], list[Cell]] = {}
    notes = []
    for members in groups.values():
        first = specs[members[0]]
        try:
            _, info = load_dataset(first.dataset.to_yaml(), seed_rng=streams(first.seed)["split"],
                                   dtype=first.training.dtype, progress=progress)
        except NnexpError as err:
            if required:
                raise
            notes.append(f"sizes not checked against the data here ({err}); workers must load it")
            continue
        for i in members:
            for problem in data_problems(specs[i], info):
                failures.setdefault(problem, []).append(cells[i])
    if failures:
        raise SpecError([(f"{k} ({describe_cells(c, cells)})", m) for (k, m), c in failures.items()],
                        source=source)
    return notes


def create_folder(sweep: Sweep, *, command: str = "") -> Path:
    """Make the sweep folder and write ``sweep.yaml`` (and an all-``not run``
    results.csv)."""
    folder = new_run_dir(sweep.runs_dir / "sweeps", sweep.name)
    sweep.folder = folder
    sf.write_sweep_file(folder, {
        "name": sweep.name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": command,
        "runs_dir": str(sweep.runs_dir),
        "spec": sweep.source.spec.dump(),
        "spec_file": sweep.source.label,
        "spec_folder": str(sweep.source.folder),
        "base_file": str(sweep.base.file) if sweep.base.file else None,
        "base_folder": str(sweep.base.folder),
        "base": sweep.base.data,
        "overrides": list(sweep.base.overrides),
        "keys": sweep.expansion.keys,
        "axes": sweep.expansion.axes,
        "trials": sweep.expansion.n_trials,
        "notes": sweep.notes,
        "cells": [c.to_dict() for c in sweep.cells],
    })
    sf.write_results(folder, _frame(sweep, {}))
    return folder


def open_sweep(folder: str | Path, *, check_data: bool = True, data_required: bool = True,
               progress: Callable[..., None] | None = None) -> Sweep:
    """A sweep folder to resume, from its ``sweep.yaml`` (the cells as first
    expanded, the base spec as it was then)."""
    folder = Path(folder).expanduser().resolve()
    data = sf.read_sweep_file(folder)
    spec = validate_sweep(data["spec"], source=str(folder / sf.SWEEP_FILE))
    source = SweepSource(spec, Path(data["spec_folder"]), Path(data["spec_file"]) if data.get("spec_file") else None)
    base = Base(data["base"], Path(data["base_folder"]), tuple(data.get("overrides") or ()),
                Path(data["base_file"]) if data.get("base_file") else None)
    cells = [Cell.from_dict(c) for c in data["cells"]]
    expansion = Expansion(cells, list(data["keys"]), [list(a) for a in data["axes"]], int(data["trials"]))
    specs = validate_cells(base, cells, source=str(folder / sf.SWEEP_FILE))
    notes = []
    if check_data:
        notes = check_cells_data(cells, specs, required=data_required, progress=progress)
    return Sweep(str(data["name"]), source, base, expansion, {c.name: s for c, s in zip(cells, specs, strict=True)},
                 Path(data["runs_dir"]), folder, notes)


def plan_actions(sweep: Sweep, *, retry_failed: bool = False) -> dict[str, str]:
    """Each cell's action: ``start``, ``restart`` (a half-written or stale folder is
    set aside), ``resume`` (from its checkpoint), ``rerun`` (failed, retried),
    ``done`` or ``failed`` (kept)."""
    out = {}
    for cell in sweep.cells:
        state = sf.cell_state(sweep.folder / cell.name) if sweep.folder else "missing"
        action = ACTIONS[state]
        out[cell.name] = "rerun" if action == "failed" and retry_failed else action
    return out


# running -------------------------------------------------------------------------------


def run_sweep(sweep: Sweep, executor: Any, *, fail_fast: bool = False, retry_failed: bool = False,
              stop: Any = None, on_event: Callable[[Event], None] | None = None,
              plots: bool = True) -> SweepResult:
    """Run every cell that is not done (see :func:`plan_actions`) and record results.

    ``stop`` (``threading.Event``): running cells end after their batch, queued ones
    do not start; a KeyboardInterrupt aborts at once.  Either way ``--resume``
    continues later.
    """
    emit = on_event or (lambda event: None)
    if sweep.folder is None:
        create_folder(sweep)
    folder = sweep.folder
    with sf.locked(folder):
        notes = sf.recover_staging(folder, [c.name for c in sweep.cells])
        actions = plan_actions(sweep, retry_failed=retry_failed)
        rows = {c.name: _row(sweep, c) for c in sweep.cells}
        jobs = [_prepare(sweep, c, actions[c.name]) for c in sweep.cells if actions[c.name] in RUN_ACTIONS]
        if jobs:
            executor.start(folder)  # before "plan": a display starts its threads then
        try:
            emit({"kind": "plan", "folder": str(folder), "total": len(sweep.cells), "todo": len(jobs),
                  "actions": actions, "executor": getattr(executor, "description", ""), "notes": notes})
            stopped = _execute(sweep, executor, jobs, rows, fail_fast=fail_fast, stop=stop, emit=emit)
        finally:
            if jobs:
                executor.close()
        _tidy(folder)
        frame = _frame(sweep, rows)
        sf.write_results(folder, frame)
    result = SweepResult(folder, frame, stopped, notes=notes)
    if plots and stopped is None:
        from nnexp.sweep.plots import render_sweep_plots

        result.plots, errors = render_sweep_plots(folder, sweep.expansion, frame)
        result.notes += errors
    return result


def _prepare(sweep: Sweep, cell: Cell, action: str) -> CellJob:
    path = sweep.folder / cell.name
    if action in ("restart", "rerun") and path.exists():
        cellworker.set_aside(path, sweep.folder / sf.PREVIOUS)
    if action == "resume":
        sf.mark_interrupted(path)
    spec = sweep.specs[cell.name]
    kept = spec.model_copy(update={"output": spec.output.model_copy(update={"runs_dir": str(sweep.runs_dir)})})
    record = {"sweep": sweep.folder.name, "cell": cell.name, "values": dict(cell.labels),
              "overrides": [*sweep.base.overrides, *cell.overrides]}
    return CellJob(cell.name, spec_to_dict(spec), dump_spec(kept), record, resume=action == "resume")


def _execute(sweep: Sweep, executor: Any, jobs: Sequence[CellJob], rows: dict[str, dict],
             *, fail_fast: bool, stop: Any, emit: Callable[[Event], None]) -> str | None:
    """The loop: submit, poll, record; returns why it stopped early, if it did."""
    if not jobs:
        return None
    by_name = {job.name: job for job in jobs}
    stopped, written = None, time.monotonic()
    try:
        for job in jobs:
            executor.submit(job)
        while executor.pending():
            messages, outcomes = executor.poll(0.2)
            for message in messages:
                emit(message)
            for outcome in outcomes:
                _settle(sweep, by_name[outcome.name], outcome)
                rows[outcome.name] = _row(sweep, _cell(sweep, outcome.name))
                emit(_end_event(outcome, rows[outcome.name]))
                if outcome.status == "failed" and fail_fast and stopped is None:
                    stopped = "fail-fast"
                    emit({"kind": "stopping", "reason": stopped, "cell": outcome.name})
                    executor.stop()
            if stop is not None and stop.is_set() and stopped is None:
                stopped = "interrupted"
                emit({"kind": "stopping", "reason": stopped})
                executor.stop()
            if outcomes and time.monotonic() - written > 2.0:
                sf.write_results(sweep.folder, _frame(sweep, rows))
                written = time.monotonic()
    except KeyboardInterrupt:
        stopped = "aborted"
        emit({"kind": "stopping", "reason": stopped})
        executor.abort()
    return stopped


def _tidy(folder: Path) -> None:
    """Remove the staging folder when nothing is left in it."""
    try:
        (folder / sf.STAGING).rmdir()
    except OSError:
        pass


def _settle(sweep: Sweep, job: CellJob, outcome: CellOutcome) -> None:
    """A failure the cell's own guard could not record (a dead worker, a dask error)
    still leaves a failed run folder in place."""
    if outcome.status != "failed":
        return
    path, previous = sweep.folder / job.name, sweep.folder / sf.PREVIOUS
    staged = sweep.folder / sf.STAGING / job.name
    runs = sorted(p for p in staged.glob("*") if p.is_dir()) if staged.is_dir() else []
    if runs:
        cellworker.place(runs[-1], path, previous)
    elif sf.cell_state(path) in ("missing", "half-written"):
        if path.exists():
            cellworker.set_aside(path, previous)
        cellworker.failed_folder(path, job)
    if sf.read_cell_summary(path) is None or sf.read_cell_summary(path).get("status") != "failed":
        cellworker.record_cell(path, job, "failed", outcome.error)
    if staged.is_dir():
        import shutil

        shutil.rmtree(staged, ignore_errors=True)


def _cell(sweep: Sweep, name: str) -> Cell:
    return next(c for c in sweep.cells if c.name == name)


def _row(sweep: Sweep, cell: Cell) -> dict[str, Any]:
    path = sweep.folder / cell.name
    state = sf.cell_state(path)
    summary = sf.read_cell_summary(path) if state != "missing" else None
    return sf.cell_row(cell, sweep.expansion.keys, summary, state)


def _frame(sweep: Sweep, rows: Mapping[str, dict]) -> pd.DataFrame:
    return sf.results_frame([rows.get(c.name) or sf.cell_row(c, sweep.expansion.keys, None, "missing")
                             for c in sweep.cells])


def _end_event(outcome: CellOutcome, row: Mapping[str, Any]) -> Event:
    metrics = {k: v for k, v in row.items() if k.startswith(("final_", "test_")) and v is not None}
    return {"kind": "end", "cell": outcome.name, "status": outcome.status, "error": outcome.error,
            "message": row.get("message") or "", "seconds": outcome.seconds, "host": outcome.host,
            "metrics": metrics}
