"""A spec against its data set: sizes and task."""

from __future__ import annotations

import pytest
from spec_helpers import problems_of

from nnexp.data.base import DatasetInfo
from nnexp.errors import SpecError
from nnexp.spec import check_against_data, layer_sizes, load_spec

MINIMAL = {
    "name": "tiny",
    "dataset": "mnist_10k",
    "training": {"epochs": 3, "batch_size": 1},
}


def info(
    task: str = "classification", n_features: int = 784, n_outputs: int = 10
) -> DatasetInfo:
    return DatasetInfo(
        name="digits",
        task=task,  # type: ignore[arg-type]
        n_features=n_features,
        n_outputs=n_outputs,
        n_classes=n_outputs if task == "classification" else None,
        class_names=None,
        input_shape=(n_features,),
        sizes={"train": 8, "test": 2},
        source="test",
    )


def test_hidden_sizes_take_input_and_output_from_the_data():
    spec = load_spec(MINIMAL, ["model.hidden=[64, 32]"])
    assert layer_sizes(spec, info()) == [784, 64, 32, 10]
    assert layer_sizes(spec, info(n_features=2, n_outputs=3)) == [2, 64, 32, 3]
    assert layer_sizes(load_spec(MINIMAL, ["model.hidden=[]"]), info()) == [784, 10]


def test_full_layer_sizes_are_kept():
    spec = load_spec(MINIMAL, ["model.layers=[784, 100, 10]", "model.hidden=null"])
    assert layer_sizes(spec, info()) == [784, 100, 10]
    check_against_data(spec, info())  # fits: no error


def test_input_size_mismatch_names_the_key_and_the_data_size():
    spec = load_spec(MINIMAL, ["model.layers=[780, 100, 10]", "model.hidden=null"])
    with pytest.raises(SpecError) as err:
        check_against_data(spec, info(), source="run.yaml")
    msg = problems_of(err)["model.layers"]
    assert "input size is 780" in msg and "digits has 784 input features" in msg
    assert "[784, 100, 10]" in msg
    assert err.value.source == "run.yaml"


def test_output_size_mismatch_names_the_classes():
    spec = load_spec(MINIMAL, ["model.layers=[784, 100, 3]", "model.hidden=null"])
    with pytest.raises(SpecError) as err:
        check_against_data(spec, info())
    assert (
        "output size is 3 but data set digits has 10 outputs (10 classes)"
        in (problems_of(err)["model.layers"])
    )


def test_both_sizes_wrong_are_both_reported():
    spec = load_spec(MINIMAL, ["model.layers=[2, 5, 3]", "model.hidden=null"])
    with pytest.raises(SpecError) as err:
        check_against_data(spec, info())
    messages = [m for k, m in err.value.problems if k == "model.layers"]
    assert len(messages) == 2


def test_cross_entropy_on_regression():
    spec = load_spec(MINIMAL, ["loss=cross_entropy", "model.output_activation=softmax"])
    check_against_data(spec, info())
    with pytest.raises(SpecError) as err:
        check_against_data(spec, info(task="regression", n_outputs=10))
    assert "regression task" in problems_of(err)["loss"]


def test_mse_on_regression_fits():
    spec = load_spec(MINIMAL, ["model.hidden=[4]"])
    check_against_data(spec, info(task="regression", n_features=1, n_outputs=2))
