"""Sweeps: grids and random searches of runs, in parallel, resumable (issue 6).

``nnexp sweep`` on the command line; from Python, ``nnexp.run_sweep`` and
``nnexp.plan_sweep`` (the front door, :mod:`nnexp.api`) are :func:`run` and
:func:`plan` here::

    from nnexp import sweep
    grid = {"model.activation": ["relu", "tanh"]}
    result = sweep.run("configs/quickstart.yaml", grid=grid, seeds=3, jobs=2)
    result.frame          # results.csv as a DataFrame
    result.folder         # runs/sweeps/<time>_quickstart/
    sweep.plan("configs/quickstart.yaml", grid=grid).actions   # the dry run
    sweep.run(resume=result.folder)                               # --resume

Modules: :mod:`~nnexp.spec.sweep` (the sweep spec), :mod:`~nnexp.sweep.source` (files
and the command line), :mod:`~nnexp.sweep.expand` (cells), :mod:`~nnexp.sweep.naming`,
:mod:`~nnexp.sweep.plan` (validation, the folder, resume), :mod:`~nnexp.sweep.runner`,
:mod:`~nnexp.sweep.executors` (local processes, Dask), :mod:`~nnexp.sweep.worker` and
:mod:`~nnexp.sweep.remote` (one cell), :mod:`~nnexp.sweep.folder` (files, results.csv),
:mod:`~nnexp.sweep.plots`.
"""

from __future__ import annotations

from nnexp.sweep.executors import DaskExecutor, LocalExecutor, make_executor
from nnexp.sweep.plan import Sweep, create_folder, open_sweep, plan_actions, plan_sweep
from nnexp.sweep.runner import Planned, SweepResult, execute, plan, run, run_sweep
from nnexp.sweep.source import build_source

__all__ = [
    "DaskExecutor",
    "LocalExecutor",
    "Planned",
    "Sweep",
    "SweepResult",
    "build_source",
    "create_folder",
    "execute",
    "make_executor",
    "open_sweep",
    "plan",
    "plan_actions",
    "plan_sweep",
    "run",
    "run_sweep",
]
