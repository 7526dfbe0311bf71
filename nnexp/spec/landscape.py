"""The landscape spec: a YAML file → a validated, frozen :class:`LandscapeSpec`.

.. code-block:: yaml

    name: e7_two_bump
    objective: two_bump            # or {name: quadratic, Q: [[1, 0], [0, 10]], b: [0, 0]}
                                   # or {expression: "sin(w1) * w2**2", grad: [..., ...]}
    goal: maximise                 # minimise (default) | maximise
    starts: [[0.2, 0.5], [0.5, 0.2], [1, 1]]
    methods:
      - {method: gradient, step: 0.1}            # fixed-step gradient ascent/descent
      - {method: exact_line_search}              # quadratic only (docs/maths.md §6)
      - {method: adam, lr: 0.05, label: Adam}    # any optimiser of the registry
    stop: {grad_norm: 1.0e-4, step_norm: null, max_iterations: 10000}
    plot: {w1: [-1, 2], w2: [-1, 2], levels: 30, scale: linear}

Keys are checked like a run spec's (``extra="forbid"``, close matches for typos), and
every problem is raised together as one :class:`~nnexp.errors.SpecError` whose keys
are dotted paths (``methods.1.lr``, ``objective.Q``).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Final, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from nnexp.registry import normalize_name, registry_for
from nnexp.spec.base import SpecModel
from nnexp.spec.components import Component, parse, plain
from nnexp.spec.fields import Count, Finite, FolderName, Parsed, Tolerance
from nnexp.spec.problems import Problems
from nnexp.spec.yamlio import read_yaml_file

#: method names that are not optimisers, with their spellings
GRADIENT: Final = "gradient"
LINE_SEARCH: Final = "exact_line_search"
_METHOD_ALIASES = {
    GRADIENT: ("gradient", "gradient_ascent", "gradient_descent", "gd", "ga"),
    LINE_SEARCH: ("exact_line_search", "line_search", "steepest_descent"),
}
#: gradient spellings that fix the direction (plain ``gradient`` follows the goal)
_DIRECTIONS: dict[str, Literal["ascent", "descent"]] = {
    "gradientascent": "ascent",
    "ga": "ascent",
    "gradientdescent": "descent",
    "gd": "descent",
}
_GOAL_SPELLINGS = {
    "minimise": ("minimise", "minimize", "min"),
    "maximise": ("maximise", "maximize", "max"),
}


# objective -----------------------------------------------------------------------------


def parse_objective(value: Any) -> Component:
    """``"two_bump"``, ``{name: ..., **params}`` or ``{expression: ..., ...}`` (the
    ``expression`` objective without its name): a component of the registry, whose
    parameters are kept as the objective normalised them (``Q`` as nested tuples)."""
    if isinstance(value, Component):
        return value
    if isinstance(value, Mapping) and "name" not in value:
        if "expression" not in value:
            names = ", ".join(registry_for("objective").names())
            msg = f"give name: one of {names}; or expression: a formula in w1, w2"
            raise Problems([("", msg)])
        value = {"name": "expression", **value}
    comp = parse(value, "objective", name_key="name")
    built = comp.built
    if not is_dataclass(built):  # a plugin: its parameters as the spec gave them
        return comp
    params = {f.name: getattr(built, f.name) for f in fields(built) if f.init}
    return Component("objective", comp.name, params, instance=built)


# methods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodSpec:
    """One optimisation method.

    ``kind`` is ``gradient`` (fixed ``step``; ``direction`` ascent/descent when the
    spec spelled it, else None: it follows the goal), ``exact_line_search``, or
    ``optimizer`` (then ``optimizer`` holds the registry component).  ``label`` is the
    user's, or None for the default of :meth:`display_label`.
    """

    kind: Literal["gradient", "exact_line_search", "optimizer"]
    label: str | None = None
    step: float | None = None
    direction: Literal["ascent", "descent"] | None = None
    optimizer: Component | None = None

    def display_label(self, goal: str) -> str:
        """The label used in plots, tables and files."""
        if self.label:
            return self.label
        if self.kind == GRADIENT:
            direction = self.direction or (
                "ascent" if goal == "maximise" else "descent"
            )
            return f"gradient {direction} (step {self.step:g})"
        if self.kind == LINE_SEARCH:
            return "exact line search"
        assert self.optimizer is not None
        return _optimizer_label(self.optimizer)

    def to_yaml(self) -> dict[str, Any]:
        if self.kind == "optimizer":
            assert self.optimizer is not None
            comp = self.optimizer.to_yaml()
            out = {"method": comp.pop("name"), **comp}
        elif self.kind == GRADIENT:
            name = f"gradient_{self.direction}" if self.direction else GRADIENT
            out = {"method": name, "step": self.step}
        else:
            out = {"method": self.kind}
        return {**out, "label": self.label} if self.label else out


def _method_kind(name: str) -> str | None:
    wanted = normalize_name(name)
    for kind, spellings in _METHOD_ALIASES.items():
        if wanted in {normalize_name(s) for s in spellings}:
            return kind
    return None


def parse_method(value: Any) -> MethodSpec:
    """``"adam"``, ``{method: gradient, step: 0.1}``, ``{method: sgd, lr: 0.1, label: ...}``."""
    if isinstance(value, MethodSpec):
        return value
    raw = {"method": value} if isinstance(value, str) else value
    if not isinstance(raw, Mapping) or not isinstance(raw.get("method"), str):
        key = "method" if isinstance(raw, Mapping) else ""
        msg = f"expected a method name or a mapping with 'method' ({_method_names()})"
        raise Problems([(key, f"{msg}, got {value!r}")])
    raw = dict(raw)
    name, label = raw.pop("method"), raw.pop("label", None)
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise Problems([("label", f"expected a non-empty text, got {label!r}")])
    kind = _method_kind(name)
    if kind == GRADIENT:
        return _gradient_method(name, raw, label)
    if kind == LINE_SEARCH:
        if raw:
            msg = "exact_line_search takes no parameters (its step is gᵀg / gᵀQg)"
            raise Problems([(k, msg) for k in raw])
        return MethodSpec(LINE_SEARCH, label)
    if name not in _optimizers():
        spellings = [*_METHOD_ALIASES, *_optimizers().names()]
        close = difflib.get_close_matches(name, spellings, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        msg = f"unknown method {name!r}.{hint} Allowed: {_method_names()}"
        raise Problems([("method", msg)])
    comp = parse({"name": name, **raw}, "optimizer")
    return MethodSpec("optimizer", label, optimizer=comp)


def _gradient_method(name: str, raw: dict[str, Any], label: str | None) -> MethodSpec:
    step = raw.pop("step", 0.1)
    allowed = "allowed: step (float > 0, default 0.1), label"
    problems = [
        (k, f"unknown parameter of the gradient method; {allowed}") for k in raw
    ]
    if isinstance(step, bool) or not isinstance(step, int | float):
        problems.append(("step", f"must be a number > 0, got {step!r}"))
    elif not (math.isfinite(step) and step > 0):
        problems.append(("step", f"must be a finite number > 0, got {step!r}"))
    if problems:
        raise Problems(problems)
    direction = _DIRECTIONS.get(normalize_name(name))
    return MethodSpec(GRADIENT, label, step=float(step), direction=direction)


def _optimizers() -> Any:
    return registry_for("optimizer")


def _method_names() -> str:
    return (
        "gradient (fixed step, ascent or descent by the goal), exact_line_search"
        f" (quadratic objective only), or an optimizer: {', '.join(_optimizers().names())}"
    )


def _optimizer_label(comp: Component) -> str:
    defaults = {p.name: p.default for p in comp.entry.params}
    changed = [
        f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
        for k, v in comp.params.items()
        if defaults.get(k) != v
    ]
    return f"{comp.name} ({', '.join(changed)})" if changed else comp.name


# the spec ------------------------------------------------------------------------------


def _goal(value: Any) -> Any:
    if isinstance(value, str):
        for goal, spellings in _GOAL_SPELLINGS.items():
            if value.strip().lower() in spellings:
                return goal
    raise ValueError(
        f"must be minimise or maximise (or minimize, maximize), got {value!r}"
    )


class StopSpec(SpecModel):
    """Stop when ‖∇f‖ < grad_norm, or ‖w_k+1 − w_k‖ < step_norm, or after
    max_iterations steps (null switches a tolerance off)."""

    grad_norm: Tolerance | None = 1e-6
    step_norm: Tolerance | None = None
    max_iterations: Annotated[Count, Field(le=1_000_000)] = 10_000


class PlotSpec(SpecModel):
    """Contour plot window (default: around the trajectories), levels and scale."""

    w1: tuple[Finite, Finite] | None = None
    w2: tuple[Finite, Finite] | None = None
    levels: Annotated[int, Field(ge=2, le=200)] = 30
    scale: Literal["linear", "log"] = "linear"

    @field_validator("w1", "w2")
    @classmethod
    def _increasing(
        cls, value: tuple[float, float] | None
    ) -> tuple[float, float] | None:
        if value is not None and not value[0] < value[1]:
            raise ValueError(f"needs [low, high] with low < high, got {list(value)}")
        return value


class LandscapeSpec(SpecModel):
    """A landscape experiment: objective, goal, starts × methods, stopping rule, plot."""

    noun: ClassVar[str] = "a landscape spec"

    name: FolderName = "landscape"
    description: str = ""
    objective: Annotated[Component, Parsed(parse_objective)]
    goal: Annotated[Literal["minimise", "maximise"], BeforeValidator(_goal)] = (
        "minimise"
    )
    starts: Annotated[list[tuple[Finite, Finite]], Field(min_length=1)]
    methods: Annotated[
        list[Annotated[MethodSpec, Parsed(parse_method)]], Field(min_length=1)
    ]
    stop: StopSpec = Field(default_factory=StopSpec)
    plot: PlotSpec = Field(default_factory=PlotSpec)

    @property
    def labels(self) -> list[str]:
        """One display label per method (see :meth:`MethodSpec.display_label`)."""
        return [m.display_label(self.goal) for m in self.methods]

    @model_validator(mode="after")
    def _check_methods(self) -> LandscapeSpec:
        problems = []
        for i, method in enumerate(self.methods):
            for key, msg in _method_problems(method, self):
                problems.append((f"methods.{i}.{key}", msg))
        labels = self.labels
        for i, label in enumerate(labels):
            if label in labels[:i]:
                msg = f"two methods are labelled {label!r}; give each its own label"
                problems.append((f"methods.{i}.label", msg))
        if problems:
            raise Problems(problems)
        return self


def _method_problems(method: MethodSpec, spec: LandscapeSpec) -> list[tuple[str, str]]:
    """Cross-checks of one method against the objective and the goal."""
    wanted = "ascent" if spec.goal == "maximise" else "descent"
    if method.direction is not None and method.direction != wanted:
        return [
            (
                "method",
                f"gradient {method.direction} does not fit goal {spec.goal}; write"
                " method: gradient (it follows the goal) or change the goal",
            )
        ]
    if method.kind != LINE_SEARCH:
        return []
    from nnexp.teaching.objectives import Quadratic

    objective = spec.objective.built
    if not isinstance(objective, Quadratic):
        return [
            (
                "method",
                "exact_line_search needs the quadratic objective (its step gᵀg / gᵀQg"
                f" is exact only there, docs/maths.md §6), not {spec.objective.name}",
            )
        ]
    if not objective.definite_for(spec.goal):
        need = "positive" if spec.goal == "minimise" else "negative"
        lam = objective.eigenvalues().round(6).tolist()
        msg = f"exact_line_search to {spec.goal} needs a {need} definite Q;"
        return [("method", f"{msg} Q has eigenvalues {lam}")]
    return []


def load_landscape_spec(source: str | Path | Mapping[str, Any]) -> LandscapeSpec:
    """Read and validate a landscape spec file (or mapping).

    Raises
    ------
    SpecError
        every problem with its dotted key (``methods.1.lr: ...``).
    """
    label = None if isinstance(source, Mapping) else str(source)
    data = dict(source) if isinstance(source, Mapping) else read_yaml_file(Path(source))
    return LandscapeSpec.from_mapping(data, source=label)


def spec_to_dict(spec: LandscapeSpec) -> dict[str, Any]:
    """The resolved spec as plain YAML-safe data (defaults and labels filled in)."""
    data = plain(spec.model_dump(mode="python"))
    for item, label in zip(data["methods"], spec.labels, strict=True):
        item["label"] = label
    return data
