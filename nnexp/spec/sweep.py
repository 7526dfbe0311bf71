"""The sweep spec: a base run spec and the keys to vary (issue 6).

A sweep YAML file::

    name: activations            # the sweep folder's name (default: the base's name)
    base: ../mnist_relu.yaml     # a train spec, relative to this file, or a mapping
    overrides: [dataset.name=mnist_10k, training.epochs=75]   # applied to the base
    grid:                        # the cartesian product of these lists
      model.activation: [relu, tanh, abs]
      optimizer:                 # labelled values: the label names the cell
        sgd: {name: sgd, lr: 0.01}
        adam: {name: adam, lr: 0.001}
    zip:                         # keys varied together (one group, or a list of groups)
      model.layers: [[784, 32, 10], [784, 128, 10]]
      training.batch_size: [10, 32]
    seeds: 3                     # seeds 0, 1, 2 for every combination (or a list)

Random search: ``sample: N`` draws N combinations (``sample_seed`` fixes the draw);
a grid entry may then be a distribution, ``{uniform: [low, high]}``,
``{log_uniform: [low, high]}`` (learning rates), ``{int: [low, high]}`` (both ends
included) or ``{choice: [a, b, c]}``.  ``max_trials`` caps the number of combinations
(each still runs with every seed).  Values are applied like the train command's
overrides: a bare component name replaces the component, ``optimizer.name`` keeps its
other keys.

``population: false`` trains every cell in a process of its own (``--no-population``);
by default compatible cells train together as populations (nnexp.sweep.populations).
``cluster:`` says what each job asks of Slurm with ``--executor slurm``
(:mod:`nnexp.spec.cluster`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import PlainValidator, field_validator, model_validator

from nnexp.spec.base import SpecModel
from nnexp.spec.cluster import ClusterSpec
from nnexp.spec.fields import Count, FolderName, NonNegativeInt
from nnexp.spec.problems import Problems
from nnexp.spec.yamlio import read_yaml_file

DISTRIBUTIONS = ("uniform", "log_uniform", "int", "choice")
#: keys only a sweep spec has: a YAML file with one of them is a sweep, not a run spec
SWEEP_KEYS = ("base", "grid", "zip", "seeds", "sample", "sample_seed", "max_trials")
KEY_PATTERN = re.compile(
    r"^(?:[A-Za-z_][A-Za-z0-9_-]*|[0-9]+)(?:\.(?:[A-Za-z_][A-Za-z0-9_-]*|[0-9]+))*$"
)
#: significant digits kept of a drawn float, so cell names stay readable
SAMPLE_DIGITS = 4


@dataclass(frozen=True)
class Choices:
    """The values of one key, optionally with a label each (labels name the cells)."""

    values: tuple[Any, ...]
    labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("needs at least one value")
        if self.labels is not None and len(set(self.labels)) != len(self.labels):
            raise ValueError(f"a label is given twice: {list(self.labels)}")

    def dump(self) -> Any:
        """The YAML form: a list, or a mapping label → value."""
        if self.labels is None:
            return list(self.values)
        return dict(zip(self.labels, self.values, strict=True))


@dataclass(frozen=True)
class Distribution:
    """A distribution to draw a value from (random search only)."""

    kind: str
    args: tuple[Any, ...]

    def __post_init__(self) -> None:
        if self.kind == "choice":
            if not self.args:
                raise ValueError("choice needs a non-empty list of values")
            return
        example = f"{{{self.kind}: [low, high]}}"
        args = list(self.args)
        if len(args) != 2 or not all(_is_number(a) for a in args):
            raise ValueError(f"{self.kind} needs two numbers, {example}; got {args!r}")
        low, high = args
        if self.kind == "int" and not all(isinstance(a, int) for a in args):
            raise ValueError(
                f"int needs two whole numbers, {{int: [1, 8]}}; got {args!r}"
            )
        if not low < high:
            raise ValueError(f"{self.kind} needs low < high, got {args!r}")
        if self.kind == "log_uniform" and low <= 0:
            raise ValueError(f"log_uniform needs 0 < low < high, got {args!r}")

    def draw(self, rng: np.random.Generator) -> Any:
        """One value; floats rounded to :data:`SAMPLE_DIGITS` significant digits."""
        if self.kind == "choice":
            return self.args[int(rng.integers(len(self.args)))]
        low, high = self.args
        if self.kind == "int":
            return int(rng.integers(low, high, endpoint=True))
        if self.kind == "uniform":
            return _round(float(rng.uniform(low, high)))
        return _round(float(math.exp(rng.uniform(math.log(low), math.log(high)))))

    def dump(self) -> dict[str, list[Any]]:
        return {self.kind: list(self.args)}

    def describe(self) -> str:
        return f"{self.kind}({', '.join(map(str, self.args))})"


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _round(value: float) -> float:
    return float(f"{value:.{SAMPLE_DIGITS}g}")


def _grid_entry(raw: Any) -> Any:
    """A list → Choices; ``{log_uniform: [a, b]}`` → Distribution; another
    mapping → labelled Choices (label → value)."""
    if isinstance(raw, Choices | Distribution):
        return raw
    if isinstance(raw, list):
        return Choices(tuple(raw))
    if isinstance(raw, Mapping):
        if len(raw) == 1 and next(iter(raw)) in DISTRIBUTIONS:
            kind, args = next(iter(raw.items()))
            return Distribution(kind, tuple(args if isinstance(args, list) else [args]))
        return Choices(tuple(raw.values()), tuple(str(k) for k in raw))
    raise ValueError(
        "expected a list of values ([relu, tanh]), a mapping of labels to values, "
        f"or a distribution ({{log_uniform: [0.0001, 0.1]}}); got {raw!r}. A single "
        "fixed value belongs in overrides: (or in the base spec)"
    )


def _zip_entry(raw: Any) -> Choices:
    entry = _grid_entry(raw)
    if isinstance(entry, Distribution):
        raise ValueError("keys varied together take lists of values, not distributions")
    return entry


def _seeds(value: Any) -> int | list[int] | None:
    """A count N (seeds 0 … N−1) or a list of distinct seeds ≥ 0."""

    def whole(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if value is None or (whole(value) and value >= 1):
        return value
    if isinstance(value, list) and value and all(whole(v) and v >= 0 for v in value):
        if len(set(value)) != len(value):
            raise ValueError(f"lists a seed twice: {value}")
        return list(value)
    raise ValueError(
        f"expected a count ≥ 1 (3 means seeds 0, 1, 2) or a non-empty list of "
        f"seeds ≥ 0 ([0, 5, 7]); got {value!r}"
    )


GridEntry = Annotated[Choices | Distribution, PlainValidator(_grid_entry)]
ZipEntry = Annotated[Choices, PlainValidator(_zip_entry)]


class SweepSpec(SpecModel):
    """A validated sweep (see the module docstring for the keys)."""

    noun: ClassVar[str] = "a sweep spec"

    name: FolderName | None = None
    description: str = ""
    base: str | dict[str, Any]
    overrides: list[str] = []
    grid: dict[str, GridEntry] = {}
    zip: list[dict[str, ZipEntry]] = []
    seeds: Annotated[int | list[int] | None, PlainValidator(_seeds)] = None
    sample: Count | None = None
    sample_seed: NonNegativeInt = 0
    max_trials: Count | None = None
    #: train compatible cells as populations (false: one process per cell)
    population: bool = True
    #: what each Slurm job asks for (``--executor slurm``)
    cluster: ClusterSpec | None = None

    @field_validator("zip", mode="before")
    @classmethod
    def _one_group(cls, value: Any) -> Any:
        return [value] if isinstance(value, Mapping) else value

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        problems = (
            _key_problems(self) + _zip_problems(self.zip) + _sample_problems(self)
        )
        if not (self.grid or self.zip or self.seeds is not None):
            problems.append(
                (
                    "grid",
                    "nothing to sweep: give grid:, zip: or seeds: "
                    "(on the command line --grid, --zip or --seeds)",
                )
            )
        if problems:
            raise Problems(problems)
        return self

    @property
    def seed_list(self) -> list[int] | None:
        """The seeds to run every combination with (None: the base spec's seed)."""
        if self.seeds is None:
            return None
        return (
            list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)
        )

    def dump(self) -> dict[str, Any]:
        """Plain YAML-safe data that validates back to an equal spec."""
        data = {k: getattr(self, k) for k in type(self).model_fields}
        data["overrides"] = list(self.overrides)
        data["seeds"] = list(self.seeds) if isinstance(self.seeds, list) else self.seeds
        data["grid"] = {k: v.dump() for k, v in self.grid.items()}
        data["zip"] = [{k: v.dump() for k, v in group.items()} for group in self.zip]
        data["cluster"] = self.cluster.model_dump() if self.cluster else None
        return data


