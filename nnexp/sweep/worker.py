"""Training one sweep cell, in whatever process or machine an executor chose.

A new cell trains into a fresh run folder under a private staging folder (``train``
names folders by time; the sweep names them by cell), which is then moved into its
place in one ``rename``; an interrupted cell continues in place from its checkpoint.
Every outcome leaves a run folder: a cell that fails before training gets one holding
``summary.json`` with ``status: failed`` and the error.

A worker process starts with one BLAS thread (threadpoolctl), on every executor, so
N parallel cells do not oversubscribe the cores; each cell then trains with its spec's
``training.blas_threads`` (default 1), as ``nnexp train`` and ``rerun`` do, so a cell
and a run of the same spec give the same numbers (see nnexp.runs.environment).
"""

from __future__ import annotations

import ctypes
import math
import os
import shutil
import signal
import socket
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from nnexp.errors import RunError
from nnexp.runner.population import Member, train_members
from nnexp.runner.train import resolve_spec, train
from nnexp.runs.checkpoint import atomic_write_bytes
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import read_record
from nnexp.runs.summary import Summary, SweepCell, write_summary
from nnexp.sweep.folder import PREVIOUS, STAGING, place
from nnexp.training.callbacks import Callback

#: the metrics sent with each epoch's progress message
PROGRESS_KEYS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
#: shortest wall time between two epoch progress messages of a cell
REPORT_SECONDS = 0.2
#: epochs always reported (the display shows a cell's first epochs at once)
FIRST_REPORTED = 3
#: BLAS/OpenMP thread variables for libraries a worker loads later (OpenBLAS, already
#: loaded with numpy, is limited through threadpoolctl)
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

Report = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class CellJob:
    """Everything a worker needs to train one cell (plain, picklable data).

    ``config`` is the cell's resolved run spec as plain data (absolute paths) and
    ``config_text`` the ``config.yaml`` to keep (its ``output.runs_dir`` the sweep's
    runs folder, not the staging folder).  ``resume`` continues the cell's folder;
    ``files`` carries that folder's files to a machine without the sweep folder.
    """

    name: str
    config: dict[str, Any]
    config_text: str
    record: dict[str, Any]
    resume: bool = False
    files: dict[str, bytes] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CellOutcome:
    """How a cell ended: ``completed``, ``diverged``, ``interrupted``, ``failed``, or
    ``skipped`` (not started because the sweep was stopping)."""

    name: str
    status: str
    error: str | None = None
    seconds: float = 0.0
    host: str = ""


class Reporter(Callback):
    """Sends the cell's training progress through ``report`` (a queue, dask events):
    an epoch's metrics at most every :data:`REPORT_SECONDS` (and the first and last
    epochs'), so
    thousands of tiny epochs do not flood the sweep's process."""

    def __init__(self, name: str, report: Report):
        self.name, self.report = name, report
        self.epochs, self.last = 0, -math.inf

    def on_train_begin(self, info: dict[str, Any]) -> None:
        self.epochs = info["epochs"]
        self.report(
            {
                "kind": "train",
                "cell": self.name,
                "epochs": info["epochs"],
                "epoch": info["start_epoch"] - 1,
            }
        )

    def on_epoch_end(self, row: dict[str, Any], snapshot: Any) -> None:
        now = time.monotonic()
        epoch = row["epoch"]
        if now - self.last < REPORT_SECONDS and FIRST_REPORTED < epoch < self.epochs:
            return
        self.last = now
        metrics = {k: float(row[k]) for k in PROGRESS_KEYS if row.get(k) is not None}
        self.report(
            {
                "kind": "epoch",
                "cell": self.name,
                "epoch": int(row["epoch"]),
                "metrics": metrics,
            }
        )


