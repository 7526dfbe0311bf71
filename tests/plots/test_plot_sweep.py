"""Sweep heatmap and mean ± std chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer
from numpy.testing import assert_allclose
from plots_fixtures import sweep_cells

from nnexp.errors import RunError
from nnexp.plots.sweep import (
    make_errorbars,
    make_heatmap,
    make_sweep_figure,
    summarize_cells,
)

ACT, OPT, METRIC = "model.activation", "optimizer.name", "final_val_accuracy"


@pytest.fixture
def cells(rng):
    return sweep_cells(rng, seeds=3)


def test_summary_mean_std_count_in_grid_order(cells):
    summary = summarize_cells(cells, [ACT, OPT], METRIC)
    assert list(summary[ACT]) == [
        "relu",
        "relu",
        "tanh",
        "tanh",
        "abs",
        "abs",
        "exp",
        "exp",
    ]
    relu_sgd = cells[(cells[ACT] == "relu") & (cells[OPT] == "sgd")][METRIC] * 100
    row = summary.iloc[0]
    assert_allclose([row["mean"], row["std"]], [relu_sgd.mean(), relu_sgd.std(ddof=1)])
    assert (row["n"], row["total"]) == (3, 3)
    assert (summary.iloc[-1]["n"], summary.iloc[-1]["total"]) == (0, 3)  # exp diverged


def test_heatmap_cells_annotated_with_mean_and_std(cells):
    fig = make_heatmap(cells, ACT, OPT, METRIC)
    ax, bar = fig.axes
    texts = [t.get_text() for t in ax.texts]
    summary = summarize_cells(cells, [ACT, OPT], METRIC)
    expected = [
        f"{m:.1f}\n± {s:.1f}"
        for m, s in zip(summary["mean"][:6], summary["std"][:6], strict=True)
    ]
    assert texts[:6] == expected
    assert texts[6:] == ["no finite run\n(0/3)"] * 2
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "relu",
        "tanh",
        "abs",
        "exp",
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["sgd", "adam"]
    assert (ax.get_ylabel(), ax.get_xlabel()) == (ACT, OPT)
    assert bar.get_ylabel() == "mean final validation accuracy (%)"
    assert_allclose(ax.images[0].get_array()[0, 0], summary["mean"][0])
    assert "over 3 runs per cell" in fig.get_suptitle()


def test_heatmap_single_replicate_and_partial_divergence():
    cells = pd.DataFrame(
        {"a": ["x", "x", "y"], "b": [1, 1, 2], "final_val_loss": [0.5, np.inf, 0.25]}
    )
    texts = [
        t.get_text()
        for t in make_heatmap(cells, "a", "b", "final_val_loss").axes[0].texts
    ]
    # No std from one value; the empty cells (x, 2) and (y, 1) get no text.
    assert texts == ["0.5\n(1/2 finite)", "0.25"]


def test_errorbars_one_point_per_value_with_seed_dots(cells):
    fig = make_errorbars(cells, ACT, METRIC)
    ax = fig.axes[0]
    containers = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(containers) == 4
    relu = cells[cells[ACT] == "relu"][METRIC] * 100
    point = containers[0].lines[0]
    # errorbar stores its data as objects (for units)
    assert_allclose(point.get_ydata().astype(float), [relu.mean()])
    assert len(ax.collections[-1].get_offsets()) == len(cells)  # every run as a dot
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "relu",
        "tanh",
        "abs",
        "exp",
    ]
    assert "0/6 finite" in [t.get_text() for t in ax.texts]
    assert ax.get_ylabel() == "final validation accuracy (%)" and ax.get_xlabel() == ACT
    colors = {c.lines[0].get_color() for c in containers}
    assert len(colors) == 4


def test_sweep_figure_dispatch_and_errors(cells):
    assert len(make_sweep_figure(cells, [ACT], METRIC).axes) == 1
    assert len(make_sweep_figure(cells, [ACT, OPT], METRIC).axes) == 2  # map and bar
    with pytest.raises(RunError, match="one or two"):
        make_sweep_figure(cells, [ACT, OPT, "seed"], METRIC)
    with pytest.raises(RunError, match="'test_accuracy'"):
        make_heatmap(cells, ACT, OPT, "test_accuracy")


def test_list_valued_keys_are_labelled_by_their_text():
    cells = pd.DataFrame(
        {
            "model.layers": [[784, 32, 10], [784, 32, 10], [784, 64, 10]],
            "final_val_accuracy": [0.9, 0.92, 0.95],
        }
    )
    fig = make_errorbars(cells, "model.layers", "final_val_accuracy")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["[784, 32, 10]", "[784, 64, 10]"]
