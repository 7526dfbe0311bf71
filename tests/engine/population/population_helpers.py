"""Helpers for the population identity tests: K minibatch steps of one network or of a
stacked population, done by the same function, so the two can be compared bit for bit.

The step is the trainer's (forward with dropout, loss and its gradient, backward,
regulariser, scheduled learning rate, optimiser step); member p of a population gets
its own shuffled order and its own dropout generator, as a single run would.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network, stack_networks
from nnexp.engine.optimizers import OPTIMIZERS, stack_optimizers
from nnexp.engine.regularizers import REGULARIZERS, is_active, stack_regularizers
from nnexp.engine.schedules import SCHEDULES, stack_schedules

#: loss → (output activation, output units, target kind)
LOSS_SETUPS = {
    "cross_entropy": ("softmax", 3, "onehot"),
    "mse": ("tanh", 2, "real"),
    "binary_cross_entropy": ("logistic", 1, "binary"),
}


@dataclass
class Member:
    """One cell's components, as plain specs (built fresh for every use)."""

    seed: int
    optimizer: dict[str, Any]
    schedule: dict[str, Any]
    regularizer: dict[str, Any] | None = None
    dropout: float = 0.0
    activation: str = "tanh"


def data(loss: str, dtype: str, n: int = 24, n_in: int = 5) -> tuple[Any, Any]:
    rng = np.random.default_rng(7)
    X = rng.standard_normal((n, n_in)).astype(dtype)
    _, n_out, kind = LOSS_SETUPS[loss]
    if kind == "onehot":
        Y = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, n)]
    elif kind == "binary":
        Y = rng.integers(0, 2, (n, 1)).astype(dtype)
    else:
        Y = rng.standard_normal((n, n_out)).astype(dtype)
    return X, Y


def build(member: Member, loss: str, dtype: str, n_in: int = 5) -> dict[str, Any]:
    """A member's network, optimiser, schedule, regulariser and generators."""
    out_act, n_out, _ = LOSS_SETUPS[loss]
    net = build_network(
        [n_in, 7, 4, n_out],
        activation=member.activation,
        output_activation=out_act,
        dropout=member.dropout,
        rng=np.random.default_rng(member.seed),
        dtype=dtype,
    )
    return {
        "net": net,
        "opt": OPTIMIZERS.build(dict(member.optimizer)),
        "schedule": SCHEDULES.build(dict(member.schedule)),
        "reg": None
        if member.regularizer is None
        else REGULARIZERS.build(dict(member.regularizer)),
        "shuffle": np.random.default_rng(1000 + member.seed),
        "dropout": np.random.default_rng(2000 + member.seed),
    }


def stacked(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "net": stack_networks([p["net"] for p in parts]),
        "opt": stack_optimizers([p["opt"] for p in parts]),
        "schedule": stack_schedules([p["schedule"] for p in parts]),
        "reg": stack_regularizers([p["reg"] for p in parts]),
        "shuffle": [p["shuffle"] for p in parts],
        "dropout": [p["dropout"] for p in parts],
    }


def run_steps(
    parts: dict[str, Any],
    loss_name: str,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    batch: int,
    epochs: int,
) -> list[Any]:
    """Train for ``epochs`` passes of minibatches; returns the per-step loss values
    (floats for one network, (P,) arrays for a population)."""
    net, opt, schedule = parts["net"], parts["opt"], parts["schedule"]
    reg = parts["reg"] if is_active(parts["reg"]) else None
    loss = LOSSES.build(loss_name)
    fused = loss.fused_with is not None
    params = net.params
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    n = len(X)
    n_batches = -(-n // batch)
    values = []
    step = 0
    for epoch in range(epochs):
        shuffle = parts["shuffle"]
        if isinstance(shuffle, list):
            order = np.stack([g.permutation(n) for g in shuffle])
        else:
            order = shuffle.permutation(n)
        for start in range(0, n, batch):
            idx = order[..., start : start + batch]
            Xb, Yb = X[idx], Y[idx]
            out, caches = net.forward(
                Xb, train=True, rng=parts["dropout"], logits=fused
            )
            value, d = loss.value_and_grad(out, Yb)
            net.backward(d, caches, grads)
            if reg is not None:
                reg.add_grad(params, grads)
            if schedule.per == "step":
                lr = schedule.lr(opt.lr, step, epochs * n_batches)
            else:
                lr = schedule.lr(opt.lr, epoch, epochs)
            opt.step(params, grads, lr)
            values.append(copy.deepcopy(value))
            step += 1
    return values


def assert_members_equal_single_runs(
    members: list[Member], loss: str, dtype: str, *, batch: int = 5, epochs: int = 3
) -> None:
    """The population's every weight, optimiser state array and loss value equals
    each member's single run, bit for bit."""
    X, Y = data(loss, dtype)
    singles = [build(m, loss, dtype) for m in members]
    population = stacked([build(m, loss, dtype) for m in members])
    alone = [run_steps(s, loss, X, Y, batch=batch, epochs=epochs) for s in singles]
    together = run_steps(population, loss, X, Y, batch=batch, epochs=epochs)
    for p, single in enumerate(singles):
        member_net = population["net"].member(p)
        for name, w in single["net"].params.items():
            got = member_net.params[name]
            assert got.dtype == w.dtype and np.array_equal(got, w), (p, name)
        assert [len(a.layers) for a in (member_net, single["net"])] == [
            len(single["net"].layers)
        ] * 2
        want_state = single["opt"].state_dict()
        got_state = population["opt"].member(p).state_dict()
        assert sorted(got_state) == sorted(want_state), p
        for key, value in want_state.items():
            assert np.array_equal(got_state[key], value), (p, key)
            assert np.asarray(got_state[key]).dtype == np.asarray(value).dtype, key
        losses = [float(v[p]) for v in together]
        assert losses == alone[p], p
