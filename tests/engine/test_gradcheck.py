"""The finite-difference tools: exact on known functions, and able to say no.

Each ``check_activation`` failure test uses a real mistake (the course's softsign,
twist and softplus derivatives of SPEC §1, a cosh that overflows, a softmax backprop
that forgets the off-diagonal Jacobian) and asserts *which* rows fail.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from nnexp.engine.activations import ACTIVATIONS, Relu, Softmax
from nnexp.engine.gradcheck import (
    BACKPROP,
    CONTRACT,
    FINITE,
    LARGE,
    NEAR_KINKS,
    RANDOM,
    REGIONS,
    SMALL,
    TOLERANCES,
    WHOLE,
    ActivationReport,
    central_difference,
    check_activation,
    directional_derivative,
    numerical_gradient,
    report_lines,
)

BUILTINS = [e for e in ACTIVATIONS.entries() if e.source == "builtin"]
PLUGINS = Path(__file__).resolve().parents[1] / "fixtures" / "plugins"


def _rows(report: ActivationReport) -> dict:
    return {row.region: row for row in report.rows}


def _failed(report: ActivationReport) -> set[str]:
    return {row.region for row in report.failures}


# --- primitives -----------------------------------------------------------------------


def test_central_difference_of_sin_is_cos(rng):
    # |z| ≤ 4: the step is 1e-6, truncation error ~h²/6 ≈ 2e-13 (at |z| = 1e4 the
    # relative step would be 1e-2: fine for activations, too coarse for sin)
    z = rng.uniform(-4, 4, 200)
    assert_allclose(central_difference(np.sin, z), np.cos(z), atol=1e-9)


def test_central_difference_scales_its_step_with_z():
    """At |z| = 1e12 an absolute step of 1e-6 is below half an ulp (1.2e-4) and would
    give 0; the step eps·|z| gives the derivative 2z of z² to ~1e-9."""
    z = np.array([-1e12, 3e12, 0.5])
    assert_allclose(central_difference(np.square, z, eps=1e-6), 2 * z, rtol=1e-8)


def test_central_difference_returns_float64_for_float32_input():
    z = np.linspace(-1, 1, 5, dtype=np.float32)
    out = central_difference(np.exp, z)
    assert out.dtype == np.float64
    assert_allclose(out, np.exp(z.astype(np.float64)), rtol=1e-8)


def test_numerical_gradient_of_a_quadratic_and_restores_param(rng):
    A = rng.normal(size=(6, 6))
    A = A + A.T
    b = rng.normal(size=6)
    p = rng.normal(size=(2, 3))
    p0 = p.copy()

    def loss() -> float:
        v = p.ravel()
        return 0.5 * v @ A @ v + b @ v

    grad = numerical_gradient(loss, p)
    assert_allclose(grad.ravel(), A @ p0.ravel() + b, rtol=1e-7, atol=1e-8)
    assert grad.shape == p.shape
    assert_array_equal(p, p0)  # bit for bit


def test_numerical_gradient_perturbs_views_in_place(rng):
    """A non-contiguous parameter (a column slice) is perturbed where loss sees it."""
    big = rng.normal(size=(3, 4))
    view = big[:, ::2]
    grad = numerical_gradient(lambda: float((big**2).sum()), view)
    assert_allclose(grad, 2 * big[:, ::2], rtol=1e-7)


def test_numerical_gradient_restores_param_when_the_loss_raises():
    p = np.array([1.0, 2.0])
    calls = []

    def loss() -> float:
        calls.append(p.copy())
        raise RuntimeError("loss failed")

    with pytest.raises(RuntimeError, match="loss failed"):
        numerical_gradient(loss, p)
    assert_array_equal(p, [1.0, 2.0])
    assert calls[0][0] != 1.0  # it really was perturbed before the failure


def test_numerical_gradient_refuses_float32():
    with pytest.raises(ValueError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))


def test_directional_derivative_equals_gradient_dot_direction(rng):
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    saved = {k: v.copy() for k, v in params.items()}
    direction = {k: rng.normal(size=v.shape) for k, v in params.items()}

    def loss() -> float:
        return float((np.tanh(params["W"]) ** 2).sum() + np.exp(params["b"]).sum())

    grad = {
        "W": 2 * np.tanh(saved["W"]) * (1 - np.tanh(saved["W"]) ** 2),
        "b": np.exp(saved["b"]),
    }
    expected = sum(float((grad[k] * direction[k]).sum()) for k in params)
    assert directional_derivative(loss, params, direction) == pytest.approx(
        expected, rel=1e-7
    )
    for k in params:
        assert_array_equal(params[k], saved[k])


# --- check_activation: the built-ins pass ---------------------------------------------


@pytest.mark.parametrize("entry", BUILTINS, ids=lambda e: e.name)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_builtin_activation_passes(entry, dtype):
    report = check_activation(entry.build(), dtype=dtype, name=entry.name)
    assert report.passed, [r for r in report.failures]
    assert report.dtype == dtype
    assert report.rtol == TOLERANCES[dtype]
    regions = [row.region for row in report.rows]
    assert regions[:7] == [*REGIONS, FINITE, CONTRACT]
    assert (BACKPROP in regions) == entry.build().elementwise
    # the whole range is really sampled (exp skips where it overflows, |x| > 88)
    whole = _rows(report)[WHOLE]
    per_point = 1 if entry.build().elementwise else 5
    assert whole.points * per_point >= 150 and whole.max_abs_error is not None


# where f' underflows next to f (tanh, logistic, elu, selu at |x| 14-28 in float64;
# gelu, swish, mish, softplus in float32), only the rounding floor lets them pass
UNDERFLOW = {
    "float64": (["tanh", "logistic", "elu", "selu"], (14.0, 28.0)),
    "float32": (["gelu", "swish", "mish", "softplus"], (10.0, 110.0)),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("seed", range(5))
def test_builtins_pass_where_their_derivative_underflows(dtype, seed):
    """Many seeds of the whole-range row, which samples these tails; the points must
    include some where the error is far above the relative tolerance alone."""
    names, (low, high) = UNDERFLOW[dtype]
    for name in names:
        report = check_activation(
            ACTIVATIONS.build(name), dtype=dtype, rng=np.random.default_rng(seed)
        )
        assert report.passed, (name, report.failures)


@pytest.mark.parametrize(("name", "dtype"), [("tanh", "float64"), ("gelu", "float32")])
def test_a_pure_relative_tolerance_would_fail_those_tails(name, dtype):
    """Why the floor exists: in the tail the analytic and numeric derivatives differ
    by far more than rtol of the numeric one (rounding, not a wrong formula)."""
    act = ACTIVATIONS.build(name)
    x = (
        -np.geomspace(10.0, 30.0, 50)
        if dtype == "float32"
        else np.geomspace(14, 28, 50)
    )
    z = x.astype(dtype)
    numeric = central_difference(act.forward, z.astype(np.float64))
    analytic = act.derivative(z, act.forward(z)).astype(np.float64)
    err = np.abs(analytic - numeric)
    assert np.any(err > 10 * TOLERANCES[dtype] * np.abs(numeric))
    report = check_activation(act, dtype=dtype)
    assert report.passed, report.failures


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("softplus", {"k": 10.0}),
        ("leaky_relu", {"alpha": 0.3}),
        ("elu", {"alpha": 2.0}),
        ("swish", {"beta": 5.0}),
        ("softsign", {"k": 0.1}),
    ],
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_builtins_with_parameters_pass(name, params, dtype):
    entry = ACTIVATIONS.resolve(name)
    params = {k: v for k, v in params.items() if entry.param(k) is not None}
    report = check_activation(entry.build(**params), dtype=dtype)
    assert report.passed, report.failures


def test_report_is_plain_serialisable_data():
    report = check_activation(ACTIVATIONS.build("softplus"), name="softplus")
    data = dataclasses.asdict(report)
    assert json.loads(json.dumps(data))["rows"][0]["region"] == RANDOM
    assert data["passed"] is True and report.failures == ()


def test_default_rng_makes_the_check_reproducible():
    act = ACTIVATIONS.build("gelu")
    assert check_activation(act) == check_activation(act)


def test_relu_is_checked_away_from_its_kink():
    rows = _rows(check_activation(Relu()))
    assert rows[NEAR_KINKS].points > 0 and rows[NEAR_KINKS].passed
    assert rows[SMALL].points == 0 and "within 0.001 of a kink" in rows[SMALL].message


def test_an_undeclared_kink_is_differenced_and_fails():
    """The same relu without ``kinks``: x = 0 lies in the small region, where the
    central difference is ½ and the table's derivative 0."""

    class Hidden:
        def forward(self, z):
            return np.maximum(z, 0)

        def derivative(self, z, a):
            return (z > 0).astype(z.dtype)

    assert SMALL in _failed(check_activation(Hidden()))


