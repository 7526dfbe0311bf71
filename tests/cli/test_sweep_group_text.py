"""The dry run names a population by what its cells share and what varies."""

from __future__ import annotations

from nnexp.cli.sweep import group_text


def test_shared_settings_then_each_varying_key():
    group = [
        "layers=2-4-3,activation=relu,lr=0.1,seed=0",
        "layers=2-4-3,activation=relu,lr=0.5,seed=1",
        "layers=2-4-3,activation=relu,lr=0.1,seed=2",
    ]
    assert group_text(group) == (
        "layers=2-4-3,activation=relu; lr: 0.1, 0.5; seed: 0, 1, 2"
    )


def test_names_of_other_shapes_are_listed_in_full():
    assert group_text(["seed=0", "lr=0.1,seed=1"]) == "seed=0, lr=0.1,seed=1"
    assert group_text(["plain", "other"]) == "plain, other"


def test_nothing_shared():
    assert group_text(["seed=0", "seed=1"]) == "seed: 0, 1"
