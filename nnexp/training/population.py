"""Training a population: P same-shape networks trained as one stacked computation.

Each member is an ordinary :class:`~nnexp.training.trainer.Trainer`, built exactly as a
single run builds it (network, optimisers, schedule, regulariser, seed streams, early
stopping, callbacks).  :class:`PopulationTrainer` stacks the members' networks and
components (:mod:`nnexp.engine.members`) and runs the Trainer's own epoch loop on the
stack, so every NumPy call does the work of P runs; member p's shuffling and dropout
come from its own generators.  Each member ends with the history rows (timing columns
aside), weights, optimiser state and result that its Trainer gives alone.

Members are independent:

* a member whose loss becomes non-finite during an epoch, or whose weights are
  non-finite after it, is ``diverged``: it goes back to its state at the end of the
  previous epoch (finite weights), as a single run does, and leaves the population;
* a member that early stopping ends leaves the population after that epoch (its
  weights stop changing; ``restore_best`` puts back its own best epoch's weights);
* the others train on, in a smaller stack.

All members share the loss, the number of epochs, the batch size and the shuffle
flag; each trains on its own splits (:mod:`nnexp.training.member_data`: the same
arrays for members of one data split, else arrays of the same shapes).  Per-batch
callbacks get each member's running loss; the timing columns of a member's rows are
its share (1/P) of the population's epoch.  The epoch's end is done for all members at
once (:func:`member_rows`); a member's snapshot is made only when a callback calls it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import repeat
from typing import Any, cast

import numpy as np

from nnexp.engine import rng as rngmod
from nnexp.engine.layers import Dropout
from nnexp.engine.members import is_stacked, member_param
from nnexp.engine.network import stack_networks
from nnexp.engine.optimizers import member_state, stack_optimizers
from nnexp.engine.regularizers import is_active, stack_regularizers
from nnexp.engine.schedules import stack_schedules
from nnexp.training.callbacks import Callback
from nnexp.training.member_data import member_splits
from nnexp.training.state import TrainState
from nnexp.training.trainer import FitResult, Trainer, _Stop

#: columns that are times: a member gets its share of the population's epoch
TIME_COLUMNS = ("train_seconds", "seconds")


class PopulationTrainer(Trainer):
    """Trains the member ``trainers`` together; :meth:`train` returns one
    :class:`FitResult` per member, in their order.

    Parameters
    ----------
    trainers : one Trainer per member, not yet run, with equal data, loss, epochs,
        batch size and shuffle flag, and networks of the same shape
    stop : an object with ``is_set()``; when set, every member still training ends
        after the current batch with status "interrupted"
    """

    def __init__(self, trainers: Sequence[Trainer], *, stop: Any = None):
        self.members = list(trainers)
        _check_compatible(self.members)
        first = self.members[0]
        #: the members still training, by index into ``members``, in stack order
        self.active = list(range(len(self.members)))
        self.results: list[FitResult | None] = [None] * len(self.members)
        #: stack position → (message, row for the history or None): members whose
        #: loss or weights became non-finite during the current epoch
        self._diverged: dict[int, tuple[str, dict[str, Any] | None]] = {}
        parts = _stacked(self.members)
        super().__init__(
            parts["net"],
            parts["splits"],
            loss=first.loss,
            optimizer=parts["optimizer"],
            schedule=parts["schedule"],
            regularizer=parts["regularizer"],
            epochs=first.epochs,
            batch_size=first.batch_size,
            shuffle=first.shuffle,
            rngs=parts["rngs"],
            stop=stop,
        )
        self.epoch, self.step = first.epoch, first.step
        self.callbacks = self._relays()

    def run(self) -> FitResult:
        raise TypeError("a population has one result per member: call train()")

    # the loop --------------------------------------------------------------------------
    def train(self) -> list[FitResult]:
        """Train every member; the results in the members' order."""
        for member in self.members:
            member._begin()
        self._rng_start = [rngmod.get_states(m.rngs) for m in self.members]
        dropout = any(isinstance(layer, Dropout) for layer in self.net.layers)
        self._rng_moving = [
            name
            for name, moves in (("shuffle", self.shuffle), ("dropout", dropout))
            if moves
        ]
        last = self._stacked_state()
        with np.errstate(
            over="ignore", invalid="ignore", divide="ignore", under="ignore"
        ):
            try:
                while self.epoch < self.epochs and self.active:
                    leaving = self._end_epoch(self._epoch(), last)
                    if leaving:
                        self._restack(
                            [p for p in range(len(self.active)) if p not in leaving]
                        )
                    last = self._stacked_state()
            except _Stop as interrupt:  # every member still training stops
                for pos, i in enumerate(self.active):
                    diverged = self._diverged.get(pos)  # its single run stopped before
                    stop = (
                        interrupt if diverged is None else _Stop("diverged", *diverged)
                    )
                    self._stop_member(pos, i, last, stop)
                self.active = []
        for pos, i in enumerate(self.active):  # the epochs are done
            self._sync(pos, self.members[i])
            self.results[i] = self.members[i]._finish("completed", "", False)
        results = [r for r in self.results if r is not None]
        assert len(results) == len(self.members)
        return results

    def _end_epoch(self, row: dict[str, Any], last: dict[str, Any]) -> list[int]:
        """Each member's row, early stopping and callbacks; returns the stack positions
        of the members that stop after this epoch (early stopped or diverged)."""
        diverged, self._diverged = self._diverged, {}
        leaving: list[int] = []
        columns = self.members[self.active[0]].history.columns
        rows = member_rows(row, columns, len(self.active))
        epoch, step = self.epoch, self.step
        for pos, (i, values) in enumerate(zip(self.active, rows, strict=True)):
            member = self.members[i]
            member.epoch, member.step = epoch, step
            if diverged and pos in diverged:
                message, stop_row = diverged[pos]
                self._stop_member(pos, i, last, _Stop("diverged", message, stop_row))
                leaving.append(pos)
                continue
            member.history.rows.append(values)  # History.append's row, built at once
            early = member.early
            stopped = early is not None and bool(
                early.update(
                    epoch,
                    values.get(early.monitor, math.nan),
                    lambda pos=pos: self._member_weights(pos),
                )
            )
            if member.callbacks:
                state = _Lazy(self, pos, member)
                for cb in member.callbacks:
                    cb.on_epoch_end(values, state)
            if stopped:
                self._sync(pos, member)
                self.results[i] = member._finish(
                    "completed", member._early_message(), True
                )
                leaving.append(pos)
        return leaving

    def _stop_member(self, pos: int, i: int, last: dict[str, Any], stop: _Stop) -> None:
        """A member diverged or interrupted: back to its state of ``last``."""
        member = self.members[i]
        state = TrainState(
            epoch=last["epoch"],
            step=last["step"],
            weights={k: member_param(k, v, pos) for k, v in last["weights"].items()},
            optimizers=[member_state(s, pos) for s in last["optimizers"]],
            rng=self._rng_states(i, last["rng"][pos]),
        )
        member._stopped(stop, state)
        self.results[i] = member._finish(stop.status, stop.message, False)

    # the hooks of the Trainer's loop -----------------------------------------------------
    def _order(self, n: int) -> Any:
        """One visiting order per member, from its own shuffle generator."""
        if not self.shuffle:
            return np.broadcast_to(np.arange(n), (len(self.active), n))
        gens = cast(list[np.random.Generator], self.rngs["shuffle"])
        # gen.permutation(n) is gen.shuffle(np.arange(n)): the same draws, here into
        # the rows of one array (a third cheaper for a 4-sample epoch of 20 members)
        order = np.tile(np.arange(n), (len(gens), 1))
        for gen, row in zip(gens, order, strict=True):
            gen.shuffle(row)
        return order

    def _check_loss(self, value: Any, batch: int) -> None:
        """A member with a non-finite loss diverges (the others train on)."""
        if math.isfinite(np.add.reduce(value)):  # every member's is (called each step)
            return
        for pos in np.flatnonzero(~np.isfinite(value)).tolist():
            if pos not in self._diverged:
                v = float(value[pos])
                msg = f"non-finite loss ({v}) at epoch {self.epoch}, batch {batch}"
                self._diverged[pos] = (msg, {"epoch": self.epoch, "train_loss": v})

    def _check_weights(self) -> None:
        for name, p in self.params.items():
            finite = np.isfinite(p).reshape(len(p), -1).all(axis=-1)
            for pos in np.flatnonzero(~finite).tolist():
                if pos not in self._diverged:
                    msg = f"non-finite weights in {name} after epoch {self.epoch}"
                    self._diverged[pos] = (msg, None)

    # members' states ---------------------------------------------------------------------
    def _member_weights(self, pos: int) -> dict[str, Any]:
        return {k: member_param(k, v, pos) for k, v in self.params.items()}

    def _member_state(self, pos: int, member: Trainer) -> TrainState:
        """The member's resumable state now, as its own ``snapshot()`` would give it."""
        return TrainState(
            epoch=self.epoch,
            step=self.step,
            weights=self._member_weights(pos),
            optimizers=[opt.member(pos).state_dict() for opt, _, _ in self.groups],
            rng=rngmod.get_states(member.rngs),
            early_stopping=member.early.state_dict() if member.early else None,
        )

    def _sync(self, pos: int, member: Trainer) -> None:
        """Put the member's weights and optimiser state into its own Trainer."""
        member.net.set_weights(self._member_weights(pos))
        for (own, _, _), (opt, _, _) in zip(member.groups, self.groups, strict=True):
            own.load_state_dict(opt.member(pos).state_dict())
        member.epoch, member.step = self.epoch, self.step

    def _stacked_state(self) -> dict[str, Any]:
        """The population at the end of an epoch (copies), for members that diverge
        or are interrupted in the next one."""
        moving = self._rng_moving
        return {
            "epoch": self.epoch,
            "step": self.step,
            "weights": self.net.get_weights(),
            "optimizers": [opt.state_dict() for opt, _, _ in self.groups],
            # the moving streams' states only (the dicts are built if one is used)
            "rng": [
                [self.members[i].rngs[name].bit_generator.state for name in moving]
                for i in self.active
            ],
        }

    def _rng_states(self, i: int, moving: list[dict[str, Any]]) -> dict[str, Any]:
        """Member ``i``'s generator states, given those of the streams the loop draws
        from (shuffling, dropout, as :meth:`_stacked_state` read them); the others are
        as training found them."""
        states = dict(self._rng_start[i])
        states.update(zip(self._rng_moving, moving, strict=True))
        return states

    def _restack(self, keep: list[int]) -> None:
        """Continue with the members at stack positions ``keep`` only."""
        for pos in keep:
            self._sync(pos, self.members[self.active[pos]])
        self.active = [self.active[pos] for pos in keep]
        if not self.active:
            return
        parts = _stacked([self.members[i] for i in self.active])
        self.net, self.params = parts["net"], parts["net"].params
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.groups = self._groups(parts["optimizer"])
        self.schedule, self.rngs = parts["schedule"], parts["rngs"]
        self.splits = parts["splits"]
        reg = parts["regularizer"]
        self.regularizer = reg if is_active(reg) else None
        self.callbacks = self._relays()

    def _relays(self) -> list[Callback]:
        return [
            _Relay(self, pos, cb)
            for pos, i in enumerate(self.active)
            for cb in self.members[i].callbacks
        ]


