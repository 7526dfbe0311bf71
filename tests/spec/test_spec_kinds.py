"""Run, sweep and landscape specs share one base model, one error report and one set
of field types: the same input gets the same answer whichever spec it is in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from spec_helpers import problems_of

from nnexp.errors import SpecError
from nnexp.spec import (
    LandscapeSpec,
    RunSpec,
    SpecModel,
    SweepSpec,
    load_landscape_spec,
    load_spec,
    validate_sweep,
)

RUN = {
    "name": "r",
    "dataset": "sincos",
    "training": {"epochs": 1, "batch_size": 4},
}
SWEEP = {"name": "s", "base": "base.yaml", "grid": {"seed": [0, 1]}}
LANDSCAPE = {
    "name": "l",
    "objective": "two_bump",
    "starts": [[0, 0]],
    "methods": ["gd"],
}

#: (a valid mapping, its loader with a file label) for each kind of spec
KINDS: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any], Path], Any]]] = {
    "run": (RUN, lambda data, path: _from_file(load_spec, data, path)),
    "sweep": (SWEEP, lambda data, path: validate_sweep(data, source=str(path))),
    "landscape": (
        LANDSCAPE,
        lambda data, path: _from_file(load_landscape_spec, data, path),
    ),
}


def _from_file(load: Callable[[Path], Any], data: dict[str, Any], path: Path) -> Any:
    import yaml

    path.write_text(yaml.safe_dump(data))
    return load(path)


def load(kind: str, tmp_path: Path, **changes: Any) -> Any:
    data, loader = KINDS[kind]
    return loader({**data, **changes}, tmp_path / f"{kind}.yaml")


def test_every_spec_is_a_spec_model():
    for cls in (RunSpec, SweepSpec, LandscapeSpec):
        assert issubclass(cls, SpecModel)
        assert cls.model_config["extra"] == "forbid" and cls.model_config["frozen"]


@pytest.mark.parametrize("kind", KINDS)
def test_valid_specs_are_frozen(kind: str, tmp_path: Path):
    spec = load(kind, tmp_path)
    with pytest.raises(ValidationError):
        spec.name = "other"


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_key_names_the_file_and_close_keys(kind: str, tmp_path: Path):
    with pytest.raises(SpecError) as err:
        load(kind, tmp_path, nmae="x")
    assert str(tmp_path / f"{kind}.yaml") in str(err.value)
    assert "Did you mean: name?" in problems_of(err)["nmae"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["..", "a/b", " ", "."])
def test_one_folder_name_rule(kind: str, name: str, tmp_path: Path):
    # the name becomes part of a folder name: a sweep named ".." was accepted before
    with pytest.raises(SpecError) as err:
        load(kind, tmp_path, name=name)
    assert "usable in a folder name (no / or \\)" in problems_of(err)["name"]


@pytest.mark.parametrize(
    ("kind", "key", "changes"),
    [
        ("run", "training.epochs", {"training": {"epochs": True, "batch_size": 4}}),
        ("sweep", "sample", {"sample": True}),
        ("landscape", "stop.max_iterations", {"stop": {"max_iterations": True}}),
    ],
)
def test_a_count_is_not_a_boolean(kind: str, key: str, changes: dict, tmp_path: Path):
    with pytest.raises(SpecError) as err:
        load(kind, tmp_path, **changes)
    assert problems_of(err)[key] == (
        "Input should be a valid integer, not a boolean (got True)"
    )


@pytest.mark.parametrize("kind", ["sweep", "landscape"])
def test_a_spec_that_is_not_a_mapping(kind: str):
    cls = {"sweep": SweepSpec, "landscape": LandscapeSpec}[kind]
    with pytest.raises(SpecError) as err:
        cls.from_mapping([1, 2], source="x.yaml")
    assert problems_of(err)[""] == f"a {kind} spec must be a mapping, got list"
    assert "x.yaml" in str(err.value)
