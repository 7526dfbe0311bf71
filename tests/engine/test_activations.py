"""Activations against SPEC §1: formulas, derivatives, stability, dtypes, names.

Most tests are generated from ``ACTIVATIONS.entries()`` (built-ins, with parameter
variants), so a new built-in is checked as soon as it is registered; the SPEC formula
table below must then gain its row (``test_every_builtin_has_a_spec_formula``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from strategies import (  # tests/strategies.py; tests/ is on sys.path (conftest)
    arrays_of_any_float_dtype,
    finite_arrays,
    finite_floats,
    nonneg_alpha,
    steepness,
    unit_alpha,
)

from nnexp.engine.activations import ACTIVATIONS, backprop, family_of
from nnexp.engine.gradcheck import central_difference
from nnexp.errors import RegistryError
from nnexp.types import Family

BUILTINS = [e for e in ACTIVATIONS.entries() if e.source == "builtin"]
LAM, ALP = 1.0507009873554805, 1.6732632423543772
PROPERTY = settings(max_examples=40, deadline=None)


def _variants(entry) -> list[dict]:
    """Defaults plus non-default values of each SPEC parameter (k, alpha)."""
    names = {p.name for p in entry.params}
    out: list[dict] = [{}]
    if "k" in names:
        out += [{"k": 0.5}, {"k": 3.0}]
    if "alpha" in names:
        out += [{"alpha": 0.3}] + ([{"alpha": 1.0}] if entry.name != "abs" else [])
    return out


CASES = [(e, p) for e in BUILTINS for p in _variants(e)]
CASE_IDS = [e.name + "".join(f"-{k}={v}" for k, v in p.items()) for e, p in CASES]
ELEMENTWISE = [(e, p) for e, p in CASES if e.build(**p).elementwise]
ELEMENTWISE_IDS = [
    i for i, (e, p) in zip(CASE_IDS, CASES, strict=True) if e.build(**p).elementwise
]


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _gelu(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _gelu_d(x):
    c = math.sqrt(2 / math.pi)
    t = np.tanh(c * (x + 0.044715 * x**3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * c * (1 + 3 * 0.044715 * x**2)


def _mish_d(x):
    t = np.tanh(np.log1p(np.exp(x)))
    return t + x * _sig(x) * (1 - t**2)


# SPEC §1 written as plainly as the table (fine for |x| <= 5 in float64)
SPEC = {
    "heaviside": (lambda x: np.where(x >= 0, 1.0, 0.0), lambda x: 0 * x),
    "modified_heaviside": (
        lambda x: np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0)),
        lambda x: 0 * x,
    ),
    "logistic": (
        lambda x, k=1.0: _sig(k * x),
        lambda x, k=1.0: k * _sig(k * x) * (1 - _sig(k * x)),
    ),
    "exp": (np.exp, np.exp),
    "sign": (np.sign, lambda x: 0 * x),
    "tanh": (
        lambda x, k=1.0: np.tanh(k * x),
        lambda x, k=1.0: k * (1 - np.tanh(k * x) ** 2),
    ),
    "softsign": (
        lambda x, k=1.0: k * x / (1 + np.abs(k * x)),
        lambda x, k=1.0: k / (1 + np.abs(k * x)) ** 2,
    ),
    "relu": (lambda x: np.maximum(0, x), lambda x: np.where(x > 0, 1.0, 0.0)),
    "leaky_relu": (
        lambda x, alpha=0.01: np.where(x >= 0, x, alpha * x),
        lambda x, alpha=0.01: np.where(x >= 0, 1.0, alpha),
    ),
    "elu": (
        lambda x, alpha=1.0: np.where(x >= 0, x, alpha * (np.exp(x) - 1)),
        lambda x, alpha=1.0: np.where(x >= 0, 1.0, alpha * np.exp(x)),
    ),
    "softplus": (
        lambda x, k=1.0: np.log(1 + np.exp(k * x)) / k,
        lambda x, k=1.0: _sig(k * x),
    ),
    "swish": (
        lambda x, k=1.0: x * _sig(k * x),
        lambda x, k=1.0: _sig(k * x) + k * x * _sig(k * x) * (1 - _sig(k * x)),
    ),
    "abs": (
        lambda x, alpha=0.0: (
            np.abs(x) if alpha == 0 else np.sqrt(x**2 + alpha**2) - alpha
        ),
        lambda x, alpha=0.0: np.sign(x) if alpha == 0 else x / np.sqrt(x**2 + alpha**2),
    ),
    "loco": (
        lambda x, k=1.0: np.log(np.cosh(k * x)) / k,
        lambda x, k=1.0: np.tanh(k * x),
    ),
    "twist": (
        lambda x, k=1.0: x * np.tanh(k * x),
        lambda x, k=1.0: np.tanh(k * x) + k * x * (1 - np.tanh(k * x) ** 2),
    ),
    "softabs": (
        lambda x, k=1.0: k * x**2 / (1 + np.abs(k * x)),
        lambda x, k=1.0: k * x * (2 + np.abs(k * x)) / (1 + np.abs(k * x)) ** 2,
    ),
    "identity": (lambda x: x, lambda x: 1 + 0 * x),
    "gelu": (_gelu, _gelu_d),
    "selu": (
        lambda x: np.where(x > 0, LAM * x, LAM * ALP * (np.exp(x) - 1)),
        lambda x: np.where(x > 0, LAM, LAM * ALP * np.exp(x)),
    ),
    "mish": (lambda x: x * np.tanh(np.log1p(np.exp(x))), _mish_d),
}
FAMILIES = {
    Family.HEAVISIDE: {"heaviside", "modified_heaviside", "logistic", "exp"},
    Family.SIGN: {"sign", "tanh", "softsign"},
    Family.RELU: {"relu", "leaky_relu", "elu", "softplus", "swish", "gelu", "mish"},
    Family.ABS: {"abs", "loco", "twist", "softabs"},
    Family.IDENTITY: {"identity", "selu"},
    Family.OUTPUT: {"softmax"},
}


def _kink_gap_mask(x, kinks, gap=1e-3):
    return np.all([np.abs(x - c) >= gap for c in kinks], axis=0) if kinks else True


# --- the registry holds exactly SPEC §1 -----------------------------------------------


def test_registry_holds_every_spec_activation():
    assert {e.name for e in BUILTINS} == set(SPEC) | {"softmax"}


def test_every_builtin_has_a_spec_formula():
    missing = {e.name for e in BUILTINS if e.build().elementwise} - set(SPEC)
    assert not missing, f"add the SPEC §1 formula of {missing} to SPEC above"


@pytest.mark.parametrize("entry", BUILTINS, ids=lambda e: e.name)
def test_parameters_are_spec_k_and_alpha_with_spec_defaults(entry):
    defaults = {
        "k": 1.0,
        "alpha": {"leaky_relu": 0.01, "abs": 0.0}.get(entry.name, 1.0),
    }
    for p in entry.params:
        assert p.name in defaults
        assert p.default == defaults[p.name]


@pytest.mark.parametrize(
    ("family", "name"), [(f, n) for f, names in FAMILIES.items() for n in sorted(names)]
)
def test_family_and_gain_follow_spec(family, name):
    act = ACTIVATIONS.build(name)
    assert family_of(act) is family
    assert family_of(act).gain == (math.sqrt(2) if family is Family.RELU else 1.0)


# --- values and derivatives --------------------------------------------------------


@pytest.mark.parametrize(("entry", "params"), ELEMENTWISE, ids=ELEMENTWISE_IDS)
def test_forward_and_derivative_follow_the_spec_formula(entry, params, rng):
    act = entry.build(**params)
    f, df = SPEC[entry.name]
    x = np.concatenate([np.linspace(-5, 5, 41), rng.uniform(-5, 5, 200), [0.0]])
    assert_allclose(act.forward(x), f(x, **params), rtol=1e-12, atol=1e-14)
    # includes x = 0, so kinks get the table's one-sided value (e.g. relu'(0) = 0)
    assert_allclose(
        act.derivative(x, act.forward(x)), df(x, **params), rtol=1e-12, atol=1e-14
    )


KINK_VALUES = [  # (name, params, f'(kink) from the SPEC table)
    ("relu", {}, 0.0),
    ("leaky_relu", {}, 1.0),
    ("leaky_relu", {"alpha": 0.3}, 1.0),
    ("elu", {"alpha": 0.3}, 1.0),
    ("abs", {}, 0.0),
    ("sign", {}, 0.0),
    ("heaviside", {}, 0.0),
    ("modified_heaviside", {}, 0.0),
    ("selu", {}, LAM * ALP),
]


@pytest.mark.parametrize(("name", "params", "expected"), KINK_VALUES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_derivative_at_a_kink_is_the_spec_value(name, params, expected, dtype):
    act = ACTIVATIONS.build({"name": name, **params})
    z = np.zeros(3, dtype=dtype)
    assert act.kinks == (0.0,)
    assert_array_equal(act.derivative(z, act.forward(z)), np.full(3, expected, dtype))


def test_every_declared_kink_has_a_tabulated_derivative():
    kinked = {(e.name, tuple(p.items())) for e, p in CASES if e.build(**p).kinks}
    tabulated = {(n, tuple(p.items())) for n, p, _ in KINK_VALUES}
    untested = {
        n for n, p in kinked if (n, p) not in tabulated and (n, ()) not in tabulated
    }
    assert not untested


@pytest.mark.parametrize(
    ("name", "params", "kinks"),
    [
        ("leaky_relu", {"alpha": 1.0}, ()),
        ("elu", {}, ()),
        ("elu", {"alpha": 2.0}, (0.0,)),
        ("abs", {"alpha": 0.5}, ()),
        ("softabs", {}, ()),
        ("softplus", {}, ()),
    ],
)
def test_kinks_depend_on_parameters(name, params, kinks):
    assert ACTIVATIONS.build({"name": name, **params}).kinks == kinks


def test_step_values_at_zero():
    z = np.array([-1.0, 0.0, 2.0])
    assert_array_equal(ACTIVATIONS.build("heaviside").forward(z), [0, 1, 1])
    assert_array_equal(ACTIVATIONS.build("ModifiedHeaviside").forward(z), [0, 0.5, 1])
    assert_array_equal(ACTIVATIONS.build("sign").forward(z), [-1, 0, 1])


@pytest.mark.parametrize(("entry", "params"), ELEMENTWISE, ids=ELEMENTWISE_IDS)
def test_derivative_matches_central_difference(entry, params, rng):
    """float64, step eps·max(1, |x|): random, near (not at) kinks, and |x| to 1e4."""
    act = entry.build(**params)
    kinks = list(act.kinks)
    near = [c + s * 10 ** rng.uniform(-3, -1, 40) for c in kinks for s in (-1, 1)]
    large = rng.choice([-1, 1], 200) * 10 ** rng.uniform(2, 4, 200)
    x = np.concatenate([rng.uniform(-4, 4, 300), *near, large])
    x = x[_kink_gap_mask(x, kinks)]
    if act.overflows:  # exp: keep the points where f(x ± h) is representable
        x = x[x < 700]
    numeric = central_difference(act.forward, x, eps=1e-6)
    scale = max(1.0, np.abs(numeric[np.abs(x) <= 4]).max())
    assert_allclose(
        act.derivative(x, act.forward(x)), numeric, rtol=1e-6, atol=1e-8 * scale
    )


@pytest.mark.parametrize(("entry", "params"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_and_shape_are_kept_and_inputs_untouched(entry, params, dtype, rng):
    act = entry.build(**params)
    z = rng.uniform(-3, 3, (4, 7)).astype(dtype)
    z0 = z.copy()
    a = act.forward(z)
    a0 = a.copy()
    d = act.derivative(z, a)
    g = act.backprop(z, a, rng.standard_normal(z.shape).astype(dtype))
    for out in (a, d, g):
        assert out.dtype == dtype and out.shape == z.shape
    assert_array_equal(z, z0)
    assert_array_equal(a, a0)


@pytest.mark.parametrize(("entry", "params"), ELEMENTWISE, ids=ELEMENTWISE_IDS)
def test_backprop_equals_da_times_derivative(entry, params, rng):
    act = entry.build(**params)
    z = rng.uniform(-4, 4, (6, 5))
    a = act.forward(z)
    da = rng.standard_normal(z.shape)
    expected = da * act.derivative(z, a)
    assert_allclose(act.backprop(z, a, da.copy()), expected, rtol=1e-14, atol=1e-300)
    assert_allclose(backprop(act, z, a, da.copy()), expected, rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize(("entry", "params"), ELEMENTWISE, ids=ELEMENTWISE_IDS)
def test_float32_agrees_with_float64(entry, params, rng):
    act = entry.build(**params)
    x = np.concatenate(
        [
            rng.uniform(-6, 6, 300),
            rng.choice([-1, 1], 200) * 10 ** rng.uniform(-8, 4, 200),
        ]
    ).astype(np.float32)
    if act.overflows:
        x = x[x < 80]  # e^x stays below float32's max
    x64 = x.astype(np.float64)
    a32, a64 = act.forward(x), act.forward(x64)
    d32, d64 = act.derivative(x, a32), act.derivative(x64, a64)
    scale = max(1.0, np.abs(d64[np.abs(x64) <= 4]).max())
    assert_allclose(a32, a64, rtol=1e-5, atol=1e-6)
    assert_allclose(d32, d64, rtol=1e-5, atol=2e-6 * scale)


# --- stability: any finite input -----------------------------------------------------


def _draw_params(entry, data) -> dict:
    names = {p.name for p in entry.params}
    params = {}
    if "k" in names:
        params["k"] = data.draw(steepness, label="k")
    if "alpha" in names:
        alphas = unit_alpha if entry.name == "leaky_relu" else nonneg_alpha
        params["alpha"] = data.draw(alphas, label="alpha")
    return params


STABLE = [e for e in BUILTINS if not e.build().overflows]  # exp overflows by nature


def test_only_exp_overflows_by_nature():
    assert {e.name for e in BUILTINS} - {e.name for e in STABLE} == {"exp"}


@pytest.mark.parametrize("entry", STABLE, ids=lambda e: e.name)
@PROPERTY
@given(data=st.data())
def test_finite_and_warning_free_for_any_finite_input(entry, data):
    act = entry.build(**_draw_params(entry, data))
    # selu's λx itself exceeds the float range beyond max/λ; everything else takes all
    fraction = 0.5 if entry.name == "selu" else 1.0
    z = data.draw(arrays_of_any_float_dtype(max_magnitude_fraction=fraction), label="z")
    a = act.forward(z)
    d = act.derivative(z, a)
    g = act.backprop(z, a, np.ones_like(z))
    for out in (a, d, g):
        assert out.dtype == z.dtype
        assert np.isfinite(out).all()


def test_exp_overflows_to_inf_silently():
    act = ACTIVATIONS.build("exp")
    z = np.array([-1e4, 0.0, 1e4])
    a = act.forward(z)
    assert_array_equal(a, [0.0, 1.0, np.inf])
    assert_array_equal(act.derivative(z, a), a)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tails_are_relative_accurate(dtype):
    big = 1e4
    logistic = ACTIVATIONS.build("sigmoid")
    softplus = ACTIVATIONS.build("softplus")
    loco = ACTIVATIONS.build("loco")
    x = np.array([-80.0, -30.0, 30.0], dtype=dtype)
    assert_allclose(
        logistic.forward(x), 1 / (1 + np.exp(-x.astype(np.float64))), rtol=1e-6
    )
    assert_allclose(
        softplus.forward(x), np.log1p(np.exp(x.astype(np.float64))), rtol=1e-6
    )
    assert softplus.forward(np.array([big], dtype))[0] == big
    assert_allclose(
        loco.forward(np.array([-big, big], dtype)), big - math.log(2), rtol=1e-7
    )
    tiny = np.array([1e-4, 1e-8, 1e-18], dtype=dtype)  # x²/2 still a normal float32
    assert_allclose(loco.forward(tiny), tiny.astype(np.float64) ** 2 / 2, rtol=1e-6)
    gelu, mish = ACTIVATIONS.build("gelu"), ACTIVATIONS.build("mish")
    assert_array_equal(gelu.forward(np.array([-big, big], dtype)), [0.0, big])
    assert_array_equal(mish.forward(np.array([-big, big], dtype)), [0.0, big])


# --- SPEC §1 properties ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["abs", "softabs", "loco", "twist"])
@PROPERTY
@given(data=st.data())
def test_abs_family_is_even_with_odd_derivative(name, data):
    entry = ACTIVATIONS.resolve(name)
    act = entry.build(**_draw_params(entry, data))
    z = data.draw(arrays_of_any_float_dtype())
    assert_array_equal(act.forward(-z), act.forward(z))
    assert_array_equal(
        act.derivative(-z, act.forward(-z)), -act.derivative(z, act.forward(z))
    )


@PROPERTY
@given(k=steepness, x=finite_floats(np.float64, max_magnitude=1e12))
def test_softabs_has_oblique_asymptotes(k, x):
    """kx²/(1+|kx|) − (|x| − 1/k) = 1/(k(1+|kx|)): below 1/(k²|x|) and positive."""
    if abs(k * x) < 1e3:
        return
    f = ACTIVATIONS.build({"name": "softabs", "k": k}).forward(np.array([x]))[0]
    gap = f - (abs(x) - 1 / k)
    assert gap <= 1 / (k * k * abs(x)) + 4e-16 * abs(x)
    assert gap >= -4e-16 * abs(x)


@PROPERTY
@given(z=finite_arrays(np.float64))
def test_tanh_is_twice_logistic_of_twice_minus_one(z):
    tanh = ACTIVATIONS.build("TanH").forward(z)
    logistic2 = ACTIVATIONS.build({"name": "logistic", "k": 2.0}).forward(z)
    assert_allclose(tanh, 2 * logistic2 - 1, rtol=1e-14, atol=5e-16)


@PROPERTY
@given(z=arrays_of_any_float_dtype(), alpha=unit_alpha)
def test_leaky_relu_special_cases_and_max_form(z, alpha):
    leaky = ACTIVATIONS.build({"name": "leakyReLU", "alpha": alpha})
    assert_array_equal(leaky.forward(z), np.maximum(alpha * z, z))
    assert_array_equal(
        ACTIVATIONS.build({"name": "leaky_relu", "alpha": 0.0}).forward(z),
        ACTIVATIONS.build("relu").forward(z),
    )
    assert_array_equal(
        ACTIVATIONS.build({"name": "leaky_relu", "alpha": 1.0}).forward(z), z
    )


# --- softmax --------------------------------------------------------------------------


def test_softmax_rows_are_distributions_invariant_to_shifts(rng):
    sm = ACTIVATIONS.build("softmax")
    z = rng.normal(0, 5, (8, 6))
    p = sm.forward(z)
    assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    assert (p > 0).all() and (p < 1).all()
    shift = rng.integers(-1000, 1000, (8, 1)).astype(np.float64)
    assert_allclose(sm.forward(z + shift), p, rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_does_not_overflow(dtype):
    sm = ACTIVATIONS.build("Softmax")
    z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    p = sm.forward(z)
    assert p.dtype == dtype
    assert_allclose(p, [[1, 0, 0], [1 / 3] * 3, [1 / 3] * 3], rtol=1e-6)


NON_ELEMENTWISE = [e for e in BUILTINS if not e.build().elementwise]


@pytest.mark.parametrize("entry", NON_ELEMENTWISE, ids=lambda e: e.name)
def test_non_elementwise_backprop_is_jacobian_transpose_product(entry, rng):
    """Full Jacobian, column by column, by central differences in float64."""
    act = entry.build()
    z = rng.normal(0, 2, (3, 4))
    da = rng.standard_normal(z.shape)
    got = act.backprop(z, act.forward(z), da.copy())
    for b in range(z.shape[0]):
        jac = np.empty((4, 4))
        for j in range(4):
            step = np.zeros_like(z)
            step[b, j] = 1e-6
            jac[:, j] = (act.forward(z + step)[b] - act.forward(z - step)[b]) / 2e-6
        assert_allclose(got[b], jac.T @ da[b], rtol=1e-7, atol=1e-9)


def test_softmax_jacobian_is_spec_formula(rng):
    sm = ACTIVATIONS.build("softmax")
    z = rng.normal(size=(1, 5))
    p = sm.forward(z)[0]
    v = rng.standard_normal(5)
    jac = np.diag(p) - np.outer(p, p)  # p_j(δ_ij − p_i), symmetric
    assert_allclose(sm.backprop(z, p[None], v[None].copy())[0], jac.T @ v, rtol=1e-12)
    assert_allclose(sm.derivative(z, p[None])[0], np.diag(jac), rtol=1e-12)


# --- names, parameters, value semantics -----------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("TanH", "tanh"),
        ("leakyReLU", "leaky_relu"),
        ("Leaky-ReLU", "leaky_relu"),
        ("sigmoid", "logistic"),
        ("LOCo", "loco"),
        ("SoftPlus", "softplus"),
        ("SoftAbs", "softabs"),
        ("ModifiedHeaviside", "modified_heaviside"),
        ("linear", "identity"),
        ("RELU", "relu"),
    ],
)
def test_course_names_resolve(spelling, name):
    assert ACTIVATIONS.resolve(spelling).name == name


@pytest.mark.parametrize(
    ("typo", "suggestions"), [("sofplus", {"softplus"}), ("tanhh", {"tanh"})]
)
def test_unknown_name_lists_close_matches(typo, suggestions):
    with pytest.raises(RegistryError) as info:
        ACTIVATIONS.resolve(typo, key="model.activation")
    message = str(info.value)
    assert typo in message and "model.activation" in message
    assert all(s in message for s in suggestions)
    assert "nnexp list activations" in message


@pytest.mark.parametrize(
    ("name", "params", "bad"),
    [
        ("softplus", {"k": 0}, "k"),
        ("tanh", {"k": -1.0}, "k"),
        ("logistic", {"k": float("nan")}, "k"),
        ("softsign", {"k": "2"}, "k"),
        ("loco", {"k": True}, "k"),
        ("leaky_relu", {"alpha": float("inf")}, "alpha"),
        ("abs", {"alpha": -0.5}, "alpha"),
        ("elu", {"alpha": -1.0}, "alpha"),
    ],
)
def test_invalid_parameters_are_refused_with_the_parameter_named(name, params, bad):
    with pytest.raises(RegistryError, match=bad):
        ACTIVATIONS.build({"name": name, **params})


def test_unknown_parameter_suggests_the_real_one():
    with pytest.raises(RegistryError, match="alpha"):
        ACTIVATIONS.build({"name": "leaky_relu", "alpah": 0.1})


def test_activations_are_frozen_slotted_values():
    act = ACTIVATIONS.build({"name": "softplus", "k": 2})
    assert act.k == 2.0 and isinstance(act.k, float)  # ints from YAML become floats
    assert act == ACTIVATIONS.build({"name": "SoftPlus", "k": 2.0})
    assert hash(act) == hash(ACTIVATIONS.build({"name": "softplus", "k": 2.0}))
    assert not hasattr(act, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        act.k = 3.0  # type: ignore[misc]
