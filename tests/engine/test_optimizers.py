"""Optimisers against docs/maths.md §4 (closed forms and direct formulas).

Every reference below is written out-of-place, straight from the formulas, and
never calls the code under test.  ``step`` may overwrite its gradients, so each call
gets fresh copies.
"""

from __future__ import annotations

import io
import math
import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from nnexp.engine.optimizers import OPTIMIZERS
from nnexp.engine.regularizers import REGULARIZERS
from nnexp.errors import RegistryError

CONFIGS = {
    "sgd": {"name": "sgd", "lr": 0.1},
    "momentum": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
    "nesterov": {"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True},
    "adam": {"name": "adam", "lr": 0.01},
    "adamw": {"name": "adamw", "lr": 0.01, "weight_decay": 0.1},
    "adam_torch": {"name": "adam", "lr": 0.01, "eps_form": "torch"},
    "adamw_torch": {
        "name": "adamw",
        "lr": 0.01,
        "weight_decay": 0.1,
        "eps_form": "torch",
        "decay_biases": True,
    },
    "rmsprop": {"name": "rmsprop", "lr": 0.01},
    "adagrad": {"name": "adagrad", "lr": 0.1},
}
STATEFUL = [k for k in CONFIGS if k != "sgd"]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240823)


def make_params(rng, dtype=np.float64):
    return {
        "W1": rng.normal(size=(4, 3)).astype(dtype),
        "b1": rng.normal(size=3).astype(dtype),
        "W2": rng.normal(size=(3, 2)).astype(dtype),
        "b2": rng.normal(size=2).astype(dtype),
    }


def make_grads(rng, params, n):
    return [
        {k: rng.normal(size=p.shape).astype(p.dtype) for k, p in params.items()}
        for _ in range(n)
    ]


def copy(d):
    return {k: v.copy() for k, v in d.items()}


def run(opt, params, grad_seq, lrs):
    for g, lr in zip(grad_seq, lrs, strict=True):
        opt.step(params, copy(g), lr)


# --- registry -------------------------------------------------------------------------

SPEC_DEFAULTS = {
    "sgd": {"lr": 0.01, "momentum": 0, "nesterov": False},
    "adam": {
        "lr": 0.001,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "eps_form": "keras",
    },
    "adamw": {
        "lr": 0.001,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "eps_form": "keras",
        "weight_decay": 0.01,
        "decay_biases": False,
    },
    "rmsprop": {"lr": 0.001, "rho": 0.9, "eps": 1e-8},
    "adagrad": {"lr": 0.01, "eps": 1e-8},
}


@pytest.mark.parametrize("name", list(SPEC_DEFAULTS))
def test_init_parameters_are_exactly_spec_section_8(name):
    entry = OPTIMIZERS.resolve(name)
    assert {p.name: p.default for p in entry.params} == SPEC_DEFAULTS[name]
    opt = entry.build()
    assert {k: getattr(opt, k) for k in SPEC_DEFAULTS[name]} == SPEC_DEFAULTS[name]
    assert opt.t == 0 and opt.state_dict() == {"t": 0}


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("SGD", "sgd"),
        ("Adam", "adam"),
        ("AdamW", "adamw"),
        ("adam_w", "adamw"),
        ("ADAM-W", "adamw"),
        ("RMSprop", "rmsprop"),
        ("rms_prop", "rmsprop"),
        ("Adagrad", "adagrad"),
        ("Ada-Grad", "adagrad"),
    ],
)
def test_names_resolve_in_any_spelling(spelling, canonical):
    assert OPTIMIZERS.resolve(spelling).name == canonical


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("adamm", "adam"), ("rmsprob", "rmsprop"), ("adagrd", "adagrad")],
)
def test_unknown_name_lists_close_matches(typo, suggestion):
    with pytest.raises(RegistryError, match=f"Did you mean: .*{suggestion}"):
        OPTIMIZERS.resolve(typo)


def test_momentum_is_a_parameter_of_sgd_not_an_optimiser():
    assert "momentum" not in OPTIMIZERS
    assert OPTIMIZERS.build({"name": "SGD", "momentum": 0.9}).momentum == 0.9


# --- docs/maths.md §4 closed forms over three updates -----------------------------


