"""A sweep killed (kill -9) while a population trains: ``--resume`` finishes every
cell from its checkpoint, and the cells end with the numbers of a sweep that was never
interrupted, trained one process per cell."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from nnexp.sweep.executors import LocalExecutor
from nnexp.sweep.plan import open_sweep, plan_sweep
from nnexp.sweep.runner import run_sweep
from nnexp.sweep.source import build_source

ROOT = Path(__file__).resolve().parents[2]
SPEC = {
    "name": "killed",
    "seed": 0,
    "dataset": {"name": "blobs", "n": 400},
    "model": {"hidden": [8], "activation": "relu", "output_activation": "softmax"},
    "loss": "cross_entropy",
    "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.5},
    "training": {"epochs": 400, "batch_size": 8},
    "output": {"plots": False},
}
GRID = "optimizer.lr=0.01,0.02,0.05"


def _checkpoints(runs: Path) -> list[Path]:
    return list(runs.glob("sweeps/*/.staging/*/*/checkpoint.npz"))


def test_kill_9_during_a_population_then_resume_finishes_every_cell(tmp_path: Path):
    spec = tmp_path / "killed.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    runs = tmp_path / "runs"
    args = [sys.executable, "-m", "nnexp", "sweep", str(spec), "--grid", GRID]
    args += ["-j", "1", "-q", "--runs-dir", str(runs)]
    proc = subprocess.Popen(
        args,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(_checkpoints(runs)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker
    proc.wait()
    assert len(_checkpoints(runs)) == 3  # the three members were training
    (folder,) = (runs / "sweeps").iterdir()
    resumed = run_sweep(open_sweep(folder), LocalExecutor(1), plots=False)
    assert resumed.status == "completed"
    assert sorted(resumed.frame["status"]) == ["completed"] * 3
    for cell in resumed.frame["cell"]:  # continued from the checkpoints, not restarted
        summary = json.loads((folder / cell / "summary.json").read_text())
        assert summary["resumed_from_epoch"] >= 1

    source = build_source(spec, grid={"optimizer.lr": [0.01, 0.02, 0.05]})
    alone = run_sweep(
        plan_sweep(source, runs_dir=tmp_path / "alone"),
        LocalExecutor(1),
        plots=False,
        population=False,
    )
    for cell in alone.frame["cell"]:
        a, b = (
            np.load(folder / cell / "model.npz"),
            np.load(alone.folder / cell / "model.npz"),
        )
        assert all(np.array_equal(a[k], b[k]) for k in b.files)
        ma = pd.read_csv(folder / cell / "metrics.csv").drop(
            columns=["train_seconds", "seconds"]
        )
        mb = pd.read_csv(alone.folder / cell / "metrics.csv").drop(
            columns=["train_seconds", "seconds"]
        )
        pd.testing.assert_frame_equal(ma, mb, check_exact=True)
