"""The finite-difference tools' numbers and the check report's every cell.

Primitives: the steps actually taken (recorded by the loss), a zero direction, and
refusals that name what they got.  Reports: a planted error gives exactly the
expected worst point, counts and errors; non-finite values, overflow skips, failing
finite/contract/backprop rows and the kink hint give exactly the expected messages;
``report_lines`` renders a hand-made report to the character.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from nnexp.engine.gradcheck import (
    BACKPROP,
    CONTRACT,
    FINITE,
    KINK_HINT,
    LARGE,
    RANDOM,
    SMALL,
    WHOLE,
    ActivationReport,
    CheckRow,
    central_difference,
    check_activation,
    directional_derivative,
    numerical_gradient,
    report_lines,
)


def rows_of(report):
    return {row.region: row for row in report.rows}


# --- primitives -----------------------------------------------------------------------


def test_numerical_gradient_steps_by_eps_times_max_1_and_p():
    p = np.array([1.5, -0.25, 40.0])
    seen = []

    def loss():
        seen.append(p.copy())
        return float(3.0 * p.sum())

    grad = numerical_gradient(loss, p, eps=1e-6)
    steps = [1.5e-6, 1e-6, 4e-5]
    for i, h in enumerate(steps):
        up, down = seen[2 * i], seen[2 * i + 1]
        assert up[i] - p[i] == pytest.approx(h, rel=1e-6)
        assert p[i] - down[i] == pytest.approx(h, rel=1e-6)
    assert grad == pytest.approx([3.0, 3.0, 3.0], rel=1e-6)


def test_central_difference_steps_by_eps_times_max_1_and_z():
    seen = []

    def f(z):
        seen.append(z.copy())
        return z

    central_difference(f, np.array([0.5, 1.5, -8.0]), eps=1e-6)
    assert (seen[0] - np.array([0.5, 1.5, -8.0])) == pytest.approx(
        [1e-6, 1.5e-6, 8e-6], rel=1e-6
    )


def test_central_difference_of_an_overflowing_function_is_silent():
    """exp at 800 overflows to inf on both sides, and inf − inf is NaN: no warning
    (pytest turns RuntimeWarning into an error)."""
    assert np.isnan(central_difference(np.exp, np.array([800.0]))[0])


def test_directional_derivative_steps_by_eps_times_max_1_and_p_over_max_d():
    params = {"W": np.array([[0.5, -1.5]]), "e": np.zeros(0)}
    direction = {"W": np.array([[0.25, -0.5]]), "e": np.zeros(0)}
    seen = []

    def loss():
        seen.append(params["W"].copy())
        return float(2.0 * params["W"].sum())

    value = directional_derivative(loss, params, direction, eps=1e-6)
    h = 1e-6 * 1.5 / 0.5
    assert (seen[0] - [[0.5, -1.5]]) == pytest.approx(h * direction["W"], rel=1e-6)
    assert (seen[1] - [[0.5, -1.5]]) == pytest.approx(-h * direction["W"], rel=1e-6)
    assert value == pytest.approx(2.0 * (0.25 - 0.5), rel=1e-6)


def test_a_zero_direction_has_derivative_0_without_evaluating_the_loss():
    def loss():
        raise AssertionError("not evaluated")

    params = {"W": np.ones(3)}
    assert directional_derivative(loss, params, {"W": np.zeros(3)}) == 0.0


def test_the_refusal_names_the_parameter_and_what_it_got():
    message = (
        "param must be a float64 array (finite differences in float32 are too coarse"
        " to check anything), got "
    )
    with pytest.raises(ValueError) as info:
        numerical_gradient(lambda: 0.0, [1.0, 2.0])
    assert str(info.value) == message + "list"
    with pytest.raises(ValueError) as info:
        numerical_gradient(lambda: 0.0, np.zeros(2, np.float32))
    assert str(info.value) == message + "float32"
    params = {"W": np.zeros(2, np.float32)}
    with pytest.raises(ValueError, match=r"^params\['W'\] must be a float64 array"):
        directional_derivative(lambda: 0.0, params, {"W": np.ones(2)})


# --- what a failing region row says ----------------------------------------------------


class OffAbove2:
    """tanh whose derivative is 1e-3 too large for x > 2."""

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - np.tanh(z) ** 2 + 1e-3 * (z > 2)


def points(region, seed=0):
    """The points of ``region`` in a check with ``rng`` seeded ``seed`` (a spy)."""

    class Spy(OffAbove2):
        def derivative(self, z, a):
            seen.append(z.copy())
            return super().derivative(z, a)

    seen: list[np.ndarray] = []
    check_activation(Spy(), rng=np.random.default_rng(seed))
    return seen[[RANDOM, WHOLE, LARGE, SMALL].index(region)]


def test_a_planted_error_gives_the_worst_point_the_count_and_the_errors():
    report = check_activation(OffAbove2())
    row = rows_of(report)[RANDOM]
    x = points(RANDOM)
    numeric = central_difference(np.tanh, x)
    analytic = OffAbove2().derivative(x, None)
    err = np.abs(analytic - numeric)
    wrong = x > 2
    worst = int(np.argmax(np.where(wrong, x, -np.inf)))  # smallest f': largest x
    assert row.points == 200 and not row.passed
    assert row.max_abs_error == pytest.approx(err.max(), rel=1e-12)
    assert row.max_rel_error == pytest.approx((err / np.abs(numeric)).max(), rel=1e-12)
    assert row.message == (
        f"{int(wrong.sum())} of 200 points outside tolerance, worst at"
        f" x = {x[worst]:.6g}: analytic {analytic[worst]:.6g}"
        f" vs numeric {numeric[worst]:.6g}"
    )


def test_a_passing_row_reports_its_errors_and_no_message():
    row = rows_of(check_activation(OffAbove2()))[SMALL]
    assert row.passed and row.message == "" and row.points == 61
    assert 0.0 <= row.max_abs_error < 1e-8 and row.max_rel_error < 1e-5


class NanAbove2:
    """tanh whose derivative is NaN for x > 2 (and which does not overflow)."""

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return np.where(z > 2, np.nan, 1 - np.tanh(z) ** 2)


def test_a_non_finite_derivative_names_its_first_point():
    row = rows_of(check_activation(NanAbove2()))[RANDOM]
    x = points(RANDOM)
    i = int(np.argmax(x > 2))
    numeric = central_difference(np.tanh, x[i : i + 1])[0]
    assert row == CheckRow(
        RANDOM,
        200,
        None,
        None,
        False,
        f"not finite at x = {x[i]:.6g}: analytic nan, numeric {numeric:.6g}",
    )


class Cliff:
    """The identity up to 500, +inf beyond (an activation that may overflow), with a
    derivative that is wrong (1.5) beyond 300."""

    overflows = True

    def forward(self, z):
        return np.where(z > 500, np.inf, z)

    def derivative(self, z, a):
        return np.where(z > 500, np.inf, np.where(z > 300, 1.5, 1.0))


def test_overflow_skips_are_counted_before_the_failures():
    row = rows_of(check_activation(Cliff()))[LARGE]
    x = points(LARGE)
    skipped = x + 2e-6 * np.abs(x) > 500
    wrong = (x > 300) & ~skipped
    kept = 100 - int(skipped.sum())
    assert skipped.sum() > 0 and wrong.sum() > 0
    assert row.points == kept and not row.passed
    found = re.fullmatch(
        f"{int(skipped.sum())} points skipped where f overflows;"
        f" {int(wrong.sum())} of {kept} points outside tolerance,"
        r" worst at x = ([\d.]+): analytic 1.5 vs numeric 1",
        row.message,
    )
    assert found, row.message
    assert np.isclose(x[wrong], float(found.group(1)), rtol=1e-5).any()


class Ceiling:
    """The identity up to |x| = 50, +inf beyond; its derivative is right."""

    overflows = True

    def forward(self, z):
        return np.where(np.abs(z) > 50, np.inf, z)

    def derivative(self, z, a):
        return np.where(np.abs(z) > 50, np.inf, 1.0)


def test_a_region_that_overflows_everywhere_passes_with_no_points_left():
    rows = rows_of(check_activation(Ceiling()))
    assert rows[LARGE] == CheckRow(
        LARGE,
        0,
        None,
        None,
        True,
        "100 points skipped where f overflows; no points left",
    )
    whole = rows[WHOLE]
    skipped = int((np.abs(points(WHOLE)) * (1 + 2e-6) > 50).sum())
    assert whole.passed and whole.points == 200 - skipped
    assert whole.message == f"{skipped} points skipped where f overflows"


class PlainExp:
    """e^x computed without silencing numpy: the check itself must keep it quiet."""

    overflows = True

    def forward(self, z):
        return np.exp(z)

    def derivative(self, z, a):
        return np.exp(z)


def test_the_check_silences_an_activations_overflow():
    report = check_activation(PlainExp())
    assert report.passed, report.failures
    assert "skipped where f overflows" in rows_of(report)[LARGE].message


class Raises:
    def forward(self, z):
        raise RuntimeError("boom")

    def derivative(self, z, a):
        return z


def test_an_exception_is_a_failed_row_of_no_points_and_the_scale_falls_back_to_1():
    report = check_activation(Raises())
    for region in (RANDOM, WHOLE, LARGE, SMALL):
        assert rows_of(report)[region] == CheckRow(
            region, 0, None, None, False, "raised RuntimeError: boom"
        )
    assert rows_of(report)[CONTRACT].message == (
        "float32: raised RuntimeError: boom; float64: raised RuntimeError: boom"
    )
    assert report.scale == 1.0


# --- the kink hint ---------------------------------------------------------------------


class LeakyRightAt0:
    """A correct leaky ReLU without ``kinks`` whose f'(0) is the right-hand slope."""

    def forward(self, z):
        return np.maximum(z, 0.1 * z)

    def derivative(self, z, a):
        return np.where(z >= 0, 1.0, 0.1)


