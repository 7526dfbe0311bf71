"""Two classes with one logistic output unit and binary cross-entropy (0/1 targets).

The classical binary set-up: the spec check accepts an output layer of one unit for a
two-class data set, the targets become the class index as one column, and a whole run
trains, evaluates and plots.  Two units with one-hot targets keep working.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from nnexp import api
from nnexp.data import load_dataset
from nnexp.data.base import DatasetInfo
from nnexp.engine.gradcheck import numerical_gradient
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network
from nnexp.engine.rng import streams
from nnexp.errors import SpecError
from nnexp.runner.evaluate import evaluate_run
from nnexp.runs.checkpoint import load_weights
from nnexp.spec import check_against_data, load_spec
from nnexp.spec.check import one_hot_targets

SPEC = {
    "name": "binary",
    "seed": 0,
    "dataset": {"name": "circles", "n": 400},
    "model": {
        "layers": [2, 16, 1],
        "activation": "tanh",
        "output_activation": "logistic",
    },
    "loss": "binary_cross_entropy",
    "optimizer": {"name": "adam", "lr": 0.02},
    "training": {"epochs": 15, "batch_size": 16},
}


def info(n_classes: int) -> DatasetInfo:
    return DatasetInfo(
        name="toy",
        task="classification",
        n_features=2,
        n_outputs=n_classes,
        n_classes=n_classes,
        class_names=None,
        input_shape=(2,),
        sizes={"train": 8, "test": 2},
        source="test",
    )


def problems(spec, data):
    with pytest.raises(SpecError) as err:
        check_against_data(spec, data)
    return " ".join(m for k, m in err.value.problems if k == "model.layers")


def test_one_unit_fits_two_classes_and_two_units_still_do():
    check_against_data(load_spec(SPEC), info(2))  # no error
    check_against_data(load_spec(SPEC, ["model.layers=[2, 16, 2]"]), info(2))
    assert one_hot_targets(load_spec(SPEC, ["model.layers=[2, 16, 2]"]))
    assert not one_hot_targets(load_spec(SPEC))


def test_one_unit_is_refused_for_more_classes_and_for_softmax_cross_entropy():
    assert "output size is 1 but data set toy has 3 outputs" in problems(
        load_spec(SPEC), info(3)
    )
    softmax = load_spec(SPEC, ["loss=cross_entropy", "model.output_activation=softmax"])
    msg = problems(softmax, info(2))
    assert "softmax of a single unit is always 1" in msg
    assert "binary_cross_entropy with output_activation logistic" in msg


def test_a_wrong_output_size_on_two_classes_suggests_one_unit():
    msg = problems(load_spec(SPEC, ["model.layers=[2, 16, 3]"]), info(2))
    assert "use [2, 16, 2], or [2, 16, 1] with loss binary_cross_entropy" in msg


def test_targets_are_the_class_index_column():
    splits, data = load_dataset(
        SPEC["dataset"], seed_rng=streams(0)["split"], dtype="float64", one_hot=False
    )
    assert data.n_classes == 2
    y, labels = splits.train.y, splits.train.labels
    assert y.shape == (len(labels), 1)
    assert_allclose(y[:, 0], labels)


def test_network_gradient_of_one_logistic_unit_matches_central_differences():
    rng = np.random.default_rng(3)
    net = build_network(
        [2, 5, 1], activation="tanh", output_activation="logistic", rng=rng
    )
    for layer in net.dense:
        layer.b[:] = rng.normal(size=layer.b.shape) * 0.3
    X = rng.normal(size=(7, 2))
    Y = rng.integers(0, 2, size=(7, 1)).astype(float)
    loss = LOSSES.build("binary_cross_entropy")
    out, caches = net.forward(X, logits=True)
    _, d = loss.value_and_grad(out.copy(), Y)
    grads = net.backward(d, caches)
    for name, p in net.params.items():
        num = numerical_gradient(
            lambda: loss.value(net.forward(X, logits=True)[0], Y), p
        )
        assert_allclose(grads[name], num, rtol=1e-6, atol=1e-9, err_msg=name)


def test_a_whole_run_trains_evaluates_and_plots(tmp_path):
    run = api.run(SPEC, runs_dir=tmp_path)
    assert run.status == "completed"
    assert (run.path / "plots" / "confusion.png").is_file()
    # the recorded test metrics are the definitions, recomputed from the saved weights
    splits, _ = load_dataset(
        SPEC["dataset"], seed_rng=streams(0)["split"], dtype="float64"
    )
    test = splits.test
    w = load_weights(run.path / "model.npz")
    z = (np.tanh(test.x @ w["W1"] + w["b1"]) @ w["W2"] + w["b2"])[:, 0]
    p = 1 / (1 + np.exp(-z))
    y = test.labels
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    accuracy = np.mean((p >= 0.5) == y)
    assert run.summary["test"]["loss"] == pytest.approx(bce, rel=1e-9)
    assert run.summary["test"]["accuracy"] == pytest.approx(accuracy, abs=1e-12)
    assert accuracy > 0.9  # circles are separable: the unit learnt something
    evaluated = evaluate_run(run.path)
    assert evaluated["loss"] == pytest.approx(bce, rel=1e-9)
    assert evaluated["accuracy"] == pytest.approx(accuracy, abs=1e-12)
