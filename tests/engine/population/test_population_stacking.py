"""Stacking P networks (and their optimisers, schedules, regularisers) into one
population and taking member i back out: shapes, copies, round trips and the errors
that name what the members do not share."""

from __future__ import annotations

import numpy as np
import pytest

from nnexp.engine.layers import Dense, Dropout
from nnexp.engine.members import member_param, member_value, power, stack_values
from nnexp.engine.network import Network, build_network, stack_networks
from nnexp.engine.optimizers import SGD, Adam, AdamW, stack_optimizers
from nnexp.engine.regularizers import L1, L2, NoRegularizer, stack_regularizers
from nnexp.engine.schedules import Cosine, Exponential, Step, stack_schedules


def nets(n: int = 3, **kw) -> list[Network]:
    return [
        build_network([4, 6, 2], rng=seed, output_activation="softmax", **kw)
        for seed in range(n)
    ]


def test_a_population_stacks_weights_and_biases_on_a_leading_axis():
    members = nets()
    pop = stack_networks(members)
    assert pop.population == 3 and members[0].population is None
    assert pop.params["W1"].shape == (3, 4, 6) and pop.params["b1"].shape == (3, 1, 6)
    assert pop.sizes == [4, 6, 2] and pop.n_params() == members[0].n_params()
    assert repr(pop).startswith("Network(3 × 4-6-2, relu → softmax, float64, 44 ")
    for i, net in enumerate(members):
        back = pop.member(i)
        for name, w in net.params.items():
            assert np.array_equal(back.params[name], w)
            assert back.params[name].shape == w.shape
    # copies: training the population leaves the members' own arrays alone
    pop.params["W1"][...] = 0.0
    assert np.abs(members[0].params["W1"]).sum() > 0
    assert np.abs(pop.member(0).params["W1"]).sum() == 0


def test_a_population_forward_pass_gives_each_members_output():
    members = nets(4)
    pop = stack_networks(members)
    X = np.random.default_rng(0).standard_normal((4, 5, 4))
    out, _ = pop.forward(X)
    for p, net in enumerate(members):
        assert np.array_equal(out[p], net.forward(X[p])[0])
    shared, _ = pop.forward(X[0])  # one input for every member (evaluation)
    for p, net in enumerate(members):
        assert np.array_equal(shared[p], net.forward(X[0])[0])


def test_dropout_rates_become_per_member_and_a_zero_rate_member_has_no_layer():
    members = [
        build_network([4, 6, 5, 2], rng=i, dropout=rate)
        for i, rate in enumerate([0.5, 0.0, 0.2])
    ]
    pop = stack_networks(members)
    drops = [layer for layer in pop.layers if isinstance(layer, Dropout)]
    assert len(drops) == 2
    assert np.array_equal(drops[0].rate, [0.5, 0.0, 0.2])
    assert [type(x).__name__ for x in pop.member(1).layers] == ["Dense"] * 3
    assert [x.rate for x in pop.member(2).layers if isinstance(x, Dropout)] == [
        0.2,
        0.2,
    ]
    same = stack_networks(
        [build_network([4, 6, 2], rng=i, dropout=0.3) for i in (1, 2)]
    )
    assert [x.rate for x in same.layers if isinstance(x, Dropout)] == [0.3]


def test_a_per_member_dropout_rate_must_be_a_rate():
    with pytest.raises(ValueError, match=r"dropout rates must be in \[0, 1\)"):
        Dropout(np.array([0.2, 1.0]))


def test_members_that_differ_in_shape_dtype_or_a_mixable_activation_are_refused():
    with pytest.raises(ValueError, match="same layer sizes and dtype"):
        stack_networks([build_network([4, 6, 2]), build_network([4, 5, 2])])
    with pytest.raises(ValueError, match="same layer sizes and dtype"):
        stack_networks([build_network([4, 2]), build_network([4, 2], dtype="float32")])
    with pytest.raises(ValueError, match="dense layer 2: member 1's activation"):
        stack_networks(
            [
                build_network([4, 6, 2]),
                build_network([4, 6, 2], output_activation="softmax"),
            ]
        )
    with pytest.raises(ValueError, match="at least one network"):
        stack_networks([])
    with pytest.raises(IndexError, match="member 3 of a population of 3"):
        stack_networks(nets()).member(3)


def test_a_stacked_dense_layer_checks_the_bias_shape():
    with pytest.raises(ValueError, match=r"b \(P, 1, fan_out\)"):
        Dense(np.zeros((2, 3, 4)), np.zeros((2, 4)), None)


def test_optimizer_hyperparameters_shared_stay_floats_and_differing_become_arrays():
    opt = stack_optimizers([Adam(lr=0.1), Adam(lr=0.2, beta1=0.8), Adam(lr=0.3)])
    assert opt.beta2 == 0.999 and isinstance(opt.beta2, float)
    assert np.array_equal(opt.lr, [0.1, 0.2, 0.3])
    assert np.array_equal(opt.beta1, [0.9, 0.8, 0.9])
    back = opt.member(1)
    assert (back.lr, back.beta1, back.beta2) == (0.2, 0.8, 0.999)
    assert isinstance(back.lr, float)
    with pytest.raises(IndexError):
        back.member(0)


