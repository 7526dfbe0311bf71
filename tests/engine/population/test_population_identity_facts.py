"""The NumPy facts a population's exactness rests on, checked on this machine's BLAS.

A member trained inside a stacked population gives its single run's numbers only if
each stacked operation equals the 2-D operation on the member's slice bit for bit.
benchmarks/population_identity.py measures these (and the traps) over many shapes;
this keeps the facts the engine uses under test, so a BLAS or NumPy that breaks one
fails here first, with the operation named, instead of deep in an identity test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import threadpoolctl

from nnexp.engine.activations import ACTIVATIONS

P = 5
SHAPES = [(2, 4), (4, 3), (784, 100), (100, 10)]
BATCHES = [1, 3, 10, 32, 128]


def same(stacked: np.ndarray, alone: list[np.ndarray]) -> bool:
    return bool(np.array_equal(stacked, np.stack(alone), equal_nan=True))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES)
def test_stacked_products_and_bias_sums_equal_each_members_2d_result(
    threads, dtype, shape
):
    rng = np.random.default_rng(sum(shape))
    m, n = shape
    W = rng.standard_normal((P, m, n)).astype(dtype)
    with threadpoolctl.threadpool_limits(threads, user_api="blas"):
        for B in BATCHES:
            X = rng.standard_normal((P, B, m)).astype(dtype)
            d = rng.standard_normal((P, B, n)).astype(dtype)
            assert same(X @ W, [X[p] @ W[p] for p in range(P)]), ("X @ W", B)
            assert same(X.swapaxes(-1, -2) @ d, [X[p].T @ d[p] for p in range(P)]), (
                "X.T @ d",
                B,
            )
            assert same(d @ W.swapaxes(-1, -2), [d[p] @ W[p].T for p in range(P)]), (
                "d @ W.T",
                B,
            )
            assert same(
                np.add.reduce(d, axis=-2), [d[p].sum(axis=0) for p in range(P)]
            ), ("bias sum", B)
            # evaluation: one shared (n, m) input against every member's weights
            assert same(X[0] @ W, [X[0] @ W[p] for p in range(P)]), ("shared X", B)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_stacked_vdot_through_matmul_equals_np_vdot(dtype):
    """(P, 1, N) @ (P, N, 1) gives each member's ``np.vdot`` (the squared norms of
    weights, gradients and errors); a vectorised sum of squares does not."""
    rng = np.random.default_rng(3)
    for m, n in SHAPES:
        W = rng.standard_normal((P, m, n)).astype(dtype)
        flat = W.reshape(P, 1, -1)
        stacked = (flat @ flat.swapaxes(-1, -2))[:, 0, 0]
        assert same(stacked, [np.vdot(W[p], W[p]) for p in range(P)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_row_reductions_of_the_losses_equal_the_members(dtype):
    rng = np.random.default_rng(4)
    for B in BATCHES:
        z = rng.standard_normal((P, B, 10)).astype(dtype)
        y = rng.standard_normal((P, B, 10)).astype(dtype)
        assert same(
            np.einsum("...j,...j->...", z, y),
            [np.einsum("ij,ij->i", z[p], y[p]) for p in range(P)],
        )
        # one (n, classes) target array shared by every member (evaluation), and the
        # ellipsis form on one run's 2-D arrays
        shared = np.broadcast_to(y[0], z.shape)
        assert same(
            np.einsum("...j,...j->...", z, shared),
            [np.einsum("ij,ij->i", z[p], y[0]) for p in range(P)],
        )
        assert np.array_equal(
            np.einsum("...j,...j->...", z[0], y[0]), np.einsum("ij,ij->i", z[0], y[0])
        )
        assert same(z.max(axis=-1), [z[p].max(axis=1) for p in range(P)])
        assert same(z.sum(axis=-1), [z[p].sum(axis=1) for p in range(P)])
        assert same(
            np.sum(z[..., 0], axis=-1, dtype=np.float64),
            [np.sum(z[p, :, 0], dtype=np.float64) for p in range(P)],
        )
        assert same(z.reshape(P, -1).sum(axis=-1), [z[p].sum() for p in range(P)])
        assert same(np.argmax(z, axis=-1), [np.argmax(z[p], axis=1) for p in range(P)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_activation_on_the_stack_equals_it_on_each_slice(dtype):
    rng = np.random.default_rng(5)
    z = rng.standard_normal((P, 9, 17)) * 10.0 ** rng.integers(-4, 5, (P, 9, 17))
    z = z.astype(dtype)
    da = rng.standard_normal(z.shape).astype(dtype)
    for name in ACTIVATIONS.names():
        act = ACTIVATIONS.build(name)
        with np.errstate(over="ignore"):  # exp overflows by nature, on both sides
            a = act.forward(z)
            assert same(a, [act.forward(z[p]) for p in range(P)]), name
            assert same(
                act.backprop(z, a, da.copy()),
                [act.backprop(z[p], a[p], da[p].copy()) for p in range(P)],
            ), name


def test_float64_hyperparameters_must_be_cast_to_the_weights_dtype():
    """A single run multiplies float32 arrays by Python floats, which NumPy rounds to
    float32 first; a float64 array promotes instead, and rounds differently."""
    W = np.float32([1.0000001, 3.3333333, 0.7])
    lr = np.array([0.1, 0.3, 0.7])
    alone = np.float32([W[i] * float(lr[i]) for i in range(3)])
    assert np.array_equal(W * lr.astype(np.float32), alone)
    assert (W * lr).dtype == np.float64  # the trap: not even float32


def test_python_pow_and_numpy_power_are_not_interchangeable_but_sqrt_is():
    """Adam's bias correction 1 − β^t and the exponential schedule r^t use ``**`` on
    Python floats in a single run; a per-member NumPy power is not always equal, so the
    population computes those powers with ``**`` member by member."""
    rng = np.random.default_rng(6)
    base, ts = rng.uniform(0.5, 0.9999, 3000), rng.integers(1, 20000, 3000)
    python = np.array([b**t for b, t in zip(base.tolist(), ts.tolist(), strict=True)])
    assert np.array_equal(
        np.sqrt(base), np.array([math.sqrt(b) for b in base.tolist()])
    )
    # not asserted to differ (that is the library's business): only that we do not rely
    # on it; the population's helper gives exactly the Python values
    from nnexp.engine.members import power

    assert np.array_equal(power(base, ts), python)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_drawing_into_a_slice_continues_the_stream_like_a_fresh_array(dtype):
    """Dropout masks of member p are drawn into the stacked mask's slice p."""
    fresh = np.random.default_rng(5).random((10, 7), dtype=dtype)
    into = np.empty((3, 10, 7), dtype=dtype)
    np.random.default_rng(5).random(dtype=dtype, out=into[1])
    assert np.array_equal(into[1], fresh)
