"""Run specs: the one place where YAML and dicts become typed, validated, frozen values.

``load_spec(path, overrides)`` → :class:`RunSpec` (or a ``SpecError`` listing every
problem by key path); ``dump_spec(spec)`` → the YAML of the resolved spec;
``check_against_data(spec, info)`` / ``layer_sizes(spec, info)`` once the data is known.
"""

from __future__ import annotations

from nnexp.spec.check import check_against_data, data_problems, layer_sizes
from nnexp.spec.components import Component, parse_component, registry_for
from nnexp.spec.dump import dump_spec, spec_to_dict
from nnexp.spec.load import load_raw, load_spec, parse_override, validate
from nnexp.spec.models import (
    EarlyStoppingSpec,
    ModelSpec,
    OutputSpec,
    RunSpec,
    TrainingSpec,
)

__all__ = [
    "Component",
    "EarlyStoppingSpec",
    "ModelSpec",
    "OutputSpec",
    "RunSpec",
    "TrainingSpec",
    "check_against_data",
    "data_problems",
    "dump_spec",
    "layer_sizes",
    "load_raw",
    "load_spec",
    "parse_component",
    "parse_override",
    "registry_for",
    "spec_to_dict",
    "validate",
]