def test_the_kink_hint_compares_the_sides_not_the_point_0():
    row = rows_of(check_activation(LeakyRightAt0()))[SMALL]
    assert not row.passed and row.message.endswith(f"; {KINK_HINT}")
    assert re.match(r"\d+ of 61 points outside tolerance, worst at x = ", row.message)


class WrongSlope:
    """f = k·x with the derivative 1.5·k: wrong everywhere, no jump anywhere."""

    def __init__(self, k=1.0, kinks=()):
        self.k, self.kinks = k, kinks

    def forward(self, z):
        return self.k * z

    def derivative(self, z, a):
        return np.full_like(z, 1.5 * self.k)


def test_a_wrong_slope_without_a_jump_gets_no_hint():
    row = rows_of(check_activation(WrongSlope()))[SMALL]
    assert not row.passed and "kinks" not in row.message


class SteepAwayFrom0:
    """f = x with the derivative 1 + 2e7·|x|: wrong wherever |x| ≫ 1e-12, yet equal
    to 1e-3 at the points nearest 0 on both sides (no jump at 0), which points farther
    out (as the first of each side in sample order) are not."""

    def forward(self, z):
        return z.copy()

    def derivative(self, z, a):
        return 1.0 + 2e7 * np.abs(z)


def test_the_hint_compares_the_points_nearest_0_on_each_side():
    row = rows_of(check_activation(SteepAwayFrom0()))[SMALL]
    x = points(SMALL)
    right, left = x[x > 0], x[x < 0]
    assert 2e7 * max(right.min(), -left.max()) < 1e-3  # nearest: f' within 1e-3
    assert 2e7 * min(right[0], -left[0]) > 2e-3  # the first of each side: not
    assert not row.passed and "kinks" not in row.message