def _key_problems(spec: SweepSpec) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    keys = [("grid", k) for k in spec.grid]
    keys += [
        (f"zip.{i}" if len(spec.zip) > 1 else "zip", k)
        for i, g in enumerate(spec.zip)
        for k in g
    ]
    for where, key in keys:
        if not KEY_PATTERN.match(key):
            problems.append(
                (f"{where}.{key}", "expected a dotted key such as model.activation")
            )
        elif key in seen:
            problems.append(
                (
                    f"{where}.{key}",
                    f"varied twice (also in {seen[key]}); give each key once",
                )
            )
        seen.setdefault(key, where)
        if key == "seed" and spec.seeds is not None:
            problems.append(
                (
                    f"{where}.seed",
                    "give the seeds either as seeds: or as a grid key, not both",
                )
            )
    return problems


def _zip_problems(groups: Sequence[Mapping[str, Choices]]) -> list[tuple[str, str]]:
    problems = []
    for i, group in enumerate(groups):
        lengths = {k: len(v.values) for k, v in group.items() if isinstance(v, Choices)}
        if len(set(lengths.values())) > 1:
            where = f"zip.{i}" if len(groups) > 1 else "zip"
            text = ", ".join(f"{k} has {n}" for k, n in lengths.items())
            problems.append(
                (where, f"keys varied together need the same number of values: {text}")
            )
    return problems