def test_optimizer_state_stacks_and_unstacks_with_the_parameter_shapes():
    singles = []
    for seed in range(2):
        net = build_network([3, 2], rng=seed)
        opt = SGD(lr=0.1, momentum=0.9)
        grads = {k: np.ones_like(v) * (seed + 1) for k, v in net.params.items()}
        opt.step(net.params, grads, 0.1)
        singles.append(opt)
    pop = stack_optimizers(singles)
    assert pop.v["W1"].shape == (2, 3, 2) and pop.v["b1"].shape == (2, 1, 2)
    for i, single in enumerate(singles):
        got, want = pop.member(i).state_dict(), single.state_dict()
        assert sorted(got) == sorted(want) and got["t"] == 1
        assert all(np.array_equal(got[k], want[k]) for k in want)


def test_optimizers_that_differ_in_structure_are_refused_with_the_setting_named():
    with pytest.raises(ValueError, match="same nesterov, momentum > 0"):
        stack_optimizers([SGD(momentum=0.9), SGD()])
    with pytest.raises(ValueError, match="same eps_form, decay_biases"):
        stack_optimizers([AdamW(), AdamW(decay_biases=True)])
    with pytest.raises(ValueError, match="same class"):
        stack_optimizers([SGD(), Adam()])
    with pytest.raises(ValueError, match="cannot train a population"):
        stack_optimizers([object()])
    stepped = Adam()
    stepped.t = 4
    with pytest.raises(ValueError, match="same step count t"):
        stack_optimizers([Adam(), stepped])


def test_schedules_give_each_members_rate():
    members = [Step(factor=0.5, every=3), Step(factor=0.7, every=2)]
    sched = stack_schedules(members)
    assert np.array_equal(sched.every, [3, 2]) and sched.every.dtype == np.int64
    base = np.array([0.1, 0.3])
    for t in range(9):
        want = [m.lr(b, t, 9) for m, b in zip(members, base.tolist(), strict=True)]
        assert sched.lr(base, t, 9).tolist() == want
    cos = stack_schedules([Cosine(), Cosine(floor=0.01)])
    assert cos.lr(base, 3, 10).tolist() == [
        Cosine().lr(0.1, 3, 10),
        Cosine(floor=0.01).lr(0.3, 3, 10),
    ]
    with pytest.raises(ValueError, match="same per"):
        stack_schedules([Exponential(0.9), Exponential(0.9, per="step")])


def test_regularizers_stack_with_lambda_zero_for_a_member_without_one():
    reg = stack_regularizers([L2(0.1), None, L2(0.1)])
    assert isinstance(reg, L2) and np.array_equal(reg.lam, [0.1, 0.0, 0.1])
    assert isinstance(stack_regularizers([None, NoRegularizer()]), NoRegularizer)
    shared = stack_regularizers([L1(0.2), L1(0.2)])
    assert shared.lam == 0.2
    with pytest.raises(ValueError, match="same regularizer"):
        stack_regularizers([L1(0.1), L2(0.1)])
    W = np.random.default_rng(0).standard_normal((3, 4, 5))
    penalty = reg.penalty({"W1": W, "b1": np.ones((3, 1, 5))})
    assert penalty.tolist() == [
        L2(0.1).penalty({"W1": W[0]}),
        0.0,
        L2(0.1).penalty({"W1": W[2]}),
    ]


def test_stacked_values_and_python_powers():
    assert stack_values("lr", [0.1, 0.1]) == 0.1
    assert stack_values("every", [2, 3]).dtype == np.int64
    with pytest.raises(ValueError, match="eps_form differs between the members"):
        stack_values("eps_form", ["keras", "torch"])
    assert member_value(np.array([2, 3]), 1) == 3
    assert isinstance(member_value(np.array([0.5, 0.25]), 0), float)
    assert power(0.9, 3) == 0.9**3
    assert power(np.array([0.9, 0.8]), 3).tolist() == [0.9**3, 0.8**3]
    assert power(0.5, np.array([1, 2])).tolist() == [0.5, 0.25]


def test_members_with_different_activations_get_each_their_own():
    acts = ["relu", "tanh", "tanh", "abs", "relu"]
    members = [
        build_network([4, 6, 2], activation=a, rng=i) for i, a in enumerate(acts)
    ]
    pop = stack_networks(members)
    mixed = pop.dense[0].activation
    assert [(type(a).__name__, lo, hi) for a, lo, hi in mixed.runs] == [
        ("Relu", 0, 1),
        ("Tanh", 1, 3),
        ("Abs", 3, 4),
        ("Relu", 4, 5),
    ]
    assert pop.dense[1].activation is members[0].dense[1].activation  # shared
    x = np.random.default_rng(3).standard_normal((7, 4))
    out, caches = pop.forward(x)
    d = np.random.default_rng(4).standard_normal(out.shape)
    grads = pop.backward(d.copy(), caches)
    for p, net in enumerate(members):
        assert type(pop.member(p).dense[0].activation) is type(net.dense[0].activation)
        own, own_caches = net.forward(x)
        assert np.array_equal(out[p], own)
        own_grads = net.backward(d[p].copy(), own_caches)
        for name, g in own_grads.items():
            assert np.array_equal(member_param(name, grads[name], p), g), (p, name)