def three_steps(opt_ref, rng, reg=None):
    W0 = rng.normal(size=(5, 4))
    gs = [rng.normal(size=W0.shape) for _ in range(3)]
    params = {"W1": W0.copy()}
    opt = OPTIMIZERS.build(opt_ref)
    for g in gs:
        grads = {"W1": g.copy()}
        if reg is not None:
            reg.add_grad(params, grads)
        opt.step(params, grads, opt.lr)
    return W0, gs, params["W1"]


def test_plain_sgd_closed_form(rng):
    eta = 0.1
    W0, (g0, g1, g2), W3 = three_steps({"name": "sgd", "lr": eta}, rng)
    assert_allclose(W3, W0 - eta * (g0 + g1 + g2), rtol=1e-13, atol=1e-14)


def test_sgd_with_l2_regulariser_closed_form(rng):
    eta, lam = 0.1, 0.3
    reg = REGULARIZERS.build({"name": "l2", "lam": lam})
    W0, (g0, g1, g2), W3 = three_steps({"name": "sgd", "lr": eta}, rng, reg)
    q = 1 - lam * eta
    expected = W0 * q**3 - eta * q**2 * g0 - eta * q * g1 - eta * g2
    assert_allclose(W3, expected, rtol=1e-13, atol=1e-14)


def test_momentum_closed_form(rng):
    eta, gamma = 0.1, 0.9
    W0, (g0, g1, g2), W3 = three_steps(
        {"name": "sgd", "lr": eta, "momentum": gamma}, rng
    )
    expected = (
        W0 - eta * (1 + gamma + gamma**2) * g0 - eta * (1 + gamma) * g1 - eta * g2
    )
    assert_allclose(W3, expected, rtol=1e-13, atol=1e-14)


def test_nesterov_closed_form(rng):
    # v1 = g0, v2 = γg0 + g1, v3 = γ²g0 + γg1 + g2 and p ← p − η(g + γv) each step give
    # W3 = W0 − η[(1+γ+γ²+γ³)g0 + (1+γ+γ²)g1 + (1+γ)g2].
    eta, gamma = 0.1, 0.8
    ref = {"name": "sgd", "lr": eta, "momentum": gamma, "nesterov": True}
    W0, (g0, g1, g2), W3 = three_steps(ref, rng)
    c0, c1, c2 = 1 + gamma + gamma**2 + gamma**3, 1 + gamma + gamma**2, 1 + gamma
    assert_allclose(
        W3, W0 - eta * (c0 * g0 + c1 * g1 + c2 * g2), rtol=1e-13, atol=1e-14
    )


# --- adaptive methods against their formulas --------------------------------------------


def ref_adam(p, gs, lrs, b1=0.9, b2=0.999, eps=1e-8, decay=0.0):
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, (g, lr) in enumerate(zip(gs, lrs, strict=True), start=1):
        p = p - lr * decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        p = p - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
    return p


def test_adam_first_step_is_about_minus_lr_sign_g(rng):
    eta, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p0 = rng.normal(size=(6, 5))
    g = rng.normal(size=p0.shape)
    params = {"W1": p0.copy()}
    OPTIMIZERS.build({"name": "adam", "lr": eta}).step(params, {"W1": g.copy()}, eta)
    # t = 1: m = (1−β₁)g, v = (1−β₂)g², η₁ = η√(1−β₂)/(1−β₁)
    exact = p0 - eta * math.sqrt(1 - b2) / (1 - b1) * (1 - b1) * g / (
        np.sqrt((1 - b2) * g * g) + eps
    )
    assert_allclose(params["W1"], exact, rtol=1e-13, atol=1e-15)
    # |g| ≫ ε/√(1−β₂), so the first step is −η·sign(g) up to ε's tiny share.
    assert_allclose(params["W1"] - p0, -eta * np.sign(g), rtol=1e-4)


def test_adam_several_steps_match_the_formulas(rng):
    params = make_params(rng)
    start = copy(params)
    gs = make_grads(rng, params, 6)
    lrs = [0.01, 0.009, 0.008, 0.02, 0.005, 0.001]  # a schedule changes lr per step
    opt = OPTIMIZERS.build({"name": "adam", "lr": 0.01, "beta1": 0.8, "beta2": 0.99})
    run(opt, params, gs, lrs)
    for k in params:
        expected = ref_adam(start[k], [g[k] for g in gs], lrs, b1=0.8, b2=0.99)
        assert_allclose(params[k], expected, rtol=1e-12, atol=1e-14)
    assert opt.t == 6


