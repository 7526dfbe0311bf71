"""The runs table of the dashboard: one row per run folder, as JSON.

Filters are :func:`nnexp.analysis.filters.filter_runs`'s (``key=value`` on any spec key
or the short name ``compare --by`` takes, and a status), plus a part of the name.  The
"settings that differ" are the spec keys whose values differ among the runs the filters
kept (:func:`nnexp.analysis.labels.differing_keys`), named by their short names.  A
folder that cannot be read is a row with its error (status ``unreadable``).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from nnexp.analysis.filters import filter_runs
from nnexp.analysis.labels import (
    MISSING,
    differing_keys,
    flatten_configs,
    label_value,
    short_names,
)
from nnexp.runs.reader import Run
from nnexp.serve.catalog import Entry

#: the metrics a row shows, as ``<split>_<metric>`` columns of metrics.csv
METRIC = re.compile(r"^(train|val)_(loss|accuracy|mse|max_abs_error)$")


def number(value: Any) -> float | None:
    """A finite float, or None (JSON has no NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
    value = float(value)
    return value if math.isfinite(value) else None


def metrics_of(values: Mapping[Any, Any]) -> dict[str, float | None]:
    return {str(k): number(v) for k, v in values.items() if METRIC.match(str(k))}


def final_metrics(run: Run) -> dict[str, float | None]:
    """summary.json's final metrics; for a run still going, its last epoch's."""
    final = metrics_of(run.record.final)
    if not final and len(run.history):
        final = metrics_of(run.history.iloc[-1].to_dict())
    return final


def duration(run: Run, status: str) -> float | None:
    """Seconds the run took, or has been going (while ``running``)."""
    record = run.record
    if record.wall_seconds is not None:
        return number(record.wall_seconds)
    if status == "running" and record.started:
        try:
            started = datetime.fromisoformat(record.started).timestamp()
        except ValueError:
            return None
        return max(0.0, time.time() - started)
    return number(record.train_seconds)


def run_row(entry: Entry, settings: dict[str, str]) -> dict[str, Any]:
    """One row: the run's identity, status, times, settings and metrics."""
    row: dict[str, Any] = {
        "id": entry.id,
        "name": entry.name,
        "sweep": entry.sweep,
        "status": entry.status,
        "error": entry.error,
        "settings": settings,
    }
    run = entry.run
    if run is None:
        return row
    record = run.record
    planned = (run.config.get("training") or {}).get("epochs")
    row.update(
        started=(record.started or "")[:19].replace("T", " ") or None,
        duration=duration(run, entry.status),
        epochs=record.epochs if record.epochs is not None else len(run.history),
        planned=planned if isinstance(planned, int) else None,
        final=final_metrics(run),
        best=metrics_of(record.best),
        test={k: number(v) for k, v in record.test.items() if number(v) is not None},
        message=record.message or None,
    )
    return row


def runs_table(
    entries: Sequence[Entry],
    filters: Sequence[str] = (),
    status: str | None = None,
    text: str = "",
) -> dict[str, Any]:
    """The rows that pass the filters, and the short names of the differing keys.

    Raises NnexpError for a filter that is not ``key=value``, a key that no run has
    or an unknown status (what ``nnexp runs`` says).
    """
    readable = [e for e in entries if e.run is not None]
    runs = [e.run for e in readable if e.run is not None]
    wanted = status if status != "unreadable" else None
    kept_runs = filter_runs(runs, filters, wanted) if (filters or wanted) else runs
    kept_ids = {id(r) for r in kept_runs}
    kept = [e for e in readable if id(e.run) in kept_ids]
    if status == "unreadable":
        kept = []
    if not filters and status in (None, "unreadable"):
        kept += [e for e in entries if e.run is None]
    if text:
        kept = [e for e in kept if text.lower() in e.name.lower()]
    flats = flatten_configs([e.run.config if e.run else {} for e in kept])
    good = [f for e, f in zip(kept, flats, strict=True) if e.run is not None]
    keys = differing_keys(good) if len(good) > 1 else []
    names = short_names(keys)
    rows = [
        run_row(
            entry,
            {names[k]: label_value(k, flat.get(k, MISSING)) for k in keys}
            if entry.run is not None
            else {},
        )
        for entry, flat in zip(kept, flats, strict=True)
    ]
    return {"rows": rows, "settings": [names[k] for k in keys], "total": len(entries)}
