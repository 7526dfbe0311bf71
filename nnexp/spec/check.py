"""Checks of a spec against the data set it names, once the data's sizes are known.

``info`` is the data set's metadata (``nnexp.data``): it needs ``name``, ``task``
(``"classification"`` or ``"regression"``), ``n_features`` (flattened input size) and
``n_outputs`` (width of the target rows: classes for one-hot classification).

A two-class data set fits an output layer of 2 units (one-hot targets) or of 1 unit
(the class index 0/1 as a single target column: the classical one logistic unit with
binary cross-entropy); :func:`one_hot_targets` says which targets a spec trains on.
"""

from __future__ import annotations

from typing import Any

from nnexp.errors import SpecError
from nnexp.spec.load import spec_source
from nnexp.spec.models import RunSpec
from nnexp.spec.monitor import monitor_problems


def layer_sizes(spec: RunSpec, info: Any) -> list[int]:
    """All layer sizes, input and output included: ``model.layers``, or
    ``[n_features, *model.hidden, n_outputs]`` from the data set."""
    model = spec.model
    if model.layers is not None:
        return list(model.layers)
    return [int(info.n_features), *(model.hidden or []), int(info.n_outputs)]


def one_hot_targets(spec: RunSpec) -> bool:
    """Whether classification targets are one-hot rows (the default) or, for a model
    whose output layer is a single unit, one column holding the class index (0 or 1)."""
    layers = spec.model.layers
    return layers is None or layers[-1] != 1


def is_binary(info: Any) -> bool:
    """A classification data set with exactly two classes."""
    return info.task == "classification" and getattr(info, "n_classes", None) == 2


def output_fits(n_out: int, info: Any, loss_name: str) -> bool:
    """``n_out`` output units fit the data set: its output count, or one unit for a
    two-class set with any loss but cross_entropy (softmax of one unit is always 1)."""
    if n_out == info.n_outputs:
        return True
    return n_out == 1 and is_binary(info) and loss_name != "cross_entropy"


def data_problems(spec: RunSpec, info: Any) -> list[tuple[str, str]]:
    """Every mismatch between ``spec`` and the data set, as ``(key, message)``."""
    problems = monitor_problems(spec, info)
    layers = spec.model.layers
    data = f"data set {info.name}"
    fix = "or give model.hidden and let the input and output sizes come from the data"
    if layers is not None and layers[0] != info.n_features:
        msg = (
            f"the input size is {layers[0]} but {data} has {info.n_features} input"
            f" features; use {[info.n_features, *layers[1:]]}, {fix}"
        )
        problems.append(("model.layers", msg))
    if layers is not None and not output_fits(layers[-1], info, spec.loss.name):
        problems.append(("model.layers", _output_message(layers, info, spec, fix)))
    if spec.loss.name == "cross_entropy" and info.task != "classification":
        msg = (
            f"cross_entropy needs a classification data set, but {data} is a"
            f" {info.task} task; use mse"
        )
        problems.append(("loss", msg))
    return problems


def _output_message(layers: list[int], info: Any, spec: RunSpec, fix: str) -> str:
    data = f"data set {info.name}"
    if layers[-1] == 1 and is_binary(info):  # one unit, refused for cross_entropy
        return (
            f"one output unit cannot be trained with {spec.loss.name} (the softmax of"
            f" a single unit is always 1); for the two classes of {data} use loss"
            " binary_cross_entropy with output_activation logistic (targets 0/1), or"
            f" {[*layers[:-1], 2]} with cross_entropy"
        )
    one_unit = (
        f", or {[*layers[:-1], 1]} with loss binary_cross_entropy and"
        " output_activation logistic (one unit, targets 0/1)"
        if is_binary(info)
        else ""
    )
    return (
        f"the output size is {layers[-1]} but {data} has {info.n_outputs} outputs"
        f"{_classes(info)}; use {[*layers[:-1], info.n_outputs]}{one_unit}, {fix}"
    )


def _classes(info: Any) -> str:
    n = getattr(info, "n_classes", None)
    return f" ({n} classes)" if n else ""


def check_against_data(spec: RunSpec, info: Any, *, source: str | None = None) -> None:
    """Raise :class:`SpecError` naming the keys when ``spec`` does not fit the data."""
    problems = data_problems(spec, info)
    if problems:
        raise SpecError(problems, source=source or spec_source(spec))
