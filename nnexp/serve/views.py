"""What the run, compare and sweep pages show, as JSON-ready data.

A run: its curves and per-layer diagnostics (:mod:`nnexp.serve.series`), config,
summary, findings (when its summary has them) and figures.  A comparison:
:func:`nnexp.analysis.compare.compare`'s table, and with groups (``by``; by default
every differing setting but the seed, when seeds vary) the mean, 95 % interval and
paired t-test of :func:`nnexp.analysis.stats.group_stats`, what ``nnexp compare --by``
prints, with the curves of each group (mean ± std over its runs).  A sweep: its
progress, results (as its cell folders say now) and figures.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from nnexp.analysis.compare import compare
from nnexp.analysis.figures import group_labels
from nnexp.analysis.labels import label_runs, label_value
from nnexp.analysis.select import check_one_task, has_epochs
from nnexp.analysis.stats import group_stats
from nnexp.errors import NnexpError
from nnexp.plots.registry import RUN_PLOTS
from nnexp.runs.summary import clean
from nnexp.serve.catalog import Entry
from nnexp.serve.figures import live_kinds
from nnexp.serve.series import group_series, run_series
from nnexp.sweep.folder import STAGING

#: image files of a run's or sweep's ``plots/`` folder shown on its page
IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg", ".gif")
#: the statuses a sweep's progress counts
PROGRESS = ("completed", "running", "failed", "diverged", "interrupted", "not run")


def cell(value: Any) -> Any:
    """A table cell for JSON: finite numbers, text, None."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None
        return int(value) if isinstance(value, int | np.integer) else number
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def frame_data(frame: pd.DataFrame) -> dict[str, Any]:
    """A DataFrame as ``{"columns": [...], "rows": [[...], ...]}``."""
    return {
        "columns": [str(c) for c in frame.columns],
        "rows": [[cell(v) for v in row] for row in frame.itertuples(index=False)],
    }


def findings(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's ``findings`` (summary.json, as ``training/findings.py`` writes them:
    rule, layer, epoch, message, evidence), each as a title (the rule), a text (the
    message) and the rest as detail; absent in folders written before findings."""
    shown = []
    for item in summary.get("findings") or []:
        rest = dict(item)
        title, text = rest.pop("rule", None), rest.pop("message", None)
        shown.append(
            {
                "title": None if title is None else str(title),
                "text": None if text is None else str(text),
                "detail": json.dumps(clean(rest), default=str) if rest else None,
            }
        )
    return shown


def images(folder: Path, prefix: str) -> list[dict[str, str]]:
    """The images in ``folder/plots`` as name and URL (``/files/<prefix>/plots/…``)."""
    plots = folder / "plots"
    if not plots.is_dir():
        return []
    return [
        {"name": p.name, "url": f"/files/{prefix}/plots/{p.name}"}
        for p in sorted(plots.iterdir())
        if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
    ]


def version_tag(entry: Entry) -> str:
    return str(abs(hash(entry.version)))


def run_view(entry: Entry) -> dict[str, Any]:
    """Everything the run page shows; a folder that does not read shows its error."""
    view: dict[str, Any] = {
        "id": entry.id,
        "name": entry.name,
        "status": entry.status,
        "error": entry.error,
        "sweep": entry.sweep,
        "version": version_tag(entry),
    }
    run = entry.run
    if run is None:
        return view
    saved = images(entry.path, entry.id)  # drawn when the run ended: final
    names = {image["name"] for image in saved}
    view.update(
        config=yaml.safe_dump(run.config, sort_keys=False, allow_unicode=True),
        summary=clean(run.summary),
        findings=findings(run.summary),
        images=saved,
        live=[
            {
                "name": kind,
                "url": f"/figure/run/{kind}/{entry.id}?v={version_tag(entry)}",
            }
            for kind in live_kinds()
            if has_epochs(run) and RUN_PLOTS.get(kind).file not in names
        ],
        series=run_series(run),
    )
    return view


def compare_view(
    entries: Sequence[Entry], by: Sequence[str] = (), smooth: int = 1
) -> dict[str, Any]:
    """The comparison of the runs of ``entries`` that have an epoch (the others are
    named in ``skipped``); an error text instead when they cannot be compared."""
    runs = [e.run for e in entries if e.run is not None and has_epochs(e.run)]
    view: dict[str, Any] = {
        "runs": [{"id": e.id, "name": e.name} for e in entries],
        "skipped": [
            f"{e.name}: {e.error or 'no epoch recorded yet'}"
            for e in entries
            if e.run is None or not has_epochs(e.run)
        ],
    }
    if not runs:
        view["error"] = (
            "none of the selected runs has an epoch yet: nothing to compare."
        )
        return view
    try:
        check_one_task(runs)
        comparison = compare(runs)
    except NnexpError as err:
        view["error"] = str(err)
        return view
    keys = list(by) or (
        [k for k in comparison.keys if k != "seed"]
        if "seed" in comparison.keys and len(comparison.keys) > 1
        else []
    )
    labels = label_runs([r.config for r in runs])
    view.update(
        by=[comparison.names.get(k, k) for k in keys],
        metric=comparison.sort,
        table=frame_data(comparison.table),
        differences=differences(comparison),
    )
    if keys:
        try:
            stats = group_stats(comparison, keys)
            labels, _ = group_labels(runs, keys)
            view["stats"] = {
                "table": frame_data(stats.table),
                "notes": stats.notes,
                "warnings": stats.warnings,
                "metric": stats.metric,
            }
        except NnexpError as err:
            view["stats_error"] = str(err)
    view["series"] = group_series(runs, labels, smooth)
    return view


def differences(comparison: Any) -> dict[str, Any]:
    """The settings that differ, one row per run (in the table's order)."""
    keys = comparison.keys
    rows = [
        [cell(Path(folder).name)]
        + [label_value(k, flat[k]) if k in flat else "—" for k in keys]
        for folder, flat in zip(
            comparison.table["folder"], comparison.flats, strict=True
        )
    ]
    return {"columns": ["run", *keys], "rows": rows}


def sweep_progress(statuses: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(PROGRESS, 0)
    for status in statuses:
        counts[status if status in counts else "not run"] += 1
    counts["total"] = len(statuses)
    return counts


def running_cells(entries: Sequence[Entry], sweep_id: str) -> dict[str, Entry]:
    """Cell name → the entry of the cell the sweep is training now (in .staging)."""
    return {
        e.path.parent.name: e
        for e in entries
        if e.sweep == sweep_id and e.path.parent.parent.name == STAGING
    }
