"""Callbacks around the training loop, and early stopping.

The trainer calls every callback's hooks; none of them may change the maths of a step.
Progress bars and the run-folder writer live outside this package and implement the
same protocol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


class Callback:
    """No-op base: override what you need.

    ``batch_every`` > 0 asks for ``on_batch_end`` every that many batches (0: never),
    so a progress bar costs nothing per batch in between.
    """

    batch_every: int = 0

    def on_train_begin(self, info: dict[str, Any]) -> None: ...

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None: ...

    def on_batch_end(
        self, epoch: int, batch: int, n_batches: int, loss: float
    ) -> None: ...

    def on_epoch_end(self, row: dict[str, Any], snapshot: Any) -> None:
        """``row`` is the epoch's metrics; ``snapshot()`` returns the resumable state."""

    def on_train_end(self, result: Any) -> None: ...


LOWER_IS_BETTER = ("loss", "mse", "error")


@dataclass
class EarlyStopping:
    """Stop after ``patience`` epochs in a row without an improvement of ``monitor`` by
    more than ``min_delta`` (Keras' rule: patience 2 and a best epoch 6 stop after 8).

    ``mode`` "auto" minimises losses and errors and maximises anything else (accuracy).
    With ``restore_best`` the trainer puts back the weights of the best epoch.
    """

    monitor: str = "val_loss"
    mode: str = "auto"
    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True
    best: float = field(default=math.nan, init=False)
    best_epoch: int = field(default=0, init=False)
    wait: int = field(default=0, init=False)
    best_weights: dict[str, Any] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in ("auto", "min", "max"):
            raise ValueError(
                f"early_stopping.mode must be auto, min or max, not {self.mode!r}"
            )
        if self.patience < 0 or self.min_delta < 0:
            raise ValueError("early_stopping: patience and min_delta must be ≥ 0")

    @property
    def minimise(self) -> bool:
        if self.mode != "auto":
            return self.mode == "min"
        return any(word in self.monitor for word in LOWER_IS_BETTER)

    def improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if math.isnan(self.best):
            return True
        if self.minimise:
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def update(self, epoch: int, value: float, weights: Any) -> bool:
        """Record ``value`` of ``epoch``; True when training should stop."""
        if self.improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_weights = weights()
            return False
        self.wait += 1
        return self.wait >= self.patience  # `patience` epochs in a row without progress

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
        }
        for k, v in (self.best_weights or {}).items():
            state[f"best_weights/{k}"] = v
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = float(state["best"])
        self.best_epoch = int(state["best_epoch"])
        self.wait = int(state["wait"])
        weights = {
            k.split("/", 1)[1]: v
            for k, v in state.items()
            if k.startswith("best_weights/")
        }
        self.best_weights = weights or None
