"""Sweeps: ``run_sweep`` plans, validates and runs a grid or a random search of runs
(or resumes a sweep folder); ``plan_sweep`` is its dry run; ``sweep_source`` reads
the command line's option strings (``--grid KEY=V1,V2``) into a sweep.

Both are the functions of :mod:`nnexp.sweep.runner`, which composes the pipeline
(source → cells → validation → folder → executor → results.csv) once::

    import nnexp
    grid = {"model.activation": ["relu", "tanh"]}
    nnexp.plan_sweep("configs/quickstart.yaml", grid=grid, seeds=2).actions
    result = nnexp.run_sweep("configs/quickstart.yaml", grid=grid, seeds=2, jobs=2)
    result.frame                                   # results.csv
    nnexp.run_sweep(resume=result.folder)          # what is not done yet
"""

from __future__ import annotations

from nnexp.sweep.plan import RUN_ACTIONS
from nnexp.sweep.runner import Planned, SweepResult
from nnexp.sweep.runner import plan as plan_sweep
from nnexp.sweep.runner import run as run_sweep
from nnexp.sweep.source import source_from_options as sweep_source

__all__ = [
    "RUN_ACTIONS",
    "Planned",
    "SweepResult",
    "plan_sweep",
    "run_sweep",
    "sweep_source",
]
