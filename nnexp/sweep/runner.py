"""Run a sweep: its cells on an executor, failures isolated, results recorded.

After :func:`~nnexp.sweep.plan.plan_sweep` (or ``open_sweep`` for ``--resume``) has
validated every cell, :func:`run_sweep` runs the cells that are not done (compatible
cells as one population per task, :mod:`nnexp.sweep.populations`, unless
``population=False``),
isolates failures (``fail_fast`` stops at the first), writes ``results.csv`` as cells
end and the summary plots at the end.  Progress goes to ``on_event`` as plain dicts
(``kind``: ``planned`` (from :func:`run`, once every cell is validated, before any
worker starts), ``plan``, ``start``, ``train``, ``epoch``, ``end``, ``stopping``), so
the library never prints.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nnexp.errors import NnexpError
from nnexp.runs.reader import FINAL
from nnexp.spec.dump import dump_spec, spec_to_dict
from nnexp.sweep import folder as sf
from nnexp.sweep import worker as cellworker
from nnexp.sweep.expand import Cell
from nnexp.sweep.folder import combination_summary
from nnexp.sweep.plan import (
    RUN_ACTIONS,
    Sweep,
    cell_row_of,
    create_folder,
    plan_actions,
    results_of,
)
from nnexp.sweep.source import SweepSource
from nnexp.sweep.worker import CellJob, CellOutcome

Event = dict[str, Any]


@dataclass
class SweepResult:
    """How a sweep ended; ``frame`` is results.csv, ``keys`` the varied spec keys."""

    folder: Path
    frame: pd.DataFrame
    stopped: str | None = None  # "interrupted", "fail-fast" or "aborted"
    plots: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def combinations(self) -> pd.DataFrame:
        """Mean ± std of the summary metric per combination of the varied keys (the
        seed pooled), best first; ``attrs["metric"]`` names the metric (see
        :func:`~nnexp.sweep.folder.combination_summary`)."""
        return combination_summary(self.frame, [k for k in self.keys if k != "seed"])

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


# running ------------------------------------------------------------------------------


def run_sweep(
    sweep: Sweep,
    executor: Any,
    *,
    fail_fast: bool = False,
    retry_failed: bool = False,
    stop: Any = None,
    on_event: Callable[[Event], None] | None = None,
    plots: bool = True,
    command: str = "",
    population: bool = True,
) -> SweepResult:
    """Run every cell that is not done (see :func:`plan_actions`) and record results;
    with ``population`` (and the sweep spec's ``population`` key, true by default)
    compatible cells train together as one population per task.

    A new sweep's folder is made once the executor is up (workers started, the
    cluster reached), so an executor that cannot start leaves nothing behind.
    ``stop`` (``threading.Event``): running cells end after their batch, queued ones
    do not start; a KeyboardInterrupt aborts at once.  Either way ``--resume``
    continues later.
    """
    emit = on_event or (lambda event: None)
    executor.start()  # before "plan": a display starts its threads then
    if plots:
        _preload_figures()
    try:
        if sweep.folder is None:
            create_folder(sweep, command=command)
        executor.attach(sweep.folder)
        with sf.locked(sweep.folder):
            stopped, frame, notes = _run_locked(
                sweep, executor, fail_fast, retry_failed, stop, emit, population
            )
    finally:
        executor.close()
    keys = list(sweep.expansion.keys)
    result = SweepResult(sweep.folder, frame, stopped, notes=notes, keys=keys)
    if plots and stopped is None:
        from nnexp.sweep.plots import render_sweep_plots

        result.plots, errors = render_sweep_plots(sweep.folder, sweep.expansion, frame)
        result.notes += errors
    return result


def _preload_figures() -> None:
    """Import the summary figures' modules (matplotlib and the plot kinds: about
    1.5 s) in a background thread while the workers train, so that the figures at
    the end of a sweep of small runs do not wait for them."""

    def load() -> None:
        try:
            import nnexp.plots.curves  # noqa: F401
            import nnexp.sweep.plots  # noqa: F401
        except Exception:  # the figures report their own errors at the end
            pass

    threading.Thread(target=load, name="nnexp-preload-figures", daemon=True).start()


def _run_locked(
    sweep: Sweep,
    executor: Any,
    fail_fast: bool,
    retry_failed: bool,
    stop: Any,
    emit: Callable[[Event], None],
    population: bool = True,
) -> tuple[str | None, pd.DataFrame, list[str]]:
    """Recover what a killed run left, run what is not done, write results.csv."""
    folder = sweep.folder
    notes = sf.recover_staging(folder, [c.name for c in sweep.cells])
    actions = plan_actions(sweep, retry_failed=retry_failed)
    rows = {c.name: cell_row_of(sweep, c) for c in sweep.cells}
    todo = [c for c in sweep.cells if actions[c.name] in RUN_ACTIONS]
    jobs = [_prepare(sweep, c, actions[c.name]) for c in todo]
    groups = task_groups(
        sweep, [c.name for c in todo], population, getattr(executor, "jobs", 1)
    )
    emit(
        {
            "kind": "plan",
            "folder": str(folder),
            "total": len(sweep.cells),
            "todo": len(jobs),
            "actions": actions,
            "populations": [g for g in groups if len(g) > 1],
            "executor": getattr(executor, "description", ""),
            "notes": [*notes, *getattr(executor, "notes", [])],
        }
    )
    by_name = {job.name: job for job in jobs}
    tasks = [by_name[g[0]] if len(g) == 1 else [by_name[n] for n in g] for g in groups]
    stopped = _execute(
        sweep, executor, tasks, rows, fail_fast=fail_fast, stop=stop, emit=emit
    )
    _tidy(folder)
    frame = results_of(sweep, rows)
    sf.write_results(folder, frame)
    return stopped, frame, notes


def task_groups(
    sweep: Sweep, names: Sequence[str], population: bool, workers: int
) -> list[list[str]]:
    """The cells ``names`` as the executor's tasks: populations (when ``population``
    and the sweep spec allow it), else one cell each."""
    if not population:
        return [[name] for name in names]
    return sweep.groups(names, workers=workers)


def _prepare(sweep: Sweep, cell: Cell, action: str) -> CellJob:
    path = sweep.folder / cell.name
    if action in ("restart", "rerun") and path.exists():
        sf.set_aside(path, sweep.folder / sf.PREVIOUS)
    if action == "resume":
        sf.mark_interrupted(path)
    spec = sweep.specs[cell.name]
    kept = spec.model_copy(
        update={
            "output": spec.output.model_copy(update={"runs_dir": str(sweep.runs_dir)})
        }
    )
    record = {
        "sweep": sweep.folder.name,
        "cell": cell.name,
        "values": dict(cell.labels),
        "overrides": [*sweep.base.overrides, *cell.overrides],
    }
    return CellJob(
        cell.name,
        spec_to_dict(spec),
        dump_spec(kept),
        record,
        resume=action == "resume",
    )


def _execute(
    sweep: Sweep,
    executor: Any,
    tasks: Sequence[CellJob | list[CellJob]],
    rows: dict[str, dict],
    *,
    fail_fast: bool,
    stop: Any,
    emit: Callable[[Event], None],
) -> str | None:
    """The loop: submit, poll, record; returns why it stopped early, if it did."""
    if not tasks:
        return None
    by_name = {
        job.name: job
        for task in tasks
        for job in ([task] if isinstance(task, CellJob) else task)
    }
    stopped, written = None, time.monotonic()
    try:
        for task in tasks:
            executor.submit(task)
        while executor.pending():
            messages, outcomes = executor.poll(0.2)
            for message in messages:
                emit(message)
            for outcome in outcomes:
                _settle(sweep, by_name[outcome.name], outcome)
                rows[outcome.name] = cell_row_of(sweep, _cell(sweep, outcome.name))
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
                sf.write_results(sweep.folder, results_of(sweep, rows))
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
        sf.place(runs[-1], path, previous)
    elif sf.cell_state(path) in ("missing", "half-written"):
        if path.exists():
            sf.set_aside(path, previous)
        cellworker.failed_folder(path, job)
    summary = sf.read_cell_summary(path)
    if summary is None or summary.status != "failed":
        cellworker.record_cell(path, job, "failed", outcome.error)
    if staged.is_dir():
        import shutil

        shutil.rmtree(staged, ignore_errors=True)


def _cell(sweep: Sweep, name: str) -> Cell:
    return next(c for c in sweep.cells if c.name == name)


def _end_event(outcome: CellOutcome, row: Mapping[str, Any]) -> Event:
    metrics = {
        k: v
        for k, v in row.items()
        if k.startswith(("final_", "test_")) and v is not None
    }
    return {
        "kind": "end",
        "cell": outcome.name,
        "status": outcome.status,
        "error": outcome.error,
        "message": row.get("message") or "",
        "seconds": outcome.seconds,
        "host": outcome.host,
        "metrics": metrics,
    }


@dataclass
class Planned:
    """A validated sweep and each cell's action (``start``, ``resume``, ``done`` …):
    what ``--dry-run`` shows and :func:`execute` runs."""

    sweep: Sweep
    actions: dict[str, str]

    @property
    def todo(self) -> int:
        return sum(a in RUN_ACTIONS for a in self.actions.values())

    def groups(
        self, *, jobs: int | None = None, population: bool = True
    ) -> list[list[str]]:
        """The cells to run, as the tasks :func:`execute` would send with ``jobs``
        workers: populations of compatible cells, or one cell each."""
        names = [
            c.name for c in self.sweep.cells if self.actions[c.name] in RUN_ACTIONS
        ]
        workers = min(jobs or default_jobs(), max(len(names), 1))
        return task_groups(self.sweep, names, population, workers)


def default_jobs() -> int:
    """Cells at a time by default: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def plan(
    source: str | Path | Mapping[str, Any] | SweepSource | None = None,
    *,
    resume: str | Path | None = None,
    retry_failed: bool = False,
    grid: Mapping[str, Any] | None = None,
    zip: Mapping[str, Any] | None = None,  # noqa: A002 (the spec's key)
    seeds: int | Sequence[int] | None = None,
    overrides: Sequence[str] = (),
    runs_dir: str | Path | None = None,
    name: str | None = None,
    executor: str = "local",
    progress: Callable[..., None] | None = None,
    **sampling: Any,
) -> Planned:
    """Expand and validate a new sweep (``source``: a sweep file, a run spec file, a
    mapping, or a :class:`SweepSource`), or open ``resume``'s folder, and decide each
    cell's action; nothing runs (the dry run). Data sets are checked on this machine
    unless the cells train elsewhere (``executor="dask"``)."""
    from nnexp.sweep.plan import open_sweep, plan_sweep
    from nnexp.sweep.source import build_source

    if (source is None) == (resume is None):
        raise NnexpError("give exactly one of a sweep source and a sweep to resume")
    data_required = executor == "local"  # dask workers may have data this one lacks
    if resume is not None:
        sweep = open_sweep(resume, data_required=data_required, progress=progress)
    else:
        if not isinstance(source, SweepSource):
            source = build_source(
                source,
                grid=grid,
                zip=zip,
                seeds=seeds,
                name=name,
                overrides=overrides,
                **sampling,
            )
        sweep = plan_sweep(
            source,
            runs_dir=runs_dir,
            name=name,
            data_required=data_required,
            progress=progress,
        )
    return Planned(sweep, plan_actions(sweep, retry_failed=retry_failed))


