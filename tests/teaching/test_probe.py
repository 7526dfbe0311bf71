"""Random-network probes (E6): grid shape, inputs, ranges, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from nnexp.engine.network import build_network
from nnexp.errors import NnexpError
from nnexp.teaching.probe import (
    ProbeRow,
    probe_figure,
    probe_networks,
    same_activation_rows,
)

E6 = [5, 5, 5, 5]


def probe(seed: int = 0, **kwargs):
    kwargs.setdefault("rows", same_activation_rows(["tanh", "relu", "identity"], 2))
    return probe_networks(
        E6 if "sizes" not in kwargs else kwargs.pop("sizes"),
        rng=np.random.default_rng(seed),
        **kwargs,
    )


def test_grid_has_activations_times_draws_panels_with_one_line_each():
    result = probe(draws=3, x_range=(-10, 10))
    assert result.curves.shape == (3, 3, 401)
    fig = probe_figure(result)
    assert len(fig.axes) == 9
    for ax in fig.axes:
        (line,) = ax.get_lines()
        x = line.get_xdata()
        assert (x[0], x[-1]) == (-10, 10)
    assert [ax.get_ylabel().split("\n")[0] for ax in fig.axes[::3]] == [
        "tanh",
        "relu",
        "identity",
    ]


def test_x_range_and_fixed_inputs_are_respected():
    result = probe(x_index=3, y_index=2, x_range=(-2.5, 4.0), draws=2)
    assert result.x[0] == -2.5 and result.x[-1] == 4.0
    X = result.design_matrix()
    assert_allclose(X[:, 2], result.x)
    others = np.delete(X, 2, axis=1)
    assert np.all(others == others[0]) and np.all(np.isfinite(others))
    assert np.isnan(result.inputs[2])


def test_identity_networks_are_the_linear_map_of_the_weight_product():
    """With identity everywhere and zero biases, y = x W¹W²W³: a straight line whose
    slope is the product's (x_index, y_index) entry and whose intercept comes from the
    fixed inputs alone."""
    rows = [ProbeRow("identity", ("identity", "identity"), "identity")]
    result = probe(seed=7, rows=rows, x_index=2, y_index=4, draws=3)
    seeds = np.random.default_rng(7)
    seeds.standard_normal(5)  # the fixed inputs come first, then one seed per draw
    for j, seed in enumerate(seeds.integers(0, 2**63 - 1, size=3)):
        net = build_network(E6, activation="identity", output_activation="identity",
                            rng=np.random.default_rng(int(seed)))  # fmt: skip
        M = net.params["W1"] @ net.params["W2"] @ net.params["W3"]
        fixed = np.nan_to_num(result.inputs)  # the probed input contributes via x
        assert_allclose(
            result.curves[0, j], result.x * M[1, 3] + fixed @ M[:, 3], atol=1e-12
        )


def test_same_seed_same_curves_other_seed_other_curves():
    a, b, c = probe(seed=3), probe(seed=3), probe(seed=4)
    assert_allclose(a.curves, b.curves, rtol=0, atol=0)
    assert_allclose(a.inputs, b.inputs)
    assert not np.allclose(a.curves, c.curves)


def test_a_column_shares_its_weights_across_rows():
    # same weights, only the output activation differs: row 2 is tanh of row 1
    rows = [
        ProbeRow("linear", ("relu", "relu"), "identity"),
        ProbeRow("tanh out", ("relu", "relu"), "tanh"),
    ]
    result = probe(rows=rows, draws=3, x_range=(-5, 5))
    assert_allclose(result.curves[1], np.tanh(result.curves[0]), rtol=1e-14, atol=1e-15)
    assert not np.allclose(result.curves[0, 0], result.curves[0, 1])  # draws differ


def test_relu_rows_are_piecewise_linear_and_tanh_rows_bounded():
    result = probe(draws=4, x_range=(-50, 50))
    tanh, relu = result.curves[0], result.curves[1]
    assert np.all(np.abs(tanh) <= 1)
    assert np.all(relu >= 0)  # relu in the output layer too
    second = np.diff(relu, n=2, axis=1)
    assert np.mean(np.abs(second) < 1e-9) > 0.9  # straight except at a few kinks


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"x_index": 6}, "input 6 does not exist"),
        ({"y_index": 0}, "output 0 does not exist"),
        ({"x_range": (3, 3)}, "low < high"),
        ({"draws": 0}, "draws"),
        ({"sizes": [5]}, "two or more"),
    ],
)
def test_bad_arguments_are_refused(kwargs, fragment):
    with pytest.raises(NnexpError, match=fragment):
        probe(**kwargs)
