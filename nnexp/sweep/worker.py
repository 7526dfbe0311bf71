"""Training one sweep cell, in whatever process or machine an executor chose.

A new cell trains into a fresh run folder under a private staging folder (``api.run``
names folders by time; the sweep names them by cell), which is then moved into its
place in one ``rename``; an interrupted cell continues in place from its checkpoint.
Every outcome leaves a run folder: a cell that fails before training gets one holding
``summary.json`` with ``status: failed`` and the error.

Every cell trains with one BLAS thread (threadpoolctl), on every executor: N parallel
cells then do not oversubscribe the cores, and the sums are done in the same order
whatever the executor, so the same seed gives the same metrics.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from nnexp import api
from nnexp.runs.checkpoint import atomic_write_bytes, atomic_write_json
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import read_summary
from nnexp.training.callbacks import Callback

#: the metrics sent with each epoch's progress message
PROGRESS_KEYS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
#: BLAS/OpenMP thread variables for libraries a worker loads later (OpenBLAS, already
#: loaded with numpy, is limited through threadpoolctl)
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
_PLUGIN = re.compile(r"^(?P<path>.+\.py):(?P<attr>[A-Za-z_][A-Za-z0-9_]*)$")

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
    """Sends the cell's training progress through ``report`` (a queue, dask events)."""

    def __init__(self, name: str, report: Report):
        self.name, self.report = name, report

    def on_train_begin(self, info: dict[str, Any]) -> None:
        self.report({"kind": "train", "cell": self.name, "epochs": info["epochs"],
                     "epoch": info["start_epoch"] - 1})

    def on_epoch_end(self, row: dict[str, Any], snapshot: Any) -> None:
        metrics = {k: float(row[k]) for k in PROGRESS_KEYS if row.get(k) is not None}
        self.report({"kind": "epoch", "cell": self.name, "epoch": int(row["epoch"]),
                     "metrics": metrics})


def train_cell(job: CellJob, folder: Path | None, staging: Path, stop: Any,
               report: Report) -> tuple[Path | None, CellOutcome]:
    """Train ``job`` (continue ``folder`` when ``job.resume``) and return the run folder
    with the outcome.  Never raises for a failing cell: the folder records the error."""
    if stop is not None and stop.is_set():
        return None, CellOutcome(job.name, "skipped")
    started = time.time()
    report({"kind": "start", "cell": job.name, "host": socket.gethostname()})
    callbacks = [Reporter(job.name, report)]
    error = None
    try:
        with threadpool_limits(limits=1):
            if job.resume:
                run = api.run(resume=folder, callbacks=callbacks, stop=stop)
            else:
                staging.mkdir(parents=True, exist_ok=True)
                # the staging folder goes into the data, not through an override string
                config = {**job.config, "output": {**job.config.get("output", {}),
                                                   "runs_dir": str(staging)}}
                run = api.run(config, callbacks=callbacks, stop=stop,
                              on_start=lambda path, *_: _write_config(path, job.config_text))
        folder, status = run.path, str(run.summary.get("status"))
    except Exception as err:  # one failing cell must not stop the sweep
        status, error = "failed", f"{type(err).__name__}: {err}"
        folder = folder if job.resume else _created(staging)
        if folder is None:
            folder = failed_folder(staging / job.name, job)
        _debug_log(folder, err)
    record_cell(folder, job, status, error)
    return folder, CellOutcome(job.name, status, error, time.time() - started, socket.gethostname())


def _write_config(folder: Path, text: str) -> None:
    atomic_write_bytes(RunPaths(folder).config, text.encode())


def _created(staging: Path) -> Path | None:
    """The run folder ``api.run`` created in ``staging`` before it failed, if any."""
    found = sorted(p for p in staging.glob("*") if p.is_dir()) if staging.is_dir() else []
    return found[-1] if found else None


