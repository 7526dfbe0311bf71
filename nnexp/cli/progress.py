"""Training progress in the terminal: rich bars on a TTY, plain lines otherwise."""

from __future__ import annotations

import math
import time
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from nnexp.api import Callback

#: epoch lines are printed at most this often (the first FIRST_LINES and the last
#: always, so a short run shows every epoch): 5,000 epochs of a millisecond must not
#: spend a third of the run printing
LINE_SECONDS = 0.1
FIRST_LINES = 20


def fmt(value: Any, pct: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if pct:
        return f"{100 * value:.2f}%"
    return f"{value:.4g}"


def epoch_line(row: dict[str, Any], epochs: int) -> str:
    parts = [
        f"epoch {row['epoch']:>{len(str(epochs))}}/{epochs}",
        f"loss {fmt(row.get('train_loss'))}",
    ]
    if "val_loss" in row and not _nan(row.get("val_loss")):
        parts.append(f"val_loss {fmt(row['val_loss'])}")
    for key in ("train_accuracy", "val_accuracy"):
        if key in row and not _nan(row.get(key)):
            parts.append(f"{key.replace('train_', '')} {fmt(row[key], pct=True)}")
    for key in ("train_mse", "val_mse"):
        if key in row and not _nan(row.get(key)):
            parts.append(f"{key} {fmt(row[key])}")
    parts.append(f"{row.get('seconds', 0):.2f}s")
    return "  ".join(parts)


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


class TrainProgress(Callback):
    """Epoch and batch bars with the live loss (TTY), or one line per epoch."""

    def __init__(self, console: Console):
        self.console = console
        self.epochs = 0
        self.live = console.is_terminal
        self.progress: Progress | None = None
        self.epoch_task = self.batch_task = None
        self.last_line = -math.inf
        self.skipped = 0

    def on_train_begin(self, info: dict[str, Any]) -> None:
        n_batches = info["n_batches"]
        self.epochs = info["epochs"]
        if not self.live:
            return
        self.batch_every = max(1, n_batches // 100)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        done = info["start_epoch"] - 1
        self.epoch_task = self.progress.add_task(
            "epochs ", total=self.epochs, completed=done, info=""
        )
        self.batch_task = self.progress.add_task("batches", total=n_batches, info="")

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        if self.progress is not None:
            self.progress.reset(self.batch_task, total=n_batches, info="")

    def on_batch_end(self, epoch: int, batch: int, n_batches: int, loss: float) -> None:
        if self.progress is not None:
            self.progress.update(
                self.batch_task, completed=batch, info=f"loss {loss:.4g}"
            )

    def on_epoch_end(self, row: dict[str, Any], snapshot: Any) -> None:
        now, epoch = time.monotonic(), row["epoch"]
        if now - self.last_line < LINE_SECONDS and FIRST_LINES < epoch < self.epochs:
            self.skipped += 1
            if self.progress is not None:  # the bar still moves
                self.progress.update(self.epoch_task, completed=epoch)
            return
        self.last_line = now
        line = epoch_line(row, self.epochs)
        if self.progress is not None:
            self.progress.update(
                self.epoch_task, completed=epoch, info=line.split("  ", 1)[1]
            )
            self.progress.console.print(line)
        else:
            self.console.print(line, soft_wrap=True)

    def on_train_end(self, result: Any) -> None:
        if self.progress is not None:
            self.progress.stop()
        if self.skipped:
            self.console.print(
                f"({self.skipped} epoch lines not shown: at most"
                f" {round(1 / LINE_SECONDS)} a second; metrics.csv has every epoch)",
                style="dim",
            )


def model_table(rows: list[dict[str, Any]], optimizer: str, loss: str) -> Table:
    table = Table(title="model", title_justify="left", show_edge=False)
    for col in ("layer", "shape", "params", "activation"):
        table.add_column(col, justify="right" if col == "params" else "left")
    for row in rows:
        table.add_row(
            row["layer"], row["shape"], f"{row['params']:,}", row["activation"]
        )
    table.caption = f"loss {loss} · optimizer {optimizer}"
    table.caption_justify = "left"
    return table
