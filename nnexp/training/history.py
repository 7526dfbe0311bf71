"""Per-epoch records and their DataFrame form (the columns of metrics.csv)."""

from __future__ import annotations

from typing import Any

import pandas as pd

#: leading metrics.csv columns, in order; per-layer columns follow
BASE_COLUMNS = ("epoch", "train_loss", "val_loss")
CLASSIFICATION = ("train_accuracy", "val_accuracy")
REGRESSION = ("train_mse", "val_mse", "train_max_abs_error", "val_max_abs_error")
TIME = ("penalty", "lr", "train_seconds", "seconds")


def columns(task: str, n_dense: int) -> list[str]:
    """The metrics.csv header for a task and a number of dense layers."""
    cols = ["epoch", "train_loss", "val_loss"]
    cols += list(CLASSIFICATION if task == "classification" else REGRESSION)
    cols += list(TIME)
    for i in range(1, n_dense + 1):
        cols += [
            f"layer{i}_weight_norm",
            f"layer{i}_grad_norm",
            f"layer{i}_dead_fraction",
        ]
    return cols


class History:
    """Rows of per-epoch metrics (dicts keyed by :func:`columns`)."""

    def __init__(
        self, task: str, n_dense: int, rows: list[dict[str, Any]] | None = None
    ):
        self.task = task
        self.columns = columns(task, n_dense)
        self.rows: list[dict[str, Any]] = list(rows or [])

    def append(self, row: dict[str, Any]) -> None:
        self.rows.append({c: row.get(c, float("nan")) for c in self.columns})

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.columns)
