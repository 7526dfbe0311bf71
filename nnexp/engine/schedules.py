"""Learning-rate schedules (docs/maths.md §5, §8): frozen dataclasses with ``lr(base_lr, t, total)``.

``t = 0, 1, 2, …`` counts completed epochs (or optimiser steps, with ``per: step``),
so ``lr(base_lr, 0, total) == base_lr`` for every schedule; ``total`` is the run's
number of epochs (or steps) and only :class:`Cosine` uses it.  ``base_lr`` is the
optimiser's own ``lr``, so per-layer optimisers share one schedule.  ``lr`` returns a
Python float, which keeps float32 updates in float32 (NumPy 2 weak scalars).

A population's schedule (:func:`stack_schedules`) has the members' class and ``per``;
a parameter the members do not share is a (P,) array, ``base_lr`` is one rate per
member, and ``lr`` returns each member's rate, (P,) float64, computed with the same
operations as its single run's float (powers with ``**``, member by member).

Parameters without a default in docs/maths.md §5 are required: ``time_based.decay``,
``exponential.rate`` and ``linear_to_floor.slope`` (no value suits every run length).
``linear_to_floor.floor`` defaults to 0 like ``cosine.floor``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from nnexp import types as protocols
from nnexp.engine.members import above, as_float, power, same_for_all, stacked_fields
from nnexp.engine.optimizers import check_number
from nnexp.registry import Registry

SCHEDULES: Registry[Any] = Registry("schedule", "schedules", protocols.Schedule)

Per = Literal["epoch", "step"]
PER_VALUES: tuple[str, ...] = ("epoch", "step")


@dataclass(frozen=True, slots=True)
class ScheduleBase:
    """Validates ``per`` (keyword-only, so subclasses may have required fields first).

    Subclasses check their own parameters in ``_validate`` (zero-argument ``super()``
    does not work in slotted dataclasses, so ``__post_init__`` is not overridden).
    """

    per: Per = field(default="epoch", kw_only=True)

    def __post_init__(self) -> None:
        if self.per not in PER_VALUES:
            raise ValueError(
                f"per must be 'epoch' or 'step' (how t counts), got {self.per!r}"
            )
        self._validate()

    def _validate(self) -> None:
        """Check (and coerce to float) the subclass's parameters."""

    def _set(self, name: str, value: float) -> None:
        object.__setattr__(self, name, value)  # frozen: coerce once, at construction

    def lr(self, base_lr: float, t: int, total: int) -> float:
        raise NotImplementedError


def stack_schedules(members: Sequence[Any]) -> Any:
    """One schedule for a population: the members' class and ``per``, each numeric
    parameter shared or per member."""
    first = members[0] if members else None
    if not isinstance(first, ScheduleBase):
        raise ValueError(
            f"schedule {type(first).__name__} cannot train a population: only the"
            " built-in schedules can"
        )
    same_for_all("schedule", members, lambda m: m.per, "per")
    names = [f.name for f in fields(first) if f.name != "per"]
    out = copy.copy(first)
    for name, value in stacked_fields("schedule", members, names).items():
        out._set(name, value)
    return out


@SCHEDULES.register("constant", aliases=("fixed",), description="η_t = η₀")
@dataclass(frozen=True, slots=True)
class Constant(ScheduleBase):
    """η_t = η₀ for every t."""

    def lr(self, base_lr: float, t: int, total: int) -> float:
        return as_float(base_lr)


@SCHEDULES.register(
    "time_based",
    aliases=("TimeBased", "inverse_time"),
    description="η₀ / (1 + decay·t)",
)
@dataclass(frozen=True, slots=True)
class TimeBased(ScheduleBase):
    """η_t = η₀ / (1 + d·t) (docs/maths.md §5; the course's time-based decay, E8).

    Parameters
    ----------
    decay : float
        d >= 0, required (0 gives a constant rate; e.g. 0.01 halves η after 100 t).
    """

    decay: float

    def _validate(self) -> None:
        self._set("decay", check_number("decay", self.decay, low=0))

    def lr(self, base_lr: float, t: int, total: int) -> float:
        return as_float(base_lr / (1.0 + self.decay * t))


