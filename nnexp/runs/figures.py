"""The plots a finished run leaves in ``plots/``: every kind registered in
:data:`nnexp.plots.registry.RUN_PLOTS` that the spec's ``output.plots`` asks for and
the run can draw (learning curves, per-layer diagnostics, and by task a confusion
matrix with a grid of test images, or the fit of a 1-D regression)."""

from __future__ import annotations

from typing import Any

from nnexp.plots.animation import save_animation
from nnexp.plots.base import save_figure
from nnexp.plots.registry import RUN_PLOTS
from nnexp.plots.run_input import RunFigureInput
from nnexp.runs.layout import RunPaths
from nnexp.runs.snapshots import layer_values, predictors, run_weights

#: training samples the per-layer distributions are computed on
INSIDE_SAMPLES = 256


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
    run = RunFigureInput(
        name=spec.name,
        history=result.frame,
        loss_name=spec.loss.name,
        data=lambda: (splits, info),
        predict=network.predict,
        over_epochs=lambda: predictors(network, paths.root, result.epochs),
        inside=lambda: inside_values(paths, splits, network, loss, result.epochs),
    )
    written: list[str] = []
    for kind in RUN_PLOTS:
        if spec.output.wants_plot(kind.name) and kind.applies(run):
            save_figure(kind.draw(run), paths.plots / kind.file)
            written.append(kind.file)
            if kind.animate is not None:
                gif = save_animation(
                    kind.animate(run), paths.plots / f"{kind.name}.gif"
                )
                if gif is not None:
                    written.append(gif.name)
    return written


def inside_values(
    paths: RunPaths, splits: Any, network: Any, loss: Any, final_epoch: int
) -> dict[int, dict[str, list[Any]]]:
    """The per-layer values of :func:`nnexp.runs.snapshots.layer_values` at the
    kept epochs and the final weights (``network``'s, at ``final_epoch``), on the
    first training samples."""
    kept = run_weights(paths.root)
    kept[final_epoch] = network.get_weights()
    x, y = splits.train.x[:INSIDE_SAMPLES], splits.train.y[:INSIDE_SAMPLES]
    return layer_values(network, loss, kept, x, y)