def test_adamw_decays_weights_only(rng):
    params = make_params(rng)
    start = copy(params)
    gs = make_grads(rng, params, 4)
    lrs = [0.01, 0.02, 0.01, 0.005]
    opt = OPTIMIZERS.build({"name": "AdamW", "lr": 0.01, "weight_decay": 0.5})
    run(opt, params, gs, lrs)
    for k in params:
        decay = 0.5 if k.startswith("W") else 0.0
        expected = ref_adam(start[k], [g[k] for g in gs], lrs, decay=decay)
        assert_allclose(params[k], expected, rtol=1e-12, atol=1e-14)
    # and the decay is visible: without it the weights would end elsewhere
    plain = ref_adam(start["W1"], [g["W1"] for g in gs], lrs)
    assert np.abs(params["W1"] - plain).max() > 1e-4


def test_adamw_without_decay_is_adam(rng):
    params = make_params(rng)
    other = copy(params)
    gs = make_grads(rng, params, 3)
    run(OPTIMIZERS.build({"name": "adamw", "weight_decay": 0}), params, gs, [1e-3] * 3)
    run(OPTIMIZERS.build("adam"), other, gs, [1e-3] * 3)
    for k in params:
        assert_array_equal(params[k], other[k])


# --- the two places of ε (keras vs torch) and AdamW's bias decay -------------------------


def torch_adam(p, gs, lrs, b1=0.9, b2=0.999, eps=1e-8, decay=0.0):
    """A direct transcription of torch.optim.Adam / AdamW (single-tensor path,
    amsgrad off, maximize off), out of place: decay, lerp, bias corrections,
    denom = √v/√bc2 + ε, p += −(lr/bc1)·m/denom."""
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for step, (g, lr) in enumerate(zip(gs, lrs, strict=True), start=1):
        p = p * (1 - lr * decay)
        m = m + (1 - b1) * (g - m)  # exp_avg.lerp_(grad, 1 - beta1)
        v = v * b2 + (1 - b2) * g * g  # exp_avg_sq.mul_(beta2).addcmul_(...)
        bias_correction1 = 1 - b1**step
        bias_correction2 = 1 - b2**step
        step_size = lr / bias_correction1
        denom = np.sqrt(v) / math.sqrt(bias_correction2) + eps
        p = p + (-step_size) * (m / denom)
    return p


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_first_step_with_a_tiny_gradient_in_both_eps_forms(name):
    """Closed forms of the first step (m = (1−β₁)g, v = (1−β₂)g²) at the defaults:
    keras η√(1−β₂)g/(√(1−β₂)|g| + ε) ≈ 3.1e-5, torch ηg/(|g| + ε) = 5.0e-4 for g = ε."""
    eta, b2, eps, g = 1e-3, 0.999, 1e-8, 1e-8
    moves = {}
    for form in ("keras", "torch"):
        params = {"W1": np.zeros((2, 2))}
        opt = OPTIMIZERS.build(
            {"name": name, "eps_form": form, "weight_decay": 0.0}
            if name == "adamw"
            else {"name": name, "eps_form": form}
        )
        opt.step(params, {"W1": np.full((2, 2), g)}, eta)
        moves[form] = -params["W1"]
    root = math.sqrt(1 - b2)
    assert_allclose(moves["keras"], eta * root * g / (root * g + eps), rtol=1e-13)
    assert_allclose(moves["torch"], eta * g / (g + eps), rtol=1e-13)
    assert moves["keras"][0, 0] == pytest.approx(3.1e-5, rel=0.02)
    assert moves["torch"][0, 0] == pytest.approx(5.0e-4, rel=1e-12)
    # the default is the keras form
    default = {"W1": np.zeros((2, 2))}
    OPTIMIZERS.build(name).step(default, {"W1": np.full((2, 2), g)}, eta)
    assert_array_equal(-default["W1"], moves["keras"])


