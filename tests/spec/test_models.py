"""Good specs in many shapes, their defaults, and the typed objects they become."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pydantic import ValidationError

from nnexp.spec import Component, EarlyStoppingSpec, RunSpec, load_spec

MINIMAL = {
    "name": "tiny",
    "dataset": "logic_gates",
    "training": {"epochs": 3, "batch_size": 1},
}


def test_issue_example_loads_with_its_key_names(e3: Path):
    spec = load_spec(e3)
    assert (spec.name, spec.seed) == ("mnist_relu", 0)
    assert spec.dataset == Component(
        "dataset",
        "mnist",
        {
            "path": None,
            "validation": 0.1,
            "normalize": "scale",
            "flatten": True,
            "limit": None,
        },
    )
    m = spec.model
    assert (m.layers, m.hidden) == ([784, 100, 10], None)
    assert (m.activation.name, m.output_activation.name) == ("relu", "relu")
    assert m.initializer == Component("initializer", "randn_average", {"gain": "auto"})
    assert m.dropout == 0.0
    assert spec.loss.name == "mse"
    assert dict(spec.optimizer.params) == {
        "lr": 0.01,
        "momentum": 0.0,
        "nesterov": False,
    }
    assert spec.regularizer == Component("regularizer", "l2", {"lam": 0.0})
    assert spec.schedule == Component("schedule", "constant", {"per": "epoch"})
    t = spec.training
    assert (t.epochs, t.batch_size, t.shuffle, t.dtype) == (10, 10, True, "float64")
    assert (t.early_stopping, t.init_from) == (None, None)


def test_minimal_spec_gets_the_documented_defaults():
    spec = load_spec(MINIMAL)
    assert spec.model.hidden == [100] and spec.model.layers is None
    assert spec.model.activation.name == "relu"
    assert spec.model.output_activation.name == "identity"
    assert spec.model.initializer.name == "randn_average"
    assert (spec.loss.name, spec.optimizer.name, spec.schedule.name) == (
        "mse",
        "sgd",
        "constant",
    )
    assert spec.optimizer.params["lr"] == 0.01
    assert spec.regularizer == Component("regularizer", "l2", {"lam": 0.0})
    assert (spec.seed, spec.tags, spec.description) == (0, [], "")
    assert (spec.output.runs_dir, spec.output.plots, spec.output.checkpoint) == (
        "runs",
        True,
        True,
    )
    assert spec.training.dtype == "float64"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("TanH", "tanh"),
        ("Leaky-ReLU", "leaky_relu"),
        ("sigmoid", "logistic"),
        ("LOCo", "loco"),
    ],
)
def test_aliases_resolve_to_canonical_names(written: str, canonical: str):
    spec = load_spec(MINIMAL, [f"model.activation={written}"])
    assert spec.model.activation.name == canonical


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(
            ["loss=cross_entropy", "model.output_activation=softmax", "dataset=blobs"],
            id="ce-softmax",
        ),
        pytest.param(
            ["loss=binary_cross_entropy", "model.output_activation=sigmoid"],
            id="bce-logistic",
        ),
        pytest.param(["model.output_activation=tanh", "loss=mse"], id="mse-any"),
        pytest.param(["model.hidden=[]", "model.activation=[]"], id="no-hidden-layer"),
        pytest.param(["regularizer=null"], id="no-regularizer"),
        pytest.param(["regularizer={name: l1, lam: 0.001}"], id="l1"),
        pytest.param(
            ["schedule={name: step, factor: 0.1, every: 3, per: step}"], id="step"
        ),
        pytest.param(
            ["training.dtype=float32", "training.shuffle=false"], id="float32"
        ),
        pytest.param(["optimizer={name: adamw, weight_decay: 0.1}"], id="adamw"),
        pytest.param(
            ["model.initializer={name: he_normal, gain: 2}"], id="gain-number"
        ),
        pytest.param(["output.plots=[curves, layers]"], id="some-plots"),
        pytest.param(
            ["dataset={name: sincos, n: 100}", "model.hidden=[8, 8]"], id="sincos"
        ),
    ],
)
def test_good_specs(overrides: list[str]):
    assert isinstance(load_spec(MINIMAL, overrides), RunSpec)


def test_per_layer_lists():
    spec = load_spec(
        MINIMAL,
        [
            "model.layers=[2, 4, 4, 3]",
            "model.hidden=null",
            "model.activation=[relu, {name: leaky_relu, alpha: 0.2}]",
            "model.dropout=[0.5, 0.0]",
            "optimizer=[sgd, {name: adam, lr: 0.01}, {name: sgd, momentum: 0.9}]",
        ],
    )
    m = spec.model
    assert (m.n_dense, m.n_hidden) == (3, 2)
    assert [a.name for a in m.hidden_activations] == ["relu", "leaky_relu"]
    assert m.hidden_activations[1].params["alpha"] == 0.2
    assert m.dropouts == [0.5, 0.0]
    assert [o.name for o in spec.optimizers] == ["sgd", "adam", "sgd"]
    assert spec.optimizers[2].params["momentum"] == 0.9


def test_single_values_spread_over_the_layers():
    spec = load_spec(MINIMAL, ["model.hidden=[5, 6, 7]", "model.dropout=0.25"])
    assert spec.model.n_dense == 4
    assert [a.name for a in spec.model.hidden_activations] == ["relu"] * 3
    assert spec.model.dropouts == [0.25] * 3
    assert spec.optimizers == [spec.optimizer] * 4


def test_early_stopping_shorthand_and_direction():
    on = load_spec(MINIMAL, ["training.early_stopping=true"]).training.early_stopping
    assert on == EarlyStoppingSpec()
    assert (on.monitor, on.mode, on.patience, on.min_delta, on.restore_best) == (
        "val_loss",
        "auto",
        5,
        0.0,
        True,
    )
    assert on.direction == "min"
    acc = EarlyStoppingSpec(monitor="val_accuracy")
    assert acc.direction == "max"
    assert EarlyStoppingSpec(monitor="val_accuracy", mode="min").direction == "min"
    assert (
        load_spec(MINIMAL, ["training.early_stopping=false"]).training.early_stopping
        is None
    )


def test_init_from_is_made_absolute_relative_to_the_spec(
    write, tmp_path: Path, monkeypatch
):
    path = write(
        "specs/run.yaml",
        "name: r\ndataset: logic_gates\n"
        "training: {epochs: 1, batch_size: 1, init_from: ../weights/w.npz}\n",
    )
    monkeypatch.chdir("/")
    spec = load_spec(path)
    assert spec.training.init_from == str(tmp_path / "weights" / "w.npz")


def test_dataset_path_is_made_absolute_relative_to_the_spec(write, tmp_path: Path):
    path = write(
        "specs/run.yaml",
        "name: r\ndataset: {name: mnist, path: data/mnist.npz}\n"
        "training: {epochs: 1, batch_size: 1}\n",
    )
    spec = load_spec(path)
    assert spec.dataset.params["path"] == str(tmp_path / "specs" / "data" / "mnist.npz")


def test_spec_is_frozen():
    spec = load_spec(MINIMAL)
    with pytest.raises(ValidationError):
        spec.seed = 3
    with pytest.raises(ValidationError):
        spec.training.epochs = 3
    with pytest.raises(TypeError):
        spec.optimizer.params["lr"] = 1.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        spec.optimizer.name = "adam"  # type: ignore[misc]


def test_spec_pickles_to_an_equal_spec():
    # sweeps send specs to worker processes
    spec = load_spec(MINIMAL, ["optimizer=[sgd, adam]", "training.early_stopping=true"])
    again = pickle.loads(pickle.dumps(spec))
    assert again == spec
    assert hash(again.optimizer[1]) == hash(spec.optimizer[1])


def test_equal_specs_compare_equal_and_different_ones_do_not():
    assert load_spec(MINIMAL) == load_spec(MINIMAL)
    assert load_spec(MINIMAL) != load_spec(MINIMAL, ["optimizer.lr=0.02"])


def test_components_given_as_objects_are_accepted():
    act = Component("activation", "tanh", {"k": 2.0})
    spec = RunSpec.model_validate({**MINIMAL, "model": {"activation": act}})
    assert spec.model.activation == act


def test_output_wants_plot():
    assert load_spec(MINIMAL).output.wants_plot("curves")
    some = load_spec(MINIMAL, ["output.plots=[layers]"]).output
    assert some.wants_plot("layers") and not some.wants_plot("curves")
    assert not load_spec(MINIMAL, ["output.plots=false"]).output.wants_plot("layers")
