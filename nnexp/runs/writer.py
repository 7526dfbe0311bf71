"""The run-folder writer: a trainer callback that keeps the folder trustworthy.

Write order: ``config.yaml`` before training; ``summary.json`` (status ``running`` with
pid and host) replaced atomically at the start and the end; ``metrics.csv`` appended
and flushed at most :data:`ROWS_SECONDS` after each epoch (the first epoch's row at
once), and always before ``checkpoint.npz`` (at most every :data:`CHECKPOINT_SECONDS`,
so the checkpoint's epoch is on disk) and at the end; ``initial.npz`` before the first
epoch; ``snapshots.npz`` (:mod:`nnexp.runs.snapshots`) with each checkpoint and at the
end, holding every chosen epoch reached so far (a resume keeps those up to its
checkpoint's epoch);
``model.npz`` and the plots at the end.  A reader never depends on this process being alive; a crash loses at most
the last second of rows, which a resume trains again anyway (it continues from the
checkpoint and drops later rows).
"""

from __future__ import annotations

import csv
import io
import math
import operator
import os
import platform
import socket
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from nnexp import __version__
from nnexp.runs import summary as summary_file
from nnexp.runs.checkpoint import atomic_write_bytes, save_checkpoint, save_weights
from nnexp.runs.layout import RunPaths
from nnexp.runs.snapshots import load_snapshots, save_snapshots
from nnexp.runs.summary import Summary
from nnexp.training.callbacks import Callback

#: minimum wall time between two epoch checkpoints
CHECKPOINT_SECONDS = 2.0
#: longest wall time an epoch's metrics row waits before it is written (the 5,000
#: four-sample epochs of a logic-gates run must not each open the file)
ROWS_SECONDS = 1.0


def versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "nnexp": __version__,
    }


def command_line() -> str:
    """How this process was started, as a user would type it (``nnexp train …``)."""
    if not sys.argv:
        return ""
    prog = Path(sys.argv[0]).name
    prog = "nnexp" if prog in ("__main__.py", "nnexp") else prog
    return " ".join([prog, *sys.argv[1:]])


