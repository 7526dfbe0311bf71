"""Learning curves, overlays, grouped bands and per-layer diagnostics."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from numpy.testing import assert_allclose
from plots_fixtures import classification_history, diverged_history

from nnexp.errors import RunError
from nnexp.plots.base import new_figure
from nnexp.plots.curves import (
    make_grouped_curves,
    make_learning_curves,
    make_overlay,
    plot_metric,
)
from nnexp.plots.layers import make_layer_diagnostics
from nnexp.plots.panels import LOG_RANGE, log_scale


def curves(ax):
    """The labelled curves of a panel (not the faint raw ones, not markers)."""
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def markers(ax):
    return [line for line in ax.get_lines() if line.get_marker() == "x"]


def bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_single_run_two_panels_train_dashed_validation_solid(cls_history):
    fig = make_learning_curves(cls_history, loss_name="mse", title="mnist_relu")
    loss_ax, acc_ax = fig.axes
    assert fig.get_suptitle() == "mnist_relu"
    assert (loss_ax.get_xlabel(), loss_ax.get_ylabel()) == ("epoch", "loss (mse)")
    assert acc_ax.get_ylabel() == "accuracy (%)"
    for ax in (loss_ax, acc_ax):
        train, val = curves(ax)
        assert (train.get_label(), train.get_linestyle()) == ("train", "--")
        assert (val.get_label(), val.get_linestyle()) == ("validation", "-")
        assert train.get_color() == val.get_color()
        assert ax.get_legend() is not None and ax.get_title()
    assert_allclose(curves(acc_ax)[1].get_ydata(), 100 * cls_history["val_accuracy"])
    assert_allclose(curves(loss_ax)[0].get_xdata(), cls_history["epoch"])


def test_no_validation_set_draws_only_the_train_curve(cls_history):
    history = cls_history.assign(val_loss=np.nan, val_accuracy=np.nan)
    fig = make_learning_curves(history)
    for ax in fig.axes:
        assert [line.get_label() for line in curves(ax)] == ["train"]
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train"]


def test_regression_run_defaults_to_loss_and_mse(reg_history):
    fig = make_learning_curves(reg_history, metrics=["loss", "mse", "max_abs_error"])
    assert [ax.get_ylabel() for ax in fig.axes] == [
        "loss",
        "mean squared error",
        "max |error|",
    ]


def test_overlay_one_colour_per_run_in_every_panel(rng):
    runs = {
        f"activation={a}": classification_history(rng, 10)
        for a in ("relu", "tanh", "abs")
    }
    fig = make_overlay(runs)
    colors = []
    for ax in fig.axes:
        lines = curves(ax)
        assert len(lines) == 6  # three runs × train and validation
        assert {line.get_label() for line in lines} == {
            f"activation={a} ({s})"
            for a in ("relu", "tanh", "abs")
            for s in ("train", "validation")
        }
        colors.append(
            {line.get_label().split(" (")[0]: line.get_color() for line in lines}
        )
    assert colors[0] == colors[1] and len(set(colors[0].values())) == 3
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts[:3] == list(runs) and "train" in legend_texts
    assert fig.get_suptitle() == "Learning curves (3 runs)"


def test_overlay_by_time_uses_cumulative_seconds(cls_history):
    fig = make_overlay({"a": cls_history}, x="time")
    line = curves(fig.axes[0])[0]
    assert_allclose(line.get_xdata(), np.cumsum(cls_history["seconds"]))
    assert fig.axes[0].get_xlabel() == "time (s)"


def test_log_scale_on_losses_and_never_on_percentages(cls_history, rng):
    diverged = diverged_history(rng, 10)  # its loss reaches 0.4 · 3^8 ≈ 2600
    fig = make_overlay({"a": cls_history}, log=True)
    assert [ax.get_yscale() for ax in fig.axes] == ["log", "linear"]
    auto = make_overlay({"a": cls_history, "b": diverged})  # loss spans > 3 decades
    assert [ax.get_yscale() for ax in auto.axes] == ["log", "linear"]
    assert make_overlay({"a": cls_history}).axes[0].get_yscale() == "linear"
    forced = make_overlay({"a": cls_history, "b": diverged}, log=False)
    assert forced.axes[0].get_yscale() == "linear"


def test_exact_zeros_keep_an_error_panel_on_a_log_axis(reg_history):
    """E1's runs fit their 4 samples exactly: a max |error| of 0.0 next to 1e-16 and
    0.5 must not turn the panel linear, where every converged curve lies on zero."""
    exact = reg_history.copy()
    exact.loc[5:, ["train_max_abs_error", "val_max_abs_error"]] = 0.0
    fig = make_overlay({"a": reg_history, "exact": exact})
    assert fig.axes[1].get_title() == "Max |error|"
    assert fig.axes[1].get_yscale() == "log"
    assert log_scale("max_abs_error", None, np.array([0.0, 1e-16, 0.5]))
    assert not log_scale("max_abs_error", None, np.array([-1e-3, 0.5]))
    assert not log_scale("loss", None, np.zeros(4))
    assert not log_scale("loss", None, np.array([0.0, 0.2, 0.3]))  # one decade


def test_a_diverged_loss_of_1e266_still_draws(reg_history):
    """matplotlib's log ticks overflow past 1e308 when the range reaches 1e266 and
    the figure could not be saved: the range is held within LOG_RANGE."""
    blown = reg_history.copy()
    blown.loc[2, ["train_loss", "val_loss"]] = [4e85, 4e266]
    blown.loc[3:, ["train_loss", "val_loss"]] = np.inf
    fig = make_overlay({"a": reg_history, "blown": blown})
    loss = fig.axes[0]
    assert loss.get_yscale() == "log"
    low, high = loss.get_ylim()
    assert LOG_RANGE < high < LOG_RANGE**1.1 and low < reg_history["train_loss"].min()
    fig.savefig(io.BytesIO(), format="png")  # raised OverflowError before


def test_smoothing_keeps_the_raw_curve_faint(cls_history):
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    artists = plot_metric(ax, cls_history, "loss", smooth=3, label="r")
    raw = [a for a in artists if a.get_label().startswith("_raw")]
    smooth = [a for a in artists if not a.get_label().startswith("_")]
    assert len(raw) == len(smooth) == 2
    assert all(line.get_alpha() < 0.5 for line in raw)
    assert_allclose(raw[0].get_ydata(), cls_history["train_loss"])
    y = cls_history["train_loss"].to_numpy()
    assert_allclose(smooth[0].get_ydata()[1], y[:3].mean())
    assert_allclose(smooth[0].get_ydata()[0], y[:2].mean())


def test_diverged_run_marked_at_its_last_finite_point(cls_history, diverged):
    fig = make_overlay({"ok": cls_history, "exp": diverged})
    loss_ax, acc_ax = fig.axes
    marks = markers(loss_ax)
    assert len(marks) == 2  # train and validation of the diverged run only
    last = len(diverged) - 2  # the final row is infinite: the mark sits one earlier
    assert {m.get_xdata()[0] for m in marks} == {diverged["epoch"][last]}
    assert {m.get_ydata()[0] for m in marks} == {
        diverged["train_loss"][last],
        diverged["val_loss"][last],
    }
    # The meaningless accuracy of the diverged epoch is not drawn either.
    for line in curves(acc_ax):
        if line.get_label().startswith("exp"):
            assert len(line.get_xdata()) == len(diverged) - 1
    assert "diverged" in [t.get_text() for t in fig.legends[0].get_texts()]
    assert not markers(make_overlay({"ok": cls_history}).axes[0])


def test_grouped_curves_band_only_for_groups_of_two_or_more(rng):
    relu = [classification_history(rng, 10, scale=s) for s in (0.8, 1.0, 1.3)]
    tanh = [classification_history(rng, 10, scale=2.0)]
    runs = [("relu", h) for h in relu] + [("tanh", h) for h in tanh]
    fig = make_grouped_curves(runs)
    for ax in fig.axes:
        colors_of_bands = {
            tuple(np.round(b.get_facecolor()[0][:3], 3)) for b in bands(ax)
        }
        assert len(bands(ax)) == 2  # relu: train and validation; tanh: none
        relu_lines = [
            line for line in curves(ax) if line.get_label().startswith("relu")
        ]
        assert len(relu_lines) == 2 and len(curves(ax)) == 4
        assert colors_of_bands == {
            tuple(np.round(to_rgb(relu_lines[0].get_color()), 3))
        }
    val_mean = [
        line for line in curves(fig.axes[0]) if line.get_label() == "relu (validation)"
    ]
    expected = np.mean([h["val_loss"] for h in relu], axis=0)
    assert_allclose(val_mean[0].get_ydata(), expected)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:2] == ["relu (n=3)", "tanh (n=1)"]


def test_grouped_band_is_mean_plus_minus_sample_std(rng):
    runs = [("g", classification_history(rng, 5)) for _ in range(3)]
    fig = make_grouped_curves(runs, metrics=["loss"])
    band = [b for b in bands(fig.axes[0])][1]  # validation band
    values = np.array([h["val_loss"] for _, h in runs])
    mean, std = values.mean(axis=0), values.std(axis=0, ddof=1)
    ys = band.get_paths()[0].vertices[:, 1]
    assert_allclose(ys.max(), (mean + std).max())
    assert_allclose(ys.min(), (mean - std).min())


def test_grouped_with_a_diverged_member_marks_it(rng):
    runs = [("exp", diverged_history(rng, 6)), ("exp", classification_history(rng, 6))]
    fig = make_grouped_curves(runs, metrics=["loss"])
    assert len(markers(fig.axes[0])) == 2


def test_runs_of_different_tasks_cannot_share_a_panel(cls_history, reg_history):
    with pytest.raises(RunError, match="run 'b' has no metric 'accuracy'"):
        make_overlay({"a": cls_history, "b": reg_history})
    with pytest.raises(RunError, match="no runs"):
        make_overlay({})
    with pytest.raises(RunError, match="no epoch"):
        make_learning_curves(pd.DataFrame({"epoch": [], "train_loss": []}))


def test_layer_diagnostics_one_line_per_layer(cls_history):
    fig = make_layer_diagnostics(cls_history)
    dead, grad, weight = fig.axes
    assert [ax.get_title() for ax in fig.axes] == [
        "Dead units",
        "Gradient norm ‖∂L/∂W‖",
        "Weight norm ‖W‖",
    ]
    for ax in fig.axes:
        assert [line.get_label() for line in ax.get_lines()] == ["layer 1", "layer 2"]
        assert ax.get_xlabel() == "epoch"
    assert grad.get_yscale() == "log" and weight.get_yscale() == "linear"
    assert dead.get_ylabel() == "dead units (%)"
    assert_allclose(
        dead.get_lines()[1].get_ydata(), 100 * cls_history["layer2_dead_fraction"]
    )


def test_layer_diagnostics_without_layer_columns_fails(reg_history):
    with pytest.raises(RunError, match="per-layer"):
        make_layer_diagnostics(reg_history[["epoch", "train_loss"]])


def test_overlay_of_many_runs_keeps_the_legend_short(rng):
    history = classification_history(rng, 4)
    fig = make_overlay([(f"seed={i}", history) for i in range(100)], metrics=["loss"])
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(curves(fig.axes[0])) == 200
    assert texts[:2] == ["seed=0", "seed=1"] and "… and 81 more" in texts
    assert len(texts) == 20 + 2  # 19 runs, the summary, train and validation


def test_grouped_curves_by_time(rng):
    runs = [("g", classification_history(rng, 6)) for _ in range(2)]
    fig = make_grouped_curves(runs, x="time", metrics=["loss"])
    line = curves(fig.axes[0])[0]
    expected = np.mean([np.cumsum(h["seconds"]) for _, h in runs], axis=0)
    assert_allclose(line.get_xdata(), expected)


@pytest.mark.parametrize("n_panels", [1, 2, 3])
def test_overlay_legend_of_long_labels_lies_inside_the_figure(rng, n_panels):
    # runs differing in many settings: labels of well over 100 characters
    labels = [
        f"layers=[784, {w}, 10], activation={a}, initializer=randn_average, "
        f"optimizer=sgd, lr={lr}, momentum=0.9, batch_size=32, schedule=constant, "
        f"seed={i}"
        for i, (w, a, lr) in enumerate(
            [(100, "tanh", 0.1), (50, "relu", 0.05), (200, "logistic", 0.2)]
        )
    ]
    history = classification_history(rng, 6)
    metrics = ["loss", "accuracy", "train_seconds"][:n_panels]
    fig = make_overlay([(label, history) for label in labels], metrics=metrics)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.legends[0].get_window_extent(renderer)
    frame = fig.bbox
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1
    assert frame.y0 <= box.y0 and box.y1 <= frame.y1
    for ax in fig.axes:  # the panels stay clear of the legend
        assert not ax.get_window_extent(renderer).overlaps(box)


def test_layer_diagnostics_show_saturation_and_update_ratio_when_recorded(cls_history):
    history = cls_history.copy()
    for i in (1, 2):
        history[f"layer{i}_saturation"] = np.linspace(0.0, 0.5 * i, len(history))
        history[f"layer{i}_update_ratio"] = np.geomspace(1e-2, 1e-5, len(history))
    history["layer1_saturation"] = np.nan  # e.g. relu: unbounded, nothing counted
    history["layer2_saturation"] = np.linspace(0.0, 0.9, len(history))
    fig = make_layer_diagnostics(history)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "Dead units",
        "Saturated units",
        "Gradient norm ‖∂L/∂W‖",
        "Update / weight ratio",
        "Weight norm ‖W‖",
    ]
    saturation, update = fig.axes[1], fig.axes[3]
    assert update.get_yscale() == "log" and saturation.get_yscale() == "linear"
    assert saturation.get_ylabel() == "saturated units (%)"
    assert_allclose(
        saturation.get_lines()[1].get_ydata(), 100 * history["layer2_saturation"]
    )
    history[["layer1_update_ratio", "layer2_update_ratio"]] = np.nan
    history[["layer1_saturation", "layer2_saturation"]] = np.nan
    assert len(make_layer_diagnostics(history).axes) == 3  # all-NaN quantities left out
