"""Trainability against depth (Schoenholz et al. 2017): a sweep's final accuracies
over (σ_w², depth), for the figure that draws 6 ξ_c over them.

The sweep (``configs/sweeps/trainability_depth.yaml``) varies
``model.initializer.weight_variance`` (σ_w² of the ``mean_field`` initialiser) and
``model.hidden`` with values labelled by their depth; :func:`trainability_grid` reads
its results table (one row per cell, the labels as written) into a grid, averaging
seeds.  The sweep must have trained the activation and σ_b² that the theory is
computed for: :func:`check_matches` refuses anything else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nnexp.errors import NnexpError
from nnexp.signal.setup import Setup
from nnexp.types import Array

WEIGHT_KEY = "model.initializer.weight_variance"
DEPTH_KEY = "model.hidden"
METRIC = "final_val_accuracy"


@dataclass(frozen=True)
class Trainability:
    """A sweep's accuracies on the (σ_w², depth) grid.

    Attributes
    ----------
    sigma_w2, depth : the grid's values, sorted
    accuracy : (len(depth), len(sigma_w2)), the mean over seeds; NaN where no cell
        completed
    activation, sigma_b2 : what the sweep trained (from one of its runs)
    epochs : the epochs each network trained
    seconds : the summed training time of the cells
    cells : completed cells
    folder : the sweep folder
    """

    sigma_w2: Array
    depth: Array
    accuracy: Array
    activation: str
    sigma_b2: float
    epochs: int
    seconds: float
    cells: int
    folder: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "metric": METRIC,
            "sigma_w2": self.sigma_w2,
            "depth": self.depth,
            "accuracy": self.accuracy,
            "epochs": self.epochs,
            "cells": self.cells,
            "training_seconds": self.seconds,
        }


def trainability_grid(
    frame: pd.DataFrame, folder: str, activation: str, sigma_b2: float
) -> Trainability:
    """The grid of a sweep's results table (see the module docstring)."""
    missing = [k for k in (WEIGHT_KEY, DEPTH_KEY, METRIC) if k not in frame.columns]
    if missing:
        raise NnexpError(
            f"sweep {folder}: its results have no {', '.join(missing)}; a trainability"
            f" sweep varies {WEIGHT_KEY} (σ_w² of the mean_field initialiser) and"
            f" {DEPTH_KEY} labelled by depth, like"
            " configs/sweeps/trainability_depth.yaml"
        )
    done = frame[frame["status"] == "completed"] if "status" in frame else frame
    if done.empty:
        raise NnexpError(f"sweep {folder}: no cell has completed yet")
    depth = done[DEPTH_KEY].map(_depth)
    if depth.isna().any():
        bad = sorted(set(done[DEPTH_KEY][depth.isna()].astype(str)))[:3]
        raise NnexpError(
            f"sweep {folder}: {DEPTH_KEY} values are labelled {bad}; label them by"
            ' their depth, e.g. "20": [100, 100, ...], so the figure can place them'
        )
    table = (
        pd.DataFrame(
            {"w": done[WEIGHT_KEY].astype(float), "d": depth, "a": done[METRIC]}
        )
        .groupby(["d", "w"])["a"]
        .mean()
        .unstack("w")
        .sort_index()
    )
    seconds = float(done["wall_seconds"].sum()) if "wall_seconds" in done else math.nan
    epochs = int(done["epochs"].max()) if "epochs" in done else 0
    return Trainability(
        np.asarray(table.columns, dtype=float),
        np.asarray(table.index, dtype=float),
        table.to_numpy(dtype=float),
        activation,
        float(sigma_b2),
        epochs,
        seconds,
        int(len(done)),
        folder,
    )


def _depth(label: Any) -> float:
    try:
        value = int(str(label).strip())
    except ValueError:
        return math.nan
    return float(value) if value >= 1 else math.nan


def check_matches(grid: Trainability, setup: Setup) -> None:
    """The sweep trained the theory's activation at its σ_b², or NnexpError."""
    same_act = grid.activation == setup.name
    same_b2 = math.isclose(grid.sigma_b2, setup.variances.sigma_b2, abs_tol=1e-12)
    if not (same_act and same_b2):
        raise NnexpError(
            f"sweep {grid.folder} trained {grid.activation} at σ_b² = {grid.sigma_b2:g},"
            f" but the theory asked for is {setup.name} at σ_b² ="
            f" {setup.variances.sigma_b2:g}; give the sweep's activation and"
            f" --sigma-b2 {grid.sigma_b2:g}"
        )
