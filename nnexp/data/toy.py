"""The course's toy tasks (docs/maths.md §7 E1, E2) and small synthetic sets, all generated.

Everything random comes from the run's split generator, so a seed fixes the points,
the test split and the validation split.  Sets of ``n`` points hold out ``test`` of
them (a fraction or a count, stratified by class) before ``validation`` is taken from
the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from nnexp.data.base import (
    DatasetBase,
    DatasetInfo,
    Normalize,
    Progress,
    RawData,
    Split,
    Splits,
)
from nnexp.data.checks import (
    check_common,
    check_nonnegative,
    check_positive_int,
    run_dtype,
)
from nnexp.data.registry import DATASETS
from nnexp.data.sampling import complement, largest_remainder, pick

GATES = {
    "AND": lambda a, b: a & b,
    "OR": lambda a, b: a | b,
    "XOR": lambda a, b: a ^ b,
    "NAND": lambda a, b: 1 - (a & b),
    "NOR": lambda a, b: 1 - (a | b),
    "XNOR": lambda a, b: 1 - (a ^ b),
}


@DATASETS.register(
    "logic_gates",
    aliases=("logic",),
    description="E1: inputs {0,1}², targets AND, OR, XOR",
)
@dataclass(frozen=True, slots=True)
class LogicGates:
    """The four points of {0,1}² with one regression target per gate (docs/maths.md §7, E1).

    ``gates`` is any subset of AND, OR, XOR (also NAND, NOR, XNOR), in output order.
    The four points are the training, validation and test set alike.
    """

    gates: tuple[str, ...] = ("AND", "OR", "XOR")
    name: ClassVar[str] = "logic_gates"
    task: ClassVar[str] = "regression"

    def __post_init__(self) -> None:
        gates = (self.gates,) if isinstance(self.gates, str) else tuple(self.gates)
        gates = tuple(str(g).upper() for g in gates)
        unknown = [g for g in gates if g not in GATES]
        if not gates or unknown:
            raise ValueError(
                f"gates must be a non-empty list of {', '.join(GATES)}; got "
                f"{list(self.gates)!r}"
            )
        if len(set(gates)) != len(gates):
            raise ValueError(f"gates lists a gate twice: {list(gates)!r}")
        object.__setattr__(self, "gates", gates)

    def load(
        self,
        *,
        rng: np.random.Generator,
        dtype: Any,
        one_hot: bool = True,
        base_dir: Any = None,
        progress: Progress | None = None,
    ) -> tuple[Splits, DatasetInfo]:
        """Splits whose train, val and test are the same four points (copies)."""
        dt = run_dtype(dtype)
        a = np.array([0, 0, 1, 1])
        b = np.array([0, 1, 0, 1])
        x = np.stack([a, b], axis=1).astype(dt)
        y = np.stack([GATES[g](a, b) for g in self.gates], axis=1).astype(dt)
        split = lambda: Split(x.copy(), y.copy(), None)  # noqa: E731
        info = DatasetInfo(
            name=self.name, task="regression", n_features=2, n_outputs=len(self.gates),
            n_classes=None, class_names=None, input_shape=(2,),
            sizes={"train": 4, "val": 4, "test": 4}, source="generated",
            notes=["the four points are the training, validation and test set alike"],
            output_names=list(self.gates),
        )  # fmt: skip
        return Splits(split(), split(), split()), info


@DATASETS.register(
    "sincos", aliases=("sin_cos",), description="E2: (sin x, cos x)/2 + ½ on [0, π/2]"
)
@dataclass(frozen=True, slots=True)
class SinCos(DatasetBase):
    """docs/maths.md §7, E2: x = linspace(0, π/2, n), y = (sin x, cos x)/2 + ½; even indices train,
    odd indices test; no validation unless asked for."""

    n: int = 2000
    validation: float | int | None = None
    normalize: Normalize = "none"
    name: ClassVar[str] = "sincos"
    task: ClassVar[str] = "regression"

    def __post_init__(self) -> None:
        check_positive_int(self.n, "n", minimum=2)
        check_common(self.name, validation=self.validation, normalize=self.normalize)

    def read(
        self,
        *,
        rng: np.random.Generator,
        base_dir: Any = None,
        progress: Progress | None = None,
    ) -> RawData:
        x = np.linspace(0.0, np.pi / 2, self.n)[:, None]
        y = np.concatenate([np.sin(x), np.cos(x)], axis=1) / 2 + 0.5
        return RawData(
            x[0::2], y[0::2], x[1::2], y[1::2], task="regression", source="generated",
            output_names=["sin", "cos"],
            notes=[f"{self.n} points of linspace(0, π/2): even indices train, odd "
                   "test"],
        )  # fmt: skip


class Generated(DatasetBase):
    """Shared parts of the generated sets: parameter checks and the test hold-out."""

    __slots__ = ()
    task: ClassVar[str] = "classification"

    def check(self) -> None:
        check_positive_int(self.n, "n", minimum=2)
        check_nonnegative(self.noise, "noise")
        check_common(self.name, validation=self.validation, normalize=self.normalize)
        test = self.test
        if test is not None and (
            isinstance(test, bool)
            or not (
                (isinstance(test, int) and 1 <= test < self.n)
                or (isinstance(test, float) and 0 < test < 1)
            )
        ):
            raise ValueError(
                f"test must be a fraction in (0, 1) or a count in 1..n-1, got {test!r}"
            )

    def points(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def read(
        self,
        *,
        rng: np.random.Generator,
        base_dir: Any = None,
        progress: Progress | None = None,
    ) -> RawData:
        x, y = self.points(rng)
        classify = self.task == "classification"
        x_te = y_te = None
        if self.test is not None:
            k = (
                max(1, round(self.test * self.n))
                if isinstance(self.test, float)
                else self.test
            )
            t = pick(self.n, k, rng, y if classify else None)
            keep = complement(self.n, t)
            x, y, x_te, y_te = x[keep], y[keep], x[t], y[t]
        return RawData(
            x, y, x_te, y_te, task=self.task, source="generated",
            n_classes=getattr(self, "classes", 2) if classify else None,
            class_names=None, output_names=None if classify else ["y"],
        )  # fmt: skip


def per_class(n: int, classes: int) -> np.ndarray:
    """Points per class: n split as evenly as possible, exactly n in total."""
    return largest_remainder(np.ones(classes, dtype=np.int64), n)


@DATASETS.register("spirals", description="interleaved spiral arms, one class per arm")
@dataclass(frozen=True, slots=True)
class Spirals(Generated):
    """``classes`` spiral arms in the plane, radius 0.1 to 1, Gaussian noise of std
    ``noise``; each arm turns ``turns`` times around the origin."""

    n: int = 1000
    classes: int = 2
    noise: float = 0.05
    turns: float = 1.0
    test: float | int | None = 0.2
    validation: float | int | None = 0.1
    normalize: Normalize = "none"
    name: ClassVar[str] = "spirals"

    def __post_init__(self) -> None:
        self.check()
        check_positive_int(self.classes, "classes", minimum=2)
        check_nonnegative(self.turns, "turns")

    def points(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = [], []
        for k, m in enumerate(per_class(self.n, self.classes)):
            u = rng.uniform(0.0, 1.0, m)
            r = 0.1 + 0.9 * u
            angle = 2 * np.pi * (self.turns * u + k / self.classes)
            pts = r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
            xs.append(pts + self.noise * rng.standard_normal((m, 2)))
            ys.append(np.full(m, k))
        return np.concatenate(xs), np.concatenate(ys)


@DATASETS.register("circles", description="two concentric circles, one class each")
@dataclass(frozen=True, slots=True)
class Circles(Generated):
    """Class 0 on the unit circle, class 1 on a circle of radius ``factor``, with
    Gaussian noise of std ``noise``."""

    n: int = 1000
    noise: float = 0.05
    factor: float = 0.5
    test: float | int | None = 0.2
    validation: float | int | None = 0.1
    normalize: Normalize = "none"
    name: ClassVar[str] = "circles"
    classes: ClassVar[int] = 2

    def __post_init__(self) -> None:
        self.check()
        if not 0 < self.factor < 1:
            raise ValueError(
                f"factor (inner radius) must be in (0, 1), got {self.factor!r}"
            )

    def points(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = [], []
        for k, (m, radius) in enumerate(
            zip(per_class(self.n, 2), (1.0, self.factor), strict=True)
        ):
            angle = rng.uniform(0.0, 2 * np.pi, m)
            pts = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
            xs.append(pts + self.noise * rng.standard_normal((m, 2)))
            ys.append(np.full(m, k))
        return np.concatenate(xs), np.concatenate(ys)


@DATASETS.register("blobs", description="Gaussian blobs, one class per blob")
@dataclass(frozen=True, slots=True)
class Blobs(Generated):
    """``classes`` Gaussian clusters of std ``noise`` in ``features`` dimensions, with
    centres drawn uniformly from [−spread, spread]^features."""

    n: int = 1000
    classes: int = 3
    features: int = 2
    noise: float = 1.0
    spread: float = 5.0
    test: float | int | None = 0.2
    validation: float | int | None = 0.1
    normalize: Normalize = "none"
    name: ClassVar[str] = "blobs"

    def __post_init__(self) -> None:
        self.check()
        check_positive_int(self.classes, "classes", minimum=2)
        check_positive_int(self.features, "features")
        check_nonnegative(self.spread, "spread")

    def points(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        centres = rng.uniform(-self.spread, self.spread, (self.classes, self.features))
        counts = per_class(self.n, self.classes)
        y = np.repeat(np.arange(self.classes), counts)
        x = centres[y] + self.noise * rng.standard_normal((self.n, self.features))
        return x, y


FUNCTIONS = {
    "sin": lambda x: np.sin(np.pi * x),
    "cubic": lambda x: x**3,
    "abs": np.abs,
    "step": lambda x: (x > 0).astype(np.float64),
}


@DATASETS.register(
    "noisy_1d", description="a 1-D function plus Gaussian noise (regression)"
)
@dataclass(frozen=True, slots=True)
class Noisy1d(Generated):
    """y = f(x) + noise·N(0, 1) for x uniform on [−1, 1], f one of sin (sin πx),
    cubic, abs or step; every split is sorted by x, which makes fits easy to plot."""

    n: int = 500
    noise: float = 0.1
    function: Literal["sin", "cubic", "abs", "step"] = "sin"
    test: float | int | None = 0.2
    validation: float | int | None = 0.1
    normalize: Normalize = "none"
    name: ClassVar[str] = "noisy_1d"
    task: ClassVar[str] = "regression"

    def __post_init__(self) -> None:
        self.check()
        if self.function not in FUNCTIONS:
            raise ValueError(
                f"function must be one of {', '.join(FUNCTIONS)}, got {self.function!r}"
            )

    def points(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = np.sort(rng.uniform(-1.0, 1.0, self.n))[:, None]
        y = FUNCTIONS[self.function](x) + self.noise * rng.standard_normal((self.n, 1))
        return x, y
