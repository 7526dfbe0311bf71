"""The Dask side of a sweep: a task trains a cell in a temporary folder and returns
the folder's files, so workers need no file system shared with the submitter.

Plugin files are uploaded with ``Client.upload_file``; a worker on another machine
finds them in its local directory and points the cell's plugin references there.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from threadpoolctl import threadpool_limits

from nnexp.runs.environment import PLUGIN as _PLUGIN
from nnexp.sweep.worker import (
    CellJob,
    CellOutcome,
    train_cell,
    train_group,
    write_config,
)


def pack(folder: Path) -> dict[str, bytes]:
    """A run folder's files as ``{relative posix path: bytes}`` (temporary files left
    out)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


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
    trainer asks after every batch); ``ask`` returns the remote value."""

    def __init__(self, ask: Any, every: float = 1.0):
        self.ask, self.every, self.last, self.value = ask, every, 0.0, False

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self.value and now - self.last >= self.every:
            self.last = now
            try:
                self.value = bool(self.ask())
            except Exception:  # the scheduler is slow or gone: keep training
                self.value = False
        return self.value


def _stop_flag(name: str) -> ThrottledEvent:
    """The sweep's stop event on the scheduler, asked with a time limit (a plain
    ``Event.is_set`` could wait forever for a scheduler that does not answer)."""
    from distributed import get_client

    client = get_client()

    def ask() -> bool:
        return client.sync(
            client.scheduler.event_is_set, name=name, callback_timeout=10
        )

    return ThrottledEvent(ask)


def _reporter(worker: Any, topic: str) -> Callable[[dict[str, Any]], None]:
    """Progress messages to the client through the worker's event log."""

    def report(message: dict[str, Any]) -> None:
        try:
            worker.log_event(topic, message)
        except Exception:  # progress is a nicety, never a reason to fail a cell
            pass

    return report


def run_remote(
    job: CellJob, stop_name: str, topic: str
) -> tuple[CellOutcome, dict[str, bytes]]:
    """A dask task: train the cell in a temporary folder and return its files."""
    from distributed import get_worker

    worker = get_worker()
    report = _reporter(worker, topic)

    with tempfile.TemporaryDirectory(prefix="nnexp-cell-") as tmp:
        here = Path(tmp)
        job = _localised(job, Path(worker.local_directory), here / job.name)
        with threadpool_limits(limits=1):
            folder, outcome = train_cell(
                job,
                here / job.name,
                here / "staging",
                _stop_flag(stop_name),
                report,
            )
        files = pack(folder) if folder is not None else {}
    if files:
        files["config.yaml"] = job.config_text.encode()
    return outcome, files


def run_remote_group(
    jobs: list[CellJob], stop_name: str, topic: str
) -> list[tuple[CellOutcome, dict[str, bytes]]]:
    """A dask task: train the cells ``jobs`` as one population in a temporary folder
    and return each cell's outcome and files."""
    from distributed import get_worker

    worker = get_worker()
    report = _reporter(worker, topic)

    with tempfile.TemporaryDirectory(prefix="nnexp-cells-") as tmp:
        here = Path(tmp)
        local = [
            _localised(job, Path(worker.local_directory), here / job.name)
            for job in jobs
        ]
        ended = train_group(
            local,
            [here / job.name for job in local],
            [here / "staging" / job.name for job in local],
            _stop_flag(stop_name),
            report,
        )
        out = []
        for job, (folder, outcome) in zip(jobs, ended, strict=True):
            files = pack(folder) if folder is not None else {}
            if files:
                files["config.yaml"] = job.config_text.encode()
            out.append((outcome, files))
    return out


def _localised(job: CellJob, plugins: Path, folder: Path) -> CellJob:
    """``job`` with plugin paths of this machine; a resumed folder written to ``folder``
    with its config's plugin paths relocated too."""
    config = relocate_plugins(job.config, plugins)
    if job.files:
        unpack(job.files, folder)
        cfg = yaml.safe_load(job.files["config.yaml"].decode())
        text = yaml.safe_dump(relocate_plugins(cfg, plugins), sort_keys=False)
        write_config(folder, text)
    return CellJob(job.name, config, job.config_text, job.record, job.resume)
