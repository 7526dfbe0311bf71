"""Where cells train: local worker processes, or a Dask distributed cluster.

Both executors take :class:`~nnexp.sweep.worker.CellJob` s, or lists of them (a
population, trained as one task in one worker), and give back
:class:`~nnexp.sweep.worker.CellOutcome` s with progress messages; the cell's run
folder is in place in the sweep folder when its outcome is returned.

* :class:`LocalExecutor`: ``jobs`` processes, forked when the executor starts (before
  any display thread exists), one BLAS thread each.  Workers ignore Ctrl-C: the parent
  stops them through a shared event, and a worker dies with its parent.  A worker that
  dies (killed, out of memory) fails the cells that were training; the pool is
  restarted for the others.
* :class:`DaskExecutor`: tasks on a ``distributed`` cluster (a ``LocalCluster`` of
  ``jobs`` single-threaded worker processes when no scheduler address is given).  A
  task trains into a temporary folder and returns the folder's files, which are
  written into the sweep folder here: workers need no shared file system.  Plugin
  files named by the cells are uploaded with ``Client.upload_file``.
"""

from __future__ import annotations

import collections
import multiprocessing
import signal
import sys
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from nnexp.errors import NnexpError
from nnexp.runs.environment import plugin_files
from nnexp.sweep import remote
from nnexp.sweep import worker as cellworker
from nnexp.sweep.folder import PREVIOUS, STAGING, place
from nnexp.sweep.worker import CellJob, CellOutcome

Poll = tuple[list[dict[str, Any]], list[CellOutcome]]
#: one cell, or a population of cells trained as one task
Task = CellJob | Sequence[CellJob]
DASK_MISSING = (
    "--executor dask needs the dask distributed scheduler, which is not installed. "
    "Install it with: pip install 'nnexp[dask]' (or pip install 'dask[distributed]')"
)


class LocalExecutor:
    """Cells in ``jobs`` local worker processes."""

    def __init__(self, jobs: int):
        self.jobs = max(1, int(jobs))
        self.futures: dict[Future, Task] = {}
        self.notes: list[str] = []
        self.started: set[str] = set()
        self.breaks: dict[str, int] = {}  # pool breaks each queued cell went through
        self.pool: ProcessPoolExecutor | None = None
        self.folder: Path | None = None

    @property
    def description(self) -> str:
        return f"{self.jobs} local worker process{'es' if self.jobs > 1 else ''}"

    def start(self) -> None:
        self.ctx = multiprocessing.get_context(_start_method())
        if self.ctx.get_start_method() == "forkserver":
            self.ctx.set_forkserver_preload(["nnexp.sweep.worker"])
        self.stop_event = self.ctx.Event()
        # a SimpleQueue writes at once (no feeder thread): a worker that dies right
        # after saying "start" has said it
        self.queue = self.ctx.SimpleQueue()
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        """A pool whose workers are all running (forked at once, before any display
        thread starts), with Ctrl-C blocked until each worker ignores it."""
        with _ctrl_c_blocked():
            pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=self.ctx,
                initializer=cellworker.init_local,
                initargs=(self.stop_event, self.queue),
            )
            for fut in [pool.submit(cellworker.ready) for _ in range(self.jobs)]:
                fut.result()
        return pool

    def attach(self, folder: Path) -> None:
        """The sweep folder the cells train into."""
        self.folder = folder

    def submit(self, job: Task) -> None:
        if isinstance(job, CellJob):
            future = self.pool.submit(cellworker.run_local, job, str(self.folder))
        else:
            future = self.pool.submit(
                cellworker.run_local_group, list(job), str(self.folder)
            )
        self.futures[future] = job

    def pending(self) -> int:
        return len(self.futures)

    def poll(self, timeout: float) -> Poll:
        done, _ = wait(list(self.futures), timeout=timeout, return_when=FIRST_COMPLETED)
        messages = self._drain()
        outcomes, broken = [], False
        for fut in done:
            job = self.futures.pop(fut)
            try:
                outcomes += _outcomes(fut.result())
            except CancelledError:
                outcomes += [CellOutcome(cell.name, "skipped") for cell in _cells(job)]
            except BrokenProcessPool:
                broken = True
                self.futures[fut] = job  # handled with the others below
            except Exception as err:  # an error outside the cell's own guard
                error = f"{type(err).__name__}: {err}"
                outcomes += [CellOutcome(c.name, "failed", error) for c in _cells(job)]
        if broken:
            outcomes += self._restart()
        return messages, outcomes

    def _drain(self) -> list[dict[str, Any]]:
        messages = []
        try:
            while not self.queue.empty():
                message = self.queue.get()
                if message.get("kind") == "start":
                    self.started.add(message["cell"])
                messages.append(message)
        except (OSError, EOFError, ValueError):  # the queue is closed
            pass
        return messages

    def _restart(self) -> list[CellOutcome]:
        """A worker died: fail the cells that were training, run the rest again."""
        self._drain()
        jobs = list(self.futures.values())
        self.futures.clear()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new_pool()
        outcomes = []
        for job in jobs:
            cells = _cells(job)
            name = cells[0].name
            self.breaks[name] = self.breaks.get(name, 0) + 1
            if any(c.name in self.started for c in cells) or self.breaks[name] > 2:
                error = (
                    "the worker process died while this cell trained (killed, or "
                    "out of "
                    "memory?); rerun it with --resume SWEEP_DIR --retry-failed"
                )
                outcomes += [CellOutcome(c.name, "failed", error) for c in cells]
            else:
                self.submit(job)
        return outcomes

    def stop(self) -> None:
        """Running cells end after their batch (as interrupted); queued ones are not
        started."""
        self.stop_event.set()
        for fut in list(self.futures):
            fut.cancel()

    def abort(self) -> None:
        self.stop()
        for process in list(getattr(self.pool, "_processes", {}).values()):
            process.kill()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.queue.close()
            self.pool = None


