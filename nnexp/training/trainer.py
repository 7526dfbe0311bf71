"""The epoch / minibatch loop: no files, no printing; callbacks do the rest.

Speed: the minibatch loop does what a hand-written NumPy loop does and little else.
Gradient buffers are allocated once and reused every step (the optimisers update the
weights in place and may use the gradient buffers as scratch), softmax cross-entropy is
fused at the logits, and the per-batch extras are one scalar finiteness check, one
argmax into a preallocated array, and on up to 64 evenly spaced batches per epoch one
dot product per layer for the gradient norm (and, on the same batches, a copy of the
weights for the update/weight ratio, :mod:`nnexp.training.insight`).
Validation, dead units, saturation and weight norms are computed once per epoch,
outside the loop.

The loop also trains a population (:mod:`nnexp.training.population`): with stacked
networks and components every per-run value in it becomes one value per member, and
:class:`~nnexp.training.population.PopulationTrainer` overrides the few hooks where a
single run stops (a non-finite loss or weights) to stop only that member.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnexp.engine import members as per_member
from nnexp.engine import metrics
from nnexp.engine import rng as rngmod
from nnexp.engine.network import Network
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.engine.regularizers import REGULARIZERS, is_active
from nnexp.engine.schedules import SCHEDULES
from nnexp.training import inputs, insight
from nnexp.training.callbacks import Callback, EarlyStopping
from nnexp.training.evaluation import evaluate
from nnexp.training.history import History
from nnexp.training.state import TrainState

#: at most this many minibatches per epoch feed the layer{i}_grad_norm mean
GRAD_NORM_SAMPLES = 64


@dataclass
class FitResult:
    """What a training run ended with."""

    status: str  # completed | diverged | interrupted
    history: History
    epochs: int  # completed epochs
    best_epoch: int | None = None
    stopped_early: bool = False
    test: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    state: TrainState | None = None

    @property
    def frame(self):
        return self.history.to_frame()


class _Stop(Exception):
    def __init__(self, status: str, message: str, row: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.message, self.row = status, message, row


class Trainer:
    """Trains ``network`` on ``splits`` (see :func:`fit` for the parameters)."""

    def __init__(
        self,
        network: Network,
        splits: Any,
        *,
        loss: Any,
        optimizer: Any | Sequence[Any],
        schedule: Any = None,
        regularizer: Any = None,
        epochs: int,
        batch_size: int,
        shuffle: bool = True,
        rngs: Mapping[str, np.random.Generator] | int = 0,
        callbacks: Sequence[Callback] = (),
        early_stopping: EarlyStopping | None = None,
        stop: Any = None,
    ):
        if epochs < 1 or batch_size < 1:
            raise ValueError("epochs and batch_size must be ≥ 1")
        self.net, self.splits, self.loss = network, splits, loss
        self.schedule = (
            schedule if schedule is not None else SCHEDULES.build("constant")
        )
        self.regularizer = regularizer if is_active(regularizer) else None
        self.epochs, self.batch_size, self.shuffle = epochs, batch_size, shuffle
        self.rngs = rngmod.streams(rngs) if isinstance(rngs, int) else dict(rngs)
        self.callbacks = list(callbacks)
        self.early = early_stopping
        if (
            self.early is not None
            and splits.val is None
            and self.early.monitor.startswith("val_")
        ):
            # no validation split: watch the training metric of the same name
            self.early.monitor = "train_" + self.early.monitor[4:]
        self.stop = stop
        self.fused = getattr(loss, "fused_with", None) is not None
        self.task = (
            "classification" if splits.train.labels is not None else "regression"
        )
        self.history = History(self.task, len(network.dense))
        self.params = network.params
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.groups = self._groups(optimizer)
        n = len(splits.train.x)
        self.n_batches = math.ceil(n / batch_size)
        #: each minibatch's (start, stop) in the epoch's visiting order
        self.spans = [(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
        # the gradient norm is read on evenly spaced batches only: one dot product over
        # a 784×100 matrix costs ~15 % of a batch of 10, and diagnostics must not slow
        # the loop; ≤ GRAD_NORM_SAMPLES batches per epoch estimate the epoch's mean
        self.norm_every = max(1, self.n_batches // GRAD_NORM_SAMPLES)
        self.norm_count = len(range(0, self.n_batches, self.norm_every))
        self.epoch = 0
        self.step = 0

    def _groups(self, optimizer: Any) -> list[tuple[Any, dict, dict]]:
        """(optimizer, its params, its gradient buffers): one for the whole network, or
        one per dense layer when a list is given (the course gives each layer its own)."""
        names = self.net.layer_param_names()
        if isinstance(optimizer, list | tuple):
            if len(optimizer) != len(names):
                raise ValueError(
                    f"one optimizer per dense layer needs {len(names)} optimizers, got {len(optimizer)}"
                )
            sets = [
                (opt, list(pair)) for opt, pair in zip(optimizer, names, strict=True)
            ]
        else:
            sets = [(optimizer, list(self.params))]
        return [
            (opt, {k: self.params[k] for k in ks}, {k: self.grads[k] for k in ks})
            for opt, ks in sets
        ]

    # resumable state -------------------------------------------------------------------
    def snapshot(self) -> TrainState:
        return TrainState(
            epoch=self.epoch,
            step=self.step,
            weights=self.net.get_weights(),
            optimizers=[opt.state_dict() for opt, _, _ in self.groups],
            rng=rngmod.get_states(self.rngs),
            early_stopping=self.early.state_dict() if self.early else None,
        )

    def restore(
        self, state: TrainState, rows: list[dict[str, Any]] | None = None
    ) -> None:
        """Continue from ``state`` (and the metrics rows written before it)."""
        self.net.set_weights(state.weights)
        for (opt, _, _), opt_state in zip(self.groups, state.optimizers, strict=True):
            opt.load_state_dict(opt_state)
        rngmod.set_states(self.rngs, state.rng)
        if self.early is not None and state.early_stopping is not None:
            self.early.load_state_dict(state.early_stopping)
        self.epoch, self.step = state.epoch, state.step
        for row in rows or []:
            self.history.append(row)

    # the loop --------------------------------------------------------------------------
    def run(self) -> FitResult:
        self._begin()
        # the state at the end of the last completed epoch: a diverged or interrupted
        # run goes back to it, so its weights are finite and a resume is exact
        last = self.snapshot()
        status, message, stopped_early = "completed", "", False
        with np.errstate(
            over="ignore", invalid="ignore", divide="ignore", under="ignore"
        ):
            try:
                while self.epoch < self.epochs:
                    row, stopped_early = self._record(
                        self._epoch(), self.net.get_weights
                    )
                    last = self.snapshot()
                    for cb in self.callbacks:
                        cb.on_epoch_end(row, lambda state=last: state)
                    if stopped_early:
                        message = self._early_message()
                        break
            except _Stop as stop:
                status, message = stop.status, stop.message
                self._stopped(stop, last)
        return self._finish(status, message, stopped_early)

    # the steps of run, shared with the population trainer (one per member) ------------
    def _begin(self) -> None:
        info = {
            "task": self.task,
            "epochs": self.epochs,
            "n_batches": self.n_batches,
            "start_epoch": self.epoch + 1,
        }
        for cb in self.callbacks:
            cb.on_train_begin(info)

    def _record(self, row: dict[str, Any], weights: Any) -> tuple[dict[str, Any], bool]:
        """Append the epoch's row; returns it (in metrics.csv's column order) and
        whether early stopping ends the run (``weights()`` gives the current weights,
        kept when the monitored value improved)."""
        self.history.append(row)
        row = self.history.rows[-1]
        if self.early is None:
            return row, False
        value = row.get(self.early.monitor, math.nan)
        return row, bool(self.early.update(self.epoch, value, weights))

    def _early_message(self) -> str:
        assert self.early is not None
        return (
            f"early stopping after epoch {self.epoch}: {self.early.monitor} last"
            f" improved in epoch {self.early.best_epoch}"
        )

    def _stopped(self, stop: _Stop, last: TrainState) -> None:
        """A run that diverged or was interrupted goes back to ``last``."""
        if stop.row is not None:  # the failing epoch, for the record and the plots
            self.history.append(stop.row)
        self.restore(last)

    def _finish(self, status: str, message: str, stopped_early: bool) -> FitResult:
        best_epoch = self._finish_best(status)
        result = FitResult(
            status, self.history, self.epoch, best_epoch, stopped_early, {}, message
        )
        if status != "interrupted":
            result.test = self._test_metrics()
        result.state = self.snapshot()
        for cb in self.callbacks:
            cb.on_train_end(result)
        return result

    def _finish_best(self, status: str) -> int | None:
        if self.early is None or self.early.best_epoch == 0:
            return None
        if (
            status == "completed"
            and self.early.restore_best
            and self.early.best_weights is not None
        ):
            self.net.set_weights(self.early.best_weights)
        return self.early.best_epoch

    def _epoch(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        self.epoch += 1
        for cb in self.callbacks:
            cb.on_epoch_begin(self.epoch, self.n_batches)
        lr_epoch = [
            self._lr(opt, self.epoch - 1, self.epochs) for opt, _, _ in self.groups
        ]
        train_metrics = self._minibatches(lr_epoch)
        t1 = time.perf_counter()
        row: dict[str, Any] = {"epoch": self.epoch, "lr": lr_epoch[0], **train_metrics}
        if self.schedule.per == "step":  # the rate of the epoch's last step
            row["lr"] = self._lr(
                self.groups[0][0], self.step - 1, self.epochs * self.n_batches
            )
        self._check_weights()
        # the regulariser's term of the cost at the epoch's end weights; train_loss is
        # the data term alone, so runs with and without L2 compare directly
        row["penalty"] = (
            self.regularizer.penalty(self.params) if self.regularizer else 0.0
        )
        self._validation(row)
        for i, layer in enumerate(self.net.dense, start=1):
            row[f"layer{i}_weight_norm"] = per_member.norm_in_dtype(layer.W)
        row["train_seconds"] = t1 - t0
        row["seconds"] = time.perf_counter() - t0
        return row

    def _lr(self, opt: Any, t: int, total: int) -> float:
        return self.schedule.lr(opt.lr, t, total)

    def _order(self, n: int) -> Any:
        """The epoch's visiting order of the n training samples."""
        return self.rngs["shuffle"].permutation(n) if self.shuffle else np.arange(n)

    def _check_loss(self, value: Any, batch: int) -> None:
        """Called with a loss value that is not a finite Python float."""
        if not math.isfinite(value):
            msg = f"non-finite loss ({value}) at epoch {self.epoch}, batch {batch}"
            raise _Stop("diverged", msg, {"epoch": self.epoch, "train_loss": value})

    def _minibatches(self, lr_epoch: list[float]) -> dict[str, float]:
        """One pass over the shuffled training data; returns the epoch's training
        metrics: train_loss, train_accuracy (or train_mse and train_max_abs_error),
        and layer{i}_grad_norm (means over the batches)."""
        tr = self.splits.train
        X, Y, n = tr.x, tr.y, len(tr.x)
        order = self._order(n)  # (n,), or (P, n): one order per member
        preds = np.empty(order.shape, dtype=np.int64) if tr.labels is not None else None
        binary = tr.labels is not None and Y.shape[1] == 1
        net, loss, fused, groups, grads = (
            self.net,
            self.loss,
            self.fused,
            self.groups,
            self.grads,
        )
        reg, params, stop = self.regularizer, self.params, self.stop
        drop_rng = self.rngs["dropout"]
        wnames = [f"W{i}" for i in range(1, len(net.dense) + 1)]
        sampled_steps = insight.SampledSteps(params, wnames, self.norm_count)
        per_step = self.schedule.per == "step"
        total_steps = self.epochs * self.n_batches
        loss_sum, sq_err, max_err = 0.0, 0.0, 0.0
        every = [cb for cb in self.callbacks if cb.batch_every > 0]
        norm_every = self.norm_every
        forward, backward = net.forward, net.backward
        value_and_grad, isfinite = loss.value_and_grad, math.isfinite
        # one learning rate per group for the whole epoch, unless the schedule is per step
        steps = [
            (opt.step, p, g, lr)
            for (opt, p, g), lr in zip(groups, lr_epoch, strict=True)
        ]
        for bi, (start, stop_at) in enumerate(self.spans):
            idx = order[..., start:stop_at]
            Yb = Y[idx]
            out, caches = forward(X[idx], train=True, rng=drop_rng, logits=fused)
            if preds is not None:
                if binary:
                    preds[..., start:stop_at] = out[..., 0] >= (0.0 if fused else 0.5)
                else:  # the method: np.argmax's Python wrapper costs a µs a batch
                    out.argmax(axis=-1, out=preds[..., start:stop_at])
            elif not fused:
                d = out - Yb
                sq_err += per_member.sq_norm(d)
                max_err = per_member.max_so_far(max_err, np.abs(d))
            value, d_out = value_and_grad(out, Yb)
            if value.__class__ is not float or not isfinite(value):
                self._check_loss(value, bi + 1)  # a single run stops here
            loss_sum += value * (stop_at - start)
            backward(d_out, caches, grads)
            if reg is not None:
                reg.add_grad(params, grads)
            sampled = bi % norm_every == 0
            if sampled:  # gradient norms and update ratios (per member in a stack)
                sampled_steps.grads(grads)
                sampled_steps.before()
            if per_step:
                for opt, p, g in groups:
                    opt.step(p, g, self._lr(opt, self.step, total_steps))
            else:
                for opt_step, p, g, lr in steps:
                    opt_step(p, g, lr)
            if sampled:
                sampled_steps.after()
            self.step += 1
            if stop is not None and stop.is_set():
                raise _Stop("interrupted", f"interrupted during epoch {self.epoch}")
            for cb in every:
                if (bi + 1) % cb.batch_every == 0:
                    cb.on_batch_end(
                        self.epoch, bi + 1, self.n_batches, loss_sum / stop_at
                    )
        result = {"train_loss": loss_sum / n}
        if preds is not None:  # preds are in visiting order
            result["train_accuracy"] = metrics.accuracy(preds, tr.labels[order])
        else:
            result["train_mse"], result["train_max_abs_error"] = (
                sq_err / Y.size,
                max_err,
            )
        gsq, usum = sampled_steps.sums()
        for i, w in enumerate(wnames, start=1):
            result[f"layer{i}_grad_norm"] = gsq[w] / self.norm_count
            result[f"layer{i}_update_ratio"] = usum[w] / self.norm_count
        return result

    def _check_weights(self) -> None:
        for name, p in self.params.items():
            if not np.isfinite(p).all():
                raise _Stop(
                    "diverged", f"non-finite weights in {name} after epoch {self.epoch}"
                )

    def _validation(self, row: dict[str, Any]) -> None:
        val = self.splits.val
        if val is None:  # the val_ columns and the dead fractions stay empty
            return
        result = evaluate(self.net, self.loss, val.x, val.y, val.labels, dead=True)
        for i, frac in enumerate(result.pop("dead_fraction"), start=1):
            row[f"layer{i}_dead_fraction"] = frac
        for i, frac in enumerate(result.pop("saturation"), start=1):
            row[f"layer{i}_saturation"] = frac
        for key, value in result.items():
            row[f"val_{key}"] = value

    def _test_metrics(self) -> dict[str, Any]:
        test = self.splits.test
        if test is None:
            return {}
        with np.errstate(
            over="ignore", invalid="ignore", divide="ignore", under="ignore"
        ):
            return evaluate(self.net, self.loss, test.x, test.y, test.labels)


