"""Where ``check_activation`` samples, seen from the activation's side.

A spy activation records every array it is given, so each row's points can be read
back: the counts and ranges the region names promise (``random [-4, 4]``, ``near
kinks (1e-3 to 1e-1 away)``, ``whole range (|x| 1e-3 to 1e4, log-uniform)``, ``large
|x| (1e2 to 1e4)``, ``small |x| (< 1e-3)``), the kink gap, the extreme inputs of the
finite row, the contract row's inputs, and the dtype each is evaluated in.  A
stand-in generator of evenly spaced "draws" puts points at known places for the gap.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from nnexp.engine.gradcheck import (
    BACKPROP,
    CONTRACT,
    FINITE,
    KINK_GAP,
    LARGE,
    NEAR_KINKS,
    RANDOM,
    SMALL,
    WHOLE,
    check_activation,
)


class Spy:
    """tanh, recording the inputs of every ``forward`` and ``derivative`` call."""

    def __init__(self, kinks=()):
        self.kinks = kinks
        self.forwards: list[np.ndarray] = []
        self.derivatives: list[np.ndarray] = []

    def forward(self, z):
        self.forwards.append(np.array(z, copy=True))
        return np.tanh(z)

    def derivative(self, z, a):
        self.derivatives.append(np.array(z, copy=True))
        t = np.tanh(z)
        return 1 - t * t


class Midpoints:
    """A stand-in generator: ``uniform`` gives the midpoints of n equal cells of
    [low, high], ``choice`` alternates the signs −1, +1, ``standard_normal`` a fixed
    wave; every point a check samples is then known in advance."""

    def uniform(self, low, high, size):
        n = math.prod(np.atleast_1d(size))
        return (low + (high - low) * (np.arange(n) + 0.5) / n).reshape(size)

    def choice(self, a, size):
        return np.resize(np.asarray(a, dtype=float), size)

    def standard_normal(self, size):
        return np.cos(1.3 * np.arange(math.prod(np.atleast_1d(size))) + 0.2).reshape(
            size
        )


def rows_of(report):
    return {row.region: row for row in report.rows}


def test_the_regions_hold_the_points_their_names_promise():
    spy = Spy()
    report = check_activation(spy)
    assert report.passed
    # no kinks: the near-kinks region is empty and never evaluated; the finite and
    # contract rows ask for f' twice per dtype (derivative, then backprop from it)
    random, whole, large, small = spy.derivatives[:4]
    c32, c64 = spy.derivatives[8], spy.derivatives[10]
    assert len(spy.derivatives) == 12
    rows = rows_of(report)
    assert rows[NEAR_KINKS] == type(rows[NEAR_KINKS])(
        NEAR_KINKS, 0, None, None, True, "no kinks declared"
    )
    assert [rows[r].points for r in (RANDOM, WHOLE, LARGE, SMALL)] == [
        200,
        200,
        100,
        61,
    ]

    assert random.shape == (200,) and random.dtype == np.float64
    assert -4 <= random.min() < -3.9 and 3.9 < random.max() <= 4

    m = np.abs(whole)
    assert whole.shape == (200,) and 1e-3 <= m.min() < 2e-3 and 5e3 < m.max() <= 1e4
    decades = np.histogram(np.log10(m), bins=np.arange(-3, 5))[0]
    assert decades.min() >= 15 and decades.max() <= 45, decades  # ≈ 200/7 each
    assert 70 <= (whole < 0).sum() <= 130

    m = np.abs(large)
    assert large.shape == (100,) and 1e2 <= m.min() < 1.5e2 and 7e3 < m.max() <= 1e4
    assert len(np.unique(m)) == 100 and 30 <= (large < 0).sum() <= 70

    assert small.shape == (61,) and small[0] == 0.0
    m = np.abs(small[1:])
    assert 1e-12 <= m.min() < 1e-11 and 1e-4 < m.max() < 1e-3
    assert 15 <= (small < 0).sum() <= 45

    assert rows[FINITE].points == 200 and rows[CONTRACT].points == 40
    assert c32.shape == c64.shape == (4, 5)
    assert c32.dtype == np.float32 and c64.dtype == np.float64
    for z in (c32, c64):
        assert np.abs(z).max() <= 3.0 and len(np.unique(z)) == 20


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_the_finite_row_tries_0_the_smallest_numbers_and_up_to_a_tenth_of_max(dt):
    spy = Spy()
    check_activation(spy)
    x = spy.derivatives[4 if dt is np.float32 else 6]
    fi = np.finfo(dt)
    assert x.dtype == dt and x.shape == (100,)
    mags, neg = x[:50], x[50:]
    assert_array_equal(neg, -mags)
    assert mags[0] == 0.0 and np.signbit(neg[0])
    assert mags[1] == fi.smallest_subnormal and mags[2] == fi.tiny
    assert mags[-1] == dt(float(fi.max) / 10.0)
    expected = np.logspace(-30.0, math.log10(float(fi.max) / 10.0), 47)
    assert_allclose(mags[3:-1], expected[:-1].astype(dt), rtol=1e-6)
    assert np.all(np.diff(mags) > 0)


class RowSpy:
    """tanh treated as an activation on rows of 5 (not elementwise): records inputs,
    and the ``da`` given to ``backprop``, whose result needs ``z``."""

    elementwise = False

    def __init__(self):
        self.forwards: list[np.ndarray] = []
        self.das: list[np.ndarray] = []

    def forward(self, z):
        self.forwards.append(np.array(z, copy=True))
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - np.tanh(z) ** 2

    def backprop(self, z, a, da):
        self.das.append(np.array(da, copy=True))
        return da * (1 - np.tanh(z) ** 2)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rows_are_checked_in_unit_directions_with_a_step_scaled_to_the_row(dtype):
    spy = RowSpy()
    report = check_activation(spy, rng=Midpoints(), dtype=dtype)
    assert report.passed, report.failures
    # the random region: f(z + h·d), f(z − h·d), then f(z) for backprop's a
    up, down, z = spy.forwards[:3]
    v = spy.das[0]
    assert z.shape == (40, 5) and z.dtype == np.dtype(dtype)
    assert v.dtype == np.dtype(dtype)
    assert_allclose(np.linalg.norm(v.astype(float), axis=1), 1.0, rtol=1e-6)
    hd = (up - down) / 2
    h = 1e-6 * np.maximum(1.0, np.abs(z.astype(float)).max(axis=1))
    assert h.min() == 1e-6 and np.any((h > 1e-6) & (h < 2e-6))  # rows with max|z| < 2
    assert_allclose(np.linalg.norm(hd, axis=1), h, rtol=1e-6)
    # the finite row gives rows of 5 as well, in both dtypes
    finite = [f for f in spy.forwards if f.shape == (20, 5) and f[0, 0] == 0]
    assert [f.dtype for f in finite[:2]] == [np.float32, np.float64]


def test_an_elementwise_activation_gets_the_finite_rows_points_as_one_vector():
    spy = Spy()
    check_activation(spy)
    assert spy.derivatives[4].shape == (100,)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_each_region_and_the_backprop_row_use_the_checked_dtype(dtype):
    class WithBackprop(Spy):
        def backprop(self, z, a, da):
            self.das = [*getattr(self, "das", []), da]
            return da * self.derivative(z, a)

    spy = WithBackprop()
    report = check_activation(spy, dtype=dtype)
    assert report.passed and BACKPROP in rows_of(report)
    regions = spy.derivatives[:4]
    assert all(z.dtype == np.dtype(dtype) for z in regions)
    backprop_z = spy.derivatives[-1]
    assert backprop_z.shape == (200,) and backprop_z.dtype == np.dtype(dtype)
    assert spy.das[-1].dtype == np.dtype(dtype)


def test_near_kinks_both_sides_between_1e_3_and_1e_1_away():
    kink = 1.0205
    spy = Spy(kinks=(kink,))
    report = check_activation(spy, rng=Midpoints())
    random, near = spy.derivatives[:2]
    off = near - kink
    assert near.shape == (60,) and rows_of(report)[NEAR_KINKS].points == 60
    assert KINK_GAP <= np.abs(off).min() < 1.1e-3 and 0.09 < np.abs(off).max() <= 0.1
    assert (off < 0).sum() == (off > 0).sum() == 30
    # the random region's point 1.02 lies 5e-4 from the kink and is left out;
    # −1.02, as far from −kink, stays
    assert random.shape == (199,)
    assert np.abs(random - kink).min() >= KINK_GAP
    assert np.isclose(random, -1.02).any() and not np.isclose(random, 1.02).any()


def test_the_gap_grows_with_x_so_a_step_never_crosses_the_kink():
    """At |x| ≈ 5e3 the step of the check is 5e-3, so the gap is 4e-6·|x| ≈ 0.02:
    a large point 0.01 below a kink is left out although it is 10 gaps away."""
    exps = 2.0 + 2.0 * (np.arange(100) + 0.5) / 100  # the stand-in's large region
    x85 = 10.0 ** exps[85]  # sign + (odd index)
    spy = Spy(kinks=(x85 + 0.01,))
    check_activation(spy, rng=Midpoints())
    large = spy.derivatives[3]
    assert large.shape == (99,) and not np.isclose(large, x85, rtol=0, atol=1e-9).any()
    assert np.isclose(np.abs(large), 10.0 ** exps[84]).any()


def test_a_broken_kinks_property_counts_as_no_kinks():
    class BrokenKinks(Spy):
        @property
        def kinks(self):
            raise RuntimeError("no")

        @kinks.setter
        def kinks(self, value):
            pass

    report = check_activation(BrokenKinks())
    rows = rows_of(report)
    assert rows[NEAR_KINKS].message == "no kinks declared"
    assert rows[RANDOM].points == 200 and report.passed


def test_the_default_generator_is_seeded_with_0_and_a_given_one_is_used():
    spy = Spy()
    assert check_activation(spy) == check_activation(spy, rng=np.random.default_rng(0))
    assert check_activation(spy) != check_activation(spy, rng=np.random.default_rng(5))


def test_one_side_of_0_alone_gets_no_kink_hint():
    """A kink declared at 9e-4 leaves the small region only points below −1e-4, so a
    wrong slope there (1.5 for f = x) cannot be a jump at 0."""

    class WrongSlope:
        kinks = (9e-4,)

        def forward(self, z):
            return z.copy()

        def derivative(self, z, a):
            return np.full_like(z, 1.5)

    row = rows_of(check_activation(WrongSlope(), rng=Midpoints()))[SMALL]
    assert row.points > 0 and not row.passed and "kinks" not in row.message
    assert row.message.startswith(f"{row.points} of {row.points} points outside")