class DaskExecutor:
    """Cells as tasks on a Dask distributed cluster."""

    def __init__(self, jobs: int, scheduler: str | None = None):
        self.jobs, self.scheduler = max(1, int(jobs)), scheduler
        self.futures: dict[Any, Task] = {}
        self.notes: list[str] = []
        self.messages: collections.deque[dict[str, Any]] = collections.deque()
        self.uploaded: set[Path] = set()
        self.cluster = self.client = None
        self.folder: Path | None = None

    @property
    def description(self) -> str:
        where = (
            f"the dask scheduler at {self.scheduler}"
            if self.scheduler
            else (
                f"a local dask cluster of {self.jobs} worker "
                f"process{'es' if self.jobs > 1 else ''}"
            )
        )
        return where

    def start(self) -> None:
        try:
            import distributed
        except ImportError:
            raise NnexpError(DASK_MISSING) from None
        tag = uuid.uuid4().hex[:12]
        self.client = self._connect(distributed)
        self.stop_name, self.topic = f"nnexp-stop-{tag}", f"nnexp-progress-{tag}"
        self.event = distributed.Event(self.stop_name, client=self.client)
        self.client.subscribe_topic(
            self.topic, lambda event: self.messages.append(event[1])
        )
        self.notes = self._cluster_notes()
        self.distributed = distributed

    def _connect(self, distributed: Any) -> Any:
        if self.scheduler:
            try:
                return distributed.Client(self.scheduler, timeout="10s")
            except (OSError, TimeoutError) as err:
                raise NnexpError(
                    f"cannot reach the dask scheduler at {self.scheduler}: {err}. "
                    "Start one with "
                    f"`dask scheduler` and workers with `dask worker {self.scheduler}`"
                ) from None
        with _ctrl_c_ignored():  # the cluster's processes inherit it: Ctrl-C is ours
            self.cluster = distributed.LocalCluster(
                n_workers=self.jobs,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",
            )
        return distributed.Client(self.cluster)

    def _cluster_notes(self) -> list[str]:
        notes = []
        try:
            workers = len(self.client.scheduler_info().get("workers", {}))
            link = self.client.dashboard_link
        except Exception:  # notes are a nicety
            return notes
        if workers == 0:
            notes.append(
                f"the scheduler has no workers yet: cells wait until one joins "
                f"(dask worker {self.scheduler})"
            )
        if link:
            notes.append(f"dask dashboard: {link}")
        return notes

    def attach(self, folder: Path) -> None:
        """The sweep folder the returned files are written into."""
        self.folder = folder

    def submit(self, job: Task) -> None:
        cells = [self._ready(cell) for cell in _cells(job)]
        task: Any = cells if not isinstance(job, CellJob) else cells[0]
        fut = self.client.submit(
            remote.run_remote if isinstance(job, CellJob) else remote.run_remote_group,
            task,
            self.stop_name,
            self.topic,
            key=f"nnexp-cell-{uuid.uuid4().hex}",
            pure=False,
        )
        self.futures[fut] = job

    def _ready(self, job: CellJob) -> CellJob:
        """The cell's plugin files uploaded; a resumed cell with its folder's files."""
        for path in plugin_files(job.config):
            if path not in self.uploaded:
                self.client.upload_file(str(path))
                self.uploaded.add(path)
        if not job.resume:
            return job
        return CellJob(
            job.name,
            job.config,
            job.config_text,
            job.record,
            True,
            remote.pack(self.folder / job.name),
        )

    def pending(self) -> int:
        return len(self.futures)

    def poll(self, timeout: float) -> Poll:
        try:
            self.distributed.wait(
                list(self.futures), timeout=timeout, return_when="FIRST_COMPLETED"
            )
        except TimeoutError:
            pass
        outcomes = [
            outcome
            for fut in [f for f in self.futures if f.done()]
            for outcome in self._collect(fut)
        ]
        messages = []
        while self.messages:
            messages.append(self.messages.popleft())
        return messages, outcomes

    def _collect(self, fut: Any) -> list[CellOutcome]:
        job = self.futures.pop(fut)
        try:
            returned = fut.result()
        except Exception as err:  # the task itself failed (KilledWorker, cancelled …)
            error = f"{type(err).__name__}: {err}"
            return [CellOutcome(c.name, "failed", error) for c in _cells(job)]
        ended = [returned] if isinstance(job, CellJob) else returned
        for outcome, files in ended:
            if files:
                incoming = self.folder / STAGING / outcome.name / "incoming"
                remote.unpack(files, incoming)
                place(incoming, self.folder / outcome.name, self.folder / PREVIOUS)
        return [outcome for outcome, _ in ended]

    def stop(self) -> None:
        """Running cells end after their batch; queued ones start and return at once."""
        try:
            self.event.set()
        except Exception:  # the scheduler is gone already
            pass

    def abort(self) -> None:
        self.stop()
        try:
            self.client.cancel(list(self.futures), force=True)
        except Exception:
            pass
        self.futures.clear()

    def close(self) -> None:
        for closable in (self.client, self.cluster):
            if closable is not None:
                try:
                    closable.close()
                except Exception:  # closing must not hide the sweep's own outcome
                    pass
        self.client = self.cluster = None