def train_cell(
    job: CellJob, folder: Path | None, staging: Path, stop: Any, report: Report
) -> tuple[Path | None, CellOutcome]:
    """Train ``job`` (continue ``folder`` when ``job.resume``) and return the run folder
    with the outcome.  Never raises for a failing cell: the folder records the error."""
    if stop is not None and stop.is_set():
        return None, CellOutcome(job.name, "skipped")
    started = time.time()
    report({"kind": "start", "cell": job.name, "host": socket.gethostname()})
    try:
        ran: Any = _run(job, folder, staging, stop, [Reporter(job.name, report)])
    except Exception as err:  # one failing cell must not stop the sweep
        ran = err
    return _settled(job, ran, folder, staging, started)


def _settled(
    job: CellJob, ran: Any, folder: Path | None, staging: Path, started: float
) -> tuple[Path, CellOutcome]:
    """The cell's folder and outcome once ``ran`` (its Run, or the error that ended
    it) is known; the folder's summary names the sweep cell."""
    error = None
    if isinstance(ran, Exception):
        status, error = "failed", f"{type(ran).__name__}: {ran}"
        folder = folder if job.resume else _created(staging)
        if folder is None:
            folder = failed_folder(staging / job.name, job)
        _debug_log(folder, ran)
    else:
        folder, status = ran.path, ran.record.status
    assert folder is not None
    record_cell(folder, job, status, error)
    return folder, CellOutcome(
        job.name, status, error, time.time() - started, socket.gethostname()
    )


def train_group(
    jobs: Sequence[CellJob],
    folders: Sequence[Path | None],
    stagings: Sequence[Path],
    stop: Any,
    report: Report,
) -> list[tuple[Path | None, CellOutcome]]:
    """Train the cells ``jobs`` as one population (``folders``: the folders resumed
    cells continue; ``stagings``: where new ones train), each cell as
    :func:`train_cell` would: its own folder, progress messages and outcome.  A cell
    that fails does not stop the others."""
    if stop is not None and stop.is_set():
        return [(None, CellOutcome(job.name, "skipped")) for job in jobs]
    started = time.time()
    members: list[Member | Exception] = []
    for job, folder, staging in zip(jobs, folders, stagings, strict=True):
        report({"kind": "start", "cell": job.name, "host": socket.gethostname()})
        try:
            members.append(_member(job, folder, staging, Reporter(job.name, report)))
        except Exception as err:  # a cell whose spec does not load: that cell only
            members.append(err)
    ready = [m for m in members if isinstance(m, Member)]
    with threadpool_limits(limits=1):
        trained = iter(train_members(ready, stop=stop))
    runs = [m if isinstance(m, Exception) else next(trained) for m in members]
    return [
        _settled(job, ran, folder, staging, started)
        for job, ran, folder, staging in zip(jobs, runs, folders, stagings, strict=True)
    ]


def _member(
    job: CellJob, folder: Path | None, staging: Path, reporter: Reporter
) -> Member:
    """The population member of a cell: its folder resumed, or its spec trained into
    a new folder under ``staging`` whose config.yaml is then ``job.config_text``."""
    if job.resume:
        return Member(resume=folder, callbacks=[reporter])
    staging.mkdir(parents=True, exist_ok=True)
    output = {**job.config.get("output", {}), "runs_dir": str(staging)}
    return Member(
        resolve_spec({**job.config, "output": output}),
        callbacks=[reporter],
        on_start=lambda path, *_: write_config(path, job.config_text),
    )


def _run(
    job: CellJob, folder: Path | None, staging: Path, stop: Any, callbacks: list
) -> Any:
    """``train``: continue ``folder``, or train anew into a folder under ``staging``
    whose config.yaml is then ``job.config_text``."""
    with threadpool_limits(limits=1):
        if job.resume:
            return train(resume=folder, callbacks=callbacks, stop=stop)
        staging.mkdir(parents=True, exist_ok=True)
        # the staging folder goes into the data, not through an override string
        output = {**job.config.get("output", {}), "runs_dir": str(staging)}
        return train(
            {**job.config, "output": output},
            callbacks=callbacks,
            stop=stop,
            on_start=lambda path, *_: write_config(path, job.config_text),
        )


