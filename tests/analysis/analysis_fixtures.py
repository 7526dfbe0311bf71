"""Synthetic run and sweep folders, written in the layout of the run writer.

No training: each folder gets a ``config.yaml`` (a resolved spec), a ``metrics.csv``
with the trainer's columns (``nnexp/training/history.py``) and a ``summary.json``, so
the analysis commands can be tested in milliseconds.  Shared by tests/analysis and
tests/cli_analysis.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from nnexp.training.history import columns

BASE_CONFIG: dict[str, Any] = {
    "name": "toy",
    "seed": 0,
    "tags": [],
    "description": "",
    "dataset": {"name": "blobs", "n": 1000, "classes": 3, "validation": 0.1},
    "model": {
        "hidden": [8],
        "activation": {"name": "tanh", "k": 1.0},
        "output_activation": "softmax",
        "initializer": {"name": "randn_average", "gain": "auto"},
        "dropout": 0.0,
    },
    "loss": "cross_entropy",
    "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.0, "nesterov": False},
    "regularizer": {"name": "l2", "lam": 0.0},
    "schedule": {"name": "constant", "per": "epoch"},
    "training": {"epochs": 6, "batch_size": 16, "shuffle": True, "dtype": "float64"},
    "output": {"runs_dir": "/somewhere/runs", "plots": True, "checkpoint": True},
}

REGRESSION_CONFIG: dict[str, Any] = {
    **copy.deepcopy(BASE_CONFIG),
    "name": "sincos",
    "dataset": {"name": "sincos", "n": 200},
    "loss": "mse",
}


def set_key(config: dict[str, Any], dotted: str, value: Any) -> None:
    """``set_key(c, "model.activation.name", "relu")``, creating mappings on the way."""
    *parents, last = dotted.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def make_config(base: dict[str, Any] | None = None, **settings: Any) -> dict[str, Any]:
    """A copy of ``base`` with dotted settings given as ``model__activation__name=...``."""
    config = copy.deepcopy(base or BASE_CONFIG)
    for key, value in settings.items():
        set_key(config, key.replace("__", "."), value)
    return config


def make_history(
    rng: np.random.Generator,
    *,
    task: str = "classification",
    epochs: int = 6,
    quality: float = 0.9,
    diverge_at: int | None = None,
) -> pd.DataFrame:
    """Per-epoch rows in the trainer's columns: losses fall towards ``1 - quality``."""
    epoch = np.arange(1, epochs + 1)
    decay = np.exp(-epoch / 2.0)
    floor = 1.0 - quality
    train_loss = floor + 0.8 * decay + rng.uniform(0, 0.01, epochs)
    val_loss = train_loss + 0.02
    frame = pd.DataFrame({c: np.zeros(epochs) for c in columns(task, 2)})
    frame["epoch"] = epoch
    frame["train_loss"], frame["val_loss"] = train_loss, val_loss
    if task == "classification":
        frame["train_accuracy"] = np.clip(quality - 0.5 * decay + 0.01, 0, 1)
        frame["val_accuracy"] = np.clip(quality - 0.5 * decay, 0, 1)
    else:
        for split, loss in (("train", train_loss), ("val", val_loss)):
            frame[f"{split}_mse"] = 2 * loss
            frame[f"{split}_max_abs_error"] = 3 * np.sqrt(loss)
    frame["lr"] = 0.1
    frame["train_seconds"] = 0.01
    frame["seconds"] = 0.012
    for i in (1, 2):
        frame[f"layer{i}_weight_norm"] = 2.0 + 0.1 * epoch
        frame[f"layer{i}_grad_norm"] = 0.3 * decay + 1e-3
        frame[f"layer{i}_dead_fraction"] = 0.0
    if diverge_at is not None:
        frame = frame[frame["epoch"] <= diverge_at].copy()
        frame.loc[frame["epoch"] == diverge_at, ["train_loss", "val_loss"]] = math.inf
    return frame.reset_index(drop=True)


def write_run(
    folder: Path,
    config: dict[str, Any],
    history: pd.DataFrame,
    *,
    status: str | None = None,
    test: dict[str, float] | None = None,
    task: str = "classification",
) -> Path:
    """Write a run folder; the summary's final/best rows come from ``history``."""
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    history.to_csv(folder / "metrics.csv", index=False)
    if status is None:
        finite = len(history) == 0 or np.isfinite(history["train_loss"].iloc[-1])
        status = "completed" if finite else "diverged"
    summary: dict[str, Any] = {
        "name": config.get("name"),
        "seed": config.get("seed"),
        "status": status,
        "dataset": {"name": config["dataset"]["name"], "task": task},
        "epochs": int(len(history)),
        "wall_seconds": 0.5 + 0.01 * len(history),
    }
    if status == "running":
        summary.update(pid=1, host="another-host")  # not this host: stays 'running'
    if len(history) and status != "running":
        best = _best(history, task)
        summary.update(
            final=_clean(history.iloc[-1].to_dict()),
            best=_clean(history.loc[best].to_dict()),
            best_epoch=int(history.loc[best, "epoch"]),
            test=test or {},
        )
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    return folder


def _best(history: pd.DataFrame, task: str) -> int:
    column = "val_accuracy" if task == "classification" else "val_loss"
    values = history[column].replace([np.inf, -np.inf], np.nan)
    return int(values.idxmax() if task == "classification" else values.idxmin())


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in row.items()
    }


#: Mean final validation accuracy of each activation in the synthetic sweeps.
QUALITY = {"relu": 0.95, "tanh": 0.9, "abs": 0.85}


def write_sweep(
    root: Path,
    rng: np.random.Generator,
    *,
    grid: dict[str, list[Any]] | None = None,
    seeds: int = 3,
    name: str = "activations",
) -> Path:
    """A sweep folder: sweep.yaml, results.csv and one run folder per cell.

    Quality depends on ``model.activation.name`` (see :data:`QUALITY`), on
    ``optimizer.name`` (adam +0.02) and a little on the seed, so tests know the order.
    """
    grid = grid or {"model.activation.name": ["relu", "tanh", "abs"]}
    folder = root / f"2026-01-01_00-00-00_{name}"
    folder.mkdir(parents=True)
    spec = {"name": name, "base": "spec.yaml", "grid": grid, "seeds": seeds}
    (folder / "sweep.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    rows = []
    for cell in _cells(grid):
        for seed in range(seeds):
            config = make_config(seed=seed, name=name)
            for key, value in cell.items():
                set_key(config, key, value)
            quality = QUALITY[config["model"]["activation"]["name"]]
            quality += 0.02 * (config["optimizer"]["name"] == "adam") + 0.004 * seed
            quality += float(rng.normal(0.0, 0.002))
            history = make_history(rng, quality=quality)
            parts = [f"{k.rsplit('.', 2)[-2]}={v}" for k, v in cell.items()]
            run = write_run(
                folder / ",".join([*parts, f"seed={seed}"]),
                config,
                history,
                test={"loss": 0.1, "accuracy": quality},
            )
            rows.append(
                {
                    **cell,
                    "seed": seed,
                    "status": "completed",
                    "final_val_accuracy": history["val_accuracy"].iloc[-1],
                    "folder": run.name,
                }
            )
    pd.DataFrame(rows).to_csv(folder / "results.csv", index=False)
    return folder


def _cells(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = [{}]
    for key, values in grid.items():
        cells = [{**cell, key: value} for cell in cells for value in values]
    return cells
