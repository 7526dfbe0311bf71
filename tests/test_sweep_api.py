"""A notebook gets what `nnexp sweep` does: dry run, run, resume, one core count."""

from __future__ import annotations

import os
import shutil

import pytest

from nnexp import sweep
from nnexp.errors import NnexpError

TINY = {
    "name": "tiny",
    "dataset": {"name": "blobs", "n": 200},
    "model": {"hidden": [4], "activation": "relu", "output_activation": "softmax"},
    "loss": "cross_entropy",
    "training": {"epochs": 1, "batch_size": 32},
    "output": {"plots": False},
}
GRID = {"model.activation": ["relu", "tanh"]}


def test_plan_is_the_dry_run_and_run_then_resume_finish_the_sweep(tmp_path):
    planned = sweep.plan(TINY, grid=GRID, runs_dir=tmp_path)
    assert planned.sweep.folder is None  # nothing written by a dry run
    assert sorted(planned.actions.values()) == ["start", "start"]
    assert not (tmp_path / "sweeps").exists()

    result = sweep.run(TINY, grid=GRID, runs_dir=tmp_path, jobs=1)
    assert result.status == "completed" and len(result.frame) == 2
    # one cell lost: resuming from Python runs exactly that one again
    lost = result.folder / result.frame["cell"].iloc[0]
    shutil.rmtree(lost)
    again = sweep.plan(resume=result.folder)
    assert sorted(again.actions.values()) == ["done", "start"]
    resumed = sweep.run(resume=result.folder, jobs=1)
    assert resumed.status == "completed" and (lost / "model.npz").is_file()


def test_exactly_one_of_a_source_and_a_sweep_to_resume(tmp_path):
    with pytest.raises(NnexpError, match="exactly one"):
        sweep.plan()
    with pytest.raises(NnexpError, match="exactly one"):
        sweep.plan(TINY, resume=tmp_path)


def test_the_default_worker_count_is_the_cores_this_process_may_use():
    from nnexp.sweep.runner import default_jobs

    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    assert default_jobs() == (expected or os.cpu_count())