def write_config(folder: Path, text: str) -> None:
    atomic_write_bytes(RunPaths(folder).config, text.encode())


def _created(staging: Path) -> Path | None:
    """The run folder ``train`` created in ``staging`` before it failed, if any."""
    found = (
        sorted(p for p in staging.glob("*") if p.is_dir()) if staging.is_dir() else []
    )
    return found[-1] if found else None


def failed_folder(path: Path, job: CellJob) -> Path:
    """A run folder for a cell that failed before ``train`` created one."""
    path.mkdir(parents=True, exist_ok=True)
    write_config(path, job.config_text)
    write_summary(
        RunPaths(path).summary,
        Summary(
            name=job.config.get("name"),
            seed=job.config.get("seed"),
            status="failed",
            host=socket.gethostname(),
            pid=os.getpid(),
            finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        ),
    )
    return path


def _debug_log(folder: Path, err: BaseException) -> None:
    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    (folder / "error.log").write_text(text)


def record_cell(folder: Path, job: CellJob, status: str, error: str | None) -> None:
    """Note the sweep cell in summary.json; a failure keeps its error there."""
    try:
        summary = read_record(folder) or Summary()
    except RunError:  # half-written: start again from what we know
        summary = Summary()
    cell = SweepCell.model_validate(job.record)
    summary = summary.updated(sweep=cell, overrides=cell.overrides)
    if status == "failed":
        summary = summary.updated(status="failed", error=summary.error or error)
    write_summary(RunPaths(folder).summary, summary)


# local worker processes --------------------------------------------------------------

_LOCAL: dict[str, Any] = {}


def init_local(stop: Any, queue: Any) -> None:
    """Process-pool initializer: one BLAS thread, Ctrl-C left to the parent (it stops
    the workers through ``stop``), and death with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # blocked by the parent while we started
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent()
    for var in THREAD_VARS:
        os.environ[var] = "1"
    threadpool_limits(limits=1)
    _LOCAL.update(stop=stop, queue=queue)


def ready() -> int:
    """A no-op task: the pool's workers are up."""
    return os.getpid()


def _die_with_parent() -> None:
    """Linux: end this worker when the process that started it dies (kill -9 of the
    sweep), so no orphan keeps writing into the sweep folder."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_local(job: CellJob, sweep_dir: str) -> CellOutcome:
    """Train a cell inside the sweep folder and move it into place."""
    root = Path(sweep_dir)
    queue = _LOCAL.get("queue")

    def report(message: dict[str, Any]) -> None:
        if queue is not None:
            queue.put(message)

    staging = root / STAGING / job.name
    if staging.exists():
        shutil.rmtree(staging)
    folder, outcome = train_cell(
        job, root / job.name, staging, _LOCAL.get("stop"), report
    )
    if folder is not None:
        place(folder, root / job.name, root / PREVIOUS)
    shutil.rmtree(staging, ignore_errors=True)
    return outcome


def run_local_group(jobs: Sequence[CellJob], sweep_dir: str) -> list[CellOutcome]:
    """Train a group of cells as one population inside the sweep folder and move
    each into place."""
    root = Path(sweep_dir)
    queue = _LOCAL.get("queue")

    def report(message: dict[str, Any]) -> None:
        if queue is not None:
            queue.put(message)

    stagings = [root / STAGING / job.name for job in jobs]
    for staging in stagings:
        if staging.exists():
            shutil.rmtree(staging)
    ended = train_group(
        jobs, [root / job.name for job in jobs], stagings, _LOCAL.get("stop"), report
    )
    outcomes = []
    for job, staging, (folder, outcome) in zip(jobs, stagings, ended, strict=True):
        if folder is not None:
            place(folder, root / job.name, root / PREVIOUS)
        shutil.rmtree(staging, ignore_errors=True)
        outcomes.append(outcome)
    return outcomes