def test_exp_skips_points_where_it_overflows():
    rows = _rows(check_activation(ACTIVATIONS.build("exp")))
    assert rows[LARGE].passed and "skipped where f overflows" in rows[LARGE].message
    assert rows[FINITE].passed


# --- check_activation: real mistakes fail ---------------------------------------------


class CourseSoftsign:
    """The course's derivative k/f(x)² (SPEC §1 correction: k/(1+|kx|)²)."""

    def forward(self, z):
        return z / (1 + np.abs(z))

    def derivative(self, z, a):
        with np.errstate(divide="ignore"):
            return 1 / a**2


class CourseTwist:
    """The course multiplied the second term by tanh once more."""

    def forward(self, z):
        return z * np.tanh(z)

    def derivative(self, z, a):
        t = np.tanh(z)
        return t + z * (1 - t**2) * t


class CourseSoftplus:
    """σ of the stored output instead of σ of the input."""

    def forward(self, z):
        return np.logaddexp(0, z)

    def derivative(self, z, a):
        return 1 / (1 + np.exp(-a))


class NaiveLoco:
    """log(cosh(x)) as written: right derivative, but cosh overflows."""

    def forward(self, z):
        return np.log(np.cosh(z))

    def derivative(self, z, a):
        return np.tanh(z)


