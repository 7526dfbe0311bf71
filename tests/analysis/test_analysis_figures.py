"""What the figures of selected runs contain, read back from the matplotlib objects."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_fixtures import make_config, make_history, write_run
from matplotlib.collections import PolyCollection
from matplotlib.image import AxesImage
from numpy.testing import assert_allclose

from nnexp.analysis.compare import compare
from nnexp.analysis.figures import curves_figure, loss_name, sweep_figure
from nnexp.analysis.select import select_runs
from nnexp.errors import RunError


def curves(ax):
    """Labelled curves: not the faint raw ones, not the × markers."""
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def legend_texts(fig):
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_overlay_has_one_colour_per_run_train_and_validation(runs_dir):
    runs = select_runs([runs_dir]).runs
    fig = curves_figure(runs)
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_ylabel(), acc_ax.get_ylabel()) == (
        "loss (cross-entropy)",
        "accuracy (%)",
    )
    for ax in (loss_ax, acc_ax):
        assert len(curves(ax)) == 6  # 3 runs × (train, validation)
        assert ax.get_xlabel() == "epoch"
    labels = legend_texts(fig)
    assert labels[:3] == [
        "activation=tanh, optimizer=sgd",
        "activation=relu, optimizer=adam",
        "activation=abs, optimizer=sgd",
    ]
    assert not any("run" in text or "2026" in text for text in labels)  # never folders
    # a run keeps its colour in both panels
    assert [c.get_color() for c in curves(loss_ax)] == [
        c.get_color() for c in curves(acc_ax)
    ]
    assert_allclose(
        curves(acc_ax)[1].get_ydata(), 100 * runs[0].history["val_accuracy"].to_numpy()
    )


def test_grouped_curves_draw_a_band_per_group_of_seeds(sweep1d):
    runs = select_runs([sweep1d]).runs
    fig = curves_figure(runs, by=["activation"])
    for ax in fig.axes:
        assert len(curves(ax)) == 6  # 3 groups × (train, validation) means
        assert len(bands(ax)) == 6  # a band under each mean
    assert legend_texts(fig)[:3] == [
        "activation=relu (n=3)",
        "activation=tanh (n=3)",
        "activation=abs (n=3)",
    ]
    relu = [r.history["val_accuracy"].to_numpy() for r in runs[:3]]
    assert_allclose(curves(fig.axes[1])[1].get_ydata(), 100 * np.mean(relu, axis=0))


def test_a_group_of_one_run_has_no_band(sweep1d, runs_dir):
    runs = select_runs([sweep1d]).runs[:3] + select_runs([runs_dir]).runs[2:]
    fig = curves_figure(runs, by=["activation"])
    assert (
        len(bands(fig.axes[0])) == 2
    )  # relu (3 seeds) has one per split; abs (1 run) none


def test_one_run_alone_has_its_name_as_title(runs_dir):
    run = select_runs([sorted(runs_dir.iterdir())[0]]).runs
    fig = curves_figure(run)
    assert fig.get_suptitle() == "run0: learning curves"
    assert [line.get_label() for line in curves(fig.axes[0])] == ["train", "validation"]


def test_metric_selection_time_axis_and_smoothing(runs_dir):
    runs = select_runs([runs_dir]).runs
    fig = curves_figure(
        runs, metrics=["accuracy"], x="time", smooth=3, log=False, title="custom"
    )
    (ax,) = fig.axes
    assert fig.get_suptitle() == "custom" and ax.get_xlabel() == "time (s)"
    raw = [line for line in ax.get_lines() if line.get_label().startswith("_raw")]
    assert len(raw) == 6 and all(line.get_alpha() < 0.5 for line in raw)
    assert_allclose(curves(ax)[0].get_xdata(), runs[0].history["seconds"].cumsum())


def test_a_diverged_run_is_marked(runs_dir, rng):
    write_run(
        runs_dir / "diverged",
        make_config(model__activation__name="exp"),
        make_history(rng, diverge_at=3),
    )
    fig = curves_figure(select_runs([runs_dir]).runs)
    markers = [line for line in fig.axes[0].get_lines() if line.get_marker() == "x"]
    assert len(markers) == 2  # train and validation end with a ×
    assert "diverged" in legend_texts(fig)


def test_a_metric_a_run_lacks_lists_what_it_has(runs_dir):
    with pytest.raises(
        RunError, match="has no metric 'mse'; available metrics: loss, accuracy"
    ):
        curves_figure(select_runs([runs_dir]).runs, metrics=["mse"])
    with pytest.raises(RunError, match="unknown x axis 'step'"):
        curves_figure(select_runs([runs_dir]).runs, x="step")


def test_loss_name_only_when_shared(runs_dir, regression_run):
    assert loss_name(select_runs([runs_dir]).runs) == "cross_entropy"
    runs = select_runs([runs_dir]).runs + select_runs([regression_run]).runs
    assert loss_name(runs) is None


def test_two_varied_settings_give_a_heatmap_with_short_axis_names(sweep2d):
    selection = select_runs([sweep2d])
    comparison = compare(selection.runs)
    fig = sweep_figure(selection, comparison.table, comparison.sort)
    ax = fig.axes[0]
    (image,) = [a for a in ax.get_images() if isinstance(a, AxesImage)]
    assert image.get_array().shape == (3, 2)
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("activation", "optimizer")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["relu", "tanh", "abs"]
    relu_sgd = [
        comparison.table["final_val_accuracy"][i]
        for i in range(len(comparison.table))
        if comparison.table["activation"][i] == "relu"
        and comparison.table["optimizer"][i] == "sgd"
    ]
    assert_allclose(image.get_array()[0, 0], 100 * np.mean(relu_sgd))


def test_one_varied_setting_gives_mean_and_std_per_value(sweep1d):
    selection = select_runs([sweep1d])
    comparison = compare(selection.runs)
    fig = sweep_figure(selection, comparison.table, comparison.sort)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["relu", "tanh", "abs"]
    assert ax.get_xlabel() == "activation" and "by activation" in fig.get_suptitle()


def test_three_varied_settings_have_no_sweep_figure(sweep2d, rng):
    selection = select_runs([sweep2d])
    write_run(sweep2d / "extra", make_config(optimizer__lr=0.5), make_history(rng))
    selection = select_runs([sweep2d])
    comparison = compare(selection.runs)
    assert sweep_figure(selection, comparison.table, comparison.sort) is None