def test_adam_torch_form_equals_torchs_algorithm_over_many_steps(rng):
    params = make_params(rng)
    start = copy(params)
    # gradients from 1e-9 to 1e1: the regime where the two forms differ, and the usual
    gs = [
        {k: g * 10.0 ** rng.uniform(-9, 1) for k, g in grads.items()}
        for grads in make_grads(rng, params, 12)
    ]
    lrs = list(np.linspace(0.01, 0.001, 12))
    opt = OPTIMIZERS.build({"name": "adam", "lr": 0.01, "eps_form": "torch"})
    run(opt, params, gs, lrs)
    for k in params:
        expected = torch_adam(start[k], [g[k] for g in gs], lrs)
        assert_allclose(params[k], expected, rtol=1e-13, atol=1e-15)
        # and the keras form is measurably elsewhere on these gradients
        keras = ref_adam(start[k], [g[k] for g in gs], lrs)
        assert np.abs(keras - expected).max() > 1e-6


def test_adamw_torch_form_with_bias_decay_equals_torchs_adamw(rng):
    params = make_params(rng)
    start = copy(params)
    gs = make_grads(rng, params, 8)
    lrs = [0.01, 0.02, 0.01, 0.005, 0.005, 0.004, 0.003, 0.002]
    ref = {
        "name": "adamw",
        "lr": 0.01,
        "weight_decay": 0.3,
        "eps_form": "torch",
        "decay_biases": True,
    }
    run(OPTIMIZERS.build(ref), params, gs, lrs)
    for k in params:  # every parameter decays, biases included
        expected = torch_adam(start[k], [g[k] for g in gs], lrs, decay=0.3)
        assert_allclose(params[k], expected, rtol=1e-13, atol=1e-15)


def test_adamw_bias_decay_is_a_parameter(rng):
    params = make_params(rng)
    start = copy(params)
    gs = make_grads(rng, params, 4)
    lrs = [0.01] * 4
    ref = {"name": "adamw", "lr": 0.01, "weight_decay": 0.5, "decay_biases": True}
    run(OPTIMIZERS.build(ref), params, gs, lrs)
    for k in params:
        expected = ref_adam(start[k], [g[k] for g in gs], lrs, decay=0.5)
        assert_allclose(params[k], expected, rtol=1e-12, atol=1e-14)
    undecayed = ref_adam(start["b1"], [g["b1"] for g in gs], lrs)
    assert np.abs(params["b1"] - undecayed).max() > 1e-4


def test_rmsprop_matches_the_formula(rng):
    eta, rho, eps = 0.01, 0.7, 1e-8
    params = make_params(rng)
    start = copy(params)
    gs = make_grads(rng, params, 5)
    run(
        OPTIMIZERS.build({"name": "RMSprop", "lr": eta, "rho": rho}),
        params,
        gs,
        [eta] * 5,
    )
    for k in params:
        p, s = start[k], 0.0
        for g in gs:
            s = rho * s + (1 - rho) * g[k] ** 2
            p = p - eta * g[k] / (np.sqrt(s) + eps)
        assert_allclose(params[k], p, rtol=1e-12, atol=1e-14)


def test_adagrad_matches_the_formula(rng):
    eta, eps = 0.1, 1e-8
    params = make_params(rng)
    start = copy(params)
    gs = make_grads(rng, params, 5)
    run(OPTIMIZERS.build({"name": "adagrad", "lr": eta}), params, gs, [eta] * 5)
    for k in params:
        p, s = start[k], 0.0
        for g in gs:
            s = s + g[k] ** 2
            p = p - eta * g[k] / (np.sqrt(s) + eps)
        assert_allclose(params[k], p, rtol=1e-12, atol=1e-14)


def test_adagrad_first_step_is_about_minus_lr_sign_g(rng):
    p0, g = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    params = {"W1": p0.copy()}
    OPTIMIZERS.build("adagrad").step(params, {"W1": g.copy()}, 0.01)
    assert_allclose(params["W1"] - p0, -0.01 * np.sign(g), rtol=1e-6)


# --- state ------------------------------------------------------------------------------


