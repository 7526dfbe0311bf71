"""Sweeps on a real Slurm (scripts/slurm-cluster.sh start, as root): the results of a
local sweep, cells isolated, scancel and the time-limit signal leaving resumable
cells, clear errors before anything is written.  Skipped when no Slurm is up."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from sweep_helpers import metrics, plan
from typer.testing import CliRunner

from nnexp.cli.app import app
from nnexp.errors import NnexpError
from nnexp.spec.cluster import ClusterSpec
from nnexp.sweep.executors import LocalExecutor
from nnexp.sweep.plan import open_sweep
from nnexp.sweep.runner import run_sweep
from nnexp.sweep.slurm import SlurmExecutor

pytest.importorskip(
    "submitit", reason="the Slurm executor needs submitit (nnexp[slurm])"
)


def _slurm_up() -> str:
    """Why Slurm cannot be used here ('' when it can)."""
    try:
        done = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20
        )
    except (FileNotFoundError, subprocess.TimeoutExpired) as err:
        return f"no Slurm here ({err})"
    if done.returncode or not {"idle", "mixed", "allocated"} & set(done.stdout.split()):
        return f"no Slurm node is up ({(done.stderr or done.stdout).strip()})"
    return ""


WHY = _slurm_up()
needs_slurm = pytest.mark.skipif(
    bool(WHY), reason=f"{WHY}: start one with scripts/slurm-cluster.sh start (as root)"
)
pytestmark = needs_slurm


def _slurm(max_array: int = 0) -> SlurmExecutor:
    executor = SlurmExecutor(0, ClusterSpec(time=5))
    executor.max_array = max_array
    return executor


def test_a_slurm_sweep_gives_the_results_of_a_local_one(tiny: Path, tmp_path: Path):
    """Two seeds × two learning rates, one job per cell in arrays of at most 3 tasks
    (MaxArraySize split), and as populations: results.csv as a local sweep's."""
    kwargs = {"grid": {"optimizer.lr": [0.05, 0.2]}, "seeds": 2}
    local = run_sweep(plan(tiny, tmp_path / "local", **kwargs), LocalExecutor(2))
    cells = run_sweep(
        plan(tiny, tmp_path / "cells", **kwargs), _slurm(max_array=3), population=False
    )
    grouped = run_sweep(plan(tiny, tmp_path / "groups", **kwargs), _slurm())
    for result in (local, cells, grouped):
        assert result.status == "completed"
        assert list(result.frame["status"]) == ["completed"] * 4
    pd.testing.assert_frame_equal(metrics(cells.frame), metrics(local.frame))
    pd.testing.assert_frame_equal(metrics(grouped.frame), metrics(local.frame))
    arrays = (cells.folder / "slurm" / "jobs.txt").read_text().splitlines()
    assert len(arrays) == 2  # 4 cells in arrays of ≤ 3
    logs = list((cells.folder / "slurm").glob("*/*_log.out"))  # a folder per job
    assert len(logs) == 4


def test_a_raising_cell_is_isolated(tiny: Path, boom: str, tmp_path: Path):
    planned = plan(tiny, tmp_path, grid={"model.activation": ["relu", boom]})
    result = run_sweep(planned, _slurm())
    status = dict(zip(result.frame["cell"], result.frame["status"], strict=True))
    assert sorted(status.values()) == ["completed", "failed"]
    failed = result.frame[result.frame["status"] == "failed"]
    assert "boom in forward" in failed["error"].iloc[0]
    assert result.status == "failed" and result.exit_code == 1


