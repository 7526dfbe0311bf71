"""The per-epoch statistics of issue 15 (saturation, update/weight ratio): closed
forms, a population's values equal to its members' own, and the trainer's columns."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnexp.engine import members
from nnexp.engine.activations import ACTIVATIONS
from nnexp.engine.losses import LOSSES
from nnexp.engine.network import build_network
from nnexp.training import insight
from nnexp.training.evaluation import evaluate
from nnexp.training.trainer import fit


def test_saturated_count_of_tanh_outputs():
    a = np.array([[0.995, -0.999, 0.5], [0.0, 0.991, -0.98]])
    assert insight.saturated_count(a, (-1.0, 1.0)) == 3


def test_logistic_saturates_near_zero_and_one():
    a = np.array([[0.996, 0.994, 0.004, 0.006, 0.5]])
    assert insight.saturated_count(a, (0.0, 1.0)) == 2


def test_a_stack_counts_each_member_as_alone():
    rng = np.random.default_rng(0)
    stack = np.tanh(rng.normal(scale=3.0, size=(3, 20, 5)))
    got = insight.saturated_count(stack, (-1.0, 1.0))
    assert got.tolist() == [insight.saturated_count(m, (-1.0, 1.0)) for m in stack]


def test_bounds_of_the_activations():
    assert insight.activation_bounds(ACTIVATIONS.build("tanh")) == (-1.0, 1.0)
    assert insight.activation_bounds(ACTIVATIONS.build("logistic")) == (0.0, 1.0)
    assert insight.activation_bounds(ACTIVATIONS.build("relu")) is None


def test_update_ratio_closed_form_and_zero_weights():
    before = np.array([[3.0, 4.0]])
    assert insight.update_ratio(before, np.array([[3.0, 4.5]])) == 0.5 / 5.0
    assert math.isnan(insight.update_ratio(np.zeros((2, 2)), np.ones((2, 2))))
    stack_before = np.stack([before, np.zeros((1, 2))])
    stack_after = np.stack([np.array([[3.0, 4.5]]), np.ones((1, 2))])
    got = insight.update_ratio(stack_before, stack_after)
    assert got[0] == 0.1 and math.isnan(got[1])


def test_evaluate_reports_saturation_per_layer():
    x = np.random.default_rng(1).normal(size=(50, 2))
    net = build_network([2, 4, 1], activation="tanh", rng=np.random.default_rng(2))
    net.dense[0].W[...] = 1e4  # every pre-activation far from 0: all saturated
    net.dense[0].b[...] = 0.0
    got = evaluate(net, LOSSES.build("mse"), x, np.zeros((50, 1)), None, dead=True)
    assert got["saturation"][0] == 1.0
    assert math.isnan(got["saturation"][1])  # identity output: unbounded
    net.dense[0].W[...] = 1e-6
    got = evaluate(net, LOSSES.build("mse"), x, np.zeros((50, 1)), None, dead=True)
    assert got["saturation"][0] == 0.0


def test_the_update_ratio_of_one_sgd_step_per_epoch_is_lr_times_grad_over_weights():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 3))
    y = rng.normal(size=(16, 1))
    net = build_network([3, 5, 1], activation="tanh", rng=np.random.default_rng(4))
    start = np.linalg.norm(net.dense[0].W)
    result = fit(net, (x, y), val=(x, y), loss="mse",
                 optimizer={"name": "sgd", "lr": 0.05}, epochs=3, batch_size=16,
                 shuffle=False)  # fmt: skip
    frame = result.frame
    before = [start, *frame["layer1_weight_norm"].iloc[:-1]]
    want = 0.05 * frame["layer1_grad_norm"] / np.array(before)
    assert frame["layer1_update_ratio"].to_numpy() == pytest.approx(want, rel=1e-9)
    assert frame["layer1_saturation"].between(0.0, 1.0).all()


def _record(steps, rng, params, k, scale):
    """k sampled steps: random gradients, then a random in-place update."""
    for _ in range(k):
        grads = {w: rng.normal(size=p.shape).astype(p.dtype) for w, p in params.items()}
        steps.grads(grads)
        steps.before()
        for w, p in params.items():
            p -= (scale * grads[w]).astype(p.dtype)
            grads[w][...] = np.nan  # an optimiser may overwrite its gradients
        steps.after()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("stacked", [False, True])
def test_sampled_steps_give_the_same_sums_batched_or_step_by_step(dtype, stacked):
    shapes = {"W1": (2, 4), "W2": (4, 3)}
    lead = (5,) if stacked else ()
    sums = []
    for batched in (True, False):
        rng = np.random.default_rng(7)
        params = {w: rng.normal(size=lead + s).astype(dtype) for w, s in shapes.items()}
        params["W2"][..., 0, :] = (
            0.0  # zero rows: an update ratio over ‖W‖ stays finite
        )
        if stacked:
            params["W1"][1] = 0.0  # a member with ‖W1‖ = 0 at first: NaN ratio
        assert insight.SampledSteps(params, ["W1", "W2"], 4).batched  # tiny weights
        steps = insight.SampledSteps(params, ["W1", "W2"], 4, batched=batched)
        _record(steps, rng, params, 4, 0.01)
        sums.append(steps.sums())
    (g_b, u_b), (g_s, u_s) = sums
    for w in ("W1", "W2"):
        np.testing.assert_array_equal(g_b[w], g_s[w])  # bit for bit
        np.testing.assert_array_equal(u_b[w], u_s[w])  # NaN where NaN
        assert type(g_b[w]) is type(g_s[w])
    if stacked:
        assert math.isnan(u_b["W1"][1]) and np.isfinite(u_b["W1"][0])


def test_sampled_steps_sums_equal_the_norms_they_stand_for():
    rng = np.random.default_rng(11)
    params = {"W1": rng.normal(size=(3, 2))}
    steps = insight.SampledSteps(params, ["W1"], 2)
    want_g = want_u = 0.0
    for _ in range(2):
        g = rng.normal(size=(3, 2))
        steps.grads({"W1": g})
        steps.before()
        old = params["W1"].copy()
        params["W1"] += 0.1 * g
        steps.after()
        want_g += math.sqrt(float(np.sum(g * g)))
        want_u += (
            0.1 * math.sqrt(float(np.sum(g * g))) / math.sqrt(float(np.sum(old * old)))
        )
    gsq, usum = steps.sums()
    assert gsq["W1"] == pytest.approx(want_g, rel=1e-12)
    assert usum["W1"] == pytest.approx(want_u, rel=1e-12)


def test_large_weights_are_not_buffered():
    params = {"W1": np.zeros((784, 100), dtype=np.float32)}
    assert not insight.SampledSteps(params, ["W1"], 64).batched
    assert insight.SampledSteps(params, ["W1"], 1).batched is (
        3 * params["W1"].nbytes <= insight.BATCHED_BYTES
    )


def test_a_trainer_writes_the_same_rows_with_and_without_the_batched_sums(monkeypatch):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(12, 2)), rng.normal(size=(12, 2))

    def rows():
        net = build_network([2, 6, 2], activation="tanh", rng=np.random.default_rng(6))
        result = fit(net, (x, y), val=(x, y), loss="mse", epochs=4, batch_size=3,
                     optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9})  # fmt: skip
        return result.frame.drop(columns=["train_seconds", "seconds"])

    batched = rows()
    monkeypatch.setattr(insight, "BATCHED_BYTES", 0)
    step_by_step = rows()
    assert batched.equals(step_by_step)
    assert batched["layer1_update_ratio"].notna().all()


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("lead", [(), (3,)])
def test_sampled_steps_equal_update_ratio_and_norm_step_by_step(batched, lead):
    """What the trainer recorded before SampledSteps: per step the gradient's
    members.norm and insight.update_ratio of a copy, summed in order."""
    rng = np.random.default_rng(21)
    params = {"W1": rng.normal(size=lead + (5, 4)).astype(np.float32)}
    steps = insight.SampledSteps(params, ["W1"], 3, batched=batched)
    want_g: object = 0.0
    want_u: object = 0.0
    for _ in range(3):
        g = rng.normal(size=params["W1"].shape).astype(np.float32)
        steps.grads({"W1": g})
        want_g = want_g + (
            math.sqrt(float(np.vdot(g, g))) if not lead else members.norm(g)
        )
        steps.before()
        old = params["W1"].copy()
        params["W1"] -= np.float32(0.3) * g
        steps.after()
        want_u = want_u + insight.update_ratio(old, params["W1"])
    gsq, usum = steps.sums()
    np.testing.assert_array_equal(gsq["W1"], want_g)
    np.testing.assert_array_equal(usum["W1"], want_u)
