"""The plots a finished run leaves in ``plots/``: learning curves, per-layer
diagnostics, and by task a confusion matrix with a grid of test images
(classification) or the fit with its log10 error (1-D regression)."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnexp.engine.metrics import predicted_labels
from nnexp.plots.base import save_figure
from nnexp.plots.classification import make_confusion, make_sample_grid
from nnexp.plots.curves import make_learning_curves
from nnexp.plots.layers import make_layer_diagnostics
from nnexp.plots.regression import make_fit
from nnexp.runs.layout import RunPaths


def render_run_plots(
    paths: RunPaths,
    spec: Any,
    info: Any,
    splits: Any,
    network: Any,
    loss: Any,
    result: Any,
) -> list[str]:
    """Draw the run's figures into ``paths.plots``; returns the file names written."""
    paths.plots.mkdir(exist_ok=True)
    history = result.frame
    wants = spec.output.wants_plot
    written: list[str] = []

    def save(fig: Any, name: str) -> None:
        save_figure(fig, paths.plots / name)
        written.append(name)

    if len(history) and wants("curves"):
        save(
            make_learning_curves(
                history, title=f"{spec.name}: learning curves", loss_name=spec.loss.name
            ),
            "curves.png",
        )
    if len(history) and wants("layers"):
        save(
            make_layer_diagnostics(
                history, title=f"{spec.name}: per-layer diagnostics"
            ),
            "layers.png",
        )
    split = (
        splits.test
        if splits.test is not None
        else (splits.val if splits.val is not None else splits.train)
    )
    with np.errstate(all="ignore"):
        pred = network.predict(split.x)
    if info.task == "classification" and split.labels is not None:
        guess = predicted_labels(pred)
        if wants("confusion"):
            save(
                make_confusion(
                    split.labels,
                    guess,
                    class_names=info.class_names,
                    title=f"{spec.name}: confusion matrix ({_which(splits, split)})",
                ),
                "confusion.png",
            )
        if wants("samples") and _is_image(info):
            rng = np.random.default_rng(0)
            save(
                make_sample_grid(
                    split.x, split.labels, guess, class_names=info.class_names, rng=rng
                ),
                "samples.png",
            )
    elif info.task == "regression" and info.n_features == 1 and wants("fit"):
        order = np.argsort(split.x[:, 0])
        save(
            make_fit(
                split.x[order, 0],
                split.y[order],
                pred[order],
                title=f"{spec.name}: fit on the {_which(splits, split)} set",
            ),
            "fit.png",
        )
    return written


def _is_image(info: Any) -> bool:
    shape = tuple(info.input_shape)
    side = int(round(np.sqrt(info.n_features)))
    return len(shape) >= 2 or (side * side == info.n_features and info.n_features >= 64)


def _which(splits: Any, split: Any) -> str:
    if split is splits.test:
        return "test"
    return "validation" if split is splits.val else "training"
