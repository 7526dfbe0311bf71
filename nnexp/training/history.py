"""Per-epoch records and their DataFrame form (the columns of metrics.csv)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is loaded when a table is asked for
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
            f"layer{i}_saturation",
            f"layer{i}_update_ratio",
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
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def best_epoch(frame: pd.DataFrame) -> int | None:
    """The best epoch of a metrics table when early stopping did not choose one.

    The highest ``val_accuracy`` (classification), ties broken by the lowest
    ``val_loss`` and then the earlier epoch; else the lowest ``val_loss``; else the
    lowest ``train_loss``. Non-finite values never win. None for an empty table.
    """
    import pandas as pd

    if not len(frame):
        return None
    order: list[tuple[str, bool]] = [
        ("val_accuracy", False),
        ("val_loss", True),
        ("train_loss", True),
    ]
    for i, (column, _) in enumerate(order):
        if column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        finite = values.replace([float("inf"), float("-inf")], float("nan")).notna()
        if not finite.any():
            continue
        keys = [c for c, _ in order[i:] if c in frame.columns and c != "train_loss"]
        keys = keys or [column]
        ranked = frame.loc[finite, ["epoch", *keys]].astype(float)
        ranked = ranked.fillna(float("inf"))  # a missing tie-breaker ranks last
        ascending = [dict(order)[c] for c in keys]
        ranked = ranked.sort_values([*keys, "epoch"], ascending=[*ascending, True])
        return int(ranked["epoch"].iloc[0])
    return None
