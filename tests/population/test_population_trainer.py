"""PopulationTrainer: each member ends exactly as its own Trainer ends alone.

Compared for every member: the history rows (every column but the timing ones), the
final weights, the optimiser states, the generators' states, the early-stopping state,
the result's status, message, epochs, best epoch and test metrics, and every call its
callbacks received (epoch and batch hooks, rows, snapshots).
"""

from __future__ import annotations

import numpy as np
import pytest
from population_trainer_helpers import (
    Cell,
    assert_population_equals_single_runs,
    splits,
    trainer,
)

from nnexp.training.population import PopulationTrainer

OPTIMIZERS = [
    [{"name": "sgd", "lr": lr} for lr in (0.3, 0.1, 0.03)],
    [{"name": "sgd", "lr": lr, "momentum": m} for lr, m in ((0.1, 0.9), (0.05, 0.5))],
    [
        {"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True},
        {"name": "sgd", "lr": 0.02, "momentum": 0.8, "nesterov": True},
    ],
    [{"name": "adam", "lr": lr, "beta1": b} for lr, b in ((0.01, 0.9), (0.03, 0.8))],
    [
        {"name": "adam", "lr": 0.01, "eps_form": "torch"},
        {"name": "adam", "lr": 0.003, "eps_form": "torch", "beta2": 0.99},
    ],
    [
        {"name": "adamw", "lr": 0.01, "weight_decay": 0.1},
        {"name": "adamw", "lr": 0.02, "weight_decay": 0.0},
    ],
    [{"name": "rmsprop", "lr": lr} for lr in (0.01, 0.003)],
    [{"name": "adagrad", "lr": lr} for lr in (0.1, 0.3)],
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "opts", OPTIMIZERS, ids=lambda o: o[0]["name"] + str(len(o[0]))
)
def test_every_optimizer_with_per_member_rates(opts, dtype):
    cells = [Cell(seed=10 + p, optimizer=o) for p, o in enumerate(opts)]
    assert_population_equals_single_runs(cells, dtype=dtype)


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_l2_and_a_per_step_schedule(task, dtype):
    cells = [
        Cell(
            seed=1,
            optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9},
            schedule={"name": "exponential", "rate": 0.97, "per": "step"},
            regularizer={"name": "l2", "lam": 0.01},
            dropout=0.3,
        ),
        Cell(
            seed=2,
            optimizer={"name": "sgd", "lr": 0.05, "momentum": 0.5},
            schedule={"name": "exponential", "rate": 0.9, "per": "step"},
            dropout=0.0,  # no dropout layer and no regulariser
        ),
        Cell(
            seed=3,
            optimizer={"name": "sgd", "lr": 0.2, "momentum": 0.7},
            schedule={"name": "exponential", "rate": 0.99, "per": "step"},
            regularizer={"name": "l2", "lam": 0.001},
            dropout=0.1,
        ),
    ]
    assert_population_equals_single_runs(cells, task, dtype=dtype)


@pytest.mark.parametrize(
    "schedule",
    [
        {"name": "step", "factor": 0.5, "every": 2},
        {"name": "cosine", "floor": 0.001},
        {"name": "time_based", "decay": 0.3},
        {"name": "linear_to_floor", "slope": 0.02, "floor": 0.01},
    ],
    ids=lambda s: s["name"],
)
def test_per_epoch_schedules_and_l1(schedule):
    cells = [
        Cell(seed=p, optimizer={"name": "adam", "lr": lr}, schedule=schedule,
             regularizer={"name": "l1", "lam": lam})
        for p, (lr, lam) in enumerate([(0.01, 0.001), (0.05, 0.0003)])
    ]  # fmt: skip
    assert_population_equals_single_runs(cells, "regression", dtype="float32")


def test_one_optimizer_per_dense_layer():
    cells = [
        Cell(
            seed=p,
            optimizer=[
                {"name": "sgd", "lr": lr},
                {"name": "adam", "lr": lr / 10},
                {"name": "rmsprop", "lr": lr / 30},
            ],
        )
        for p, lr in enumerate([0.1, 0.3])
    ]
    assert_population_equals_single_runs(cells)


def test_early_stopping_per_member_with_restore_best():
    """Members stop at different epochs; a stopped member's weights stop changing and
    its best epoch's weights come back; the others train on."""
    early = {"monitor": "val_loss", "patience": 2, "restore_best": True}
    cells = [
        Cell(seed=p, optimizer={"name": "sgd", "lr": lr}, early_stopping=dict(early))
        for p, lr in enumerate([3.0, 0.5, 0.01, 8.0])
    ]
    results = assert_population_equals_single_runs(cells, epochs=25, batch_size=10)
    stopped = [r.epochs for r in results if r.stopped_early]
    assert len(set(stopped)) >= 2 and any(not r.stopped_early for r in results)
    assert any(r.best_epoch is not None and r.best_epoch < r.epochs for r in results)


def test_early_stopping_without_a_validation_split_watches_the_training_loss():
    cells = [
        Cell(
            seed=p,
            optimizer={"name": "sgd", "lr": lr},
            early_stopping={"monitor": "val_loss", "patience": 1, "min_delta": 0.01},
        )
        for p, lr in enumerate([0.5, 0.05])
    ]
    assert_population_equals_single_runs(cells, epochs=12, val=False)