@pytest.mark.parametrize("config", STATEFUL)
def test_state_changes_after_every_step(config, rng):
    """The course bug: state rebound in a loop, so it never changed."""
    params = make_params(rng)
    opt = OPTIMIZERS.build(CONFIGS[config])
    g1, g2 = make_grads(rng, params, 2)
    opt.step(params, copy(g1), opt.lr)
    first = opt.state_dict()
    arrays = [k for k in first if k != "t"]
    assert first["t"] == 1
    assert {k.split("/")[1] for k in arrays} == set(params)
    assert all(np.abs(first[k]).min() > 0 for k in arrays)
    opt.step(params, copy(g2), opt.lr)
    second = opt.state_dict()
    assert second["t"] == 2
    assert all(not np.array_equal(first[k], second[k]) for k in arrays)


@pytest.mark.parametrize("config", list(CONFIGS))
def test_params_are_updated_in_place(config, rng):
    flat = rng.normal(size=20)
    params = {"W1": flat[:12].reshape(4, 3), "b1": flat[12:15]}  # views of one buffer
    before = flat.copy()
    OPTIMIZERS.build(CONFIGS[config]).step(
        params, copy(make_grads(rng, params, 1)[0]), 0.1
    )
    assert np.shares_memory(params["W1"], flat)
    assert np.all(flat[:15] != before[:15]) and np.array_equal(flat[15:], before[15:])


@pytest.mark.parametrize("config", list(CONFIGS))
def test_state_dict_round_trip_through_savez_is_bit_identical(config, rng):
    params = make_params(rng)
    gs = make_grads(rng, params, 6)
    lrs = [0.05, 0.04, 0.03, 0.02, 0.01, 0.005]
    opt = OPTIMIZERS.build(CONFIGS[config])
    run(opt, params, gs[:3], lrs[:3])
    buffer = io.BytesIO()
    np.savez(buffer, **opt.state_dict())
    buffer.seek(0)
    with np.load(buffer) as saved:
        restored_state = dict(saved)
    resumed = OPTIMIZERS.build(CONFIGS[config])
    resumed.load_state_dict(restored_state)
    resumed_params = copy(params)
    run(opt, params, gs[3:], lrs[3:])
    run(resumed, resumed_params, gs[3:], lrs[3:])
    for k in params:
        assert_array_equal(resumed_params[k], params[k])
    a, b = opt.state_dict(), resumed.state_dict()
    assert a.keys() == b.keys() and a["t"] == b["t"] == 6
    for k in a:
        assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("config", STATEFUL)
def test_state_dict_and_load_state_dict_copy(config, rng):
    params = make_params(rng)
    opt = OPTIMIZERS.build(CONFIGS[config])
    opt.step(params, copy(make_grads(rng, params, 1)[0]), 0.1)
    state = opt.state_dict()
    key = next(k for k in state if k != "t")
    kept = state[key].copy()
    state[key] += 1.0  # the caller scribbling on the dict must not reach the optimiser
    assert_array_equal(opt.state_dict()[key], kept)
    other = OPTIMIZERS.build(CONFIGS[config])
    other.load_state_dict(state)
    state[key] -= 5.0  # nor after loading
    assert_array_equal(other.state_dict()[key], kept + 1.0)


def test_load_state_dict_rejects_unknown_keys_and_bad_t():
    opt = OPTIMIZERS.build("adam")
    with pytest.raises(ValueError, match="unknown Adam state key 'velocity/W1'"):
        opt.load_state_dict({"t": 1, "velocity/W1": np.zeros(2)})
    with pytest.raises(ValueError, match="'t' must be an integer"):
        opt.load_state_dict({"t": 1.5})
    with pytest.raises(ValueError, match="no step counter"):
        opt.load_state_dict({})


def test_state_of_another_shape_is_an_error_not_a_broadcast():
    opt = OPTIMIZERS.build({"name": "adam"})
    opt.load_state_dict({"t": 1, "m/W1": np.zeros(3), "v/W1": np.zeros(3)})
    with pytest.raises(
        ValueError, match=r"shape \(3,\) but the parameter has shape \(2, 3\)"
    ):
        opt.step({"W1": np.zeros((2, 3))}, {"W1": np.ones((2, 3))}, 0.1)


