"""Helpers for the population trainer tests: member Trainers built from small cell
descriptions, trained alone and together, and the comparison of everything a run
ends with (history rows except timing, weights, optimiser and generator states, the
result's status, message, epochs, best epoch and test metrics)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from nnexp.engine import rng as rngmod
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.engine.regularizers import REGULARIZERS
from nnexp.engine.schedules import SCHEDULES
from nnexp.training.callbacks import Callback, EarlyStopping
from nnexp.training.population import TIME_COLUMNS, PopulationTrainer
from nnexp.training.trainer import FitResult, Trainer


@dataclass
class Cell:
    """One member: what may differ between the members of a population."""

    seed: int
    optimizer: Any = field(default_factory=lambda: {"name": "sgd", "lr": 0.1})
    schedule: dict[str, Any] | None = None
    regularizer: dict[str, Any] | None = None
    dropout: float = 0.0
    early_stopping: dict[str, Any] | None = None
    activation: str = "tanh"
    output_activation: str | None = None  # the task's: softmax, or identity
    data_seed: int = 11  # the member's own splits (one object per data seed)


def splits(
    task: str, dtype: str = "float64", *, val: bool = True, seed: int = 11
) -> Any:
    """A small data set: 3-class blobs, or a 2-output regression, in three splits."""
    rng = np.random.default_rng(seed)

    def split(n: int) -> SimpleNamespace:
        x = rng.standard_normal((n, 4)).astype(dtype)
        if task == "classification":
            labels = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5)
            return SimpleNamespace(x=x, y=np.eye(3, dtype=dtype)[labels], labels=labels)
        y = np.stack([np.sin(x[:, 0]), x[:, 1] * x[:, 2]], axis=1).astype(dtype)
        return SimpleNamespace(x=x, y=y, labels=None)

    return SimpleNamespace(
        train=split(30), val=split(13) if val else None, test=split(9)
    )


class Recorder(Callback):
    """Every hook call a member's callbacks see, with copies of what they got."""

    batch_every = 2

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        self.calls.append(("begin", epoch, n_batches))

    def on_batch_end(self, epoch: int, batch: int, n_batches: int, loss: float) -> None:
        self.calls.append(("batch", epoch, batch, n_batches, loss))

    def on_epoch_end(self, row: dict[str, Any], snapshot: Any) -> None:
        state = snapshot()
        kept = {k: v for k, v in row.items() if k not in TIME_COLUMNS}
        self.calls.append(("end", kept, state.epoch, state.step, state.weights))


def trainer(
    cell: Cell,
    data: Any,
    *,
    task: str,
    dtype: str = "float64",
    epochs: int = 4,
    batch_size: int = 7,
    shuffle: bool = True,
    stop: Any = None,
) -> Trainer:
    """A member's Trainer, built as a single run builds one: its network from its
    seed's init stream, its shuffle and dropout streams from the same seed."""
    rngs = rngmod.streams(cell.seed)
    classify = task == "classification"
    net = build_network(
        [4, 6, 5, 3 if classify else 2],
        activation=cell.activation,
        output_activation=cell.output_activation
        or ("softmax" if classify else "identity"),
        dropout=cell.dropout,
        rng=rngs["init"],
        dtype=dtype,
    )
    opt = cell.optimizer
    return Trainer(
        net,
        data,
        loss=LOSSES.build("cross_entropy" if classify else "mse"),
        optimizer=[OPTIMIZERS.build(dict(o)) for o in opt]
        if isinstance(opt, list)
        else OPTIMIZERS.build(dict(opt)),
        schedule=None
        if cell.schedule is None
        else SCHEDULES.build(dict(cell.schedule)),
        regularizer=None
        if cell.regularizer is None
        else REGULARIZERS.build(dict(cell.regularizer)),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=shuffle,
        rngs=rngs,
        callbacks=[Recorder()],
        early_stopping=None
        if cell.early_stopping is None
        else EarlyStopping(**cell.early_stopping),
        stop=stop,
    )


def same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN, arrays element-wise (dtype included)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and np.array_equal(
            a, b, equal_nan=a.dtype.kind == "f"
        )
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b or (a == b and not isinstance(a, bool))


def _first_difference(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> str:
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        for key in sorted(set(a) | set(b)):
            if not same(a.get(key), b.get(key)):
                return f"row {i}, {key}: {a.get(key)!r} != {b.get(key)!r}"
    return f"{len(got)} rows != {len(want)} rows"


def rows_without_time(result: FitResult) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k not in TIME_COLUMNS}
        for row in result.history.rows
    ]


def assert_population_equals_single_runs(
    cells: list[Cell], task: str = "classification", **kw: Any
) -> list[FitResult]:
    """Each member of the population ends exactly as its Trainer does alone."""
    val = kw.pop("val", True)
    data = {
        c.data_seed: splits(task, kw.get("dtype", "float64"), val=val, seed=c.data_seed)
        for c in cells
    }
    stop_after = kw.pop("stop_after", None)
    alone_trainers = [
        trainer(c, data[c.data_seed], task=task, stop=_Stop(stop_after), **kw)
        for c in cells
    ]
    alone = [t.run() for t in alone_trainers]
    members = [trainer(c, data[c.data_seed], task=task, **kw) for c in cells]
    together = PopulationTrainer(members, stop=_Stop(stop_after)).train()
    assert len(together) == len(cells)
    for p, (want, got) in enumerate(zip(alone, together, strict=True)):
        where = f"member {p}"
        for attr in ("status", "message", "epochs", "best_epoch", "stopped_early"):
            assert getattr(got, attr) == getattr(want, attr), (where, attr)
        assert same(got.test, want.test), (where, got.test, want.test)
        got_rows, want_rows = rows_without_time(got), rows_without_time(want)
        assert same(got_rows, want_rows), (
            where,
            _first_difference(got_rows, want_rows),
        )
        assert got.state is not None and want.state is not None
        for attr in ("epoch", "step", "weights", "optimizers", "rng", "early_stopping"):
            assert same(getattr(got.state, attr), getattr(want.state, attr)), (
                where,
                attr,
            )
        for name, w in alone_trainers[p].net.params.items():
            assert same(members[p].net.params[name], w), (where, name)
        assert same(
            members[p].callbacks[0].calls, alone_trainers[p].callbacks[0].calls
        ), where
    return together


class _Stop:
    """``is_set()`` turns true on its ``after``-th call (None: never): the same step
    for a single run and a population, which ask once per step."""

    def __init__(self, after: int | None):
        self.after, self.calls = after, 0

    def is_set(self) -> bool:
        self.calls += 1
        return self.after is not None and self.calls >= self.after
