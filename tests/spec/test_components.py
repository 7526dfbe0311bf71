"""Component references: parsing, parameters, building, and user plugins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from spec_helpers import problems_of

from nnexp.errors import SpecError
from nnexp.spec import Component, dump_spec, load_spec, parse_component
from nnexp.spec.yamlio import parse_yaml

MINIMAL = {
    "name": "tiny",
    "dataset": "logic_gates",
    "training": {"epochs": 3, "batch_size": 1},
}

CUBE = '''
from dataclasses import dataclass


@dataclass(frozen=True)
class Cube:
    """x³ scaled by k."""

    overflows = True  # z³ leaves the float range by nature (the plugin check asks)
    k: float = 1.0

    def __post_init__(self):
        if self.k == 0:
            raise ValueError("k must not be 0")

    def forward(self, z):
        return self.k * z**3

    def derivative(self, z, a):
        return 3 * self.k * z**2
'''

NO_DERIVATIVE = """
class Half:
    def forward(self, z):
        return z / 2
"""


def test_bare_name():
    c = parse_component("relu", "activation")
    assert c == Component("activation", "relu", {})
    assert c.to_yaml() == {"name": "relu"}


def test_name_with_parameters_and_defaults_filled():
    c = parse_component({"name": "leaky_relu", "alpha": 0.1}, "activation")
    assert (c.name, dict(c.params)) == ("leaky_relu", {"alpha": 0.1})
    assert parse_component("leaky_relu", "activation").params == {"alpha": 0.01}
    assert parse_component({"name": "SoftPlus", "k": 2}, "activation").to_yaml() == {
        "name": "softplus",
        "k": 2.0,
    }


def test_integer_for_a_float_parameter_becomes_a_float():
    lr = parse_component({"name": "sgd", "lr": 1}, "optimizer").params["lr"]
    assert lr == 1.0 and isinstance(lr, float)


def test_build_gives_the_configured_object():
    act = parse_component({"name": "leaky_relu", "alpha": 0.5}, "activation").build()
    z = np.array([-2.0, 3.0])
    np.testing.assert_array_equal(act.forward(z), [-1.0, 3.0])


def test_parse_component_errors_are_keyed():
    with pytest.raises(SpecError) as err:
        parse_component(
            {"name": "leaky_relu", "alpah": 1}, "activation", key="model.activation"
        )
    assert list(problems_of(err)) == ["model.activation.alpah"]
    with pytest.raises(SpecError) as err:
        parse_component("sofplus", "activation", key="model.activation")
    assert (
        "unknown activation 'sofplus' (model.activation)"
        in problems_of(err)["model.activation"]
    )


def test_constructor_checks_become_problems_at_the_parameter():
    with pytest.raises(SpecError) as err:
        parse_component({"name": "adam", "beta1": 1.5}, "optimizer", key="optimizer")
    assert "beta1" in problems_of(err)["optimizer.beta1"]


def test_describe():
    c = parse_component({"name": "sgd", "lr": 0.1}, "optimizer")
    assert c.describe() == "sgd(lr=0.1, momentum=0.0, nesterov=False)"
    assert parse_component("relu", "activation").describe() == "relu"


# plugins ------------------------------------------------------------------------------


@pytest.fixture
def plugin_spec(write) -> Path:
    write("acts/cube.py", CUBE)
    return write(
        "specs/run.yaml",
        "name: p\ndataset: logic_gates\n"
        "model: {activation: {name: ../acts/cube.py:Cube, k: 2}}\n"
        "training: {epochs: 1, batch_size: 1}\n",
    )


def test_plugin_is_resolved_relative_to_the_spec_and_made_absolute(
    plugin_spec: Path, tmp_path: Path, monkeypatch
):
    monkeypatch.chdir("/")  # the current folder must not matter
    spec = load_spec(plugin_spec)
    act = spec.model.activation
    assert act.name == f"{tmp_path / 'acts' / 'cube.py'}:Cube"
    assert act.params == {"k": 2.0}
    np.testing.assert_array_equal(act.build().forward(np.array([2.0])), [16.0])


def test_plugin_spec_dumped_reruns_from_another_folder(
    plugin_spec: Path, tmp_path: Path, write
):
    spec = load_spec(plugin_spec)
    elsewhere = write("far/away/config.yaml", dump_spec(spec))
    assert load_spec(elsewhere) == spec
    assert str(tmp_path / "acts" / "cube.py") in elsewhere.read_text()


def test_plugin_parameters_are_checked(plugin_spec: Path):
    with pytest.raises(SpecError) as err:
        load_spec(plugin_spec, ["model.activation.kk=3"])
    assert "unknown parameter" in problems_of(err)["model.activation.kk"]
    with pytest.raises(SpecError) as err:
        load_spec(plugin_spec, ["model.activation.k=0"])
    assert problems_of(err)["model.activation.k"] == "k must not be 0"


def test_plugin_missing_a_method_is_refused(write, tmp_path: Path):
    write("half.py", NO_DERIVATIVE)
    with pytest.raises(SpecError) as err:
        load_spec(MINIMAL, ["model.activation=half.py:Half"], base_dir=tmp_path)
    msg = problems_of(err)["model.activation"]
    assert "is not a valid activation" in msg and "derivative()" in msg


def test_plugin_class_missing_in_file(write, tmp_path: Path):
    write("acts/cube.py", CUBE)
    with pytest.raises(SpecError) as err:
        load_spec(MINIMAL, ["model.activation=acts/cube.py:Cub"], base_dir=tmp_path)
    assert "Did you mean: Cube?" in problems_of(err)["model.activation"]


def test_dotted_module_plugin_is_kept_as_written():
    spec = load_spec(MINIMAL, ["model.activation=nnexp.engine.activations:Relu"])
    assert spec.model.activation.name == "nnexp.engine.activations:Relu"
    assert load_spec(parse_yaml(dump_spec(spec), source="dump")) == spec


ODD_TYPES = """
import numpy as np


class Scaled:
    def __init__(self, scale: np.ndarray = None, offset: float = 0.0):
        self.scale, self.offset = scale, offset

    def forward(self, z):
        return z + self.offset

    def derivative(self, z, a):
        return np.ones_like(z)
"""


def test_plugin_parameter_types_pydantic_cannot_check_pass_through(
    write, tmp_path: Path
):
    write("odd.py", ODD_TYPES)
    spec = load_spec(
        MINIMAL,
        ["model.activation={name: odd.py:Scaled, scale: [1, 2], offset: 1}"],
        base_dir=tmp_path,
    )
    assert spec.model.activation.params == {"scale": [1, 2], "offset": 1.0}
    with pytest.raises(SpecError) as err:
        load_spec(
            MINIMAL,
            ["model.activation={name: odd.py:Scaled, offset: x}"],
            base_dir=tmp_path,
        )
    assert "valid number" in problems_of(err)["model.activation.offset"]
