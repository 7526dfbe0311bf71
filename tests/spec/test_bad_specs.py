"""Bad specs: each raises SpecError whose problems name the key and the fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_helpers import E3, problems_of

from nnexp.errors import SpecError
from nnexp.spec import load_spec

# (id, overrides applied to E3, key that must be named, fragments of its message)
BAD_OVERRIDES = [
    (
        "unknown-activation",
        ["model.activation=sofplus"],
        "model.activation",
        [
            "unknown activation 'sofplus' (model.activation)",
            "Did you mean: softplus",
            "nnexp list activations",
        ],
    ),
    (
        "unknown-optimizer",
        ["optimizer=adamm"],
        "optimizer",
        ["unknown optimizer 'adamm'", "adam"],
    ),
    ("unknown-loss", ["loss=msee"], "loss", ["unknown loss 'msee'", "mse"]),
    (
        "unknown-schedule",
        ["schedule=cosin"],
        "schedule",
        ["unknown schedule", "cosine"],
    ),
    ("lr-zero", ["optimizer.lr=0"], "optimizer.lr", ["lr", "> 0"]),
    ("lr-negative", ["optimizer.lr=-0.1"], "optimizer.lr", ["lr", "> 0"]),
    (
        "lr-not-a-number",
        ["optimizer.lr=abc"],
        "optimizer.lr",
        ["Input should be a valid number", "'abc'"],
    ),
    ("lr-boolean", ["optimizer.lr=true"], "optimizer.lr", ["not a boolean"]),
    (
        "batch-size-zero",
        ["training.batch_size=0"],
        "training.batch_size",
        ["greater than or equal to 1", "got 0"],
    ),
    (
        "epochs-ten",
        ["training.epochs=ten"],
        "training.epochs",
        ["valid integer", "'ten'"],
    ),
    ("epochs-fraction", ["training.epochs=2.5"], "training.epochs", ["valid integer"]),
    ("epochs-boolean", ["training.epochs=true"], "training.epochs", ["not a boolean"]),
    (
        "unknown-nested-key",
        ["training.epoch=3"],
        "training.epoch",
        ["unknown key in training", "Did you mean: epochs?"],
    ),
    (
        "unknown-param",
        ["model.activation={name: leaky_relu, alpah: 0.1}"],
        "model.activation.alpah",
        [
            "unknown parameter for activation leaky_relu; allowed: alpha (float, default 0.01)",
            "Did you mean: alpha?",
        ],
    ),
    (
        "param-of-paramless",
        ["model.activation={name: relu, k: 2}"],
        "model.activation.k",
        ["unknown parameter for activation relu; relu takes no parameters"],
    ),
    (
        "missing-required-param",
        ["schedule=time_based"],
        "schedule.decay",
        ["missing required parameter of schedule time_based"],
    ),
    (
        "regularizer-negative",
        ["regularizer.lam=-1"],
        "regularizer.lam",
        ["lam", ">= 0"],
    ),
    (
        "cross-entropy-needs-softmax",
        ["loss=cross_entropy"],
        "loss",
        [
            "cross_entropy needs output_activation softmax, not relu",
            "Pairs that work",
            "binary_cross_entropy with logistic",
            "mse with any output activation",
        ],
    ),
    (
        "bce-needs-logistic",
        ["loss=binary_cross_entropy", "model.output_activation=softmax"],
        "loss",
        ["binary_cross_entropy needs output_activation logistic, not softmax"],
    ),
    (
        "activation-list-length",
        ["model.activation=[relu, tanh]"],
        "model.activation",
        ["gives 2 activations", "1 hidden layer(s)", "layers [784, 100, 10]"],
    ),
    (
        "optimizer-list-length",
        ["optimizer=[sgd, adam, adam]"],
        "optimizer",
        ["gives 3 optimizers", "2 dense layer(s)"],
    ),
    (
        "dropout-list-length",
        ["model.hidden=[50, 20]", "model.layers=null", "model.dropout=[0.5]"],
        "model.dropout",
        ["gives 1 dropout rates", "2 hidden layer(s)", "hidden [50, 20]"],
    ),
    (
        "softmax-hidden",
        ["model.activation=softmax"],
        "model.activation",
        ["softmax can only be the output activation"],
    ),
    (
        "softmax-in-hidden-list",
        ["model.layers=[784, 30, 20, 10]", "model.activation=[relu, softmax]"],
        "model.activation.1",
        ["softmax can only be the output activation"],
    ),
    (
        "bad-dtype",
        ["training.dtype=float16"],
        "training.dtype",
        ["'float32' or 'float64'", "'float16'"],
    ),
    (
        "gain-negative",
        ["model.initializer={name: randn_average, gain: -1}"],
        "model.initializer.gain",
        ["gain"],
    ),
    (
        "gain-word",
        ["model.initializer.gain=big"],
        "model.initializer.gain",
        ["'auto'", "'big'"],
    ),
    (
        "name-adam-keeps-momentum",
        ["optimizer.momentum=0.9", "optimizer.name=adam"],
        "optimizer.momentum",
        ["unknown parameter for optimizer adam", "lr (float, default 0.001)"],
    ),
    ("dropout-one", ["model.dropout=1.0"], "model.dropout", ["must be in [0, 1)"]),
    (
        "dropout-negative",
        ["model.dropout=[-0.1]"],
        "model.dropout.0",
        ["must be in [0, 1)"],
    ),
    ("dropout-word", ["model.dropout=half"], "model.dropout", ["expected a number"]),
    (
        "layers-and-hidden",
        ["model.hidden=[64]"],
        "model.hidden",
        ["either model.layers", "not both", "model.layers=null"],
    ),
    (
        "layers-too-short",
        ["model.layers=[784]"],
        "model.layers",
        ["at least two sizes"],
    ),
    (
        "layer-size-zero",
        ["model.layers=[784, 0, 10]"],
        "model.layers.1",
        ["greater than or equal to 1"],
    ),
    (
        "hidden-size-negative",
        ["model.layers=null", "model.hidden=[-3]"],
        "model.hidden.0",
        ["greater than or equal to 1"],
    ),
    ("seed-negative", ["seed=-1"], "seed", ["greater than or equal to 0"]),
    ("name-with-slash", ["name=a/b"], "name", ["folder name"]),
    ("tags-not-a-list", ["tags=fast"], "tags", ["valid list"]),
    (
        "component-mapping-without-name",
        ["optimizer={lr: 0.1}"],
        "optimizer",
        ["an optimizer given as a mapping needs a 'name' key"],
    ),
    (
        "component-number",
        ["model.activation=3"],
        "model.activation",
        ["expected an activation name", "got 3"],
    ),
    (
        "early-stopping-mode",
        ["training.early_stopping={mode: best}"],
        "training.early_stopping.mode",
        ["'auto', 'min' or 'max'"],
    ),
    (
        "early-stopping-patience",
        ["training.early_stopping={patience: -1}"],
        "training.early_stopping.patience",
        ["greater than or equal to 0"],
    ),
    (
        "early-stopping-monitor",
        ["training.early_stopping.monitor=loss"],
        "training.early_stopping.monitor",
        ["not a metric a run records", "train_loss", "val_accuracy"],
    ),
    (
        "early-stopping-monitor-typo",
        ["training.early_stopping.monitor=val_los"],
        "training.early_stopping.monitor",
        ["Did you mean val_loss?", "val_mse", "need a validation split"],
    ),
    (
        "model-scalar",
        ["model=relu"],
        "model",
        ["a mapping", "layers, hidden, activation", "e.g. model: {hidden"],
    ),
    (
        "plots-unknown",
        ["output.plots=[curve]"],
        "output.plots",
        ["curves, confusion", "['curve']"],
    ),
    (
        "schedule-per",
        ["schedule={name: step, per: batch}"],
        "schedule.per",
        ["'epoch' or 'step'"],
    ),
    (
        "plugin-file-missing",
        ["model.activation=nope.py:Cube"],
        "model.activation",
        ["nope.py", "does not exist"],
    ),
    (
        "output-unknown-key",
        ["output.plot=false"],
        "output.plot",
        ["Did you mean: plots?"],
    ),
    (
        "gain-boolean",
        ["model.initializer.gain=true"],
        "model.initializer.gain",
        ["not a boolean"],
    ),
    (
        "dataset-param-type",
        ["dataset={name: mnist, limit: many}"],
        "dataset.limit",
        ["an integer or null", "'many'"],
    ),
]


@pytest.mark.parametrize(
    ("overrides", "key", "fragments"),
    [pytest.param(o, k, f, id=i) for i, o, k, f in BAD_OVERRIDES],
)
def test_bad_spec_names_key(
    e3: Path, overrides: list[str], key: str, fragments: list[str]
):
    with pytest.raises(SpecError) as err:
        load_spec(e3, overrides)
    problems = problems_of(err)
    assert key in problems, f"{key} not among {list(problems)}"
    for fragment in fragments:
        assert fragment in problems[key]
    assert err.value.source == str(e3)
    assert key in str(err.value)  # the printed message names the key too


def test_enough_bad_specs():
    assert len(BAD_OVERRIDES) >= 25


# bad files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "fragments"),
    [
        pytest.param(
            "optimizer:",
            "optimiser:",
            "optimiser",
            ["unknown key in the spec", "Did you mean: optimizer?"],
            id="top-level-typo",
        ),
        pytest.param(
            "name: mnist_relu\n",
            "",
            "name",
            ["required key is missing"],
            id="missing-name",
        ),
        pytest.param(
            "training: {epochs: 10, batch_size: 10, shuffle: true, dtype: float64}\n",
            "",
            "training",
            ["required key is missing"],
            id="missing-training",
        ),
        pytest.param(
            "dataset: {name: mnist, validation: 0.1, normalize: scale}\n",
            "",
            "dataset",
            ["required key is missing"],
            id="missing-dataset",
        ),
        pytest.param(
            "{epochs: 10, batch_size: 10",
            "{batch_size: 10",
            "training.epochs",
            ["required key is missing"],
            id="missing-epochs",
        ),
        pytest.param(
            "dataset: {name: mnist,",
            "dataset: {name: mnsit,",
            "dataset",
            ["unknown data set 'mnsit'", "Did you mean: mnist"],
            id="dataset-typo",
        ),
        pytest.param(
            "validation: 0.1",
            "validation: 0.1, nomalize: none",
            "dataset.nomalize",
            ["unknown parameter for data set mnist", "Did you mean: normalize?"],
            id="dataset-param-typo",
        ),
    ],
)
def test_bad_file_names_key(write, old: str, new: str, key: str, fragments: list[str]):
    assert old in E3
    path = write("bad.yaml", E3.replace(old, new, 1))
    with pytest.raises(SpecError) as err:
        load_spec(path)
    problems = problems_of(err)
    assert key in problems, f"{key} not among {list(problems)}"
    for fragment in fragments:
        assert fragment in problems[key]


def test_every_problem_reported_at_once(e3: Path):
    overrides = [
        "model.activation=sofplus",
        "optimizer.lr=-1",
        "training.batch_size=0",
        "training.epochs=ten",
        "training.dtype=float16",
        "output.plot=false",
    ]
    with pytest.raises(SpecError) as err:
        load_spec(e3, overrides)
    assert set(problems_of(err)) == {
        "model.activation",
        "optimizer.lr",
        "training.batch_size",
        "training.epochs",
        "training.dtype",
        "output.plot",
    }


def test_cross_field_rules_reported_beside_field_errors(e3: Path):
    # pydantic skips a model's own validator when a field fails; the loader must not
    with pytest.raises(SpecError) as err:
        load_spec(
            e3,
            [
                "training.epochs=0",
                "loss=cross_entropy",
                "optimizer=[sgd]",
                "model.activation=[relu, relu]",
                "model.initializer.gain=-2",
            ],
        )
    assert {
        "training.epochs",
        "loss",
        "optimizer",
        "model.activation",
        "model.initializer.gain",
    } <= set(problems_of(err))


def test_several_bad_params_of_one_component(e3: Path):
    with pytest.raises(SpecError) as err:
        load_spec(e3, ["optimizer={name: sgd, lr: abc, momentum: x, nestrov: true}"])
    problems = problems_of(err)
    assert {"optimizer.lr", "optimizer.momentum", "optimizer.nestrov"} <= set(problems)
    assert "Did you mean: nesterov?" in problems["optimizer.nestrov"]
