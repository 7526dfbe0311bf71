"""Specs: the one place where YAML and dicts become typed, validated, frozen values.

Every spec is a :class:`~nnexp.spec.base.SpecModel` (unknown keys refused, frozen, one
``SpecError`` listing every problem by key path and naming the file) built from the
field types of :mod:`nnexp.spec.fields`:

* run specs (``nnexp train``): ``load_spec(path, overrides)`` → :class:`RunSpec`;
  ``dump_spec(spec)`` → the YAML of the resolved spec; ``check_against_data(spec,
  info)`` / ``layer_sizes(spec, info)`` once the data is known;
* sweep specs (``nnexp sweep``, :mod:`nnexp.spec.sweep`): ``validate_sweep(mapping)``
  → :class:`SweepSpec`;
* landscape specs (``nnexp landscape``, :mod:`nnexp.spec.landscape`):
  ``load_landscape_spec(path)`` → :class:`LandscapeSpec`.
"""

from __future__ import annotations

from nnexp.spec.base import SpecModel
from nnexp.spec.check import check_against_data, data_problems, layer_sizes
from nnexp.spec.components import Component, parse_component, registry_for
from nnexp.spec.dump import dump_spec, spec_to_dict
from nnexp.spec.landscape import LandscapeSpec, load_landscape_spec
from nnexp.spec.load import load_raw, load_spec, parse_override, validate
from nnexp.spec.models import (
    EarlyStoppingSpec,
    ModelSpec,
    OutputSpec,
    RunSpec,
    TrainingSpec,
)
from nnexp.spec.sweep import SweepSpec, validate_sweep

__all__ = [
    "Component",
    "EarlyStoppingSpec",
    "LandscapeSpec",
    "ModelSpec",
    "OutputSpec",
    "RunSpec",
    "SpecModel",
    "SweepSpec",
    "TrainingSpec",
    "check_against_data",
    "data_problems",
    "dump_spec",
    "layer_sizes",
    "load_landscape_spec",
    "load_raw",
    "load_spec",
    "parse_component",
    "parse_override",
    "registry_for",
    "spec_to_dict",
    "validate",
    "validate_sweep",
]