def fit(
    network: Network,
    data: Any,
    *,
    loss: Any,
    optimizer: Any,
    epochs: int,
    batch_size: int,
    val: Any = None,
    test: Any = None,
    schedule: Any = None,
    regularizer: Any = None,
    early_stopping: EarlyStopping | Mapping[str, Any] | None = None,
    shuffle: bool = True,
    rngs: Mapping[str, np.random.Generator] | int = 0,
    callbacks: Sequence[Callback] = (),
    stop: Any = None,
    state: TrainState | None = None,
    rows: list[dict[str, Any]] | None = None,
) -> FitResult:
    """Train ``network`` on ``data`` and return a :class:`FitResult`.

    Example
    -------
    >>> net = build_network([2, 8, 3], activation="tanh", output_activation="softmax")
    >>> result = fit(net, (x, labels), val=(x_val, labels_val), loss="cross_entropy",
    ...              optimizer={"name": "adam", "lr": 1e-3}, epochs=10, batch_size=32)
    >>> result.frame  # one row per epoch: the columns of metrics.csv

    Parameters
    ----------
    network : the network to train (its weights are updated in place)
    data : ``(x, y)`` arrays, x of shape (n, inputs); or an object with ``train``,
        ``val`` and ``test`` splits (such as :class:`nnexp.data.base.Splits`)
    val, test : optional ``(x, y)`` validation and test arrays (with ``(x, y)`` data)
    loss, optimizer (one, or a list with one per dense layer), schedule, regularizer :
        a name (``"mse"``, ``"sgd"``), a mapping (``{"name": "adam", "lr": 1e-3}``) or
        an engine object; ``nnexp list losses`` (optimizers, …) shows the names
    epochs, batch_size, shuffle : the loop
    rngs : a seed or the named generators of :mod:`nnexp.engine.rng`
    callbacks : :class:`~nnexp.training.callbacks.Callback` objects
    early_stopping : None, an :class:`EarlyStopping`, or a mapping of its fields
        (``{"monitor": "val_loss", "patience": 5}``); the caller's object is not changed
    stop : an object with ``is_set()`` (a ``threading.Event``); when set, the loop ends
        after the current batch with status "interrupted"
    state, rows : resume from a :class:`TrainState` and the history rows before it

    The task follows ``y``: integer (or boolean) class labels of shape (n,) or (n, 1),
    or one-hot rows (two or more columns, each row zeros and a single one), mean
    classification (accuracy is reported); labels become one-hot rows, or a 0/1 column
    for a network with one output unit. Any other ``y`` is a regression target (a 1-D
    ``y`` becomes a column); pass ``y.astype(float)`` to regress on integers.

    Raises
    ------
    FitError (a :class:`nnexp.errors.NnexpError`) for arrays of the wrong shape and other
    bad arguments; RegistryError for an unknown component name or parameter.
    """
    splits = inputs.splits_of(network, data, val, test)
    opt = (
        [
            inputs.component(OPTIMIZERS, o, f"optimizer[{i}]")
            for i, o in enumerate(optimizer)
        ]
        if isinstance(optimizer, list | tuple)
        else inputs.component(OPTIMIZERS, optimizer, "optimizer")
    )
    early = inputs.early_stopping_of(early_stopping)
    trainer = Trainer(
        network,
        splits,
        loss=inputs.loss_for(network, loss),
        optimizer=opt,
        schedule=None
        if schedule is None
        else inputs.component(SCHEDULES, schedule, "schedule"),
        regularizer=None
        if regularizer is None
        else inputs.component(REGULARIZERS, regularizer, "regularizer"),
        epochs=inputs.positive_int(epochs, "epochs"),
        batch_size=inputs.positive_int(batch_size, "batch_size"),
        shuffle=shuffle,
        rngs=rngs,
        callbacks=callbacks,
        early_stopping=None if early is None else copy.copy(early),
        stop=stop,
    )
    if state is not None:
        trainer.restore(state, rows)
    return trainer.run()
