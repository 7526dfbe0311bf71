"""check_activation returns rows, never raises, for two awkward activations: a
derivative returned as a Python float, and an empty sample for the backprop row."""

from __future__ import annotations

import numpy as np

from nnexp.engine.gradcheck import _backprop_row, check_activation


class ScalarSlope:
    """f(x) = 2x with f' returned as a float: right (slope 2) or wrong (slope 3)."""

    elementwise = True

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, z):
        return 2.0 * z

    def derivative(self, z, a):
        return self.slope

    def backprop(self, z, a, da):
        return da * self.derivative(z, a)


class Twice(ScalarSlope):
    """f(x) = 2x with f' as an array of the input's shape."""

    def __init__(self) -> None:
        super().__init__(2.0)

    def derivative(self, z, a):
        return np.full_like(z, 2.0)


def test_a_right_scalar_derivative_fails_only_the_shape_row():
    report = check_activation(ScalarSlope(2.0), name="twice")
    failed = [row.region for row in report.rows if not row.passed]
    assert len(failed) == 1 and failed[0].startswith("shape and dtype")
    assert all(row.max_abs_error in (None, 0.0) for row in report.rows)


def test_a_scalar_derivative_that_is_wrong_fails_with_rows_not_an_exception():
    report = check_activation(ScalarSlope(3.0), name="wrong")
    assert not report.passed
    failed = {row.region.split(" ")[0] for row in report.rows if not row.passed}
    # every differenced region sees slope 3 against f's 2, and says so
    assert {"random", "whole", "large", "small"} <= failed


def test_the_backprop_row_of_an_empty_sample_passes_with_no_points():
    # kinks that leave no point in the sampled range give an empty sample
    row = _backprop_row(
        ScalarSlope(2.0), np.empty(0), np.dtype(np.float64), np.random.default_rng(0)
    )
    assert (row.points, row.passed, row.max_abs_error) == (0, True, 0.0)
