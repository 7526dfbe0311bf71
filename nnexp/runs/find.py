"""Find a run folder from what a user types, and date it from its folder name.

:func:`find_run` turns a RUN argument (``show``, ``eval``, ``rerun``, ``train
--continue``) into a folder: a path, a folder name under the runs directory, or part
of one (the latest matching run).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from nnexp.errors import RunError
from nnexp.runs.reader import Run, discover_runs

#: the ``<date>_<time>_`` prefix of a run folder's name (see :mod:`nnexp.runs.layout`)
STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{2})-(\d{2})-(\d{2})_")


def find_run(text: str | Path, runs_dir: str | Path = Path("runs")) -> Path:
    """A run folder from a RUN argument: a path, a folder name under ``runs_dir``, or
    part of one (the latest matching run). Raises RunError otherwise."""
    path, runs_dir = Path(text), Path(runs_dir)
    for candidate in (path, runs_dir / path):
        if candidate.is_dir():
            return candidate
    found = discover_runs(runs_dir) if runs_dir.is_dir() else []
    matches = [p for p in found if str(text) in p.name]
    if matches:
        return max(matches, key=lambda p: p.name)  # folder names start with the date
    close = difflib.get_close_matches(
        str(text), [p.name for p in found], n=3, cutoff=0.5
    )
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise RunError(
        f"run {str(text)!r} not found: it is not a folder, nor a run under"
        f" {runs_dir}.{hint}"
        " Run `nnexp runs` to list the runs."
    )


def folder_date(path: Path) -> str:
    """``2026-11-23_10-00-05_quickstart`` → ``2026-11-23 10:00:05`` (else ``-``)."""
    m = STAMP.match(path.name)
    return f"{m.group(1)} {m.group(2)}:{m.group(3)}:{m.group(4)}" if m else "-"


def run_date(run: Run) -> str:
    """The date in the folder name, else when the run started (a sweep cell's
    folder is named by its values): ``2026-11-23 10:00:05``, or ``-``."""
    date = folder_date(run.path)
    started = run.record.started
    if date == "-" and isinstance(started, str) and len(started) >= 19:
        return started[:19].replace("T", " ")
    return date
