"""The sweep folder: ``sweep.yaml``, one run folder per cell, ``results.csv``, plots.

::

    runs/sweeps/2026-08-23_15-00-00_activations/
      sweep.yaml           the expanded sweep: spec, base spec, every cell's values
      results.csv          one row per cell
      activation=tanh,seed=1/   a run folder (the train layout)
      plots/               heatmap.png or by_<key>.png, curves_by_<key>.png
      .staging/            cells being trained (moved into place when they end)
      .previous/           folders replaced by a rerun, kept for the record
      .lock                held while a process runs the sweep

A cell is *done* only when its ``summary.json`` says ``completed`` or ``diverged``
(written last, atomically); anything else is run again by ``--resume``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from nnexp.errors import RunError
from nnexp.runs.checkpoint import atomic_write_bytes
from nnexp.runs.layout import RunPaths
from nnexp.runs.reader import FINAL, safe_load
from nnexp.runs.summary import Summary, parse_summary, write_summary
from nnexp.sweep.expand import Cell
from nnexp.sweep.naming import value_text, yaml_text

SWEEP_FILE = "sweep.yaml"
RESULTS_FILE = "results.csv"
STAGING, PREVIOUS, LOCK = ".staging", ".previous", ".lock"
#: states of a cell folder that need no run
SETTLED = (*FINAL, "failed")
_HEADER = (
    "# nnexp sweep folder: `nnexp sweep --resume <this folder>` runs what is not done\n"
)


def write_sweep_file(folder: Path, data: Mapping[str, Any]) -> None:
    try:
        text = yaml.safe_dump(
            dict(data), sort_keys=False, allow_unicode=True, width=100
        )
    except yaml.YAMLError as err:
        raise RunError(
            f"the sweep cannot be written as YAML (a value is not plain data): {err}"
        ) from err
    atomic_write_bytes(folder / SWEEP_FILE, (_HEADER + text).encode())


def read_sweep_file(folder: Path) -> dict[str, Any]:
    path = Path(folder) / SWEEP_FILE
    if not Path(folder).is_dir():
        raise RunError(
            f"{folder} is not a folder; --resume needs a sweep folder (runs/sweeps/…)"
        )
    if not path.is_file():
        raise RunError(f"{folder} is not a sweep folder: it has no {SWEEP_FILE}")
    try:
        data = safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise RunError(f"{path} is not readable YAML: {err}") from err
    if not isinstance(data, dict) or "cells" not in data or "base" not in data:
        raise RunError(
            f"{path} is not a sweep file written by nnexp (no cells or base)"
        )
    return data


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the sweep's lock: two processes never run one sweep folder."""
    import fcntl

    path = Path(folder) / LOCK
    with open(path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            owner = f.read().strip() or "another process"
            raise RunError(
                f"{folder} is being run by {owner}; wait for it to end (or stop "
                f"it with Ctrl-C) before resuming"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()} on {socket.gethostname()}")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def place(folder: Path, target: Path, previous: Path) -> Path:
    """Move a finished run folder to ``target`` (a folder already there goes to
    ``previous``, kept for the record); returns ``target``."""
    if folder.resolve() == target.resolve():
        return target
    if target.exists():
        set_aside(target, previous)
    os.replace(folder, target)
    return target


def set_aside(folder: Path, previous: Path, name: str | None = None) -> Path:
    """Move ``folder`` into ``previous`` as ``<name>@<time>`` (default name: the
    folder's)."""
    previous.mkdir(parents=True, exist_ok=True)
    base = f"{name or folder.name}@{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    for i in range(1, 10_000):
        dest = previous / (base if i == 1 else f"{base}-{i}")
        if not dest.exists():
            os.replace(folder, dest)
            return dest
    raise OSError(f"no free name in {previous} for {folder.name}")


# cell folders -------------------------------------------------------------------------


def read_cell_summary(path: Path) -> Summary | None:
    """The cell's summary, or None when it is missing, half-written or no summary."""
    try:
        data = json.loads(RunPaths(path).summary.read_text())
        return parse_summary(data) if isinstance(data, dict) else None
    except (OSError, ValueError):  # a pydantic ValidationError is a ValueError
        return None


def cell_state(path: Path) -> str:
    """``missing``, ``half-written`` (no readable summary), ``completed``,
    ``diverged``, ``failed``, ``resumable`` (interrupted, or left ``running`` by a
    process that is gone, with a checkpoint) or ``stale`` (the same without one).

    Only call it while holding the sweep's lock: a ``running`` cell then belongs to a
    process that is gone (killed), whatever its pid says now.
    """
    if not path.is_dir():
        return "missing"
    summary = read_cell_summary(path)
    if summary is None:
        return "half-written"
    status = summary.status
    if status in SETTLED:
        return status
    if status in ("interrupted", "running"):
        paths = RunPaths(path)
        return (
            "resumable"
            if paths.checkpoint.is_file() and paths.config.is_file()
            else "stale"
        )
    return "half-written"


def mark_interrupted(path: Path) -> None:
    """A ``running`` summary left by a killed process becomes ``interrupted``."""
    summary = read_cell_summary(path)
    if summary is not None and summary.status == "running":
        message = "the process training this cell ended without finishing (killed?)"
        write_summary(
            RunPaths(path).summary,
            summary.updated(status="interrupted", message=message),
        )


def located_state(folder: Path, name: str) -> tuple[str, Path]:
    """Cell ``name``'s state (:func:`cell_state`) and the folder holding it: its
    place in the sweep folder or, when nothing is there, the newest run a killed
    sweep left in ``.staging`` if :func:`recover_staging` would move that one in
    (finished, failed or resumable).  Readers see a killed sweep's cells as they
    are before anything moves them."""
    path = folder / name
    state = cell_state(path)
    if state == "missing":
        staged_state, staged = _recoverable(_staged_runs(folder / STAGING / name))
        if staged is not None:
            return staged_state, staged
    return state, path


def _staged_runs(holder: Path) -> list[Path]:
    """The run folders of a cell's ``.staging`` holder, oldest first."""
    try:
        return sorted(p for p in holder.iterdir() if p.is_dir())
    except OSError:
        return []


def _recoverable(runs: list[Path]) -> tuple[str, Path | None]:
    """The newest of a cell's staged ``runs`` and its state, when it is worth moving
    into place (finished, failed or resumable); else ``("missing", None)``."""
    if runs:
        state = cell_state(runs[-1])
        if state in (*SETTLED, "resumable"):
            return state, runs[-1]
    return "missing", None


def recover_staging(folder: Path, names: Sequence[str]) -> list[str]:
    """Cells left in ``.staging`` by a killed sweep: a finished, failed or resumable
    run is moved into place (unless a settled one is there already); the rest are set
    aside in ``.previous``.  Returns notes for the user."""
    staging, previous = folder / STAGING, folder / PREVIOUS
    notes: list[str] = []
    if not staging.is_dir():
        return notes
    for holder in sorted(p for p in staging.iterdir() if p.is_dir()):
        target = folder / holder.name
        runs = _staged_runs(holder)
        for run in runs[:-1]:
            set_aside(run, previous, holder.name)
        state, run = _recoverable(runs)
        if (
            run is not None
            and holder.name in names
            and cell_state(target) not in SETTLED
        ):
            place(run, target, previous)
            notes.append(f"recovered {holder.name} ({state}) from an earlier run")
        elif runs:
            set_aside(runs[-1], previous, holder.name)
        shutil.rmtree(holder, ignore_errors=True)
    return notes


# results.csv --------------------------------------------------------------------------

_SKIP = ("epoch", "lr")


def csv_value(cell: Cell, key: str) -> Any:
    """A key's value in results.csv: its label when labelled, scalars as they are,
    lists and mappings as one line of YAML."""
    value, label = cell.values[key], cell.labels[key]
    if label != value_text(value):
        return label
    return yaml_text(value) if isinstance(value, list | dict) else value


def cell_row(
    cell: Cell, keys: Sequence[str], summary: Summary | None, state: str
) -> dict[str, Any]:
    """One row of results.csv for ``cell`` (``summary`` None when it has not run)."""
    row: dict[str, Any] = {"cell": cell.name}
    row.update({k: csv_value(cell, k) for k in keys if k != "seed"})
    s = summary or Summary()
    row["seed"] = cell.seed if cell.seed is not None else s.seed
    row["status"] = (
        state
        if state in (*SETTLED, "interrupted")
        else ("interrupted" if state in ("resumable", "stale") else "not run")
    )
    row["epochs"] = s.epochs
    row["best_epoch"] = s.best_epoch
    for section, metrics in (("final", s.final), ("best", s.best), ("test", s.test)):
        for name, value in metrics.items():
            if name not in _SKIP and not name.endswith("seconds"):
                row[f"{section}_{name}"] = value
    row["wall_seconds"] = s.wall_seconds
    row["run_folder"] = cell.name
    row["error"] = s.error or ""
    row["message"] = s.message or ""
    row["findings"] = findings_text(s.findings or [])
    return row


def findings_text(findings: Sequence[Mapping[str, Any]]) -> str:
    """A run's findings in one results.csv cell: their rules (with the layer), ``; ``
    between them (``nnexp show`` has the sentences)."""
    return "; ".join(
        f["rule"] + (f" layer {f['layer']}" if f.get("layer") else "") for f in findings
    )


def results_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows in cell order; metric columns grouped final, best, test."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return frame
    order = {"final": 1, "best": 2, "test": 3}
    head = [c for c in frame.columns if c.split("_")[0] not in order]
    tail = [
        c
        for c in ("wall_seconds", "run_folder", "error", "message", "findings")
        if c in frame.columns
    ]
    metrics = sorted(
        (c for c in frame.columns if c.split("_")[0] in order),
        key=lambda c: order[c.split("_")[0]],
    )
    head = [c for c in head if c not in tail]
    for column in ("seed", "epochs", "best_epoch"):  # whole numbers, even with blanks
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(
                "Int64"
            )
    return frame[head + metrics + tail]


def write_results(folder: Path, frame: pd.DataFrame) -> Path:
    path = folder / RESULTS_FILE
    atomic_write_bytes(path, frame.to_csv(index=False).encode())
    return path


def read_results(folder: Path) -> pd.DataFrame:
    """results.csv as the cell folders say now, written back when it was stale.

    A sweep killed with ``kill -9`` leaves the results.csv of its last write (every
    few seconds): cells completed since then would read "not run".  So results.csv is
    rebuilt from ``sweep.yaml`` and the cell folders whenever it is read, and
    rewritten when it differs.  While a live sweep holds the lock, its own results.csv
    is current and is read as it is.
    """
    folder = Path(folder)
    data = read_sweep_file(folder)
    with ExitStack() as stack:
        try:
            stack.enter_context(locked(folder))
        except RunError:  # held by the running sweep, which keeps results.csv current
            return _read_csv(folder / RESULTS_FILE)
        except OSError:  # a read-only folder: rebuilt, not written
            return rebuilt_results(folder, data)
        frame = rebuilt_results(folder, data)
        _write_if_changed(folder, frame)
        return frame


def rebuilt_results(folder: Path, data: Mapping[str, Any]) -> pd.DataFrame:
    """results.csv from the cell folders (``data``: the parsed sweep.yaml).

    Only call it while holding the sweep's lock (see :func:`cell_state`)."""
    rows = []
    for cell in (Cell.from_dict(c) for c in data["cells"]):
        state, path = located_state(folder, cell.name)
        summary = read_cell_summary(path) if state != "missing" else None
        rows.append(cell_row(cell, list(data["keys"]), summary, state))
    return results_frame(rows)


def refresh_results(folders: Iterable[Path]) -> None:
    """Bring the results.csv of each sweep folder among ``folders`` up to date; a
    folder that is no sweep, or a damaged one, is left alone (for listings)."""
    for folder in dict.fromkeys(Path(f) for f in folders):
        if (folder / SWEEP_FILE).is_file():
            try:
                read_results(folder)
            except (RunError, OSError, KeyError, TypeError, ValueError):
                pass  # a damaged sweep.yaml: the listing shows its cells anyway


def _write_if_changed(folder: Path, frame: pd.DataFrame) -> None:
    path = folder / RESULTS_FILE
    text = frame.to_csv(index=False).encode()
    try:
        if path.read_bytes() == text:
            return
    except OSError:
        pass
    atomic_write_bytes(path, text)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise RunError(f"{path} is not a readable results file: {err}") from err


#: the metric that summarises a cell, in order of preference
SUMMARY_METRICS = (
    "final_val_accuracy",
    "final_val_loss",
    "final_train_accuracy",
    "final_train_loss",
)


def summary_metric(frame: pd.DataFrame) -> str | None:
    """The first of :data:`SUMMARY_METRICS` with a finite value in ``frame``."""
    for name in SUMMARY_METRICS:
        if name in frame:
            values = pd.to_numeric(frame[name], errors="coerce")
            if values.replace([np.inf, -np.inf], np.nan).notna().any():
                return name
    return None


def combination_summary(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Mean, std, finite count and total of the summary metric per combination of
    ``keys`` over the cells that completed or diverged, best first.

    Returns an empty frame when there is nothing to summarise; ``attrs["metric"]``
    names the metric.
    """
    done = frame[frame["status"].isin(FINAL)] if "status" in frame else frame
    metric = summary_metric(done)
    keys = [k for k in keys if k in done]
    if metric is None or done.empty or not keys:
        return pd.DataFrame()
    values = pd.to_numeric(done[metric], errors="coerce").replace(
        [np.inf, -np.inf], np.nan
    )
    groups = values.groupby([done[k].astype(str) for k in keys], sort=False)
    table = groups.agg(["mean", "std", "count", "size"]).reset_index()
    table = table.sort_values("mean", ascending="loss" in metric, na_position="last")
    table.attrs["metric"] = metric
    return table.reset_index(drop=True)
