"""Shared type aliases, the activation families and the component protocols.

The protocols say what each kind of component must provide; each registry is made
with its kind's protocol and checks user plugins against it (see
:mod:`nnexp.registry.plugins`): methods on the class when the plugin is imported, data
members (an optimiser's ``lr``, a schedule's ``per``) on the instance built with the
spec's parameters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating[Any]]
#: class indices (labels, predictions) and per-unit flags
IntArray = npt.NDArray[np.integer[Any]]
BoolArray = npt.NDArray[np.bool_]
DTypes = ("float32", "float64")


class Family(StrEnum):
    """Activation family; it fixes the default initialisation gain (docs/maths.md §1, §2)."""

    HEAVISIDE = "heaviside"
    SIGN = "sign"
    RELU = "relu"
    ABS = "abs"
    IDENTITY = "identity"
    OUTPUT = "output"  # softmax: output only, gain 1

    @property
    def gain(self) -> float:
        return math.sqrt(2.0) if self is Family.RELU else 1.0


@runtime_checkable
class Activation(Protocol):
    """f applied elementwise: ``forward(z) -> a`` and ``derivative(z, a) -> f'(z)``."""

    def forward(self, z: Array) -> Array: ...

    def derivative(self, z: Array, a: Array) -> Array: ...


class Loss(Protocol):
    """``value_and_grad(output, target) -> (loss, d loss / d output)``; ``value``
    alone for evaluation."""

    def value(self, output: Array, target: Array) -> float: ...

    def value_and_grad(self, output: Array, target: Array) -> tuple[float, Array]: ...


class Initializer(Protocol):
    def sample(
        self,
        shape: tuple[int, int],
        rng: np.random.Generator,
        *,
        family_gain: float,
        dtype: Any,
    ) -> Array: ...


class Optimizer(Protocol):
    lr: float

    def step(
        self, params: Mapping[str, Array], grads: Mapping[str, Array], lr: float
    ) -> None: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...


class Schedule(Protocol):
    per: str

    def lr(self, base_lr: float, t: int, total: int) -> float: ...


class Regularizer(Protocol):
    def penalty(self, weights: Mapping[str, Array]) -> float: ...

    def add_grad(
        self, weights: Mapping[str, Array], grads: Mapping[str, Array]
    ) -> None: ...


class Dataset(Protocol):
    """A data set's loader: ``load(rng=..., dtype=..., ...) -> (Splits, DatasetInfo)``."""

    def load(self, **kwargs: Any) -> Any: ...


class Layer(Protocol):
    def forward(self, x: Array, **kwargs: Any) -> Any: ...

    def backward(self, grad: Array, cache: Any) -> Any: ...


class Objective(Protocol):
    """A 2-D landscape objective: ``f(w)``, ``value(w1, w2)`` on grids, ``gradient(w)``
    and the closed-form ``optimum(goal)`` or None."""

    def __call__(self, w: Array) -> float: ...

    def value(self, w1: Array, w2: Array) -> Array: ...

    def gradient(self, w: Array) -> Array: ...

    def optimum(self, goal: str) -> float | None: ...