def _cells(job: Task) -> list[CellJob]:
    return [job] if isinstance(job, CellJob) else list(job)


def _outcomes(returned: CellOutcome | list[CellOutcome]) -> list[CellOutcome]:
    return returned if isinstance(returned, list) else [returned]


def _start_method() -> str:
    """``fork`` on Linux when this process runs no other thread (workers start at
    once, the modules already imported); ``forkserver`` when it does (forking a
    threaded process can deadlock the child: a notebook that used dask, a test
    session); ``spawn`` elsewhere (fork is unsafe on macOS)."""
    if not sys.platform.startswith("linux"):
        return "spawn"
    return "fork" if threading.active_count() == 1 else "forkserver"


class _ctrl_c_blocked:
    """Block SIGINT while worker processes start: they inherit the blocked mask and
    unblock it only once they ignore it (see ``worker.init_local``)."""

    def __enter__(self) -> None:
        self.blocked = hasattr(signal, "pthread_sigmask")
        if self.blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def __exit__(self, *exc: Any) -> None:
        if self.blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class _ctrl_c_ignored:
    """Ignore SIGINT while processes are started (they inherit the disposition)."""

    def __enter__(self) -> None:
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __exit__(self, *exc: Any) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def make_executor(
    kind: str, jobs: int, scheduler: str | None = None, cluster: Any = None
) -> Any:
    """``local``, ``dask`` (a scheduler address only makes sense with dask) or
    ``slurm`` (``cluster``: its :class:`~nnexp.spec.cluster.ClusterSpec`)."""
    if scheduler and kind != "dask":
        raise NnexpError("--scheduler needs --executor dask")
    if kind == "local":
        return LocalExecutor(jobs)
    if kind == "dask":
        return DaskExecutor(jobs, scheduler)
    if kind == "slurm":
        from nnexp.sweep.slurm import SlurmExecutor  # lazy: only slurm sweeps need it

        return SlurmExecutor(jobs, cluster)
    raise NnexpError(f"unknown executor {kind!r}; choose local, dask or slurm")