class SmallJump:
    """f = 100·x whose derivative is 0.05 too small below 0: a jump of 5e-4 of the
    slope 100, below the 1e-3·scale a kink needs."""

    def forward(self, z):
        return 100.0 * z

    def derivative(self, z, a):
        return np.where(z < 0, 99.95, 100.0)


def test_a_jump_smaller_than_a_thousandth_of_the_scale_is_no_kink():
    report = check_activation(SmallJump())
    assert report.scale == pytest.approx(100.0, rel=1e-6)
    row = rows_of(report)[SMALL]
    assert not row.passed and "kinks" not in row.message


# --- the scale -------------------------------------------------------------------------


@pytest.mark.parametrize(("slope", "scale"), [(0.5, 0.5), (0.0, 1.0), (3.0, 3.0)])
def test_the_scale_is_the_largest_slope_on_the_random_region_or_1(slope, scale):
    class Line:
        def forward(self, z):
            return slope * z

        def derivative(self, z, a):
            return np.full_like(z, slope)

    report = check_activation(Line())
    assert report.passed and report.scale == pytest.approx(scale, rel=1e-8)


def test_no_finite_slope_on_the_random_region_gives_the_scale_1():
    class Nan:
        def forward(self, z):
            return np.full_like(z, np.nan)

        def derivative(self, z, a):
            return np.full_like(z, np.nan)

    report = check_activation(Nan())
    assert report.scale == 1.0 and not report.passed