def execute(
    planned: Planned,
    *,
    jobs: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    fail_fast: bool = False,
    retry_failed: bool = False,
    stop: Any = None,
    on_event: Callable[[Event], None] | None = None,
    command: str = "",
    population: bool = True,
    cluster: Mapping[str, Any] | None = None,
) -> SweepResult:
    """Run a planned sweep on ``jobs`` workers (default: the cores) of ``executor``
    (``local`` processes, ``dask`` at ``scheduler``, or ``slurm`` jobs as the sweep
    spec's ``cluster:`` section and ``cluster``, the command line's options, ask);
    ``population=False`` trains each cell as its own task (``--no-population``)."""
    from nnexp.sweep.executors import make_executor

    workers = min(jobs or default_jobs(), max(planned.todo, 1))
    spec = None
    if executor == "slurm":  # the partition's cores, not this machine's
        from nnexp.sweep.slurm import cluster_spec

        spec = cluster_spec(planned.sweep.source.spec.cluster, dict(cluster or {}))
        workers = min(jobs, max(planned.todo, 1)) if jobs else 0
    return run_sweep(
        planned.sweep,
        make_executor(executor, workers, scheduler, spec),
        fail_fast=fail_fast,
        retry_failed=retry_failed,
        stop=stop,
        on_event=on_event,
        command=command,
        population=population,
    )


