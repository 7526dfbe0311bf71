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
    nnexp.run_sweep("configs/quickstart.yaml", grid=grid, executor="slurm",
                    cluster={"partition": "cpu", "time": "1:00:00"})

``slurm_scripts`` gives the sbatch scripts a Slurm sweep would submit (its dry run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nnexp.sweep.plan import RUN_ACTIONS
from nnexp.sweep.runner import Planned, SweepResult
from nnexp.sweep.runner import plan as plan_sweep
from nnexp.sweep.runner import run as run_sweep
from nnexp.sweep.source import source_from_options as sweep_source


def slurm_scripts(
    planned: Planned,
    groups: Sequence[Sequence[str]],
    cluster: Mapping[str, Any] | None = None,
) -> list[str]:
    """The sbatch scripts ``--executor slurm`` would submit for ``groups`` (the
    tasks of :meth:`Planned.groups`), with the sweep spec's ``cluster:`` section and
    ``cluster`` (the command line's options) over it."""
    from nnexp.sweep.slurm import cluster_spec, job_scripts

    spec = cluster_spec(planned.sweep.source.spec.cluster, dict(cluster or {}))
    sweep = planned.sweep
    folder = sweep.folder or Path(sweep.runs_dir, "sweeps", f"<time>_{sweep.name}")
    return job_scripts(spec, folder, groups)


__all__ = [
    "RUN_ACTIONS",
    "Planned",
    "SweepResult",
    "plan_sweep",
    "run_sweep",
    "slurm_scripts",
    "sweep_source",
]