def _cancel_when_checkpointed(executor: SlurmExecutor, folder: Path, how: list[str]):
    """Once the cell's first checkpoint is written, ``scancel`` (``how``) its job."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if list(folder.glob("**/checkpoint.npz")) and getattr(executor, "arrays", None):
            subprocess.run(["scancel", *how, *executor.arrays], check=True)
            return
        time.sleep(0.2)


@pytest.mark.parametrize(
    "how",
    [[], ["--signal=USR2"]],
    ids=["scancel", "time-limit-signal"],
)
def test_a_cancelled_job_leaves_a_cell_that_resume_completes(
    tiny: Path, tmp_path: Path, how: list[str]
):
    """scancel (SIGTERM) or the signal Slurm sends before the time limit (SIGUSR2):
    the cell ends interrupted with its checkpoint; --resume completes it."""
    planned = plan(tiny, tmp_path, seeds=[0], overrides=["training.epochs=20000"])
    executor = _slurm()
    canceller = threading.Thread(
        target=_cancel_when_checkpointed,
        args=(executor, tmp_path / "sweeps", how),
        daemon=True,
    )
    canceller.start()
    first = run_sweep(planned, executor)
    canceller.join()
    row = first.frame.iloc[0]
    assert row["status"] == "interrupted"
    assert 0 < row["epochs"] < 20000
    assert first.status == "interrupted" and first.exit_code == 130
    resumed = run_sweep(open_sweep(first.folder), _slurm(), plots=False)
    assert list(resumed.frame["status"]) == ["completed"]
    assert resumed.frame["epochs"].iloc[0] == 20000


def test_a_bad_partition_is_an_error_before_anything_is_written(
    tiny: Path, tmp_path: Path
):
    runs = tmp_path / "runs"
    args = ["sweep", str(tiny), "--seeds", "2", "--runs-dir", str(runs)]
    result = CliRunner().invoke(
        app, [*args, "--executor", "slurm", "--partition", "no-such-partition"]
    )
    assert result.exit_code == 2, result.output
    assert "no Slurm partition 'no-such-partition'" in result.output
    assert not runs.exists()


def test_an_unreachable_controller_is_an_error_before_anything_is_written(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A slurm.conf whose controller port has nobody behind it."""
    conf = tmp_path / "slurm.conf"
    shown = subprocess.run(
        ["scontrol", "show", "config"], capture_output=True, text=True
    )
    conf_file = next(
        line.split("=", 1)[1].strip()
        for line in shown.stdout.splitlines()
        if line.startswith("SLURM_CONF")
    )
    conf.write_text(Path(conf_file).read_text() + "\nSlurmctldPort=1\n")
    monkeypatch.setenv("SLURM_CONF", str(conf))
    runs = tmp_path / "runs"
    with pytest.raises(NnexpError, match="cannot reach the Slurm controller"):
        run_sweep(plan(tiny, runs, seeds=2), _slurm())
    assert not runs.exists()


def _queued_ids() -> set[str]:
    done = subprocess.run(["squeue", "-h", "-o", "%F"], capture_output=True, text=True)
    return set(done.stdout.split())


def test_stopping_cancels_this_sweeps_queued_jobs_and_no_other(
    tiny: Path, tmp_path: Path
):
    """Ctrl-C (the stop event): the running cell ends interrupted after its batch,
    the queued ones are cancelled (not run), a job of someone else stays queued."""
    wrap = ["sbatch", "--parsable", "-J", "not-this-sweep", "-o", "/dev/null"]
    wrap += ["--wrap", "sleep 300"]
    other = subprocess.run(wrap, capture_output=True, text=True, check=True)
    other_id = other.stdout.strip().split(";")[0]
    try:
        planned = plan(tiny, tmp_path, seeds=3, overrides=["training.epochs=20000"])
        stop = threading.Event()

        def on_event(event: dict) -> None:
            if event["kind"] == "epoch":
                stop.set()

        executor = SlurmExecutor(1, ClusterSpec(time=5))  # one at a time: two wait
        result = run_sweep(
            planned, executor, stop=stop, on_event=on_event, population=False
        )
        assert sorted(result.frame["status"]) == ["interrupted", "not run", "not run"]
        assert result.exit_code == 130
        assert other_id in _queued_ids()
        assert not set(executor.arrays) & _queued_ids()
    finally:
        subprocess.run(["scancel", other_id], check=False)