def run(
    source: str | Path | Mapping[str, Any] | SweepSource | None = None,
    *,
    resume: str | Path | None = None,
    retry_failed: bool = False,
    jobs: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    fail_fast: bool = False,
    stop: Any = None,
    on_event: Callable[[Event], None] | None = None,
    command: str = "",
    population: bool = True,
    cluster: Mapping[str, Any] | None = None,
    **planning: Any,
) -> SweepResult:
    """The sweep command for notebooks: plan, validate, run, record (what ``nnexp
    sweep`` does; :func:`plan` alone is its ``--dry-run``).

    ``source`` is a sweep file, a run spec file, a mapping or a :class:`SweepSource`
    (the command line's, :func:`~nnexp.sweep.source.source_from_options`); ``grid``, ``zip``,
    ``seeds``, ``overrides``, ``runs_dir``, ``name`` and the sampling options
    (``sample``, ``sample_seed``, ``max_trials``) are the command line's options as
    Python values; ``population=False`` is ``--no-population``; ``resume`` continues
    a sweep folder instead; ``command`` is
    recorded in a new sweep's folder; ``on_event`` gets ``{"kind": "planned"}`` once
    every cell is validated, before anything is written or started::

        result = nnexp.sweep.run("configs/quickstart.yaml",
                                 grid={"model.activation": ["relu", "tanh"]}, seeds=3)
        result.frame  # results.csv
    """
    planned = plan(
        source,
        resume=resume,
        retry_failed=retry_failed,
        executor=executor,
        **planning,
    )
    if on_event is not None:
        on_event(
            {"kind": "planned", "total": len(planned.actions), "todo": planned.todo}
        )
    return execute(
        planned,
        jobs=jobs,
        executor=executor,
        scheduler=scheduler,
        fail_fast=fail_fast,
        retry_failed=retry_failed,
        stop=stop,
        on_event=on_event,
        command=command,
        population=population,
        cluster=cluster,
    )
