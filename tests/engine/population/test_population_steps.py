"""A stacked population's K minibatch steps equal each member's own K steps, bit for bit.

Every optimiser, every schedule (per epoch and per step), L1 and L2 with per-member λ,
dropout with per-member rates, the three losses, float32 and float64: member p's
weights, optimiser state and loss values after the steps are ``np.array_equal`` to
those of its single run.  Hyper-parameters differ between the members wherever they
may (learning rates always), so a per-member value that leaked into another member,
or a float64 value promoting float32 work, would show.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from population_helpers import Member, assert_members_equal_single_runs

DTYPES = ["float32", "float64"]

#: optimiser → per-member parameter sets (3 members)
OPTIMIZERS = {
    "sgd": [{"lr": 0.3}, {"lr": 0.07}, {"lr": 0.011}],
    "momentum": [
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.03, "momentum": 0.5},
        {"lr": 0.2, "momentum": 0.99},
    ],
    "nesterov": [
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "momentum": 0.7, "nesterov": True},
        {"lr": 0.01, "momentum": 0.3, "nesterov": True},
    ],
    "adam": [
        {"lr": 0.01},
        {"lr": 0.003, "beta1": 0.8, "beta2": 0.99},
        {"lr": 0.02, "beta1": 0.95, "eps": 1e-6},
    ],
    "adam_torch": [
        {"lr": 0.01, "eps_form": "torch"},
        {"lr": 0.003, "beta1": 0.8, "beta2": 0.99, "eps_form": "torch"},
        {"lr": 0.02, "beta1": 0.95, "eps": 1e-6, "eps_form": "torch"},
    ],
    "adamw": [
        {"lr": 0.01, "weight_decay": 0.1},
        {"lr": 0.003, "weight_decay": 0.0},
        {"lr": 0.02, "weight_decay": 0.03, "beta2": 0.9},
    ],
    "adamw_biases": [
        {"lr": 0.01, "weight_decay": 0.1, "decay_biases": True},
        {"lr": 0.003, "weight_decay": 0.2, "decay_biases": True},
        {"lr": 0.02, "weight_decay": 0.03, "decay_biases": True},
    ],
    "rmsprop": [{"lr": 0.01}, {"lr": 0.001, "rho": 0.8}, {"lr": 0.03, "eps": 1e-5}],
    "adagrad": [{"lr": 0.1}, {"lr": 0.03, "eps": 1e-4}, {"lr": 0.3}],
}

SCHEDULES = {
    "constant": [{}, {}, {}],
    "time_based": [{"decay": 0.1}, {"decay": 0.5}, {"decay": 0.0}],
    "step": [
        {"factor": 0.5, "every": 1},
        {"factor": 0.3, "every": 2},
        {"factor": 0.9, "every": 1},
    ],
    "exponential": [{"rate": 0.9}, {"rate": 0.77}, {"rate": 0.999}],
    "cosine": [{"floor": 0.0}, {"floor": 0.001}, {"floor": 0.0}],
    "linear_to_floor": [
        {"slope": 0.01, "floor": 0.001},
        {"slope": 0.0},
        {"slope": 0.03, "floor": 0.005},
    ],
}


def _name(key: str) -> str:
    return {"momentum": "sgd", "nesterov": "sgd", "adam_torch": "adam"}.get(
        key, key.removesuffix("_biases")
    )


def members(
    optimizer: str = "sgd",
    schedule: str = "constant",
    per: str = "epoch",
    regularizer: str | None = None,
    dropout: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> list[Member]:
    lams = [0.01, 0.0, 0.003]  # the second member trains without a regulariser
    return [
        Member(
            seed=p,
            optimizer={"name": _name(optimizer), **OPTIMIZERS[optimizer][p]},
            schedule={"name": schedule, "per": per, **SCHEDULES[schedule][p]},
            regularizer=None
            if regularizer is None or lams[p] == 0
            else {"name": regularizer, "lam": lams[p]},
            dropout=dropout[p],
        )
        for p in range(3)
    ]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_with_per_member_hyperparameters(optimizer, dtype):
    assert_members_equal_single_runs(members(optimizer), "cross_entropy", dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("per", ["epoch", "step"])
@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_every_schedule_with_per_member_parameters(schedule, per, dtype):
    assert_members_equal_single_runs(
        members("adam", schedule, per), "cross_entropy", dtype
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("regularizer", ["l1", "l2"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adamw"])
def test_l1_and_l2_with_per_member_lambda(regularizer, optimizer, dtype):
    assert_members_equal_single_runs(
        members(optimizer, regularizer=regularizer), "mse", dtype
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "rates", [(0.5, 0.5, 0.5), (0.5, 0.0, 0.2)], ids=["shared", "per-member"]
)
def test_dropout_draws_each_members_mask_from_its_own_generator(rates, dtype):
    assert_members_equal_single_runs(
        members("momentum", dropout=rates), "cross_entropy", dtype
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["mse", "binary_cross_entropy", "cross_entropy"])
def test_every_loss(loss, dtype):
    assert_members_equal_single_runs(
        members("rmsprop", "step", "step", "l2", (0.3, 0.0, 0.1)), loss, dtype
    )


@pytest.mark.parametrize("batch", [1, 4, 24])
def test_batches_of_one_several_and_the_whole_set_with_a_ragged_last_batch(batch):
    # 24 samples: batch 1, batch 4 and one batch of all; batch 5 (the default
    # elsewhere) leaves a last batch of 4
    assert_members_equal_single_runs(
        members("adam", "cosine", "step", "l1", (0.2, 0.2, 0.0)),
        "cross_entropy",
        "float32",
        batch=batch,
        epochs=2,
    )


@settings(max_examples=15, deadline=None)
@given(
    lrs=st.lists(st.floats(1e-4, 0.5, allow_subnormal=False), min_size=1, max_size=5),
    beta1=st.floats(0.5, 0.999),
    rate=st.floats(0.5, 1.0),
    dtype=st.sampled_from(DTYPES),
)
def test_any_learning_rates_betas_and_decay_rates(lrs, beta1, rate, dtype):
    """Arbitrary per-member rates (any population size): the float64 → dtype casts
    and Python powers make every member exact, not just the hand-picked values."""
    pop = [
        Member(
            seed=p,
            optimizer={"name": "adam", "lr": lr, "beta1": beta1 ** (p + 1)},
            schedule={"name": "exponential", "rate": rate ** (p + 1), "per": "step"},
        )
        for p, lr in enumerate(lrs)
    ]
    assert_members_equal_single_runs(pop, "mse", dtype, epochs=2)


def test_a_population_of_one_is_its_member():
    assert_members_equal_single_runs(members("adam")[:1], "cross_entropy", "float32")


def test_the_comparison_can_fail():
    """A guard that cannot fail protects nothing: a member whose single run differs
    (another learning rate) is caught."""
    pop = members("sgd")
    import population_helpers as helpers

    X, Y = helpers.data("cross_entropy", "float32")
    singles = [helpers.build(m, "cross_entropy", "float32") for m in pop]
    pop[1].optimizer["lr"] *= 1.0 + 1e-7
    together = helpers.stacked(
        [helpers.build(m, "cross_entropy", "float32") for m in pop]
    )
    for parts in [*singles, together]:
        helpers.run_steps(parts, "cross_entropy", X, Y, batch=5, epochs=1)
    got = together["net"].member(1).params["W1"]
    assert not np.array_equal(got, singles[1]["net"].params["W1"])
    assert np.array_equal(
        together["net"].member(0).params["W1"], singles[0]["net"].params["W1"]
    )
