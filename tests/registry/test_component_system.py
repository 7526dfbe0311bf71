"""The one component system: kinds, validation with every problem, the Protocol check
of plugins, one type text, and snapshots of the registries."""

from __future__ import annotations

import typing
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from nnexp.cli.list_cmd import KINDS as LISTED
from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.engine.schedules import SCHEDULES
from nnexp.errors import ComponentError, PluginError, RegistryError, SpecError
from nnexp.registry import (
    KINDS,
    Param,
    kinds,
    plugins_forgotten_after,
    protocol_members,
    registry_for,
    type_text,
)
from nnexp.registry.plugins import lacking
from nnexp.spec.landscape import load_landscape_spec

NO_GRADIENT = """\
class Flat:
    def __call__(self, w):
        return 0.0

    def value(self, w1, w2):
        return 0 * w1

    def optimum(self, goal):
        return 0.0
"""


def test_every_problem_of_a_component_is_reported_at_once():
    with pytest.raises(ComponentError) as err:
        SCHEDULES.build({"name": "time_based", "decai": 0.1, "pre": "epoch"})
    problems = dict(err.value.problems)
    assert set(problems) == {"decai", "pre", "decay"}
    assert "Did you mean: decay?" in problems["decai"]
    assert "Did you mean: per?" in problems["pre"]
    assert problems["decay"] == "missing required parameter of schedule time_based"
    # the message names every key, so `nnexp` prints all three
    assert all(k in str(err.value) for k in ("decai:", "pre:", "decay:"))
    assert isinstance(err.value, RegistryError)


def test_validate_keys_the_constructor_check_by_its_parameter():
    with pytest.raises(ComponentError) as err:
        OPTIMIZERS.resolve("sgd").validate({"lr": -1.0})
    [(key, msg)] = err.value.problems
    assert key == "lr" and msg.startswith("lr = -1.0 is out of range")


def test_validate_fills_defaults_and_returns_the_instance():
    params, opt = OPTIMIZERS.resolve("SGD").validate({"lr": 0.5})
    assert params == {"lr": 0.5, "momentum": 0.0, "nesterov": False}
    assert opt.lr == 0.5 and type(opt).__name__ == "SGD"


@pytest.mark.parametrize("kind", KINDS)
def test_every_builtin_has_what_its_protocol_asks(kind: str):
    registry = registry_for(kind)
    data, methods = protocol_members(registry.protocol)
    assert methods, f"{kind} has no protocol"
    for entry in registry.entries():
        assert lacking(entry.factory, registry.protocol, instance=False) == []
        if data and not any(p.required for p in entry.params):
            assert lacking(entry.build(), registry.protocol, instance=True) == []


def test_protocol_members_split_data_from_methods():
    protocol = registry_for("optimizer").protocol
    assert protocol_members(protocol) == (
        ("lr",),
        ("step", "state_dict", "load_state_dict"),
    )
    assert protocol_members(registry_for("schedule").protocol) == (("per",), ("lr",))


def test_a_plugin_objective_is_checked_like_any_component(tmp_path: Path):
    (tmp_path / "flat.py").write_text(NO_GRADIENT)
    spec = {
        "objective": f"{tmp_path}/flat.py:Flat",
        "starts": [[0, 0]],
        "methods": ["gradient"],
    }
    with pytest.raises(SpecError) as err:
        load_landscape_spec(spec)
    [(key, msg)] = err.value.problems
    assert key == "objective.name"
    assert "is not a valid objective: it lacks gradient()" in msg


def test_a_plugin_instance_without_a_data_member_is_refused_by_build(tmp_path: Path):
    (tmp_path / "plain.py").write_text(
        "class Plain:\n"
        "    def step(self, params, grads, lr): pass\n"
        "    def state_dict(self): return {}\n"
        "    def load_state_dict(self, state): pass\n"
    )
    entry = OPTIMIZERS.resolve(f"{tmp_path}/plain.py:Plain")  # methods: fine
    with pytest.raises(PluginError, match=r"optimizer: .* it lacks lr; an optimizer"):
        entry.build("optimizer")


def test_snapshot_and_restore_forget_the_plugins_loaded_in_between(tmp_path: Path):
    (tmp_path / "mine.py").write_text(
        "class Mine:\n"
        "    def forward(self, z): return z\n"
        "    def derivative(self, z, a): return 1 + 0 * z\n"
    )
    acts = registry_for("activation")
    before = [e.name for e in acts.entries(plugins=True)]
    with plugins_forgotten_after():
        entry = acts.resolve(f"{tmp_path}/mine.py:Mine")
        assert entry.name in [e.name for e in acts.entries(plugins=True)]
    assert [e.name for e in acts.entries(plugins=True)] == before
    acts.resolve(f"{tmp_path}/mine.py:Mine")
    acts.forget_plugins()
    assert [e.name for e in acts.entries(plugins=True)] == before


def test_one_type_text_in_three_styles():
    auto = float | typing.Literal["auto"]
    assert type_text(auto) == "float | 'auto'"
    assert type_text(auto, "plain") == "a number or 'auto'"
    assert type_text(auto, "table") == "float | auto"
    assert type_text(int | None) == "int | null"
    assert type_text(int | None, "table") == "int | None"
    assert type_text(NDArray[np.floating], "table") == "array"
    p = Param("k", float, 1.0)
    assert (p.describe(), p.signature()) == ("k (float, default 1.0)", "k: float = 1.0")
    q = Param("lam", float)
    assert (q.describe(), q.signature()) == (
        "lam (float, required)",
        "lam: float (required)",
    )


def test_nnexp_list_iterates_the_kinds():
    assert LISTED == tuple(k.plural for k in kinds())
    for kind in kinds():
        assert kind.registry.plural == kind.plural
        assert registry_for(kind.key) is kind.registry


def test_a_plugin_objective_with_the_whole_protocol_is_accepted(tmp_path: Path):
    (tmp_path / "flat.py").write_text(
        NO_GRADIENT + "\n    def gradient(self, w):\n        return 0 * w\n"
    )
    spec = load_landscape_spec(
        {"objective": f"{tmp_path}/flat.py:Flat", "starts": [[0, 0]], "methods": ["gd"]}
    )
    assert spec.objective.kind == "objective"
    assert spec.objective.build().optimum("minimise") == 0.0
