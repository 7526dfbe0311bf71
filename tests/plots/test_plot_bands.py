"""Bands of grouped curves in the space of the axis, within the metric's range; the
marker of one-epoch runs; the log axis of regression errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PolyCollection
from numpy.testing import assert_allclose
from plots_fixtures import classification_history

from nnexp.plots.curves import make_grouped_curves, make_learning_curves, make_overlay


def band_ys(ax, which: slice | int = slice(None)) -> np.ndarray:
    """The y of every vertex of the bands (PolyCollection; train then validation)
    of a panel."""
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    polys = polys[which] if isinstance(which, slice) else [polys[which]]
    return np.concatenate([p.vertices[:, 1] for c in polys for p in c.get_paths()])


def spread_runs(rng) -> list[tuple[str, pd.DataFrame]]:
    """Three runs of one group whose losses differ by decades and whose accuracies
    differ by tens of points: a linear mean ± std leaves both ranges."""
    runs = []
    for loss_scale, acc in ((1e-3, 0.995), (1e-2, 0.99), (30.0, 0.30)):
        h = classification_history(rng, 6)
        h["train_loss"] = h["train_loss"] * loss_scale
        h["val_loss"] = h["val_loss"] * loss_scale
        h["train_accuracy"] = np.full(6, acc)
        h["val_accuracy"] = np.full(6, acc)
        runs.append(("g", h))
    return runs


def test_log_axis_band_is_positive_and_centred_on_the_geometric_mean(rng):
    runs = spread_runs(rng)
    loss_ax, acc_ax = make_grouped_curves(runs).axes
    assert loss_ax.get_yscale() == "log"
    assert (band_ys(loss_ax) > 0).all()
    ys = band_ys(loss_ax, 1)  # validation
    logs = np.log10([h["val_loss"] for _, h in runs])
    mean, std = logs.mean(axis=0), logs.std(axis=0, ddof=1)
    assert_allclose(ys.max(), (10 ** (mean + std)).max(), rtol=1e-12)
    assert_allclose(ys.min(), (10 ** (mean - std)).min(), rtol=1e-12)
    line = [ln for ln in loss_ax.get_lines() if ln.get_label() == "g (validation)"]
    assert_allclose(line[0].get_ydata(), 10**mean, rtol=1e-12)


def test_accuracy_band_stays_within_0_and_100_percent(rng):
    runs = spread_runs(rng)
    acc_ax = make_grouped_curves(runs).axes[1]
    assert acc_ax.get_yscale() == "linear"
    assert band_ys(acc_ax).max() <= 100.0
    ys = band_ys(acc_ax, 1)
    values = 100 * np.array([0.995, 0.99, 0.30])
    assert_allclose(ys.max(), 100.0)  # mean + std would be 113
    assert_allclose(ys.min(), values.mean() - values.std(ddof=1))


def test_linear_loss_band_never_goes_below_zero(rng):
    runs = spread_runs(rng)
    loss_ax = make_grouped_curves(runs, log=False).axes[0]
    ys = band_ys(loss_ax)
    assert ys.min() == 0.0  # mean − std of these losses is negative


def test_one_epoch_runs_are_dots_never_the_diverged_cross(rng):
    one = {"a": classification_history(rng, 1), "b": classification_history(rng, 1)}
    for fig in (make_overlay(one), make_learning_curves(one["a"])):
        for ax in fig.axes:
            markers = {ln.get_marker() for ln in ax.get_lines()}
            assert markers == {"o"}
            faces = {
                ln.get_linestyle(): ln.get_markerfacecolor() for ln in ax.get_lines()
            }
            assert faces["--"] == "none" and faces["-"] != "none"  # train ○, val ●
    legend = make_overlay(one).legends[0]
    assert "diverged" not in [t.get_text() for t in legend.get_texts()]
    assert {h.get_marker() for h in legend.legend_handles[2:]} == {"o"}


def test_regression_error_panel_is_logarithmic(reg_history):
    errors = reg_history["val_max_abs_error"]
    assert errors.max() < 1e3 * errors.min()  # not chosen for a wide range
    loss_ax, error_ax = make_learning_curves(reg_history).axes
    assert error_ax.get_title() == "Max |error|"
    assert error_ax.get_yscale() == "log"
    assert make_learning_curves(reg_history, log=False).axes[1].get_yscale() == (
        "linear"
    )


def test_one_epoch_group_shows_its_spread_as_a_bar(rng):
    runs = [("g", classification_history(rng, 1)) for _ in range(3)]
    ax = make_grouped_curves(runs, metrics=["loss"]).axes[0]
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    values = np.array([h["val_loss"].iloc[0] for _, h in runs])
    (segment,) = bars[1].get_segments()  # validation
    assert_allclose(
        sorted(segment[:, 1]),
        [values.mean() - values.std(ddof=1), values.mean() + values.std(ddof=1)],
    )