class RunWriter(Callback):
    """Writes one run folder; ``record`` is its summary, written at the start (with
    status ``running``, pid and host) and by :meth:`finish`.  Change it with
    ``writer.record = writer.record.updated(...)``."""

    def __init__(
        self,
        paths: RunPaths,
        config_text: str | None,
        record: Summary,
        *,
        checkpoint: bool = True,
    ):
        self.paths = paths
        self.checkpoint = checkpoint
        self.columns: list[str] | None = None
        self.started = time.time()
        self._last_checkpoint = -math.inf
        #: checkpoints at most every CHECKPOINT_SECONDS × this (a population's members
        #: share the disk: see nnexp.runner.population)
        self.checkpoint_scale = 1.0
        self._last_rows = -math.inf
        self._pending: list[dict[str, Any]] = []
        self.snapshot_epochs: set[int] = set()
        self._snapshots: dict[int, dict[str, np.ndarray]] = {}
        self._snapshots_dirty = False
        if config_text is not None:
            atomic_write_bytes(paths.config, config_text.encode())
        self.record = record.updated(
            status="running",
            pid=os.getpid(),
            host=socket.gethostname(),
            started=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            versions=versions(),
            command=command_line(),
        )
        self.write_summary()

    def write_summary(self) -> None:
        summary_file.write_summary(self.paths.summary, self.record)

    def keep_rows_until(self, epoch: int) -> list[dict[str, Any]]:
        """On resume: drop metrics rows after ``epoch`` (written after the checkpoint)
        and return the kept rows.  The file is replaced atomically, so a crash here
        loses nothing."""
        if not self.paths.metrics.exists():
            return []
        self.columns, rows = _read_csv(self.paths.metrics)
        rows = [r for r in rows if int(r["epoch"]) <= epoch]
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=self.columns)
        writer.writeheader()
        writer.writerows({k: _fmt(r.get(k)) for k in self.columns} for r in rows)
        atomic_write_bytes(self.paths.metrics, text.getvalue().encode())
        return rows

    def write_rows(self, rows: list[dict[str, Any]]) -> None:
        """Start metrics.csv with ``rows`` (a continuation's parent rows)."""
        self._pending += rows
        self._write_pending()

    def keep_weights(
        self, initial: dict[str, np.ndarray], epochs: list[int], start: int
    ) -> None:
        """Keep ``initial`` as initial.npz (unless a resumed folder has it) and the
        weights at the end of ``epochs`` in snapshots.npz (those a resumed folder
        has up to its checkpoint's epoch ``start`` stay)."""
        if not self.paths.initial.exists():
            save_weights(self.paths.initial, initial)
        self.snapshot_epochs = set(epochs)
        if self.paths.snapshots.exists():
            kept = load_snapshots(self.paths.snapshots)
            self._snapshots = {e: w for e, w in kept.items() if e <= start}

    def on_epoch_end(self, row: dict[str, Any], snapshot: Any) -> None:
        self._pending.append(row)
        if row["epoch"] in self.snapshot_epochs:
            self._snapshots[int(row["epoch"])] = snapshot().weights
            self._snapshots_dirty = True  # written with the next checkpoint, or the end
        # a checkpoint at most every CHECKPOINT_SECONDS (5000 one-millisecond epochs of
        # the logic-gates task must not spend their time writing files); the last one is
        # always written by on_train_end, and a resume drops metrics rows written after
        # the checkpoint it continues from
        now = time.monotonic()
        every = CHECKPOINT_SECONDS * self.checkpoint_scale
        due = self.checkpoint and now - self._last_checkpoint >= every
        if due or now - self._last_rows >= ROWS_SECONDS:
            self._write_pending()
            self._last_rows = now
        if due:
            self._write_snapshots()
            save_checkpoint(self.paths.checkpoint, snapshot())
            self._last_checkpoint = now

    def on_train_end(self, result: Any) -> None:
        # the epoch that diverged is in the history but was never completed: record it,
        # so metrics.csv shows where the loss blew up
        self._pending += result.history.rows[result.epochs :]
        self._write_pending()
        self._write_snapshots()
        if self.checkpoint and result.state is not None:
            save_checkpoint(self.paths.checkpoint, result.state)

    def _write_snapshots(self) -> None:
        """Rewrite snapshots.npz if an epoch was added since it was last written (one
        file for all of them: writing it at every chosen epoch cost a population of
        20 E1 runs a second)."""
        if self._snapshots_dirty:
            save_snapshots(self.paths.snapshots, self._snapshots)
            self._snapshots_dirty = False

    def flush_rows(self) -> None:
        """Write every row not yet on disk (metrics.csv then holds the history)."""
        self._write_pending()

    def _write_pending(self) -> None:
        """Append the rows not yet written to metrics.csv, flushed."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        new = not self.paths.metrics.exists()
        if self.columns is None:
            self.columns = list(rows[0])
        columns = self.columns
        every = operator.itemgetter(*columns)  # a row's values, in C
        lines = [csv_line(list(columns))] if new else []
        for r in rows:
            try:
                values = list(every(r)) if len(columns) > 1 else [every(r)]
            except KeyError:  # a column this row lacks is an empty cell
                values = [r.get(k) for k in columns]
            lines.append(csv_line(values))
        with open(self.paths.metrics, "a", newline="") as f:
            f.write("".join(lines))
            f.flush()

    def save_model(self, weights: dict[str, np.ndarray]) -> None:
        save_weights(self.paths.model, weights)

    def finish(self, record: Summary) -> None:
        """Write ``record`` as the final summary, with when the run finished and its
        wall time (with the time before a resume, ``wall_seconds_before``)."""
        self._write_pending()  # a failed run's rows too
        self._write_snapshots()
        before = record.wall_seconds_before or 0.0
        self.record = record.updated(
            finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            wall_seconds=before + time.time() - self.started,
        )
        self.write_summary()


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a metrics.csv, numbers parsed exactly (empty cells: NaN)."""
    return _read_csv(path)[1]


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = [{k: _number(v) for k, v in r.items()} for r in reader]
        return list(reader.fieldnames or []), rows


#: value types that :func:`csv_line` writes through orjson
_NUMBERS = frozenset({int, float})


def csv_line(values: list[Any]) -> str:
    """One metrics.csv line (``\\r\\n``-terminated, as ``csv.writer`` ends lines).

    Python ints and floats (nearly every row) go through orjson, whose floats are the
    shortest text that reads back as the same double (ryu), like ``repr``'s but
    15 times faster: a population of 20 E1 runs writes 100,000 rows.  The text may
    differ from ``repr``'s (``1e-5`` for ``1e-05``), never the number it reads as.
    orjson writes NaN as ``null`` (here ``nan``, as ``repr``) and cannot write
    infinities, so a row with one, or with any other type, goes through ``csv``."""
    if _NUMBERS.issuperset(map(type, values)) and not (
        math.inf in values or -math.inf in values
    ):
        text = orjson.dumps(values)[1:-1].replace(b"null", b"nan").decode()
        return text + "\r\n"
    out = io.StringIO()
    csv.writer(out).writerow([_fmt(v) for v in values])
    return out.getvalue()


def _fmt(value: Any) -> Any:
    if value.__class__ is float:  # the shortest round-trip form
        return repr(value)
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        return repr(float(value))  # shortest round-trip form: bit-exact on reading back
    return value


def _number(text: str) -> Any:
    if text == "":
        return float("nan")
    try:
        return int(text)
    except ValueError:
        return float(text)
