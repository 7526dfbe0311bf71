"""The 1-D fit with its log10 error (the course's sin/cos figure)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from nnexp.errors import RunError
from nnexp.plots.regression import log10_error, make_fit


def test_log10_error_and_exact_zero_without_warning():
    out = log10_error(np.array([1.0, 2.0, 3.0]), np.array([1.1, 2.0, 2.999]))
    assert_allclose(out[[0, 2]], [-1.0, -3.0])
    assert np.isnan(out[1])


def test_fit_figure_sincos(rng):
    x = rng.permutation(np.linspace(0, np.pi / 2, 50))  # unsorted input is sorted
    target = np.column_stack([np.sin(x), np.cos(x)]) / 2 + 0.5
    pred = target + 10.0 ** rng.uniform(-6, -2, target.shape)
    fig = make_fit(x[:, None], target, pred, names=["sin", "cos"])
    top, bottom = fig.axes
    order = np.argsort(x)
    labels = [line.get_label() for line in top.get_lines()]
    assert labels == ["sin: data", "sin: network", "cos: data", "cos: network"]
    data, net = top.get_lines()[:2]
    assert data.get_linestyle() == "None" and data.get_marker() == "o"
    assert data.get_color() == net.get_color()
    assert_allclose(net.get_xdata(), x[order])
    assert_allclose(net.get_ydata(), pred[order, 0])
    assert_allclose(
        bottom.get_lines()[1].get_ydata(), np.log10(np.abs(pred - target))[order, 1]
    )
    assert bottom.get_ylabel() == "log10 |error|" and bottom.get_xlabel() == "x"
    assert top.get_ylabel() == "output" and fig.get_suptitle()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["sin", "cos", "data", "network"]


def test_fit_figure_one_output_default_name():
    x = np.linspace(-1, 1, 11)
    fig = make_fit(x, x**2, x**2 + 0.01)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == [
        "y1: data",
        "y1: network",
    ]


def test_fit_needs_one_input_feature():
    with pytest.raises(RunError, match="one input feature"):
        make_fit(np.ones((5, 2)), np.ones(5), np.ones(5))
