"""runner/population.py: members whose activations the engine cannot mix (a plugin)
train as one population per activation, so a plugin that raises fails its own member
only; the others end as they do alone."""

from __future__ import annotations

from nnexp.runner.population import Member, train_members
from nnexp.runner.train import resolve_spec, train

BOOM = """\
from dataclasses import dataclass


@dataclass(frozen=True)
class Boom:
    def forward(self, z):
        if z.ndim >= 2 and z.shape[-2] > 4:  # a training batch, alone or stacked
            raise RuntimeError("boom in forward")
        return z

    def derivative(self, z, a):
        return 1.0 + 0.0 * z
"""


def test_a_plugin_activation_that_raises_fails_only_its_own_member(tmp_path):
    plugin = tmp_path / "boom.py"
    plugin.write_text(BOOM)
    base = {
        "dataset": {"name": "blobs", "n": 60},
        "loss": "cross_entropy",
        "optimizer": {"name": "sgd", "lr": 0.1},
        "training": {"epochs": 2, "batch_size": 8},
        "output": {"plots": False},
    }
    acts = ["relu", f"{plugin}:Boom", "tanh", "relu"]
    specs = [
        {
            **base,
            "name": f"m{i}",
            "seed": i,
            "model": {"hidden": [4], "activation": a, "output_activation": "softmax"},
        }
        for i, a in enumerate(acts)
    ]
    members = [Member(resolve_spec(s, runs_dir=tmp_path / "pop")) for s in specs]
    outcomes = train_members(members)
    assert isinstance(outcomes[1], RuntimeError) and "boom" in str(outcomes[1])
    for i in (0, 2, 3):
        alone = train(specs[i], runs_dir=tmp_path / "alone")
        got = outcomes[i]
        assert not isinstance(got, Exception) and got.record.status == "completed"
        assert got.history.drop(columns=["train_seconds", "seconds"]).equals(
            alone.history.drop(columns=["train_seconds", "seconds"])
        )
