"""The activation gallery: grouping by family, plugins, no warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from plots_fixtures import Cube, Exp, Tanh, gallery_activations

from nnexp.errors import RunError
from nnexp.plots.activations import (
    default_family,
    evaluate,
    group_by_family,
    make_activation_gallery,
)


def visible_rows(fig):
    """{row label: [panel titles]} from the figure's grid of axes."""
    rows: dict[str, list[str]] = {}
    current = None
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec.colspan.start == 0:
            current = ax.get_ylabel()
        if ax.get_visible():
            rows.setdefault(current, []).append(ax.get_title())
    return rows


def test_gallery_has_one_row_per_family_and_one_panel_per_activation():
    fig = make_activation_gallery(gallery_activations())
    assert visible_rows(fig) == {
        "heaviside family": ["exp", "logistic"],
        "sign family": ["tanh", "softsign"],
        "relu family": ["relu"],
        "abs family": ["abs"],
        "identity family": ["identity", "cube (plugin)"],
        "output family": ["softmax([x, 0])₁"],
    }
    assert fig.get_suptitle() and fig.get_supxlabel() == "x"


def test_each_panel_shows_f_solid_and_f_prime_dashed():
    fig = make_activation_gallery([("tanh", Tanh())], x_range=(-3, 3), points=61)
    f, df = fig.axes[0].get_lines()[:2]
    assert (f.get_linestyle(), df.get_linestyle()) == ("-", "--")
    x = np.linspace(-3, 3, 61)
    assert_allclose(f.get_xdata(), x)
    assert_allclose(f.get_ydata(), np.tanh(x))
    assert_allclose(df.get_ydata(), 1 - np.tanh(x) ** 2)


def test_plugins_without_family_are_identity_and_family_of_overrides():
    assert default_family(Cube()) == "identity"
    groups = group_by_family([("cube", Cube()), ("exp", Exp())])
    assert list(groups) == ["heaviside", "identity"]
    custom = group_by_family([("cube", Cube()), ("exp", Exp())], lambda act: "mine")
    assert list(custom) == ["mine"] and len(custom["mine"]) == 2
    by_attr = group_by_family([("exp", Exp()), ("cube", Cube())], "family")
    assert list(by_attr) == ["heaviside", "identity"]


def test_exp_over_a_wide_range_emits_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = make_activation_gallery([("exp", Exp())], x_range=(-1000, 1000))
        fig.canvas.draw()
    f, _ = evaluate(Exp(), np.array([-1000.0, 0.0, 1000.0]))
    assert f[1] == 1.0 and np.isnan(f[2])  # overflow is simply not drawn
    ymin, ymax = fig.axes[0].get_ylim()
    assert ymax < 2000  # clipped near the x range instead of e^700


def test_softmax_shown_as_sigmoid_of_x():
    from nnexp.engine.activations import ACTIVATIONS

    x = np.linspace(-5, 5, 11)
    f, df = evaluate(ACTIVATIONS.build("softmax"), x)
    sigma = 1 / (1 + np.exp(-x))
    assert_allclose(f, sigma)
    assert_allclose(df, sigma * (1 - sigma))


def test_empty_gallery_is_an_error():
    with pytest.raises(RunError, match="at least one activation"):
        make_activation_gallery([])
