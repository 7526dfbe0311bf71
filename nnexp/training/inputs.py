"""What :func:`nnexp.fit` accepts, turned into what the trainer needs.

Data: ``(x, y)`` arrays (or an object with ``train``/``val``/``test`` splits, such as
:class:`nnexp.data.base.Splits`). Components: a name, a ``{name: ..., **params}``
mapping or an engine object, resolved by the registries as ``build_network`` does.

The task follows ``y``: integer (or boolean) class labels, shape (n,) or (n, 1), or
one-hot rows (two or more columns, each row zeros and a single one) mean
classification; anything else is a regression target (a 1-D ``y`` becomes a column).
Labels become one-hot rows for a network with several outputs, or a 0/1 column for a
single output unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.losses import LOSSES, pairing_problem
from nnexp.engine.network import Network
from nnexp.errors import NnexpError
from nnexp.registry import Registry, article
from nnexp.training.callbacks import EarlyStopping


class FitError(NnexpError, ValueError):
    """A bad argument to :func:`nnexp.fit` (the message names it)."""


def splits_of(network: Network, data: Any, val: Any = None, test: Any = None) -> Any:
    """An object with ``train``, ``val`` and ``test`` splits for the trainer."""
    if hasattr(data, "train"):
        if val is not None or test is not None:
            raise FitError(
                "fit: give val= and test= with (x, y) arrays, not with a splits object"
                " (it has its own val and test)"
            )
        return data
    return SimpleNamespace(
        train=split_of(network, data, "data"),
        val=None if val is None else split_of(network, val, "val"),
        test=None if test is None else split_of(network, test, "test"),
    )


def split_of(network: Network, pair: Any, name: str) -> SimpleNamespace:
    """One split from ``(x, y)``: x in the network's dtype, targets and labels."""
    if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
        raise FitError(
            f"fit: {name} must be a pair (x, y) of arrays or an object with train, val"
            f" and test splits, got {type(pair).__name__}"
        )
    first = network.dense[0]
    dtype, n_in, n_out = first.W.dtype, first.fan_in, network.dense[-1].fan_out
    x = np.asarray(pair[0])
    y = np.asarray(pair[1])
    if x.ndim != 2 or x.shape[1] != n_in or len(x) == 0:
        raise FitError(
            f"fit: {name} x must have shape (n, {n_in}) with n ≥ 1 (the network takes"
            f" {n_in} inputs), got shape {x.shape}"
        )
    if y.ndim not in (1, 2) or len(y) != len(x):
        raise FitError(
            f"fit: {name} y must have one row per row of x ({len(x)}), as (n,) or"
            f" (n, outputs), got shape {y.shape}"
        )
    if not np.issubdtype(x.dtype, np.number) or not np.isfinite(x).all():
        raise FitError(f"fit: {name} x must hold finite numbers")
    labels = _labels(y)
    if labels is None:
        targets = y.reshape(len(y), -1)
        if targets.dtype == bool:  # 0/1 targets of several outputs (logic gates)
            targets = targets.astype(np.float64)
        if (
            not np.issubdtype(targets.dtype, np.number)
            or not np.isfinite(targets).all()
        ):
            raise FitError(f"fit: {name} y must hold finite numbers")
    else:
        targets = _encode(labels, n_out, name)
    if targets.shape[1] != n_out:
        raise FitError(
            f"fit: {name} y has {targets.shape[1]} columns but the network has {n_out}"
            " outputs; give one column per output (or integer class labels)"
        )
    return SimpleNamespace(
        x=x.astype(dtype, copy=False), y=targets.astype(dtype), labels=labels
    )


def _labels(y: np.ndarray) -> np.ndarray | None:
    """(n,) int64 class labels when ``y`` is labels or one-hot rows, else None."""
    if y.dtype == bool or np.issubdtype(y.dtype, np.integer):
        if y.ndim == 1 or y.shape[1] == 1:
            return y.reshape(-1).astype(np.int64)
    numeric = np.issubdtype(y.dtype, np.number) or y.dtype == bool
    if y.ndim == 2 and y.shape[1] >= 2 and numeric:
        ones = y == 1
        if ((y == 0) | ones).all() and (ones.sum(axis=1) == 1).all():
            return np.argmax(y, axis=1).astype(np.int64)
    return None


def _encode(labels: np.ndarray, n_out: int, name: str) -> np.ndarray:
    """One-hot rows for ``n_out`` ≥ 2 classes; a 0/1 column for one output unit."""
    classes = max(n_out, 2)
    if labels.min() < 0 or labels.max() >= classes:
        raise FitError(
            f"fit: {name} y holds class labels {labels.min()}..{labels.max()}, but a"
            f" network with {n_out} output(s) takes labels 0..{classes - 1}"
        )
    if n_out == 1:
        return labels[:, None].astype(float)
    return np.eye(n_out)[labels]


def component(registry: Registry[Any], ref: Any, name: str) -> Any:
    """An engine object from a name, a ``{name: ...}`` mapping, or the object itself."""
    if isinstance(ref, str | Mapping):
        return registry.build(ref, key=name)
    if ref is None or not all(hasattr(ref, m) for m in registry.required):
        kind = article(registry.kind)
        raise FitError(
            f"fit: {name} must be {kind} name, a mapping with 'name', or {kind}"
            f" object; got {ref!r}. Run `nnexp list {registry.plural}` for the names"
        )
    return ref


def loss_for(network: Network, ref: Any) -> Any:
    """The loss, refused when it cannot follow the network's output activation."""
    loss = component(LOSSES, ref, "loss")
    loss_name = LOSSES.name_of(loss)
    act_name = ACTIVATIONS.name_of(network.output_activation)
    if loss_name and act_name:
        problem = pairing_problem(loss_name, act_name)
        if problem:
            raise FitError(f"fit: {problem}")
    return loss


def early_stopping_of(ref: Any) -> EarlyStopping | None:
    """None, an :class:`EarlyStopping`, or one built from a mapping of its fields."""
    if ref is None or isinstance(ref, EarlyStopping):
        return ref
    if isinstance(ref, Mapping):
        try:
            return EarlyStopping(**ref)
        except (TypeError, ValueError) as exc:
            raise FitError(
                f"fit: early_stopping: {exc}. Its keys: monitor, mode, patience,"
                " min_delta, restore_best"
            ) from None
    raise FitError(
        "fit: early_stopping must be None, an EarlyStopping or a mapping such as"
        f" {{'monitor': 'val_loss', 'patience': 5}}, got {ref!r}"
    )


def positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise FitError(f"fit: {name} must be a whole number ≥ 1, got {value!r}")
    return int(value)