# --- rows of 5 --------------------------------------------------------------------------


class OffsetRows:
    """z + 1e6 on rows of 5: f is large, so the reference's rounding (about
    1e6·ε/h ≈ 2e-4) is far above rtol; only the rounding floor M/h lets it pass."""

    elementwise = False

    def forward(self, z):
        return z + 1e6

    def derivative(self, z, a):
        return np.ones_like(z)

    def backprop(self, z, a, da):
        return da.copy()


def test_rows_with_a_large_f_pass_by_the_rounding_floor():
    report = check_activation(OffsetRows())
    assert report.passed, report.failures


class HalfBackprop:
    """tanh on rows with a backprop that forgets a factor ½ everywhere."""

    elementwise = False

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - a * a

    def backprop(self, z, a, da):
        return 0.5 * da * (1 - a * a)


def test_a_failing_row_of_5_names_the_row_by_its_largest_z():
    row = rows_of(check_activation(HalfBackprop()))[RANDOM]
    assert not row.passed and row.points == 40
    assert "points outside tolerance, worst at the row with max |z| = " in row.message


class HalfBackpropCliff(HalfBackprop):
    """The same, overflowing to inf where |z| > 50 (rows that reach it are skipped)."""

    overflows = True

    def forward(self, z):
        return np.where(np.abs(z) > 50, np.inf, np.tanh(z))


def test_skipped_rows_keep_their_label():
    row = rows_of(check_activation(HalfBackpropCliff()))[WHOLE]
    assert not row.passed
    assert "points skipped where f overflows; " in row.message
    assert "worst at the row with max |z| = " in row.message


# --- the finite, contract and backprop rows ---------------------------------------------


class InfAbove1e30:
    """The identity, but +inf for x > 1e30 without any warning (and not declared as
    overflowing); its derivative is 1 and also inf there."""

    def forward(self, z):
        return np.where(z > 1e30, np.inf, z).astype(z.dtype)

    def derivative(self, z, a):
        return np.where(z > 1e30, np.inf, 1.0).astype(z.dtype)


def test_the_finite_row_names_each_dtype_output_and_first_bad_point():
    row = rows_of(check_activation(InfAbove1e30()))[FINITE]
    first = {}
    for dt in (np.float32, np.float64):
        fi = np.finfo(dt)
        mags = np.logspace(-30.0, np.log10(float(fi.max) / 10.0), 47).astype(dt)
        first[dt] = float(mags[mags > 1e30][0])
    parts = []
    for dt, name in ((np.float32, "float32"), (np.float64, "float64")):
        for label in ("f", "f'", "backprop"):
            parts.append(f"{name}: {label} = inf at x = {first[dt]:.4g}")
    assert row == CheckRow(FINITE, 200, None, None, False, "; ".join(parts))


class Shapeless:
    """A derivative that gives one NaN instead of an array of the input's shape."""

    def forward(self, z):
        return z.copy()

    def derivative(self, z, a):
        return np.array([np.nan])


def test_a_bad_output_of_another_shape_has_no_location():
    message = rows_of(check_activation(Shapeless()))[FINITE].message
    assert message.startswith("float32: f' = nan; float32: backprop = nan")