@pytest.mark.parametrize(
    ("act", "failing"),
    [
        (CourseSoftsign(), {RANDOM, WHOLE, LARGE, SMALL, FINITE}),
        (CourseTwist(), {RANDOM, WHOLE, SMALL}),
        (CourseSoftplus(), {RANDOM, WHOLE, LARGE, SMALL}),
        (NaiveLoco(), {WHOLE, LARGE, FINITE}),
    ],
    ids=lambda x: type(x).__name__ if not isinstance(x, set) else "",
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_course_mistakes_fail_in_the_expected_regions(act, failing, dtype):
    report = check_activation(act, dtype=dtype)
    assert not report.passed
    expected = set(failing)
    if isinstance(act, NaiveLoco) and dtype == "float64":
        # cosh(x) rounds to 1 for |x| < 1e-8, so f = 0 there while tanh(x) is not:
        # a forward that has lost all its digits disagrees with the exact derivative
        expected.add(SMALL)
    assert _failed(report) == expected


def _fixture_plugin(name: str):
    """A class of tests/fixtures/plugins/ranges.py (imported as a plugin would be)."""
    return ACTIVATIONS.resolve(f"{PLUGINS / 'ranges.py'}:{name}").factory


@pytest.mark.parametrize("wrong", ["DoubleMidRange", "OnePercentOff"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_mistakes_only_at_moderate_x_fail_for_any_seed(wrong, dtype):
    """2x wrong only for 5 < |x| < 90, or 1 % off only for 4 < |x| < 100: no old row
    sampled there (random stops at 4, large starts at 100); the whole-range row does,
    with about 36 of its 200 points in (5, 90)."""
    act = _fixture_plugin(wrong)()
    assert check_activation(_fixture_plugin("Softsign")(), dtype=dtype).passed
    for seed in range(30):
        report = check_activation(act, dtype=dtype, rng=np.random.default_rng(seed))
        assert _failed(report) == {WHOLE}, (seed, report.failures)
        assert "outside tolerance" in _rows(report)[WHOLE].message


def test_an_undeclared_kink_fails_with_the_suggestion_to_declare_it():
    """A correct leaky ReLU without ``kinks``: only the small-|x| row fails, and says
    how to declare the kink; with ``kinks = (0.0,)`` it passes."""
    for dtype in ("float64", "float32"):
        report = check_activation(_fixture_plugin("LeakyNoKink")(), dtype=dtype)
        assert _failed(report) == {SMALL}
        assert "kinks = (0.0,)" in _rows(report)[SMALL].message
        assert check_activation(_fixture_plugin("Leaky")(), dtype=dtype).passed


def test_a_wrong_formula_near_0_gets_no_kink_suggestion():
    row = _rows(check_activation(CourseTwist()))[SMALL]
    assert not row.passed and "kinks" not in row.message


def test_report_lines_show_every_row_and_the_failing_note():
    report = check_activation(CourseTwist())
    lines = report_lines(report)
    assert "CourseTwist in float64" in lines[0] and "rtol 1e-05" in lines[0]
    body = "\n".join(lines[2:])
    assert len(lines) == 2 + len(report.rows)
    for row in report.rows:
        verdict = "pass" if row.passed else "FAIL"
        assert any(ln.startswith(f"{verdict} {row.region}") for ln in lines)
    assert "outside tolerance, worst at x =" in body


def test_a_failing_row_names_the_worst_point():
    row = _rows(check_activation(CourseTwist()))[RANDOM]
    assert "outside tolerance, worst at x = " in row.message
    assert row.max_abs_error > 1e-2 and row.max_rel_error > 1e-2


def test_overflow_is_reported_by_name():
    row = _rows(check_activation(NaiveLoco()))[FINITE]
    assert "overflow" in row.message and "float32" in row.message


def test_softmax_backprop_without_the_off_diagonal_terms_fails():
    class DiagonalSoftmax(Softmax):
        def backprop(self, z, a, da):
            return da * a * (1 - a)

    assert RANDOM in _failed(check_activation(DiagonalSoftmax()))


def test_exceptions_become_failed_rows_with_the_message():
    class Raises:
        def forward(self, z):
            raise RuntimeError("boom")

        def derivative(self, z, a):
            return z

    report = check_activation(Raises())
    assert not report.passed
    for region in (RANDOM, LARGE, SMALL, FINITE, CONTRACT):
        row = _rows(report)[region]
        assert not row.passed and "RuntimeError: boom" in row.message


def test_contract_violations_are_caught():
    class Upcasts:
        def forward(self, z):
            return np.tanh(z).astype(np.float64)

        def derivative(self, z, a):
            return 1 - a**2

    class Mutates:
        def forward(self, z):
            np.tanh(z, out=z)
            return z.copy()

        def derivative(self, z, a):
            return 1 - a**2

    upcast = _rows(check_activation(Upcasts()))[CONTRACT]
    assert not upcast.passed and "forward gave float64" in upcast.message
    mutate = _rows(check_activation(Mutates()))[CONTRACT]
    assert not mutate.passed and "input z" in mutate.message


def test_backprop_that_disagrees_with_derivative_fails():
    class Tanh2:
        def forward(self, z):
            return np.tanh(z)

        def derivative(self, z, a):
            return 1 - a**2

        def backprop(self, z, a, da):
            da *= 1 - a  # forgot the (1 + a) factor
            return da

    assert _failed(check_activation(Tanh2())) == {BACKPROP}


def test_dtype_must_be_float32_or_float64():
    with pytest.raises(ValueError, match="float32 or float64"):
        check_activation(Relu(), dtype=np.float16)
