"""Turn the RUN_OR_SWEEP arguments of ``plot``, ``compare`` and ``report`` into runs.

An argument may be a run folder, a sweep folder (``runs/sweeps/<stamp>_<name>/``), any
folder holding runs (``runs/``), a file inside a run or sweep folder (its folder is
meant), or a glob pattern (``runs/*_mnist*``).  Runs named one by one must have at least
one epoch in ``metrics.csv`` (a run still going is fine); runs found inside a folder
that have none yet (a sweep cell just started) are left out with a note.  All runs
must be of one task: a loss next to an accuracy of another task means nothing.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nnexp.errors import RunError
from nnexp.runs.reader import Run, discover_runs, is_run_dir, load_run, safe_load

_GLOB_CHARS = frozenset("*?[")
#: Files that identify the folder they are in.
_RUN_FILES = (
    "config.yaml",
    "summary.json",
    "metrics.csv",
    "model.npz",
    "checkpoint.npz",
)
_SWEEP_FILES = ("sweep.yaml", "results.csv")


@dataclass
class Selection:
    """The runs an analysis command works on.

    Attributes
    ----------
    runs : runs in the order given (folders expanded in path order)
    inputs : the arguments as given
    sweeps : sweep folders among the inputs (or the folders of runs given by glob)
    skipped : one note per run left out (no epoch recorded yet)
    sweep_specs : the parsed ``sweep.yaml`` of each sweep folder, where readable
    """

    runs: list[Run]
    inputs: list[str]
    sweeps: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    sweep_specs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def task(self) -> str | None:
        """The task all runs share (checked by :func:`select_runs`)."""
        return run_task(self.runs[0]) if self.runs else None

    @property
    def grid_keys(self) -> list[str]:
        """The dotted keys varied by the sweep spec(s), in the spec's order."""
        keys: list[str] = []
        for spec in self.sweep_specs:
            for section in ("grid", "zip"):
                keys += _mapping_keys(_section(spec, section))
        return list(dict.fromkeys(keys))


def _section(spec: dict[str, Any], name: str) -> Any:
    """A section of a sweep file: top level (the sweep spec as written) or under
    ``spec:`` (the expanded sweep.yaml that ``nnexp sweep`` writes)."""
    inner = spec.get("spec")
    if name not in spec and isinstance(inner, dict):
        return inner.get(name)
    return spec.get(name)


def _mapping_keys(section: Any) -> list[str]:
    if isinstance(section, dict):
        return [str(k) for k in section]
    if isinstance(section, list):  # zip may be a list of mappings
        return [str(k) for item in section if isinstance(item, dict) for k in item]
    return []


def is_sweep_dir(path: Path) -> bool:
    """True for a folder with ``sweep.yaml`` or ``results.csv``."""
    return any((path / name).is_file() for name in _SWEEP_FILES)


def expand_argument(arg: str | Path) -> list[Path]:
    """The paths an argument names: itself, or the matches of a glob pattern.

    Raises
    ------
    RunError
        When the path does not exist or the pattern matches nothing.
    """
    text = str(arg)
    path = Path(text).expanduser()
    if path.exists():
        return [path]
    if _GLOB_CHARS & set(text):
        matches = sorted(glob.glob(str(path)))
        if not matches:
            raise RunError(f"the pattern '{text}' matches no file or folder.")
        return [Path(m) for m in matches]
    raise RunError(
        f"{text} does not exist; give a run folder (with config.yaml, summary.json and "
        "metrics.csv), a sweep folder, a folder of runs, or a glob pattern."
    )


def _folder_of(path: Path, arg: str) -> Path:
    """A file inside a run or sweep folder stands for its folder."""
    if path.is_dir():
        return path
    if path.name in _RUN_FILES + _SWEEP_FILES:
        return path.parent
    if path.parent.name == "plots" and is_run_dir(path.parent.parent):
        return path.parent.parent
    raise RunError(
        f"{path} is a file, not a run folder (from '{arg}'); give the folder that "
        "holds config.yaml, summary.json and metrics.csv."
    )


