"""Expand a sweep spec into cells, name them, and validate every cell up front.

Pure functions: no files are written and nothing is trained.  A *trial* is one
combination of the varied values (one option of every grid key and zip group); a
*cell* is a trial run with one seed.  Cells are ordered seed by seed (all trials with
the first seed, then the second …), each seed's trials in grid order (the last grid
key varies fastest) or in the order they were drawn.

Cells are named by :mod:`nnexp.sweep.naming`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnexp.errors import SpecError
from nnexp.spec.load import load_raw, load_spec
from nnexp.spec.models import RunSpec
from nnexp.spec.sweep import Choices, Distribution, SweepSource, SweepSpec
from nnexp.sweep.naming import cell_names, short_keys, value_text, yaml_text


@dataclass(frozen=True)
class Axis:
    """Keys varied together (one grid key, or a zip group) and their options."""

    keys: tuple[str, ...]
    options: tuple[
        tuple[Any, ...], ...
    ] = ()  # one tuple of values (per key) per option
    labels: tuple[tuple[str, ...], ...] = ()
    distribution: Distribution | None = None  # random search on a single key

    def option(self, i: int) -> dict[str, tuple[Any, str]]:
        return {
            k: (v, t)
            for k, v, t in zip(self.keys, self.options[i], self.labels[i], strict=True)
        }

    def draw(self, rng: np.random.Generator) -> dict[str, tuple[Any, str]]:
        if self.distribution is None:
            return self.option(int(rng.integers(len(self.options))))
        value = self.distribution.draw(rng)
        return {self.keys[0]: (value, value_text(value))}


@dataclass(frozen=True)
class Cell:
    """One run of the sweep.

    ``values`` maps dotted keys to the values set on the base spec (``seed``
    included when seeds are varied); ``labels`` gives each its text in names, tables
    and plots (the label of a labelled value, else the value written compactly).
    """

    name: str
    values: dict[str, Any]
    labels: dict[str, str]
    trial: int
    seed: int | None = None

    @property
    def overrides(self) -> list[str]:
        """The values as the train command's overrides (``key=value`` in YAML)."""
        return [f"{k}={yaml_text(v)}" for k, v in self.values.items()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "trial": self.trial,
            "seed": self.seed,
            "values": dict(self.values),
            "labels": dict(self.labels),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cell:
        return cls(
            str(data["name"]),
            dict(data["values"]),
            dict(data["labels"]),
            int(data["trial"]),
            data.get("seed"),
        )


@dataclass(frozen=True)
class Expansion:
    """The cells of a sweep and how they vary.

    ``keys`` are the varied dotted keys in column order (``seed`` last when varied);
    ``axes`` group the keys that vary together (a zip group), for plots; ``sampled``
    are the keys drawn from distributions (random search).
    """

    cells: list[Cell]
    keys: list[str]
    axes: list[list[str]]
    n_trials: int
    notes: list[str] = field(default_factory=list)
    sampled: list[str] = field(default_factory=list)


# values as text -----------------------------------------------------------------------


# axes, trials and cells ---------------------------------------------------------------


def axes_of(spec: SweepSpec) -> list[Axis]:
    """Grid keys (one axis each), then zip groups (one axis per group)."""
    axes = [_axis((key,), [entry]) for key, entry in spec.grid.items()]
    axes += [_axis(tuple(group), list(group.values())) for group in spec.zip]
    return axes


def _axis(keys: tuple[str, ...], entries: Sequence[Choices | Distribution]) -> Axis:
    if isinstance(entries[0], Distribution):
        return Axis(keys, distribution=entries[0])
    options = tuple(zip(*(e.values for e in entries), strict=True))
    labels = tuple(
        zip(
            *(e.labels or tuple(value_text(v) for v in e.values) for e in entries),
            strict=True,
        )
    )
    return Axis(keys, options, labels)


def grid_trials(axes: Sequence[Axis]) -> list[dict[str, tuple[Any, str]]]:
    """Every combination, the last axis varying fastest."""
    trials = []
    for picks in itertools.product(*(range(len(a.options)) for a in axes)):
        trial: dict[str, tuple[Any, str]] = {}
        for axis, i in zip(axes, picks, strict=True):
            trial.update(axis.option(i))
        trials.append(trial)
    return trials


def sampled_trials(
    axes: Sequence[Axis], n: int, seed: int
) -> tuple[list[dict], list[str]]:
    """``n`` distinct combinations drawn with ``np.random.default_rng(seed)``.

    Without distributions the draw is without replacement from the grid (all of it,
    in grid order, when ``n`` covers it); with distributions each axis is drawn
    independently and repeated combinations are drawn again.
    """
    rng = np.random.default_rng(seed)
    if all(a.distribution is None for a in axes):
        sizes = [len(a.options) for a in axes]
        total = math.prod(sizes)
        if n >= total:
            note = (
                f"sample {n} covers the whole grid of {total}: every combination runs"
            )
            return grid_trials(axes), ([note] if n > total else [])
        picks = (
            rng.permutation(total)[:n]
            if total <= 10**6
            else rng.choice(total, n, replace=False)
        )
        chosen = [np.unravel_index(int(p), sizes) for p in picks]
        return [
            _merge(a.option(int(i)) for a, i in zip(axes, idx, strict=True))
            for idx in chosen
        ], []
    trials, seen = [], set()
    for _ in range(100 * n):
        trial = _merge(a.draw(rng) for a in axes)
        signature = tuple(label for _, label in trial.values())
        if signature not in seen:
            seen.add(signature)
            trials.append(trial)
        if len(trials) == n:
            return trials, []
    return trials, [f"only {len(trials)} distinct combinations found for sample {n}"]


def _merge(parts: Iterable[dict[str, tuple[Any, str]]]) -> dict[str, tuple[Any, str]]:
    out: dict[str, tuple[Any, str]] = {}
    for part in parts:
        out.update(part)
    return out


def expand(spec: SweepSpec) -> Expansion:
    """The cells of ``spec`` (see the module docstring for the order)."""
    axes = axes_of(spec)
    notes: list[str] = []
    if spec.sample is not None:
        trials, notes = sampled_trials(axes, spec.sample, spec.sample_seed)
    else:
        trials = grid_trials(axes)
    if spec.max_trials is not None and len(trials) > spec.max_trials:
        notes.append(
            f"max_trials {spec.max_trials} keeps the first {spec.max_trials} of "
            f"{len(trials)} combinations"
        )
        trials = trials[: spec.max_trials]
    keys = [k for a in axes for k in a.keys]
    seeds = spec.seed_list
    if seeds is not None:
        keys.append("seed")
    names = cell_names(keys, trials, seeds)
    cells = []
    for s_index, seed in enumerate(seeds if seeds is not None else [None]):
        for t_index, trial in enumerate(trials):
            values = {k: v for k, (v, _) in trial.items()}
            labels = {k: t for k, (_, t) in trial.items()}
            if seed is not None:
                values["seed"], labels["seed"] = seed, str(seed)
            name = names[s_index * len(trials) + t_index]
            cells.append(Cell(name, values, labels, t_index, seed))
    sampled = [a.keys[0] for a in axes if a.distribution is not None]
    return Expansion(
        cells, keys, [list(a.keys) for a in axes], len(trials), notes, sampled
    )


# the base spec and validation ---------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """The base run spec as a raw mapping (``extends`` resolved), the folder its
    relative paths start from, and the overrides applied to it before each cell's."""

    data: dict[str, Any]
    folder: Path
    overrides: tuple[str, ...] = ()
    file: Path | None = None

    def resolve(self, cell: Cell) -> RunSpec:
        """The cell's validated run spec (raises SpecError)."""
        return load_spec(
            self.data, self.overrides, set_values=cell.values, base_dir=self.folder
        )


def load_base(source: SweepSource) -> Base:
    """Read the sweep's base spec: a path relative to the sweep file, or inline."""
    spec = source.spec
    if isinstance(spec.base, str):
        path = Path(spec.base).expanduser()
        path = (path if path.is_absolute() else source.folder / path).resolve()
        data = load_raw(path)
        return Base(data, path.parent, tuple(spec.overrides), path)
    return Base(
        load_raw(spec.base, base_dir=source.folder),
        source.folder,
        tuple(spec.overrides),
    )


def validate_cells(
    base: Base, cells: Sequence[Cell], *, source: str | None = None
) -> list[RunSpec]:
    """Every cell's run spec; raises one SpecError naming the cells of each problem."""
    specs, failures = [], {}
    for cell in cells:
        try:
            specs.append(base.resolve(cell))
        except SpecError as err:
            for problem in err.problems:
                failures.setdefault(problem, []).append(cell)
    if failures:
        problems = []
        for (key, msg), failed in failures.items():
            where = describe_cells(failed, cells)
            problems.append((f"{key} ({where})" if key else f"({where})", msg))
        raise SpecError(problems, source=source)
    return specs


def describe_cells(chosen: Sequence[Cell], cells: Sequence[Cell]) -> str:
    """``cell <name>``, ``all 12 cells``, ``the 3 cells with activation=relux`` (when
    they are exactly the cells sharing those values), or a short list of names."""
    if len(chosen) == 1:
        return f"cell {chosen[0].name}"
    if len(chosen) == len(cells):
        return f"all {len(cells)} cells"
    common = {
        k: t
        for k, t in chosen[0].labels.items()
        if all(c.labels.get(k) == t for c in chosen)
    }
    matching = [
        c for c in cells if all(c.labels.get(k) == t for k, t in common.items())
    ]
    if common and len(matching) == len(chosen):
        short = short_keys(list(chosen[0].labels))
        return f"the {len(chosen)} cells with " + ",".join(
            f"{short[k]}={t}" for k, t in common.items()
        )
    more = f" and {len(chosen) - 2} more" if len(chosen) > 2 else ""
    return "cells " + ", ".join(c.name for c in chosen[:2]) + more