def _sample_problems(spec: SweepSpec) -> list[tuple[str, str]]:
    if spec.sample is not None:
        return []
    return [
        (
            f"grid.{k}",
            f"a distribution ({v.describe()}) needs sample: N (--sample N), "
            "the number of values to draw",
        )
        for k, v in spec.grid.items()
        if isinstance(v, Distribution)
    ]


# loading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepSource:
    """A validated sweep spec and where its relative paths start."""

    spec: SweepSpec
    folder: (
        Path  # the sweep file's folder (the current folder for a run spec or a dict)
    )
    path: Path | None = None  # the sweep file, if any

    @property
    def label(self) -> str | None:
        return str(self.path) if self.path else None


def is_sweep_mapping(data: Mapping[str, Any]) -> bool:
    """Whether a YAML mapping is a sweep spec (it has a sweep key) or a run spec."""
    return any(k in data for k in SWEEP_KEYS)


def validate_sweep(data: Mapping[str, Any], *, source: str | None = None) -> SweepSpec:
    """A raw mapping → :class:`SweepSpec`, or a SpecError with every problem."""
    return SweepSpec.from_mapping(data, source=source)


def read_source(path: str | Path) -> tuple[dict[str, Any], bool]:
    """A YAML file's mapping and whether it is a sweep spec (else a run spec)."""
    data = read_yaml_file(Path(path).expanduser())
    return data, is_sweep_mapping(data)
