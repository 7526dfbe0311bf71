"""Sweep cells trained as populations end with the folders they get one per process:
the same model.npz arrays (np.array_equal), metrics.csv rows (timing columns aside),
statuses and results.csv rows, for several optimisers, with dropout, L2, early
stopping and a diverging member (issue 13)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from nnexp.errors import NnexpError
from nnexp.runner.population import train_population
from nnexp.runner.train import train
from nnexp.sweep.executors import LocalExecutor
from nnexp.sweep.plan import plan_sweep
from nnexp.sweep.runner import run_sweep, task_groups
from nnexp.sweep.source import build_source

TIME_COLUMNS = ["train_seconds", "seconds"]
#: blobs: the data depend on the seed, so the cells share seed 0 and differ in the rest
BASE = {
    "name": "popcells",
    "seed": 0,
    "dataset": {"name": "blobs", "n": 120},
    "model": {"hidden": [6], "activation": "tanh", "output_activation": "softmax"},
    "loss": "cross_entropy",
    "optimizer": {"name": "sgd", "lr": 0.1},
    "training": {"epochs": 6, "batch_size": 16},
    "output": {"plots": False},
}
#: two populations (sgd, adam) of members differing in learning rate, momentum,
#: dropout, L2 and early stopping; one sgd member diverges
SWEEP = {
    "base": BASE,
    "zip": {
        "optimizer": {
            "sgd": {"name": "sgd", "lr": 0.1},
            "momentum": {"name": "sgd", "lr": 0.05, "momentum": 0.9},
            "blowup": {"name": "sgd", "lr": 1.0e308},
            "adam": {"name": "adam", "lr": 0.01},
            "adam_slow": {"name": "adam", "lr": 0.002, "beta1": 0.8},
        },
        "model.dropout": [0.0, 0.3, 0.0, 0.0, 0.2],
        "regularizer.lam": [0.0, 0.001, 0.0, 0.01, 0.0],
        "training.early_stopping": [
            None,
            {"patience": 1, "min_delta": 0.05},
            None,
            {"patience": 1, "min_delta": 0.05},
            None,
        ],
    },
}


def _sweep(runs_dir: Path, population: bool):
    planned = plan_sweep(build_source(SWEEP), runs_dir=runs_dir)
    result = run_sweep(planned, LocalExecutor(1), plots=False, population=population)
    return planned, result


def _same_folder(a: Path, b: Path) -> None:
    wa, wb = np.load(a / "model.npz"), np.load(b / "model.npz")
    assert sorted(wa.files) == sorted(wb.files)
    for key in wa.files:
        assert np.array_equal(wa[key], wb[key]), key
    ma = pd.read_csv(a / "metrics.csv").drop(columns=TIME_COLUMNS)
    mb = pd.read_csv(b / "metrics.csv").drop(columns=TIME_COLUMNS)
    pd.testing.assert_frame_equal(ma, mb, check_exact=True)
    ca, cb = (yaml.safe_load((f / "config.yaml").read_text()) for f in (a, b))
    assert ca["output"].pop("runs_dir") != cb["output"].pop("runs_dir")  # two sweeps
    assert ca == cb
    assert (a / "checkpoint.npz").is_file() and (b / "checkpoint.npz").is_file()


def test_populations_are_formed_of_compatible_cells(tmp_path: Path) -> None:
    planned = plan_sweep(build_source(SWEEP), runs_dir=tmp_path)
    names = [c.name for c in planned.cells]
    groups = task_groups(planned, names, True, workers=1)
    by_optimizer = sorted(sorted(n.split(",")[0] for n in g) for g in groups)
    assert by_optimizer == [
        ["optimizer=adam", "optimizer=adam_slow"],
        ["optimizer=blowup", "optimizer=momentum", "optimizer=sgd"],
    ]
    assert task_groups(planned, names, False, workers=1) == [[n] for n in names]
    # the sweep spec's key turns populations off too
    off = plan_sweep(build_source({**SWEEP, "population": False}), runs_dir=tmp_path)
    assert task_groups(off, names, True, workers=1) == [[n] for n in names]
    # two workers: a group is cut so that neither waits
    assert len(task_groups(planned, names, True, workers=5)) == 5


def test_population_cells_equal_single_process_cells(tmp_path: Path) -> None:
    _, together = _sweep(tmp_path / "pop", population=True)
    _, alone = _sweep(tmp_path / "one", population=False)
    statuses = dict(zip(together.frame["cell"], together.frame["status"], strict=True))
    assert statuses == dict(
        zip(alone.frame["cell"], alone.frame["status"], strict=True)
    )
    assert sorted(statuses.values()) == ["completed"] * 4 + ["diverged"]
    stopped = together.frame.set_index("cell")["epochs"]
    assert stopped.min() < BASE["training"]["epochs"]  # early stopping ended a cell
    for cell in together.frame["cell"]:
        _same_folder(together.folder / cell, alone.folder / cell)
    drop = [c for c in together.frame.columns if "seconds" in c or c == "run_dir"]
    pd.testing.assert_frame_equal(
        together.frame.drop(columns=drop, errors="ignore"),
        alone.frame.drop(columns=drop, errors="ignore"),
    )


def test_train_population_gives_each_spec_its_single_run(tmp_path: Path) -> None:
    specs = [
        {**BASE, "optimizer": {"name": "sgd", "lr": lr}, "name": f"lr{i}"}
        for i, lr in enumerate([0.1, 0.03, 0.3])
    ]
    runs = train_population(specs, runs_dir=tmp_path / "pop")
    singles = [train(s, runs_dir=tmp_path / "one") for s in specs]
    assert [r.record.status for r in runs] == ["completed"] * 3
    for run, single in zip(runs, singles, strict=True):
        assert run.path.parent == tmp_path / "pop"
        _same_folder(run.path, single.path)


def test_a_member_that_fails_to_start_leaves_the_others(tmp_path: Path) -> None:
    model = {"layers": [5, 6, 3], "activation": "tanh", "output_activation": "softmax"}
    bad = {**BASE, "model": model}  # a valid spec, but blobs have 2 features
    with pytest.raises(NnexpError, match="5"):
        train_population([BASE, bad], runs_dir=tmp_path)
    folders = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(folders) == 1
    assert np.load(folders[0] / "model.npz").files