def test_per_layer_optimisers_equal_one_for_the_network(rng):
    params = make_params(rng)
    split = copy(params)
    gs = make_grads(rng, params, 4)
    run(OPTIMIZERS.build("adam"), params, gs, [0.01] * 4)
    for layer in ("1", "2"):
        names = ("W" + layer, "b" + layer)
        sub = {k: split[k] for k in names}
        run(
            OPTIMIZERS.build("adam"),
            sub,
            [{k: g[k] for k in names} for g in gs],
            [0.01] * 4,
        )
    for k in params:
        assert_array_equal(split[k], params[k])


# --- dtype, speed, validation -----------------------------------------------------------


@pytest.mark.parametrize("config", list(CONFIGS))
def test_float32_stays_float32(config, rng):
    p64 = make_params(rng)
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    gs64 = make_grads(rng, p64, 3)
    gs32 = [{k: v.astype(np.float32) for k, v in g.items()} for g in gs64]
    opt32 = OPTIMIZERS.build(CONFIGS[config])
    run(opt32, p32, gs32, [np.float64(0.01)] * 3)  # a NumPy scalar lr must not upcast
    run(OPTIMIZERS.build(CONFIGS[config]), p64, [copy(g) for g in gs64], [0.01] * 3)
    for k in p32:
        assert p32[k].dtype == np.float32
        assert_allclose(p32[k], p64[k], rtol=1e-5, atol=1e-6)
    assert all(v.dtype == np.float32 for k, v in opt32.state_dict().items() if k != "t")


@pytest.mark.parametrize("config", list(CONFIGS))
def test_step_allocates_no_arrays_after_the_first(config, rng):
    params = {"W1": rng.normal(size=(300, 200)), "b1": rng.normal(size=200)}
    grads = make_grads(rng, params, 1)[0]
    opt = OPTIMIZERS.build(CONFIGS[config])
    opt.step(params, copy(grads), 0.01)  # creates state and scratch lazily
    fresh = copy(grads)
    tracemalloc.start()
    try:
        opt.step(params, fresh, 0.01)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000  # one temporary W1 would be 480 kB


@pytest.mark.parametrize(
    ("ref", "match"),
    [
        ({"name": "sgd", "lr": 0}, "lr = 0 is out of range"),
        ({"name": "sgd", "lr": -0.1}, "lr > 0"),
        ({"name": "sgd", "lr": float("nan")}, "lr"),
        ({"name": "sgd", "lr": "fast"}, "lr must be a real number"),
        ({"name": "sgd", "momentum": 1.0}, "0 <= momentum < 1"),
        ({"name": "sgd", "momentum": -0.1}, "0 <= momentum < 1"),
        ({"name": "sgd", "nesterov": True}, "nesterov = true needs momentum > 0"),
        (
            {"name": "sgd", "momentum": 0.9, "nesterov": "yes"},
            "nesterov must be true or false",
        ),
        ({"name": "adam", "beta1": 1.0}, "0 <= beta1 < 1"),
        ({"name": "adam", "beta2": -0.5}, "0 <= beta2 < 1"),
        ({"name": "adam", "eps": 0}, "eps > 0"),
        ({"name": "adamw", "weight_decay": -0.01}, "weight_decay >= 0"),
        (
            {"name": "adam", "eps_form": "pytorch"},
            "eps_form must be one of keras, torch",
        ),
        (
            {"name": "adamw", "decay_biases": "yes"},
            "decay_biases must be true or false",
        ),
        ({"name": "rmsprop", "rho": 1.0}, "0 <= rho < 1"),
        ({"name": "adagrad", "eps": float("inf")}, "eps"),
    ],
)
def test_invalid_parameters_are_rejected(ref, match):
    params = {k: v for k, v in ref.items() if k != "name"}
    with pytest.raises(ValueError, match=match):
        OPTIMIZERS.resolve(ref["name"]).factory(**params)
    with pytest.raises(RegistryError, match=f"optimizer {ref['name']}: "):
        OPTIMIZERS.build(ref)


def test_unknown_parameter_is_rejected_by_the_registry():
    with pytest.raises(
        RegistryError, match="momentum: unknown parameter for optimizer adam"
    ):
        OPTIMIZERS.build({"name": "adam", "momentum": 0.9})