def test_a_member_whose_loss_diverges_stops_alone_with_its_last_finite_weights():
    cells = [
        Cell(seed=0, optimizer={"name": "sgd", "lr": 0.05}),
        Cell(seed=1, optimizer={"name": "sgd", "lr": 1e30}),
        Cell(seed=2, optimizer={"name": "sgd", "lr": 0.2}),
    ]
    results = assert_population_equals_single_runs(cells, "regression", epochs=5)
    assert [r.status for r in results] == ["completed", "diverged", "completed"]
    assert "non-finite loss" in results[1].message
    weights = results[1].state.weights
    assert all(np.isfinite(w).all() for w in weights.values())


def test_a_member_whose_weights_become_non_finite_diverges_after_the_epoch():
    # one batch per epoch: the loss is taken before the update that overflows (a
    # rate of 1e300 is inf in float32)
    cells = [
        Cell(seed=0, optimizer={"name": "sgd", "lr": 0.05}),
        Cell(seed=1, optimizer={"name": "sgd", "lr": 1e300}),
    ]
    results = assert_population_equals_single_runs(
        cells, "regression", epochs=3, batch_size=30, dtype="float32"
    )
    assert results[1].status == "diverged"
    assert results[1].message.startswith("non-finite weights in W1 after epoch 1")


def test_an_interrupt_stops_every_member_at_the_same_step():
    cells = [
        Cell(seed=p, optimizer={"name": "adam", "lr": 0.01 * (p + 1)}) for p in range(3)
    ]
    results = assert_population_equals_single_runs(cells, epochs=6, stop_after=9)
    assert {r.status for r in results} == {"interrupted"}
    assert {r.epochs for r in results} == {1}  # 5 batches per epoch: stopped in the 2nd


def test_an_interrupt_after_a_member_diverged_in_the_same_epoch():
    cells = [
        Cell(seed=0, optimizer={"name": "sgd", "lr": 0.05}),
        Cell(seed=1, optimizer={"name": "sgd", "lr": 1e200}),  # diverges at batch 2
    ]
    results = assert_population_equals_single_runs(
        cells, "regression", epochs=4, stop_after=4
    )
    assert [r.status for r in results] == ["interrupted", "diverged"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_members_with_different_activations(dtype):
    """Hidden activations differ (in no particular order: several runs of one), and in
    a regression the output activations too; one member diverges."""
    hidden = ["relu", "tanh", "relu", "abs", "elu", "abs"]
    cells = [Cell(seed=p, activation=a) for p, a in enumerate(hidden)]
    assert_population_equals_single_runs(cells, dtype=dtype)
    outputs = ["identity", "tanh", "abs", "identity", "exp"]
    cells = [
        Cell(
            seed=p,
            activation=hidden[p],
            output_activation=o,
            optimizer={"name": "sgd", "lr": 1e30 if p == 3 else 0.1},
        )
        for p, o in enumerate(outputs)
    ]
    results = assert_population_equals_single_runs(cells, "regression", dtype=dtype)
    assert [r.status for r in results].count("diverged") == 1
    assert results[3].status == "diverged"


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_members_with_their_own_splits(task):
    """Members of different data seeds train on their own arrays (two share one),
    with early stopping on their own validation splits; one diverges, so the
    population restacks its data too."""
    cells = [
        Cell(seed=0, data_seed=1),
        Cell(seed=1, data_seed=2, early_stopping={"patience": 1}),
        Cell(seed=2, data_seed=1, activation="relu"),
        Cell(seed=3, data_seed=3, optimizer={"name": "sgd", "lr": 1e30}),
    ]
    results = assert_population_equals_single_runs(cells, task, epochs=6)
    if task == "regression":
        assert results[3].status == "diverged"


def test_no_shuffle_and_a_population_of_one():
    assert_population_equals_single_runs([Cell(seed=4)], shuffle=False, epochs=3)


def test_members_that_cannot_share_a_loop_are_refused_with_the_difference_named():
    data = splits("classification")
    a = trainer(Cell(seed=0), data, task="classification")
    b = trainer(Cell(seed=1), data, task="classification", epochs=7)
    with pytest.raises(ValueError, match="same epochs: member 0 has 4, member 1 7"):
        PopulationTrainer([a, b])
    other = splits("classification")
    other.train.x = other.train.x[:-1]
    c = trainer(Cell(seed=1), other, task="classification")
    with pytest.raises(ValueError, match=r"same shapes: member 0 has \(30, 4\)"):
        PopulationTrainer([a, c])
    other = splits("classification", val=False)
    c = trainer(Cell(seed=1), other, task="classification")
    with pytest.raises(ValueError, match="needs a val split, or none"):
        PopulationTrainer([a, c])
    d = trainer(
        Cell(seed=1, optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9}),
        data,
        task="classification",
    )
    with pytest.raises(ValueError, match="momentum > 0"):
        PopulationTrainer([a, d])
    with pytest.raises(TypeError, match="call train"):
        PopulationTrainer([a]).run()


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_insight_columns_are_identical_to_single_runs(task):
    """Saturation and update/weight ratios (issue 15) are per-member statistics too."""
    cells = [Cell(seed=p, optimizer={"name": "sgd", "lr": lr})
             for p, lr in enumerate([0.5, 0.05, 3.0])]  # fmt: skip
    results = assert_population_equals_single_runs(cells, task)
    for result in results:
        frame = result.frame
        for i in (1, 2):
            assert frame[f"layer{i}_update_ratio"].ge(0).all()  # never NaN
            assert frame[f"layer{i}_saturation"].between(0.0, 1.0).all()