class _Relay(Callback):
    """Passes the population loop's epoch and batch hooks to one member's callback,
    with the member's own running loss."""

    def __init__(self, population: PopulationTrainer, pos: int, callback: Callback):
        self.population, self.pos, self.callback = population, pos, callback
        self.batch_every = callback.batch_every

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        self.callback.on_epoch_begin(epoch, n_batches)

    def on_batch_end(self, epoch: int, batch: int, n_batches: int, loss: Any) -> None:
        if self.pos not in self.population._diverged:  # its single run has stopped
            self.callback.on_batch_end(epoch, batch, n_batches, float(loss[self.pos]))


def member_rows(
    row: dict[str, Any], columns: Sequence[str], P: int
) -> list[dict[str, Any]]:
    """Each member's history row (``History.append``'s: ``columns`` in order, a
    missing one NaN) from the population's row, whose values are one per member
    ((P,) arrays) or shared; the timing columns get each member's share (1/P).

    One ``tolist()`` per column turns every member's value into the Python number
    ``value[p].item()`` gives; the rows are then zipped together in C."""
    share = 1.0 / P
    lists: list[Any] = []
    for c in columns:
        value = row.get(c, math.nan)
        if c in TIME_COLUMNS:
            value = value * share
        lists.append(value.tolist() if is_stacked(value) else repeat(value, P))
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*lists, strict=False)
    ]


