"""Checks of a spec against the data set it names, once the data's sizes are known.

``info`` is the data set's metadata (``nnexp.data``): it needs ``name``, ``task``
(``"classification"`` or ``"regression"``), ``n_features`` (flattened input size) and
``n_outputs`` (width of the target rows: classes for one-hot classification).
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
    if layers is not None and layers[-1] != info.n_outputs:
        msg = (
            f"the output size is {layers[-1]} but {data} has {info.n_outputs} outputs"
            f"{_classes(info)}; use {[*layers[:-1], info.n_outputs]}, {fix}"
        )
        problems.append(("model.layers", msg))
    if spec.loss.name == "cross_entropy" and info.task != "classification":
        msg = (
            f"cross_entropy needs a classification data set, but {data} is a"
            f" {info.task} task; use mse"
        )
        problems.append(("loss", msg))
    return problems


def _classes(info: Any) -> str:
    n = getattr(info, "n_classes", None)
    return f" ({n} classes)" if n else ""


def check_against_data(spec: RunSpec, info: Any, *, source: str | None = None) -> None:
    """Raise :class:`SpecError` naming the keys when ``spec`` does not fit the data."""
    problems = data_problems(spec, info)
    if problems:
        raise SpecError(problems, source=source or spec_source(spec))
