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


def test_the_front_door_runs_the_sweep_the_command_line_runs(tmp_path):
    """``nnexp.run_sweep`` is the sweep of ``nnexp sweep``: the plan is validated
    before anything is written ("planned" comes first, no folder yet), the command is
    recorded, and the result knows its varied keys."""
    import yaml

    import nnexp

    events = []

    def on_event(event):
        if event["kind"] == "planned":
            assert not (tmp_path / "sweeps").exists()
        events.append(event["kind"])

    dry = nnexp.plan_sweep(TINY, grid=GRID, seeds=2, runs_dir=tmp_path)
    assert dry.todo == 4 and dry.sweep.folder is None
    result = nnexp.run_sweep(
        TINY, grid=GRID, seeds=2, runs_dir=tmp_path, jobs=1,
        on_event=on_event, command="nnexp sweep tiny.yaml",
    )  # fmt: skip
    assert events[0] == "planned" and events.index("plan") == 1
    assert events.count("end") == 4 and result.status == "completed"
    assert result.keys == ["model.activation", "seed"]
    recorded = yaml.safe_load((result.folder / "sweep.yaml").read_text())
    assert recorded["command"] == "nnexp sweep tiny.yaml"
    table = result.combinations()
    assert sorted(table["model.activation"]) == ["relu", "tanh"]
    assert list(table["count"]) == [2, 2]
    frame = result.frame
    for _, row in table.iterrows():
        cells = frame[frame["model.activation"] == row["model.activation"]]
        metric = table.attrs["metric"]
        assert row["mean"] == pytest.approx(cells[metric].mean(), rel=1e-12)
