"""The resolved spec as YAML: defaults filled, documented order, loads back equal."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nnexp.spec import dump_spec, load_spec, spec_to_dict

MINIMAL = {
    "name": "tiny",
    "dataset": "logic_gates",
    "training": {"epochs": 3, "batch_size": 1},
}

TOP_KEYS = [
    "name",
    "seed",
    "tags",
    "description",
    "dataset",
    "model",
    "loss",
    "optimizer",
    "regularizer",
    "schedule",
    "training",
    "output",
]


def test_e3_round_trip_from_another_folder(e3: Path, tmp_path: Path):
    spec = load_spec(e3)
    other = tmp_path / "elsewhere" / "config.yaml"
    other.parent.mkdir()
    other.write_text(dump_spec(spec))
    assert load_spec(other) == spec


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param([], id="defaults"),
        pytest.param(["model.hidden=[]", "model.activation=[]"], id="no-hidden"),
        pytest.param(
            [
                "model.hidden=[8, 4]",
                "model.activation=[tanh, {name: elu, alpha: 0.5}]",
                "model.dropout=[0.1, 0.2]",
                "optimizer=[sgd, adam, rmsprop]",
            ],
            id="per-layer",
        ),
        pytest.param(
            ["regularizer=null", "training.early_stopping={monitor: val_accuracy}"],
            id="early-stopping",
        ),
        pytest.param(
            [
                "dataset={name: logic_gates, gates: [XOR]}",
                "tags=[a, 'b c']",
                "description='x: y'",
            ],
            id="tuple-param-and-quoting",
        ),
        pytest.param(
            [
                "optimizer={name: adam, eps: 1e-12}",
                "schedule={name: cosine, floor: 1e-5}",
                "training.dtype=float32",
                "output.plots=[curves]",
            ],
            id="small-floats",
        ),
        pytest.param(
            [
                "model.initializer={name: he_normal, gain: 1.5}",
                "loss=binary_cross_entropy",
                "model.output_activation=logistic",
            ],
            id="bce",
        ),
    ],
)
def test_round_trip(overrides: list[str]):
    spec = load_spec(MINIMAL, overrides)
    text = dump_spec(spec)
    again = load_spec(yaml.safe_load(text))
    assert again == spec
    assert dump_spec(again) == text  # a fixed point


def test_key_order_follows_the_documented_example(e3: Path):
    data = spec_to_dict(load_spec(e3))
    assert list(data) == TOP_KEYS
    assert list(data["model"]) == [
        "layers",
        "activation",
        "output_activation",
        "initializer",
        "dropout",
    ]
    assert list(data["training"])[:4] == ["epochs", "batch_size", "shuffle", "dtype"]
    text = dump_spec(load_spec(e3))
    positions = [text.index(f"\n{k}:") if k != "name" else 0 for k in TOP_KEYS]
    assert positions == sorted(positions)


def test_defaults_are_filled_in(e3: Path):
    data = spec_to_dict(load_spec(e3))
    assert data["optimizer"] == {
        "name": "sgd",
        "lr": 0.01,
        "momentum": 0.0,
        "nesterov": False,
    }
    assert data["model"]["initializer"] == {"name": "randn_average", "gain": "auto"}
    assert data["schedule"] == {"name": "constant", "per": "epoch"}
    assert data["output"] == {
        "runs_dir": "runs", "plots": True, "checkpoint": True,
        "snapshots": "auto", "findings": {},
    }  # fmt: skip


def test_hidden_spec_dumps_hidden_only():
    data = spec_to_dict(load_spec(MINIMAL))
    assert data["model"]["hidden"] == [100]
    assert "layers" not in data["model"]


def test_extends_is_resolved_away(write):
    write(
        "base.yaml",
        "name: b\ndataset: logic_gates\ntraining: {epochs: 1, batch_size: 1}\n",
    )
    spec = load_spec(write("child.yaml", "extends: base.yaml\nseed: 4\n"))
    text = dump_spec(spec)
    assert "extends" not in text
    assert yaml.safe_load(text)["seed"] == 4


def test_dump_is_readable_yaml(e3: Path):
    text = dump_spec(load_spec(e3))
    assert (
        "\noptimizer: {name: sgd, lr: 0.01, momentum: 0.0, nesterov: false}\n" in text
    )
    assert "\n  layers: [784, 100, 10]\n" in text
    assert "\nloss: mse\n" in text  # a component without parameters stays a bare name