def failed_folder(path: Path, job: CellJob) -> Path:
    """A run folder for a cell that failed before ``api.run`` created one."""
    path.mkdir(parents=True, exist_ok=True)
    _write_config(path, job.config_text)
    atomic_write_json(RunPaths(path).summary, {
        "name": job.config.get("name"), "seed": job.config.get("seed"), "status": "failed",
        "host": socket.gethostname(), "pid": os.getpid(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
    return path


def _debug_log(folder: Path, err: BaseException) -> None:
    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    (folder / "error.log").write_text(text)


def record_cell(folder: Path, job: CellJob, status: str, error: str | None) -> None:
    """Note the sweep cell in summary.json; a failure keeps its error there."""
    summary = read_summary(folder) if RunPaths(folder).summary.is_file() else {}
    summary["sweep"] = dict(job.record)
    summary["overrides"] = list(job.record.get("overrides", []))
    if status == "failed":
        summary["status"] = "failed"
        summary["error"] = summary.get("error") or error
    atomic_write_json(RunPaths(folder).summary, summary)


def place(folder: Path, target: Path, previous: Path) -> Path:
    """Move a finished run folder to ``target`` (a folder already there goes to
    ``previous``, kept for the record); returns ``target``."""
    if folder.resolve() == target.resolve():
        return target
    if target.exists():
        set_aside(target, previous)
    os.replace(folder, target)
    return target


def set_aside(folder: Path, previous: Path) -> Path:
    """Move ``folder`` into ``previous`` under a free name."""
    previous.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
    for i in range(1, 10_000):
        dest = previous / f"{folder.name}@{stamp}" if i == 1 else previous / f"{folder.name}@{stamp}-{i}"
        if not dest.exists():
            os.replace(folder, dest)
            return dest
    raise OSError(f"no free name in {previous} for {folder.name}")


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

    staging = root / ".staging" / job.name
    if staging.exists():
        shutil.rmtree(staging)
    folder, outcome = train_cell(job, root / job.name, staging, _LOCAL.get("stop"), report)
    if folder is not None:
        place(folder, root / job.name, root / ".previous")
    shutil.rmtree(staging, ignore_errors=True)
    return outcome


# remote (dask) workers ---------------------------------------------------------------


def pack(folder: Path) -> dict[str, bytes]:
    """A run folder's files as ``{relative posix path: bytes}`` (temporary files left
    out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def unpack(files: Mapping[str, bytes], folder: Path) -> None:
    """Write ``files`` under ``folder``, ``summary.json`` last (it says the rest is
    there)."""
    if folder.exists():
        shutil.rmtree(folder)
    for rel in sorted(files, key=lambda r: r == "summary.json"):
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts:
            raise ValueError(f"refusing to write {rel!r} outside {folder}")
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel])


def plugin_files(config: Any) -> list[Path]:
    """The plugin files (``/abs/acts.py:Cube``) a resolved config names."""
    found: list[Path] = []
    for text in _strings(config):
        match = _PLUGIN.match(text)
        if match and Path(match["path"]).is_file() and Path(match["path"]) not in found:
            found.append(Path(match["path"]))
    return found


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def relocate_plugins(value: Any, folder: Path) -> Any:
    """Plugin references to files missing here point to the uploaded copies in
    ``folder`` (a dask worker's local directory)."""
    if isinstance(value, str):
        match = _PLUGIN.match(value)
        if match and not Path(match["path"]).is_file():
            local = folder / Path(match["path"]).name
            return f"{local}:{match['attr']}" if local.is_file() else value
        return value
    if isinstance(value, Mapping):
        return {k: relocate_plugins(v, folder) for k, v in value.items()}
    if isinstance(value, list):
        return [relocate_plugins(v, folder) for v in value]
    return value


class ThrottledEvent:
    """``is_set()`` of a remote event, asked at most every ``every`` seconds (the
    trainer asks after every batch)."""

    def __init__(self, event: Any, every: float = 1.0):
        self.event, self.every, self.last, self.value = event, every, 0.0, False

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self.value and now - self.last >= self.every:
            self.last = now
            try:
                self.value = bool(self.event.is_set())
            except Exception:  # the scheduler is gone: keep training
                self.value = False
        return self.value


def run_remote(job: CellJob, stop_name: str, topic: str) -> tuple[CellOutcome, dict[str, bytes]]:
    """A dask task: train the cell in a temporary folder and return its files."""
    import tempfile

    from distributed import Event, get_worker

    worker = get_worker()

    def report(message: dict[str, Any]) -> None:
        try:
            worker.log_event(topic, message)
        except Exception:  # progress is a nicety, never a reason to fail a cell
            pass

    with tempfile.TemporaryDirectory(prefix="nnexp-cell-") as tmp:
        here = Path(tmp)
        job = _localised(job, Path(worker.local_directory), here / job.name)
        with threadpool_limits(limits=1):
            folder, outcome = train_cell(job, here / job.name, here / "staging",
                                         ThrottledEvent(Event(stop_name)), report)
        files = pack(folder) if folder is not None else {}
    if files:
        files["config.yaml"] = job.config_text.encode()
    return outcome, files


def _localised(job: CellJob, plugins: Path, folder: Path) -> CellJob:
    """``job`` with plugin paths of this machine; a resumed folder written to ``folder``
    with its config's plugin paths relocated too."""
    config = relocate_plugins(job.config, plugins)
    if job.files:
        unpack(job.files, folder)
        import yaml

        cfg = yaml.safe_load(job.files["config.yaml"].decode())
        text = yaml.safe_dump(relocate_plugins(cfg, plugins), sort_keys=False)
        _write_config(folder, text)
        _mark_stale(folder)
    return CellJob(job.name, config, job.config_text, job.record, job.resume)


def _mark_stale(folder: Path) -> None:
    """A summary still saying ``running`` belongs to a process that is gone (the sweep
    holds its lock); say so, so that it can be resumed on another host."""
    summary = json.loads(RunPaths(folder).summary.read_text())
    if summary.get("status") == "running":
        summary["status"] = "interrupted"
        atomic_write_json(RunPaths(folder).summary, summary)
