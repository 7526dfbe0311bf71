"""Built-in 2-D objectives and user formulas (nnexp/teaching/objectives.py)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from nnexp.errors import RegistryError
from nnexp.teaching.objectives import (
    OBJECTIVES,
    Expression,
    Quadratic,
    TwoBump,
    central_difference,
    compile_expression,
)

BUILTINS = {
    "two_bump": {},
    "quadratic": {"Q": [[2.0, -0.7], [-0.7, 5.0]], "b": [1.0, -3.0]},
    "rosenbrock": {"a": 1.5, "b": 80.0},
    "himmelblau": {},
}


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_gradient_matches_central_differences(name, rng):
    objective = OBJECTIVES.build({"name": name, **BUILTINS[name]})
    for w in rng.uniform(-2.5, 2.5, size=(20, 2)):
        expected = central_difference(objective, w, eps=1e-6)
        assert_allclose(objective.gradient(w), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", BUILTINS)
def test_value_on_a_grid_equals_pointwise_values(name, rng):
    objective = OBJECTIVES.build({"name": name, **BUILTINS[name]})
    W1, W2 = rng.uniform(-2, 2, size=(2, 4, 5))
    grid = objective.value(W1, W2)
    assert grid.shape == (4, 5)
    pointwise = [
        [objective(np.array([a, b])) for a, b in zip(r1, r2, strict=True)]
        for r1, r2 in zip(W1, W2, strict=True)
    ]
    assert_allclose(grid, pointwise, rtol=1e-13)


def test_two_bump_is_the_course_formula_with_a_saddle_at_half_half():
    f = TwoBump()
    w1, w2 = 0.3, -0.4
    expected = np.exp(-(w1**2) - 2 * (w2 - 1) ** 2) + np.exp(
        -((w1 - 1) ** 2) - 2 * w2**2
    )
    assert f(np.array([w1, w2])) == pytest.approx(expected, rel=1e-15)
    assert_allclose(f.gradient(np.array([0.5, 0.5])), [0.0, 0.0], atol=1e-15)


def test_quadratic_optimum_is_at_q_inverse_b():
    q = Quadratic(Q=[[4.0, 1.0], [1.0, 3.0]], b=[1.0, 2.0])
    theta = np.linalg.solve([[4.0, 1.0], [1.0, 3.0]], [1.0, 2.0])
    assert_allclose(q.stationary_point(), theta)
    assert_allclose(q.gradient(theta), [0.0, 0.0], atol=1e-14)
    assert q.optimum("minimise") == pytest.approx(q(theta), rel=1e-14)
    assert q.optimum("maximise") is None  # positive definite: no maximum
    lam = np.linalg.eigvalsh([[4.0, 1.0], [1.0, 3.0]])
    assert q.condition_number() == pytest.approx(lam[1] / lam[0])


def test_quadratic_exact_step_minimises_along_the_gradient(rng):
    q = Quadratic(Q=[[3.0, 0.5], [0.5, 1.0]], b=[0.5, -1.0])
    w = rng.normal(size=2)
    g = q.gradient(w)
    lam = q.exact_step(g)
    # the derivative of f(w − λg) in λ is −gᵀ∇f(w − λg): zero at the exact step
    assert g @ q.gradient(w - lam * g) == pytest.approx(0.0, abs=1e-12)
    assert q(w - lam * g) < min(q(w - 0.9 * lam * g), q(w - 1.1 * lam * g))


def test_quadratic_must_be_symmetric_2x2():
    with pytest.raises(ValueError, match="symmetric"):
        Quadratic(Q=[[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="2×2"):
        Quadratic(Q=[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def test_expression_with_given_gradient_formulas(rng):
    f = Expression(
        "sin(w1) * w2**2 + exp(-w1)",
        grad=["cos(w1) * w2**2 - exp(-w1)", "2 * sin(w1) * w2"],
    )
    for w in rng.uniform(-2, 2, size=(5, 2)):
        assert f(w) == pytest.approx(
            np.sin(w[0]) * w[1] ** 2 + np.exp(-w[0]), rel=1e-14
        )
        assert_allclose(f.gradient(w), central_difference(f, w), rtol=1e-6, atol=1e-8)


def test_expression_gradient_by_central_differences(rng):
    f = Expression("w1**2 + 3 * w1 * w2 + hypot(w1, 2)")
    for w in rng.uniform(-2, 2, size=(5, 2)):
        exact = [2 * w[0] + 3 * w[1] + w[0] / np.hypot(w[0], 2), 3 * w[0]]
        assert_allclose(f.gradient(w), exact, rtol=1e-7, atol=1e-7)


def test_constant_expression_broadcasts_over_a_grid():
    assert Expression("2 * pi").value(np.zeros((3, 4)), np.ones((3, 4))).shape == (3, 4)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("__import__('os').system('true')", "'__import__' is not allowed"),
        ("open('/etc/passwd')", "'open' is not allowed"),
        ("w1.__class__", "attribute access"),
        ("(lambda: 1)()", "called by name"),
        ("w1 + x", "'x' is not allowed"),
        ("w1[0]", "Subscript is not allowed"),
        ("'text'", "only numbers"),
        ("w1 +", "not valid"),
        ("sin(w1, w2)", "sin takes exactly 1 argument"),  # w2 would be `out`
        ("hypot(w1)", "hypot takes exactly 2 argument"),
        ("exp(w1, out=w2)", "no keywords"),
    ],
)
def test_forbidden_or_broken_expressions_are_refused(text, fragment):
    with pytest.raises(ValueError, match=None) as err:
        Expression(text)
    assert fragment in str(err.value)


def test_refused_before_anything_runs(tmp_path):
    marker = tmp_path / "written"
    with pytest.raises(ValueError):
        compile_expression(f"open({str(marker)!r}, 'w')")
    assert not marker.exists()


def test_huge_integer_powers_overflow_instead_of_hanging():
    with np.errstate(over="ignore"):
        assert Expression("9**9**9").value(np.float64(0), np.float64(0)) == np.inf


def test_unknown_objective_lists_close_names():
    with pytest.raises(RegistryError, match="two_bump"):
        OBJECTIVES.build("two_bumpp")
