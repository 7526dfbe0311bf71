"""The typed, frozen run spec (docs/maths.md §8).

Everything below ``nnexp.spec`` receives a :class:`RunSpec`, never a raw dict.  Models
are pydantic v2 with ``extra="forbid"`` (an unknown key is an error with close matches)
and ``frozen=True``.  Component fields hold :class:`~nnexp.spec.components.Component`
values; cross-field rules live in ``model_validator``\\ s and report all their problems
together.

Defaults, chosen so a minimal spec (name, dataset, training.epochs and batch_size) runs:

* ``model``: ``hidden: [100]`` when neither ``layers`` nor ``hidden`` is given (give
  exactly one: ``layers`` are all sizes, input and output included; ``hidden`` only the
  hidden sizes, input and output then come from the data set); ``activation: relu``
  (one for every hidden layer, or a list with one per hidden layer);
  ``output_activation: identity``; ``initializer: randn_average`` (``gain: auto``);
  ``dropout: 0.0`` (after each hidden layer; a list gives one per hidden layer).
* ``loss: mse``; ``optimizer: sgd`` (a list gives one per dense layer);
  ``regularizer: {name: l2, lam: 0.0}`` (``null`` for none); ``schedule: constant``.
* ``training``: ``shuffle: true``, ``dtype: float64``, ``early_stopping: null``
  (``true`` gives the docs/maths.md §8 defaults), ``init_from: null`` (a weights file, relative
  to the spec's folder, stored absolute).
* ``output``: ``runs_dir: runs``, ``plots: true`` (or a list of plot kinds, see
  :data:`nnexp.plots.registry.RUN_PLOTS`), ``checkpoint: true``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from nnexp.registry import normalize_name
from nnexp.spec.base import SpecModel
from nnexp.spec.components import Component, parse
from nnexp.spec.fields import (
    ComponentField,
    Count,
    FolderName,
    NonNegativeInt,
    base_dir_of,
    fraction,
    per_layer,
)
from nnexp.spec.monitor import monitor_problem
from nnexp.spec.problems import Problems

DEFAULT_HIDDEN = (100,)
_BOTH_SIZES = (
    "give either model.layers (all sizes, input and output included) or model.hidden"
    " (hidden sizes only; input and output come from the data), not both. In an"
    " override or an extending spec, set the other to null (model.layers=null)"
)


Activation = Annotated[Component, ComponentField("activation")]
HiddenActivations = Annotated[
    Component | list[Component], ComponentField("activation", many=True, hidden=True)
]
Initializer = Annotated[Component, ComponentField("initializer")]
Dataset = Annotated[Component, ComponentField("dataset")]
Loss = Annotated[Component, ComponentField("loss")]
Optimizers = Annotated[
    Component | list[Component], ComponentField("optimizer", many=True)
]
Regularizer = Annotated[Component | None, ComponentField("regularizer", optional=True)]
Schedule = Annotated[Component, ComponentField("schedule")]


class EarlyStoppingSpec(SpecModel):
    """docs/maths.md §8: stop when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs (then restore the best weights if ``restore_best``)."""

    example: ClassVar[str] = "true (the defaults), or {monitor: val_loss, patience: 5}"
    monitor: str = "val_loss"
    mode: Literal["auto", "min", "max"] = "auto"
    patience: NonNegativeInt = 5
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True

    @property
    def direction(self) -> Literal["min", "max"]:
        """``mode`` with ``auto`` decided: accuracies up, everything else down."""
        if self.mode != "auto":
            return self.mode
        return "max" if "accuracy" in self.monitor else "min"

    @field_validator("monitor")
    @classmethod
    def _known_monitor(cls, value: str) -> str:
        # the task is checked once the data is known (nnexp.spec.monitor)
        problem = monitor_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class TrainingSpec(SpecModel):
    example: ClassVar[str] = "{epochs: 10, batch_size: 32}"

    epochs: Count
    batch_size: Count
    shuffle: bool = True
    dtype: Literal["float32", "float64"] = "float64"
    early_stopping: EarlyStoppingSpec | None = None
    init_from: str | None = None
    #: a completed run folder whose training this run continues (nnexp.runner.continuation)
    continue_from: str | None = None
    #: BLAS threads for every product of the run: part of the spec because the
    #: thread count changes the rounding (see nnexp.runs.environment)
    blas_threads: Count = 1

    @field_validator("early_stopping", mode="before")
    @classmethod
    def _early_stopping_shorthand(cls, value: Any) -> Any:
        # `early_stopping: true` means "with the defaults", false means off
        if value is True:
            return {}
        return None if value is False else value

    @field_validator("init_from", "continue_from")
    @classmethod
    def _absolute_path(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not value.strip():
            what = (
                "a weights file (.npz)"
                if info.field_name == "init_from"
                else "a run folder"
            )
            raise ValueError(f"expected the path of {what}, got an empty string")
        path = Path(value).expanduser()
        if not path.is_absolute():
            path = (base_dir_of(info) or Path.cwd()) / path
        return str(path.resolve())


class OutputSpec(SpecModel):
    example: ClassVar[str] = "{runs_dir: runs, plots: true, checkpoint: true}"
    runs_dir: str = "runs"
    plots: bool | list[str] = True
    checkpoint: bool = True
    #: epochs whose weights snapshots.npz keeps (evenly spaced on a log scale, the
    #: last included): a number, 0 for none, or auto (SNAPSHOTS_AUTO for networks of
    #: at most SNAPSHOTS_AUTO_PARAMETERS parameters, else none)
    snapshots: int | Literal["auto"] = "auto"
    #: finding thresholds by name (nnexp.training.findings.Thresholds)
    findings: dict[str, float] = {}

    @field_validator("snapshots", mode="plain")
    @classmethod
    def _snapshots(cls, value: Any) -> int | str:
        if value == "auto" or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 0
        ):
            return value
        raise ValueError(f"expected auto or a whole number ≥ 0; got {value!r}")

    @field_validator("findings", mode="plain")
    @classmethod
    def _findings(cls, value: Any) -> dict[str, float]:
        # the rules live in the training floor beside the spec: imported on demand
        from nnexp.training.findings import Thresholds

        if not isinstance(value, dict):
            raise ValueError(
                f"expected a mapping of threshold names to numbers; got {value!r}"
            )
        Thresholds().with_values(value)
        return dict(value)

    @field_validator("plots", mode="plain")
    @classmethod
    def _plots(cls, value: Any) -> bool | list[str]:
        if isinstance(value, bool):
            return value
        from nnexp.plots.registry import run_plot_names  # matplotlib: only for a list

        if isinstance(value, list) and all(v in run_plot_names() for v in value):
            return list(value)
        names = ", ".join(run_plot_names())
        raise ValueError(f"expected true, false or a list from {names}; got {value!r}")

    def wants_plot(self, name: str) -> bool:
        """Whether the plot kind ``name`` should be drawn."""
        return self.plots if isinstance(self.plots, bool) else name in self.plots


class ModelSpec(SpecModel):
    example: ClassVar[str] = "{hidden: [100], activation: relu}"
    layers: list[Count] | None = None
    hidden: list[Count] | None = None
    activation: HiddenActivations = Field("relu", validate_default=True)
    output_activation: Activation = Field("identity", validate_default=True)
    initializer: Initializer = Field("randn_average", validate_default=True)
    dropout: float | list[float] = 0.0

    @model_validator(mode="before")
    @classmethod
    def _default_sizes(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and data.get("layers") is None
            and data.get("hidden") is None
        ):
            return {**data, "layers": None, "hidden": list(DEFAULT_HIDDEN)}
        return data

    @field_validator("dropout", mode="plain")
    @classmethod
    def _dropout(cls, value: Any) -> float | list[float]:
        return per_layer(value, fraction)

    @model_validator(mode="after")
    def _check_layers(self) -> ModelSpec:
        if self.layers is not None and self.hidden is not None:
            raise Problems([("hidden", _BOTH_SIZES)])
        if self.layers is not None and len(self.layers) < 2:
            msg = f"needs at least two sizes, input and output; got {self.layers}"
            raise Problems([("layers", msg)])
        values = {"activation": self.activation, "dropout": self.dropout}
        problems = per_layer_problems(values, self.n_dense, self.sizes_text)
        if problems:
            raise Problems(problems)
        return self

    @property
    def sizes_text(self) -> str:
        """``layers [784, 100, 10]`` or ``hidden [100]``, for messages."""
        if self.layers is not None:
            return f"layers {self.layers}"
        return f"hidden {self.hidden}"

    @property
    def n_dense(self) -> int:
        """Number of dense layers (weight matrices)."""
        return (
            len(self.layers) - 1
            if self.layers is not None
            else len(self.hidden or ()) + 1
        )

    @property
    def n_hidden(self) -> int:
        """Number of hidden layers (dense layers before the output layer)."""
        return self.n_dense - 1

    @property
    def hidden_activations(self) -> list[Component]:
        """One activation per hidden layer."""
        act = self.activation
        return list(act) if isinstance(act, list) else [act] * self.n_hidden

    @property
    def dropouts(self) -> list[float]:
        """One dropout rate per hidden layer (0 means no dropout layer)."""
        d = self.dropout
        return list(d) if isinstance(d, list) else [d] * self.n_hidden


class RunSpec(SpecModel):
    """A whole run: the key names are the contract of issue 5 (see module docstring)."""

    name: FolderName
    seed: NonNegativeInt = 0
    tags: list[str] = []
    description: str = ""
    dataset: Dataset
    model: ModelSpec = Field(default_factory=ModelSpec)
    loss: Loss = Field("mse", validate_default=True)
    optimizer: Optimizers = Field("sgd", validate_default=True)
    regularizer: Regularizer = Field({"name": "l2", "lam": 0.0}, validate_default=True)
    schedule: Schedule = Field("constant", validate_default=True)
    training: TrainingSpec
    output: OutputSpec = Field(default_factory=OutputSpec)

    @model_validator(mode="after")
    def _check_cross(self) -> RunSpec:
        problems = pairing_problems(self.loss, self.model.output_activation)
        problems += per_layer_problems(
            {"optimizer": self.optimizer}, self.model.n_dense, self.model.sizes_text
        )
        if problems:
            raise Problems(problems)
        return self

    @classmethod
    def problems_of_parts(
        cls, data: Mapping[str, Any], context: Mapping[str, Any]
    ) -> list[tuple[str, str]]:
        """The cross-field rules, applied to whichever parts are valid on their own:
        a bad ``training.epochs`` must not hide a loss that does not fit the output
        activation."""
        model = data.get("model") or {}
        if not isinstance(model, Mapping):
            return []
        out: list[tuple[str, str]] = []
        sizes = _raw_sizes(model)
        if sizes is not None:
            n_dense, text = sizes
            values = {k: model.get(k) for k in ("activation", "dropout")}
            problems = per_layer_problems(values, n_dense, text)
            out += [(f"model.{k}", m) for k, m in problems]
            out += per_layer_problems(
                {"optimizer": data.get("optimizer")}, n_dense, text
            )
        base_dir = context.get("base_dir")
        try:
            loss = parse(data.get("loss", "mse"), "loss", base_dir=base_dir)
            act = parse(
                model.get("output_activation", "identity"),
                "activation",
                base_dir=base_dir,
            )
        except Problems:
            return out
        return out + pairing_problems(loss, act)

    @property
    def optimizers(self) -> list[Component]:
        """One optimiser per dense layer."""
        opt = self.optimizer
        return list(opt) if isinstance(opt, list) else [opt] * self.model.n_dense


def pairing_problems(loss: Component, output: Component) -> list[tuple[str, str]]:
    """the pairing rule of docs/maths.md §3: cross_entropy needs softmax, binary_cross_entropy
    logistic, mse takes any output activation."""
    from nnexp.engine.losses import pairing_problem

    msg = pairing_problem(loss.name, output.name)
    fused = getattr(loss.entry.factory, "fused_with", None)
    if msg is None and isinstance(fused, str):
        # a plugin loss may name the output activation it absorbs
        if normalize_name(fused) != normalize_name(output.name):
            msg = f"loss {loss.name} needs output_activation {fused}, not {output.name}"
    return [("loss", msg)] if msg else []


#: per-layer keys: (what the list holds, which layers it covers, offset from n_dense)
_PER_LAYER = {
    "activation": ("activations", "hidden", -1),
    "dropout": ("dropout rates", "hidden", -1),
    "optimizer": ("optimizers", "dense", 0),
}


def per_layer_problems(
    values: dict[str, Any], n_dense: int, sizes_text: str
) -> list[tuple[str, str]]:
    """A list-valued per-layer key needs one item per hidden (or dense) layer.

    ``values`` maps keys of :data:`_PER_LAYER` to their values, validated or raw: only
    the length of a list is looked at.
    """
    problems = []
    for key, value in values.items():
        what, layers, offset = _PER_LAYER[key]
        n = n_dense + offset
        if isinstance(value, list) and len(value) != n:
            msg = (
                f"gives {len(value)} {what} but the network has {n} {layers} layer(s)"
                f" ({sizes_text}); give one value for all, or a list with one per"
                f" {layers} layer"
            )
            problems.append((key, msg))
    return problems


def _raw_sizes(model: Mapping[str, Any]) -> tuple[int, str] | None:
    """Number of dense layers and a description, from raw ``layers`` / ``hidden``."""
    layers, hidden = model.get("layers"), model.get("hidden")
    if isinstance(layers, list) and len(layers) >= 2 and hidden is None:
        return len(layers) - 1, f"layers {layers}"
    if isinstance(hidden, list) and layers is None:
        return len(hidden) + 1, f"hidden {hidden}"
    if layers is None and hidden is None:
        return len(DEFAULT_HIDDEN) + 1, f"hidden {list(DEFAULT_HIDDEN)}"
    return None
