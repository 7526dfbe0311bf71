"""Plan a sweep: expand and validate every cell before anything runs, make or reopen
the sweep folder, and decide what each cell needs.

:func:`plan_sweep` checks every cell's run spec and, once per distinct data set, the
layer sizes and loss against the data; :func:`open_sweep` reads a sweep folder back for
``--resume`` (its cells as first expanded, its base spec as it was then), and
:func:`plan_actions` tells from each cell folder what to do with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nnexp.errors import NnexpError, SpecError
from nnexp.runs.layout import new_run_dir
from nnexp.spec.check import data_problems
from nnexp.spec.models import RunSpec
from nnexp.spec.sweep import SweepSource, validate_sweep
from nnexp.sweep import folder as sf
from nnexp.sweep.expand import (
    Base,
    Cell,
    Expansion,
    describe_cells,
    expand,
    load_base,
    validate_cells,
)
from nnexp.sweep.populations import data_key, population_groups

#: what a resumed sweep does with a cell, by the state of its folder
ACTIONS = {
    "missing": "start",
    "half-written": "restart",
    "stale": "restart",
    "resumable": "resume",
    "completed": "done",
    "diverged": "done",
    "failed": "failed",
}
RUN_ACTIONS = ("start", "restart", "resume", "rerun")


@dataclass
class Sweep:
    """A validated sweep: its cells, their run specs, and where it runs."""

    name: str
    source: SweepSource
    base: Base
    expansion: Expansion
    specs: dict[str, RunSpec]
    runs_dir: Path
    folder: Path | None = None
    notes: list[str] = field(default_factory=list)
    #: data set key → whether its split depends on the seed (from the data check)
    seeded: dict[str, bool] = field(default_factory=dict)

    def groups(self, names: Sequence[str], *, workers: int = 1) -> list[list[str]]:
        """The cells ``names`` as populations (see :mod:`nnexp.sweep.populations`);
        one group per cell when the sweep spec says ``population: false``."""
        if not self.source.spec.population:
            return [[name] for name in names]
        return population_groups(self.specs, names, seeded=self.seeded, workers=workers)

    @property
    def cells(self) -> list[Cell]:
        return self.expansion.cells


def plan_sweep(
    source: SweepSource,
    *,
    runs_dir: str | Path | None = None,
    name: str | None = None,
    check_data: bool = True,
    data_required: bool = True,
    progress: Callable[..., None] | None = None,
) -> Sweep:
    """Expand ``source`` and validate every cell (specs, then sizes against the data
    sets when ``check_data``); raises SpecError naming the bad cells."""
    base = load_base(source)
    expansion = expand(source.spec)
    label = source.label or (str(base.file) if base.file else None)
    specs = validate_cells(base, expansion.cells, source=label)
    notes = list(expansion.notes)
    seeded: dict[str, bool] = {}
    if check_data:
        notes += check_cells_data(
            expansion.cells,
            specs,
            required=data_required,
            progress=progress,
            source=label,
            seeded=seeded,
        )
    where = Path(
        runs_dir if runs_dir is not None else specs[0].output.runs_dir
    ).expanduser()
    title = name or source.spec.name or str(base.data.get("name") or "sweep")
    return Sweep(
        title,
        source,
        base,
        expansion,
        {c.name: s for c, s in zip(expansion.cells, specs, strict=True)},
        where.resolve(),
        notes=notes,
        seeded=seeded,
    )


def check_cells_data(
    cells: Sequence[Cell],
    specs: Sequence[RunSpec],
    *,
    required: bool,
    progress: Callable[..., None] | None = None,
    source: str | None = None,
    seeded: dict[str, bool] | None = None,
) -> list[str]:
    """Layer sizes and losses against each data set (loaded once per distinct data
    set).  A data set that cannot be loaded here is an error when ``required``, else
    a note (dask workers may have it).  ``seeded`` gets, per data set loaded, whether
    its split depends on the seed."""
    groups: dict[str, list[int]] = {}
    for i, spec in enumerate(specs):
        groups.setdefault(data_key(spec), []).append(i)
    failures: dict[tuple[str, str], list[Cell]] = {}
    notes = []
    for key, members in groups.items():
        try:
            info, drew = _dataset_info(specs[members[0]], progress)
        except NnexpError as err:
            if required:
                raise
            notes.append(
                f"sizes not checked against the data here ({err}); "
                "the workers must load it"
            )
            continue
        if seeded is not None:
            seeded[key] = drew
        for i in members:
            for problem in data_problems(specs[i], info):
                failures.setdefault(problem, []).append(cells[i])
    if failures:
        problems = [
            (f"{k} ({describe_cells(c, cells)})", m) for (k, m), c in failures.items()
        ]
        raise SpecError(problems, source=source)
    return notes


def _dataset_info(
    spec: RunSpec, progress: Callable[..., None] | None
) -> tuple[Any, bool]:
    """The data set's sizes, loaded as the run will load it, and whether the loader
    drew from the split generator (then each seed has its own split)."""
    from nnexp.data import load_dataset
    from nnexp.engine.rng import streams

    rng = streams(spec.seed)["split"]
    before = rng.bit_generator.state
    _, info = load_dataset(
        spec.dataset.built,
        seed_rng=rng,
        dtype=spec.training.dtype,
        progress=progress,
    )
    return info, rng.bit_generator.state != before


def create_folder(sweep: Sweep, *, command: str = "") -> Path:
    """Make the sweep folder and write ``sweep.yaml`` (and an all-``not run``
    results.csv)."""
    folder = new_run_dir(sweep.runs_dir / "sweeps", sweep.name)
    sweep.folder = folder
    sf.write_sweep_file(
        folder,
        {
            "name": sweep.name,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": command,
            "runs_dir": str(sweep.runs_dir),
            "spec": sweep.source.spec.dump(),
            "spec_file": sweep.source.label,
            "spec_folder": str(sweep.source.folder),
            "base_file": str(sweep.base.file) if sweep.base.file else None,
            "base_folder": str(sweep.base.folder),
            "base": sweep.base.data,
            "overrides": list(sweep.base.overrides),
            "keys": sweep.expansion.keys,
            "axes": sweep.expansion.axes,
            "sampled": sweep.expansion.sampled,
            "trials": sweep.expansion.n_trials,
            "notes": sweep.notes,
            "cells": [c.to_dict() for c in sweep.cells],
        },
    )
    sf.write_results(folder, results_of(sweep, {}))
    return folder


def open_sweep(
    folder: str | Path,
    *,
    check_data: bool = True,
    data_required: bool = True,
    progress: Callable[..., None] | None = None,
) -> Sweep:
    """A sweep folder to resume, from its ``sweep.yaml`` (the cells as first
    expanded, the base spec as it was then)."""
    folder = Path(folder).expanduser().resolve()
    data = sf.read_sweep_file(folder)
    spec = validate_sweep(data["spec"], source=str(folder / sf.SWEEP_FILE))
    source = SweepSource(
        spec,
        Path(data["spec_folder"]),
        Path(data["spec_file"]) if data.get("spec_file") else None,
    )
    base = Base(
        data["base"],
        Path(data["base_folder"]),
        tuple(data.get("overrides") or ()),
        Path(data["base_file"]) if data.get("base_file") else None,
    )
    cells = [Cell.from_dict(c) for c in data["cells"]]
    axes = [list(a) for a in data["axes"]]
    expansion = Expansion(
        cells,
        list(data["keys"]),
        axes,
        int(data["trials"]),
        sampled=list(data.get("sampled") or []),
    )
    specs = validate_cells(base, cells, source=str(folder / sf.SWEEP_FILE))
    notes = []
    seeded: dict[str, bool] = {}
    if check_data:
        notes = check_cells_data(
            cells, specs, required=data_required, progress=progress, seeded=seeded
        )
    return Sweep(
        str(data["name"]),
        source,
        base,
        expansion,
        {c.name: s for c, s in zip(cells, specs, strict=True)},
        Path(data["runs_dir"]),
        folder,
        notes,
        seeded,
    )


def plan_actions(sweep: Sweep, *, retry_failed: bool = False) -> dict[str, str]:
    """Each cell's action: ``start``, ``restart`` (a half-written or stale folder is
    set aside), ``resume`` (from its checkpoint), ``rerun`` (failed, retried),
    ``done`` or ``failed`` (kept)."""
    out = {}
    for cell in sweep.cells:
        # a killed sweep's cell still in .staging: what the resume will move in
        state = (
            sf.located_state(sweep.folder, cell.name)[0] if sweep.folder else "missing"
        )
        action = ACTIONS[state]
        out[cell.name] = "rerun" if action == "failed" and retry_failed else action
    return out


def cell_row_of(sweep: Sweep, cell: Cell) -> dict[str, Any]:
    path = sweep.folder / cell.name
    state = sf.cell_state(path)
    summary = sf.read_cell_summary(path) if state != "missing" else None
    return sf.cell_row(cell, sweep.expansion.keys, summary, state)


def results_of(sweep: Sweep, rows: Mapping[str, dict]) -> pd.DataFrame:
    return sf.results_frame(
        [
            rows.get(c.name) or sf.cell_row(c, sweep.expansion.keys, None, "missing")
            for c in sweep.cells
        ]
    )
