"""Plugins are checked against the Protocols of ``nnexp.types`` when a spec loads them.

A runtime-checkable Protocol cannot see a data member such as an optimiser's ``lr`` on
a class, so the check runs on the instance built with the spec's parameters.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_helpers import problems_of

from nnexp import api
from nnexp.errors import SpecError
from nnexp.spec import load_spec

#: a plugin optimiser with every method but no ``lr`` (the trainer reads opt.lr)
PLAIN = """\
class Plain:
    '''Plain gradient descent without a learning rate of its own.'''

    def __init__(self, rate: float = 0.1):
        self.rate = rate

    def step(self, params, grads, lr):
        for name, p in params.items():
            p -= lr * grads[name]

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass
"""

#: a plugin schedule without ``per`` (the trainer reads schedule.per)
NO_PER = """\
class Flat:
    def lr(self, base_lr, t, total):
        return base_lr
"""

SPEC = """\
name: p
dataset: logic_gates
model: {layers: [2, 3, 3]}
loss: mse
training: {epochs: 1, batch_size: 4}
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    (tmp_path / "plain.py").write_text(PLAIN)
    (tmp_path / "flat.py").write_text(NO_PER)
    path = tmp_path / "p.yaml"
    path.write_text(SPEC)
    return path


def test_a_plugin_optimizer_without_lr_is_refused_at_validation(spec: Path):
    with pytest.raises(SpecError) as err:
        load_spec(spec, [f"optimizer={spec.parent}/plain.py:Plain"])
    msg = problems_of(err)["optimizer"]
    assert "is not a valid optimizer" in msg
    assert "lacks lr" in msg and "an optimizer needs lr," in msg


def test_the_missing_lr_never_reaches_training(spec: Path, tmp_path: Path):
    """Before: validation passed and training crashed with AttributeError."""
    with pytest.raises(SpecError, match="lacks lr"):
        api.run(
            spec,
            [f"optimizer={spec.parent}/plain.py:Plain"],
            runs_dir=tmp_path / "runs",
        )
    assert not list((tmp_path / "runs").glob("*/summary.json"))


def test_a_plugin_schedule_without_per_is_refused(spec: Path):
    with pytest.raises(SpecError) as err:
        load_spec(spec, [f"schedule={spec.parent}/flat.py:Flat"])
    msg = problems_of(err)["schedule"]
    assert "is not a valid schedule" in msg and "lacks per" in msg


def test_a_plugin_with_its_data_member_set_passes(spec: Path, tmp_path: Path):
    (tmp_path / "plain.py").write_text(
        PLAIN.replace("self.rate = rate", "self.lr = rate")
    )
    loaded = load_spec(
        spec, [f"optimizer={{name: {tmp_path}/plain.py:Plain, rate: 0.2}}"]
    )
    assert loaded.optimizer.build().lr == 0.2