class FloatingPointTrouble:
    """Finite results computed through an invalid operation (float32) or a division
    by zero (float64): the finite row reports the floating-point error itself."""

    def forward(self, z):
        return z.copy()

    def derivative(self, z, a):
        if z.dtype == np.float32:
            return np.nan_to_num(np.sqrt(-1.0 - np.abs(z))) + 1
        return np.nan_to_num(1.0 / (0.0 * z)) * 0.0 + 1


def test_floating_point_errors_are_reported_in_each_dtype():
    row = rows_of(check_activation(FloatingPointTrouble()))[FINITE]
    assert row.message == (
        "float32: raised FloatingPointError: invalid value encountered in sqrt;"
        " float64: raised FloatingPointError: divide by zero encountered in divide"
    )


class Contract:
    """Contract breaches: a Python float for f', a float64 backprop for float32
    input, and f' computed in a that it overwrites."""

    def __init__(self, breach):
        self.breach = breach

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        if self.breach == "float" and z.ndim == 2:  # the contract row's (4, 5) input
            return 1.0
        if self.breach == "overwrite":
            a *= a
            np.subtract(1, a, out=a)
            return a
        return 1 - a * a

    def backprop(self, z, a, da):
        return (da * self.derivative(z, a)).astype(np.float64)


def test_contract_messages_name_the_method_and_what_it_gave():
    message = rows_of(check_activation(Contract("float")))[CONTRACT].message
    assert message.startswith("derivative gave None None for float32 (4, 5)")
    message = rows_of(check_activation(Contract("float64")))[CONTRACT].message
    assert message == "backprop gave float64 (4, 5) for float32 (4, 5)"
    message = rows_of(check_activation(Contract("overwrite")))[CONTRACT].message
    assert message == (
        "backprop gave float64 (4, 5) for float32 (4, 5);"
        " the forward output a (float32) was modified by derivative/backprop;"
        " the forward output a (float64) was modified by derivative/backprop"
    )


def test_a_right_backprop_row_has_200_points_error_0_and_no_message():
    class Tanh:
        def forward(self, z):
            return np.tanh(z)

        def derivative(self, z, a):
            return 1 - a * a

        def backprop(self, z, a, da):
            da *= 1 - a * a
            return da

    row = rows_of(check_activation(Tanh()))[BACKPROP]
    assert row == CheckRow(BACKPROP, 200, 0.0, None, True, "")


def test_a_wrong_backprop_row_counts_the_points_that_differ():
    class Tanh2:
        def forward(self, z):
            return np.tanh(z)

        def derivative(self, z, a):
            return 1 - a * a

        def backprop(self, z, a, da):
            return da * (1 - a)

    row = rows_of(check_activation(Tanh2()))[BACKPROP]
    assert not row.passed and row.points == 200 and row.max_abs_error > 0.1
    assert row.message == "200 of 200 points differ"


def test_a_raising_backprop_is_a_failed_backprop_row():
    class Broken:
        def forward(self, z):
            return np.tanh(z)

        def derivative(self, z, a):
            return 1 - a * a

        def backprop(self, z, a, da):
            raise RuntimeError("nope")

    row = rows_of(check_activation(Broken()))[BACKPROP]
    assert row == CheckRow(BACKPROP, 0, None, None, False, "raised RuntimeError: nope")


# --- report_lines -----------------------------------------------------------------------


def test_report_lines_render_every_cell():
    report = ActivationReport(
        name="demo",
        dtype="float32",
        rtol=1e-4,
        scale=0.25,
        rows=(
            CheckRow("short", 12, 1.5e-7, None, True),
            CheckRow("a longer region", 3, None, 2e-3, False, "worst at x = 1"),
        ),
        passed=False,
    )
    assert report_lines(report) == [
        "demo in float32, tolerance rtol 0.0001 + 8·(ε64·max|f(x±h)|/h"
        " + ε_float32·scale), scale 0.25:",
        "     region          points  max abs, rel error  note",
        "pass short               12  1.50e-07 -        ",
        "FAIL a longer region      3  - 2.00e-03          worst at x = 1",
    ]