class _Lazy:
    """A member's ``snapshot()`` for its callbacks, made only when one calls it."""

    __slots__ = ("population", "pos", "member")

    def __init__(self, population: PopulationTrainer, pos: int, member: Trainer):
        self.population, self.pos, self.member = population, pos, member

    def __call__(self) -> TrainState:
        return self.population._member_state(self.pos, self.member)


def _stacked(members: Sequence[Trainer]) -> dict[str, Any]:
    """The members' networks and components stacked; their generators in lists."""
    groups = [[opt for opt, _, _ in m.groups] for m in members]
    optimizers = [
        stack_optimizers(list(column)) for column in zip(*groups, strict=True)
    ]
    return {
        "net": stack_networks([m.net for m in members]),
        "splits": member_splits([m.splits for m in members]),
        "optimizer": optimizers if len(optimizers) > 1 else optimizers[0],
        "schedule": stack_schedules([m.schedule for m in members]),
        "regularizer": stack_regularizers([m.regularizer for m in members]),
        "rngs": {
            name: [m.rngs[name] for m in members] for name in ("shuffle", "dropout")
        },
    }


def _check_compatible(members: list[Trainer]) -> None:
    """Refuse members that cannot share one stacked loop, naming what differs."""
    if not members:
        raise ValueError("a population needs at least one member")
    first = members[0]
    for k, m in enumerate(members):
        for what, ours, theirs in [
            ("epochs", first.epochs, m.epochs),
            ("batch_size", first.batch_size, m.batch_size),
            ("shuffle", first.shuffle, m.shuffle),
            ("loss", first.loss, m.loss),
            ("completed epochs", first.epoch, m.epoch),
            ("completed steps", first.step, m.step),
            (
                "parameter groups (one optimizer, or one per dense layer)",
                [list(p) for _, p, _ in first.groups],
                [list(p) for _, p, _ in m.groups],
            ),
        ]:
            if ours != theirs:
                raise ValueError(
                    f"every member of a population needs the same {what}: member 0"
                    f" has {ours!r}, member {k} {theirs!r}"
                )