@SCHEDULES.register(
    "step", aliases=("step_decay", "StepDecay"), description="η₀ · factor^⌊t/every⌋"
)
@dataclass(frozen=True, slots=True)
class Step(ScheduleBase):
    """η_t = η₀ · factor^⌊t / every⌋: multiply by ``factor`` every ``every`` epochs.

    Parameters
    ----------
    factor : float
        In (0, 1], default 0.5.
    every : int
        >= 1, default 10.
    """

    factor: float = 0.5
    every: int = 10

    def _validate(self) -> None:
        self._set(
            "factor", check_number("factor", self.factor, low=0, low_open=True, high=1)
        )
        every = check_number("every", self.every, low=1)
        if every != int(every):
            raise ValueError(
                f"every must be a whole number of epochs or steps, got {self.every!r}"
            )
        self._set("every", int(every))

    def lr(self, base_lr: float, t: int, total: int) -> float:
        return as_float(base_lr * power(self.factor, t // self.every))


@SCHEDULES.register(
    "exponential", aliases=("exp_decay", "ExponentialDecay"), description="η₀ · rate^t"
)
@dataclass(frozen=True, slots=True)
class Exponential(ScheduleBase):
    """η_t = η₀ · r^t (docs/maths.md §5).

    Parameters
    ----------
    rate : float
        r in (0, 1], required (a decay; e.g. 0.95 per epoch).
    """

    rate: float

    def _validate(self) -> None:
        self._set("rate", check_number("rate", self.rate, low=0, low_open=True, high=1))

    def lr(self, base_lr: float, t: int, total: int) -> float:
        return as_float(base_lr * power(self.rate, t))


@SCHEDULES.register(
    "cosine",
    aliases=("cosine_annealing", "CosineAnnealing"),
    description="cosine from η₀ down to a floor over the whole run",
)
@dataclass(frozen=True, slots=True)
class Cosine(ScheduleBase):
    """η_t = η_floor + (η₀ − η_floor)(1 + cos(π t/total))/2, and η_floor for t >= total.

    Parameters
    ----------
    floor : float
        η_floor >= 0, default 0; it should not exceed the base learning rate.
    """

    floor: float = 0.0

    def _validate(self) -> None:
        self._set("floor", check_number("floor", self.floor, low=0))

    def lr(self, base_lr: float, t: int, total: int) -> float:
        if total < 1:
            raise ValueError(
                f"cosine schedule needs total >= 1 epochs or steps, got {total}"
            )
        frac = (
            min(t, total) / total
        )  # past the end: stay at the floor, never rise again
        return as_float(
            self.floor + (base_lr - self.floor) * 0.5 * (1.0 + math.cos(math.pi * frac))
        )


@SCHEDULES.register(
    "linear_to_floor",
    aliases=("LinearToFloor", "linear"),
    description="max(floor, η₀ − slope·t)",
)
@dataclass(frozen=True, slots=True)
class LinearToFloor(ScheduleBase):
    """η_t = max(η_floor, η₀ − s·t): the course's "subtract 1 each step until 1".

    Parameters
    ----------
    slope : float
        s >= 0, required (the course used 1 with ``per: step`` and floor 1).
    floor : float
        η_floor >= 0, default 0; it should not exceed the base learning rate.
    """

    slope: float
    floor: float = 0.0

    def _validate(self) -> None:
        self._set("slope", check_number("slope", self.slope, low=0))
        self._set("floor", check_number("floor", self.floor, low=0))

    def lr(self, base_lr: float, t: int, total: int) -> float:
        return as_float(above(self.floor, base_lr - self.slope * t))