def _run_folders(folder: Path, arg: str) -> tuple[list[Path], bool]:
    """The run folders at or below ``folder`` and whether it was one run itself.

    Hidden folders are skipped: a sweep keeps cells still training in ``.staging/``
    and replaced attempts in ``.previous/``, which are not its results.
    """
    if is_run_dir(folder):
        return [folder], True
    found = [
        p
        for p in discover_runs(folder)
        if not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    if not found:
        kind = "sweep folder" if is_sweep_dir(folder) else "folder"
        raise RunError(
            f"{folder} is not a run folder and holds no runs (from '{arg}'): a run "
            f"folder has summary.json and config.yaml. This {kind} has "
            f"{_listing(folder)}."
        )
    return found, False


def _listing(folder: Path) -> str:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    if not names:
        return "nothing in it"
    shown = ", ".join(names[:8]) + (
        f" and {len(names) - 8} more" if len(names) > 8 else ""
    )
    return f"only {shown}"


def has_epochs(run: Run) -> bool:
    """True when ``metrics.csv`` has an ``epoch`` column and at least one row."""
    return "epoch" in run.history.columns and len(run.history) > 0


def _no_epochs_message(run: Run) -> str:
    status = run.status
    why = {
        "running": "it is running but has not finished its first epoch yet",
        "failed": f"it failed before its first epoch ({run.record.error or 'no error recorded'})",
        "interrupted": "it was interrupted before its first epoch",
    }.get(status, f"its status is '{status}'")
    return f"{run.path} has no metrics yet (metrics.csv has no epoch): {why}"


def select_runs(args: Sequence[str | Path], *, check_task: bool = True) -> Selection:
    """Expand ``args`` into runs (see the module docstring for what is accepted).

    Raises
    ------
    RunError
        For a path that does not exist or holds no run, a run named on its own that
        has no epoch yet, a selection left empty, or runs of different tasks.
    """
    if not args:
        raise RunError("give at least one run folder, sweep folder or glob pattern.")
    selection = Selection(runs=[], inputs=[str(a) for a in args])
    seen: set[Path] = set()
    for arg in args:
        for path in expand_argument(arg):
            folder = _folder_of(path, str(arg))
            if is_sweep_dir(folder) and not is_run_dir(folder):
                _add_sweep(selection, folder)
            folders, named = _run_folders(folder, str(arg))
            start = len(selection.runs)
            for run_dir in folders:
                if run_dir.resolve() in seen:
                    continue
                seen.add(run_dir.resolve())
                _add_run(selection, run_dir, named)
            _sort_sweep_cells(selection, start)
    if not selection.runs:
        notes = "; ".join(selection.skipped)
        raise RunError(
            f"none of the runs has metrics yet, so there is nothing to show: {notes}."
        )
    if check_task:
        check_one_task(selection.runs)
    return selection


def _add_run(selection: Selection, run_dir: Path, named: bool) -> None:
    try:
        run = load_run(run_dir)
    except RunError as err:
        if named:
            raise
        selection.skipped.append(str(err))  # one broken cell must not hide a sweep
        return
    if has_epochs(run):
        selection.runs.append(run)
    elif named:
        raise RunError(_no_epochs_message(run) + "; wait for an epoch or leave it out.")
    else:
        selection.skipped.append(_no_epochs_message(run))


def _sort_sweep_cells(selection: Selection, start: int) -> None:
    """List the cells of each sweep among ``selection.runs[start:]`` in the grid's
    order (relu, tanh, abs as the spec gives them), not alphabetically as their
    folders sort; sweeps keep their order, other runs stay where they are."""
    block = selection.runs[start:]
    specs = {}
    for run in block:
        parent = run.path.parent
        if parent not in specs:
            specs[parent] = (
                _add_sweep(selection, parent) if is_sweep_dir(parent) else None
            )
    if not any(specs.values()):
        return
    rank = {parent: i for i, parent in enumerate(specs)}

    def key(run: Run) -> tuple[Any, ...]:
        spec = specs[run.path.parent]
        return (rank[run.path.parent], grid_position(run.config, spec) if spec else ())

    selection.runs[start:] = sorted(block, key=key)


def _add_sweep(selection: Selection, folder: Path) -> dict[str, Any] | None:
    """Record a sweep folder; its parsed sweep.yaml when readable."""
    if folder not in selection.sweeps:
        from nnexp.sweep.folder import refresh_results

        selection.sweeps.append(folder)
        refresh_results([folder])  # results.csv as the cells say (after a kill -9)
    spec_file = folder / "sweep.yaml"
    try:
        spec = safe_load(spec_file.read_text()) if spec_file.is_file() else None
    except (OSError, yaml.YAMLError):
        spec = None  # the runs still say what varied; the grid order is a nicety
    if not isinstance(spec, dict):
        return None
    if spec not in selection.sweep_specs:
        selection.sweep_specs.append(spec)
    return spec


def grid_position(config: dict[str, Any], spec: dict[str, Any]) -> tuple[int, ...]:
    """Where a run's values stand in the lists of the sweep's ``grid``, then its seed.

    Sorting by this lists the cells as the sweep spec does (relu, tanh, abs), not
    alphabetically as their folders do.
    """
    grid = _section(spec, "grid")
    grid = grid if isinstance(grid, dict) else {}
    position = []
    for key, values in grid.items():
        value = _lookup(config, str(key))
        listed = values if isinstance(values, list) else []
        position.append(listed.index(value) if value in listed else len(listed))
    seed = config.get("seed")
    position.append(seed if isinstance(seed, int) else 0)
    return tuple(position)


def _lookup(config: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted key; a component mapping stands for its ``name``."""
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, dict) and "name" in node:
        return node["name"]
    return node


def run_task(run: Run) -> str:
    """``classification`` or ``regression``: from summary.json, else the columns."""
    task = run.task
    if task:
        return str(task)
    columns = set(run.history.columns)
    if columns & {"train_accuracy", "val_accuracy"}:
        return "classification"
    if columns & {"train_mse", "val_mse"}:
        return "regression"
    return "unknown"


def check_one_task(runs: Sequence[Run]) -> None:
    """Raise :class:`RunError` when the runs are not all of one task."""
    by_task: dict[str, list[Run]] = {}
    for run in runs:
        by_task.setdefault(run_task(run), []).append(run)
    if len(by_task) <= 1:
        return
    parts = [
        f"{task} ({len(members)} run{'s' if len(members) > 1 else ''}, e.g. {members[0].path})"
        for task, members in by_task.items()
    ]
    raise RunError(
        "these runs are of different tasks and cannot share a panel or a table: "
        + "; ".join(parts)
        + ". Give the runs of one task at a time."
    )
